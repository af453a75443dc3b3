//! Job schedules: learned from the times a job really ran, or pinned by an operator.
//!
//! Learning works on local dates in the configured timezone, on whole days before `today` (a day
//! still in progress is no evidence that a run is missing), and on the period that ends with the
//! job's last run: silence after the last run is no new schedule, so a job that stopped keeps its
//! pattern — and its missed runs — until its runs leave the evidence window.
//!
//! 1. Nothing is learned from fewer than [`MIN_RUN_DAYS`] days with a run in the
//!    [`MONTHLY_WINDOW_DAYS`] days before today, or from less than a week of observation.
//! 2. Weekdays, over the last [`WEEKLY_WINDOW_DAYS`] days the job existed: each weekday's dates form a
//!    series of "had a run or not". A weekday counts when the series is *regular* (see
//!    [`is_regular`]): nearly every one of its last 4 dates had a run, or it had a run on at least
//!    60% of all its dates and on at least half of its last 4. All seven → Daily, some → Weekly.
//!    Because the last 4 dates decide, a changed schedule (a migrated job) wins after three weeks,
//!    while one holiday never breaks a pattern.
//! 3. Otherwise the same test per day of the month (and for "last day of the month") over the last
//!    [`MONTHLY_WINDOW_DAYS`] days, with the last 3 months as the recent part, at least two runs on
//!    the day, and only when those days hold most of the job's runs → Monthly.
//! 4. Otherwise Irregular: never missed.
//!
//! The expected time of day is the median of the recent run times on scheduled days, taken on the
//! clock circle so a job around midnight gets a time around midnight.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Fewest distinct days with a run before anything is learned.
pub const MIN_RUN_DAYS: usize = 3;
/// Look-back for weekday patterns.
pub const WEEKLY_WINDOW_DAYS: u64 = 90;
/// Look-back for day-of-month patterns.
pub const MONTHLY_WINDOW_DAYS: u64 = 180;
/// Days a job must have been observed before a weekday pattern can be told apart from chance.
const MIN_OBSERVED_DAYS: u64 = 7;
/// The recent part of a weekday's series: its last 4 dates, four weeks.
const RECENT_WEEKS: usize = 4;
/// The recent part of a day-of-month series: its last 3 dates, about three months.
const RECENT_MONTHS: usize = 3;
/// Days of recent runs the expected time of day is taken from, for weekday and monthly patterns.
const TIME_WINDOW_WEEKLY_DAYS: u64 = 28;
const TIME_WINDOW_MONTHLY_DAYS: u64 = 93;
const SECONDS_PER_DAY: i64 = 86_400;

/// A day of the month a monthly job runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthDay {
    /// A fixed day (1..=31); months without that day have no slot.
    Day(u8),
    /// The last day of every month, whatever its length.
    Last,
}

impl MonthDay {
    /// Whether `date` is this day of its month.
    pub fn is(self, date: NaiveDate) -> bool {
        match self {
            MonthDay::Day(n) => date.day() == u32::from(n),
            MonthDay::Last => is_month_end(date),
        }
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MonthDay::Last => f.write_str("last"),
            MonthDay::Day(n) => {
                let suffix = match (n % 100, n % 10) {
                    (11..=13, _) => "th",
                    (_, 1) => "st",
                    (_, 2) => "nd",
                    (_, 3) => "rd",
                    _ => "th",
                };
                write!(f, "{n}{suffix}")
            }
        }
    }
}

/// When a job is expected to run. Stored as JSON, e.g.
/// `{"kind":"weekly","days":["Mon","Wed"],"time":"22:00:00"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    Daily {
        time: NaiveTime,
    },
    /// Days in Monday-first order, neither empty nor all seven (see [`Schedule::weekly`]).
    Weekly {
        days: Vec<Weekday>,
        time: NaiveTime,
    },
    /// Days in ascending order, `last` at the end.
    Monthly {
        days: Vec<MonthDay>,
        time: NaiveTime,
    },
    /// No pattern: the job is never missed.
    Irregular,
}

impl Schedule {
    /// A weekly schedule with its days sorted and deduplicated; all seven days are Daily and no
    /// day at all is Irregular.
    pub fn weekly(days: impl IntoIterator<Item = Weekday>, time: NaiveTime) -> Schedule {
        let set: BTreeSet<u32> = days.into_iter().map(|d| d.num_days_from_monday()).collect();
        match set.len() {
            0 => Schedule::Irregular,
            7 => Schedule::Daily { time },
            _ => Schedule::Weekly {
                days: set.into_iter().filter_map(weekday_from_monday).collect(),
                time,
            },
        }
    }

