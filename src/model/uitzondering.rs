//! Uitzondering: a problem reported at message level (level 2) or per Antwoord (level 3).

use crate::xml::{Element, WriteError, XmlWriter};

use super::context::{read_annotaties, read_tijdstip, write_annotaties, write_tijdstip, Annotatie};
use super::error::{ModelError, Reason};
use super::read::ElementCursor;
use super::tijd::Tijdstip;
use super::values::{check_xml_chars, Oorsprong, SchemaVersion, UitzonderingType};

/// Maximum number of digits of Uitzondering/Identificatie.
pub const IDENTIFICATIE_DIGITS_MAX: usize = 10;

/// One Uitzondering: Identificatie, Oorsprong (02.00 only), Type, Tijdstip?, Diagnose,
/// Omstandigheid?, Annotaties?.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uitzondering {
    identificatie: String,
    oorsprong: Option<Oorsprong>,
    type_: UitzonderingType,
    tijdstip: Option<Tijdstip>,
    diagnose: String,
    omstandigheid: Option<String>,
    annotaties: Vec<Annotatie>,
}

impl Uitzondering {
    /// Starts an Uitzondering. `identificatie` is a numeric code of at most 10 digits
    /// (e.g. `30001`); `diagnose` a human-readable text.
    pub fn builder(
        type_: UitzonderingType,
        identificatie: impl Into<String>,
        diagnose: impl Into<String>,
    ) -> UitzonderingBuilder {
        UitzonderingBuilder(Uitzondering {
            identificatie: identificatie.into(),
            oorsprong: None,
            type_,
            tijdstip: None,
            diagnose: diagnose.into(),
            omstandigheid: None,
            annotaties: Vec::new(),
        })
    }

    /// Starts an Uitzondering of Type FOUT.
    pub fn fout(identificatie: impl Into<String>, diagnose: impl Into<String>) -> UitzonderingBuilder {
        Self::builder(UitzonderingType::Fout, identificatie, diagnose)
    }

    /// Starts an Uitzondering of Type WAARSCHUWING.
    pub fn waarschuwing(identificatie: impl Into<String>, diagnose: impl Into<String>) -> UitzonderingBuilder {
        Self::builder(UitzonderingType::Waarschuwing, identificatie, diagnose)
    }

    /// Starts an Uitzondering of Type INFORMATIE.
    pub fn informatie(identificatie: impl Into<String>, diagnose: impl Into<String>) -> UitzonderingBuilder {
        Self::builder(UitzonderingType::Informatie, identificatie, diagnose)
    }

    /// Identificatie: the numeric code.
    pub fn identificatie(&self) -> &str {
        &self.identificatie
    }
    /// Oorsprong (always present in 02.00, never in 01.02).
    pub fn oorsprong(&self) -> Option<&Oorsprong> {
        self.oorsprong.as_ref()
    }
    /// Type.
    pub fn type_(&self) -> UitzonderingType {
        self.type_
    }
    /// Whether the Type is FOUT.
    pub fn is_fout(&self) -> bool {
        self.type_ == UitzonderingType::Fout
    }
    /// Tijdstip.
    pub fn tijdstip(&self) -> Option<&Tijdstip> {
        self.tijdstip.as_ref()
    }
    /// Diagnose.
    pub fn diagnose(&self) -> &str {
        &self.diagnose
    }
    /// Omstandigheid (e.g. a business-rule code such as `BR_LKA0001`).
    pub fn omstandigheid(&self) -> Option<&str> {
        self.omstandigheid.as_deref()
    }
    /// Annotaties.
    pub fn annotaties(&self) -> &[Annotatie] {
        &self.annotaties
    }

