//! Every bad input gets its defined Fault or HTTP status and a metric; a failing backend
//! never loses or duplicates an answer.

use std::time::{Duration, Instant};

use dho_wss::institution::Reply;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

#[test]
fn non_soap_body_wrong_content_type_and_huge_bodies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let setup = Setup { read_only: true, limits: "max_body_bytes = 65536".into(), ..Setup::default() };
    let gw = GatewayProc::start(&setup.write(dir.path()));
    rt().block_on(async {
        let tls = client_tls(Some("institution"));
        // Not SOAP at all: a signed soapenv:Client Fault, HTTP 500.
        let (status, body) = post(&tls, gw.addr, SOAP, b"hello, not XML".to_vec()).await.expect("post");
        assert_eq!(status, 500);
        match read_reply(&body) {
            Reply::Fault { fault, .. } => assert_eq!(fault.faultcode(), &dho_wss::model::FaultCode::client()),
            other => panic!("{other:?}"),
        }
        // Well-formed XML, unsigned: a security Fault.
        let (status, _) = post(&tls, gw.addr, SOAP, b"<a/>".to_vec()).await.expect("post");
        assert_eq!(status, 500);
        // Wrong content type: 415, before the body is read.
        let (status, _) =
            post(&tls, gw.addr, "application/json", signed_verzoek(&["ct"], "institution")).await.expect("post");
        assert_eq!(status, 415);
        // Declared too large: 413.
        let (status, _) = post(&tls, gw.addr, SOAP, vec![b' '; 65537]).await.expect("post");
        assert_eq!(status, 413);
        // Chunked, no length, too large: 413 once the limit is passed.
        let mut s = raw_tls(&gw).await;
        let head = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n";
        s.write_all(head.as_bytes()).await.expect("head");
        let chunk = format!("{:x}\r\n{}\r\n", 8192, " ".repeat(8192));
        for _ in 0..10 {
            if s.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
        }
        let reply = read_some(&mut s, Duration::from_secs(5)).await;
        assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");

        let text = gw.metrics_text().await;
        assert!(metric(&text, "dho_gateway_requests_total{outcome=\"fault\",reason=\"Client\"}") >= 1.0, "{text}");
        assert_eq!(metric(&text, "dho_gateway_requests_total{outcome=\"bad_content_type\""), 1.0, "{text}");
        assert_eq!(metric(&text, "dho_gateway_requests_total{outcome=\"too_large\""), 2.0, "{text}");
    });
}

async fn raw_tls(gw: &GatewayProc) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect(gw.addr).await.expect("connect");
    let connector = tokio_rustls::TlsConnector::from(client_tls(Some("institution")));
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    connector.connect(name, tcp).await.expect("handshake")
}