    /// A monthly schedule with its days sorted and deduplicated; no day at all is Irregular.
    pub fn monthly(days: impl IntoIterator<Item = MonthDay>, time: NaiveTime) -> Schedule {
        let set: BTreeSet<MonthDay> = days.into_iter().collect();
        if set.is_empty() {
            Schedule::Irregular
        } else {
            Schedule::Monthly {
                days: set.into_iter().collect(),
                time,
            }
        }
    }

    /// Expected local time of day; `None` for Irregular.
    pub fn time(&self) -> Option<NaiveTime> {
        match self {
            Schedule::Daily { time }
            | Schedule::Weekly { time, .. }
            | Schedule::Monthly { time, .. } => Some(*time),
            Schedule::Irregular => None,
        }
    }

    /// Whether a run is expected on this local date.
    pub fn is_due_on(&self, date: NaiveDate) -> bool {
        match self {
            Schedule::Daily { .. } => true,
            Schedule::Weekly { days, .. } => days.contains(&date.weekday()),
            Schedule::Monthly { days, .. } => days.iter().any(|d| d.is(date)),
            Schedule::Irregular => false,
        }
    }
}

impl fmt::Display for Schedule {
    /// "Daily", "Weekly: Mon, Wed, Fri", "Monthly: 1st, 15th", "Monthly: last", "Irregular".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Daily { .. } => f.write_str("Daily"),
            Schedule::Weekly { days, .. } => {
                let names: Vec<String> = days.iter().map(|d| d.to_string()).collect();
                write!(f, "Weekly: {}", names.join(", "))
            }
            Schedule::Monthly { days, .. } => {
                let names: Vec<String> = days.iter().map(|d| d.to_string()).collect();
                write!(f, "Monthly: {}", names.join(", "))
            }
            Schedule::Irregular => f.write_str("Irregular"),
        }
    }
}

/// A schedule an operator set by hand, with an optional grace that replaces the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedSchedule {
    pub schedule: Schedule,
    pub grace_minutes: Option<u32>,
}

/// Where the schedule in force came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleSource {
    Pinned,
    Learned,
}

/// The schedule missed-run detection uses for a job, with its grace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveSchedule {
    pub schedule: Schedule,
    pub grace: TimeDelta,
    pub source: ScheduleSource,
}

/// A pinned schedule beats a learned one, and a pinned grace beats `default_grace`. `None` when the
/// job has neither (nothing learned yet).
pub fn effective_schedule(
    pinned: Option<&PinnedSchedule>,
    learned: Option<&Schedule>,
    default_grace: TimeDelta,
) -> Option<EffectiveSchedule> {
    if let Some(p) = pinned {
        let grace = p
            .grace_minutes
            .map_or(default_grace, |m| TimeDelta::minutes(i64::from(m)));
        return Some(EffectiveSchedule {
            schedule: p.schedule.clone(),
            grace,
            source: ScheduleSource::Pinned,
        });
    }
    learned.map(|s| EffectiveSchedule {
        schedule: s.clone(),
        grace: default_grace,
        source: ScheduleSource::Learned,
    })
}

/// Learns a schedule from the times a job really ran (`runs`: non-informational, not Missed).
///
/// `created` is when the job was created; runs from before it (mail approved later) also show the
/// job existed. `today` is the current local date in `tz`. `None` means not enough evidence yet.
pub fn learn_schedule(
    runs: &[DateTime<Utc>],
    created: DateTime<Utc>,
    tz: Tz,
    today: NaiveDate,
) -> Option<Schedule> {
    let local: Vec<(NaiveDate, NaiveTime)> = runs
        .iter()
        .map(|r| {
            let l = r.with_timezone(&tz);
            (l.date_naive(), l.time())
        })
        .filter(|(d, _)| *d < today)
        .collect();
    let created_date = created.with_timezone(&tz).date_naive();
    let run_dates: BTreeSet<NaiveDate> = local.iter().map(|(d, _)| *d).collect();
    let existed_from = run_dates
        .first()
        .map_or(created_date, |first| (*first).min(created_date));

    let evidence_from = days_before(today, MONTHLY_WINDOW_DAYS)?;
    if run_dates.range(evidence_from..).count() < MIN_RUN_DAYS {
        return None;
    }
    // Silence after the last run is no evidence of a new schedule: a job that stopped keeps the
    // pattern it had (and so its missed runs) until its runs leave the evidence window.
    let end = *run_dates.last()?;
    let weekly_from = existed_from.max(days_before(end, WEEKLY_WINDOW_DAYS)?);
    let monthly_from = existed_from.max(days_before(end, MONTHLY_WINDOW_DAYS)?);
    if weekly_from > days_before(end, MIN_OBSERVED_DAYS - 1)? {
        return None;
    }

    let weekly: Vec<Weekday> = (0..7)
        .filter_map(weekday_from_monday)
        .filter(|wd| {
            let series = series(&run_dates, weekly_from, end, |d| d.weekday() == *wd);
            is_regular(&series, RECENT_WEEKS)
        })
        .collect();
    if !weekly.is_empty() {
        let probe = Schedule::weekly(weekly.iter().copied(), NaiveTime::MIN);
        let time = expected_time(&local, &probe, days_before(end, TIME_WINDOW_WEEKLY_DAYS)?)?;
        return Some(Schedule::weekly(weekly, time));
    }

    let monthly = monthly_days(&run_dates, monthly_from, end);
    if monthly.is_empty() {
        return Some(Schedule::Irregular);
    }
    let probe = Schedule::monthly(monthly.iter().copied(), NaiveTime::MIN);
    let time = expected_time(&local, &probe, days_before(end, TIME_WINDOW_MONTHLY_DAYS)?)?;
    Some(Schedule::monthly(monthly, time))
}

