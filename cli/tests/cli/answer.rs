//! `answer`: a signed Verzoek answered as the test provider; the reply checked with
//! `dho-wss verify` against the provider's CA and read as a Repliek by the library's reader;
//! tampered, unbound and garbage requests answered with the provider's signed rejection;
//! bad arguments and files refused with nothing written.

use std::path::Path;

use dho_wss::model::Envelope;

use crate::inspect::{s, signed, tampered, AFZENDER_REFERTE, VRAAG_REFERTE};
use crate::support::*;

const TEST_FLAGS: [&str; 3] = ["--test-identity", "--test-ca", "--test-bindings"];

fn answer(flags: &[&str], input: &Path, output: &Path) -> Out {
    let mut args = vec!["answer"];
    args.extend(flags);
    args.extend([s(input), s(output)]);
    dho(args)
}

/// Checks that `reply` verifies as signed by the test provider (`dho-wss verify`, real CA file).
fn verified_by_provider(reply: &Path) {
    let ca = pki("ca.pem");
    let v = dho(["verify", "--ca", s(&ca), s(reply)]);
    v.code(0);
    assert!(v.last_line().starts_with("OK CN=dho-wss-test.dho-provider"), "{}", v.stdout);
}

fn read(reply: &Path) -> Envelope {
    Envelope::from_envelope_bytes(&std::fs::read(reply).expect("reply")).expect("a DHO envelope")
}

#[test]
fn answers_a_signed_verzoek_with_a_signed_repliek() {
    let dir = tmp();
    let request = signed(dir.path(), &["--timestamp"]);
    let reply = dir.path().join("repliek.xml");
    let out = answer(&TEST_FLAGS, &request, &reply);
    out.code(0);
    assert!(out.stdout.contains("answered"), "{}", out.stdout);
    verified_by_provider(&reply);
    let Envelope::Repliek { operatie, repliek } = read(&reply) else { panic!("not a Repliek") };
    assert_eq!(operatie.naam(), "GeefHistoriekInschrijving");
    let refertes: Vec<String> = repliek.antwoorden().iter().map(|a| a.referte().to_string()).collect();
    assert_eq!(refertes, [VRAAG_REFERTE]);
    assert!(repliek.antwoorden().iter().all(|a| !a.is_fout()) && repliek.uitzonderingen().is_empty());
    let ontvanger = repliek.context().bericht().ontvanger().expect("Ontvanger");
    assert_eq!(ontvanger.identificatie(), "001234");
    assert_eq!(ontvanger.referte().map(|r| r.to_string()).as_deref(), Some(AFZENDER_REFERTE));
    // The demo operation's answer: the institution's Inschrijving.
    let inhoud = std::fs::read_to_string(&reply).expect("reply");
    assert!(inhoud.contains("<Instellingsnummer>001234</Instellingsnummer>"), "{inhoud}");
    assert_eq!(names(dir.path()), ["repliek.xml", "verzoek.signed.xml"]);
}

#[test]
fn answers_with_explicit_files_like_an_operator() {
    let dir = tmp();
    let request = signed(dir.path(), &[]);
    let reply = dir.path().join("repliek.xml");
    let (key, cert, ca) = (pki("provider.key.pem"), pki("provider.crt.pem"), pki("ca.pem"));
    let bindings = root().join("testdata/bindings/test.bindings");
    let flags = ["--key", s(&key), "--cert", s(&cert), "--ca", s(&ca), "--bindings", s(&bindings)];
    answer(&flags, &request, &reply).code(0);
    verified_by_provider(&reply);
    assert!(matches!(read(&reply), Envelope::Repliek { .. }));

    // The provider identity as PKCS#12, its password from the environment; a wrong one is refused.
    let p12 = pki("provider.p12");
    let reply = dir.path().join("repliek-p12.xml");
    let mut args = vec!["answer", "--p12", s(&p12), "--ca", s(&ca), "--test-bindings", s(&request), s(&reply)];
    dho_env(&args, &[PW]).code(0);
    verified_by_provider(&reply);
    let refused = dir.path().join("refused.xml");
    *args.last_mut().expect("OUT") = s(&refused);
    dho_env(&args, &[("DHO_WSS_PASSWORD", "wrong")]).code(1).error_names(&p12, "");
    assert!(!refused.exists(), "no reply without the provider's key");
}

