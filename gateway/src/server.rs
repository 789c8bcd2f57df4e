//! The listeners, the connection loop and one request's way through the gateway.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use dho_wss::model::{Envelope, FaultCode};
use dho_wss::provider::{Code, Rejection, Unauthorized};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::backend::Backends;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::state::State;
use crate::store::Store;
use crate::GatewayError;

/// The content type of every SOAP reply.
const SOAP_CONTENT_TYPE: &str = "text/xml; charset=UTF-8";

/// What every connection shares and a reload does not change.
struct Shared {
    config: Config,
    state: RwLock<Arc<State>>,
    store: Store,
    backends: Arc<Backends>,
    metrics: Arc<Metrics>,
    requests: Arc<Semaphore>,
}

impl Shared {
    fn state(&self) -> Arc<State> {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A gateway bound to its listeners: [`Gateway::bind`], then [`Gateway::run`].
pub struct Gateway {
    shared: Arc<Shared>,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("listener", &self.listener).finish_non_exhaustive()
    }
}

impl Gateway {
    /// Opens the answer store (PostgreSQL: connects and migrates), loads every file of
    /// `config` and binds the listeners. Call inside a multi-threaded tokio runtime.
    pub async fn bind(config: Config) -> Result<Gateway, GatewayError> {
        let metrics = Arc::new(Metrics::default());
        let store = Store::open(&config.store).await.map_err(GatewayError::Store)?;
        let answer_store = store.answer_store(metrics.clone());
        let loaded = {
            let (config, metrics) = (config.clone(), metrics.clone());
            tokio::task::spawn_blocking(move || State::load(&config, answer_store, &metrics))
                .await
                .map_err(|e| GatewayError::Io("loading the configuration".into(), std::io::Error::other(e)))??
        };
        let backends = Backends::new(
            &config.operations,
            tokio::runtime::Handle::current(),
            config.limits.backend_timeout(),
            metrics.clone(),
        )
        .map_err(|e| config.error("operation", e))?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| GatewayError::Io(format!("listening on {}", config.listen), e))?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => {
                Some(TcpListener::bind(addr).await.map_err(|e| GatewayError::Io(format!("listening on {addr}"), e))?)
            }
            None => None,
        };
        tracing::info!(store = store.kind(), operations = config.operations.len(), "gateway loaded");
        let requests = Arc::new(Semaphore::new(config.limits.max_concurrent_requests));
        let shared = Arc::new(Shared {
            config,
            state: RwLock::new(Arc::new(loaded)),
            store,
            backends: Arc::new(backends),
            metrics,
            requests,
        });
        Ok(Gateway { shared, listener, metrics_listener })
    }

    /// The address of the SOAP endpoint (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address of the metrics endpoint, if configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The gateway's metrics.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// A handle that reloads the bindings, trust anchors and TLS files (what SIGHUP does).
    pub fn reloader(&self) -> Reloader {
        Reloader { shared: self.shared.clone() }
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests
    /// finish (at most `limits.shutdown_grace_ms`) and releases this instance's claims.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), GatewayError> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        if let Some(l) = self.metrics_listener {
            tasks.spawn(metrics_loop(l, self.shared.clone(), stop_rx.clone()));
        }
        let connections = Arc::new(Semaphore::new(self.shared.config.limits.max_connections));
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                p = connections.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                () = &mut shutdown => break,
            };
            let accepted = tokio::select! {
                a = self.listener.accept() => a,
                () = &mut shutdown => break,
            };
            let (tcp, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let (shared, stop) = (self.shared.clone(), stop_rx.clone());
            tasks.spawn(async move {
                connection(tcp, peer, shared, stop).await;
                drop(permit);
            });
            while tasks.try_join_next().is_some() {}
        }
        drop(self.listener);
        tracing::info!(open_connections = tasks.len(), "shutting down: no new connections");
        let _ = stop_tx.send(true);
        let grace = Duration::from_millis(self.shared.config.limits.shutdown_grace_ms);
        if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
            tracing::warn!(left = tasks.len(), "grace period over; dropping the remaining connections");
            tasks.abort_all();
        }
        let store = self.shared.store.clone();
        match tokio::task::spawn_blocking(move || store.release_own_claims()).await {
            Ok(Ok(n)) => tracing::info!(released_claims = n, "stopped"),
            Ok(Err(e)) => tracing::warn!(error = %e, "releasing claims at shutdown failed"),
            Err(e) => tracing::warn!(error = %e, "releasing claims at shutdown failed"),
        }
        Ok(())
    }
}

