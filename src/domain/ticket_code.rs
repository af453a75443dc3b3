//! Ticket codes: internal codes `TYYYYMMDD.NNNN` (a daily sequence, the same shape as Autotask ticket
//! numbers) and externally given codes, which are kept as given once trimmed and checked.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use thiserror::Error;

/// Longest external code accepted; PSA ticket numbers are far shorter, this only stops pasted text.
pub const MAX_EXTERNAL_LEN: usize = 64;

/// Highest daily sequence number that fits in four digits.
pub const MAX_SEQUENCE: u16 = 9999;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TicketCodeError {
    #[error("ticket code is not of the form TYYYYMMDD.NNNN")]
    BadFormat,
    #[error("ticket code has no valid date")]
    BadDate,
    #[error("ticket sequence must be 1 to 9999")]
    BadSequence,
    #[error("all 9999 ticket codes of {0} are used")]
    DayExhausted(NaiveDate),
    #[error("ticket code is empty")]
    Empty,
    #[error("ticket code must not contain spaces or control characters")]
    BadCharacter,
    #[error("ticket code is longer than {MAX_EXTERNAL_LEN} characters")]
    TooLong,
}

/// An internal ticket code: a date and a sequence number within that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketCode {
    date: NaiveDate,
    seq: u16,
}

impl TicketCode {
    /// A code for `date` with sequence `seq` (1..=9999).
    pub fn new(date: NaiveDate, seq: u16) -> Result<TicketCode, TicketCodeError> {
        if seq == 0 || seq > MAX_SEQUENCE {
            return Err(TicketCodeError::BadSequence);
        }
        // Four-digit years only, so the code keeps its fixed width and sorts as text.
        if !(0..=9999).contains(&date.year()) {
            return Err(TicketCodeError::BadDate);
        }
        Ok(TicketCode { date, seq })
    }

    pub fn date(self) -> NaiveDate {
        self.date
    }

    pub fn sequence(self) -> u16 {
        self.seq
    }

    /// Parses `TYYYYMMDD.NNNN` strictly (upper-case `T`, exactly four sequence digits); surrounding
    /// whitespace is ignored.
    pub fn parse(s: &str) -> Result<TicketCode, TicketCodeError> {
        let s = s.trim();
        let rest = s.strip_prefix('T').ok_or(TicketCodeError::BadFormat)?;
        let (day, seq) = rest.split_once('.').ok_or(TicketCodeError::BadFormat)?;
        let all_digits =
            |p: &str, len: usize| p.len() == len && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(day, 8) || !all_digits(seq, 4) {
            return Err(TicketCodeError::BadFormat);
        }
        let date =
            NaiveDate::parse_from_str(day, "%Y%m%d").map_err(|_| TicketCodeError::BadDate)?;
        let seq: u16 = seq.parse().map_err(|_| TicketCodeError::BadFormat)?;
        TicketCode::new(date, seq)
    }

    /// The next free code of `date`: one above the day's highest sequence, or `.0001` for a new day.
    ///
    /// `day_codes` are the codes already stored for that day (the highest alone is enough); codes of
    /// other days and external codes of another shape are ignored, because Autotask numbers share
    /// this shape and must not be reused.
    pub fn next<'a>(
        date: NaiveDate,
        day_codes: impl IntoIterator<Item = &'a str>,
    ) -> Result<TicketCode, TicketCodeError> {
        let highest = day_codes
            .into_iter()
            .filter_map(|c| TicketCode::parse(c).ok())
            .filter(|c| c.date == date)
            .map(|c| c.seq)
            .max()
            .unwrap_or(0);
        if highest >= MAX_SEQUENCE {
            return Err(TicketCodeError::DayExhausted(date));
        }
        TicketCode::new(date, highest + 1)
    }

    /// The SQL `LIKE` pattern that selects the codes of `date` (e.g. `T20250123.%`).
    pub fn day_prefix(date: NaiveDate) -> String {
        format!("T{}.", date.format("%Y%m%d"))
    }
}

impl fmt::Display for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}.{:04}", self.date.format("%Y%m%d"), self.seq)
    }
}

