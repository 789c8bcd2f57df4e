//! Every outcome and error of `Client::send` against the Python peer, resends, the rate limit,
//! 32 concurrent senders, the blocking wrapper and the `send_verzoek` example.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dho_wss::client::wire::magda_fault_code;
use dho_wss::client::{
    Client, ClientBuilder, Outcome, Proxy, RetryPolicy, SendError, ServerCertificateProblem, TimeoutKind, Timeouts,
    TlsRefusal,
};
use dho_wss::institution::ReplyVerifier;
use dho_wss::model::{Afzender, Inhoud, Instellingsnummer, Operatie, Versie, Verzoek};
use dho_wss::pki::CertificateSelector;
use dho_wss::tls::ServerTrust;
use dho_wss::wss::{VerificationPolicy, Verifier};
use dho_wss::xml::Limits;

use crate::common::{identity, pki, root, signer, unavailable, validator};

const PROVIDER_CN: &str = "dho-wss-test.dho-provider";
const INSTITUTION_CN: &str = "dho-wss-test.instelling-001234.hogeschool-test";

/// The Python peer, killed on drop.
struct Peer {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peers_available() -> bool {
    let ok = |cmd: &mut Command| cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    ok(Command::new("python3").arg("--version"))
        && ok(Command::new("xmlsec1").arg("--version"))
        && ok(Command::new("openssl").arg("version"))
        && ok(Command::new("/usr/bin/python3").args(["-c", "import lxml"]))
}

/// Starts the peer with the TLS server identity `tls` (`tls-server`, `tls-wronghost`,
/// `tls-rogue`); `None` (after a loud SKIPPED) when python3/xmlsec1/openssl/lxml are missing.
fn peer(tls: &str) -> Option<Peer> {
    if !peers_available() {
        unavailable("python3 + xmlsec1 + openssl + python3-lxml (the client tests' HTTPS peer)");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("log.jsonl");
    let mut child = Command::new("python3")
        .arg(root().join("tests/client/peer/server.py"))
        .arg("--root")
        .arg(root())
        .arg("--cert")
        .arg(pki(&format!("{tls}.crt.pem")))
        .arg("--key")
        .arg(pki(&format!("{tls}.key.pem")))
        .arg("--log")
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3 peer");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read PORT line");
    let port = line.trim().strip_prefix("PORT ").and_then(|p| p.parse().ok()).unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the peer did not start: {line:?}")
    });
    Some(Peer { child, port, log, _dir: dir })
}

impl Peer {
    fn url(&self, scenario: &str) -> String {
        format!("https://localhost:{}/{scenario}", self.port)
    }

    /// The attempts the peer saw for the Vraag Referte `vraag`.
    fn attempts(&self, vraag: &str) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("log line"))
            .filter(|v| v["vragen"].as_array().is_some_and(|a| a.iter().any(|r| r == vraag)))
            .collect()
    }
}

fn replies(limits: Limits) -> ReplyVerifier {
    let policy = VerificationPolicy::dho_legacy_rsa_sha1().with_limits(limits);
    ReplyVerifier::new(Verifier::new(policy, validator()), CertificateSelector::common_name(PROVIDER_CN))
}

fn builder(url: &str) -> ClientBuilder {
    Client::builder(url, signer("institution"), replies(Limits::default()))
        .server_trust(ServerTrust::pem_file(pki("ca.pem")).expect("ca"))
        .no_proxy()
        .rate_limit(0)
        .retry(RetryPolicy::never())
}

fn operatie() -> Operatie {
    Operatie::new(
        "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
        "GeefHistoriekInschrijving",
    )
    .expect("operatie")
}

/// A Verzoek with `n` Vragen, fresh Refertes.
fn verzoek(n: usize) -> Verzoek {
    let afzender = Afzender::instelling(&Instellingsnummer::new("001234").expect("nr")).build().expect("afzender");
    let mut b = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000").expect("versie"), afzender);
    for i in 0..n {
        let inhoud = format!("<Criteria><INSZ>85073003328</INSZ><Volgnummer>{i}</Volgnummer></Criteria>");
        b = b.vraag_inhoud(Inhoud::from_fragment(&inhoud).expect("inhoud"));
    }
    b.build().expect("verzoek")
}

fn first_vraag(v: &Verzoek) -> String {
    v.vragen()[0].referte().to_string()
}

async fn send(client: &Client, v: &Verzoek) -> Result<Outcome, SendError> {
    client.send(&operatie(), v).await
}

