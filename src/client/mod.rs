//! Send a Verzoek over HTTPS with mutual TLS and get a verified reply (feature `client`).
//!
//! A [`Client`] is configured once for one endpoint: the [`Signer`] that signs each message,
//! the TLS client identity (by default the signer's own identity: MAGDA requires the same
//! certificate for both, SPEC §8), the [`ServerTrust`] for the server's TLS certificate, the
//! provider's pinned reply signer (a [`ReplyVerifier`]), timeouts, a [`RetryPolicy`], a rate
//! limit and an optional forward [`Proxy`]. It is `Send + Sync` and cheap to clone (clones share
//! connections and the rate limit); connections are kept alive and reused.
//!
//! [`Client::send`] signs the Verzoek, POSTs it (`Content-Type: text/xml; charset=UTF-8`,
//! `SOAPAction: ""`), reads the reply bounded by the reply verifier's
//! [`Limits::max_input_bytes`](crate::xml::Limits::max_input_bytes), verifies it against the
//! pinned provider and checks that every Antwoord answers one of the Vragen. The result is an
//! [`Outcome`] — a verified Repliek or a Fault — or a [`SendError`] that says what failed where.
//!
//! Guaranteed delivery (SPEC §5): after a transport failure, a 5xx without a SOAP body or
//! MAGDA's throttle Fault (99995), the client waits (exponential backoff with jitter) and resends
//! [`Verzoek::resend`]: the same Vraag Refertes, a new Afzender Referte, a fresh signature. It
//! never resends after a verified reply, a Fault, or a reply it refused.
//!
//! The rules without the network are in [`wire`], for users of another HTTP stack.
//! [`blocking::Client`] serves applications without an async runtime.
//!
//! Each send is a `tracing` span `dho_wss.send` (endpoint, Bericht Referte, attempts, outcome,
//! duration in ms); each attempt a span `dho_wss.attempt`. Message bodies and keys are never
//! logged.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dho_wss::client::{Client, Outcome};
//! use dho_wss::institution::ReplyVerifier;
//! use dho_wss::model::Envelope;
//! use dho_wss::pki::{CertificateSelector, CertificateValidator, SigningIdentity, TrustAnchors};
//! use dho_wss::tls::ServerTrust;
//! use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
//!
//! let identity = SigningIdentity::from_pem_files(
//!     "testdata/pki/institution.key.pem", "testdata/pki/institution.chain.pem", None)?;
//! let signer = Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1());
//! let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
//! let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
//! let replies = ReplyVerifier::new(verifier, CertificateSelector::common_name("dho-wss-test.dho-provider"));
//! let client = Client::builder("https://localhost:8443/dho", signer, replies)
//!     .server_trust(ServerTrust::pem_file("testdata/pki/ca.pem")?)
//!     .build()?;
//!
//! let bytes = std::fs::read("testdata/messages/geef-historiek-inschrijving.xml")?;
//! let Envelope::Verzoek { operatie, verzoek } = Envelope::from_envelope_bytes(&bytes)? else { return Ok(()) };
//! match client.send(&operatie, &verzoek).await? {
//!     Outcome::Repliek { repliek, .. } => println!("{} Antwoorden", repliek.antwoorden().len()),
//!     Outcome::Fault { fault, .. } => println!("Fault {}", fault.faultstring()),
//!     _ => {}
//! }
//! # Ok(()) }
//! ```

pub mod blocking;
mod conn;
mod error;
#[cfg(feature = "oauth")]
mod token;
pub mod wire;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use tracing::Instrument as _;

use crate::institution::ReplyVerifier;
use crate::model::{Operatie, Verzoek};
use crate::pki::SigningIdentity;
use crate::tls::{ClientTls, ServerTrust};
use crate::wss::Signer;

pub use conn::Proxy;
pub use error::{SendError, ServerCertificateProblem, TimeoutKind, TlsRefusal};
#[cfg(feature = "oauth")]
pub use token::{request_token, TokenRequestError};
pub use wire::{Outcome, RetryPolicy};

use conn::Endpoint;
use wire::RateSchedule;

/// Idle connections kept per client.
const MAX_IDLE_CONNECTIONS: usize = 64;

/// The client's timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect, proxy tunnel and TLS handshake. Default 10 s.
    pub connect: Duration,
    /// One attempt: request written and whole reply read. Default 30 s.
    pub request: Duration,
    /// The whole send, every attempt and backoff. Default 120 s.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(10), request: Duration::from_secs(30), total: Duration::from_secs(120) }
    }
}

