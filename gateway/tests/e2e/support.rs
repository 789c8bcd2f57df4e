//! What the gateway tests share: configurations, the gateway binary as a child process, the
//! counting backend (`gateway/tests/backend.py`), signed requests, an mTLS client.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use dho_wss::institution::{Reply, ReplyVerifier};
use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Operatie, Referte, Versie, Verzoek, Vraag};
use dho_wss::pki::{CertificateSelector, CertificateValidator, SigningIdentity, TrustAnchors};
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

pub(crate) use crate::skip::skip;

pub(crate) const NAMESPACE: &str = "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be";
pub(crate) const NAAM: &str = "GeefHistoriekInschrijving";

/// The repository root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// `testdata/pki/<name>`.
pub(crate) fn pki(name: &str) -> PathBuf {
    root().join("testdata/pki").join(name)
}

/// What a test configuration varies.
#[derive(Clone)]
pub(crate) struct Setup {
    pub(crate) store: String,
    pub(crate) backend: String,
    pub(crate) read_only: bool,
    pub(crate) limits: String,
    pub(crate) store_extra: String,
    pub(crate) signatures_extra: String,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            store: "memory".into(),
            backend: "demo".into(),
            read_only: false,
            limits: String::new(),
            store_extra: String::new(),
            signatures_extra: String::new(),
        }
    }
}