    fn check(&self) -> Result<(), ModelError> {
        let id = &self.identificatie;
        if id.is_empty() {
            return Err(ModelError::invalid("Uitzondering/Identificatie", Reason::Empty));
        }
        if id.len() > IDENTIFICATIE_DIGITS_MAX || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ModelError::invalid(
                "Uitzondering/Identificatie",
                Reason::Pattern { expected: "1 to 10 digits" },
            ));
        }
        check_xml_chars("Uitzondering/Diagnose", &self.diagnose)?;
        if let Some(o) = &self.omstandigheid {
            check_xml_chars("Uitzondering/Omstandigheid", o)?;
        }
        Ok(())
    }

    /// Oorsprong is required in 02.00 and not allowed in 01.02.
    pub(crate) fn check_version(&self, v: SchemaVersion) -> Result<(), ModelError> {
        match (v.has_oorsprong(), self.oorsprong.is_some()) {
            (true, false) => Err(ModelError::invalid("Uitzondering/Oorsprong", Reason::RequiredIn(v))),
            (false, true) => Err(ModelError::invalid("Uitzondering/Oorsprong", Reason::NotAllowedIn(v))),
            _ => Ok(()),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        w.start_element(None, "Uitzondering")?;
        w.text_element(None, "Identificatie", &self.identificatie)?;
        if let Some(o) = &self.oorsprong {
            w.text_element(None, "Oorsprong", o.as_str())?;
        }
        w.text_element(None, "Type", self.type_.as_str())?;
        if let Some(t) = &self.tijdstip {
            write_tijdstip(w, t)?;
        }
        w.text_element(None, "Diagnose", &self.diagnose)?;
        if let Some(o) = &self.omstandigheid {
            w.text_element(None, "Omstandigheid", o)?;
        }
        write_annotaties(w, &self.annotaties)?;
        w.end_element()?;
        Ok(())
    }

    pub(crate) fn read(el: Element<'_>, path: &str) -> Result<Self, ModelError> {
        let mut c = ElementCursor::new(el, path)?;
        let identificatie = c.required_text("Identificatie")?;
        let oorsprong = match c.optional_text("Oorsprong")? {
            Some(o) => Some(Oorsprong::new(&o).map_err(|e| super::values::relabel(e, "Uitzondering/Oorsprong"))?),
            None => None,
        };
        let type_ = UitzonderingType::new(&c.required_text("Type")?)?;
        let tijdstip = match c.optional("Tijdstip")? {
            Some(t) => Some(read_tijdstip(t, &c.child_path("Tijdstip"))?),
            None => None,
        };
        let diagnose = c.required_text("Diagnose")?;
        let omstandigheid = c.optional_text("Omstandigheid")?;
        let annotaties = match c.optional("Annotaties")? {
            Some(a) => read_annotaties(a, &c.child_path("Annotaties"))?,
            None => Vec::new(),
        };
        c.finish()?;
        let u = Uitzondering { identificatie, oorsprong, type_, tijdstip, diagnose, omstandigheid, annotaties };
        u.check()?;
        Ok(u)
    }
}

/// Builds an [`Uitzondering`]; values are checked by [`build`](Self::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct UitzonderingBuilder(Uitzondering);

impl UitzonderingBuilder {
    /// Oorsprong: required in generiek-02.00, not allowed in 01.02 (checked when the
    /// message is built).
    pub fn oorsprong(mut self, o: Oorsprong) -> Self {
        self.0.oorsprong = Some(o);
        self
    }
    /// Tijdstip.
    pub fn tijdstip(mut self, t: Tijdstip) -> Self {
        self.0.tijdstip = Some(t);
        self
    }
    /// Omstandigheid.
    pub fn omstandigheid(mut self, o: impl Into<String>) -> Self {
        self.0.omstandigheid = Some(o.into());
        self
    }
    /// Adds an Annotatie.
    pub fn annotatie(mut self, a: Annotatie) -> Self {
        self.0.annotaties.push(a);
        self
    }
    /// Checks the fields and makes the Uitzondering.
    pub fn build(self) -> Result<Uitzondering, ModelError> {
        self.0.check()?;
        Ok(self.0)
    }
}

pub(crate) fn write_uitzonderingen(w: &mut XmlWriter, u: &[Uitzondering]) -> Result<(), WriteError> {
    if u.is_empty() {
        return Ok(());
    }
    w.start_element(None, "Uitzonderingen")?;
    for x in u {
        x.write(w)?;
    }
    w.end_element()?;
    Ok(())
}

pub(crate) fn read_uitzonderingen(el: Element<'_>, path: &str) -> Result<Vec<Uitzondering>, ModelError> {
    let mut c = ElementCursor::new(el, path)?;
    let mut out = Vec::new();
    for (i, u) in c.one_or_more("Uitzondering")?.into_iter().enumerate() {
        out.push(Uitzondering::read(u, &format!("{path}/Uitzondering[{}]", i + 1))?);
    }
    c.finish()?;
    Ok(out)
}