/// Configures a [`Client`]; see the [module documentation](self).
pub struct ClientBuilder {
    url: String,
    signer: Signer,
    replies: ReplyVerifier,
    trust: Option<ServerTrust>,
    tls_identity: Option<Arc<SigningIdentity>>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    rate: u32,
    proxy: ProxyChoice,
}

enum ProxyChoice {
    FromEnv,
    None,
    Given(Proxy),
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder").field("url", &self.url).field("timeouts", &self.timeouts).finish()
    }
}

impl ClientBuilder {
    /// Trusts the server's TLS certificate this way (required; e.g. the CA bundle of the
    /// service, or [`ServerTrust::platform`]).
    pub fn server_trust(mut self, trust: ServerTrust) -> Self {
        self.trust = Some(trust);
        self
    }

    /// Presents this identity as TLS client certificate instead of the signer's.
    pub fn tls_identity(mut self, identity: Arc<SigningIdentity>) -> Self {
        self.tls_identity = Some(identity);
        self
    }

    /// The timeouts (default: [`Timeouts::default`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// At most `per_second` requests (attempts) per second leave this client and its clones;
    /// default 10, MAGDA's throttle; `0` = unlimited.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate = per_second;
        self
    }

    /// Uses this forward proxy instead of the environment's.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = ProxyChoice::Given(proxy);
        self
    }

    /// Connects directly, ignoring `HTTPS_PROXY`.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::None;
        self
    }

    /// The client. Errors: a bad endpoint URL, no server trust, a TLS identity rustls refuses,
    /// a bad `HTTPS_PROXY`.
    pub fn build(self) -> Result<Client, SendError> {
        let endpoint = Endpoint::parse(&self.url)?;
        let trust = self.trust.ok_or_else(|| SendError::Config { reason: "no server trust configured".into() })?;
        let identity = match &self.tls_identity {
            Some(identity) => identity.as_ref(),
            None => self.signer.identity(),
        };
        let config = ClientTls::new(trust)
            .client_identity(identity)
            .build()
            .map_err(|e| SendError::Config { reason: e.to_string() })?;
        let proxy = match self.proxy {
            ProxyChoice::FromEnv => Proxy::from_env()?,
            ProxyChoice::None => None,
            ProxyChoice::Given(p) => Some(p),
        };
        let max_reply_bytes = self.replies.verifier().policy().limits.max_input_bytes;
        Ok(Client {
            inner: Arc::new(Inner {
                endpoint,
                signer: self.signer,
                replies: self.replies,
                tls: conn::connector(config),
                proxy,
                timeouts: self.timeouts,
                retry: self.retry,
                rate: Mutex::new(RateSchedule::new(self.rate)),
                idle: Mutex::new(Vec::new()),
                max_reply_bytes,
            }),
        })
    }
}

/// The HTTPS client for one endpoint; see the [module documentation](self). Clones share
/// connections and the rate limit.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    signer: Signer,
    replies: ReplyVerifier,
    tls: tokio_rustls::TlsConnector,
    proxy: Option<Proxy>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    rate: Mutex<RateSchedule>,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
    max_reply_bytes: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("endpoint", &self.inner.endpoint.url).finish()
    }
}