#[tokio::test]
async fn ok_round_trip_both_signatures_checked_by_independent_peers() {
    let Some(peer) = peer("tls-server") else { return };
    let client = builder(&peer.url("ok")).build().expect("client");
    let v = verzoek(3);
    let Outcome::Repliek { repliek, signer, .. } = send(&client, &v).await.expect("send") else {
        panic!("not a Repliek")
    };
    let answered: Vec<_> = repliek.antwoorden().iter().map(|a| a.referte().to_string()).collect();
    let asked: Vec<_> = v.vragen().iter().map(|q| q.referte().to_string()).collect();
    assert_eq!(answered, asked);
    assert_eq!(signer.common_name(), Some(PROVIDER_CN));
    let seen = peer.attempts(&first_vraag(&v));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["verified"], true, "xmlsec1 rejected our signature: {}", seen[0]["verify"]);
    assert_eq!(seen[0]["content_type"], "text/xml; charset=UTF-8");
    assert_eq!(seen[0]["soapaction"], "\"\"");
    assert_eq!(seen[0]["client_cn"], INSTITUTION_CN, "the TLS client certificate is the signing one");
    // A second send on the same client reuses the kept-alive connection and still verifies.
    let again = verzoek(1);
    assert!(matches!(send(&client, &again).await, Ok(Outcome::Repliek { .. })));
}

#[tokio::test]
async fn resend_after_503_keeps_the_vraag_refertes_and_signs_afresh() {
    let Some(peer) = peer("tls-server") else { return };
    let retry = RetryPolicy { max_attempts: 3, initial_delay: Duration::from_millis(100), ..RetryPolicy::default() };
    let client = builder(&peer.url("503-then-200")).retry(retry).build().expect("client");
    let v = verzoek(2);
    assert!(matches!(send(&client, &v).await, Ok(Outcome::Repliek { .. })));
    let seen = peer.attempts(&first_vraag(&v));
    assert_eq!(seen.len(), 2, "exactly two attempts: {seen:?}");
    assert_eq!(seen[0]["vragen"], seen[1]["vragen"], "same Vraag Refertes");
    assert_ne!(seen[0]["bericht"], seen[1]["bericht"], "a new Afzender Referte");
    assert_ne!(seen[0]["signature"], seen[1]["signature"], "a fresh signature");
    assert!(seen.iter().all(|a| a["verified"] == true));
}

#[tokio::test]
async fn throttle_fault_99995_then_200_waits_for_the_backoff() {
    let Some(peer) = peer("tls-server") else { return };
    let initial = Duration::from_millis(600);
    let retry = RetryPolicy { max_attempts: 2, initial_delay: initial, ..RetryPolicy::default() };
    let client = builder(&peer.url("throttle-then-200")).retry(retry).build().expect("client");
    let v = verzoek(1);
    assert!(matches!(send(&client, &v).await, Ok(Outcome::Repliek { .. })));
    let seen = peer.attempts(&first_vraag(&v));
    assert_eq!(seen.len(), 2);
    let gap = seen[1]["time"].as_f64().expect("t") - seen[0]["time"].as_f64().expect("t");
    assert!(gap >= initial.as_secs_f64() / 2.0, "resent after {gap} s, before the backoff");
}

