//! What can go wrong while sending a Verzoek: [`SendError`], and whose TLS certificate was
//! refused ([`TlsRefusal`]).

use std::time::Duration;

use crate::institution::ReplyError;
use crate::model::Fault;
use crate::wss::{SignError, VerifyError};

/// Which of the client's timeouts expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the connection: TCP (and the proxy's CONNECT) and the TLS handshake.
    Connect,
    /// One attempt: writing the request and reading the whole reply.
    Request,
    /// The whole send, every attempt and backoff included.
    Total,
}

/// Why the server's certificate was refused by us.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerCertificateProblem {
    /// It does not chain to the configured trust (or is not the pinned certificate).
    UnknownIssuer,
    /// It is not valid for the host name of the endpoint.
    HostnameMismatch,
    /// It has expired.
    Expired,
    /// It is not valid yet.
    NotYetValid,
    /// It has been revoked.
    Revoked,
    /// Any other reason rustls gives.
    Other(String),
}

/// Whose certificate a TLS handshake refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsRefusal {
    /// We refused the **server's** certificate.
    ServerCertificate(ServerCertificateProblem),
    /// The server refused **our** client certificate (it sent a certificate alert, e.g.
    /// `unknown_ca`, `bad_certificate`, `certificate_required`).
    OurCertificate {
        /// The TLS alert the server sent.
        alert: String,
    },
    /// The handshake failed for another reason (no common protocol version or cipher suite,
    /// a protocol error, another alert).
    Handshake {
        /// rustls' reason.
        reason: String,
    },
}

impl std::fmt::Display for TlsRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsRefusal::ServerCertificate(p) => write!(f, "we refused the server's certificate: {p:?}"),
            TlsRefusal::OurCertificate { alert } => {
                write!(f, "the server refused our client certificate (alert {alert})")
            }
            TlsRefusal::Handshake { reason } => write!(f, "handshake failed: {reason}"),
        }
    }
}