impl Client {
    /// Starts a client for the `https://` endpoint `url`, signing with `signer` and accepting
    /// replies that `replies` verifies (the pinned provider).
    pub fn builder(url: impl Into<String>, signer: Signer, replies: ReplyVerifier) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            signer,
            replies,
            trust: None,
            tls_identity: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            rate: 10,
            proxy: ProxyChoice::FromEnv,
        }
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.inner.endpoint.url
    }

    /// Signs and sends `verzoek` (with the operation element `operatie`), resends under the
    /// retry policy, and returns the verified reply. The first attempt sends `verzoek` itself;
    /// each resend sends [`verzoek.resend()`](Verzoek::resend) (same Vraag Refertes, new Afzender
    /// Referte, fresh signature), and its reply is checked against that message.
    ///
    /// A retryable error on the last allowed attempt is [`SendError::RetriesExhausted`] when
    /// more than one attempt was made; otherwise the error itself.
    pub async fn send(&self, operatie: &Operatie, verzoek: &Verzoek) -> Result<Outcome, SendError> {
        let start = Instant::now();
        let span = tracing::info_span!(
            "dho_wss.send",
            endpoint = %self.inner.endpoint.url,
            bericht = %verzoek.afzender().referte(),
            attempts = tracing::field::Empty,
            outcome = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let total = self.inner.timeouts.total;
        let result =
            match tokio::time::timeout(total, self.attempts(operatie, verzoek, start).instrument(span.clone())).await {
                Ok(r) => r,
                Err(_) => Err(SendError::Timeout { which: TimeoutKind::Total, after: total }),
            };
        let outcome = match &result {
            Ok(Outcome::Repliek { .. }) => "repliek".to_owned(),
            Ok(Outcome::Fault { .. }) => "fault".to_owned(),
            Err(e) => format!("error: {e}"),
        };
        span.record("outcome", outcome.as_str());
        span.record("duration_ms", start.elapsed().as_millis() as u64);
        result
    }

    async fn attempts(&self, operatie: &Operatie, verzoek: &Verzoek, start: Instant) -> Result<Outcome, SendError> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempts", attempt);
            let resent;
            let current = if attempt == 1 {
                verzoek
            } else {
                resent = verzoek.resend();
                &resent
            };
            let span = tracing::debug_span!("dho_wss.attempt", attempt, bericht = %current.afzender().referte());
            let error = match self.attempt(operatie, current).instrument(span).await {
                Ok(outcome) => return Ok(outcome),
                Err(e) => e,
            };
            let random = getrandom::u32().unwrap_or(u32::MAX / 2);
            match self.inner.retry.next_delay(attempt, start.elapsed(), &error, random) {
                Some(delay) => {
                    tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "resending");
                    tokio::time::sleep(delay).await;
                }
                None if attempt > 1 && error.is_retryable() => {
                    return Err(SendError::RetriesExhausted { attempts: attempt, last: Box::new(error) })
                }
                None => return Err(error),
            }
        }
    }

    /// One attempt: sign, wait for the rate limit, connect or reuse, exchange, interpret.
    async fn attempt(&self, operatie: &Operatie, verzoek: &Verzoek) -> Result<Outcome, SendError> {
        let inner = &*self.inner;
        let body = wire::prepare(&inner.signer, operatie, verzoek)?;
        let now = Instant::now();
        let slot = inner.rate.lock().unwrap_or_else(PoisonError::into_inner).reserve(now);
        // Only sleep for a future slot: tokio's timer rounds up to the next millisecond tick.
        if slot > now {
            tokio::time::sleep_until(tokio::time::Instant::from_std(slot)).await;
        }

        let sender = match self.idle_connection().await {
            Some(sender) => sender,
            None => {
                let connect = conn::connect(&inner.endpoint, inner.proxy.as_ref(), &inner.tls);
                match tokio::time::timeout(inner.timeouts.connect, connect).await {
                    Ok(result) => result?,
                    Err(_) => {
                        return Err(SendError::Timeout { which: TimeoutKind::Connect, after: inner.timeouts.connect })
                    }
                }
            }
        };
        let mut request = hyper::Request::post(inner.endpoint.path.as_str())
            .header(hyper::header::HOST, inner.endpoint.authority.as_str());
        for (name, value) in wire::REQUEST_HEADERS {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| SendError::Http { address: inner.endpoint.address(), reason: e.to_string() })?;
        let exchange = conn::exchange(&inner.endpoint, sender, request, inner.max_reply_bytes);
        let (reply, reusable) = match tokio::time::timeout(inner.timeouts.request, exchange).await {
            Ok(result) => result?,
            Err(_) => return Err(SendError::Timeout { which: TimeoutKind::Request, after: inner.timeouts.request }),
        };
        if let Some(sender) = reusable {
            let mut idle = inner.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE_CONNECTIONS {
                idle.push(sender);
            }
        }
        tracing::debug!(status = reply.status, bytes = reply.body.len(), "reply received");
        wire::interpret(reply.status, reply.content_type.as_deref(), &reply.body, &inner.replies, verzoek)
    }

    /// A kept-alive connection that is still open and ready, if any.
    async fn idle_connection(&self) -> Option<SendRequest<Full<Bytes>>> {
        loop {
            let candidate = self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()?;
            let mut sender = candidate;
            if !sender.is_closed() && sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
    }
}