/// Checks a code given from outside (an Autotask ticket number or another PSA's reference) and
/// returns it trimmed. Any shape is accepted: only emptiness, inner whitespace, control characters
/// and absurd length are refused.
pub fn external_code(s: &str) -> Result<String, TicketCodeError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(TicketCodeError::Empty);
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(TicketCodeError::BadCharacter);
    }
    if s.chars().count() > MAX_EXTERNAL_LEN {
        return Err(TicketCodeError::TooLong);
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn formats_with_four_digit_sequence() {
        let c = TicketCode::new(d(2025, 1, 23), 1).unwrap();
        assert_eq!(c.to_string(), "T20250123.0001");
        let c = TicketCode::new(d(2025, 12, 3), 9999).unwrap();
        assert_eq!(c.to_string(), "T20251203.9999");
        assert_eq!(TicketCode::day_prefix(d(2025, 1, 5)), "T20250105.");
    }

    #[test]
    fn rejects_out_of_range_sequence() {
        assert_eq!(
            TicketCode::new(d(2025, 1, 23), 0),
            Err(TicketCodeError::BadSequence)
        );
        assert_eq!(
            TicketCode::new(d(2025, 1, 23), 10000),
            Err(TicketCodeError::BadSequence)
        );
    }

    #[test]
    fn parses_and_round_trips() {
        let c = TicketCode::parse("T20250123.0042").unwrap();
        assert_eq!(c.date(), d(2025, 1, 23));
        assert_eq!(c.sequence(), 42);
        assert_eq!(c.to_string(), "T20250123.0042");
        assert_eq!(TicketCode::parse("  T20250123.0042\n").unwrap(), c);
    }

    #[test]
    fn parse_rejects_bad_shapes() {
        for bad in [
            "",
            "T",
            "20250123.0001",
            "t20250123.0001",
            "T20250123.001",
            "T20250123.00001",
            "T2025012.0001",
            "T20250123-0001",
            "T20250123.00a1",
            "T20250123.+001",
            "T20250123.0001x",
            "T２0250123.0001",
        ] {
            assert_eq!(
                TicketCode::parse(bad),
                Err(TicketCodeError::BadFormat),
                "{bad:?}"
            );
        }
        assert_eq!(
            TicketCode::parse("T20250230.0001"),
            Err(TicketCodeError::BadDate)
        );
        assert_eq!(
            TicketCode::parse("T20251301.0001"),
            Err(TicketCodeError::BadDate)
        );
        assert_eq!(
            TicketCode::parse("T20250123.0000"),
            Err(TicketCodeError::BadSequence)
        );
    }

    #[test]
    fn next_starts_at_one_and_follows_the_highest_of_the_day() {
        let day = d(2025, 1, 23);
        assert_eq!(
            TicketCode::next(day, []).unwrap().to_string(),
            "T20250123.0001"
        );
        let existing = [
            "T20250123.0002",
            "T20250123.0017",
            "T20250122.0099",
            "T20250123.0009",
        ];
        assert_eq!(
            TicketCode::next(day, existing).unwrap().to_string(),
            "T20250123.0018"
        );
        // Other days and foreign shapes do not count.
        let other = ["T20250124.0500", "INC-123", "T20250123.12345"];
        assert_eq!(
            TicketCode::next(day, other).unwrap().to_string(),
            "T20250123.0001"
        );
    }

    #[test]
    fn next_refuses_when_the_day_is_full() {
        let day = d(2025, 1, 23);
        assert_eq!(
            TicketCode::next(day, ["T20250123.9999"]),
            Err(TicketCodeError::DayExhausted(day))
        );
        assert_eq!(
            TicketCode::next(day, ["T20250123.9998"])
                .unwrap()
                .sequence(),
            9999
        );
    }

    #[test]
    fn external_codes_are_trimmed_and_checked() {
        assert_eq!(
            external_code("  T20250123.0042 ").unwrap(),
            "T20250123.0042"
        );
        assert_eq!(external_code("INC-00123/a").unwrap(), "INC-00123/a");
        assert_eq!(external_code("   "), Err(TicketCodeError::Empty));
        assert_eq!(
            external_code("T2025 0123"),
            Err(TicketCodeError::BadCharacter)
        );
        assert_eq!(
            external_code("abc\u{7}"),
            Err(TicketCodeError::BadCharacter)
        );
        assert_eq!(
            external_code("a\u{a0}b"),
            Err(TicketCodeError::BadCharacter)
        );
        assert!(external_code(&"x".repeat(MAX_EXTERNAL_LEN)).is_ok());
        assert_eq!(
            external_code(&"x".repeat(MAX_EXTERNAL_LEN + 1)),
            Err(TicketCodeError::TooLong)
        );
    }
}
