//! Shared set-up of the provider tests: signed requests, a PEP policy. The test PKI helpers
//! (`identity`, `signer`, `validator`, …) are in `common` itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use dho_wss::institution::{Reply, ReplyVerifier};
use dho_wss::model::{
    Afzender, Envelope, FaultCode, Inhoud, Instellingsnummer, ObjectId, Ontvanger, Operatie, Referte, Repliek,
    SchemaVersion, Uitkomst, Uitzondering, Versie, Verzoek, Vraag,
};
use dho_wss::pki::{CertificateSelector, ValidatedCertificate};
use dho_wss::provider::{AuthorizedVerzoek, Bindings, HandlerError, OperationSpec, Pep, PepPolicy, VraagHandler};
use dho_wss::wss::{SignatureProfile, VerificationPolicy, Verifier};

use super::{identity, root, signer, validator};

/// The demo operation the examples answer (one file shared with `examples/answer_verzoek.rs`).
#[path = "../../examples/common/demo.rs"]
pub(crate) mod demo;

pub(crate) const WRITE_NS: &str = "http://registreerinschrijving-01_00.dho.test";
pub(crate) const WRITE_NAAM: &str = "RegistreerInschrijving";
pub(crate) const WRITE_VERSIE: &str = "01.00.0000";
pub(crate) const LEGACY_NS: &str = "http://legacy-01_02.dho.test";
pub(crate) const LEGACY_NAAM: &str = "GeefLegacy";
/// The Common Name of the test provider's certificate (`provider.crt.pem`).
pub(crate) const PROVIDER_CN: &str = "dho-wss-test.dho-provider";

/// A certificate of the test PKI as the validator accepts it.
pub(crate) fn validated(name: &str) -> ValidatedCertificate {
    let der = identity(name).certificate_der().to_vec();
    validator().validate(&der, &[], SystemTime::now()).expect("valid")
}

pub(crate) fn test_bindings() -> Bindings {
    Bindings::from_file(root().join("testdata/bindings/test.bindings")).expect("test.bindings")
}

pub(crate) fn write_operation() -> OperationSpec {
    OperationSpec::new(WRITE_NS, WRITE_NAAM).versie(Versie::new(WRITE_VERSIE).expect("versie"))
}

pub(crate) fn legacy_operation() -> OperationSpec {
    OperationSpec::new(LEGACY_NS, LEGACY_NAAM)
        .versie(Versie::new("01.00.0000").expect("versie"))
        .schema_version(SchemaVersion::V01_02)
}

/// The test policy without bindings: DHO profile and SHA-256, test CA, the demo
/// operation, a write operation and a generiek-01.02 operation.
pub(crate) fn base_policy() -> PepPolicy {
    let verification = VerificationPolicy::dho_legacy_rsa_sha1().also_accept(SignatureProfile::rsa_sha256());
    PepPolicy::new(Verifier::new(verification, validator()))
        .operation(demo::operation())
        .operation(write_operation())
        .operation(legacy_operation())
}

/// [`base_policy`] with `testdata/bindings/test.bindings`.
pub(crate) fn policy() -> PepPolicy {
    base_policy().bindings(test_bindings())
}

pub(crate) fn pep() -> Pep {
    Pep::new(policy())
}

/// The Common Name of `institution-app2.crt.pem`: a second application certificate of
/// institution 001234 (same test CA, same serialNumber).
pub(crate) const APP2_CN: &str = "dho-wss-test-app2.instelling-001234.hogeschool-test";

/// [`policy`] with the second application of 001234 (`institution-app2`, by CN) bound to
/// 001234 too: two certificates that speak for one Instellingsnummer.
pub(crate) fn policy_with_second_application() -> PepPolicy {
    policy().bindings(Bindings::new().bind(CertificateSelector::common_name(APP2_CN), [instellingsnummer("001234")]))
}

/// The client's reply verifier: the provider's trust anchors (the test CA) and its CN pinned.
pub(crate) fn reply_verifier() -> ReplyVerifier {
    let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator());
    ReplyVerifier::new(verifier, CertificateSelector::common_name(PROVIDER_CN))
}

pub(crate) fn afzender(identificatie: &str) -> Afzender {
    Afzender::builder(identificatie).hoedanigheid("801").build().expect("afzender")
}

pub(crate) fn criteria(insz: &str) -> Inhoud {
    Inhoud::from_fragment(&format!(
        "<Criteria><INSZ>{insz}</INSZ><Periode><Begin>2023-09-01</Begin><Einde>2024-08-31</Einde></Periode></Criteria>"
    ))
    .expect("criteria")
}

