//! Every rejection path of the PEP, each with the exact Fault code or Uitzondering
//! Identificatie it is answered with, and the client's handling of replies.

use std::sync::Arc;

use dho_wss::institution::{Reply, ReplyError, ReplyVerifier, UnsignedFaults};
use dho_wss::model::{
    Afzender, Envelope, Fault, FaultCode, Inhoud, Operatie, Referte, Repliek, SchemaVersion, Versie, Verzoek,
};
use dho_wss::pki::{CertificateSelector, ValidatedCertificate};
use dho_wss::provider::{
    AuthorizedVerzoek, Code, Decision, MemoryStore, Outcome, Pep, PepPolicy, Provider, Rejection, Response,
    SubjectSerialNumberRule,
};
use dho_wss::wss::{VerificationPolicy, Verifier, VerifyError};

use crate::common::provider::*;
use crate::common::{root, signer, validator};

fn respond(pep: Pep, bytes: &[u8]) -> Response {
    Provider::new(pep, MemoryStore::new()).handle(bytes, &demo::DemoHandler)
}

/// The Fault a message gets, with its Rejection.
fn fault(pep: Pep, bytes: &[u8]) -> (Fault, Response) {
    let r = respond(pep, bytes);
    let f = fault_of(r.envelope()).clone();
    (f, r)
}

