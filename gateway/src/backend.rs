//! Who answers a Vraag: the in-process demo operation, or an internal HTTP service.
//!
//! The HTTP backend receives, per Vraag that needs an answer, an **unsigned** Verzoek
//! (no Security header) holding only that Vraag, with the verified Instellingsnummer and the
//! signer's SHA-256 fingerprint in the headers [`INSTELLINGSNUMMER_HEADER`] and
//! [`SIGNER_HEADER`]. Its reply must be HTTP 200 with a Repliek of the same operation that
//! answers exactly that Referte and passes the model's strict reader; anything else is a
//! technical failure (Uitzondering 13090, nothing stored, the client may resend).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use dho_wss::model::{Envelope, Uitkomst, Vraag};
use dho_wss::provider::{AuthorizedVerzoek, HandlerError, VraagHandler};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::runtime::Handle;

use crate::metrics::Metrics;

#[allow(dead_code)] // the example binaries use the rest of it
#[path = "../../examples/common/demo.rs"]
mod demo;

/// The header carrying the verified Instellingsnummer (6-digit form) to an HTTP backend.
pub const INSTELLINGSNUMMER_HEADER: &str = "x-dho-instellingsnummer";
/// The header carrying the SHA-256 fingerprint of the verified signing certificate.
pub const SIGNER_HEADER: &str = "x-dho-signer-sha256";
/// The header naming the gateway process that calls (`pid:N`), for the backend's logs.
pub const INSTANCE_HEADER: &str = "x-dho-gateway-instance";
/// The largest backend reply read.
pub const MAX_BACKEND_REPLY_BYTES: usize = 16 << 20;

/// An `http://host:port/path` backend address.
#[derive(Debug, Clone)]
pub(crate) struct HttpTarget {
    host: String,
    port: u16,
    authority: String,
    path: String,
}

impl HttpTarget {
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|e| format!("{e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err("only http:// backends (internal services) are supported".into());
        }
        let host = uri.host().filter(|h| !h.is_empty()).ok_or("no host")?;
        let authority = uri.authority().map(|a| a.as_str().to_owned()).ok_or("no host")?;
        let path = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        Ok(HttpTarget {
            host: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
            port: uri.port_u16().unwrap_or(80),
            authority,
            path,
        })
    }
}

/// What went wrong with an HTTP backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// No answer within the backend timeout.
    #[error("backend {0}: no answer within {1:?}")]
    Timeout(String, Duration),
    /// Connecting or talking to it failed.
    #[error("backend {0}: {1}")]
    Transport(String, String),
    /// It answered with another status than 200.
    #[error("backend {0}: HTTP status {1}")]
    Status(String, StatusCode),
    /// Its reply is not a Repliek of the operation answering exactly the Vraag sent.
    #[error("backend {0}: unusable reply: {1}")]
    Reply(String, String),
}

/// A backend of one operation.
#[derive(Debug)]
enum Backend {
    Demo,
    Http { url: String, target: HttpTarget },
}

/// The backends of every operation, dispatched on the Verzoek's operation; a
/// [`VraagHandler`] that runs on a blocking thread of the runtime `handle`.
#[derive(Debug)]
pub(crate) struct Backends {
    by_operation: HashMap<(String, String), Backend>,
    handle: Handle,
    timeout: Duration,
    metrics: Arc<Metrics>,
}

impl Backends {
    pub(crate) fn new(
        operations: &[crate::config::OperationConfig],
        handle: Handle,
        timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        let mut by_operation = HashMap::new();
        for op in operations {
            let backend = if op.backend == "demo" {
                Backend::Demo
            } else {
                Backend::Http { url: op.backend.clone(), target: HttpTarget::parse(&op.backend)? }
            };
            by_operation.insert((op.namespace.clone(), op.name.clone()), backend);
        }
        Ok(Backends { by_operation, handle, timeout, metrics })
    }
}

impl VraagHandler for Backends {
    fn answer(&self, request: &AuthorizedVerzoek, vraag: &Vraag) -> Result<Uitkomst, HandlerError> {
        let op = request.operatie();
        let key = (op.namespace().to_owned(), op.naam().to_owned());
        let backend = self.by_operation.get(&key).ok_or("no backend for the operation")?;
        let started = Instant::now();
        let result = match backend {
            Backend::Demo => demo::DemoHandler.answer(request, vraag),
            Backend::Http { url, target } => self.call_http(url, target, request, vraag).map_err(HandlerError::from),
        };
        self.metrics.backend_call(started.elapsed(), result.is_ok());
        result
    }
}