/// Whether a day (a weekday, a day of the month) with this "had a run" series, oldest first, is part
/// of the schedule. It counts when
/// - its recent part (last `recent` entries) had a run every time but at most once — so one holiday
///   never breaks a pattern, and a new pattern wins once it has held for `recent - 1` times; or
/// - it had a run on at least 60% of the whole series and on at least half of the recent part — so an
///   established pattern survives two holidays close together (Christmas and New Year fall on the same
///   weekday), yet a day that stopped (at most one run among the recent part) drops out.
///
/// 60% rather than a bare majority keeps a fortnightly job (50%) from flipping in and out.
pub fn is_regular(series: &[bool], recent: usize) -> bool {
    let recent_part: Vec<bool> = series.iter().rev().take(recent).copied().collect();
    let recent_len = recent_part.len();
    let recent_runs = recent_part.iter().filter(|r| **r).count();
    if recent_len == 0 {
        return false;
    }
    let all_runs = series.iter().filter(|r| **r).count();
    let recent_steady = recent_runs >= recent_len.saturating_sub(1).max(1);
    let established = all_runs * 5 >= series.len() * 3 && recent_runs * 2 >= recent_len;
    recent_steady || established
}

/// For every date from `from` to `to` (inclusive) selected by `pick`: whether it had a run.
fn series(
    run_dates: &BTreeSet<NaiveDate>,
    from: NaiveDate,
    to: NaiveDate,
    pick: impl Fn(NaiveDate) -> bool,
) -> Vec<bool> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| pick(*d))
        .map(|d| run_dates.contains(&d))
        .collect()
}

/// Days of the month with a regular series and at least two runs, when together they hold at least
/// two thirds of the runs (a guard against a busy irregular job that hits some days by chance).
/// "Last" replaces the days 28–31 whose runs all fell on a month's last day.
fn monthly_days(run_dates: &BTreeSet<NaiveDate>, from: NaiveDate, to: NaiveDate) -> Vec<MonthDay> {
    let in_window: Vec<NaiveDate> = run_dates
        .iter()
        .copied()
        .filter(|d| *d >= from && *d <= to)
        .collect();
    let candidates = (1..=31u8).map(MonthDay::Day).chain([MonthDay::Last]);
    let mut days: Vec<MonthDay> = candidates
        .filter(|md| {
            let s = series(run_dates, from, to, |d| md.is(d));
            s.iter().filter(|r| **r).count() >= 2 && is_regular(&s, RECENT_MONTHS)
        })
        .collect();
    if days.contains(&MonthDay::Last) {
        days.retain(|md| match md {
            MonthDay::Day(n) if *n >= 28 => in_window
                .iter()
                .filter(|d| md.is(**d))
                .any(|d| !is_month_end(*d)),
            _ => true,
        });
    }
    let covered = in_window
        .iter()
        .filter(|d| days.iter().any(|md| md.is(**d)))
        .count();
    if covered * 3 < in_window.len() * 2 {
        return Vec::new();
    }
    days
}

