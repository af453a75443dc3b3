//! Job schedules: learned from the times a job really ran, or pinned by an operator.
//!
//! Learning works on *slots*, not on the runs' own dates: each run is assigned to the local date
//! whose expected instant it is nearest to (within 12 hours, DST-correct), so a 23:50 job that ran
//! at 00:05 counts for the evening before. Only whole days before `today` count (a day still in
//! progress is no evidence that a run is missing), and only the period that ends with the job's
//! last run: silence after the last run is no new schedule, so a job that stopped keeps its
//! pattern — and its missed runs — until its runs leave the evidence window.
//!
//! 1. Nothing is learned from fewer than [`MIN_RUN_DAYS`] slots with a run in the
//!    [`MONTHLY_WINDOW_DAYS`] days before today, or from less than a week of observation.
//! 2. Weekdays, over the last [`WEEKLY_WINDOW_DAYS`] days the job existed: each weekday's dates form a
//!    series of "had a run or not". A weekday counts when the series is *regular* (see
//!    [`is_regular`]): nearly every one of its last 4 dates had a run, or it had a run on at least
//!    60% of all its dates and was not silent on the last 3. All seven → Daily, some → Weekly.
//!    Misses (even two in a row) never erase the schedule that makes them misses, while a changed
//!    schedule (a migrated job) wins after three weeks.
//! 3. Otherwise the same test per day of the month (and for "last day of the month") over the last
//!    [`MONTHLY_WINDOW_DAYS`] days, with the last 3 months as the recent part, at least two runs on
//!    the day (one for a young job's second day), and only when those days hold most of the job's
//!    runs → Monthly.
//! 4. Otherwise Irregular: never missed.
//!
//! The expected time of day is the early side (the 10% quantile) of the recent run times on
//! scheduled slots — a report comes after its job started — taken on the clock circle so a job
//! around midnight gets a time around midnight, on the evening it starts.

