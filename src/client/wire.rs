//! The sans-IO core of the client: what goes on the wire and what a reply means, with no
//! network and no runtime, for users on another HTTP stack who want the exact same rules.
//!
//! - [`prepare`]: the signed request body and its headers ([`REQUEST_HEADERS`]);
//! - [`interpret`]: HTTP status, Content-Type and body → [`Outcome`] or a [`SendError`];
//! - [`RetryPolicy`]: whether and when to resend;
//! - [`RateSchedule`]: when the next request may leave (the client-side rate limit).
//!
//! A resend carries the same Vraag Refertes ([`Verzoek::resend`]) and is signed afresh.

use std::time::{Duration, Instant};

use crate::institution::{Reply, ReplyVerifier};
use crate::model::{Envelope, Fault, Operatie, Repliek, Verzoek};
use crate::pki::ValidatedCertificate;
use crate::wss::Signer;

use super::error::SendError;

/// `Content-Type` of a SOAP 1.1 request.
pub const CONTENT_TYPE: &str = "text/xml; charset=UTF-8";

/// The request headers besides Host and Content-Length: Content-Type and an empty `SOAPAction`
/// (what the MAGDA reference connector sends).
pub const REQUEST_HEADERS: [(&str, &str); 2] = [("content-type", CONTENT_TYPE), ("soapaction", "\"\"")];

/// MAGDA's throttle Fault code ("Exceeded the max throttle rate of 10 within 1000ms").
pub const THROTTLE_FAULT_CODE: u32 = 99995;

/// What a verified reply says.
// Returned once per send and matched right away.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// A Repliek signed by the pinned provider that answers the Verzoek's Vragen.
    Repliek {
        /// The operation element of the reply.
        operatie: Operatie,
        /// The Repliek.
        repliek: Repliek,
        /// The provider's verified certificate.
        signer: ValidatedCertificate,
    },
    /// A SOAP Fault: the message could not be processed at all. Not retried.
    Fault {
        /// The Fault.
        fault: Fault,
        /// The provider's verified certificate; `None` only for an unsigned Fault accepted
        /// through [`UnsignedFaults::Accept`](crate::institution::UnsignedFaults::Accept).
        signer: Option<ValidatedCertificate>,
    },
}

impl Outcome {
    /// The Repliek, if this is one.
    pub fn repliek(&self) -> Option<&Repliek> {
        match self {
            Outcome::Repliek { repliek, .. } => Some(repliek),
            Outcome::Fault { .. } => None,
        }
    }

    /// The Fault, if this is one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Outcome::Fault { fault, .. } => Some(fault),
            Outcome::Repliek { .. } => None,
        }
    }
}

/// Writes the envelope of `verzoek` for `operatie` and signs it (a fresh signature, and a
/// fresh Timestamp when the signer adds one). Send it with [`REQUEST_HEADERS`] as an HTTP/1.1
/// POST.
pub fn prepare(signer: &Signer, operatie: &Operatie, verzoek: &Verzoek) -> Result<Vec<u8>, SendError> {
    let envelope = Envelope::Verzoek { operatie: operatie.clone(), verzoek: verzoek.clone() };
    signer.sign_message(&envelope).map_err(|e| SendError::Sign(Box::new(e)))
}

/// The numeric MAGDA code of a Fault: the leading digits of its faultstring
/// (`"99995 - Te veel gelijktijdige bevragingen"`), if any.
pub fn magda_fault_code(fault: &Fault) -> Option<u32> {
    let s = fault.faultstring().trim_start();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    s[..digits].parse().ok()
}

/// Whether `content_type` is SOAP 1.1's `text/xml` (or `application/xml`), any parameters.
pub fn is_xml_content_type(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let media = ct.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("text/xml") || media.eq_ignore_ascii_case("application/xml")
}

/// What one HTTP reply means for the Verzoek `sent` (the exact message of this attempt):
///
/// - 200 with `text/xml`: the reply is verified with `replies` (the pinned provider) and read
///   for `sent` → [`Outcome::Repliek`] (Antwoord Refertes among the Vragen) or
///   [`Outcome::Fault`];
/// - 500 with `text/xml` (SOAP 1.1 carries Faults with 500): MAGDA's throttle Fault (code
///   [`THROTTLE_FAULT_CODE`]) is [`SendError::Throttled`] whether signed or not — it only ever
///   causes a resend, so it needs no proof; any other body is verified like a 200's;
/// - any other status, or a 500 that is no SOAP message: [`SendError::HttpStatus`]
///   (retryable for 5xx);
/// - XML with another status, or a 200 that is not XML: [`SendError::UnexpectedContentType`].
pub fn interpret(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    replies: &ReplyVerifier,
    sent: &Verzoek,
) -> Result<Outcome, SendError> {
    let xml = is_xml_content_type(content_type);
    match status {
        200 | 500 if xml => {}
        200 => return Err(SendError::UnexpectedContentType { status, content_type: content_type.map(str::to_owned) }),
        _ => return Err(SendError::HttpStatus { status }),
    }
    if status == 500 {
        match Envelope::from_envelope_bytes(body) {
            Ok(Envelope::Fault(fault)) if magda_fault_code(&fault) == Some(THROTTLE_FAULT_CODE) => {
                return Err(SendError::Throttled { fault: Box::new(fault) });
            }
            Ok(_) => {}
            // A 500 whose body is no SOAP message at all: a broken gateway, retried.
            Err(_) => return Err(SendError::HttpStatus { status }),
        }
    }
    Ok(match replies.read_for(sent, body)? {
        Reply::Repliek { operatie, repliek, signer } => Outcome::Repliek { operatie, repliek, signer },
        Reply::Fault { fault, signer } => Outcome::Fault { fault, signer: Some(signer) },
        Reply::UnsignedFault(fault) => Outcome::Fault { fault, signer: None },
    })
}

