//! Time: one [`Clock`] for everything that asks what time it is.
//!
//! The library reads the wall-clock time in two places: the [`Verifier`](crate::wss::Verifier)
//! (is the signer's certificate valid now, is the Timestamp fresh) and the
//! [`Signer`](crate::wss::Signer) (the Timestamp's Created). Each takes a clock with
//! `with_clock` and uses [`SystemClock`] by default; the
//! [`Pep`](crate::provider::Pep) uses the clock of the verifier it is given. A fixed clock
//! ([`FixedClock`]) makes tests exact and verifies an archived message at the time it was
//! received.
//!
//! The one primitive that takes a time instead of a clock is
//! [`CertificateValidator::validate`](crate::pki::CertificateValidator::validate): it answers
//! "was this certificate valid at `at`", and the verifier asks it with its clock's time.
//!
//! All times are [`SystemTime`]s. Elapsed-time bookkeeping that does not depend on the wall
//! clock (the chain cache's entry age, an answer store's wait) uses [`std::time::Instant`] and
//! is not a clock in this sense.

use std::fmt::Debug;
use std::time::SystemTime;

/// A source of the current time. Implementations must be cheap: the verifier asks once per
/// message.
pub trait Clock: Send + Sync + Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock ([`SystemTime::now`]); the default everywhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock stopped at one instant (tests, replays of archived messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn fixed_clock_stands_still_and_system_clock_moves_on() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let fixed = FixedClock(t);
        assert_eq!(fixed.now(), t);
        assert_eq!(fixed.now(), t);
        let before = SystemTime::now();
        let now = SystemClock.now();
        assert!(now >= before && now <= SystemTime::now());
    }
}
