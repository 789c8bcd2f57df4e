//! Independent clients through real TLS: curl, Python's `ssl`, rustls; health, readiness,
//! metrics; SIGTERM and SIGHUP.

use std::process::Command;
use std::time::Duration;

use crate::support::*;

/// The gateway of the sample configuration's shape: memory store, demo operation (a read).
fn demo_gateway(dir: &std::path::Path) -> GatewayProc {
    GatewayProc::start(&Setup { read_only: true, ..Setup::default() }.write(dir))
}

fn curl() -> Option<&'static str> {
    Command::new("curl").arg("--version").output().ok().filter(|o| o.status.success()).map(|_| "curl")
}

/// Runs curl against the gateway; (exit success, HTTP code, body).
fn curl_post(gw: &GatewayProc, dir: &std::path::Path, with_cert: bool, body: &[u8]) -> (bool, String, Vec<u8>) {
    let req = dir.join("request.xml");
    let out = dir.join("reply.xml");
    std::fs::write(&req, body).expect("write request");
    let _ = std::fs::remove_file(&out);
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--max-time", "20", "--cacert"]).arg(pki("ca.pem"));
    if with_cert {
        cmd.arg("--cert").arg(pki("institution.crt.pem")).arg("--key").arg(pki("institution.key.pem"));
    }
    cmd.args(["-H", "Content-Type: text/xml; charset=UTF-8", "-H", "SOAPAction: \"\"", "--data-binary"])
        .arg(format!("@{}", req.display()))
        .arg("-o")
        .arg(&out)
        .args(["-w", "%{http_code}"])
        .arg(format!("https://localhost:{}/", gw.addr.port()));
    let o = cmd.output().expect("run curl");
    (o.status.success(), String::from_utf8_lossy(&o.stdout).into_owned(), std::fs::read(&out).unwrap_or_default())
}

#[test]
fn curl_with_a_client_certificate_gets_a_signed_repliek() {
    let Some(_) = curl() else { return skip("curl not found on PATH") };
    let dir = tempfile::tempdir().expect("tempdir");
    let gw = demo_gateway(dir.path());
    let (ok, code, body) = curl_post(&gw, dir.path(), true, &signed_verzoek(&["curl-1", "curl-2"], "institution"));
    assert!(ok, "curl failed; gateway log:\n{}", gw.log());
    assert_eq!(code, "200", "{}", String::from_utf8_lossy(&body));
    let answers = answers(&body);
    assert_eq!(answers.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["curl-1", "curl-2"]);
    for (_, inhoud) in &answers {
        assert!(inhoud.contains("<Instellingsnummer>001234</Instellingsnummer>"), "{inhoud}");
    }
}

#[test]
fn curl_without_a_client_certificate_is_refused_at_the_handshake() {
    let Some(_) = curl() else { return skip("curl not found on PATH") };
    let dir = tempfile::tempdir().expect("tempdir");
    let gw = demo_gateway(dir.path());
    let (ok, code, body) = curl_post(&gw, dir.path(), false, &signed_verzoek(&["nocert-1"], "institution"));
    assert!(!ok, "curl without a certificate got through: {code} {}", String::from_utf8_lossy(&body));
    assert_ne!(code, "200");
    assert!(body.is_empty());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        // rustls too: the handshake (TLS 1.3: the first read after it) fails.
        let r = post(&client_tls(None), gw.addr, SOAP, signed_verzoek(&["nocert-2"], "institution")).await;
        assert!(r.is_err(), "{r:?}");
        // The server counts a failed handshake when its side of it ends, which can be after the
        // client has seen its error: wait for the count (bounded) instead of reading it once.
        let mut text = gw.metrics_text().await;
        for _ in 0..100 {
            if metric(&text, "dho_gateway_tls_handshake_failures_total") >= 2.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            text = gw.metrics_text().await;
        }
        assert!(metric(&text, "dho_gateway_tls_handshake_failures_total") >= 2.0, "{text}");
        assert_eq!(metric(&text, "dho_gateway_requests_total"), 0.0, "{text}");
    });
}

#[test]
fn python_ssl_client_gets_a_signed_repliek() {
    let Some(python) = python3() else { return skip("python3 not found on PATH") };
    let dir = tempfile::tempdir().expect("tempdir");
    let gw = demo_gateway(dir.path());
    let req = dir.path().join("request.xml");
    let out = dir.path().join("reply.xml");
    std::fs::write(&req, signed_verzoek(&["python-1"], "institution")).expect("write");
    let script = r#"
import http.client, ssl, sys
ca, cert, key, port, req, out = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
conn = http.client.HTTPSConnection("localhost", int(port), context=ctx, timeout=20)
conn.request("POST", "/", body=open(req, "rb").read(), headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'})
resp = conn.getresponse()
open(out, "wb").write(resp.read())
print(resp.status)
"#;
    let o = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(pki("ca.pem"))
        .arg(pki("institution.crt.pem"))
        .arg(pki("institution.key.pem"))
        .arg(gw.addr.port().to_string())
        .arg(&req)
        .arg(&out)
        .output()
        .expect("run python3");
    assert!(o.status.success(), "{}\n{}", String::from_utf8_lossy(&o.stderr), gw.log());
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "200");
    let answers = answers(&std::fs::read(&out).expect("reply"));
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].0, "python-1");
}