use crate::domain::missed::local_instant;
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
/// Share of recent report times that come before the expected time of day (see `expected_time`).
const TIME_QUANTILE: f64 = 0.1;

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
/// Read by [`super::schedule_json`], which reads what this writes without serde's buffering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

    /// The same days at another time of day; Irregular stays Irregular.
    pub fn with_time(self, time: NaiveTime) -> Schedule {
        match self {
            Schedule::Daily { .. } => Schedule::Daily { time },
            Schedule::Weekly { days, .. } => Schedule::Weekly { days, time },
            Schedule::Monthly { days, .. } => Schedule::Monthly { days, time },
            Schedule::Irregular => Schedule::Irregular,
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
///
/// Each run is first assigned to the slot it satisfies (see [`assign_slots`]); the pattern is
/// learned from those slot dates, not from the runs' own dates. The time of day comes first from
/// all recent runs, then again from the runs on the days of the pattern, and the runs are assigned
/// once more with that time, so a few odd runs cannot pull the slots off.
pub fn learn_schedule(
    runs: &[DateTime<Utc>],
    created: DateTime<Utc>,
    tz: Tz,
    today: NaiveDate,
) -> Option<Schedule> {
    learn_schedule_lasting(runs, created, tz, today).schedule
}

/// A learned schedule, and how long learning again from the same runs gives the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    pub schedule: Option<Schedule>,
    /// The first local day on which the same runs may give another answer; `None` when only a
    /// change of the runs (or of the time zone) can change it. Learning looks only at whole days
    /// before today, so it depends on the day in two ways: runs of today or later are left out
    /// (tomorrow they count), and the evidence of a job that stopped runs out when its third
    /// newest slot leaves the [`MONTHLY_WINDOW_DAYS`] window. Every other window ends at the
    /// job's last run, not at today.
    pub relearn_on: Option<NaiveDate>,
}

/// What [`learn_schedule_lasting`] notes of the day-dependence while it learns.
#[derive(Default)]
struct DayDependence {
    /// A run was left out for being of today or later.
    left_out: bool,
    /// The earliest day the evidence check of a pattern would fail.
    runs_out: Option<NaiveDate>,
}

/// [`learn_schedule`], with the day from which the answer may change without new runs.
pub fn learn_schedule_lasting(
    runs: &[DateTime<Utc>],
    created: DateTime<Utc>,
    tz: Tz,
    today: NaiveDate,
) -> Learned {
    let mut day = DayDependence::default();
    let schedule = learn_noting(runs, created, tz, today, &mut day);
    let relearn_on = if day.left_out {
        today.succ_opt()
    } else if schedule.is_some() {
        day.runs_out
    } else {
        // Without new runs the evidence only shrinks: nothing learned stays nothing.
        None
    };
    Learned {
        schedule,
        relearn_on,
    }
}

fn learn_noting(
    runs: &[DateTime<Utc>],
    created: DateTime<Utc>,
    tz: Tz,
    today: NaiveDate,
    day: &mut DayDependence,
) -> Option<Schedule> {
    let local = local_times(runs, tz);
    day.left_out = local.iter().any(|(d, _)| *d >= today);
    let last_date = local.iter().map(|(d, _)| *d).filter(|d| *d < today).max()?;
    let recent_from = days_before(last_date, TIME_WINDOW_WEEKLY_DAYS)?;
    let recent_times: Vec<NaiveTime> = local
        .iter()
        .filter(|(d, _)| *d >= recent_from && *d < today)
        .map(|(_, t)| *t)
        .collect();
    let first_guess = circular_median(&recent_times)?;
    let slots = assign_local_slots(runs, &local, first_guess, tz, today);
    day.left_out |= slots.len() < runs.len();
    let probe = pattern(&slots, created, tz, today, day)?;
    let Some(time) = expected_time(&slots, &probe, last_date) else {
        return Some(probe);
    };
    let slots = assign_local_slots(runs, &local, time, tz, today);
    day.left_out |= slots.len() < runs.len();
    let schedule = pattern(&slots, created, tz, today, day)?;
    match expected_time(&slots, &schedule, last_date) {
        Some(time) => Some(schedule.with_time(time)),
        None => Some(schedule),
    }
}

/// The local slot date each run satisfies when the job runs at `time` in `tz`: of the day before,
/// the day itself and the day after, the one whose expected instant is nearest (DST-correct, so
/// within 12 hours). A job expected at 23:50 that ran at 00:05 belongs to the evening before.
/// Runs whose slot is `today` or later are left out: a day in progress is no evidence. Each entry
/// is (slot date, the run's local time of day).
pub fn assign_slots(
    runs: &[DateTime<Utc>],
    time: NaiveTime,
    tz: Tz,
    today: NaiveDate,
) -> Vec<(NaiveDate, NaiveTime)> {
    let local = local_times(runs, tz);
    assign_local_slots(runs, &local, time, tz, today)
}

/// Each run's local date and time of day in `tz`.
fn local_times(runs: &[DateTime<Utc>], tz: Tz) -> Vec<(NaiveDate, NaiveTime)> {
    runs.iter()
        .map(|r| {
            let l = r.with_timezone(&tz);
            (l.date_naive(), l.time())
        })
        .collect()
}

/// [`assign_slots`] with each run's local date and time (`local`, same order) already known.
/// The expected instant of a date is worked out once, not once per run and neighbour: a job's
/// runs come oldest first, so the dates asked for move forward and a few remembered suffice.
fn assign_local_slots(
    runs: &[DateTime<Utc>],
    local: &[(NaiveDate, NaiveTime)],
    time: NaiveTime,
    tz: Tz,
    today: NaiveDate,
) -> Vec<(NaiveDate, NaiveTime)> {
    let mut known: [Option<(NaiveDate, Option<DateTime<Utc>>)>; 4] = [None; 4];
    let mut next = 0;
    let mut expected = |d: NaiveDate| -> Option<DateTime<Utc>> {
        if let Some((_, at)) = known.iter().flatten().find(|(k, _)| *k == d) {
            return *at;
        }
        let at = local_instant(tz, d, time);
        known[next] = Some((d, at));
        next = (next + 1) % known.len();
        at
    };
    runs.iter()
        .zip(local)
        .filter_map(|(r, &(own, own_time))| {
            let slot = [own.pred_opt(), Some(own), own.succ_opt()]
                .into_iter()
                .flatten()
                .filter_map(|d| Some((d, expected(d)?)))
                .min_by_key(|(d, at)| ((*r - *at).abs(), *d))?
                .0;
            (slot < today).then_some((slot, own_time))
        })
        .collect()
}

/// The pattern (with a placeholder time) of a job whose runs fell on these slot dates.
fn pattern(
    slots: &[(NaiveDate, NaiveTime)],
    created: DateTime<Utc>,
    tz: Tz,
    today: NaiveDate,
    day: &mut DayDependence,
) -> Option<Schedule> {
    let run_dates: BTreeSet<NaiveDate> = slots.iter().map(|(d, _)| *d).collect();
    let created_date = created.with_timezone(&tz).date_naive();
    let existed_from = run_dates
        .first()
        .map_or(created_date, |first| (*first).min(created_date));

    let evidence_from = days_before(today, MONTHLY_WINDOW_DAYS)?;
    // The check below holds while this slot is in the window, and fails from the day after.
    if let Some(third_newest) = run_dates.iter().rev().nth(MIN_RUN_DAYS - 1)
        && let Some(gone) = third_newest.checked_add_days(Days::new(MONTHLY_WINDOW_DAYS + 1))
    {
        day.runs_out = Some(day.runs_out.map_or(gone, |d| d.min(gone)));
    }
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
        return Some(Schedule::weekly(weekly, NaiveTime::MIN));
    }
    let monthly = monthly_days(&run_dates, monthly_from, end);
    Some(Schedule::monthly(monthly, NaiveTime::MIN))
}

