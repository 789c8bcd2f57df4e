//! Tijdstip (Datum + Tijd) and Europe/Brussels local time without a time-zone database.
//!
//! # Europe/Brussels
//!
//! Belgium follows the EU summer-time rule (Directive 2000/84/EC): CET (UTC+1) all year,
//! except CEST (UTC+2) from the last Sunday of March, 01:00 UTC, up to the last Sunday
//! of October, 01:00 UTC. That rule has been in force since 1996; `brussels_offset`
//! applies it to every year, so instants before 1996 may be off by an hour (the library
//! only uses it for "now"). Should the EU abolish the change, this is the one function
//! to update.
//!
//! chrono is an implementation detail: no public signature names a chrono type.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday,
};

use super::error::{ModelError, Reason};

/// How many digits of the time a Tijd carries on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TijdPrecisie {
    /// `HH:MM`
    Minuten,
    /// `HH:MM:SS`
    Seconden,
    /// `HH:MM:SS.mmm` (what senders write, with `.000`).
    Milliseconden,
}

/// A Tijdstip: Datum (`YYYY-MM-DD`) and Tijd (`HH:MM[:SS[.mmm]]`), local time.
///
/// It keeps the precision it was read with, so `12:55` stays `12:55` when written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tijdstip {
    datum: NaiveDate,
    tijd: NaiveTime,
    precisie: TijdPrecisie,
}

/// UTC offset of Europe/Brussels at the UTC instant `t` (see the module docs).
fn brussels_offset(t: DateTime<Utc>) -> FixedOffset {
    let year = t.year();
    let start = last_sunday_0100_utc(year, 3);
    let end = last_sunday_0100_utc(year, 10);
    let summer = match (start, end) {
        (Some(s), Some(e)) => t >= s && t < e,
        _ => false,
    };
    if summer {
        CEST
    } else {
        CET
    }
}

const CET: FixedOffset = match FixedOffset::east_opt(3600) {
    Some(o) => o,
    None => panic!("UTC+1 is a valid offset"),
};
const CEST: FixedOffset = match FixedOffset::east_opt(7200) {
    Some(o) => o,
    None => panic!("UTC+2 is a valid offset"),
};

/// The last Sunday of `month` in `year`, 01:00 UTC.
fn last_sunday_0100_utc(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let last = NaiveDate::from_ymd_opt(year, month, 31)?;
    let back = last.weekday().num_days_from_sunday();
    let sunday = last - Duration::days(i64::from(back));
    debug_assert_eq!(sunday.weekday(), Weekday::Sun);
    Some(Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0)?))
}

/// The local Europe/Brussels date and time of the UTC instant `t`.
fn brussels_local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&brussels_offset(t)).naive_local()
}

impl Tijdstip {
    /// Now, in Europe/Brussels local time, written `HH:MM:SS.000` (whole seconds,
    /// milliseconds always `000`, as MAGDA senders do).
    pub fn now() -> Self {
        // A system clock beyond the year 2999 is not checked against the Datum pattern.
        Self::brussels(Utc::now())
    }

    /// The Europe/Brussels local time of the instant `t`, written `HH:MM:SS.000` (whole
    /// seconds). Fails for a year the schema's Datum pattern cannot carry.
    pub fn from_system_time(t: SystemTime) -> Result<Self, ModelError> {
        let out_of_range =
            || ModelError::invalid("Tijdstip/Datum", Reason::Pattern { expected: "a year 0000-2999 or 9000-9999" });
        let x = Self::brussels(utc(t).ok_or_else(out_of_range)?);
        check_year(x.datum)?;
        Ok(x)
    }

    fn brussels(t: DateTime<Utc>) -> Self {
        let local = brussels_local(t);
        let tijd = local.time().with_nanosecond(0).unwrap_or(local.time());
        Tijdstip { datum: local.date(), tijd, precisie: TijdPrecisie::Milliseconden }
    }

    /// Parses the wire form: Datum `YYYY-MM-DD`, Tijd `HH:MM`, `HH:MM:SS` or `HH:MM:SS.mmm`.
    /// Both must be a real calendar date and clock time.
    pub fn parse(datum: &str, tijd: &str) -> Result<Self, ModelError> {
        let d = parse_datum(datum)?;
        let (t, precisie) = parse_tijd(tijd)?;
        Ok(Tijdstip { datum: d, tijd: t, precisie })
    }

