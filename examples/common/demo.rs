//! A demo operation for the examples and tests: **not a real DHO service**, and not part of
//! the library. Included with `#[path]` by `examples/answer_verzoek.rs`, by the provider
//! tests (`tests/common/provider.rs`) and by `dho-wss answer` (`cli/src/answer.rs`): one file,
//! no copy.
//!
//! `GeefHistoriekInschrijving` 02.01.0000 (a read): each Antwoord echoes the Vraag's
//! `Criteria` and adds one fixed `Inschrijving` of the requesting institution.

use dho_wss::model::{Inhoud, Uitkomst, Versie, Vraag};
use dho_wss::provider::{AuthorizedVerzoek, HandlerError, OperationSpec, VraagHandler};
use dho_wss::xml::{Document, XmlWriter};

/// The demo operation's service namespace (the one `sign_payload`'s sample uses).
pub(crate) const NAMESPACE: &str = "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be";
/// The demo operation's name.
pub(crate) const NAAM: &str = "GeefHistoriekInschrijving";
/// The demo operation's Versie.
pub(crate) const VERSIE: &str = "02.01.0000";

/// The demo operation's policy entry: [`NAMESPACE`], [`NAAM`], Versie [`VERSIE`], a read.
pub(crate) fn operation() -> OperationSpec {
    let spec = OperationSpec::new(NAMESPACE, NAAM).read_only();
    match Versie::new(VERSIE) {
        Ok(v) => spec.versie(v),
        Err(_) => spec,
    }
}

/// The demo handler (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DemoHandler;

impl VraagHandler for DemoHandler {
    fn answer(&self, request: &AuthorizedVerzoek, vraag: &Vraag) -> Result<Uitkomst, HandlerError> {
        let mut w = XmlWriter::new();
        w.start_element(None, "Inhoud")?;
        for criteria in vraag.inhoud().element().child_elements().filter(|e| e.is(None, "Criteria")) {
            w.copy_element(criteria)?;
        }
        w.start_element(None, "Inschrijvingen")?;
        w.start_element(None, "Inschrijving")?;
        w.text_element(None, "Instellingsnummer", request.instellingsnummer().as_str())?;
        w.text_element(None, "Opleiding", "Bachelor in de demo-wetenschappen")?;
        w.text_element(None, "Begin", "2023-09-01")?;
        w.text_element(None, "Einde", "2024-08-31")?;
        w.end_element()?;
        w.end_element()?;
        w.end_element()?;
        let doc = Document::parse(&w.finish()?)?;
        Ok(Uitkomst::ok(Inhoud::from_element(doc.root())?))
    }
}