/// The sample the `sign_payload` example builds: GeefHistoriekInschrijving of
/// `identificatie` with two Vragen.
pub(crate) fn demo_verzoek(identificatie: &str) -> (Operatie, Verzoek) {
    let mut b = Verzoek::builder(demo::NAAM, Versie::new(demo::VERSIE).expect("versie"), afzender(identificatie))
        .ontvanger(Ontvanger::builder("dho2.ov.vlaanderen.be").build().expect("ontvanger"));
    for insz in ["85073003328", "05022845616"] {
        b = b.vraag_inhoud(criteria(insz));
    }
    (Operatie::new(demo::NAMESPACE, demo::NAAM).expect("operatie"), b.build().expect("verzoek"))
}

pub(crate) fn inschrijving(student: &str) -> Inhoud {
    Inhoud::from_fragment(&format!("<Inschrijving><Student>{student}</Student></Inschrijving>")).expect("inhoud")
}

/// A write Verzoek of `identificatie` with these (Referte, Inhoud) Vragen.
pub(crate) fn write_verzoek(identificatie: &str, vragen: &[(&Referte, Inhoud)]) -> (Operatie, Verzoek) {
    write_verzoek_from(afzender(identificatie), vragen)
}

/// A write Verzoek from `afzender` with these (Referte, Inhoud) Vragen.
pub(crate) fn write_verzoek_from(afzender: Afzender, vragen: &[(&Referte, Inhoud)]) -> (Operatie, Verzoek) {
    let mut b = Verzoek::builder(WRITE_NAAM, Versie::new(WRITE_VERSIE).expect("versie"), afzender);
    for (r, i) in vragen {
        b = b.vraag(Vraag::new((*r).clone(), i.clone()));
    }
    (Operatie::new(WRITE_NS, WRITE_NAAM).expect("operatie"), b.build().expect("verzoek"))
}

pub(crate) fn envelope(op: &(Operatie, Verzoek)) -> Envelope {
    Envelope::Verzoek { operatie: op.0.clone(), verzoek: op.1.clone() }
}

/// Signs a model-built Verzoek as `sign_payload` does.
pub(crate) fn signed(who: &str, op: &(Operatie, Verzoek)) -> Vec<u8> {
    signer(who).sign_message(&envelope(op)).expect("sign")
}

pub(crate) fn authorize(pep: &Pep, bytes: &[u8]) -> AuthorizedVerzoek {
    match pep.verify_and_authorize(bytes) {
        Ok(a) => a,
        Err(e) => panic!("rejected: {e}"),
    }
}

pub(crate) fn fault_of(env: &Envelope) -> &dho_wss::model::Fault {
    match env {
        Envelope::Fault(f) => f,
        other => panic!("expected a Fault, got {other:?}"),
    }
}

pub(crate) fn repliek_of(env: &Envelope) -> &Repliek {
    match env {
        Envelope::Repliek { repliek, .. } => repliek,
        other => panic!("expected a Repliek, got {other:?}"),
    }
}

pub(crate) fn wsse(local: &str) -> FaultCode {
    FaultCode::wsse(local).expect("code")
}

/// Reads a verified reply as a Repliek (panics on anything else).
pub(crate) fn verified_repliek(reply: Reply) -> Repliek {
    match reply {
        Reply::Repliek { repliek, signer, .. } => {
            assert_eq!(signer.common_name(), Some(PROVIDER_CN));
            repliek
        }
        other => panic!("expected a signed Repliek, got {other:?}"),
    }
}

/// The only level-2 Uitzondering's Identificatie.
pub(crate) fn level2(repliek: &Repliek) -> &str {
    match repliek.uitzonderingen() {
        [u] => u.identificatie(),
        other => panic!("expected one level-2 Uitzondering, got {other:?}"),
    }
}

/// A write handler that counts its calls and answers with a fresh ObjectID (so a second
/// run would answer differently). Inhoud `<Fout/>` gives a FOUT Uitzondering, `<Crash/>`
/// an error; `delay` widens race windows.
#[derive(Debug, Default)]
pub(crate) struct CountingHandler {
    pub calls: AtomicUsize,
    pub delay: std::time::Duration,
}

impl CountingHandler {
    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl VraagHandler for CountingHandler {
    fn answer(&self, _: &AuthorizedVerzoek, vraag: &Vraag) -> Result<Uitkomst, HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        let first = vraag.inhoud().element().child_elements().next().map(|e| e.local_name().to_owned());
        match first.as_deref() {
            Some("Fout") => Ok(Uitkomst::fout(
                Uitzondering::fout("30001", "Student onbekend")
                    .oorsprong(dho_wss::model::Oorsprong::new("TEST")?)
                    .build()?,
                [],
            )?),
            Some("Crash") => Err("database unavailable".into()),
            _ => Ok(Uitkomst::ok(Inhoud::object_id(&ObjectId::new(&uuid_like())?)?)),
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let t = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("obj-{t:x}-{n}")
}

pub(crate) fn instellingsnummer(s: &str) -> Instellingsnummer {
    Instellingsnummer::new(s).expect("nummer")
}
