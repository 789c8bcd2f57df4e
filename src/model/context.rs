//! Context: Naam, Versie, Bericht (Type, Tijdstip, Afzender, Ontvanger?), Annotaties?.

use crate::xml::{Element, WriteError, XmlWriter};

use super::error::ModelError;
use super::read::{simple_text, ElementCursor};
use super::tijd::Tijdstip;
use super::values::{
    check_text, check_xml_chars, relabel, BerichtType, Instellingsnummer, Insz, Referte, SchemaVersion, Versie,
};

/// Maximum length of Context/Naam.
pub const NAAM_MAX: usize = 48;
/// Maximum length of Afzender/Ontvanger Identificatie.
pub const IDENTIFICATIE_MAX: usize = 120;
/// Maximum length of Afzender/Ontvanger Naam, OrganisatieEenheid, Hoedanigheid.
pub const NAAM_KORT_MAX: usize = 24;

/// One Annotatie: a Naam/Waarde pair (any text XML can carry).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Annotatie {
    naam: String,
    waarde: String,
}

impl Annotatie {
    /// An annotation; both parts must be text XML can carry.
    pub fn new(naam: impl Into<String>, waarde: impl Into<String>) -> Result<Self, ModelError> {
        let (naam, waarde) = (naam.into(), waarde.into());
        check_xml_chars("Annotatie/Naam", &naam)?;
        check_xml_chars("Annotatie/Waarde", &waarde)?;
        Ok(Annotatie { naam, waarde })
    }

    /// The name.
    pub fn naam(&self) -> &str {
        &self.naam
    }

    /// The value.
    pub fn waarde(&self) -> &str {
        &self.waarde
    }
}

pub(crate) fn write_annotaties(w: &mut XmlWriter, a: &[Annotatie]) -> Result<(), WriteError> {
    if a.is_empty() {
        return Ok(());
    }
    w.start_element(None, "Annotaties")?;
    for x in a {
        w.start_element(None, "Annotatie")?;
        w.text_element(None, "Naam", &x.naam)?;
        w.text_element(None, "Waarde", &x.waarde)?;
        w.end_element()?;
    }
    w.end_element()?;
    Ok(())
}

pub(crate) fn read_annotaties(el: Element<'_>, path: &str) -> Result<Vec<Annotatie>, ModelError> {
    let mut c = ElementCursor::new(el, path)?;
    let mut out = Vec::new();
    for (i, a) in c.one_or_more("Annotatie")?.into_iter().enumerate() {
        let p = format!("{path}/Annotatie[{}]", i + 1);
        let mut ac = ElementCursor::new(a, &p)?;
        let naam = ac.required_text("Naam")?;
        let waarde = ac.required_text("Waarde")?;
        ac.finish()?;
        out.push(Annotatie::new(naam, waarde)?);
    }
    c.finish()?;
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
enum Rol {
    Afzender,
    Ontvanger,
}

impl Rol {
    fn field(self, f: &str) -> &'static str {
        match (self, f) {
            (Rol::Afzender, "Identificatie") => "Afzender/Identificatie",
            (Rol::Afzender, "Naam") => "Afzender/Naam",
            (Rol::Afzender, "Referte") => "Afzender/Referte",
            (Rol::Afzender, "OrganisatieEenheid") => "Afzender/OrganisatieEenheid",
            (Rol::Afzender, "Hoedanigheid") => "Afzender/Hoedanigheid",
            (Rol::Afzender, _) => "Afzender/Gebruiker",
            (Rol::Ontvanger, "Identificatie") => "Ontvanger/Identificatie",
            (Rol::Ontvanger, "Naam") => "Ontvanger/Naam",
            (Rol::Ontvanger, "Referte") => "Ontvanger/Referte",
            (Rol::Ontvanger, "OrganisatieEenheid") => "Ontvanger/OrganisatieEenheid",
            (Rol::Ontvanger, "Hoedanigheid") => "Ontvanger/Hoedanigheid",
            (Rol::Ontvanger, _) => "Ontvanger/Gebruiker",
        }
    }
}

/// The fields Afzender and Ontvanger share, in wire order around the Referte.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Adres {
    identificatie: String,
    naam: Option<String>,
    organisatie_eenheid: Option<String>,
    hoedanigheid: Option<String>,
    gebruiker: Option<Insz>,
}