impl Backends {
    fn call_http(
        &self,
        url: &str,
        target: &HttpTarget,
        request: &AuthorizedVerzoek,
        vraag: &Vraag,
    ) -> Result<Uitkomst, BackendError> {
        let reply_err = |m: String| BackendError::Reply(url.to_owned(), m);
        let verzoek = request
            .verzoek()
            .resend_vragen(|v| v.referte() == vraag.referte())
            .map_err(|e| reply_err(format!("building the forwarded Verzoek: {e}")))?;
        let envelope = Envelope::Verzoek { operatie: request.operatie().clone(), verzoek };
        let body = envelope.to_bytes().map_err(|e| reply_err(format!("writing the forwarded Verzoek: {e}")))?;
        let nummer = request.instellingsnummer().normalized();
        let headers = [
            (INSTELLINGSNUMMER_HEADER, nummer.as_str().to_owned()),
            (SIGNER_HEADER, signer_hex(request)),
            (INSTANCE_HEADER, format!("pid:{}", std::process::id())),
        ];
        let exchange = post(target, &headers, body);
        let (status, reply) = self
            .handle
            .block_on(async { tokio::time::timeout(self.timeout, exchange).await })
            .map_err(|_| BackendError::Timeout(url.to_owned(), self.timeout))?
            .map_err(|e| BackendError::Transport(url.to_owned(), e))?;
        if status != StatusCode::OK {
            return Err(BackendError::Status(url.to_owned(), status));
        }
        let envelope = Envelope::from_envelope_bytes(&reply).map_err(|e| reply_err(e.to_string()))?;
        let repliek = match envelope {
            Envelope::Repliek { operatie, repliek }
                if operatie.namespace() == request.operatie().namespace()
                    && operatie.naam() == request.operatie().naam() =>
            {
                repliek
            }
            Envelope::Repliek { .. } => return Err(reply_err("a Repliek of another operation".into())),
            Envelope::Verzoek { .. } => return Err(reply_err("a Verzoek, not a Repliek".into())),
            Envelope::Fault(f) => return Err(reply_err(format!("a Fault: {}", f.faultstring()))),
        };
        match repliek.antwoorden() {
            [a] if a.referte() == vraag.referte() => Ok(a.uitkomst().clone()),
            answers => Err(reply_err(format!(
                "expected exactly one Antwoord for Referte {}, got {} Antwoord(en)",
                vraag.referte(),
                answers.len()
            ))),
        }
    }
}

fn signer_hex(request: &AuthorizedVerzoek) -> String {
    request.requester().signer_sha256().iter().map(|b| format!("{b:02x}")).collect()
}

/// Aborts the spawned connection driver when the exchange ends or is dropped (timeout).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One HTTP/1.1 POST on a fresh connection; the status and the body (at most
/// [`MAX_BACKEND_REPLY_BYTES`]).
async fn post(target: &HttpTarget, headers: &[(&str, String)], body: Vec<u8>) -> Result<(StatusCode, Bytes), String> {
    let stream =
        tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await.map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    let _driver = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let mut req = Request::post(target.path.as_str())
        .header(hyper::header::HOST, target.authority.as_str())
        .header(hyper::header::CONTENT_TYPE, "text/xml; charset=UTF-8")
        .header("soapaction", "\"\"");
    for (name, value) in headers {
        req = req.header(*name, value.as_str());
    }
    let req = req.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = Limited::new(resp.into_body(), MAX_BACKEND_REPLY_BYTES)
        .collect()
        .await
        .map_err(|e| format!("reading the reply: {e}"))?
        .to_bytes();
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_refuse() {
        let t = HttpTarget::parse("http://127.0.0.1:9000/svc?x=1").expect("valid");
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("127.0.0.1", 9000, "/svc?x=1"));
        assert_eq!(HttpTarget::parse("http://[::1]/").expect("v6").host, "::1");
        assert!(HttpTarget::parse("https://x/").is_err());
        assert!(HttpTarget::parse("demo").is_err());
        assert!(HttpTarget::parse("http:///x").is_err());
    }
}
