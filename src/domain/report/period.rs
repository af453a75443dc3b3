//! The period a report covers: whole local days in the configured time zone.

use crate::domain::missed::local_instant;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::fmt;

/// Longest period one report may cover: a year and a day (a leap year).
pub const MAX_DAYS: u64 = 366;

/// Why a period was refused; the message is shown to the operator as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("bad month `{0}`: expected YYYY-MM, e.g. 2026-11")]
    BadMonth(String),
    #[error("bad date `{0}`: expected YYYY-MM-DD, e.g. 2026-11-01")]
    BadDate(String),
    #[error("the period ends ({to}) before it starts ({from})")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("the period is {0} days long; a report covers at most {MAX_DAYS} days")]
    TooLong(u64),
}

/// Local dates `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// A period of whole days; refused when reversed or longer than [`MAX_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError::Reversed { from, to });
        }
        let days = u64::try_from((to - from).num_days() + 1).unwrap_or(u64::MAX);
        if days > MAX_DAYS {
            return Err(PeriodError::TooLong(days));
        }
        Ok(Period { from, to })
    }

    /// The calendar month of `date`.
    pub fn month_of(date: NaiveDate) -> Period {
        let from = date.with_day(1).unwrap_or(date);
        let to = from
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(from);
        Period { from, to }
    }

    /// `2026-11` → November 2026.
    pub fn parse_month(text: &str) -> Result<Period, PeriodError> {
        let bad = || PeriodError::BadMonth(text.to_string());
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if y.to_string().len() != 4 {
            return Err(bad());
        }
        NaiveDate::from_ymd_opt(y, m, 1)
            .map(Period::month_of)
            .ok_or_else(bad)
    }

    /// `2026-11-01`.
    pub fn parse_date(text: &str) -> Result<NaiveDate, PeriodError> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| PeriodError::BadDate(text.to_string()))
    }

    /// Number of days, both ends included.
    pub fn days(&self) -> u64 {
        u64::try_from((self.to - self.from).num_days() + 1).unwrap_or(0)
    }

    /// Every date of the period, oldest first.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// Whether this period is exactly one calendar month.
    pub fn is_month(&self) -> bool {
        Period::month_of(self.from) == *self
    }

    /// The period before: the previous calendar month for a month, otherwise as many days just
    /// before `from`.
    pub fn previous(&self) -> Period {
        if self.is_month()
            && let Some(prev) = self.from.pred_opt()
        {
            return Period::month_of(prev);
        }
        let to = self.from.pred_opt().unwrap_or(self.from);
        let from = to
            .checked_sub_days(Days::new(self.days().saturating_sub(1)))
            .unwrap_or(to);
        Period { from, to }
    }

    /// The instant the period starts (local midnight of `from`).
    pub fn start(&self, tz: Tz) -> DateTime<Utc> {
        day_start(tz, self.from)
    }

    /// The instant after the period (local midnight after `to`).
    pub fn end(&self, tz: Tz) -> DateTime<Utc> {
        day_start(tz, self.to.succ_opt().unwrap_or(self.to))
    }
}

fn day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    local_instant(tz, date, NaiveTime::MIN)
        .unwrap_or_else(|| date.and_time(NaiveTime::MIN).and_utc())
}

impl fmt::Display for Period {
    /// "November 2026" for a month, "2026-11-03 – 2026-11-09" otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_month() {
            write!(f, "{}", self.from.format("%B %Y"))
        } else {
            write!(f, "{} – {}", self.from, self.to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_parse_and_know_their_length() {
        let nov = Period::parse_month("2026-11").unwrap();
        assert_eq!((nov.from, nov.to), (d(2026, 11, 1), d(2026, 11, 30)));
        assert_eq!(nov.days(), 30);
        assert_eq!(nov.to_string(), "November 2026");
        let feb = Period::parse_month("2028-02").unwrap();
        assert_eq!(feb.to, d(2028, 2, 29));
        for bad in ["2026-13", "2026", "26-11", "2026-xx", ""] {
            assert!(Period::parse_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_previous_period_is_the_previous_month_or_as_many_days() {
        let jan = Period::parse_month("2027-01").unwrap();
        assert_eq!(jan.previous(), Period::parse_month("2026-12").unwrap());
        let mar = Period::parse_month("2026-03").unwrap();
        assert_eq!(mar.previous().days(), 28);
        let week = Period::new(d(2026, 11, 3), d(2026, 11, 9)).unwrap();
        assert_eq!(
            week.previous(),
            Period::new(d(2026, 10, 27), d(2026, 11, 2)).unwrap()
        );
        assert_eq!(week.to_string(), "2026-11-03 – 2026-11-09");
    }

    #[test]
    fn reversed_and_overlong_periods_are_refused() {
        assert!(matches!(
            Period::new(d(2026, 11, 9), d(2026, 11, 3)),
            Err(PeriodError::Reversed { .. })
        ));
        assert!(matches!(
            Period::new(d(2025, 1, 1), d(2026, 11, 3)),
            Err(PeriodError::TooLong(_))
        ));
        assert!(Period::parse_date("2026-02-30").is_err());
    }

    #[test]
    fn bounds_are_local_midnights() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        let oct = Period::parse_month("2026-10").unwrap();
        assert_eq!(oct.start(tz).to_rfc3339(), "2026-09-30T22:00:00+00:00");
        // Summer time ends on 25 October: the month ends at 23:00 UTC.
        assert_eq!(oct.end(tz).to_rfc3339(), "2026-10-31T23:00:00+00:00");
    }
}
