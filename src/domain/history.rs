//! A job's recent history as one status per local day: the worst run of the day decides, so a
//! failed run is never hidden behind a later success on the same day.

use crate::domain::run_status::RunStatus;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The worst status per local day from `first` to `last` (both included, oldest first); `None`
/// for a day without runs. `points` are run times with their effective status.
pub fn worst_per_day(
    points: &[(DateTime<Utc>, RunStatus)],
    tz: Tz,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<(NaiveDate, Option<RunStatus>)> {
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|day| {
            let worst = points
                .iter()
                .filter(|(at, _)| at.with_timezone(&tz).date_naive() == day)
                .map(|(_, s)| *s)
                .max();
            (day, worst)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn the_worst_run_of_a_day_decides_and_empty_days_are_none() {
        let points = [
            (at(2025, 3, 1, 9), RunStatus::Failed),
            (at(2025, 3, 1, 20), RunStatus::Success),
            (at(2025, 3, 3, 2), RunStatus::Warning),
        ];
        let days = worst_per_day(&points, chrono_tz::UTC, day(1), day(3));
        assert_eq!(
            days,
            [
                (day(1), Some(RunStatus::Failed)),
                (day(2), None),
                (day(3), Some(RunStatus::Warning)),
            ]
        );
    }

    #[test]
    fn days_are_local_days_of_the_timezone() {
        // 23:30 UTC on the 1st is already the 2nd in Amsterdam.
        let points = [(
            Utc.with_ymd_and_hms(2025, 3, 1, 23, 30, 0).unwrap(),
            RunStatus::Success,
        )];
        let days = worst_per_day(&points, chrono_tz::Europe::Amsterdam, day(1), day(2));
        assert_eq!(days, [(day(1), None), (day(2), Some(RunStatus::Success))]);
    }

    #[test]
    fn an_empty_range_has_no_days() {
        assert!(worst_per_day(&[], chrono_tz::UTC, day(3), day(2)).is_empty());
    }
}
