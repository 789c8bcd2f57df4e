//! End to end (issues 12 and 13): `dho-wss serve` runs the gateway of `examples/pep.toml` as a
//! child process; `dho-wss send` and the library's async client talk to it over mutual TLS and
//! verify its signed replies; a Vraag sent again gets the stored answer.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use dho_wss::client::{Client, Outcome, SendError, ServerCertificateProblem, TlsRefusal};
use dho_wss::institution::ReplyVerifier;
use dho_wss::model::Envelope;
use dho_wss::pki::{CertificateSelector, CertificateValidator, SigningIdentity, TrustAnchors};
use dho_wss::tls::ServerTrust;
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};

use crate::support::{dho, pki, root, unsigned_message};

/// `dho-wss serve` as a child process, killed when dropped (also when a test panics).
struct Gateway {
    child: Child,
    url: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the gateway on free ports and waits for its `listening on https://ADDR` line.
fn gateway() -> Gateway {
    let child = Command::new(env!("CARGO_BIN_EXE_dho-wss"))
        .args(["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--config"])
        .arg(root().join("examples/pep.toml"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dho-wss serve");
    let mut gateway = Gateway { child, url: String::new() };
    let mut line = String::new();
    BufReader::new(gateway.child.stdout.take().expect("stdout")).read_line(&mut line).expect("read the listening line");
    let addr = line
        .strip_prefix("listening on https://")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line of dho-wss serve: {line:?}"));
    gateway.url = format!("https://{addr}/");
    gateway
}

fn send_args(url: &str, provider: &str) -> Vec<String> {
    let mut args: Vec<String> = ["send", "--url", url, "--test-identity", "--server-ca"].map(String::from).into();
    args.push(pki("ca.pem").display().to_string());
    args.push("--provider-cert".into());
    args.push(pki(provider).display().to_string());
    args.push(unsigned_message().display().to_string());
    args
}

/// The `<Antwoorden>` element of a printed Repliek.
fn antwoorden(repliek: &str) -> &str {
    let start = repliek.find("<Antwoorden>").expect("Antwoorden in the Repliek");
    let end = repliek.find("</Antwoorden>").expect("end of Antwoorden");
    &repliek[start..end]
}

#[test]
fn send_through_serve_verifies_the_repliek_and_resends_get_the_stored_answer() {
    let gw = gateway();
    let first = dho(send_args(&gw.url, "provider.crt.pem"));
    first.code(0);
    assert!(first.stdout.starts_with("<Repliek>"), "a Repliek on stdout: {}", first.stdout);
    assert!(first.stdout.contains("<Type>ANTWOORD</Type>"), "{}", first.stdout);

    // (c) The same Vraag again: the answer comes from the store, identical.
    let again = dho(send_args(&gw.url, "provider.crt.pem"));
    again.code(0);
    assert_eq!(antwoorden(&first.stdout), antwoorden(&again.stdout), "a resent Vraag gets the stored answer");

    // A reply signed by someone else than the pinned provider: exit 1, nothing on stdout.
    let pinned_other = dho(send_args(&gw.url, "institution.crt.pem"));
    pinned_other.code(1);
    assert!(pinned_other.stdout.is_empty(), "no partial output: {}", pinned_other.stdout);
    assert!(pinned_other.stderr.contains("not by the expected provider"), "{}", pinned_other.stderr);

    // An operation the gateway does not serve: its signed Fault, exit 1 with the code on stderr.
    let dir = crate::support::tmp();
    let other = dir.path().join("other-operation.xml");
    let text = std::fs::read_to_string(unsigned_message()).expect("message");
    std::fs::write(&other, text.replace("geefhistoriekinschrijvingdienst-02_01", "geefandersdienst-02_01"))
        .expect("write");
    let mut args = send_args(&gw.url, "provider.crt.pem");
    *args.last_mut().expect("input") = other.display().to_string();
    let fault = dho(&args);
    fault.code(1);
    assert!(fault.stdout.is_empty(), "no Repliek for a Fault: {}", fault.stdout);
    assert!(fault.stderr.contains("Fault Client:"), "the Fault code on stderr: {}", fault.stderr);
}

#[test]
fn send_hostile_inputs() {
    // Nobody listening: a network failure, exit 3.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let refused = dho(send_args(&format!("https://127.0.0.1:{port}/"), "provider.crt.pem"));
    refused.code(3);
    assert!(refused.stdout.is_empty());
    // Not a URL the client takes: usage.
    dho(send_args("ftp://127.0.0.1/", "provider.crt.pem")).code(2);
    // A provider certificate that is not a certificate: names the file.
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").expect("write");
    let mut args = send_args("https://127.0.0.1:1/", "provider.crt.pem");
    let at = args.iter().position(|a| a == "--provider-cert").expect("flag") + 1;
    args[at] = junk.display().to_string();
    dho(&args).code(1).error_names(&junk, "CERTIFICATE");
    // An input that is not a Verzoek: names the file, exit 1.
    let reply = dir.path().join("not-verzoek.xml");
    std::fs::write(&reply, "<a/>").expect("write");
    let gw = gateway();
    let mut args = send_args(&gw.url, "provider.crt.pem");
    *args.last_mut().expect("input") = reply.display().to_string();
    dho(&args).code(1).error_names(&reply, "");
    // No identity: usage.
    let mut args = send_args(&gw.url, "provider.crt.pem");
    args.retain(|a| a != "--test-identity");
    dho(&args).code(2);
}

fn identity(name: &str) -> SigningIdentity {
    SigningIdentity::from_pem_files(pki(&format!("{name}.key.pem")), pki(&format!("{name}.crt.pem")), None)
        .expect("identity")
}

fn async_client(url: &str, server_ca: &str, tls_identity: Option<SigningIdentity>) -> Client {
    let provider = dho_wss::pki::CertificateInfo::from_certificate_der(identity("provider").certificate_der())
        .expect("provider certificate");
    let anchors = TrustAnchors::from_pem_file(pki("ca.pem")).expect("anchors");
    let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
    let replies =
        ReplyVerifier::new(verifier, CertificateSelector::sha256(provider.sha256_fingerprint()).expect("selector"));
    let signer = Signer::new(identity("institution"), SignatureProfile::dho_legacy_rsa_sha1());
    let mut builder =
        Client::builder(url, signer, replies).server_trust(ServerTrust::pem_file(pki(server_ca)).expect("trust"));
    if let Some(id) = tls_identity {
        builder = builder.tls_identity(std::sync::Arc::new(id));
    }
    builder.no_proxy().build().expect("client")
}

#[tokio::test(flavor = "current_thread")]
async fn library_client_against_serve_checks_signatures_and_mutual_tls() {
    let gw = gateway();
    let bytes = std::fs::read(unsigned_message()).expect("message");
    let Ok(Envelope::Verzoek { operatie, verzoek }) = Envelope::from_envelope_bytes(&bytes) else {
        panic!("the sample is a Verzoek");
    };

    // Our Verzoek signed and verified by the gateway; its Repliek verified by the client.
    let outcome = async_client(&gw.url, "ca.pem", None).send(&operatie, &verzoek).await.expect("send");
    let Outcome::Repliek { repliek, .. } = outcome else { panic!("a Repliek, not {outcome:?}") };
    assert!(!repliek.antwoorden().is_empty(), "the Repliek answers");

    // The server's certificate must chain to the CA we trust.
    let err = async_client(&gw.url, "rogue-ca.pem", None).send(&operatie, &verzoek).await.expect_err("rogue trust");
    assert!(
        matches!(
            err.last(),
            SendError::Tls { refusal: TlsRefusal::ServerCertificate(ServerCertificateProblem::UnknownIssuer), .. }
        ),
        "the gateway's certificate refused as of an unknown issuer, not {err:?}"
    );

    // The gateway requires a client certificate from its client CA: a rogue one is refused.
    let err = async_client(&gw.url, "ca.pem", Some(identity("rogue")))
        .send(&operatie, &verzoek)
        .await
        .expect_err("rogue client certificate");
    // TLS 1.3 reports the refusal after the handshake: an alert during the exchange.
    assert!(
        matches!(
            err.last(),
            SendError::Tls { refusal: TlsRefusal::OurCertificate { .. }, .. } | SendError::Http { .. }
        ),
        "the gateway refuses a rogue client certificate: {err:?}"
    );
}