/// Median time of day of the runs on due dates of `schedule` since `recent_from`, or of all runs on
/// due dates when none is that recent. Late runs just after midnight belong to the previous due date,
/// but they count by their own date here; the circular median keeps them from pulling far.
fn expected_time(
    local: &[(NaiveDate, NaiveTime)],
    schedule: &Schedule,
    recent_from: NaiveDate,
) -> Option<NaiveTime> {
    let due: Vec<(NaiveDate, NaiveTime)> = local
        .iter()
        .copied()
        .filter(|(d, _)| schedule.is_due_on(*d))
        .collect();
    let recent: Vec<NaiveTime> = due
        .iter()
        .filter(|(d, _)| *d >= recent_from)
        .map(|(_, t)| *t)
        .collect();
    if recent.is_empty() {
        circular_median(&due.iter().map(|(_, t)| *t).collect::<Vec<_>>())
    } else {
        circular_median(&recent)
    }
}

/// Median of times of day on the clock circle, to the minute: the circle is cut at the widest gap
/// between the times, so 23:50 and 00:05 give 23:57, not noon. `None` for no times.
pub fn circular_median(times: &[NaiveTime]) -> Option<NaiveTime> {
    let mut secs: Vec<i64> = times
        .iter()
        .map(|t| i64::from(t.num_seconds_from_midnight()))
        .collect();
    secs.sort_unstable();
    let first = *secs.first()?;
    let last = *secs.last()?;
    // The gap that wraps past midnight, then every gap between neighbours; cut after the widest.
    let mut cut = 0;
    let mut widest = first + SECONDS_PER_DAY - last;
    for (i, pair) in secs.windows(2).enumerate() {
        if let [a, b] = pair
            && b - a > widest
        {
            widest = b - a;
            cut = i + 1;
        }
    }
    let (before, after) = secs.split_at(cut);
    let unwrapped: Vec<i64> = after
        .iter()
        .copied()
        .chain(before.iter().map(|s| s + SECONDS_PER_DAY))
        .collect();
    let n = unwrapped.len();
    let mid = unwrapped.get(n / 2).copied()?;
    let median = if n % 2 == 1 {
        mid
    } else {
        (unwrapped.get(n / 2 - 1).copied()? + mid) / 2
    };
    let minutes = median.rem_euclid(SECONDS_PER_DAY) / 60;
    NaiveTime::from_hms_opt(
        u32::try_from(minutes / 60).ok()?,
        u32::try_from(minutes % 60).ok()?,
        0,
    )
}

fn is_month_end(date: NaiveDate) -> bool {
    date.succ_opt()
        .is_some_and(|next| next.month() != date.month())
}

fn days_before(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(days))
}