impl Setup {
    /// Writes `pep.toml` into `dir` (paths absolute, into the shipped test PKI).
    pub(crate) fn write(&self, dir: &Path) -> PathBuf {
        let p = |n: &str| pki(n).display().to_string();
        let text = format!(
            r#"listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
[tls]
certificate_chain = "{chain}"
private_key = "{key}"
client_ca = "{ca}"
[signatures]
trust_anchors = ["{ca}"]
bindings = "{bindings}"
{sig_extra}
[reply]
private_key = "{pkey}"
certificate_chain = "{pcert}"
[store]
uri = "{store}"
{store_extra}
[limits]
{limits}
[[operation]]
namespace = "{NAMESPACE}"
name = "{NAAM}"
versies = ["02.01.0000"]
read_only = {read_only}
backend = "{backend}"
"#,
            chain = p("tls-server.chain.pem"),
            key = p("tls-server.key.pem"),
            ca = p("ca.pem"),
            bindings = root().join("testdata/bindings/test.bindings").display(),
            sig_extra = self.signatures_extra,
            pkey = p("provider.key.pem"),
            pcert = p("provider.crt.pem"),
            store = self.store,
            store_extra = self.store_extra,
            limits = self.limits,
            read_only = self.read_only,
            backend = self.backend,
        );
        let path = dir.join("pep.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }
}

/// Reads the first line of a child's stdout within `limit`.
fn first_line(stdout: std::process::ChildStdout, limit: Duration) -> Option<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(limit).ok().filter(|l| !l.is_empty())
}

/// The gateway binary running as a child process (killed when dropped).
pub(crate) struct GatewayProc {
    child: Child,
    pub(crate) addr: SocketAddr,
    pub(crate) metrics: SocketAddr,
    pub(crate) log: PathBuf,
}

impl GatewayProc {
    /// Starts `dho-wss-gateway --config config` and waits for its `listening on` line.
    pub(crate) fn start(config: &Path) -> GatewayProc {
        Self::try_start(config).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`start`](Self::start); the error holds the gateway's log.
    pub(crate) fn try_start(config: &Path) -> Result<GatewayProc, String> {
        let log = config.with_extension(format!("{}.log", uuid::Uuid::new_v4()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_dho-wss-gateway"))
            .arg("--config")
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start the gateway binary");
        let stdout = child.stdout.take().expect("stdout");
        let Some(line) = first_line(stdout, Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("gateway did not start: {}", std::fs::read_to_string(&log).unwrap_or_default()));
        };
        // "listening on https://A metrics on http://B"
        let mut words = line.split_whitespace();
        let addr = words.nth(2).and_then(|u| u.strip_prefix("https://")).and_then(|a| a.parse().ok());
        let metrics = words.nth(2).and_then(|u| u.strip_prefix("http://")).and_then(|a| a.parse().ok());
        match (addr, metrics) {
            (Some(addr), Some(metrics)) => Ok(GatewayProc { child, addr, metrics, log }),
            _ => Err(format!("unexpected first line {line:?}")),
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (`kill -9`).
    pub(crate) fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends `signal` (`TERM`, `HUP`) with the `kill` command.
    pub(crate) fn signal(&self, signal: &str) {
        let ok = Command::new("kill").arg(format!("-{signal}")).arg(self.pid().to_string()).status();
        assert!(ok.is_ok_and(|s| s.success()), "kill -{signal}");
    }

    /// Waits up to `limit` for the process to exit; its exit status.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The gateway's log so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET /metrics` of the metrics listener.
    pub(crate) async fn metrics_text(&self) -> String {
        let (status, body) = http_get(self.metrics, "/metrics").await.expect("GET /metrics");
        assert_eq!(status, 200);
        body
    }
}

impl Drop for GatewayProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the metric line starting with `prefix` (name and labels), 0 when absent.
pub(crate) fn metric(text: &str, prefix: &str) -> f64 {
    text.lines().filter(|l| l.starts_with(prefix)).filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum()
}

/// `python3` (or `DHO_WSS_PYTHON3`), if it runs.
pub(crate) fn python3() -> Option<String> {
    let py = std::env::var("DHO_WSS_PYTHON3").unwrap_or_else(|_| "python3".into());
    Command::new(&py).arg("--version").output().ok().filter(|o| o.status.success()).map(|_| py)
}

/// The counting backend `gateway/tests/backend.py` in `mode`, as a child process.
pub(crate) struct Backend {
    child: Child,
    pub(crate) port: u16,
}

impl Backend {
    pub(crate) fn start(python: &str, mode: &str) -> Backend {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/backend.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(mode)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start backend.py");
        let line = first_line(child.stdout.take().expect("stdout"), Duration::from_secs(30)).expect("backend line");
        let port = line.trim().rsplit(' ').next().and_then(|p| p.parse().ok()).expect("backend port");
        Backend { child, port }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/service", self.port)
    }

    /// Calls per Referte so far.
    pub(crate) async fn counts(&self) -> std::collections::BTreeMap<String, u64> {
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        let (_, body) = http_get(addr, "/counts").await.expect("GET /counts");
        parse_counts(&body)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `{"a": 1, "b": 2}` (what backend.py writes) without a JSON crate.
fn parse_counts(json: &str) -> std::collections::BTreeMap<String, u64> {
    json.trim_matches(|c| c == '{' || c == '}' || c == '\n')
        .split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once(':')?;
            Some((k.trim().trim_matches('"').to_owned(), v.trim().parse().ok()?))
        })
        .collect()
}

/// A plain-HTTP GET (the metrics listener, the backend); status and body.
pub(crate) async fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::get(path)
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// A Verzoek of Instellingsnummer 001234 with one Vraag per Referte, signed by the test
/// identity `signer` (`institution` or `other`) in the DHO profile: what `sign_payload` makes.
pub(crate) fn signed_verzoek(refertes: &[&str], signer: &str) -> Vec<u8> {
    let nummer = if signer == "other" { "005678" } else { "001234" };
    let afzender = Afzender::instelling(&Instellingsnummer::new(nummer).expect("nummer")).build().expect("afzender");
    let mut b = Verzoek::builder(NAAM, Versie::new("02.01.0000").expect("versie"), afzender);
    for r in refertes {
        let inhoud = Inhoud::from_fragment(
            "<Criteria><INSZ>85073003328</INSZ><Periode><Begin>2023-09-01</Begin><Einde>2024-08-31</Einde></Periode></Criteria>",
        )
        .expect("inhoud");
        b = b.vraag(Vraag::new(Referte::new(r).expect("referte"), inhoud));
    }
    let envelope = Envelope::Verzoek {
        operatie: Operatie::new(NAMESPACE, NAAM).expect("operatie"),
        verzoek: b.build().expect("verzoek"),
    };
    let chain = if signer == "institution" { "institution.chain.pem".to_owned() } else { format!("{signer}.crt.pem") };
    let identity =
        SigningIdentity::from_pem_files(pki(&format!("{signer}.key.pem")), pki(&chain), None).expect("identity");
    Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1()).sign_message(&envelope).expect("sign")
}

/// Verifies a reply as the institution would: signed by the test provider.
pub(crate) fn read_reply(bytes: &[u8]) -> Reply {
    let anchors = TrustAnchors::from_pem_file(pki("ca.pem")).expect("ca");
    let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
    ReplyVerifier::new(verifier, CertificateSelector::common_name("dho-wss-test.dho-provider"))
        .read(bytes)
        .unwrap_or_else(|e| panic!("reply does not verify: {e}\n{}", String::from_utf8_lossy(bytes)))
}

/// The Inhoud text of each Antwoord (Referte → text of its `Uitvoering` element or the
/// Uitzondering's Identificatie), of a verified Repliek.
pub(crate) fn answers(bytes: &[u8]) -> Vec<(String, String)> {
    match read_reply(bytes) {
        Reply::Repliek { repliek, .. } => repliek
            .antwoorden()
            .iter()
            .map(|a| {
                let u = a.uitkomst();
                let text = match u.inhoud() {
                    Some(i) => String::from_utf8_lossy(i.canonical()).into_owned(),
                    None => u
                        .uitzonderingen()
                        .iter()
                        .map(|z| format!("FOUT {}", z.identificatie()))
                        .collect::<Vec<_>>()
                        .join(","),
                };
                (a.referte().to_string(), text)
            })
            .collect(),
        other => panic!("expected a Repliek, got {other:?}"),
    }
}

/// An mTLS client configuration trusting the test CA, with the test identity `name`
/// (`None`: no client certificate).
pub(crate) fn client_tls(name: Option<&str>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(pki("ca.pem")).expect("ca") {
        roots.add(c.expect("ca cert")).expect("add ca");
    }
    let b = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let config = match name {
        None => b.with_no_client_auth(),
        Some(n) => {
            let chain: Vec<_> = CertificateDer::pem_file_iter(pki(&format!("{n}.crt.pem")))
                .expect("cert")
                .collect::<Result<_, _>>()
                .expect("certs");
            let key = PrivateKeyDer::from_pem_file(pki(&format!("{n}.key.pem"))).expect("key");
            b.with_client_auth_cert(chain, key).expect("client auth")
        }
    };
    Arc::new(config)
}

/// One POST over a fresh mTLS connection: status and body, or the transport error.
pub(crate) async fn post(
    tls: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>), String> {
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(tls.clone());
    let server = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let stream = connector.connect(server, tcp).await.map_err(|e| format!("handshake: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::post("/")
        .header("host", "localhost")
        .header("content-type", content_type)
        .header("soapaction", "\"\"")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, body.to_vec()))
}

/// The SOAP content type.
pub(crate) const SOAP: &str = "text/xml; charset=UTF-8";
