//! Load generator: starts the gateway of `examples/pep.toml` in-process on a free loopback port
//! (memory store, in-process demo operation), then keeps `--connections` mTLS keep-alive
//! connections busy for `--seconds` with a signed 1-Vraag Verzoek (the test institution
//! identity) and prints requests/s, p50, p99 and errors.
//!
//! `cargo run -p dho-wss-gateway --example load -- [--connections 32] [--seconds 10] [--quick]`
//! (`--quick`: 4 connections for 1 second, for CI). Loopback only, bounded in time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Operatie, Versie, Verzoek};
use dho_wss::pki::SigningIdentity;
use dho_wss::wss::{SignatureProfile, Signer};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut connections, mut seconds) = (32usize, 10u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--connections" => connections = args.next().ok_or("--connections N")?.parse()?,
            "--seconds" => seconds = args.next().ok_or("--seconds N")?.parse()?,
            "--quick" => (connections, seconds) = (4, 1),
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    if connections == 0 || connections > 1024 || seconds == 0 || seconds > 600 {
        return Err("connections 1..=1024, seconds 1..=600".into());
    }
    let mut config = dho_wss_gateway::Config::from_toml_file(format!("{ROOT}/examples/pep.toml"))?;
    config.listen = "127.0.0.1:0".parse()?;
    config.metrics_listen = None;
    config.limits.max_concurrent_requests = connections.max(64);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let gateway = dho_wss_gateway::Gateway::bind(config).await?;
        let addr = gateway.local_addr()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(gateway.run(async move {
            let _ = stop_rx.await;
        }));
        let body = Bytes::from(signed_request()?);
        let tls = client_tls()?;
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut workers = Vec::new();
        for _ in 0..connections {
            let (tls, body) = (tls.clone(), body.clone());
            workers.push(tokio::spawn(async move { worker(tls, addr, body, deadline).await }));
        }
        let (mut latencies, mut errors) = (Vec::new(), 0u64);
        for w in workers {
            let (l, e) = w.await?;
            latencies.extend(l);
            errors += e;
        }
        let _ = stop_tx.send(());
        let _ = server.await;
        latencies.sort_unstable();
        let pct = |p: f64| -> f64 {
            if latencies.is_empty() {
                return f64::NAN;
            }
            let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[i].as_secs_f64() * 1e3
        };
        println!(
            "connections={connections} seconds={seconds} requests={} req/s={:.1} p50_ms={:.2} p99_ms={:.2} errors={errors}",
            latencies.len(),
            latencies.len() as f64 / seconds as f64,
            pct(0.50),
            pct(0.99)
        );
        if latencies.is_empty() || errors > 0 {
            return Err::<(), Box<dyn std::error::Error>>(format!("{errors} errors").into());
        }
        Ok(())
    })
}

/// One keep-alive connection sending until `deadline`: latencies of the 200 answers, errors.
async fn worker(
    tls: Arc<rustls::ClientConfig>,
    addr: std::net::SocketAddr,
    body: Bytes,
    deadline: Instant,
) -> (Vec<Duration>, u64) {
    let (mut latencies, mut errors) = (Vec::new(), 0);
    'connect: while Instant::now() < deadline {
        let Ok(tcp) = tokio::net::TcpStream::connect(addr).await else {
            errors += 1;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let Ok(name) = ServerName::try_from("localhost") else { return (latencies, errors + 1) };
        let Ok(stream) = tokio_rustls::TlsConnector::from(tls.clone()).connect(name, tcp).await else {
            errors += 1;
            continue;
        };
        let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await else {
            errors += 1;
            continue;
        };
        tokio::spawn(conn);
        while Instant::now() < deadline {
            let req = hyper::Request::post("/")
                .header("host", "localhost")
                .header("content-type", "text/xml; charset=UTF-8")
                .header("soapaction", "\"\"")
                .body(Full::new(body.clone()));
            let Ok(req) = req else { return (latencies, errors + 1) };
            let started = Instant::now();
            match sender.send_request(req).await {
                Ok(resp) if resp.status() == 200 => match resp.into_body().collect().await {
                    Ok(_) => latencies.push(started.elapsed()),
                    Err(_) => errors += 1,
                },
                Ok(resp) => {
                    errors += 1;
                    let _ = resp.into_body().collect().await;
                }
                Err(_) => {
                    errors += 1;
                    continue 'connect;
                }
            }
        }
    }
    (latencies, errors)
}

fn signed_request() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let afzender = Afzender::instelling(&Instellingsnummer::new("001234")?).build()?;
    let inhoud = Inhoud::from_fragment(
        "<Criteria><INSZ>85073003328</INSZ><Periode><Begin>2023-09-01</Begin><Einde>2024-08-31</Einde></Periode></Criteria>",
    )?;
    let verzoek = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000")?, afzender)
        .vraag_inhoud(inhoud)
        .build()?;
    let operatie = Operatie::new(
        "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
        "GeefHistoriekInschrijving",
    )?;
    let identity = SigningIdentity::from_pem_files(
        format!("{ROOT}/testdata/pki/institution.key.pem"),
        format!("{ROOT}/testdata/pki/institution.chain.pem"),
        None,
    )?;
    Ok(Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1())
        .sign_message(&Envelope::Verzoek { operatie, verzoek })?)
}

fn client_tls() -> Result<Arc<rustls::ClientConfig>, Box<dyn std::error::Error>> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(format!("{ROOT}/testdata/pki/ca.pem"))? {
        roots.add(c?)?;
    }
    let chain: Vec<_> =
        CertificateDer::pem_file_iter(format!("{ROOT}/testdata/pki/institution.crt.pem"))?.collect::<Result<_, _>>()?;
    let key = PrivateKeyDer::from_pem_file(format!("{ROOT}/testdata/pki/institution.key.pem"))?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)?;
    Ok(Arc::new(config))
}
