//! Builds a realistic GeefHistoriekInschrijving Verzoek and prints its SOAP envelope.
//!
//! `cargo run --example build_verzoek`
//!
//! The institution with Instellingsnummer 001234 asks, in one Verzoek, for the enrolment
//! history of three students, each in its own Vraag with INSZ and Periode criteria. The
//! Inhoud is typed content ([`InhoudContent`]) written through the crate's XML writer.

use std::process::ExitCode;

use chrono::NaiveDate;
use dho_wss::model::{
    Afzender, Annotatie, ElementCursor, Envelope, Inhoud, InhoudContent, Instellingsnummer, Insz, ModelError,
    Ontvanger, Operatie, Versie, Verzoek,
};
use dho_wss::xml::{Element, WriteError, XmlWriter};

/// `Criteria/{INSZ, Periode{Begin, Einde}}` of Onderwijs GeefHistoriekInschrijving 02.01.
struct Criteria {
    insz: Insz,
    periode: (NaiveDate, NaiveDate),
}

impl InhoudContent for Criteria {
    fn write_inhoud(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        w.start_element(None, "Criteria")?;
        w.text_element(None, "INSZ", self.insz.as_str())?;
        w.start_element(None, "Periode")?;
        w.text_element(None, "Begin", &self.periode.0.format("%Y-%m-%d").to_string())?;
        w.text_element(None, "Einde", &self.periode.1.format("%Y-%m-%d").to_string())?;
        w.end_element()?;
        w.end_element()?;
        Ok(())
    }

    fn read_inhoud(inhoud: Element<'_>) -> Result<Self, ModelError> {
        let mut c = ElementCursor::new(inhoud, "Inhoud")?;
        let mut k = ElementCursor::new(c.required("Criteria")?, "Inhoud/Criteria")?;
        let insz = Insz::new(&k.required_text("INSZ")?)?;
        let mut p = ElementCursor::new(k.required("Periode")?, "Inhoud/Criteria/Periode")?;
        let date = |s: String| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|e| ModelError::Content { detail: format!("Periode: {e}") })
        };
        let begin = date(p.required_text("Begin")?)?;
        let einde = date(p.required_text("Einde")?)?;
        p.finish()?;
        k.finish()?;
        c.finish()?;
        Ok(Criteria { insz, periode: (begin, einde) })
    }
}

fn run() -> Result<(), ModelError> {
    let instelling = Instellingsnummer::new("001234")?;
    let afzender = Afzender::instelling(&instelling).naam("Studentenadministratie").hoedanigheid("801").build()?;
    let academiejaar = (
        NaiveDate::from_ymd_opt(2023, 9, 1).ok_or(ModelError::Content { detail: "date".into() })?,
        NaiveDate::from_ymd_opt(2024, 8, 31).ok_or(ModelError::Content { detail: "date".into() })?,
    );
    let mut b = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000")?, afzender)
        .ontvanger(Ontvanger::builder("dho2.ov.vlaanderen.be").build()?)
        .annotatie(Annotatie::new("toepassing", "build_verzoek example")?);
    for insz in ["85073003328", "93051512357", "05022845616"] {
        let criteria = Criteria { insz: Insz::new(insz)?, periode: academiejaar };
        b = b.vraag_inhoud(Inhoud::from_content(&criteria)?);
    }
    let verzoek = b.build()?;
    let operatie = Operatie::new(
        "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
        "GeefHistoriekInschrijving",
    )?;
    // Typed content reads back from the model.
    for v in verzoek.vragen() {
        let c: Criteria = v.inhoud().decode()?;
        eprintln!("Vraag {} asks for INSZ {}", v.referte(), c.insz);
    }
    let bytes = Envelope::Verzoek { operatie, verzoek }.to_bytes()?;
    println!("{}", String::from_utf8_lossy(&bytes));
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