#[test]
fn health_readiness_and_metrics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gw = demo_gateway(dir.path());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        assert_eq!(http_get(gw.metrics, "/healthz").await.expect("healthz"), (200, "ok\n".into()));
        assert_eq!(http_get(gw.metrics, "/readyz").await.expect("readyz"), (200, "ready\n".into()));
        assert_eq!(http_get(gw.metrics, "/nothing").await.expect("404").0, 404);
        let (status, body) =
            post(&client_tls(Some("institution")), gw.addr, SOAP, signed_verzoek(&["m-1"], "institution"))
                .await
                .expect("post");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let text = gw.metrics_text().await;
        assert_eq!(metric(&text, "dho_gateway_requests_total{outcome=\"repliek\",reason=\"-\"}"), 1.0, "{text}");
        assert_eq!(metric(&text, "dho_gateway_request_seconds_count"), 1.0, "{text}");
        assert_eq!(metric(&text, "dho_gateway_backend_seconds_count"), 1.0, "{text}");
        let days = metric(&text, "dho_gateway_certificate_days_to_expiry{certificate=\"tls_server\"}");
        assert!(days > 365.0, "{text}");
        assert!(metric(&text, "dho_gateway_certificate_days_to_expiry{certificate=\"reply_signer\"}") > 365.0);
    });
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let Some(python) = python3() else { return skip("python3 not found on PATH") };
    let backend = Backend::start(&python, "slow");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gw = GatewayProc::start(&Setup { backend: backend.url(), ..Setup::default() }.write(dir.path()));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let tls = client_tls(Some("institution"));
        let refertes: Vec<String> = (0..4).map(|i| format!("term-{i}")).collect();
        let refs: Vec<&str> = refertes.iter().map(String::as_str).collect();
        // Four Vragen at 150 ms each: about 600 ms in the backend.
        let inflight = tokio::spawn({
            let (tls, addr, body) = (tls.clone(), gw.addr, signed_verzoek(&refs, "institution"));
            async move { post(&tls, addr, SOAP, body).await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        gw.signal("TERM");
        let (status, body) = inflight.await.expect("join").expect("in-flight request answered");
        assert_eq!(status, 200);
        assert_eq!(answers(&body).len(), 4);
        // New connections are refused once it stops accepting.
        let status = gw.wait_exit(Duration::from_secs(10)).expect("exits after SIGTERM");
        assert!(status.success(), "{status:?}\n{}", gw.log());
        assert!(post(&tls, gw.addr, SOAP, signed_verzoek(&["after"], "institution")).await.is_err());
    });
}

#[test]
fn sighup_reloads_the_bindings_without_dropping_connections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bindings = dir.path().join("test.bindings");
    std::fs::copy(root().join("testdata/bindings/test.bindings"), &bindings).expect("copy bindings");
    let config = Setup { read_only: true, ..Setup::default() }.write(dir.path());
    let text = std::fs::read_to_string(&config).expect("config");
    let original = root().join("testdata/bindings/test.bindings").display().to_string();
    std::fs::write(&config, text.replace(&original, &bindings.display().to_string())).expect("config");
    let gw = GatewayProc::start(&config);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let tls = client_tls(Some("other"));
        // A kept-alive connection from before the reload.
        let tcp = tokio::net::TcpStream::connect(gw.addr).await.expect("connect");
        let connector = tokio_rustls::TlsConnector::from(tls.clone());
        let server = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        let stream = connector.connect(server, tcp).await.expect("handshake");
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.expect("http handshake");
        tokio::spawn(conn);
        let send = |sender: &mut hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>,
                    r: &str| {
            let req = hyper::Request::post("/")
                .header("host", "localhost")
                .header("content-type", SOAP)
                .body(http_body_util::Full::new(bytes::Bytes::from(signed_verzoek(&[r], "other"))))
                .expect("request");
            sender.send_request(req)
        };
        use http_body_util::BodyExt as _;
        let before = send(&mut sender, "hup-1").await.expect("before").into_body().collect().await.expect("body");
        assert!(answers(&before.to_bytes()).iter().all(|(_, a)| !a.starts_with("FOUT")), "005678 bound before");

        // Drop the binding of other.crt.pem (005678), then SIGHUP.
        let kept: String = std::fs::read_to_string(&bindings)
            .expect("bindings")
            .lines()
            .filter(|l| !l.starts_with("sha256:"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&bindings, kept).expect("write bindings");
        gw.signal("HUP");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while metric(&gw.metrics_text().await, "dho_gateway_reloads_total") < 1.0 {
            assert!(std::time::Instant::now() < deadline, "no reload: {}", gw.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A new connection sees the new bindings: 13001.
        let (_, body) = post(&tls, gw.addr, SOAP, signed_verzoek(&["hup-2"], "other")).await.expect("after");
        match read_reply(&body) {
            dho_wss::institution::Reply::Repliek { repliek, .. } => {
                let ids: Vec<&str> = repliek.uitzonderingen().iter().map(|u| u.identificatie()).collect();
                assert_eq!(ids, ["13001"]);
            }
            other => panic!("{other:?}"),
        }
        // The old connection is still open (it keeps the state it started with).
        let again = send(&mut sender, "hup-3").await.expect("old connection still open");
        assert_eq!(again.status(), 200);
    });
}
