//! The network side of the client: the endpoint, the forward proxy, opening a connection
//! (TCP, CONNECT tunnel, TLS, HTTP/1.1) with typed errors, and one request/reply exchange with
//! the reply body bounded while it streams in.

use std::error::Error as StdError;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::error::{SendError, ServerCertificateProblem, TlsRefusal};

/// Longest proxy CONNECT reply header read.
const MAX_PROXY_REPLY: usize = 8192;

/// An `https://host[:port]/path` endpoint.
#[derive(Debug, Clone)]
pub(super) struct Endpoint {
    pub(super) url: String,
    pub(super) host: String,
    pub(super) port: u16,
    /// `host[:port]` for the Host header and CONNECT.
    pub(super) authority: String,
    pub(super) path: String,
    pub(super) server_name: ServerName<'static>,
}

impl Endpoint {
    pub(super) fn parse(url: &str) -> Result<Self, SendError> {
        let bad = |reason: &str| SendError::Endpoint { url: url.to_owned(), reason: reason.to_owned() };
        let uri: hyper::Uri = url.parse().map_err(|e: hyper::http::uri::InvalidUri| bad(&e.to_string()))?;
        if uri.scheme_str() != Some("https") {
            return Err(bad("only https:// endpoints are supported (mutual TLS)"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("user information in the URL is not supported"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = authority.port_u16().unwrap_or(443);
        let server_name =
            ServerName::try_from(host.clone()).map_err(|_| bad("the host is not a valid DNS name or IP address"))?;
        let path = uri.path_and_query().map_or("/".to_owned(), |p| p.as_str().to_owned());
        Ok(Endpoint { url: url.to_owned(), host, port, authority: authority.as_str().to_owned(), path, server_name })
    }

    /// `host:port`, as errors name it.
    pub(super) fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A forward proxy reached through HTTP CONNECT, and the hosts that bypass it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    authorization: Option<String>,
    no_proxy: Vec<String>,
}

impl Proxy {
    /// A proxy from its URL, `http://[user:password@]host[:port]` (port default 80); user and
    /// password are sent as `Proxy-Authorization: Basic`.
    pub fn new(url: &str) -> Result<Self, SendError> {
        let bad = |reason: &str| SendError::Config { reason: format!("proxy URL {url}: {reason}") };
        let with_scheme = if url.contains("://") { url.to_owned() } else { format!("http://{url}") };
        let uri: hyper::Uri = with_scheme.parse().map_err(|e: hyper::http::uri::InvalidUri| bad(&e.to_string()))?;
        if uri.scheme_str() != Some("http") {
            return Err(bad("only http:// proxies (HTTP CONNECT) are supported"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?.as_str();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let hp: hyper::http::uri::Authority = hostport.parse().map_err(|_| bad("bad host"))?;
        let authorization = userinfo.map(|u| {
            use base64::Engine as _;
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(u))
        });
        Ok(Proxy {
            host: hp.host().trim_start_matches('[').trim_end_matches(']').to_owned(),
            port: hp.port_u16().unwrap_or(80),
            authorization,
            no_proxy: Vec::new(),
        })
    }

    /// The proxy the environment names: `HTTPS_PROXY` (or `https_proxy`), with the exceptions
    /// of `NO_PROXY` (or `no_proxy`): comma-separated host names (matching the host and its
    /// subdomains, a leading `.` allowed), IP addresses, or `*` for all. `Ok(None)` when no proxy
    /// is set.
    pub fn from_env() -> Result<Option<Self>, SendError> {
        let var = |a: &str, b: &str| std::env::var(a).or_else(|_| std::env::var(b)).ok().filter(|v| !v.is_empty());
        let Some(url) = var("HTTPS_PROXY", "https_proxy") else { return Ok(None) };
        let proxy = Proxy::new(&url)?;
        Ok(Some(match var("NO_PROXY", "no_proxy") {
            Some(list) => proxy.no_proxy_for(list.split(',')),
            None => proxy,
        }))
    }

    /// Adds hosts that are reached directly (as `NO_PROXY` entries).
    pub fn no_proxy_for<'a>(mut self, hosts: impl IntoIterator<Item = &'a str>) -> Self {
        self.no_proxy.extend(
            hosts.into_iter().map(|h| h.trim().trim_start_matches('.').to_ascii_lowercase()).filter(|h| !h.is_empty()),
        );
        self
    }

    /// Whether `host` bypasses the proxy.
    pub fn bypasses(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.no_proxy.iter().any(|n| {
            n == "*"
                || host == *n
                || (host.len() > n.len() && host.ends_with(n.as_str()) && {
                    let cut = host.len() - n.len() - 1;
                    host.as_bytes()[cut] == b'.'
                })
        })
    }

    fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Opens an HTTP/1.1 connection over mutual TLS to `endpoint` (through `proxy` unless it
/// bypasses it) and starts its driver on the runtime.
pub(super) async fn connect(
    endpoint: &Endpoint,
    proxy: Option<&Proxy>,
    tls: &tokio_rustls::TlsConnector,
) -> Result<SendRequest<Full<Bytes>>, SendError> {
    let proxy = proxy.filter(|p| !p.bypasses(&endpoint.host));
    let tcp = match proxy {
        Some(p) => {
            let tcp = TcpStream::connect((p.host.as_str(), p.port))
                .await
                .map_err(|source| SendError::Connect { address: p.address(), source })?;
            tunnel(tcp, p, endpoint).await?
        }
        None => TcpStream::connect((endpoint.host.as_str(), endpoint.port))
            .await
            .map_err(|source| SendError::Connect { address: endpoint.address(), source })?,
    };
    // Nagle would hold back the request's last segment.
    let _ = tcp.set_nodelay(true);
    let stream = tls
        .connect(endpoint.server_name.clone(), tcp)
        .await
        .map_err(|e| SendError::Tls { address: endpoint.address(), refusal: tls_refusal(&e) })?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| exchange_error(endpoint, &e))?;
    tokio::spawn(async move {
        // The connection ends when the server closes it or the last sender is dropped.
        let _ = connection.await;
    });
    Ok(sender)
}

/// HTTP CONNECT through `proxy` to the endpoint; the reply header is read byte by byte so that
/// nothing of the TLS stream after it is consumed.
async fn tunnel(mut tcp: TcpStream, proxy: &Proxy, endpoint: &Endpoint) -> Result<TcpStream, SendError> {
    let target = format!("{}:{}", endpoint.server_name.to_str(), endpoint.port);
    let target = if endpoint.host.contains(':') { format!("[{}]:{}", endpoint.host, endpoint.port) } else { target };
    let refused = |reason: String| SendError::Proxy { proxy: proxy.address(), target: target.clone(), reason };
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = &proxy.authorization {
        request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes()).await.map_err(|e| refused(e.to_string()))?;
    let mut reply = Vec::with_capacity(256);
    while !reply.ends_with(b"\r\n\r\n") {
        if reply.len() >= MAX_PROXY_REPLY {
            return Err(refused(format!("reply header longer than {MAX_PROXY_REPLY} bytes")));
        }
        let byte = tcp.read_u8().await.map_err(|e| refused(format!("connection closed: {e}")))?;
        reply.push(byte);
    }
    let status_line = String::from_utf8_lossy(reply.split(|b| *b == b'\r').next().unwrap_or_default()).into_owned();
    let mut parts = status_line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(v), Some("200")) if v.starts_with("HTTP/1.") => Ok(tcp),
        _ => Err(refused(status_line)),
    }
}

/// Whose certificate a failed handshake refused.
pub(super) fn tls_refusal(e: &std::io::Error) -> TlsRefusal {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(r) => refusal_of(r),
        None => TlsRefusal::Handshake { reason: e.to_string() },
    }
}

fn refusal_of(e: &rustls::Error) -> TlsRefusal {
    use rustls::{AlertDescription as A, CertificateError as C};
    match e {
        rustls::Error::InvalidCertificate(c) => TlsRefusal::ServerCertificate(match c {
            C::UnknownIssuer => ServerCertificateProblem::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => ServerCertificateProblem::HostnameMismatch,
            C::Expired | C::ExpiredContext { .. } => ServerCertificateProblem::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => ServerCertificateProblem::NotYetValid,
            C::Revoked => ServerCertificateProblem::Revoked,
            other => ServerCertificateProblem::Other(format!("{other:?}")),
        }),
        rustls::Error::AlertReceived(
            alert @ (A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::UnknownCA
            | A::AccessDenied
            | A::CertificateRequired),
        ) => TlsRefusal::OurCertificate { alert: format!("{alert:?}") },
        other => TlsRefusal::Handshake { reason: other.to_string() },
    }
}

/// The rustls error somewhere in `e`'s source chain.
fn find_rustls<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(r) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            if let Some(r) = r.downcast_ref::<rustls::Error>() {
                return Some(r);
            }
        }
        current = err.source();
    }
    None
}

