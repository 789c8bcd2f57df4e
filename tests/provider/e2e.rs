//! End to end: the institution signs a model-built Verzoek (the `sign_payload` code path),
//! the provider verifies, authorizes and answers it (the `answer_verzoek` code path) with a
//! signed Repliek, and the client verifies that against the provider's trust anchors.
//! Also the real example binaries, the main rejection paths, and a WSS4J-signed request.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dho_wss::institution::Reply;
use dho_wss::model::{Envelope, SchemaVersion};
use dho_wss::provider::{Code, MemoryStore, Outcome, Provider, Rejection, Response};
use dho_wss::wss::VerifyError;

use crate::common::provider::*;
use crate::common::{peers_required, pki, root, signer, unavailable};

fn provider() -> Provider<MemoryStore> {
    Provider::new(pep(), MemoryStore::new()).with_reply_signer(signer("provider"))
}

fn handle(bytes: &[u8]) -> Response {
    provider().handle(bytes, &demo::DemoHandler)
}

#[test]
fn signed_verzoek_is_answered_with_a_signed_repliek_the_client_verifies() {
    let request = demo_verzoek("001234");
    let bytes = signed("institution", &request);

    let response = handle(&bytes);
    assert!(matches!(response.outcome(), Outcome::Answered { handler_errors } if handler_errors.is_empty()));
    assert!(response.is_signed() && !response.is_fault());

    // The client: provider trust anchors, provider CN pinned, correlation with its Verzoek.
    let repliek = verified_repliek(reply_verifier().read_for(&request.1, response.bytes()).expect("verified reply"));
    let vraag_refertes: Vec<_> = request.1.vragen().iter().map(|v| v.referte().clone()).collect();
    let antwoord_refertes: Vec<_> = repliek.antwoorden().iter().map(|a| a.referte().clone()).collect();
    assert_eq!(antwoord_refertes, vraag_refertes);
    assert_eq!(repliek.context().bericht().ontvanger().and_then(|o| o.referte()), Some(request.1.afzender().referte()));
    assert!(repliek.uitzonderingen().is_empty());
    for (a, v) in repliek.antwoorden().iter().zip(request.1.vragen()) {
        // The demo operation echoes the Criteria.
        let asked = String::from_utf8_lossy(v.inhoud().canonical()).replace("<Inhoud>", "").replace("</Inhoud>", "");
        let answered = String::from_utf8_lossy(a.inhoud().expect("Inhoud").canonical()).into_owned();
        assert!(answered.starts_with(&format!("<Inhoud>{asked}<Inschrijvingen>")), "{answered}");
    }
}

#[test]
fn other_institution_speaking_for_001234_gets_a_repliek_with_13001_not_a_fault() {
    let bytes = signed("other", &demo_verzoek("001234"));
    let response = handle(&bytes);
    assert!(!response.is_fault());
    match response.outcome() {
        Outcome::Rejected(Rejection::NotAuthorized(u)) => {
            assert_eq!(u.code, Code::NotAuthorized);
            assert!(u.reason.contains("005678") || u.reason.contains("001234"), "{}", u.reason);
        }
        other => panic!("{other:?}"),
    }
    let repliek = verified_repliek(reply_verifier().read(response.bytes()).expect("verified"));
    assert_eq!(level2(&repliek), "13001");
    assert!(repliek.antwoorden().is_empty());
    let u = &repliek.uitzonderingen()[0];
    assert!(u.is_fout());
    assert_eq!(u.oorsprong().map(|o| o.as_str()), Some("DHO"));
    assert_eq!(u.diagnose(), Code::NotAuthorized.diagnose());

    // The same certificate for its own number is fine.
    let own = handle(&signed("other", &demo_verzoek("005678")));
    assert!(matches!(own.outcome(), Outcome::Answered { .. }));
}

fn tamper(bytes: &[u8]) -> Vec<u8> {
    let s = String::from_utf8(bytes.to_vec()).expect("utf8");
    s.replacen("<INSZ>85073003328</INSZ>", "<INSZ>85073003329</INSZ>", 1).into_bytes()
}