impl Adres {
    fn check(&self, rol: Rol) -> Result<(), ModelError> {
        check_text(rol.field("Identificatie"), &self.identificatie, 1, Some(IDENTIFICATIE_MAX))?;
        for (f, v) in [
            ("Naam", &self.naam),
            ("OrganisatieEenheid", &self.organisatie_eenheid),
            ("Hoedanigheid", &self.hoedanigheid),
        ] {
            if let Some(v) = v {
                check_text(rol.field(f), v, 1, Some(NAAM_KORT_MAX))?;
            }
        }
        Ok(())
    }

    fn write(&self, w: &mut XmlWriter, element: &str, referte: Option<&Referte>) -> Result<(), WriteError> {
        w.start_element(None, element)?;
        w.text_element(None, "Identificatie", &self.identificatie)?;
        if let Some(n) = &self.naam {
            w.text_element(None, "Naam", n)?;
        }
        if let Some(r) = referte {
            w.text_element(None, "Referte", r.as_str())?;
        }
        if let Some(o) = &self.organisatie_eenheid {
            w.text_element(None, "OrganisatieEenheid", o)?;
        }
        if let Some(h) = &self.hoedanigheid {
            w.text_element(None, "Hoedanigheid", h)?;
        }
        if let Some(g) = &self.gebruiker {
            w.text_element(None, "Gebruiker", g.as_str())?;
        }
        w.end_element()?;
        Ok(())
    }

    fn read(el: Element<'_>, path: &str, rol: Rol) -> Result<(Adres, Option<Referte>), ModelError> {
        let mut c = ElementCursor::new(el, path)?;
        let identificatie = c.required_text("Identificatie")?;
        let naam = c.optional_text("Naam")?;
        let referte = match c.optional_text("Referte")? {
            Some(r) => Some(Referte::new_for(rol.field("Referte"), &r)?),
            None => None,
        };
        let organisatie_eenheid = c.optional_text("OrganisatieEenheid")?;
        let hoedanigheid = c.optional_text("Hoedanigheid")?;
        let gebruiker = match c.optional_text("Gebruiker")? {
            Some(g) => Some(Insz::new(&g).map_err(|e| relabel(e, rol.field("Gebruiker")))?),
            None => None,
        };
        c.finish()?;
        let a = Adres { identificatie, naam, organisatie_eenheid, hoedanigheid, gebruiker };
        a.check(rol)?;
        Ok((a, referte))
    }
}

/// Bericht/Afzender: who sends the message. Referte is required.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Afzender {
    adres: Adres,
    referte: Referte,
}

/// Bericht/Ontvanger: who the message is for. Referte is optional; in a Repliek it is
/// a copy of the request's Afzender, Referte included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ontvanger {
    adres: Adres,
    referte: Option<Referte>,
}

macro_rules! adres_getters {
    () => {
        /// Identificatie (for a DHO institution: the Instellingsnummer).
        pub fn identificatie(&self) -> &str {
            &self.adres.identificatie
        }
        /// Naam (at most 24 characters).
        pub fn naam(&self) -> Option<&str> {
            self.adres.naam.as_deref()
        }
        /// OrganisatieEenheid (at most 24 characters).
        pub fn organisatie_eenheid(&self) -> Option<&str> {
            self.adres.organisatie_eenheid.as_deref()
        }
        /// Hoedanigheid (at most 24 characters).
        pub fn hoedanigheid(&self) -> Option<&str> {
            self.adres.hoedanigheid.as_deref()
        }
        /// Gebruiker: the INSZ of the person on whose behalf the message is sent.
        pub fn gebruiker(&self) -> Option<&Insz> {
            self.adres.gebruiker.as_ref()
        }
        /// The Identificatie as an Instellingsnummer, if it is one (1..6 digits).
        /// This is the identity the PEP authorizes against.
        pub fn instellingsnummer(&self) -> Option<Instellingsnummer> {
            Instellingsnummer::new(&self.adres.identificatie).ok()
        }
    };
}

impl Afzender {
    /// Starts an Afzender with this Identificatie (at most 120 characters).
    pub fn builder(identificatie: impl Into<String>) -> AfzenderBuilder {
        AfzenderBuilder {
            adres: Adres {
                identificatie: identificatie.into(),
                naam: None,
                organisatie_eenheid: None,
                hoedanigheid: None,
                gebruiker: None,
            },
            referte: None,
        }
    }