fn rejection(r: &Response) -> &Rejection {
    match r.outcome() {
        Outcome::Rejected(rej) => rej,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn detail_reason(f: &Fault) -> String {
    let d = f.detail().expect("detail");
    d.element().child_elements().find(|e| e.is(None, "reason")).map(|e| e.text()).expect("detail/reason")
}

fn detail_message(f: &Fault) -> String {
    f.detail().and_then(|d| d.message_text()).expect("detail/message")
}

/// The institution's signature over an unsigned envelope given as text.
fn sign_raw(xml: &str) -> Vec<u8> {
    signer("institution").sign_envelope(xml.as_bytes()).expect("sign")
}

fn unsigned_demo() -> String {
    String::from_utf8(envelope(&demo_verzoek("001234")).to_bytes().expect("bytes")).expect("utf8")
}

fn soap(body: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Header/>\
         <soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
}

fn assert_client_fault(bytes: &[u8], reason: &str) -> Response {
    let (f, r) = fault(pep(), bytes);
    assert_eq!(f.faultcode(), &FaultCode::client(), "{f:?}");
    assert_eq!(detail_reason(&f), reason);
    assert_eq!(f.faultactor(), Some("urn:dho-wss:pep"));
    let rej = rejection(&r);
    assert!(rej.is_fault());
    assert_eq!(rej.reason(), reason);
    assert_eq!(rej.fault_code(), Some(FaultCode::client()));
    assert_eq!(rej.code(), None);
    r
}

// ------------------------------------------------------------------ Faults: verification

#[test]
fn not_well_formed_is_soapenv_client() {
    let r = assert_client_fault(b"<soapenv:Envelope", "Client");
    assert!(matches!(rejection(&r), Rejection::Verification(VerifyError::Xml(_))));
}

#[test]
fn doctype_is_soapenv_client() {
    let r = assert_client_fault(
        b"<!DOCTYPE x [<!ENTITY e \"x\">]><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",
        "Client",
    );
    assert!(matches!(rejection(&r), Rejection::Verification(VerifyError::Xml(_))));
}

#[test]
fn unsigned_request_is_wsse_invalid_security() {
    let (f, r) = fault(pep(), unsigned_demo().as_bytes());
    assert_eq!(f.faultcode(), &wsse("InvalidSecurity"));
    assert_eq!(detail_reason(&f), "InvalidSecurity");
    assert!(matches!(rejection(&r), Rejection::Verification(VerifyError::MissingSecurityHeader)));
}

#[test]
fn expired_certificate_is_wsse_failed_authentication() {
    let bytes = signer("expired").sign_message(&envelope(&demo_verzoek("001234"))).expect("sign");
    let (f, _) = fault(pep(), &bytes);
    assert_eq!(f.faultcode(), &wsse("FailedAuthentication"));
}

#[test]
fn tampered_request_is_wsse_failed_check_and_security_detail_is_generic_by_default() {
    let bytes = signed("institution", &demo_verzoek("001234"));
    let s = String::from_utf8(bytes).expect("utf8").replacen("85073003328", "85073003329", 1);
    let (f, r) = fault(pep(), s.as_bytes());
    assert_eq!(f.faultcode(), &wsse("FailedCheck"));
    assert_eq!(detail_message(&f), "The signature or decryption was invalid");
    // The rejection keeps the real error for logs.
    assert!(rejection(&r).to_string().contains("digest mismatch"), "{}", rejection(&r));

    let (f, _) = fault(Pep::new(policy().expose_security_errors(true)), s.as_bytes());
    assert!(detail_message(&f).contains("digest mismatch"), "{}", detail_message(&f));
}

#[test]
fn fault_actor_is_configurable() {
    let pep = Pep::new(policy().fault_actor("https://pep.dho.test/ws"));
    let (f, _) = fault(pep, b"<x/>");
    assert_eq!(f.faultactor(), Some("https://pep.dho.test/ws"));
}

// ------------------------------------------------------------------ Faults: not a valid Verzoek

#[test]
fn repliek_in_the_body_is_not_a_verzoek() {
    let (op, verzoek) = demo_verzoek("001234");
    let repliek = verzoek.repliek(afzender("DHO")).build().expect("repliek");
    let env = Envelope::Repliek { operatie: op, repliek };
    let bytes = signer("institution").sign_message(&env).expect("sign");
    let r = assert_client_fault(&bytes, "NotAVerzoek");
    assert!(
        matches!(rejection(&r), Rejection::NotAVerzoek { found } if found.ends_with("GeefHistoriekInschrijvingResponse"))
    );
}

#[test]
fn fault_in_the_body_is_not_a_verzoek() {
    let env = Envelope::Fault(Fault::new(FaultCode::server(), "boom").expect("fault"));
    let bytes = signer("institution").sign_message(&env).expect("sign");
    assert_client_fault(&bytes, "NotAVerzoek");
}

#[test]
fn verzoek_without_vragen_is_invalid() {
    let xml = unsigned_demo();
    let start = xml.find("<Vragen>").expect("Vragen");
    let end = xml.find("</Vragen>").expect("/Vragen") + "</Vragen>".len();
    let xml = format!("{}<Vragen></Vragen>{}", &xml[..start], &xml[end..]);
    let r = assert_client_fault(&sign_raw(&xml), "InvalidVerzoek");
    assert!(matches!(rejection(&r), Rejection::InvalidVerzoek(dho_wss::model::ModelError::NoVragen)));
}

#[test]
fn verzoek_breaking_the_schema_is_invalid() {
    // An element missing (Naam), a Referte over 36 characters, an attribute on a model element.
    let xml = unsigned_demo();
    for (from, to) in [
        ("<Naam>GeefHistoriekInschrijving</Naam><Versie>", "<Versie>"),
        ("<Vraag><Referte>", "<Vraag><Referte>0123456789012345678901234567890123456789"),
        ("<Verzoek>", "<Verzoek x=\"1\">"),
    ] {
        let bad = xml.replacen(from, to, 1);
        assert_ne!(bad, xml);
        let r = assert_client_fault(&sign_raw(&bad), "InvalidVerzoek");
        assert!(matches!(rejection(&r), Rejection::InvalidVerzoek(_)));
    }
}

#[test]
fn two_elements_in_the_body_are_invalid() {
    let xml = unsigned_demo();
    let start = xml.find("<op:").expect("op");
    let end = xml.find("</soapenv:Body>").expect("body end");
    let op = &xml[start..end];
    let doubled = format!("{}{op}{op}{}", &xml[..start], &xml[end..]);
    assert_client_fault(&sign_raw(&doubled), "InvalidVerzoek");
    // And an empty Body.
    assert_client_fault(&sign_raw(&soap("")), "InvalidVerzoek");
}

#[test]
fn unknown_operation() {
    let xml = unsigned_demo().replace(demo::NAMESPACE, "http://other.service.test");
    let r = assert_client_fault(&sign_raw(&xml), "UnknownOperation");
    assert!(matches!(rejection(&r), Rejection::UnknownOperation { namespace, naam }
        if namespace == "http://other.service.test" && naam == "GeefHistoriekInschrijving"));
    // Unqualified operation element.
    let r = assert_client_fault(&sign_raw(&soap("<GeefX><Verzoek/></GeefX>")), "UnknownOperation");
    assert!(matches!(rejection(&r), Rejection::UnknownOperation { namespace, .. } if namespace.is_empty()));
}

#[test]
fn context_naam_must_name_the_operation() {
    let xml = unsigned_demo().replacen("<Naam>GeefHistoriekInschrijving</Naam>", "<Naam>GeefIetsAnders</Naam>", 1);
    let r = assert_client_fault(&sign_raw(&xml), "OperationMismatch");
    assert!(
        matches!(rejection(&r), Rejection::OperationMismatch { context_naam, .. } if context_naam == "GeefIetsAnders")
    );
}

#[test]
fn unsupported_versie_is_a_version_mismatch_fault() {
    let xml = unsigned_demo().replacen("<Versie>02.01.0000</Versie>", "<Versie>02.02.0000</Versie>", 1);
    let r = assert_client_fault(&sign_raw(&xml), "UnsupportedVersie");
    let f = fault_of(r.envelope());
    assert_eq!(f.faultstring(), "Version mismatch");
    assert!(detail_message(f).contains("02.02.0000") && detail_message(f).contains("02.01.0000"));
    assert!(matches!(rejection(&r), Rejection::UnsupportedVersie { versie, supported, .. }
        if versie.as_str() == "02.02.0000" && supported.len() == 1));
}

// ------------------------------------------------------------------ Repliek with Uitzonderingen

fn not_authorized(pep: Pep, bytes: &[u8], code: Code) -> (Repliek, String) {
    let r = respond(pep, bytes);
    assert!(!r.is_fault());
    let reason = match rejection(&r) {
        Rejection::NotAuthorized(u) => {
            assert_eq!(u.code, code);
            u.reason.clone()
        }
        other => panic!("{other:?}"),
    };
    assert!(!rejection(&r).is_fault());
    assert_eq!(rejection(&r).code(), Some(code));
    assert_eq!(rejection(&r).fault_code(), None);
    assert_eq!(rejection(&r).reason(), "NotAuthorized");
    let repliek = repliek_of(r.envelope()).clone();
    assert_eq!(level2(&repliek), code.identificatie());
    assert!(repliek.antwoorden().is_empty());
    (repliek, reason)
}

#[test]
fn afzender_that_is_no_instellingsnummer_is_13002() {
    let (repliek, _) =
        not_authorized(pep(), &signed("institution", &demo_verzoek("hogeschool")), Code::NotAnInstellingsnummer);
    assert_eq!(repliek.uitzonderingen()[0].diagnose(), Code::NotAnInstellingsnummer.diagnose());
    let (_, _) = not_authorized(pep(), &signed("institution", &demo_verzoek("1234567")), Code::NotAnInstellingsnummer);
}

#[test]
fn bound_certificate_for_another_number_is_13001_denied_by_the_table() {
    let (repliek, reason) = not_authorized(pep(), &signed("institution", &demo_verzoek("005678")), Code::NotAuthorized);
    assert!(reason.contains("not bound to instellingsnummer 005678"), "{reason}");
    let u = &repliek.uitzonderingen()[0];
    assert_eq!(u.omstandigheid(), Some(reason.as_str()));
    assert_eq!(u.oorsprong().map(|o| o.as_str()), Some("DHO"));
    // The Repliek copies the Verzoek's Afzender as Ontvanger.
    assert_eq!(repliek.context().bericht().ontvanger().map(|o| o.identificatie()), Some("005678"));
}

#[test]
fn unbound_certificate_is_13001_when_every_rule_abstains() {
    let (_, reason) =
        not_authorized(Pep::new(base_policy()), &signed("institution", &demo_verzoek("001234")), Code::NotAuthorized);
    assert!(reason.starts_with("no binding allows certificate CN=dho-wss-test.instelling-001234"), "{reason}");
}

#[test]
fn numbers_compare_in_six_digit_form() {
    let a = authorize(&pep(), &signed("institution", &demo_verzoek("1234")));
    assert_eq!(a.instellingsnummer().as_str(), "1234");
    assert_eq!(a.operation().naam(), demo::NAAM);
    assert_eq!(a.signer().common_name(), Some("dho-wss-test.instelling-001234.hogeschool-test"));
    assert!(!a.signature_value().is_empty());
}

#[test]
fn subject_serial_number_rule_and_callbacks() {
    // serialNumber rule alone: other (005678) may speak for 005678, not for 001234.
    let pep_serial = Pep::new(base_policy().authorize_with(SubjectSerialNumberRule));
    authorize(&pep_serial, &signed("other", &demo_verzoek("5678")));
    not_authorized(pep_serial, &signed("other", &demo_verzoek("001234")), Code::NotAuthorized);

    // A callback that denies writes to `other`, placed before the table.
    let deny_writes = |c: &ValidatedCertificate, _: &dho_wss::model::Instellingsnummer, op: &Operatie| {
        if c.common_name().is_some_and(|cn| cn.contains("005678")) && op.naam() == WRITE_NAAM {
            Decision::Deny("application may only read".into())
        } else {
            Decision::Abstain
        }
    };
    let pep_cb = || Pep::new(base_policy().authorize_with(deny_writes).bindings(test_bindings()));
    let r = Referte::generate();
    let (repliek, reason) = not_authorized(
        pep_cb(),
        &signed("other", &write_verzoek("005678", &[(&r, inschrijving("x"))])),
        Code::NotAuthorized,
    );
    assert_eq!(reason, "application may only read");
    assert_eq!(repliek.uitzonderingen()[0].omstandigheid(), Some("application may only read"));
    authorize(&pep_cb(), &signed("other", &demo_verzoek("005678")));
    authorize(&pep_cb(), &signed("institution", &write_verzoek("001234", &[(&r, inschrijving("x"))])));

    // A callback that allows everything, after the table: the table's Deny still wins.
    let allow_all = |_: &ValidatedCertificate, _: &dho_wss::model::Instellingsnummer, _: &Operatie| Decision::Allow;
    let pep_after = Pep::new(policy().authorize_with(allow_all));
    not_authorized(pep_after, &signed("institution", &demo_verzoek("005678")), Code::NotAuthorized);
    // Before the table it decides.
    let pep_before = Pep::new(base_policy().authorize_with(allow_all).bindings(test_bindings()));
    authorize(&pep_before, &signed("institution", &demo_verzoek("005678")));
}

fn legacy_verzoek(identificatie: &str) -> (Operatie, Verzoek) {
    let v = SchemaVersion::V01_02;
    let afzender = Afzender::builder(identificatie).referte(Referte::generate_for(v)).build().expect("afzender");
    let verzoek = Verzoek::builder(LEGACY_NAAM, Versie::new("01.00.0000").expect("versie"), afzender)
        .schema_version(v)
        .vraag_inhoud(Inhoud::from_fragment("<Criteria/>").expect("inhoud"))
        .build()
        .expect("verzoek");
    (Operatie::new(LEGACY_NS, LEGACY_NAAM).expect("op"), verzoek)
}

#[test]
fn generiek_01_02_uitzondering_has_no_oorsprong() {
    let (repliek, _) = not_authorized(pep(), &signed("institution", &legacy_verzoek("005678")), Code::NotAuthorized);
    assert_eq!(repliek.schema_version(), SchemaVersion::V01_02);
    assert_eq!(repliek.uitzonderingen()[0].oorsprong(), None);
    assert!(repliek.context().bericht().afzender().referte().char_len() <= 24);
    // And the client reads the signed 01.02 reply back.
    let provider = Provider::new(pep(), MemoryStore::new()).with_reply_signer(signer("provider"));
    let r = provider.handle(&signed("institution", &legacy_verzoek("005678")), &demo::DemoHandler);
    let read = verified_repliek(reply_verifier().read(r.bytes()).expect("verified"));
    assert_eq!(read.schema_version(), SchemaVersion::V01_02);
    assert_eq!(level2(&read), "13001");
}

#[test]
fn afzender_and_oorsprong_of_replies_are_configurable() {
    let pep = Pep::new(
        policy()
            .afzender("dho2.ov.vlaanderen.be", Some("DHO2".into()))
            .oorsprong(dho_wss::model::Oorsprong::new("DHO2").expect("oorsprong")),
    );
    let (repliek, _) = not_authorized(pep, &signed("institution", &demo_verzoek("005678")), Code::NotAuthorized);
    assert_eq!(repliek.context().bericht().afzender().identificatie(), "dho2.ov.vlaanderen.be");
    assert_eq!(repliek.context().bericht().afzender().naam(), Some("DHO2"));
    assert_eq!(repliek.uitzonderingen()[0].oorsprong().map(|o| o.as_str()), Some("DHO2"));
}

#[test]
fn codes_are_stable_and_documented() {
    let ids: Vec<_> = Code::ALL.iter().map(|c| c.identificatie()).collect();
    assert_eq!(ids, ["13001", "13002", "13010", "13011", "13090"]);
    let docs = std::fs::read_to_string(root().join("src/provider/mod.rs")).expect("module docs");
    for c in Code::ALL {
        assert_eq!(Code::from_identificatie(c.identificatie()), Some(c));
        assert!(docs.contains(&format!("//! | {} |", c.identificatie())), "{} undocumented", c.identificatie());
    }
    assert_eq!(Code::from_identificatie("99999"), None);
}

// ------------------------------------------------------------------ the client side of replies

fn provider_signed(env: &Envelope) -> Vec<u8> {
    signer("provider").sign_message(env).expect("sign")
}

#[test]
fn client_rejects_unsigned_faults_unless_it_opts_in() {
    let fault = Fault::new(FaultCode::server(), "Internal error").expect("fault");
    let bytes = Envelope::Fault(fault.clone()).to_bytes().expect("bytes");
    assert!(matches!(reply_verifier().read(&bytes), Err(ReplyError::UnsignedFault)));
    match reply_verifier().unsigned_faults(UnsignedFaults::Accept).read(&bytes) {
        Ok(Reply::UnsignedFault(f)) => assert_eq!(f, fault),
        other => panic!("{other:?}"),
    }
    // A signed Fault is a signed Fault either way.
    match reply_verifier().read(&provider_signed(&Envelope::Fault(fault.clone()))) {
        Ok(Reply::Fault { fault: f, .. }) => assert_eq!(f, fault),
        other => panic!("{other:?}"),
    }
    // An unsigned Repliek is never accepted.
    let (op, verzoek) = demo_verzoek("001234");
    let repliek = Envelope::Repliek { operatie: op, repliek: verzoek.repliek(afzender("DHO")).build().expect("r") };
    let unsigned = repliek.to_bytes().expect("bytes");
    assert!(matches!(
        reply_verifier().unsigned_faults(UnsignedFaults::Accept).read(&unsigned),
        Err(ReplyError::Verify(VerifyError::MissingSecurityHeader))
    ));
    // A tampered signed Fault is not "unsigned".
    let signed_fault = String::from_utf8(provider_signed(&Envelope::Fault(fault))).expect("utf8");
    let tampered = signed_fault.replace("Internal error", "Internal errox");
    assert!(matches!(
        reply_verifier().unsigned_faults(UnsignedFaults::Accept).read(tampered.as_bytes()),
        Err(ReplyError::Verify(VerifyError::DigestMismatch { .. }))
    ));
}

#[test]
fn client_checks_signer_and_correlation() {
    let (op, verzoek) = demo_verzoek("001234");
    let repliek = |v: &Verzoek| Envelope::Repliek {
        operatie: op.clone(),
        repliek: v
            .beantwoord(afzender("DHO"), |_| Ok(dho_wss::model::Uitkomst::ok(Inhoud::empty())))
            .expect("beantwoord")
            .build()
            .expect("repliek"),
    };
    // Signed by the institution, not the provider: the pin refuses it.
    let by_institution = signer("institution").sign_message(&repliek(&verzoek)).expect("sign");
    assert!(matches!(reply_verifier().read(&by_institution), Err(ReplyError::UnexpectedSigner { .. })));
    // Only the insecure opt-out (the provider's anchors alone, the same test CA here) accepts it.
    let unpinned = ReplyVerifier::any_signer_under_anchors_insecure(Verifier::new(
        VerificationPolicy::dho_legacy_rsa_sha1(),
        validator(),
    ));
    assert!(matches!(unpinned.read(&by_institution), Ok(Reply::Repliek { .. })));
    // A Repliek to another Verzoek does not answer this one.
    let (_, other) = demo_verzoek("001234");
    let bytes = provider_signed(&repliek(&other));
    assert!(matches!(reply_verifier().read_for(&verzoek, &bytes), Err(ReplyError::Mismatch { .. })));
    assert!(reply_verifier().read_for(&other, &bytes).is_ok());
    // A signed Verzoek is not a reply.
    let request = provider_signed(&envelope(&(op.clone(), verzoek)));
    assert!(matches!(reply_verifier().read(&request), Err(ReplyError::NotAReply)));
}

#[test]
fn authorized_verzoek_exposes_what_the_pep_checked() {
    let request = demo_verzoek("001234");
    let a: AuthorizedVerzoek = authorize(&pep(), &signed("institution", &request));
    assert_eq!(a.verzoek(), &request.1);
    assert_eq!(a.operatie(), &request.0);
    assert!(a.operation().is_read());
    assert_eq!(a.clone().into_verzoek(), request.1);
}

#[test]
fn pep_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Pep>();
    check::<Provider<MemoryStore>>();
    check::<Arc<ReplyVerifier>>();
    let _ = PepPolicy::new(Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator()));
}

