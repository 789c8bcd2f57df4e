//! Repliek: Context + Antwoorden? (Antwoord: Referte, Inhoud?, Uitzonderingen?) + Uitzonderingen?.

use std::collections::HashSet;

use crate::xml::{Element, WriteError, XmlWriter};

use super::context::{context_setters, Afzender, Annotatie, Context, ContextBuilder, Ontvanger};
use super::error::{ModelError, Reason};
use super::inhoud::Inhoud;
use super::read::ElementCursor;
use super::tijd::Tijdstip;
use super::uitzondering::{read_uitzonderingen, write_uitzonderingen, Uitzondering};
use super::values::{BerichtType, Referte, SchemaVersion, Versie};

/// What an Antwoord says: Inhoud, Uitzonderingen, or both, but never Inhoud together
/// with an Uitzondering of Type FOUT, and never neither.
///
/// The deck's rule: a failure returns Uitzonderingen (at least one FOUT) and no Inhoud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uitkomst {
    inhoud: Option<Inhoud>,
    uitzonderingen: Vec<Uitzondering>,
}

impl Uitkomst {
    /// Success: Inhoud, no Uitzonderingen.
    pub fn ok(inhoud: Inhoud) -> Self {
        Uitkomst { inhoud: Some(inhoud), uitzonderingen: Vec::new() }
    }

    /// Success with warnings or information: Inhoud plus Uitzonderingen, none of Type FOUT.
    pub fn ok_met_meldingen(
        inhoud: Inhoud,
        meldingen: impl IntoIterator<Item = Uitzondering>,
    ) -> Result<Self, ModelError> {
        let uitzonderingen: Vec<_> = meldingen.into_iter().collect();
        if uitzonderingen.iter().any(Uitzondering::is_fout) {
            return Err(ModelError::invalid(
                "Antwoord/Uitzonderingen",
                Reason::WrongUitzonderingType { required: "WAARSCHUWING or INFORMATIE" },
            ));
        }
        Ok(Uitkomst { inhoud: Some(inhoud), uitzonderingen })
    }

    /// Failure: `fout` (of Type FOUT) and possibly more Uitzonderingen, no Inhoud.
    pub fn fout(fout: Uitzondering, meer: impl IntoIterator<Item = Uitzondering>) -> Result<Self, ModelError> {
        if !fout.is_fout() {
            return Err(ModelError::invalid(
                "Antwoord/Uitzonderingen",
                Reason::WrongUitzonderingType { required: "FOUT" },
            ));
        }
        let mut uitzonderingen = vec![fout];
        uitzonderingen.extend(meer);
        Ok(Uitkomst { inhoud: None, uitzonderingen })
    }

    /// No Inhoud, only Uitzonderingen of any Type (e.g. a WAARSCHUWING "no data found").
    pub fn zonder_inhoud(eerste: Uitzondering, meer: impl IntoIterator<Item = Uitzondering>) -> Self {
        let mut uitzonderingen = vec![eerste];
        uitzonderingen.extend(meer);
        Uitkomst { inhoud: None, uitzonderingen }
    }

    fn from_parts(inhoud: Option<Inhoud>, uitzonderingen: Vec<Uitzondering>) -> Result<Self, ModelError> {
        match (inhoud, uitzonderingen.is_empty()) {
            (None, true) => Err(ModelError::invalid("Antwoord", Reason::NeitherInhoudNorUitzonderingen)),
            (Some(_), false) if uitzonderingen.iter().any(Uitzondering::is_fout) => {
                Err(ModelError::invalid("Antwoord", Reason::InhoudWithFout))
            }
            (inhoud, _) => Ok(Uitkomst { inhoud, uitzonderingen }),
        }
    }

    /// The Inhoud, if any.
    pub fn inhoud(&self) -> Option<&Inhoud> {
        self.inhoud.as_ref()
    }
    /// The Uitzonderingen (level 3), possibly none.
    pub fn uitzonderingen(&self) -> &[Uitzondering] {
        &self.uitzonderingen
    }
    /// Whether this is a failure (an Uitzondering of Type FOUT).
    pub fn is_fout(&self) -> bool {
        self.uitzonderingen.iter().any(Uitzondering::is_fout)
    }
}

/// One Antwoord: the Referte of the Vraag it answers and its [`Uitkomst`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Antwoord {
    referte: Referte,
    uitkomst: Uitkomst,
}

impl Antwoord {
    /// An Antwoord to the Vraag with this Referte.
    pub fn new(referte: Referte, uitkomst: Uitkomst) -> Self {
        Antwoord { referte, uitkomst }
    }
    /// Success: Inhoud, no Uitzonderingen.
    pub fn ok(referte: Referte, inhoud: Inhoud) -> Self {
        Self::new(referte, Uitkomst::ok(inhoud))
    }
    /// Success with Uitzonderingen of Type WAARSCHUWING or INFORMATIE.
    pub fn ok_met_meldingen(
        referte: Referte,
        inhoud: Inhoud,
        meldingen: impl IntoIterator<Item = Uitzondering>,
    ) -> Result<Self, ModelError> {
        Ok(Self::new(referte, Uitkomst::ok_met_meldingen(inhoud, meldingen)?))
    }
    /// Failure: at least one Uitzondering, the first of Type FOUT, and no Inhoud.
    pub fn fout(
        referte: Referte,
        fout: Uitzondering,
        meer: impl IntoIterator<Item = Uitzondering>,
    ) -> Result<Self, ModelError> {
        Ok(Self::new(referte, Uitkomst::fout(fout, meer)?))
    }