/// Whether a day (a weekday, a day of the month) with this "had a run" series, oldest first, is part
/// of the schedule. It counts when
/// - its recent part (last `recent` entries) had a run every time but at most once — so a new
///   pattern wins once it has held for `recent - 1` times; or
/// - it had a run on at least 60% of the whole series and its last `recent - 1` entries were not
///   all without a run — so misses, even two in a row, never erase the schedule that makes them
///   misses, yet a day that stopped drops out after `recent - 1` silent times in a row.
///
/// 60% rather than a bare majority keeps a fortnightly job (50%) from flipping in and out.
pub fn is_regular(series: &[bool], recent: usize) -> bool {
    let recent_part: Vec<bool> = series.iter().rev().take(recent).copied().collect();
    let recent_len = recent_part.len();
    if recent_len == 0 {
        return false;
    }
    let recent_runs = recent_part.iter().filter(|r| **r).count();
    let all_runs = series.iter().filter(|r| **r).count();
    let silent_lately = series.iter().rev().take_while(|r| !**r).count();
    let recent_steady = recent_runs >= recent_len.saturating_sub(1).max(1);
    let stopped = silent_lately >= recent.saturating_sub(1).max(1);
    let established = all_runs * 5 >= series.len() * 3 && !stopped;
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

/// Most days a monthly pattern with a day seen only once may have: beyond that, single runs are
/// more likely chance than schedule.
const MAX_MONTHLY_DAYS_WITH_SINGLES: usize = 4;

/// Days of the month with a regular series and at least two runs, when together they hold at least
/// two thirds of the runs (a guard against a busy irregular job that hits some days by chance).
/// A day that had only two chances so far (a young job) counts with one run when another day
/// already has two: a 1st-and-15th job with one missing 15th is still a 1st-and-15th job.
/// "Last" replaces the days 28–31 whose runs all fell on a month's last day.
fn monthly_days(run_dates: &BTreeSet<NaiveDate>, from: NaiveDate, to: NaiveDate) -> Vec<MonthDay> {
    let in_window: Vec<NaiveDate> = run_dates
        .iter()
        .copied()
        .filter(|d| *d >= from && *d <= to)
        .collect();
    let candidates: Vec<(MonthDay, Vec<bool>)> = (1..=31u8)
        .map(MonthDay::Day)
        .chain([MonthDay::Last])
        .map(|md| (md, series(run_dates, from, to, |d| md.is(d))))
        .collect();
    let hits = |s: &[bool]| s.iter().filter(|r| **r).count();
    let mut days: Vec<MonthDay> = candidates
        .iter()
        .filter(|(_, s)| hits(s) >= 2 && is_regular(s, RECENT_MONTHS))
        .map(|(md, _)| *md)
        .collect();
    if !days.is_empty() {
        let singles: Vec<MonthDay> = candidates
            .iter()
            .filter(|(_, s)| s.len() <= 2 && hits(s) == 1)
            .map(|(md, _)| *md)
            .collect();
        if days.len() + singles.len() <= MAX_MONTHLY_DAYS_WITH_SINGLES {
            days.extend(singles);
            days.sort();
        }
    }
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

/// The expected time of day: the [`TIME_QUANTILE`] of the run times on due slots of `schedule` in
/// the recent window before the last slot `end` (four weeks for weekday patterns, three months for
/// monthly ones), or of all runs on due slots when none is that recent. A report arrives after its
/// job started, so the early side of the times is nearer the schedule than their median; for a
/// job around midnight it keeps the slot on the evening the job starts. Taken on the clock circle,
/// so a late run just after midnight stays next to the evening it belongs to.
fn expected_time(
    slots: &[(NaiveDate, NaiveTime)],
    schedule: &Schedule,
    end: NaiveDate,
) -> Option<NaiveTime> {
    let window = match schedule {
        Schedule::Monthly { .. } => TIME_WINDOW_MONTHLY_DAYS,
        _ => TIME_WINDOW_WEEKLY_DAYS,
    };
    let recent_from = days_before(end, window)?;
    let due: Vec<(NaiveDate, NaiveTime)> = slots
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
        circular_quantile(
            &due.iter().map(|(_, t)| *t).collect::<Vec<_>>(),
            TIME_QUANTILE,
        )
    } else {
        circular_quantile(&recent, TIME_QUANTILE)
    }
}

/// Median of times of day on the clock circle, to the minute: the circle is cut at the widest gap
/// between the times, so 23:50 and 00:05 give 23:57, not noon. `None` for no times.
pub fn circular_median(times: &[NaiveTime]) -> Option<NaiveTime> {
    let unwrapped = unwrapped_circle(times);
    let n = unwrapped.len();
    let mid = unwrapped.get(n / 2).copied()?;
    let median = if n % 2 == 1 {
        mid
    } else {
        (unwrapped.get(n / 2 - 1).copied()? + mid) / 2
    };
    time_of_day(median)
}

/// The time of day below which a share `q` (0..=1) of `times` lie, on the clock circle cut at the
/// widest gap like [`circular_median`], to the minute. `None` for no times.
pub fn circular_quantile(times: &[NaiveTime], q: f64) -> Option<NaiveTime> {
    let unwrapped = unwrapped_circle(times);
    let last = unwrapped.len().checked_sub(1)?;
    // Truncation picks the lower neighbour, which is what a quantile of run times should do.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((last as f64) * q.clamp(0.0, 1.0)) as usize;
    time_of_day(unwrapped.get(index.min(last)).copied()?)
}

/// Seconds since midnight of `times`, sorted, starting after the widest gap between neighbours
/// (the gap across midnight included); values after the wrap get a day added.
fn unwrapped_circle(times: &[NaiveTime]) -> Vec<i64> {
    let mut secs: Vec<i64> = times
        .iter()
        .map(|t| i64::from(t.num_seconds_from_midnight()))
        .collect();
    secs.sort_unstable();
    let (Some(&first), Some(&last)) = (secs.first(), secs.last()) else {
        return secs;
    };
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
    after
        .iter()
        .copied()
        .chain(before.iter().map(|s| s + SECONDS_PER_DAY))
        .collect()
}

fn time_of_day(seconds: i64) -> Option<NaiveTime> {
    let minutes = seconds.rem_euclid(SECONDS_PER_DAY) / 60;
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
#[path = "schedule_relearn_tests.rs"]
mod relearn_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Amsterdam;
    use chrono_tz::UTC;

    pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub(super) fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// A run at local `time` on local `day` in Amsterdam.
    pub(super) fn at(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        Amsterdam
            .from_local_datetime(&day.and_time(time))
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Runs at `time` on every date from `from` up to (not including) `until` that `pick` selects.
    pub(super) fn runs(
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

    /// A run at local `time` on local `day` in `tz`, as a scheduler does it (a time in the spring
    /// gap runs an hour later, a doubled time runs at the first).
    fn at_in(tz: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        local_instant(tz, day, time).unwrap()
    }

    fn utc_at(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        Utc.from_utc_datetime(&day.and_time(time))
    }

    #[test]
    fn runs_are_assigned_to_the_slot_they_satisfy() {
        let tz = Amsterdam;
        let t = hm(23, 50);
        let late = at(date(2025, 6, 10), hm(0, 5));
        let early = at(date(2025, 6, 9), hm(23, 40));
        let noon = at(date(2025, 6, 9), hm(12, 0));
        let assigned = assign_slots(&[late, early, noon], t, tz, today());
        assert_eq!(
            assigned.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
            vec![date(2025, 6, 9), date(2025, 6, 9), date(2025, 6, 9)]
        );
        // A slot of today or later is no evidence yet.
        let tonight = at(today(), hm(23, 55));
        let after_midnight = at(today(), hm(0, 5));
        assert_eq!(
            assign_slots(&[tonight, after_midnight], t, tz, today()),
            vec![(date(2025, 6, 17), hm(0, 5))]
        );
    }

    #[test]
    fn near_midnight_weekdays_job_late_after_midnight() {
        // Mon, Wed and Fri at 23:50; most runs finish their report just after midnight, on
        // Tuesday, Thursday and Saturday by their own date.
        let mwf = |d: NaiveDate| matches!(d.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri);
        let r: Vec<DateTime<Utc>> = date(2025, 4, 1)
            .iter_days()
            .take_while(|d| *d < today())
            .filter(|d| mwf(*d))
            .enumerate()
            .map(|(i, d)| {
                if i % 3 == 0 {
                    at(d, hm(23, 52))
                } else {
                    at(d + Days::new(1), hm(0, 4))
                }
            })
            .collect();
        let s = learn(&r, date(2025, 4, 1), today()).unwrap();
        assert_eq!(s.to_string(), "Weekly: Mon, Wed, Fri");
        let t = s.time().unwrap();
        assert!(t >= hm(23, 50) || t <= hm(0, 5), "{t}");
    }

    #[test]
    fn near_midnight_mon_to_fri_job_over_sixty_days() {
        // Mon–Fri at 23:58, late by a few minutes every other night.
        let first = date(2025, 4, 19);
        let r: Vec<DateTime<Utc>> = first
            .iter_days()
            .take_while(|d| *d < today())
            .filter(|d| is_weekday(*d))
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 0 {
                    at(d, hm(23, 58))
                } else {
                    at(d + Days::new(1), hm(0, 3))
                }
            })
            .collect();
        assert_eq!(
            learn(&r, first, today()).unwrap().to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
    }

    #[test]
    fn two_recent_misses_in_a_row_keep_the_weekday() {
        // Mon–Fri for months; the last two Tuesdays did not run. Those are misses to report, not
        // a new schedule.
        let skipped = [date(2025, 6, 10), date(2025, 6, 17)];
        let r = runs(start(), today(), hm(21, 0), |d| {
            is_weekday(d) && !skipped.contains(&d)
        });
        assert_eq!(
            learn(&r, start(), today()).unwrap().to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
        // The same for a young job, eight weeks old.
        let first = date(2025, 4, 21);
        let r = runs(first, today(), hm(21, 0), |d| {
            is_weekday(d) && !skipped.contains(&d)
        });
        assert_eq!(
            learn(&r, first, today()).unwrap().to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
    }

    #[test]
    fn a_fifth_of_the_slots_missing_keeps_the_schedule() {
        // Every fifth slot missing, spread over the weekdays, including the most recent ones.
        let first = date(2025, 4, 19);
        let r = runs(first, today(), hm(22, 15), |d| d.ordinal() % 5 != 0);
        assert_eq!(
            learn(&r, first, today()),
            Some(Schedule::Daily { time: hm(22, 15) })
        );
        let r = runs(first, today(), hm(20, 0), |d| {
            is_weekday(d) && d.ordinal() % 5 != 2
        });
        assert_eq!(
            learn(&r, first, today()).unwrap().to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
    }

    #[test]
    fn first_and_fifteenth_with_one_missing_fifteenth() {
        // Sixty days of history: 1st and 15th of April/May/June, the 15th of May missing.
        let first = date(2025, 4, 19);
        let r = runs(first, today(), hm(3, 0), |d| {
            (d.day() == 1 || d.day() == 15) && d != date(2025, 5, 15)
        });
        assert_eq!(r.len(), 3);
        let s = learn(&r, first, today()).unwrap();
        assert_eq!(s.to_string(), "Monthly: 1st, 15th");
        assert_eq!(s.time(), Some(hm(3, 0)));
        // And over six months with the latest 15th missing.
        let first = date(2024, 12, 20);
        let r = runs(first, today(), hm(3, 0), |d| {
            (d.day() == 1 || d.day() == 15) && d != date(2025, 6, 15)
        });
        assert_eq!(
            learn(&r, first, today()).unwrap().to_string(),
            "Monthly: 1st, 15th"
        );
    }

    #[test]
    fn single_runs_of_a_busy_job_make_no_monthly_days() {
        // Runs on a handful of scattered days, each day once: no anchor day, nothing monthly.
        let first = date(2025, 4, 19);
        let days = [
            date(2025, 4, 23),
            date(2025, 5, 2),
            date(2025, 5, 19),
            date(2025, 6, 6),
        ];
        let r: Vec<DateTime<Utc>> = days.iter().map(|d| at(*d, hm(10, 0))).collect();
        assert_eq!(learn(&r, first, today()), Some(Schedule::Irregular));
    }

    #[test]
    fn changed_from_weekdays_to_saturdays() {
        // Mon–Fri at 21:00 until four weeks ago, then Saturdays only at 21:00.
        let change = date(2025, 5, 19);
        let mut r = runs(start(), change, hm(21, 0), is_weekday);
        r.extend(runs(change, today(), hm(21, 0), |d| {
            d.weekday() == Weekday::Sat
        }));
        assert_eq!(
            learn(&r, start(), today()),
            Some(Schedule::weekly([Weekday::Sat], hm(21, 0)))
        );
    }

    /// Learns from `runs` less the one at `skip` and checks what missed-run detection would make of
    /// it at noon of `today`: exactly one Missed slot, expected within 90 minutes of the skipped
    /// run. Returns the schedule.
    fn learn_and_miss_one(
        runs: &[DateTime<Utc>],
        skip: DateTime<Utc>,
        first: DateTime<Utc>,
        tz: Tz,
        today: NaiveDate,
    ) -> Schedule {
        use crate::domain::missed::{DEFAULT_GRACE, missed_slots};
        let kept: Vec<DateTime<Utc>> = runs.iter().copied().filter(|r| *r != skip).collect();
        assert_eq!(
            kept.len() + 1,
            runs.len(),
            "the skipped run is one of the runs"
        );
        let learned = learn_schedule(&kept, first, tz, today).expect("learned");
        let effective = EffectiveSchedule {
            schedule: learned.clone(),
            grace: DEFAULT_GRACE,
            source: ScheduleSource::Learned,
        };
        let now = at_in(tz, today, hm(12, 0));
        let missed = missed_slots(&effective, false, first, &kept, tz, now);
        assert_eq!(missed.len(), 1, "{today} {learned:?}: {missed:?}");
        let off = (missed[0].expected - skip).abs();
        assert!(
            off <= TimeDelta::minutes(90),
            "{today}: {missed:?} vs {skip}"
        );
        learned
    }

    #[test]
    fn dst_spring_and_autumn_in_amsterdam_near_midnight() {
        // A server clock in UTC runs the job at 22:30 UTC Mon–Fri: 23:30 local in winter, 00:30
        // local (the next day) in summer. The runs cross midnight at each DST change; whichever
        // local days the schedule is named by, its slots are the job's runs, and one run left
        // out in the DST week is exactly one Missed run.
        let weekdays_utc = |from: NaiveDate, until: NaiveDate| -> Vec<DateTime<Utc>> {
            from.iter_days()
                .take_while(|d| *d < until)
                .filter(|d| is_weekday(*d))
                .map(|d| utc_at(d, hm(22, 30)))
                .collect()
        };
        let five_days =
            |s: &Schedule| matches!(s, Schedule::Weekly { days, .. } if days.len() == 5);
        // Spring: Sunday 30 March 2025; the run of Monday 31 March is left out.
        let first = utc_at(date(2025, 2, 10), hm(0, 0));
        let r = weekdays_utc(date(2025, 2, 10), date(2025, 4, 16));
        let skip = utc_at(date(2025, 3, 31), hm(22, 30));
        for today in [date(2025, 4, 2), date(2025, 4, 7)] {
            let s = learn_and_miss_one(&r, skip, first, Amsterdam, today);
            assert!(five_days(&s), "{today}: {s}");
        }
        assert_eq!(
            learn(&r, date(2025, 2, 10), date(2025, 4, 2))
                .unwrap()
                .to_string(),
            "Weekly: Mon, Tue, Wed, Thu, Fri"
        );
        // Autumn: Sunday 26 October 2025; the run of Monday 27 October is left out.
        let first = utc_at(date(2025, 9, 15), hm(0, 0));
        let r = weekdays_utc(date(2025, 9, 15), date(2025, 11, 12));
        let skip = utc_at(date(2025, 10, 27), hm(22, 30));
        for today in [date(2025, 10, 29), date(2025, 11, 3)] {
            let s = learn_and_miss_one(&r, skip, first, Amsterdam, today);
            assert!(five_days(&s), "{today}: {s}");
        }
    }

    #[test]
    fn dst_spring_and_autumn_in_new_york() {
        use chrono_tz::America::New_York;
        let ny = New_York;
        // A 02:30 local job: on 9 March 2025 02:30 does not exist (runs at 03:30), on 2 November
        // 2025 it happens twice (runs at the first). Tue/Thu/Sat, plus a one-off run on each of
        // those two Sundays.
        let pick = |d: NaiveDate| matches!(d.weekday(), Weekday::Tue | Weekday::Thu | Weekday::Sat);
        let r: Vec<DateTime<Utc>> = date(2025, 1, 20)
            .iter_days()
            .take_while(|d| *d < date(2025, 11, 20))
            .filter(|d| pick(*d) || *d == date(2025, 3, 9) || *d == date(2025, 11, 2))
            .map(|d| at_in(ny, d, hm(2, 30)))
            .collect();
        for today in [date(2025, 3, 12), date(2025, 11, 5)] {
            let s = learn_schedule(&r, at_in(ny, date(2025, 1, 20), hm(0, 0)), ny, today);
            assert_eq!(
                s,
                Some(Schedule::weekly(
                    [Weekday::Tue, Weekday::Thu, Weekday::Sat],
                    hm(2, 30)
                )),
                "{today}"
            );
        }
        // A daily job on UTC 04:30: 23:30 local in winter, 00:30 in summer, around both changes.
        let r: Vec<DateTime<Utc>> = date(2025, 2, 1)
            .iter_days()
            .take_while(|d| *d < date(2025, 3, 26))
            .map(|d| utc_at(d, hm(4, 30)))
            .collect();
        let skip = utc_at(date(2025, 3, 10), hm(4, 30));
        let first = utc_at(date(2025, 2, 1), hm(0, 0));
        let s = learn_and_miss_one(&r, skip, first, ny, date(2025, 3, 12));
        assert!(matches!(s, Schedule::Daily { .. }), "{s:?}");
        let r: Vec<DateTime<Utc>> = date(2025, 9, 20)
            .iter_days()
            .take_while(|d| *d < date(2025, 11, 12))
            .map(|d| utc_at(d, hm(4, 30)))
            .collect();
        let skip = utc_at(date(2025, 11, 3), hm(4, 30));
        let first = utc_at(date(2025, 9, 20), hm(0, 0));
        let s = learn_and_miss_one(&r, skip, first, ny, date(2025, 11, 5));
        assert!(matches!(s, Schedule::Daily { .. }), "{s:?}");
    }
}