    /// The precision written on the wire.
    pub fn precisie(&self) -> TijdPrecisie {
        self.precisie
    }

    /// Datum as written: `YYYY-MM-DD`.
    pub fn datum_str(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.datum.year(), self.datum.month(), self.datum.day())
    }

    /// Tijd as written, in its precision.
    pub fn tijd_str(&self) -> String {
        let t = self.tijd;
        match self.precisie {
            TijdPrecisie::Minuten => format!("{:02}:{:02}", t.hour(), t.minute()),
            TijdPrecisie::Seconden => {
                format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
            }
            TijdPrecisie::Milliseconden => format!(
                "{:02}:{:02}:{:02}.{:03}",
                t.hour(),
                t.minute(),
                t.second(),
                (t.nanosecond() / 1_000_000).min(999)
            ),
        }
    }
}

impl fmt::Display for Tijdstip {
    /// `YYYY-MM-DDTHH:MM[:SS[.mmm]]`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{}", self.datum_str(), self.tijd_str())
    }
}

impl FromStr for Tijdstip {
    type Err = ModelError;
    /// Parses `YYYY-MM-DDTHH:MM[:SS[.mmm]]` (or with a space instead of `T`).
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let (d, t) = s.split_once(['T', ' ']).ok_or(ModelError::invalid("Tijdstip", Reason::NotADateOrTime))?;
        Self::parse(d, t)
    }
}

/// `t` as a chrono UTC instant; `None` beyond chrono's range.
fn utc(t: SystemTime) -> Option<DateTime<Utc>> {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => DateTime::from_timestamp(i64::try_from(after.as_secs()).ok()?, after.subsec_nanos()),
        Err(before) => {
            let d = before.duration();
            let secs = i64::try_from(d.as_secs()).ok()?;
            match d.subsec_nanos() {
                0 => DateTime::from_timestamp(-secs, 0),
                n => DateTime::from_timestamp(-secs - 1, 1_000_000_000 - n),
            }
        }
    }
}