#[tokio::test]
async fn retries_exhausted_names_the_attempts_and_the_last_error() {
    let Some(peer) = peer("tls-server") else { return };
    let retry = RetryPolicy { max_attempts: 2, initial_delay: Duration::from_millis(50), ..RetryPolicy::default() };
    let client = builder(&peer.url("always-503")).retry(retry).build().expect("client");
    let v = verzoek(1);
    match send(&client, &v).await {
        Err(SendError::RetriesExhausted { attempts: 2, last }) => {
            assert!(matches!(*last, SendError::HttpStatus { status: 503 }), "{last}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(peer.attempts(&first_vraag(&v)).len(), 2);
    // A 404 is not retried.
    let client = builder(&peer.url("status-404")).retry(RetryPolicy::default()).build().expect("client");
    let v = verzoek(1);
    assert!(matches!(send(&client, &v).await, Err(SendError::HttpStatus { status: 404 })));
    assert_eq!(peer.attempts(&first_vraag(&v)).len(), 1);
}

#[tokio::test]
async fn replies_the_client_refuses() {
    let Some(peer) = peer("tls-server") else { return };
    let send_to = |scenario: &str| {
        let client = builder(&peer.url(scenario)).build().expect("client");
        async move { send(&client, &verzoek(1)).await }
    };
    assert!(matches!(send_to("unsigned").await, Err(SendError::ReplyNotSigned)));
    match send_to("wrong-signer").await {
        Err(SendError::UnexpectedSigner { subject }) => assert!(subject.contains("005678"), "{subject}"),
        other => panic!("{other:?}"),
    }
    match send_to("bad-referte").await {
        Err(SendError::RefertesMismatch { detail }) => assert!(detail.contains("answers no Vraag"), "{detail}"),
        other => panic!("{other:?}"),
    }
    match send_to("fault").await {
        Ok(Outcome::Fault { fault, signer }) => {
            assert_eq!(fault.faultcode().local_name(), "Client");
            assert_eq!(magda_fault_code(&fault), Some(30001));
            assert_eq!(signer.expect("signed").common_name(), Some(PROVIDER_CN));
        }
        other => panic!("{other:?}"),
    }
    match send_to("truncated").await {
        Err(SendError::TruncatedReply { received, .. }) => assert!(received > 0),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn reply_over_the_limit_and_stalled_server() {
    let Some(peer) = peer("tls-server") else { return };
    let mut limits = Limits::default();
    limits.max_input_bytes = 65536;
    for scenario in ["huge", "huge-declared"] {
        let client = Client::builder(peer.url(scenario), signer("institution"), replies(limits.clone()))
            .server_trust(ServerTrust::pem_file(pki("ca.pem")).expect("ca"))
            .no_proxy()
            .retry(RetryPolicy::never())
            .build()
            .expect("client");
        match send(&client, &verzoek(1)).await {
            Err(SendError::ReplyTooLarge { limit: 65536 }) => {}
            other => panic!("{scenario}: {other:?}"),
        }
    }
    let timeouts = Timeouts { request: Duration::from_millis(1500), ..Timeouts::default() };
    let client = builder(&peer.url("stall")).timeouts(timeouts).build().expect("client");
    let started = Instant::now();
    match send(&client, &verzoek(1)).await {
        Err(SendError::Timeout { which: TimeoutKind::Request, after }) => assert_eq!(after, timeouts.request),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn tls_refusals_say_whose_certificate() {
    let Some(rogue) = peer("tls-rogue") else { return };
    let client = builder(&rogue.url("ok")).build().expect("client");
    match send(&client, &verzoek(1)).await {
        Err(SendError::Tls {
            refusal: TlsRefusal::ServerCertificate(ServerCertificateProblem::UnknownIssuer), ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let Some(wrong) = peer("tls-wronghost") else { return };
    let client = builder(&wrong.url("ok")).build().expect("client");
    match send(&client, &verzoek(1)).await {
        Err(SendError::Tls {
            refusal: TlsRefusal::ServerCertificate(ServerCertificateProblem::HostnameMismatch),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let Some(good) = peer("tls-server") else { return };
    let client = builder(&good.url("ok")).tls_identity(Arc::new(identity("rogue"))).build().expect("client");
    match send(&client, &verzoek(1)).await {
        Err(SendError::Tls { refusal: TlsRefusal::OurCertificate { alert }, .. }) => {
            assert!(!alert.is_empty())
        }
        other => panic!("{other:?}"),
    }
    // Pinning the server's own certificate works; pinning another refuses it.
    let der = |name: &str| {
        use rustls_pki_types::pem::PemObject as _;
        rustls_pki_types::CertificateDer::from_pem_file(pki(name)).expect("pem").to_vec()
    };
    let pinned = builder(&good.url("ok"))
        .server_trust(ServerTrust::pinned(&der("tls-server.crt.pem")).expect("pin"))
        .build()
        .expect("client");
    assert!(matches!(send(&pinned, &verzoek(1)).await, Ok(Outcome::Repliek { .. })));
    let other_pin = builder(&good.url("ok"))
        .server_trust(ServerTrust::pinned(&der("tls-wronghost.crt.pem")).expect("pin"))
        .build()
        .expect("client");
    assert!(matches!(
        send(&other_pin, &verzoek(1)).await,
        Err(SendError::Tls { refusal: TlsRefusal::ServerCertificate(ServerCertificateProblem::UnknownIssuer), .. })
    ));
}

#[tokio::test]
async fn connection_refused_names_the_address() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let client = builder(&format!("https://127.0.0.1:{port}/ok")).build().expect("client");
    match send(&client, &verzoek(1)).await {
        Err(SendError::Connect { address, source }) => {
            assert_eq!(address, format!("127.0.0.1:{port}"));
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Client::builder("http://localhost/", signer("institution"), replies(Limits::default())).build(),
        Err(SendError::Endpoint { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_spaces_the_requests() {
    let Some(peer) = peer("tls-server") else { return };
    let client = builder(&peer.url("status-404")).rate_limit(5).build().expect("client");
    let started = Instant::now();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { send(&client, &verzoek(1)).await })
        })
        .collect();
    for t in tasks {
        assert!(matches!(t.await.expect("task"), Err(SendError::HttpStatus { status: 404 })));
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1000), "6 requests at 5/s took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_tasks_share_one_client_without_cross_talk() {
    let Some(peer) = peer("tls-server") else { return };
    let timeouts =
        Timeouts { request: Duration::from_secs(120), total: Duration::from_secs(240), ..Timeouts::default() };
    let client = builder(&peer.url("ok")).timeouts(timeouts).build().expect("client");
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let v = verzoek(1 + i % 3);
                let outcome = send(&client, &v).await;
                (v, outcome)
            })
        })
        .collect();
    for t in tasks {
        let (v, outcome) = t.await.expect("task");
        let Ok(Outcome::Repliek { repliek, .. }) = outcome else { panic!("{outcome:?}") };
        let answered: Vec<_> = repliek.antwoorden().iter().map(|a| a.referte().clone()).collect();
        let asked: Vec<_> = v.vragen().iter().map(|q| q.referte().clone()).collect();
        assert_eq!(answered, asked, "each reply answers its own Vragen");
        assert_eq!(repliek.context().bericht().ontvanger().and_then(|o| o.referte()), Some(v.afzender().referte()));
    }
}

#[test]
fn blocking_client_round_trip() {
    let Some(peer) = peer("tls-server") else { return };
    let client = dho_wss::client::blocking::Client::new(builder(&peer.url("ok")).build().expect("client")).expect("rt");
    let v = verzoek(1);
    assert!(matches!(client.send(&operatie(), &v), Ok(Outcome::Repliek { .. })));
    let inside = tokio::runtime::Builder::new_current_thread().build().expect("rt");
    assert!(matches!(inside.block_on(async { client.send(&operatie(), &v) }), Err(SendError::InsideRuntime)));
}

/// The `send_verzoek` example, built with this test binary's profile and features.
fn example() -> PathBuf {
    crate::common::examples::example_binaries(&["send_verzoek"]).remove(0)
}

#[test]
fn send_verzoek_example_exit_codes() {
    let Some(peer) = peer("tls-server") else { return };
    let exe = example();
    let run = |scenario: &str| {
        Command::new(&exe)
            .arg("--url")
            .arg(peer.url(scenario))
            .arg("--server-ca")
            .arg(pki("ca.pem"))
            .arg("--provider-cert")
            .arg(pki("provider.crt.pem"))
            .arg(root().join("testdata/messages/geef-historiek-inschrijving.xml"))
            .output()
            .expect("run send_verzoek")
    };
    let ok = run("ok");
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{stdout} {}", String::from_utf8_lossy(&ok.stderr));
    assert!(stdout.contains("<Repliek>") && stdout.contains("9b1c2d3e-4f50-4a6b-8c7d-e8f9a0b1c2d3"), "{stdout}");
    let fault = run("fault");
    assert_eq!(fault.status.code(), Some(2), "{}", String::from_utf8_lossy(&fault.stderr));
    assert!(String::from_utf8_lossy(&fault.stdout).contains("30001"));
    let bad = run("wrong-signer");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not by the expected provider"));
}

#[tokio::test]
async fn through_an_http_connect_proxy_and_around_it() {
    let Some(peer) = peer("tls-server") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("proxy.log");
    let mut child = Command::new("python3")
        .arg(root().join("tests/client/peer/proxy.py"))
        .arg("--log")
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the proxy");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("PORT line");
    let proxy_port: u16 = line.trim().strip_prefix("PORT ").and_then(|p| p.parse().ok()).expect("proxy port");
    let proxy = || Proxy::new(&format!("http://127.0.0.1:{proxy_port}")).expect("proxy");

    let client = builder(&peer.url("ok")).proxy(proxy()).build().expect("client");
    let tunnelled = send(&client, &verzoek(1)).await;
    let direct = builder(&peer.url("ok")).proxy(proxy().no_proxy_for(["localhost"])).build().expect("client");
    let bypassed = send(&direct, &verzoek(1)).await;
    let refused_client = builder("https://blocked.invalid/ok").proxy(proxy()).build().expect("client");
    let refused = send(&refused_client, &verzoek(1)).await;
    let _ = child.kill();
    let _ = child.wait();

    assert!(matches!(tunnelled, Ok(Outcome::Repliek { .. })), "{tunnelled:?}");
    assert!(matches!(bypassed, Ok(Outcome::Repliek { .. })), "{bypassed:?}");
    match refused {
        Err(SendError::Proxy { target, reason, .. }) => {
            assert_eq!(target, "blocked.invalid:443");
            assert!(reason.contains("403"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let targets = std::fs::read_to_string(&log).expect("proxy log");
    assert_eq!(targets.lines().collect::<Vec<_>>(), [format!("localhost:{}", peer.port), "blocked.invalid:443".into()]);
}