/// `e` and its sources, `: `-separated.
pub(super) fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// A failed exchange: a TLS alert after the handshake (TLS 1.3 reports a refused client
/// certificate only here) is [`SendError::Tls`], anything else [`SendError::Http`].
pub(super) fn exchange_error(endpoint: &Endpoint, e: &hyper::Error) -> SendError {
    match find_rustls(e) {
        Some(r) => SendError::Tls { address: endpoint.address(), refusal: refusal_of(r) },
        None => SendError::Http { address: endpoint.address(), reason: chain(e) },
    }
}

/// One reply: status, Content-Type and the whole body.
pub(super) struct RawReply {
    pub(super) status: u16,
    pub(super) content_type: Option<String>,
    pub(super) body: Vec<u8>,
}

/// Sends `request` on `sender` and reads the reply, at most `max_body` bytes of body (more is
/// [`SendError::ReplyTooLarge`], found without reading past `max_body + 1`). The sender is
/// returned for reuse when the exchange completed cleanly.
pub(super) async fn exchange(
    endpoint: &Endpoint,
    mut sender: SendRequest<Full<Bytes>>,
    request: hyper::Request<Full<Bytes>>,
    max_body: usize,
) -> Result<(RawReply, Option<SendRequest<Full<Bytes>>>), SendError> {
    let response = sender.send_request(request).await.map_err(|e| exchange_error(endpoint, &e))?;
    let status = response.status().as_u16();
    let header = |name| response.headers().get(name).and_then(|v: &hyper::http::HeaderValue| v.to_str().ok());
    let content_type = header(hyper::header::CONTENT_TYPE).map(str::to_owned);
    let declared = header(hyper::header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
        return Err(SendError::ReplyTooLarge { limit: max_body });
    }
    let mut body = response.into_body();
    let mut bytes = Vec::with_capacity(declared.map_or(8192, |n| n as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| match find_rustls(&e) {
            Some(r) => SendError::Tls { address: endpoint.address(), refusal: refusal_of(r) },
            None => SendError::TruncatedReply { received: bytes.len(), reason: chain(&e) },
        })?;
        if let Some(data) = frame.data_ref() {
            if bytes.len() + data.len() > max_body {
                return Err(SendError::ReplyTooLarge { limit: max_body });
            }
            bytes.extend_from_slice(data);
        }
    }
    let reusable = (!sender.is_closed()).then_some(sender);
    Ok((RawReply { status, content_type, body: bytes }, reusable))
}