/// What the server sends until it closes or `limit` passes.
async fn read_some(s: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>, limit: Duration) -> String {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(limit, s.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn slow_loris_head_and_body_are_cut_at_the_read_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let setup = Setup { read_only: true, limits: "read_timeout_ms = 800".into(), ..Setup::default() };
    let gw = GatewayProc::start(&setup.write(dir.path()));
    rt().block_on(async {
        // A head that never ends: the connection is closed.
        let mut s = raw_tls(&gw).await;
        s.write_all(b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").await.expect("partial head");
        let started = Instant::now();
        let reply = read_some(&mut s, Duration::from_secs(10)).await;
        assert!(started.elapsed() < Duration::from_secs(5), "not cut: {:?}", started.elapsed());
        assert!(!reply.contains("200"), "{reply}");
        // A body that never arrives: 408.
        let mut s = raw_tls(&gw).await;
        s.write_all(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<a>")
            .await
            .expect("partial body");
        let started = Instant::now();
        let reply = read_some(&mut s, Duration::from_secs(10)).await;
        assert!(started.elapsed() < Duration::from_secs(5), "not cut: {:?}", started.elapsed());
        assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
        let text = gw.metrics_text().await;
        assert_eq!(metric(&text, "dho_gateway_requests_total{outcome=\"body_timeout\""), 1.0, "{text}");
    });
}

/// The Uitzondering Identificaties of each Antwoord (empty: answered).
fn fouten(body: &[u8]) -> Vec<String> {
    answers(body).into_iter().map(|(_, a)| a).filter(|a| a.starts_with("FOUT")).collect()
}

#[test]
fn a_backend_that_fails_hangs_or_answers_garbage_gets_13090_and_nothing_is_stored() {
    let Some(python) = python3() else { return skip("python3 not found on PATH") };
    rt().block_on(async {
        let tls = client_tls(Some("institution"));
        for mode in ["fail", "garbage", "hang", "wrong"] {
            let bad = Backend::start(&python, mode);
            let dir = tempfile::tempdir().expect("tempdir");
            let store = format!("sqlite:{}", dir.path().join("answers.sqlite").display());
            let setup = Setup {
                store: store.clone(),
                backend: bad.url(),
                limits: "backend_timeout_ms = 700".into(),
                store_extra: "lease_ms = 5000".into(),
                ..Setup::default()
            };
            let gw = GatewayProc::start(&setup.write(dir.path()));
            let referte = format!("bad-{mode}");
            let (status, body) =
                post(&tls, gw.addr, SOAP, signed_verzoek(&[&referte], "institution")).await.expect("post");
            assert_eq!(status, 200, "{mode}");
            assert_eq!(fouten(&body), ["FOUT 13090"], "{mode}");
            let text = gw.metrics_text().await;
            assert_eq!(metric(&text, "dho_gateway_backend_failures_total"), 1.0, "{mode}: {text}");
            assert_eq!(
                metric(&text, "dho_gateway_requests_total{outcome=\"repliek\",reason=\"BackendFailed\"}"),
                1.0,
                "{mode}"
            );
            drop(gw);

            // Nothing was stored: the resend, to a working backend, is executed and answered.
            let good = Backend::start(&python, "ok");
            let gw = GatewayProc::start(&Setup { backend: good.url(), ..setup.clone() }.write(dir.path()));
            let (status, body) =
                post(&tls, gw.addr, SOAP, signed_verzoek(&[&referte], "institution")).await.expect("post");
            assert_eq!(status, 200);
            let answers = answers(&body);
            assert!(answers[0].1.contains("<Uitvoering>1</Uitvoering>"), "{mode}: {answers:?}");
            assert_eq!(good.counts().await.get(&referte), Some(&1), "{mode}");
        }
    });
}

#[test]
fn tls_client_not_the_signer_gets_13001_when_required() {
    let dir = tempfile::tempdir().expect("tempdir");
    let setup =
        Setup { read_only: true, signatures_extra: "require_tls_client_is_signer = true".into(), ..Setup::default() };
    let gw = GatewayProc::start(&setup.write(dir.path()));
    rt().block_on(async {
        // TLS as the institution, message signed by the other institution's certificate.
        let (status, body) =
            post(&client_tls(Some("institution")), gw.addr, SOAP, signed_verzoek(&["x"], "other")).await.expect("post");
        assert_eq!(status, 200);
        match read_reply(&body) {
            Reply::Repliek { repliek, .. } => {
                let ids: Vec<&str> = repliek.uitzonderingen().iter().map(|u| u.identificatie()).collect();
                assert_eq!(ids, ["13001"]);
                assert!(repliek.antwoorden().is_empty());
            }
            other => panic!("{other:?}"),
        }
        // The same certificate for both: answered.
        let (status, body) =
            post(&client_tls(Some("other")), gw.addr, SOAP, signed_verzoek(&["y"], "other")).await.expect("post");
        assert_eq!(status, 200);
        assert!(fouten(&body).is_empty());
    });
}

#[test]
fn more_requests_than_the_limit_get_503() {
    let Some(python) = python3() else { return skip("python3 not found on PATH") };
    let hang = Backend::start(&python, "hang");
    let dir = tempfile::tempdir().expect("tempdir");
    let setup = Setup {
        backend: hang.url(),
        limits: "max_concurrent_requests = 1\nbackend_timeout_ms = 1500".into(),
        store_extra: "lease_ms = 5000".into(),
        ..Setup::default()
    };
    let gw = GatewayProc::start(&setup.write(dir.path()));
    rt().block_on(async {
        let tls = client_tls(Some("institution"));
        let first = tokio::spawn({
            let (tls, addr) = (tls.clone(), gw.addr);
            async move { post(&tls, addr, SOAP, signed_verzoek(&["busy-1"], "institution")).await }
        });
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (status, _) = post(&tls, gw.addr, SOAP, signed_verzoek(&["busy-2"], "institution")).await.expect("post");
        assert_eq!(status, 503);
        let (status, body) = first.await.expect("join").expect("first");
        assert_eq!(status, 200);
        assert_eq!(fouten(&body), ["FOUT 13090"]);
    });
}

#[test]
fn config_errors_name_the_file_and_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Setup::default().write(dir.path());
    let text = std::fs::read_to_string(&path).expect("config");
    for (from, to, key) in [
        ("[limits]\n", "[limits]\nmax_body_bytes = \"big\"\n", "limits.max_body_bytes"),
        ("[limits]\n", "[limits]\nbody_size = 1\n", "limits.body_size"),
        ("uri = \"memory\"", "uri = \"redis://x\"", "store.uri"),
        ("backend = \"demo\"", "backend = \"ftp://x\"", "operation[0].backend"),
        ("[limits]\n", "[limits]\nbackend_timeout_ms = 120000\n", "store.lease_ms"),
    ] {
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
        let e = dho_wss_gateway::Config::from_toml_file(&path).expect_err(key);
        assert_eq!(e.key, key, "{e}");
        assert_eq!(e.file, path);
    }
    // A file that does not exist, named: the binary exits 2 with the file in the message.
    std::fs::write(&path, text.replace(&pki("tls-server.key.pem").display().to_string(), "/nonexistent.pem"))
        .expect("write");
    let r = GatewayProc::try_start(&path);
    let e = r.err().expect("refused");
    assert!(e.contains("tls.private_key") && e.contains("/nonexistent.pem"), "{e}");
}