    /// Starts the Afzender of a DHO institution: Identificatie = the Instellingsnummer.
    pub fn instelling(nummer: &Instellingsnummer) -> AfzenderBuilder {
        Self::builder(nummer.as_str())
    }

    adres_getters!();

    /// Referte: identifies this message.
    pub fn referte(&self) -> &Referte {
        &self.referte
    }

    /// This Afzender with another Referte (a resent Verzoek is a new message).
    pub(super) fn with_referte(self, referte: Referte) -> Self {
        Afzender { referte, ..self }
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        self.adres.write(w, "Afzender", Some(&self.referte))
    }

    pub(crate) fn read(el: Element<'_>, path: &str) -> Result<Self, ModelError> {
        let (adres, referte) = Adres::read(el, path, Rol::Afzender)?;
        let referte =
            referte.ok_or_else(|| ModelError::MissingElement { expected: "Referte", path: path.to_owned() })?;
        Ok(Afzender { adres, referte })
    }
}

/// Builds an [`Afzender`]; values are checked by [`build`](Self::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct AfzenderBuilder {
    adres: Adres,
    referte: Option<Referte>,
}

impl AfzenderBuilder {
    /// Naam (at most 24 characters).
    pub fn naam(mut self, naam: impl Into<String>) -> Self {
        self.adres.naam = Some(naam.into());
        self
    }
    /// Referte; by default a new UUID v4. For generiek-01.02 use a Referte of at most
    /// 24 characters, e.g. [`Referte::generate_for`].
    pub fn referte(mut self, referte: Referte) -> Self {
        self.referte = Some(referte);
        self
    }
    /// OrganisatieEenheid (at most 24 characters).
    pub fn organisatie_eenheid(mut self, o: impl Into<String>) -> Self {
        self.adres.organisatie_eenheid = Some(o.into());
        self
    }
    /// Hoedanigheid (at most 24 characters).
    pub fn hoedanigheid(mut self, h: impl Into<String>) -> Self {
        self.adres.hoedanigheid = Some(h.into());
        self
    }
    /// Gebruiker (an INSZ, checked when made).
    pub fn gebruiker(mut self, insz: Insz) -> Self {
        self.adres.gebruiker = Some(insz);
        self
    }
    /// Checks the fields and makes the Afzender.
    pub fn build(self) -> Result<Afzender, ModelError> {
        self.adres.check(Rol::Afzender)?;
        Ok(Afzender { adres: self.adres, referte: self.referte.unwrap_or_else(Referte::generate) })
    }
}

impl Ontvanger {
    /// Starts an Ontvanger with this Identificatie (at most 120 characters).
    pub fn builder(identificatie: impl Into<String>) -> OntvangerBuilder {
        OntvangerBuilder(Ontvanger {
            adres: Adres {
                identificatie: identificatie.into(),
                naam: None,
                organisatie_eenheid: None,
                hoedanigheid: None,
                gebruiker: None,
            },
            referte: None,
        })
    }

    adres_getters!();

    /// Referte, if given.
    pub fn referte(&self) -> Option<&Referte> {
        self.referte.as_ref()
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        self.adres.write(w, "Ontvanger", self.referte.as_ref())
    }

    pub(crate) fn read(el: Element<'_>, path: &str) -> Result<Self, ModelError> {
        let (adres, referte) = Adres::read(el, path, Rol::Ontvanger)?;
        Ok(Ontvanger { adres, referte })
    }
}

impl From<&Afzender> for Ontvanger {
    /// The copy a Repliek makes of the request's Afzender (all fields, Referte included).
    fn from(a: &Afzender) -> Self {
        Ontvanger { adres: a.adres.clone(), referte: Some(a.referte.clone()) }
    }
}

/// Builds an [`Ontvanger`]; values are checked by [`build`](Self::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct OntvangerBuilder(Ontvanger);