#[test]
fn tampered_request_gets_a_signed_fault_wsse_failed_check() {
    let bytes = tamper(&signed("institution", &demo_verzoek("001234")));
    let response = handle(&bytes);
    assert!(response.is_fault());
    assert!(matches!(
        response.outcome(),
        Outcome::Rejected(Rejection::Verification(VerifyError::DigestMismatch { .. }))
    ));
    match reply_verifier().read(response.bytes()).expect("verified") {
        Reply::Fault { fault, signer } => {
            assert_eq!(fault.faultcode(), &wsse("FailedCheck"));
            assert_eq!(fault.faultactor(), Some("urn:dho-wss:pep"));
            assert_eq!(fault.faultstring(), "The signature or decryption was invalid");
            let detail = fault.detail().expect("detail");
            assert!(detail.element().child_elements().any(|e| e.is(None, "reason") && e.text() == "FailedCheck"));
            assert_eq!(signer.common_name(), Some(PROVIDER_CN));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn untrusted_certificate_gets_wsse_failed_authentication() {
    // rogue.crt.pem has the institution's exact subject (which test.bindings binds) but
    // comes from another CA: trust fails before any binding is looked at.
    let response = handle(&signed("rogue", &demo_verzoek("001234")));
    let fault = fault_of(response.envelope());
    assert_eq!(fault.faultcode(), &wsse("FailedAuthentication"));
    assert!(matches!(response.outcome(), Outcome::Rejected(Rejection::Verification(VerifyError::Untrusted(_)))));
}

// ---------------------------------------------------------------- example binaries

/// The `sign_payload` and `answer_verzoek` examples, built with this test binary's profile and features.
fn examples() -> (PathBuf, PathBuf) {
    let mut bins = crate::common::examples::example_binaries(&["sign_payload", "answer_verzoek"]).into_iter();
    (bins.next().expect("sign_payload"), bins.next().expect("answer_verzoek"))
}

#[test]
fn example_binaries_sign_payload_piped_into_answer_verzoek() {
    let (sign_payload, answer_verzoek) = examples();
    let signed = Command::new(&sign_payload).output().expect("run sign_payload");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));

    let run = |input: &[u8], args: &[&str]| {
        let mut child = Command::new(&answer_verzoek)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run answer_verzoek");
        // A usage error exits without reading standard input: ignore a broken pipe.
        let _ = child.stdin.take().expect("stdin").write_all(input);
        child.wait_with_output().expect("answer_verzoek output")
    };

    // sign_payload | answer_verzoek -
    let out = run(&signed.stdout, &["-"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let request = Envelope::from_envelope_bytes(&signed.stdout).expect("request");
    let Envelope::Verzoek { verzoek, .. } = request else { panic!("not a Verzoek") };
    let repliek = verified_repliek(reply_verifier().read_for(&verzoek, &out.stdout).expect("verified reply"));
    assert_eq!(repliek.antwoorden().len(), 2);
    for (a, v) in repliek.antwoorden().iter().zip(verzoek.vragen()) {
        assert_eq!(a.referte(), v.referte());
    }

    // Tampered: a Fault and exit code 2.
    let out = run(&tamper(&signed.stdout), &["-"]);
    assert_eq!(out.status.code(), Some(2));
    match reply_verifier().read(&out.stdout).expect("verified fault") {
        Reply::Fault { fault, .. } => assert_eq!(fault.faultcode(), &wsse("FailedCheck")),
        other => panic!("{other:?}"),
    }

    // A binding file that binds nobody: a Repliek with 13001 and exit code 0.
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty.bindings");
    std::fs::write(&empty, "# nobody\n").expect("write");
    let out = run(&signed.stdout, &["--bindings", empty.to_str().expect("path"), "-"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(level2(&verified_repliek(reply_verifier().read(&out.stdout).expect("verified"))), "13001");

    // Usage and I/O errors: exit code 1.
    assert_eq!(run(b"", &[]).status.code(), Some(1));
    assert_eq!(run(b"", &["--bogus", "-"]).status.code(), Some(1));
    assert_eq!(run(b"", &["/nonexistent/request.xml"]).status.code(), Some(1));
    let bad = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad.bindings");
    std::fs::write(&bad, "cn: x => 12a\n").expect("write");
    let out = run(&signed.stdout, &["--bindings", bad.to_str().expect("path"), "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

// ---------------------------------------------------------------- WSS4J

#[test]
fn wss4j_signed_request_is_accepted() {
    if !Path::new("/usr/share/java/wss4j.jar").exists() || Command::new("javac").arg("-version").output().is_err() {
        unavailable("WSS4J (libwss4j-java + javac)");
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("provider-wss4j");
    std::fs::create_dir_all(&dir).expect("tmp");
    let request = demo_verzoek("001234");
    let unsigned = dir.join("verzoek.xml");
    let signed_path = dir.join("verzoek.signed.xml");
    std::fs::write(&unsigned, envelope(&request).to_bytes().expect("bytes")).expect("write");
    let out = Command::new("bash")
        .arg(root().join("tests/interop/wss4j/run.sh"))
        .arg(root().join("target/interop/wss4j"))
        .args(["sign", "--p12"])
        .arg(pki("institution.p12"))
        .args(["--password", "test-only"])
        .arg(&unsigned)
        .arg(&signed_path)
        .output()
        .expect("run WSS4J");
    if !out.status.success() {
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if peers_required() {
            panic!("WSS4J signing failed: {log}");
        }
        unavailable(&format!("a working WSS4J driver ({})", log.lines().last().unwrap_or_default()));
        return;
    }
    let bytes = std::fs::read(&signed_path).expect("signed");
    let authorized = authorize(&pep(), &bytes);
    assert_eq!(authorized.instellingsnummer().as_str(), "001234");
    assert_eq!(authorized.verzoek(), &request.1);
    let response = handle(&bytes);
    let repliek = verified_repliek(reply_verifier().read_for(&request.1, response.bytes()).expect("verified"));
    assert_eq!(repliek.antwoorden().len(), 2);
    assert_eq!(repliek.schema_version(), SchemaVersion::V02_00);
}