fn weekday_from_monday(n: u32) -> Option<Weekday> {
    u8::try_from(n).ok().and_then(|n| Weekday::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Amsterdam;
    use chrono_tz::UTC;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// A run at local `time` on local `day` in Amsterdam.
    fn at(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        Amsterdam
            .from_local_datetime(&day.and_time(time))
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Runs at `time` on every date from `from` up to (not including) `until` that `pick` selects.
    fn runs(
        from: NaiveDate,
        until: NaiveDate,
        time: NaiveTime,
        pick: impl Fn(NaiveDate) -> bool,
    ) -> Vec<DateTime<Utc>> {
        from.iter_days()
            .take_while(|d| *d < until)
            .filter(|d| pick(*d))
            .map(|d| at(d, time))
            .collect()
    }

    fn learn(runs: &[DateTime<Utc>], first_day: NaiveDate, today: NaiveDate) -> Option<Schedule> {
        learn_schedule(runs, at(first_day, hm(0, 0)), Amsterdam, today)
    }

    fn is_weekday(d: NaiveDate) -> bool {
        d.weekday().num_days_from_monday() < 5
    }

    const TODAY: (i32, u32, u32) = (2025, 6, 18);

    fn today() -> NaiveDate {
        date(TODAY.0, TODAY.1, TODAY.2)
    }

    fn start() -> NaiveDate {
        date(2025, 1, 1)
    }

    #[test]
    fn display_strings() {
        let t = hm(22, 0);
        assert_eq!(Schedule::Daily { time: t }.to_string(), "Daily");
        let w = Schedule::weekly([Weekday::Fri, Weekday::Mon, Weekday::Wed, Weekday::Mon], t);
        assert_eq!(w.to_string(), "Weekly: Mon, Wed, Fri");
        let m = Schedule::monthly([MonthDay::Day(15), MonthDay::Day(1)], t);
        assert_eq!(m.to_string(), "Monthly: 1st, 15th");
        assert_eq!(
            Schedule::monthly([MonthDay::Last], t).to_string(),
            "Monthly: last"
        );
        assert_eq!(Schedule::Irregular.to_string(), "Irregular");
    }

    #[test]
    fn ordinals() {
        let names: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 24, 30, 31]
            .into_iter()
            .map(|n| MonthDay::Day(n).to_string())
            .collect();
        assert_eq!(
            names,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "24th",
                "30th", "31st"
            ]
        );
    }

    #[test]
    fn weekly_constructor_normalises() {
        let t = hm(1, 0);
        assert_eq!(Schedule::weekly([], t), Schedule::Irregular);
        let all = [
            Weekday::Sun,
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ];
        assert_eq!(Schedule::weekly(all, t), Schedule::Daily { time: t });
        assert_eq!(Schedule::monthly([], t), Schedule::Irregular);
    }

    #[test]
    fn due_dates() {
        let t = hm(1, 0);
        let w = Schedule::weekly([Weekday::Mon], t);
        assert!(w.is_due_on(date(2025, 6, 16)));
        assert!(!w.is_due_on(date(2025, 6, 17)));
        let m = Schedule::monthly([MonthDay::Day(31), MonthDay::Last], t);
        assert!(m.is_due_on(date(2025, 2, 28)));
        assert!(m.is_due_on(date(2024, 2, 29)));
        assert!(!m.is_due_on(date(2024, 2, 28)));
        assert!(m.is_due_on(date(2025, 1, 31)));
        assert!(!Schedule::monthly([MonthDay::Day(31)], t).is_due_on(date(2025, 4, 30)));
        assert!(!Schedule::Irregular.is_due_on(date(2025, 4, 30)));
        assert_eq!(Schedule::Irregular.time(), None);
        assert_eq!(m.time(), Some(t));
    }

    #[test]
    fn serialises_as_json() {
        let w = Schedule::weekly([Weekday::Mon, Weekday::Wed], hm(22, 0));
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"weekly","days":["Mon","Wed"],"time":"22:00:00"}"#
        );
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), w);
        let m = Schedule::monthly([MonthDay::Day(1), MonthDay::Last], hm(3, 0));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"monthly","days":[{"day":1},"last"],"time":"03:00:00"}"#
        );
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), m);
        let p = PinnedSchedule {
            schedule: Schedule::Irregular,
            grace_minutes: Some(90),
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<PinnedSchedule>(&json).unwrap(), p);
    }

    #[test]
    fn pinned_beats_learned() {
        let learned = Schedule::Daily { time: hm(22, 0) };
        let pinned = PinnedSchedule {
            schedule: Schedule::weekly([Weekday::Sat], hm(6, 0)),
            grace_minutes: Some(60),
        };
        let four = TimeDelta::hours(4);
        let e = effective_schedule(Some(&pinned), Some(&learned), four).unwrap();
        assert_eq!(e.schedule, pinned.schedule);
        assert_eq!(e.grace, TimeDelta::hours(1));
        assert_eq!(e.source, ScheduleSource::Pinned);
        let no_grace = PinnedSchedule {
            grace_minutes: None,
            ..pinned
        };
        assert_eq!(
            effective_schedule(Some(&no_grace), None, four)
                .unwrap()
                .grace,
            four
        );
        let e = effective_schedule(None, Some(&learned), four).unwrap();
        assert_eq!(
            (e.schedule, e.grace, e.source),
            (learned, four, ScheduleSource::Learned)
        );
        assert_eq!(effective_schedule(None, None, four), None);
    }

    #[test]
    fn circular_median_handles_midnight() {
        assert_eq!(circular_median(&[]), None);
        assert_eq!(circular_median(&[hm(23, 50), hm(0, 5)]), Some(hm(23, 57)));
        assert_eq!(
            circular_median(&[hm(23, 50), hm(0, 5), hm(0, 10)]),
            Some(hm(0, 5))
        );
        assert_eq!(
            circular_median(&[hm(23, 40), hm(23, 55), hm(0, 20)]),
            Some(hm(23, 55))
        );
        assert_eq!(
            circular_median(&[hm(9, 0), hm(10, 0), hm(11, 0), hm(22, 0)]),
            Some(hm(10, 30))
        );
        assert_eq!(circular_median(&[hm(2, 30); 5]), Some(hm(2, 30)));
    }

    #[test]
    fn regularity_rule() {
        // One gap anywhere is fine.
        assert!(is_regular(&[true, true, true, false, true, true], 4));
        assert!(is_regular(&[true, false], 4));
        // Two recent gaps: fine for an established pattern, not for a young one.
        assert!(is_regular(
            &[true; 11]
                .iter()
                .copied()
                .chain([false, true, false, true])
                .collect::<Vec<_>>(),
            4
        ));
        assert!(!is_regular(&[false, true, false, true], 4));
        // A day that stopped drops out even after a long history.
        assert!(!is_regular(
            &[true; 11]
                .iter()
                .copied()
                .chain([true, false, false, false])
                .collect::<Vec<_>>(),
            4
        ));
        // Fortnightly stays out, whatever the phase.
        let fortnightly: Vec<bool> = (0..13).map(|i| i % 2 == 0).collect();
        assert!(!is_regular(&fortnightly, 4));
        assert!(!is_regular(&fortnightly[1..], 4));
        assert!(!is_regular(&[], 4));
        assert!(!is_regular(&[false], 4));
    }

    #[test]
    fn daily_job() {
        let r = runs(start(), today(), hm(22, 0), |_| true);
        assert_eq!(
            learn(&r, start(), today()),
            Some(Schedule::Daily { time: hm(22, 0) })
        );
    }

    #[test]
    fn weekdays_only_job() {
        let r = runs(start(), today(), hm(21, 30), is_weekday);
        let s = learn(&r, start(), today()).unwrap();
        assert_eq!(s.to_string(), "Weekly: Mon, Tue, Wed, Thu, Fri");
        assert_eq!(s.time(), Some(hm(21, 30)));
    }

    #[test]
    fn mon_wed_fri_job() {
        let mwf = |d: NaiveDate| matches!(d.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri);
        let r = runs(start(), today(), hm(23, 0), mwf);
        assert_eq!(
            learn(&r, start(), today()).unwrap().to_string(),
            "Weekly: Mon, Wed, Fri"
        );
    }

    #[test]
    fn once_a_week_job() {
        let r = runs(start(), today(), hm(12, 0), |d| d.weekday() == Weekday::Sat);
        assert_eq!(
            learn(&r, start(), today()),
            Some(Schedule::weekly([Weekday::Sat], hm(12, 0)))
        );
    }

    #[test]
    fn weekly_job_learned_after_three_weeks() {
        let first = date(2025, 5, 26);
        let r = runs(first, today(), hm(12, 0), |d| d.weekday() == Weekday::Mon);
        assert_eq!(r.len(), 4);
        assert_eq!(
            learn(&r, first, date(2025, 6, 10)).unwrap().to_string(),
            "Weekly: Mon"
        );
        // Two runs are not enough.
        assert_eq!(learn(&r, first, date(2025, 6, 3)), None);
    }

    #[test]
    fn twice_monthly_job() {
        let first = date(2024, 11, 1);
        let r = runs(first, today(), hm(3, 0), |d| d.day() == 1 || d.day() == 15);
        let s = learn(&r, first, today()).unwrap();
        assert_eq!(s.to_string(), "Monthly: 1st, 15th");
        assert_eq!(s.time(), Some(hm(3, 0)));
    }

    #[test]
    fn end_of_month_job() {
        let first = date(2024, 10, 1);
        let r = runs(first, today(), hm(23, 0), is_month_end);
        assert_eq!(
            learn(&r, first, today()),
            Some(Schedule::monthly([MonthDay::Last], hm(23, 0)))
        );
    }

    #[test]
    fn day_thirty_job_is_not_end_of_month() {
        let first = date(2024, 10, 1);
        let r = runs(first, today(), hm(23, 0), |d| d.day() == 30);
        assert_eq!(
            learn(&r, first, today()).unwrap().to_string(),
            "Monthly: 30th"
        );
    }

    #[test]
    fn monthly_job_with_one_missing_month() {
        let first = date(2024, 11, 1);
        let r = runs(first, today(), hm(5, 0), |d| {
            d.day() == 10 && d.month() != 3
        });
        assert_eq!(
            learn(&r, first, today()).unwrap().to_string(),
            "Monthly: 10th"
        );
    }

    #[test]
    fn migrated_daily_to_mon_wed_fri() {
        // Daily until four weeks ago, then Mon/Wed/Fri only.
        let change = date(2025, 5, 19);
        let mwf = |d: NaiveDate| matches!(d.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri);
        let mut r = runs(start(), change, hm(22, 0), |_| true);
        r.extend(runs(change, today(), hm(22, 0), mwf));
        assert_eq!(
            learn(&r, start(), today()).unwrap().to_string(),
            "Weekly: Mon, Wed, Fri"
        );
        // Three weeks of the new pattern, up to the last run (Monday 9 June), are enough.
        let three_weeks = date(2025, 6, 10);
        assert_eq!(
            learn(&r, start(), three_weeks).unwrap().to_string(),
            "Weekly: Mon, Wed, Fri"
        );
    }

    #[test]
    fn migrated_weekly_to_daily_with_new_time() {
        // Saturdays at 12:00 for months, then daily at 01:00 for the last three weeks.
        let change = date(2025, 5, 28);
        let mut r = runs(start(), change, hm(12, 0), |d| d.weekday() == Weekday::Sat);
        r.extend(runs(change, today(), hm(1, 0), |_| true));
        assert_eq!(
            learn(&r, start(), today()),
            Some(Schedule::Daily { time: hm(1, 0) })
        );
    }

    #[test]
    fn migrated_monthly_to_weekly() {
        let change = date(2025, 5, 19);
        let mut r = runs(date(2024, 6, 1), change, hm(4, 0), |d| d.day() == 1);
        r.extend(runs(change, today(), hm(20, 0), |d| {
            d.weekday() == Weekday::Tue
        }));
        assert_eq!(
            learn(&r, date(2024, 6, 1), today()),
            Some(Schedule::weekly([Weekday::Tue], hm(20, 0)))
        );
    }

    #[test]
    fn holidays_do_not_break_learning() {
        // Weekdays-only job that skipped a Monday bank holiday and, weeks later, a Thursday.
        let skipped = [date(2025, 4, 21), date(2025, 5, 29)];
        let r = runs(start(), today(), hm(21, 0), |d| {
            is_weekday(d) && !skipped.contains(&d)
        });
        assert_eq!(
            learn(&r, start(), today()).unwrap().to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
        // A gap last week (the most recent Monday) does not break it either.
        let r = runs(start(), today(), hm(21, 0), |d| {
            is_weekday(d) && d != date(2025, 6, 16)
        });
        assert_eq!(
            learn(&r, start(), today()).unwrap().to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
        // Christmas and New Year, both Wednesdays, skipped by a daily job.
        let xmas = [date(2024, 12, 25), date(2025, 1, 1)];
        let r = runs(date(2024, 10, 1), date(2025, 1, 8), hm(22, 0), |d| {
            !xmas.contains(&d)
        });
        assert_eq!(
            learn(&r, date(2024, 10, 1), date(2025, 1, 8)),
            Some(Schedule::Daily { time: hm(22, 0) })
        );
    }

    #[test]
    fn young_job_with_one_gap() {
        // Two weeks old, one Tuesday missed.
        let first = date(2025, 6, 4);
        let r = runs(first, today(), hm(22, 0), |d| d != date(2025, 6, 10));
        assert_eq!(
            learn(&r, first, today()),
            Some(Schedule::Daily { time: hm(22, 0) })
        );
    }

    #[test]
    fn too_few_runs_or_too_short_learns_nothing() {
        let r = runs(date(2025, 6, 1), date(2025, 6, 3), hm(22, 0), |_| true);
        assert_eq!(learn(&r, date(2025, 6, 1), today()), None);
        // Several runs but less than a week observed.
        let first = date(2025, 6, 13);
        let r = runs(first, today(), hm(22, 0), |_| true);
        assert_eq!(r.len(), 5);
        assert_eq!(learn(&r, first, today()), None);
        // Three runs on one day are one day.
        let day = date(2025, 5, 1);
        let r = vec![at(day, hm(1, 0)), at(day, hm(2, 0)), at(day, hm(3, 0))];
        assert_eq!(learn(&r, day, today()), None);
        // Runs older than the monthly window are not evidence.
        let r = runs(date(2024, 1, 1), date(2024, 3, 1), hm(22, 0), |_| true);
        assert_eq!(learn(&r, date(2024, 1, 1), today()), None);
        assert_eq!(learn(&[], today(), today()), None);
    }

    #[test]
    fn stopped_job_keeps_its_schedule() {
        // Daily until five weeks ago, then nothing: still daily, so it keeps being missed.
        let r = runs(start(), date(2025, 5, 14), hm(22, 0), |_| true);
        assert_eq!(
            learn(&r, start(), today()),
            Some(Schedule::Daily { time: hm(22, 0) })
        );
        // Weekdays-only, silent for ten weeks.
        let r = runs(start(), date(2025, 4, 9), hm(21, 0), is_weekday);
        assert_eq!(
            learn(&r, start(), today()).unwrap().to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
        // Once its runs are older than the evidence window, nothing is learned any more.
        let r = runs(date(2024, 9, 1), date(2024, 12, 1), hm(21, 0), |_| true);
        assert_eq!(learn(&r, date(2024, 9, 1), today()), None);
    }

    #[test]
    fn job_created_after_its_first_runs() {
        // Mail waited in the Inbox; the job was created today from a week and a half of reports.
        let first = date(2025, 6, 8);
        let r = runs(first, today(), hm(22, 0), |_| true);
        let s = learn_schedule(&r, at(today(), hm(9, 0)), Amsterdam, today());
        assert_eq!(s, Some(Schedule::Daily { time: hm(22, 0) }));
    }

    #[test]
    fn todays_runs_wait_for_the_day_to_end() {
        // A weekly job with two past runs and one this morning: only whole days count, so the
        // third run is evidence from tomorrow on.
        let first = date(2025, 6, 4);
        let r = runs(first, date(2025, 6, 19), hm(1, 0), |d| {
            d.weekday() == Weekday::Wed
        });
        assert_eq!(r.len(), 3);
        assert_eq!(learn(&r, first, today()), None);
        assert_eq!(
            learn(&r, first, date(2025, 6, 19)),
            Some(Schedule::weekly([Weekday::Wed], hm(1, 0)))
        );
    }

    #[test]
    fn irregular_job() {
        // Runs on a scattered set of days that fits no weekday or day-of-month pattern.
        let r: Vec<DateTime<Utc>> = (0u64..40)
            .map(|i| at(start() + Days::new(i * i % 167), hm(10, 0)))
            .collect();
        assert_eq!(learn(&r, start(), today()), Some(Schedule::Irregular));
    }

    #[test]
    fn monthly_days_need_most_of_the_runs() {
        let from = date(2024, 12, 20);
        let to = date(2025, 6, 17);
        let steady: BTreeSet<NaiveDate> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| d.day() == 5)
            .collect();
        assert_eq!(monthly_days(&steady, from, to), vec![MonthDay::Day(5)]);
        // The same fifths among three times as many runs on ever other days: a busy irregular job
        // that happens to run on the 5th, not a monthly one.
        let busy: BTreeSet<NaiveDate> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| {
                let k = (d.month() % 12) + 8;
                d.day() == 5 || [k, k + 6, k + 12].contains(&d.day())
            })
            .collect();
        assert_eq!(monthly_days(&busy, from, to), vec![]);
    }

    #[test]
    fn around_midnight_job() {
        // Alternates between 23:50 and 00:05 the next day; the local date of a late run is the next
        // day, so the job still runs every day.
        let r: Vec<DateTime<Utc>> = (0u64..60)
            .map(|i| {
                let d = date(2025, 4, 1) + Days::new(i);
                if i % 2 == 0 {
                    at(d, hm(23, 50))
                } else {
                    at(d, hm(0, 5))
                }
            })
            .collect();
        let s = learn(&r, date(2025, 4, 1), date(2025, 6, 1)).unwrap();
        let t = s.time().unwrap();
        assert!(t >= hm(23, 50) || t <= hm(0, 5), "{t}");
    }

    #[test]
    fn dst_weeks_keep_local_time() {
        // A 02:30 job in Amsterdam across the last Sundays of March and October. On 30 March 2025
        // 02:30 does not exist; the scheduler runs at 03:30 local instead.
        let first = date(2025, 2, 1);
        let until = date(2025, 11, 20);
        let r: Vec<DateTime<Utc>> = first
            .iter_days()
            .take_while(|d| *d < until)
            .map(|d| {
                let t = if d == date(2025, 3, 30) {
                    hm(3, 30)
                } else {
                    hm(2, 30)
                };
                at(d, t)
            })
            .collect();
        // 26 October 2025: 02:30 happens twice; the job ran at the first one.
        assert_eq!(
            r.iter()
                .filter(|x| x.with_timezone(&Amsterdam).date_naive() == date(2025, 10, 26))
                .count(),
            1
        );
        for today in [date(2025, 4, 2), date(2025, 10, 28), date(2025, 11, 20)] {
            assert_eq!(
                learn(&r, first, today),
                Some(Schedule::Daily { time: hm(2, 30) }),
                "{today}"
            );
        }
    }

    #[test]
    fn timezone_decides_the_local_date() {
        // 23:30 in Amsterdam on Mondays is 21:30/22:30 UTC, still Monday; in UTC the same instants
        // are Monday too, but 00:30 Amsterdam on Tuesdays is Monday in UTC.
        let first = date(2025, 3, 3);
        let r = runs(first, today(), hm(0, 30), |d| d.weekday() == Weekday::Tue);
        assert_eq!(
            learn(&r, first, today()).unwrap().to_string(),
            "Weekly: Tue"
        );
        let s = learn_schedule(&r, at(first, hm(0, 0)), UTC, today()).unwrap();
        assert_eq!(s.to_string(), "Weekly: Mon");
        assert_eq!(s.time(), Some(hm(22, 30)));
    }
}