impl OntvangerBuilder {
    /// Naam (at most 24 characters).
    pub fn naam(mut self, naam: impl Into<String>) -> Self {
        self.0.adres.naam = Some(naam.into());
        self
    }
    /// Referte.
    pub fn referte(mut self, referte: Referte) -> Self {
        self.0.referte = Some(referte);
        self
    }
    /// OrganisatieEenheid (at most 24 characters).
    pub fn organisatie_eenheid(mut self, o: impl Into<String>) -> Self {
        self.0.adres.organisatie_eenheid = Some(o.into());
        self
    }
    /// Hoedanigheid (at most 24 characters).
    pub fn hoedanigheid(mut self, h: impl Into<String>) -> Self {
        self.0.adres.hoedanigheid = Some(h.into());
        self
    }
    /// Gebruiker.
    pub fn gebruiker(mut self, insz: Insz) -> Self {
        self.0.adres.gebruiker = Some(insz);
        self
    }
    /// Checks the fields and makes the Ontvanger.
    pub fn build(self) -> Result<Ontvanger, ModelError> {
        self.0.adres.check(Rol::Ontvanger)?;
        Ok(self.0)
    }
}

/// Context/Bericht: Type, Tijdstip, Afzender, Ontvanger?.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bericht {
    pub(crate) type_: BerichtType,
    pub(crate) tijdstip: Tijdstip,
    pub(crate) afzender: Afzender,
    pub(crate) ontvanger: Option<Ontvanger>,
}

impl Bericht {
    /// Type (VRAAG for a Verzoek, ANTWOORD for a Repliek by default).
    pub fn type_(&self) -> BerichtType {
        self.type_
    }
    /// Tijdstip.
    pub fn tijdstip(&self) -> &Tijdstip {
        &self.tijdstip
    }
    /// Afzender.
    pub fn afzender(&self) -> &Afzender {
        &self.afzender
    }
    /// Ontvanger.
    pub fn ontvanger(&self) -> Option<&Ontvanger> {
        self.ontvanger.as_ref()
    }
}

/// The Context of a Verzoek or Repliek.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Context {
    pub(crate) naam: String,
    pub(crate) versie: Versie,
    pub(crate) bericht: Bericht,
    pub(crate) annotaties: Vec<Annotatie>,
}

impl Context {
    pub(crate) fn new(
        naam: String,
        versie: Versie,
        bericht: Bericht,
        annotaties: Vec<Annotatie>,
    ) -> Result<Self, ModelError> {
        check_text("Context/Naam", &naam, 1, Some(NAAM_MAX))?;
        Ok(Context { naam, versie, bericht, annotaties })
    }

    /// Naam: the operation (at most 48 characters).
    pub fn naam(&self) -> &str {
        &self.naam
    }
    /// Versie: the operation's version, `NN.NN.NNNN`.
    pub fn versie(&self) -> &Versie {
        &self.versie
    }
    /// Bericht.
    pub fn bericht(&self) -> &Bericht {
        &self.bericht
    }
    /// Annotaties (possibly none).
    pub fn annotaties(&self) -> &[Annotatie] {
        &self.annotaties
    }