    /// Referte (= the Vraag's).
    pub fn referte(&self) -> &Referte {
        &self.referte
    }
    /// The outcome.
    pub fn uitkomst(&self) -> &Uitkomst {
        &self.uitkomst
    }
    /// The Inhoud, if any.
    pub fn inhoud(&self) -> Option<&Inhoud> {
        self.uitkomst.inhoud()
    }
    /// The Uitzonderingen (level 3).
    pub fn uitzonderingen(&self) -> &[Uitzondering] {
        self.uitkomst.uitzonderingen()
    }
    /// Whether the Antwoord reports a failure.
    pub fn is_fout(&self) -> bool {
        self.uitkomst.is_fout()
    }

    fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        w.start_element(None, "Antwoord")?;
        w.text_element(None, "Referte", self.referte.as_str())?;
        if let Some(i) = &self.uitkomst.inhoud {
            i.write(w)?;
        }
        write_uitzonderingen(w, &self.uitkomst.uitzonderingen)?;
        w.end_element()?;
        Ok(())
    }

    fn read(el: Element<'_>, path: &str) -> Result<Self, ModelError> {
        let mut c = ElementCursor::new(el, path)?;
        let referte = Referte::new_for("Antwoord/Referte", &c.required_text("Referte")?)?;
        let inhoud = match c.optional("Inhoud")? {
            Some(i) => Some(Inhoud::from_element(i)?),
            None => None,
        };
        let uitzonderingen = match c.optional("Uitzonderingen")? {
            Some(u) => read_uitzonderingen(u, &c.child_path("Uitzonderingen"))?,
            None => Vec::new(),
        };
        c.finish()?;
        Ok(Antwoord { referte, uitkomst: Uitkomst::from_parts(inhoud, uitzonderingen)? })
    }
}

/// A reply: Context, 0..99 Antwoorden (distinct Refertes), and message-level (level 2)
/// Uitzonderingen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repliek {
    version: SchemaVersion,
    context: Context,
    antwoorden: Vec<Antwoord>,
    uitzonderingen: Vec<Uitzondering>,
}

impl Repliek {
    /// Limit on Antwoorden (one per Vraag).
    pub const MAX_ANTWOORDEN: usize = 99;

    /// Starts a Repliek from scratch. To answer a [`Verzoek`](super::Verzoek), prefer
    /// [`Verzoek::repliek`](super::Verzoek::repliek) or
    /// [`Verzoek::beantwoord`](super::Verzoek::beantwoord), which copy the Context.
    pub fn builder(naam: impl Into<String>, versie: Versie, afzender: Afzender) -> RepliekBuilder {
        RepliekBuilder::new(naam.into(), versie, afzender)
    }

    /// The schema version the message follows.
    pub fn schema_version(&self) -> SchemaVersion {
        self.version
    }
    /// Context.
    pub fn context(&self) -> &Context {
        &self.context
    }
    /// The Antwoorden, in order.
    pub fn antwoorden(&self) -> &[Antwoord] {
        &self.antwoorden
    }
    /// The Antwoord with this Referte.
    pub fn antwoord(&self, referte: &Referte) -> Option<&Antwoord> {
        self.antwoorden.iter().find(|a| &a.referte == referte)
    }
    /// Message-level (level 2) Uitzonderingen.
    pub fn uitzonderingen(&self) -> &[Uitzondering] {
        &self.uitzonderingen
    }