#[test]
fn tampered_verzoek_gets_the_signed_fault() {
    let dir = tmp();
    let request = tampered(dir.path(), &signed(dir.path(), &[]));
    let reply = dir.path().join("fault.xml");
    answer(&TEST_FLAGS, &request, &reply).code(1).error_names(&request, "rejected: wsse:FailedCheck");
    verified_by_provider(&reply);
    let Envelope::Fault(f) = read(&reply) else { panic!("not a Fault") };
    assert_eq!(f.faultcode().local_name(), "FailedCheck");
    // inspect reads the same Fault.
    let (v, _) = crate::inspect::inspect_json(&["--test-ca", s(&reply)], 0);
    assert_eq!(v["message"]["kind"], "Fault");
    assert!(v["message"]["fault"]["faultcode"].as_str().expect("code").ends_with("}FailedCheck"));
}

#[test]
fn signer_not_bound_to_the_instellingsnummer_is_refused() {
    let dir = tmp();
    let request = dir.path().join("other.signed.xml");
    let (key, cert) = (pki("other.key.pem"), pki("other.crt.pem"));
    let unsigned = unsigned_message();
    dho(["sign", "--key", s(&key), "--cert", s(&cert), s(&unsigned), s(&request)]).code(0);
    let reply = dir.path().join("reply.xml");
    answer(&TEST_FLAGS, &request, &reply).code(1).error_names(&request, "rejected");
    verified_by_provider(&reply);
    // The PEP refuses with a Repliek that carries Uitzondering 13001 (no authorization) and no answer.
    let Envelope::Repliek { repliek, .. } = read(&reply) else { panic!("not a Repliek") };
    let codes: Vec<&str> = repliek.uitzonderingen().iter().map(|u| u.identificatie()).collect();
    assert_eq!(codes, ["13001"]);
    assert!(repliek.antwoorden().is_empty(), "an unbound signer got an answer");
}

#[test]
fn garbage_request_gets_a_signed_fault() {
    let dir = tmp();
    let request = dir.path().join("garbage.xml");
    std::fs::write(&request, b"\x00 not a message").expect("write");
    let reply = dir.path().join("reply.xml");
    answer(&TEST_FLAGS, &request, &reply).code(1).error_names(&request, "rejected");
    verified_by_provider(&reply);
    assert!(matches!(read(&reply), Envelope::Fault(_)));
}

#[test]
fn bad_arguments_and_files_write_nothing() {
    let dir = tmp();
    let request = signed(dir.path(), &[]);
    let reply = dir.path().join("reply.xml");
    // No provider identity: usage.
    answer(&["--test-ca", "--test-bindings"], &request, &reply).code(2);
    // No anchors or no bindings: usage (clap).
    answer(&["--test-identity", "--test-bindings"], &request, &reply).code(2);
    answer(&["--test-identity", "--test-ca"], &request, &reply).code(2);
    // Missing request, missing and corrupt bindings, corrupt key.
    let missing = dir.path().join("missing.xml");
    answer(&TEST_FLAGS, &missing, &reply).code(3).error_names(&missing, "");
    let bindings = dir.path().join("bad.bindings");
    std::fs::write(&bindings, "this is not a binding\n").expect("write");
    answer(&["--test-identity", "--test-ca", "--bindings", s(&bindings)], &request, &reply)
        .code(1)
        .error_names(&bindings, "");
    let absent = dir.path().join("absent.bindings");
    answer(&["--test-identity", "--test-ca", "--bindings", s(&absent)], &request, &reply)
        .code(3)
        .error_names(&absent, "");
    let key = dir.path().join("bad.key.pem");
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").expect("write");
    let cert = pki("provider.crt.pem");
    answer(&["--key", s(&key), "--cert", s(&cert), "--test-ca", "--test-bindings"], &request, &reply)
        .code(1)
        .error_names(&key, "");
    // An output in a directory that does not exist: I/O, and nothing left behind.
    let nowhere = dir.path().join("no/such/dir/reply.xml");
    answer(&TEST_FLAGS, &request, &nowhere).code(3).error_names(&nowhere, "");
    assert_eq!(names(dir.path()), ["bad.bindings", "bad.key.pem", "verzoek.signed.xml"]);
}