    pub(crate) fn check_version(&self, v: SchemaVersion) -> Result<(), ModelError> {
        self.bericht.afzender.referte.check_version("Afzender/Referte", v)?;
        if let Some(r) = self.bericht.ontvanger.as_ref().and_then(|o| o.referte.as_ref()) {
            r.check_version("Ontvanger/Referte", v)?;
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        w.start_element(None, "Context")?;
        w.text_element(None, "Naam", &self.naam)?;
        w.text_element(None, "Versie", self.versie.as_str())?;
        w.start_element(None, "Bericht")?;
        w.text_element(None, "Type", self.bericht.type_.as_str())?;
        write_tijdstip(w, &self.bericht.tijdstip)?;
        self.bericht.afzender.write(w)?;
        if let Some(o) = &self.bericht.ontvanger {
            o.write(w)?;
        }
        w.end_element()?;
        write_annotaties(w, &self.annotaties)?;
        w.end_element()?;
        Ok(())
    }

    pub(crate) fn read(el: Element<'_>, path: &str) -> Result<Self, ModelError> {
        let mut c = ElementCursor::new(el, path)?;
        let naam = c.required_text("Naam")?;
        check_text("Context/Naam", &naam, 1, Some(NAAM_MAX))?;
        let versie = Versie::new(&c.required_text("Versie")?)?;
        let b = c.required("Bericht")?;
        let bp = c.child_path("Bericht");
        let annotaties = match c.optional("Annotaties")? {
            Some(a) => read_annotaties(a, &c.child_path("Annotaties"))?,
            None => Vec::new(),
        };
        c.finish()?;

        let mut bc = ElementCursor::new(b, &bp)?;
        let type_ = BerichtType::new(&bc.required_text("Type")?)?;
        let tijdstip = read_tijdstip(bc.required("Tijdstip")?, &bc.child_path("Tijdstip"))?;
        let afzender = Afzender::read(bc.required("Afzender")?, &bc.child_path("Afzender"))?;
        let ontvanger = match bc.optional("Ontvanger")? {
            Some(o) => Some(Ontvanger::read(o, &bc.child_path("Ontvanger"))?),
            None => None,
        };
        bc.finish()?;
        Ok(Context { naam, versie, bericht: Bericht { type_, tijdstip, afzender, ontvanger }, annotaties })
    }
}

/// The schema version and Context fields that [`VerzoekBuilder`](super::VerzoekBuilder) and
/// [`RepliekBuilder`](super::RepliekBuilder) collect alike; their setters are
/// [`context_setters!`] and [`build`](Self::build) makes the Context.
#[derive(Debug, Clone)]
pub(super) struct ContextBuilder {
    pub(super) version: SchemaVersion,
    naam: String,
    versie: Versie,
    pub(super) type_: BerichtType,
    pub(super) tijdstip: Option<Tijdstip>,
    afzender: Afzender,
    pub(super) ontvanger: Option<Ontvanger>,
    pub(super) annotaties: Vec<Annotatie>,
}

impl ContextBuilder {
    /// Operation `naam` in `versie`, sent by `afzender`, of Bericht Type `type_`; generiek-02.00,
    /// no Tijdstip yet (now when built), no Ontvanger, no Annotaties.
    pub(super) fn new(naam: String, versie: Versie, type_: BerichtType, afzender: Afzender) -> Self {
        ContextBuilder {
            version: SchemaVersion::default(),
            naam,
            versie,
            type_,
            tijdstip: None,
            afzender,
            ontvanger: None,
            annotaties: Vec::new(),
        }
    }

    /// The schema version and the Context (Tijdstip now unless one was set); checks the Naam.
    /// The message's own `check` checks the Refertes against the version.
    pub(super) fn build(self) -> Result<(SchemaVersion, Context), ModelError> {
        let bericht = Bericht {
            type_: self.type_,
            tijdstip: self.tijdstip.unwrap_or_else(Tijdstip::now),
            afzender: self.afzender,
            ontvanger: self.ontvanger,
        };
        Ok((self.version, Context::new(self.naam, self.versie, bericht, self.annotaties)?))
    }
}

/// The Context setters of a message builder that holds a [`ContextBuilder`] in its field
/// `context`; the two doc strings say the builder's own defaults.
macro_rules! context_setters {
    (schema_version: $schema_doc:literal, bericht_type: $type_doc:literal) => {
        #[doc = $schema_doc]
        pub fn schema_version(mut self, v: SchemaVersion) -> Self {
            self.context.version = v;
            self
        }
        #[doc = $type_doc]
        pub fn bericht_type(mut self, t: BerichtType) -> Self {
            self.context.type_ = t;
            self
        }
        /// Bericht/Tijdstip (default: now, Europe/Brussels, `HH:MM:SS.000`).
        pub fn tijdstip(mut self, t: Tijdstip) -> Self {
            self.context.tijdstip = Some(t);
            self
        }
        /// Bericht/Ontvanger.
        pub fn ontvanger(mut self, o: Ontvanger) -> Self {
            self.context.ontvanger = Some(o);
            self
        }
        /// Adds a Context Annotatie.
        pub fn annotatie(mut self, a: Annotatie) -> Self {
            self.context.annotaties.push(a);
            self
        }
    };
}
pub(super) use context_setters;

pub(crate) fn write_tijdstip(w: &mut XmlWriter, t: &Tijdstip) -> Result<(), WriteError> {
    w.start_element(None, "Tijdstip")?;
    w.text_element(None, "Datum", &t.datum_str())?;
    w.text_element(None, "Tijd", &t.tijd_str())?;
    w.end_element()?;
    Ok(())
}

pub(crate) fn read_tijdstip(el: Element<'_>, path: &str) -> Result<Tijdstip, ModelError> {
    let mut c = ElementCursor::new(el, path)?;
    let d = c.required("Datum")?;
    let d = simple_text(d, &c.child_path("Datum"))?;
    let t = c.required_text("Tijd")?;
    c.finish()?;
    Tijdstip::parse(&d, &t)
}