    /// Writes `<Repliek>…</Repliek>` (unqualified) at the writer's position.
    pub fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        self.write_inner(w, false)
    }

    pub(crate) fn write_inner(&self, w: &mut XmlWriter, reset_default: bool) -> Result<(), WriteError> {
        w.start_element(None, "Repliek")?;
        if reset_default {
            w.declare_namespace(None, "")?;
        }
        self.context.write(w)?;
        if !self.antwoorden.is_empty() {
            w.start_element(None, "Antwoorden")?;
            for a in &self.antwoorden {
                a.write(w)?;
            }
            w.end_element()?;
        }
        write_uitzonderingen(w, &self.uitzonderingen)?;
        w.end_element()?;
        Ok(())
    }

    /// Reads a `<Repliek>` element of a parsed document. `version`: the declared schema
    /// version, or `None` to detect it: 02.00 if an Uitzondering has Oorsprong or a Referte
    /// is longer than 24 characters; otherwise 01.02 if an Uitzondering lacks Oorsprong;
    /// otherwise 02.00.
    pub fn read(el: Element<'_>, version: Option<SchemaVersion>) -> Result<Self, ModelError> {
        Self::read_at(el, "Repliek", version)
    }

    pub(crate) fn read_at(el: Element<'_>, path: &str, version: Option<SchemaVersion>) -> Result<Self, ModelError> {
        if !el.is(None, "Repliek") {
            return Err(ModelError::UnexpectedElement {
                expected: "unqualified Repliek".into(),
                found: el.expanded_name(),
                path: path.rsplit_once('/').map_or("", |p| p.0).to_owned(),
            });
        }
        let mut c = ElementCursor::new(el, path)?;
        let context = Context::read(c.required("Context")?, &c.child_path("Context"))?;
        let mut antwoorden = Vec::new();
        if let Some(a) = c.optional("Antwoorden")? {
            let ap = c.child_path("Antwoorden");
            let mut ac = ElementCursor::new(a, &ap)?;
            let count = ac.remaining();
            if count > Self::MAX_ANTWOORDEN {
                return Err(ModelError::TooManyAntwoorden { count });
            }
            for (i, x) in ac.one_or_more("Antwoord")?.into_iter().enumerate() {
                antwoorden.push(Antwoord::read(x, &format!("{ap}/Antwoord[{}]", i + 1))?);
            }
            ac.finish()?;
        }
        let uitzonderingen = match c.optional("Uitzonderingen")? {
            Some(u) => read_uitzonderingen(u, &c.child_path("Uitzonderingen"))?,
            None => Vec::new(),
        };
        c.finish()?;
        let mut r = Repliek { version: SchemaVersion::V02_00, context, antwoorden, uitzonderingen };
        r.version = match version {
            Some(v) => v,
            None => r.detect_version(),
        };
        r.check()?;
        Ok(r)
    }

    /// 02.00 if anything says so (an Oorsprong, a Referte over 24 characters), else
    /// 01.02 if an Uitzondering lacks Oorsprong, else 02.00 (the default, which accepts
    /// every 01.02 message without Uitzonderingen).
    fn detect_version(&self) -> SchemaVersion {
        let v1 = SchemaVersion::V01_02;
        let long = |r: &Referte| r.char_len() > v1.max_referte_len();
        let b = &self.context.bericht;
        let says_02_00 = self.all_uitzonderingen().any(|u| u.oorsprong().is_some())
            || long(b.afzender.referte())
            || b.ontvanger.as_ref().and_then(|o| o.referte()).is_some_and(long)
            || self.antwoorden.iter().any(|a| long(&a.referte));
        if !says_02_00 && self.all_uitzonderingen().any(|u| u.oorsprong().is_none()) {
            v1
        } else {
            SchemaVersion::V02_00
        }
    }

    fn all_uitzonderingen(&self) -> impl Iterator<Item = &Uitzondering> {
        self.uitzonderingen.iter().chain(self.antwoorden.iter().flat_map(|a| a.uitkomst.uitzonderingen.iter()))
    }

    fn check(&self) -> Result<(), ModelError> {
        if self.antwoorden.len() > Self::MAX_ANTWOORDEN {
            return Err(ModelError::TooManyAntwoorden { count: self.antwoorden.len() });
        }
        let mut seen = HashSet::new();
        for a in &self.antwoorden {
            if !seen.insert(a.referte.as_str()) {
                return Err(ModelError::DuplicateReferte {
                    field: "Antwoord/Referte",
                    referte: a.referte.as_str().to_owned(),
                });
            }
        }
        self.context.check_version(self.version)?;
        for a in &self.antwoorden {
            a.referte.check_version("Antwoord/Referte", self.version)?;
        }
        for u in self.all_uitzonderingen() {
            u.check_version(self.version)?;
        }
        Ok(())
    }
}

/// Builds a [`Repliek`]; every rule is checked by [`build`](Self::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct RepliekBuilder {
    context: ContextBuilder,
    antwoorden: Vec<Antwoord>,
    uitzonderingen: Vec<Uitzondering>,
}

impl RepliekBuilder {
    pub(crate) fn new(naam: String, versie: Versie, afzender: Afzender) -> Self {
        RepliekBuilder {
            context: ContextBuilder::new(naam, versie, BerichtType::Antwoord, afzender),
            antwoorden: Vec::new(),
            uitzonderingen: Vec::new(),
        }
    }

    context_setters!(
        schema_version: "The schema version (default generiek-02.00; a reply to a Verzoek takes the Verzoek's).",
        bericht_type: "Bericht/Type (default ANTWOORD)."
    );
    /// Adds an Antwoord.
    pub fn antwoord(mut self, a: Antwoord) -> Self {
        self.antwoorden.push(a);
        self
    }
    /// Adds a message-level (level 2) Uitzondering.
    pub fn uitzondering(mut self, u: Uitzondering) -> Self {
        self.uitzonderingen.push(u);
        self
    }
    /// Checks every rule and makes the Repliek.
    pub fn build(self) -> Result<Repliek, ModelError> {
        let (version, context) = self.context.build()?;
        let r = Repliek { version, context, antwoorden: self.antwoorden, uitzonderingen: self.uitzonderingen };
        r.check()?;
        Ok(r)
    }
}