/// Attack catalogue F2: a Repliek taken from the provider, altered, and re-signed by another
/// institution's certificate under the same CA is refused as `UnexpectedSigner`, whichever way
/// the provider's certificate is pinned; so is a Fault signed by that institution.
#[test]
fn reply_re_signed_by_another_institution_is_an_unexpected_signer() {
    let request = demo_verzoek("001234");
    let provider = Provider::new(pep(), MemoryStore::new()).with_reply_signer(signer("provider"));
    let response = provider.handle(&signed("institution", &request), &demo::DemoHandler);
    assert!(response.is_signed() && !response.is_fault());
    // The attacker keeps the message, changes the answer, and signs it with its own certificate.
    let unsigned = String::from_utf8(response.envelope().to_bytes().expect("bytes")).expect("utf8");
    let altered = unsigned.replace("Bachelor in de demo-wetenschappen", "Master in de vervalsing");
    assert_ne!(altered, unsigned);
    let forged = signer("other").sign_envelope(altered.as_bytes()).expect("sign");
    let forged_fault = signer("other")
        .sign_message(&Envelope::Fault(Fault::new(FaultCode::server(), "Internal error").expect("fault")))
        .expect("sign");

    let anchors_only = || Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator());
    let provider_cert = validated("provider");
    let pins = [
        CertificateSelector::common_name(PROVIDER_CN),
        CertificateSelector::subject_dn(provider_cert.subject_dn()),
        CertificateSelector::sha256(provider_cert.sha256_fingerprint()).expect("fingerprint"),
    ];
    for pin in pins {
        let client = ReplyVerifier::new(anchors_only(), pin.clone());
        assert_eq!(client.expected_signer(), Some(&pin));
        assert!(
            matches!(client.read_for(&request.1, &forged), Err(ReplyError::UnexpectedSigner { ref subject })
                if subject.contains("instelling-005678")),
            "{pin}: a reply signed by another institution was accepted"
        );
        assert!(matches!(client.read(&forged_fault), Err(ReplyError::UnexpectedSigner { .. })), "{pin}");
        // The genuine reply is accepted.
        assert!(matches!(client.read_for(&request.1, response.bytes()), Ok(Reply::Repliek { .. })), "{pin}");
    }
    // Only the loudly named opt-out trusts the anchors alone, and then the forgery passes.
    let insecure = ReplyVerifier::any_signer_under_anchors_insecure(anchors_only());
    assert_eq!(insecure.expected_signer(), None);
    assert!(matches!(insecure.read_for(&request.1, &forged), Ok(Reply::Repliek { .. })));
}