/// When to resend: exponential backoff with jitter, bounded in attempts and total time.
///
/// The delay before attempt `n + 1` (after `n` failed attempts) is `initial × 2^(n-1)`, capped at
/// `max_delay`, then jittered uniformly into `[d/2, d]`. No attempt starts when the total time
/// would exceed `max_total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never resend).
    pub max_attempts: u32,
    /// The first backoff.
    pub initial_delay: Duration,
    /// The largest backoff.
    pub max_delay: Duration,
    /// The time budget for all attempts and backoffs together.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, 200 ms doubling up to 5 s, at most 60 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_total: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never resend.
    pub fn never() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// The backoff before the next attempt after `attempts` attempts failed with `error`,
    /// `elapsed` after the send began; `None` when the error is not retryable or the budget
    /// (attempts, total time) is spent. `random` is any uniformly random `u32` (the jitter).
    pub fn next_delay(&self, attempts: u32, elapsed: Duration, error: &SendError, random: u32) -> Option<Duration> {
        if !error.is_retryable() || attempts >= self.max_attempts {
            return None;
        }
        let exponent = attempts.saturating_sub(1).min(30);
        let full = self.initial_delay.saturating_mul(1u32 << exponent).min(self.max_delay);
        let half = full / 2;
        let jitter = half.mul_f64(f64::from(random) / f64::from(u32::MAX));
        let delay = half + jitter;
        if elapsed.saturating_add(delay) >= self.max_total {
            return None;
        }
        Some(delay)
    }
}

/// The client-side rate limit: requests leave at most `rate` per second, evenly spaced (no
/// burst), so a client never trips MAGDA's throttle (10 per second) on its own. Pure: the caller
/// passes the time and sleeps until the returned instant.
#[derive(Debug, Clone)]
pub struct RateSchedule {
    interval: Duration,
    next: Option<Instant>,
}

impl RateSchedule {
    /// At most `per_second` requests per second (`0` = no limit).
    pub fn new(per_second: u32) -> Self {
        let interval = if per_second == 0 { Duration::ZERO } else { Duration::from_secs(1) / per_second };
        RateSchedule { interval, next: None }
    }

    /// Reserves the next slot at or after `now` and returns when it begins.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let slot = match self.next {
            Some(next) if next > now => next,
            _ => now,
        };
        self.next = Some(slot + self.interval);
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FaultCode;

    fn fault(s: &str) -> Fault {
        Fault::new(FaultCode::server(), s).expect("fault")
    }

    #[test]
    fn fault_codes() {
        assert_eq!(magda_fault_code(&fault("99995 - Te veel gelijktijdige bevragingen")), Some(99995));
        assert_eq!(magda_fault_code(&fault("  30001")), Some(30001));
        assert_eq!(magda_fault_code(&fault("Te veel")), None);
        assert_eq!(magda_fault_code(&fault("99999999999999999999")), None);
    }

    #[test]
    fn content_types() {
        assert!(is_xml_content_type(Some("text/xml; charset=UTF-8")));
        assert!(is_xml_content_type(Some("TEXT/XML")));
        assert!(!is_xml_content_type(Some("text/html")));
        assert!(!is_xml_content_type(None));
    }

    #[test]
    fn retry_decisions() {
        let p = RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            max_total: Duration::from_secs(2),
        };
        let busy = SendError::HttpStatus { status: 503 };
        assert_eq!(p.next_delay(1, Duration::ZERO, &busy, u32::MAX), Some(Duration::from_millis(100)));
        assert_eq!(p.next_delay(1, Duration::ZERO, &busy, 0), Some(Duration::from_millis(50)));
        assert_eq!(p.next_delay(2, Duration::ZERO, &busy, u32::MAX), Some(Duration::from_millis(200)));
        assert_eq!(p.next_delay(3, Duration::ZERO, &busy, u32::MAX), None, "attempts spent");
        assert_eq!(p.next_delay(1, Duration::from_millis(1950), &busy, u32::MAX), None, "time spent");
        let capped = RetryPolicy { max_attempts: 10, ..p.clone() };
        assert_eq!(capped.next_delay(6, Duration::ZERO, &busy, u32::MAX), Some(Duration::from_millis(300)));
        assert_eq!(p.next_delay(1, Duration::ZERO, &SendError::HttpStatus { status: 404 }, 0), None);
        assert!(p
            .next_delay(1, Duration::ZERO, &SendError::Throttled { fault: Box::new(fault("99995")) }, 0)
            .is_some());
        assert_eq!(p.next_delay(1, Duration::ZERO, &SendError::ReplyNotSigned, 0), None);
        assert_eq!(RetryPolicy::never().next_delay(1, Duration::ZERO, &busy, 0), None);
    }

    #[test]
    fn rate_schedule_spaces_requests() {
        let t0 = Instant::now();
        let mut s = RateSchedule::new(10);
        assert_eq!(s.reserve(t0), t0);
        assert_eq!(s.reserve(t0), t0 + Duration::from_millis(100));
        assert_eq!(s.reserve(t0), t0 + Duration::from_millis(200));
        let later = t0 + Duration::from_secs(5);
        assert_eq!(s.reserve(later), later, "idle time is not saved up as a burst");
        let mut free = RateSchedule::new(0);
        assert_eq!(free.reserve(t0), t0);
        assert_eq!(free.reserve(t0), t0);
    }
}
