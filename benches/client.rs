//! The HTTPS client's round trip on loopback with keep-alive, against an in-process tokio-rustls
//! server (mutual TLS, hand-rolled HTTP/1.1) that answers instantly with a pre-signed Repliek,
//! reported as a ratio against the reference of the same run: one RSA signature of the Verzoek
//! plus one verification of the reply (`Signer::sign_message` + `ReplyVerifier::read_for`), the
//! client's unavoidable cryptography. See `benches/README.md`, section "HTTPS client".
//!
//! `cargo bench --features client --bench client`; `DHO_WSS_BENCH_ROUNDS` sets the alternation
//! rounds (default 9). Under `cargo test --benches --features client` it runs once, quickly.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use dho_wss::client::{Client, Outcome, RetryPolicy};
use dho_wss::institution::ReplyVerifier;
use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Operatie, Uitkomst, Versie, Verzoek};
use dho_wss::pki::{CertificateSelector, CertificateValidator, SigningIdentity, TrustAnchors};
use dho_wss::tls::ServerTrust;
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki/");

fn identity(key: &str, cert: &str) -> SigningIdentity {
    SigningIdentity::from_pem_files(format!("{PKI}{key}"), format!("{PKI}{cert}"), None).unwrap()
}

fn replies() -> ReplyVerifier {
    let anchors = TrustAnchors::from_pem_file(format!("{PKI}ca.pem")).unwrap();
    let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
    ReplyVerifier::new(verifier, CertificateSelector::common_name("dho-wss-test.dho-provider"))
}

/// The in-process server: mutual TLS, keep-alive, every request answered with `reply`.
async fn serve(listener: tokio::net::TcpListener, reply: Arc<Vec<u8>>) {
    let provider = dho_wss::tls::crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(format!("{PKI}ca.pem")).unwrap()).unwrap();
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().unwrap();
    let chain: Vec<_> =
        CertificateDer::pem_file_iter(format!("{PKI}tls-server.chain.pem")).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(format!("{PKI}tls-server.key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let head =
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Length: {}\r\n\r\n", reply.len());
    loop {
        let Ok((tcp, _)) = listener.accept().await else { return };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let (reply, head) = (reply.clone(), head.clone());
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else { return };
            let mut buf = Vec::new();
            loop {
                // Read a request: the header, then Content-Length bytes of body.
                let header_end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    let mut chunk = [0u8; 16384];
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let header = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
                let length: usize = header
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < header_end + length {
                    let mut chunk = [0u8; 16384];
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                buf.drain(..header_end + length);
                if tls.write_all(head.as_bytes()).await.is_err() || tls.write_all(&reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();

    let afzender = Afzender::instelling(&Instellingsnummer::new("001234").unwrap()).build().unwrap();
    let verzoek = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000").unwrap(), afzender)
        .vraag_inhoud(Inhoud::from_fragment("<Criteria><INSZ>85073003328</INSZ></Criteria>").unwrap())
        .build()
        .unwrap();
    let operatie = Operatie::new(
        "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
        "GeefHistoriekInschrijving",
    )
    .unwrap();
    // The pre-signed reply, answering exactly this Verzoek (the client's first attempt sends it as is).
    let provider =
        Signer::new(identity("provider.key.pem", "provider.crt.pem"), SignatureProfile::dho_legacy_rsa_sha1());
    let repliek = verzoek
        .beantwoord(Afzender::builder("DHO").build().unwrap(), |v| Ok(Uitkomst::ok(v.inhoud().clone())))
        .unwrap()
        .build()
        .unwrap();
    let reply = provider.sign_message(&Envelope::Repliek { operatie: operatie.clone(), repliek }).unwrap();

    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    runtime.spawn(serve(listener, Arc::new(reply.clone())));

    let signer =
        Signer::new(identity("institution.key.pem", "institution.chain.pem"), SignatureProfile::dho_legacy_rsa_sha1());
    let client = Client::builder(format!("https://localhost:{port}/"), signer, replies())
        .server_trust(ServerTrust::pem_file(format!("{PKI}ca.pem")).unwrap())
        .no_proxy()
        .rate_limit(0)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    // The reference: what the client must do anyway, sign once and verify once.
    let reference_signer =
        Signer::new(identity("institution.key.pem", "institution.chain.pem"), SignatureProfile::dho_legacy_rsa_sha1());
    let reference_replies = replies();
    let envelope = Envelope::Verzoek { operatie: operatie.clone(), verzoek: verzoek.clone() };
    let reference = || {
        black_box(reference_signer.sign_message(&envelope).unwrap());
        black_box(reference_replies.read_for(&verzoek, &reply).unwrap());
    };
    let round_trip = || {
        let outcome = runtime.block_on(client.send(&operatie, &verzoek)).unwrap();
        assert!(matches!(outcome, Outcome::Repliek { .. }));
    };
    round_trip(); // the first connection (TLS handshake) is not what is measured

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("client/reference sign+verify", |b| b.iter(reference));
    c.bench_function("client/round trip keep-alive", |b| b.iter(round_trip));

    // Alternation: per round, the mean of a batch of each, and the median of the ratios.
    let rounds: usize =
        if quick { 1 } else { std::env::var("DHO_WSS_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9) };
    let batch = if quick { 2 } else { 50 };
    let time = |f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        t.elapsed() / batch
    };
    let mut ratios = Vec::new();
    let (mut refs, mut trips) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let r = time(&reference);
        let t = time(&round_trip);
        ratios.push(t.as_secs_f64() / r.as_secs_f64());
        refs.push(r);
        trips.push(t);
    }
    ratios.sort_by(f64::total_cmp);
    refs.sort();
    trips.sort();
    let median = |v: &[Duration]| v[v.len() / 2];
    println!(
        "\nclient round trip (keep-alive, loopback) {:?} / reference sign+verify {:?} = ratio {:.2} (median of {rounds} rounds; target <= 1.3)",
        median(&trips),
        median(&refs),
        ratios[ratios.len() / 2]
    );
}