/// Reloads a running gateway's bindings, trust anchors and TLS files.
#[derive(Clone)]
pub struct Reloader {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader").finish_non_exhaustive()
    }
}

impl Reloader {
    /// Reads the files again and swaps them in for new connections; on an error the old
    /// state stays and the error is returned. Open connections are not dropped.
    pub async fn reload(&self) -> Result<(), GatewayError> {
        let shared = self.shared.clone();
        let result = tokio::task::spawn_blocking(move || {
            let store = shared.store.answer_store(shared.metrics.clone());
            let state = State::load(&shared.config, store, &shared.metrics)?;
            *shared.state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(state);
            Ok::<_, GatewayError>(())
        })
        .await
        .map_err(|e| GatewayError::Io("reloading".into(), std::io::Error::other(e)))?;
        self.shared.metrics.reloaded(result.is_ok());
        result
    }
}

/// One client connection: TLS handshake (client certificate checked by rustls), then
/// HTTP/1.1 with keep-alive until the client closes or the gateway stops.
async fn connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let state = shared.state();
    let read_timeout = shared.config.limits.read_timeout();
    let tls = match tokio::time::timeout(read_timeout, state.acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            shared.metrics.handshake_failed();
            tracing::info!(%peer, error = %e, "TLS handshake refused");
            return;
        }
        Err(_) => {
            shared.metrics.handshake_failed();
            tracing::info!(%peer, "TLS handshake timed out");
            return;
        }
    };
    let client_cert = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.as_ref().to_vec());
    let client_cert: Arc<Option<Vec<u8>>> = Arc::new(client_cert);
    let service = {
        let (shared, state) = (shared.clone(), state.clone());
        service_fn(move |req| {
            let (shared, state, cert) = (shared.clone(), state.clone(), client_cert.clone());
            async move { Ok::<_, Infallible>(request(req, peer, cert, state, shared).await) }
        })
    };
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(tls), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        }
        _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(format!("{text}\n"))));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=UTF-8"));
    r
}

/// Whether `content-type` is SOAP 1.1's `text/xml` (parameters such as charset allowed).
fn is_soap_content_type(value: Option<&HeaderValue>) -> bool {
    let Some(v) = value.and_then(|v| v.to_str().ok()) else { return false };
    v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("text/xml"))
}