/// A TLS connector for `config`.
pub(super) fn connector(config: Arc<rustls::ClientConfig>) -> tokio_rustls::TlsConnector {
    tokio_rustls::TlsConnector::from(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("https://127.0.0.1:8443/ok?x=1").expect("endpoint");
        assert_eq!((e.host.as_str(), e.port, e.path.as_str()), ("127.0.0.1", 8443, "/ok?x=1"));
        assert_eq!(e.address(), "127.0.0.1:8443");
        let e = Endpoint::parse("https://[::1]/").expect("v6");
        assert_eq!((e.host.as_str(), e.port), ("::1", 443));
        assert_eq!(e.address(), "[::1]:443");
        for bad in ["http://example.org/", "example.org", "https://user:pw@example.org/", "https:///x", "ftp://a/"] {
            assert!(matches!(Endpoint::parse(bad), Err(SendError::Endpoint { .. })), "{bad}");
        }
    }

    #[test]
    fn proxies() {
        let p = Proxy::new("http://u:p@proxy.example:3128").expect("proxy").no_proxy_for(["localhost", ".intern.be"]);
        assert_eq!((p.host.as_str(), p.port), ("proxy.example", 3128));
        assert_eq!(p.authorization.as_deref(), Some("Basic dTpw"));
        assert!(p.bypasses("localhost") && p.bypasses("a.intern.be") && p.bypasses("intern.be"));
        assert!(!p.bypasses("xintern.be") && !p.bypasses("example.org"));
        assert!(Proxy::new("proxy:8080").expect("bare").no_proxy_for(["*"]).bypasses("anything"));
        assert!(matches!(Proxy::new("https://proxy:8443"), Err(SendError::Config { .. })));
    }
}
