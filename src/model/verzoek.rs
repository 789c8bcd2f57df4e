//! Verzoek: Context + Vragen (1..99 Vraag, each Referte + Inhoud).

use std::collections::HashSet;

use crate::xml::{Element, WriteError, XmlWriter};

use super::context::{context_setters, Afzender, Annotatie, Bericht, Context, ContextBuilder, Ontvanger};
use super::error::ModelError;
use super::inhoud::Inhoud;
use super::read::ElementCursor;
use super::repliek::{Antwoord, RepliekBuilder, Uitkomst};
use super::tijd::Tijdstip;
use super::values::{BerichtType, Instellingsnummer, Referte, SchemaVersion, Versie};

/// One Vraag: a Referte (unique within the Verzoek) and its Inhoud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vraag {
    referte: Referte,
    inhoud: Inhoud,
}

impl Vraag {
    /// A Vraag with this Referte.
    pub fn new(referte: Referte, inhoud: Inhoud) -> Self {
        Vraag { referte, inhoud }
    }
    /// Referte: echoed by the Antwoord.
    pub fn referte(&self) -> &Referte {
        &self.referte
    }
    /// Inhoud.
    pub fn inhoud(&self) -> &Inhoud {
        &self.inhoud
    }
}

/// A request: Context and 1..99 Vragen with distinct Refertes.
///
/// Only [`Verzoek::builder`] and [`Verzoek::read`] make one, and both enforce every rule,
/// so a `Verzoek` always writes a message that is valid in its [`SchemaVersion`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verzoek {
    version: SchemaVersion,
    context: Context,
    vragen: Vec<Vraag>,
}

impl Verzoek {
    /// The deck's limit on Vragen per Verzoek.
    pub const MAX_VRAGEN: usize = 99;

    /// Starts a Verzoek for operation `naam` (Context/Naam, at most 48 characters) in
    /// version `versie`, sent by `afzender`.
    pub fn builder(naam: impl Into<String>, versie: Versie, afzender: Afzender) -> VerzoekBuilder {
        VerzoekBuilder {
            context: ContextBuilder::new(naam.into(), versie, BerichtType::Vraag, afzender),
            vragen: Vec::new(),
        }
    }

    /// The schema version the message follows.
    pub fn schema_version(&self) -> SchemaVersion {
        self.version
    }
    /// Context.
    pub fn context(&self) -> &Context {
        &self.context
    }
    /// The Afzender (shortcut for `context().bericht().afzender()`).
    pub fn afzender(&self) -> &Afzender {
        &self.context.bericht.afzender
    }
    /// The Afzender's Identificatie as an Instellingsnummer, if it is one.
    pub fn instellingsnummer(&self) -> Option<Instellingsnummer> {
        self.afzender().instellingsnummer()
    }
    /// The Vragen, in order.
    pub fn vragen(&self) -> &[Vraag] {
        &self.vragen
    }
    /// The Vraag with this Referte.
    pub fn vraag(&self, referte: &Referte) -> Option<&Vraag> {
        self.vragen.iter().find(|v| &v.referte == referte)
    }

    /// A new message that resends every Vraag with its original Referte and Inhoud, for
    /// guaranteed delivery (a resent Vraag Referte gets the stored answer): a new Afzender
    /// Referte and a new Tijdstip (now); Naam, Versie, schema version, Bericht Type, the rest
    /// of the Afzender, the Ontvanger and the Annotaties unchanged. Sign it afresh.
    pub fn resend(&self) -> Verzoek {
        self.resent(self.vragen.clone())
    }

    /// Like [`resend`](Self::resend), with only the Vragen for which `keep` is true (for
    /// example those whose Antwoord never arrived), in their order. Fails with
    /// [`ModelError::NoVragen`] when it keeps none.
    pub fn resend_vragen(&self, mut keep: impl FnMut(&Vraag) -> bool) -> Result<Verzoek, ModelError> {
        let vragen: Vec<Vraag> = self.vragen.iter().filter(|v| keep(v)).cloned().collect();
        if vragen.is_empty() {
            return Err(ModelError::NoVragen);
        }
        Ok(self.resent(vragen))
    }

    /// This message with `vragen` (a non-empty subset of its own, so every rule still holds),
    /// a new Afzender Referte and Tijdstip.
    fn resent(&self, vragen: Vec<Vraag>) -> Verzoek {
        let mut context = self.context.clone();
        let afzender = context.bericht.afzender.with_referte(Referte::generate_for(self.version));
        context.bericht = Bericht { tijdstip: Tijdstip::now(), afzender, ..context.bericht };
        Verzoek { version: self.version, context, vragen }
    }

    /// Starts the Repliek to this Verzoek: same Naam and Versie and schema version,
    /// Type ANTWOORD, `afzender` as Afzender (give it a new Referte; [`Afzender::builder`]
    /// does by default), Ontvanger = this Verzoek's Afzender with its Referte.
    /// No Antwoorden yet (see [`beantwoord`](Self::beantwoord)).
    pub fn repliek(&self, afzender: Afzender) -> RepliekBuilder {
        RepliekBuilder::new(self.context.naam.clone(), self.context.versie.clone(), afzender)
            .schema_version(self.version)
            .ontvanger(Ontvanger::from(self.afzender()))
    }