/// Why [`Client::send`](super::Client::send) did not return an [`Outcome`](super::Outcome).
/// Each variant says what failed and where; [`is_retryable`](Self::is_retryable) says whether
/// guaranteed delivery resends after it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The endpoint URL is not an `https://host[:port]/path` URL.
    #[error("endpoint {url}: {reason}")]
    Endpoint {
        /// The URL as given.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The client configuration is unusable (TLS, proxy settings).
    #[error("client configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// The Verzoek could not be written or signed.
    #[error("signing the Verzoek failed: {0}")]
    Sign(#[from] Box<SignError>),
    /// The TCP connection could not be opened.
    #[error("cannot connect to {address}: {source}")]
    Connect {
        /// `host:port` (of the proxy when one is used).
        address: String,
        /// The I/O error (refused, unreachable, …).
        source: std::io::Error,
    },
    /// The forward proxy did not open a tunnel.
    #[error("proxy {proxy} refused the tunnel to {target}: {reason}")]
    Proxy {
        /// The proxy's `host:port`.
        proxy: String,
        /// The endpoint's `host:port`.
        target: String,
        /// The proxy's status line, or what went wrong.
        reason: String,
    },
    /// The TLS handshake failed; [`TlsRefusal`] says whose certificate was refused.
    #[error("TLS with {address}: {refusal}")]
    Tls {
        /// The endpoint's `host:port`.
        address: String,
        /// What was refused.
        refusal: TlsRefusal,
    },
    /// The connection failed while the request was written or before a reply arrived.
    #[error("HTTP exchange with {address} failed: {reason}")]
    Http {
        /// The endpoint's `host:port`.
        address: String,
        /// What failed.
        reason: String,
    },
    /// An HTTP status that carries no SOAP reply (a 5xx without a SOAP body is retried).
    #[error("HTTP status {status} without a SOAP reply")]
    HttpStatus {
        /// The status code.
        status: u16,
    },
    /// The reply's Content-Type is not `text/xml` (SOAP 1.1).
    #[error("HTTP status {status} with Content-Type {content_type:?}, expected text/xml")]
    UnexpectedContentType {
        /// The status code.
        status: u16,
        /// The Content-Type sent, if any.
        content_type: Option<String>,
    },
    /// The reply body ended before it was complete (connection closed, bad chunking).
    #[error("the reply body was cut off after {received} bytes: {reason}")]
    TruncatedReply {
        /// Bytes received before the failure.
        received: usize,
        /// What failed.
        reason: String,
    },
    /// The reply body is larger than the reader's limit (`Limits::max_input_bytes` of the
    /// reply verifier); reading stopped at `limit + 1` bytes.
    #[error("the reply is larger than {limit} bytes")]
    ReplyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// MAGDA's throttle Fault (code 99995): too many requests. Retried.
    #[error("throttled by the server (Fault 99995): {}", fault.faultstring())]
    Throttled {
        /// The Fault as received (it is not verified: it only ever causes a resend).
        fault: Box<Fault>,
    },
    /// The reply carries no signature (an unsigned Repliek, or an unsigned Fault while
    /// unsigned Faults are rejected).
    #[error("the reply is not signed")]
    ReplyNotSigned,
    /// The reply is signed by a certificate other than the pinned provider's.
    #[error("the reply is signed by {subject}, not by the expected provider")]
    UnexpectedSigner {
        /// The signer's subject DN.
        subject: String,
    },
    /// The reply's signature did not verify.
    #[error("the reply's signature did not verify: {0}")]
    ReplyVerification(Box<VerifyError>),
    /// The Repliek does not answer the Verzoek: an Antwoord Referte that is no Vraag's, or the
    /// wrong Ontvanger Referte.
    #[error("the Repliek does not answer this Verzoek: {detail}")]
    RefertesMismatch {
        /// What does not match.
        detail: String,
    },
    /// The verified reply is not a valid Repliek or Fault.
    #[error("the reply is not a valid Repliek or Fault: {0}")]
    InvalidReply(Box<ReplyError>),
    /// A timeout expired.
    #[error("{which:?} timeout after {after:?}")]
    Timeout {
        /// Which one.
        which: TimeoutKind,
        /// Its configured duration.
        after: Duration,
    },
    /// Every attempt the retry policy allows failed with a retryable error.
    #[error("gave up after {attempts} attempts; last: {last}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        last: Box<SendError>,
    },
    /// The blocking client was called from inside an async runtime.
    #[error("blocking::Client::send called from inside an async runtime; use the async Client")]
    InsideRuntime,
}

impl SendError {
    /// Whether guaranteed delivery resends after this error (SPEC §5): transport failures
    /// (connect, proxy, a failed exchange, a cut-off body, a request timeout), a 5xx without a
    /// SOAP body, and MAGDA's throttle Fault. Never after a verified reply, a refused
    /// certificate, a bad signature or a Referte mismatch.
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Connect { .. }
            | SendError::Proxy { .. }
            | SendError::Http { .. }
            | SendError::TruncatedReply { .. }
            | SendError::Throttled { .. } => true,
            SendError::Timeout { which, .. } => *which != TimeoutKind::Total,
            SendError::HttpStatus { status } => (500..600).contains(status),
            _ => false,
        }
    }

    /// The error of the last attempt, looking through [`SendError::RetriesExhausted`].
    pub fn last(&self) -> &SendError {
        match self {
            SendError::RetriesExhausted { last, .. } => last.last(),
            other => other,
        }
    }
}

impl From<ReplyError> for SendError {
    fn from(e: ReplyError) -> Self {
        match e {
            ReplyError::Verify(VerifyError::MissingSecurityHeader) | ReplyError::UnsignedFault => {
                SendError::ReplyNotSigned
            }
            ReplyError::Verify(v) => SendError::ReplyVerification(Box::new(v)),
            ReplyError::UnexpectedSigner { subject } => SendError::UnexpectedSigner { subject },
            ReplyError::Mismatch { detail } => SendError::RefertesMismatch { detail },
            other => SendError::InvalidReply(Box::new(other)),
        }
    }
}