fn check_year(d: NaiveDate) -> Result<(), ModelError> {
    match d.year() {
        0..=2999 | 9000..=9999 => Ok(()),
        _ => Err(ModelError::invalid("Tijdstip/Datum", Reason::Pattern { expected: "a year 0000-2999 or 9000-9999" })),
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_datum(s: &str) -> Result<NaiveDate, ModelError> {
    let bad = || ModelError::invalid("Tijdstip/Datum", Reason::Pattern { expected: "YYYY-MM-DD" });
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let y = digits(&s[0..4]).ok_or_else(bad)?;
    let m = digits(&s[5..7]).ok_or_else(bad)?;
    let d = digits(&s[8..10]).ok_or_else(bad)?;
    let y = i32::try_from(y).map_err(|_| bad())?;
    let date = NaiveDate::from_ymd_opt(y, m, d).ok_or(ModelError::invalid("Tijdstip/Datum", Reason::NotADateOrTime))?;
    check_year(date)?;
    Ok(date)
}

fn parse_tijd(s: &str) -> Result<(NaiveTime, TijdPrecisie), ModelError> {
    let bad = || ModelError::invalid("Tijdstip/Tijd", Reason::Pattern { expected: "HH:MM[:SS[.mmm]]" });
    let b = s.as_bytes();
    let two = |i: usize| -> Result<u32, ModelError> { s.get(i..i + 2).and_then(digits).ok_or_else(bad) };
    let (h, m, sec, ms, p) = match b.len() {
        5 if b[2] == b':' => (two(0)?, two(3)?, 0, 0, TijdPrecisie::Minuten),
        8 if b[2] == b':' && b[5] == b':' => (two(0)?, two(3)?, two(6)?, 0, TijdPrecisie::Seconden),
        12 if b[2] == b':' && b[5] == b':' && b[8] == b'.' => {
            let ms = s.get(9..12).and_then(digits).ok_or_else(bad)?;
            (two(0)?, two(3)?, two(6)?, ms, TijdPrecisie::Milliseconden)
        }
        _ => return Err(bad()),
    };
    let t = NaiveTime::from_hms_milli_opt(h, m, sec, ms)
        .ok_or(ModelError::invalid("Tijdstip/Tijd", Reason::NotADateOrTime))?;
    // chrono accepts a leap second (sec 59 + 1000 ms); the schema does not.
    if sec > 59 {
        return Err(ModelError::invalid("Tijdstip/Tijd", Reason::NotADateOrTime));
    }
    Ok((t, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn spring_forward_2025() {
        // Last Sunday of March 2025 is the 30th; the change is at 01:00 UTC.
        assert_eq!(brussels_local(utc("2025-03-30T00:59:59Z")).to_string(), "2025-03-30 01:59:59");
        assert_eq!(brussels_local(utc("2025-03-30T01:00:00Z")).to_string(), "2025-03-30 03:00:00");
    }

    #[test]
    fn fall_back_2025() {
        // Last Sunday of October 2025 is the 26th.
        assert_eq!(brussels_local(utc("2025-10-26T00:59:59Z")).to_string(), "2025-10-26 02:59:59");
        assert_eq!(brussels_local(utc("2025-10-26T01:00:00Z")).to_string(), "2025-10-26 02:00:00");
    }

    #[test]
    fn other_years_and_winter() {
        // 2024: 31 March and 27 October.
        assert_eq!(brussels_offset(utc("2024-03-31T00:30:00Z")).local_minus_utc(), 3600);
        assert_eq!(brussels_offset(utc("2024-03-31T01:30:00Z")).local_minus_utc(), 7200);
        assert_eq!(brussels_offset(utc("2024-10-27T00:30:00Z")).local_minus_utc(), 7200);
        assert_eq!(brussels_offset(utc("2024-10-27T01:30:00Z")).local_minus_utc(), 3600);
        assert_eq!(brussels_offset(utc("2024-01-15T12:00:00Z")).local_minus_utc(), 3600);
        assert_eq!(brussels_offset(utc("2024-07-15T12:00:00Z")).local_minus_utc(), 7200);
        // New Year's Eve crosses the date line in local time.
        let t = Tijdstip::from_system_time(utc("2024-12-31T23:30:00.789Z").into()).expect("in range");
        assert_eq!((t.datum_str().as_str(), t.tijd_str().as_str()), ("2025-01-01", "00:30:00.000"));
        // Summer time, and an instant before 1970 (a negative offset from the epoch).
        let t = Tijdstip::from_system_time(utc("2025-07-01T10:15:08.999Z").into()).expect("in range");
        assert_eq!(t.to_string(), "2025-07-01T12:15:08.000");
        let t = Tijdstip::from_system_time(utc("1969-12-31T22:59:59.250Z").into()).expect("in range");
        assert_eq!(t.to_string(), "1969-12-31T23:59:59.000");
        // Beyond what the Datum pattern carries.
        let far = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(40_000 * 365 * 86_400);
        assert!(Tijdstip::from_system_time(far).is_err());
    }

    #[test]
    fn wire_forms() {
        for (d, t) in [
            ("2021-03-24", "12:55"),
            ("2021-03-24", "12:55:17"),
            ("2021-03-24", "12:55:17.536"),
            ("9999-12-31", "23:59:59.999"),
        ] {
            let x = Tijdstip::parse(d, t).expect(t);
            assert_eq!((x.datum_str(), x.tijd_str()), (d.to_owned(), t.to_owned()));
        }
        for (d, t) in [
            ("2021-02-30", "12:55"),
            ("2021-3-24", "12:55"),
            ("2021-03-24", "2:55:17.000"),
            ("2021-03-24", "24:00"),
            ("2021-03-24", "12:55:60"),
            ("2021-03-24", "12:55:17.5"),
            ("2021-03-24", "12:55:17,000"),
            ("3021-03-24", "12:55"),
            ("+021-03-24", "12:55"),
        ] {
            assert!(Tijdstip::parse(d, t).is_err(), "{d} {t}");
        }
        assert_eq!(Tijdstip::now().tijd_str().len(), 12);
        assert!(Tijdstip::now().tijd_str().ends_with(".000"));
    }
}