async fn request(
    req: Request<Incoming>,
    peer: SocketAddr,
    client_cert: Arc<Option<Vec<u8>>>,
    state: Arc<State>,
    shared: Arc<Shared>,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    if req.method() == Method::GET {
        return match req.uri().path() {
            "/healthz" => plain(StatusCode::OK, "ok"),
            "/readyz" => readiness(&shared).await,
            _ => plain(StatusCode::NOT_FOUND, "not found"),
        };
    }
    let refuse = |outcome: &'static str, status: StatusCode, text: &str| {
        shared.metrics.request(outcome, "-", started.elapsed());
        tracing::info!(%peer, outcome, status = status.as_u16(), "refused");
        plain(status, text)
    };
    if req.method() != Method::POST {
        let mut r = refuse("bad_method", StatusCode::METHOD_NOT_ALLOWED, "only POST");
        r.headers_mut().insert(ALLOW, HeaderValue::from_static("POST, GET"));
        return r;
    }
    if !is_soap_content_type(req.headers().get(CONTENT_TYPE)) {
        return refuse("bad_content_type", StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected Content-Type text/xml");
    }
    let limits = &shared.config.limits;
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return refuse("too_large", StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    }
    let Ok(permit) = shared.requests.clone().try_acquire_owned() else {
        let mut r = refuse("overloaded", StatusCode::SERVICE_UNAVAILABLE, "too many requests at once; retry");
        r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    };
    let body = Limited::new(req.into_body(), limits.max_body_bytes);
    let body = match tokio::time::timeout(limits.read_timeout(), body.collect()).await {
        Err(_) => return refuse("body_timeout", StatusCode::REQUEST_TIMEOUT, "request body not received in time"),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return refuse("too_large", StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
        }
        Ok(Err(_)) => return refuse("bad_body", StatusCode::BAD_REQUEST, "request body could not be read"),
        Ok(Ok(b)) => b.to_bytes(),
    };
    let backends = shared.backends.clone();
    let require_same = shared.config.signatures.require_tls_client_is_signer;
    let processed = tokio::task::spawn_blocking(move || {
        process(&state, &backends, &body, client_cert.as_ref().as_deref(), require_same)
    })
    .await;
    drop(permit);
    let reply = match processed {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(%peer, error = %e, "request processing panicked");
            return refuse("panic", StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };
    shared.metrics.request(reply.outcome, reply.reason, started.elapsed());
    tracing::info!(
        %peer,
        outcome = reply.outcome,
        reason = reply.reason,
        instellingsnummer = reply.instellingsnummer.as_deref().unwrap_or("-"),
        elapsed_ms = started.elapsed().as_millis() as u64,
        detail = reply.detail.as_deref().unwrap_or(""),
        "answered"
    );
    let mut r = Response::new(Full::new(Bytes::from(reply.bytes)));
    *r.status_mut() = if reply.fault { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(SOAP_CONTENT_TYPE));
    r
}

async fn readiness(shared: &Arc<Shared>) -> Response<Full<Bytes>> {
    let store = shared.store.clone();
    let reachable = tokio::task::spawn_blocking(move || store.ping()).await;
    match reachable {
        Ok(Ok(())) if shared.metrics.certificates_valid() => plain(StatusCode::OK, "ready"),
        Ok(Ok(())) => plain(StatusCode::SERVICE_UNAVAILABLE, "a loaded certificate has expired"),
        Ok(Err(e)) => plain(StatusCode::SERVICE_UNAVAILABLE, &format!("answer store unreachable: {e}")),
        Err(_) => plain(StatusCode::SERVICE_UNAVAILABLE, "answer store check failed"),
    }
}

/// A processed SOAP request: the reply and what to log and count.
struct Reply {
    bytes: Vec<u8>,
    fault: bool,
    outcome: &'static str,
    reason: &'static str,
    instellingsnummer: Option<String>,
    detail: Option<String>,
}

/// The PEP and the answer, on a blocking thread: verify and authorize, check the TLS client
/// certificate against the signer when configured, answer (store + backend), sign.
fn process(state: &State, backends: &Backends, body: &[u8], client_cert: Option<&[u8]>, require_same: bool) -> Reply {
    let provider = &state.provider;
    let pep = provider.pep();
    let request = match pep.verify_and_authorize(body) {
        Ok(request) => request,
        Err(rejection) => return rejected(state, rejection, None),
    };
    let nummer = Some(request.instellingsnummer().normalized().as_str().to_owned());
    if require_same && client_cert != Some(request.signer().certificate_der()) {
        let rejection = Rejection::NotAuthorized(Box::new(Unauthorized {
            operatie: request.operatie().clone(),
            verzoek: request.verzoek().clone(),
            signer: request.signer().clone(),
            code: Code::NotAuthorized,
            reason: "the TLS client certificate is not the signing certificate".into(),
        }));
        return rejected(state, rejection, nummer);
    }
    match provider.answer(&request, backends) {
        Ok(answered) => {
            let detail = (!answered.handler_errors.is_empty()).then(|| {
                let v: Vec<String> = answered.handler_errors.iter().map(|(r, e)| format!("Vraag {r}: {e}")).collect();
                v.join("; ")
            });
            let envelope = Envelope::Repliek { operatie: request.operatie().clone(), repliek: answered.repliek };
            match provider.reply_bytes(&envelope) {
                Ok(bytes) => Reply {
                    bytes,
                    fault: false,
                    outcome: "repliek",
                    reason: if detail.is_some() { "BackendFailed" } else { "-" },
                    instellingsnummer: nummer,
                    detail,
                },
                Err(e) => server_fault(state, e.to_string(), nummer),
            }
        }
        Err(e) => server_fault(state, e.to_string(), nummer),
    }
}

fn rejected(state: &State, rejection: Rejection, nummer: Option<String>) -> Reply {
    let provider = &state.provider;
    let envelope = match provider.pep().reply_to(&rejection) {
        Ok(e) => e,
        Err(e) => return server_fault(state, e.to_string(), nummer),
    };
    match provider.reply_bytes(&envelope) {
        Ok(bytes) => Reply {
            bytes,
            fault: rejection.is_fault(),
            outcome: if rejection.is_fault() { "fault" } else { "repliek" },
            reason: rejection.reason(),
            instellingsnummer: nummer,
            detail: Some(rejection.to_string()),
        },
        Err(e) => server_fault(state, e.to_string(), nummer),
    }
}

/// The last-resort reply when even the Server Fault cannot be built.
const FALLBACK_FAULT: &[u8] = b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
<soapenv:Header/><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>\
<faultstring>Internal error</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>";

/// A `soapenv:Server` Fault (store or signing failure): the message may be resent.
fn server_fault(state: &State, detail: String, nummer: Option<String>) -> Reply {
    let provider = &state.provider;
    let fault = provider.pep().fault(
        FaultCode::server(),
        "Internal error",
        "The service could not process the message; it may be resent",
        "Server",
    );
    let bytes = match fault {
        Ok(f) => {
            let envelope = Envelope::Fault(f);
            provider.reply_bytes(&envelope).or_else(|_| envelope.to_bytes()).unwrap_or_else(|_| FALLBACK_FAULT.to_vec())
        }
        Err(_) => FALLBACK_FAULT.to_vec(),
    };
    Reply { bytes, fault: true, outcome: "fault", reason: "Server", instellingsnummer: nummer, detail: Some(detail) }
}

/// The plain-HTTP operations listener: `/metrics`, `/healthz`, `/readyz`.
async fn metrics_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => return,
        };
        let Ok((tcp, _)) = accepted else { continue };
        let shared = shared.clone();
        let read_timeout = shared.config.limits.read_timeout();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                async move {
                    Ok::<_, Infallible>(match (req.method(), req.uri().path()) {
                        (&Method::GET, "/metrics") => {
                            let mut r = plain(StatusCode::OK, shared.metrics.render().trim_end());
                            r.headers_mut().insert(
                                CONTENT_TYPE,
                                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                            );
                            r
                        }
                        (&Method::GET, "/healthz") => plain(StatusCode::OK, "ok"),
                        (&Method::GET, "/readyz") => readiness(&shared).await,
                        _ => plain(StatusCode::NOT_FOUND, "not found"),
                    })
                }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout)
                .serve_connection(TokioIo::new(tcp), service);
            let _ = tokio::time::timeout(Duration::from_secs(60), conn).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_content_types() {
        let ok = |s: &'static str| is_soap_content_type(Some(&HeaderValue::from_static(s)));
        assert!(ok("text/xml"));
        assert!(ok("text/xml; charset=UTF-8"));
        assert!(ok("TEXT/XML;charset=utf-8"));
        assert!(!ok("application/soap+xml"));
        assert!(!ok("text/xmlx"));
        assert!(!ok("application/json"));
        assert!(!is_soap_content_type(None));
    }
}