    /// The Repliek with one Antwoord per Vraag, in order, each with its Vraag's Referte and
    /// the [`Uitkomst`] `answer` gives. Add level-2 Uitzonderingen or Annotaties to the
    /// returned builder, then build it.
    pub fn beantwoord<F>(&self, afzender: Afzender, mut answer: F) -> Result<RepliekBuilder, ModelError>
    where
        F: FnMut(&Vraag) -> Result<Uitkomst, ModelError>,
    {
        let mut b = self.repliek(afzender);
        for v in &self.vragen {
            b = b.antwoord(Antwoord::new(v.referte.clone(), answer(v)?));
        }
        Ok(b)
    }

    /// Writes `<Verzoek>…</Verzoek>` (unqualified) at the writer's position.
    pub fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        self.write_inner(w, false)
    }

    pub(crate) fn write_inner(&self, w: &mut XmlWriter, reset_default: bool) -> Result<(), WriteError> {
        w.start_element(None, "Verzoek")?;
        if reset_default {
            w.declare_namespace(None, "")?;
        }
        self.context.write(w)?;
        w.start_element(None, "Vragen")?;
        for v in &self.vragen {
            w.start_element(None, "Vraag")?;
            w.text_element(None, "Referte", v.referte.as_str())?;
            v.inhoud.write(w)?;
            w.end_element()?;
        }
        w.end_element()?;
        w.end_element()?;
        Ok(())
    }

    /// Reads a `<Verzoek>` element of a parsed document. `version`: the declared schema
    /// version, or `None` to detect it (a Verzoek carries no Uitzondering, so it is read
    /// as 02.00, which accepts every Verzoek 01.02 accepts).
    pub fn read(el: Element<'_>, version: Option<SchemaVersion>) -> Result<Self, ModelError> {
        Self::read_at(el, "Verzoek", version)
    }

    pub(crate) fn read_at(el: Element<'_>, path: &str, version: Option<SchemaVersion>) -> Result<Self, ModelError> {
        if !el.is(None, "Verzoek") {
            return Err(ModelError::UnexpectedElement {
                expected: "unqualified Verzoek".into(),
                found: el.expanded_name(),
                path: path.rsplit_once('/').map_or("", |p| p.0).to_owned(),
            });
        }
        let mut c = ElementCursor::new(el, path)?;
        let ctx = c.required("Context")?;
        let context = Context::read(ctx, &c.child_path("Context"))?;
        let vragen_el = c.required("Vragen")?;
        let vp = c.child_path("Vragen");
        c.finish()?;

        let mut vc = ElementCursor::new(vragen_el, &vp)?;
        let count = vc.remaining();
        if count == 0 {
            return Err(ModelError::NoVragen);
        }
        if count > Self::MAX_VRAGEN {
            return Err(ModelError::TooManyVragen { count });
        }
        let mut vragen = Vec::with_capacity(count);
        for (i, v) in vc.one_or_more("Vraag")?.into_iter().enumerate() {
            let p = format!("{vp}/Vraag[{}]", i + 1);
            let mut qc = ElementCursor::new(v, &p)?;
            let referte = Referte::new_for("Vraag/Referte", &qc.required_text("Referte")?)?;
            let inhoud = Inhoud::from_element(qc.required("Inhoud")?)?;
            qc.finish()?;
            vragen.push(Vraag { referte, inhoud });
        }
        vc.finish()?;
        let v = Verzoek { version: version.unwrap_or_default(), context, vragen };
        v.check()?;
        Ok(v)
    }

    fn check(&self) -> Result<(), ModelError> {
        if self.vragen.is_empty() {
            return Err(ModelError::NoVragen);
        }
        if self.vragen.len() > Self::MAX_VRAGEN {
            return Err(ModelError::TooManyVragen { count: self.vragen.len() });
        }
        let mut seen = HashSet::new();
        for v in &self.vragen {
            if !seen.insert(v.referte.as_str()) {
                return Err(ModelError::DuplicateReferte {
                    field: "Vraag/Referte",
                    referte: v.referte.as_str().to_owned(),
                });
            }
        }
        self.context.check_version(self.version)?;
        for v in &self.vragen {
            v.referte.check_version("Vraag/Referte", self.version)?;
        }
        Ok(())
    }
}

/// Builds a [`Verzoek`]; every rule is checked by [`build`](Self::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct VerzoekBuilder {
    context: ContextBuilder,
    vragen: Vec<(Option<Referte>, Inhoud)>,
}

impl VerzoekBuilder {
    context_setters!(
        schema_version: "The schema version (default generiek-02.00).",
        bericht_type: "Bericht/Type (default VRAAG)."
    );
    /// Adds a Vraag with its own Referte.
    pub fn vraag(mut self, v: Vraag) -> Self {
        self.vragen.push((Some(v.referte), v.inhoud));
        self
    }
    /// Adds a Vraag with a new random Referte (a UUID v4; 24 hex digits in 01.02).
    pub fn vraag_inhoud(mut self, inhoud: Inhoud) -> Self {
        self.vragen.push((None, inhoud));
        self
    }
    /// Checks every rule and makes the Verzoek.
    pub fn build(self) -> Result<Verzoek, ModelError> {
        let (version, context) = self.context.build()?;
        let vragen = self
            .vragen
            .into_iter()
            .map(|(r, inhoud)| Vraag { referte: r.unwrap_or_else(|| Referte::generate_for(version)), inhoud })
            .collect();
        let v = Verzoek { version, context, vragen };
        v.check()?;
        Ok(v)
    }
}
