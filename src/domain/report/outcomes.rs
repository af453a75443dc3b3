//! What became of one job's expected runs in a period.
//!
//! A scheduled job's expected runs are the slots of its schedule on the period's dates, from its
//! first report on (the slot that report satisfies included). Each real run goes to the slot it satisfies (the nearest expected instant within
//! 12 hours, as for Missed runs, so a 23:50 job reported at 00:05 counts for the evening before);
//! the slot's outcome is the status of its last run (a successful retry stands). A slot without a
//! run takes the status of its stored Missed run (an override may have made that a success), or is
//! Missed once its grace has passed, or is not yet reported. Runs on no slot are extra runs.
//! A job without a schedule (or listed apart) has one expected run per run it reported.

use super::input::{JobInput, RunInput};
use super::model::{Counts, Streak};
use super::period::Period;
use crate::domain::missed::{SATISFY_WINDOW, Slot, dated_ahead, satisfied_slot, slot_on};
use crate::domain::run_status::RunStatus;
use crate::domain::schedule::Schedule;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// One job's period, before it becomes part of the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct JobOutcome {
    pub counts: Counts,
    /// Outcome of every expected run of the period in time order (`Expected`: not yet due).
    pub slots: Vec<(NaiveDate, RunStatus)>,
    /// Runs on no slot, by local date.
    pub extra: Vec<(NaiveDate, RunStatus)>,
    /// Runs of the period (real and Missed) and how many minutes after each its review came.
    pub runs: u32,
    pub review_minutes: Vec<i64>,
}

struct SlotRuns<'a> {
    slot: Slot,
    real: Vec<&'a RunInput>,
    stored: Option<&'a RunInput>,
}

/// `runs`: the job's runs, any order, at least from the day before the period to the day after.
/// `counted`: false for jobs listed apart, which are never missed.
pub(super) fn job_outcome(
    job: &JobInput,
    runs: &[&RunInput],
    period: Period,
    tz: Tz,
    now: DateTime<Utc>,
    counted: bool,
) -> JobOutcome {
    let mut runs: Vec<&RunInput> = runs
        .iter()
        .copied()
        .filter(|r| !dated_ahead(r.run_at, now))
        .collect();
    runs.sort_by_key(|r| (r.run_at, r.missed_slot));
    let local = |at: DateTime<Utc>| at.with_timezone(&tz).date_naive();
    let mut out = JobOutcome::default();

    for r in &runs {
        if period.contains(local(r.run_at)) {
            out.runs += 1;
            if let Some(at) = r.reviewed_at {
                out.review_minutes
                    .push((at - r.run_at).num_minutes().max(0));
            }
        }
    }

    let schedule = job
        .schedule
        .as_ref()
        .filter(|s| counted && s.schedule != Schedule::Irregular);
    let Some(schedule) = schedule else {
        for r in &runs {
            let date = r.missed_slot.unwrap_or_else(|| local(r.run_at));
            if period.contains(date) {
                out.slots.push((date, r.status));
                out.counts.count(r.status);
            }
        }
        return out;
    };

    let first = period.from.pred_opt().unwrap_or(period.from);
    let last = period.to.succ_opt().unwrap_or(period.to);
    let mut slots: Vec<SlotRuns> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter_map(|d| slot_on(&schedule.schedule, tz, d))
        // The first report itself may come a little after its slot: that slot counts.
        .filter(|s| s.expected + SATISFY_WINDOW >= job.existed_from)
        .map(|slot| SlotRuns {
            slot,
            real: Vec::new(),
            stored: None,
        })
        .collect();
    let plain: Vec<Slot> = slots.iter().map(|s| s.slot).collect();

    for r in &runs {
        match r.missed_slot {
            None => match satisfied_slot(r.run_at, &plain) {
                Some(hit) => {
                    if let Some(s) = slots.iter_mut().find(|s| s.slot == hit) {
                        s.real.push(r);
                    }
                }
                None if period.contains(local(r.run_at)) => {
                    out.extra.push((local(r.run_at), r.status));
                    out.counts.extra_runs += 1;
                }
                None => {}
            },
            Some(date) => match slots.iter_mut().find(|s| s.slot.date == date) {
                Some(s) => s.stored = Some(r),
                // A Missed run of a slot the schedule no longer has: still an expected run.
                None if period.contains(date) => slots.push(SlotRuns {
                    slot: Slot {
                        date,
                        expected: r.run_at,
                    },
                    real: Vec::new(),
                    stored: Some(r),
                }),
                None => {}
            },
        }
    }
    slots.sort_by_key(|s| s.slot.expected);

    for s in slots.iter().filter(|s| period.contains(s.slot.date)) {
        let outcome = if let Some(last) = s.real.last() {
            last.status
        } else if let Some(stored) = s.stored {
            stored.status
        } else if s.slot.expected + schedule.grace <= now {
            RunStatus::Missed
        } else {
            RunStatus::Expected
        };
        out.slots.push((s.slot.date, outcome));
        out.counts.count(outcome);
    }
    out
}

/// The worst outcome per date of the period (expected runs by slot date, extra runs by date).
pub(super) fn day_strip(out: &JobOutcome, period: Period) -> Vec<(NaiveDate, Option<RunStatus>)> {
    period
        .dates()
        .map(|date| {
            let worst = out
                .slots
                .iter()
                .chain(&out.extra)
                .filter(|(d, _)| *d == date)
                .map(|(_, s)| *s)
                .max();
            (date, worst)
        })
        .collect()
}

/// The longest run of consecutive expected runs that failed or were missed; the earlier one on a
/// tie.
pub(super) fn longest_streak(slots: &[(NaiveDate, RunStatus)]) -> Option<Streak> {
    let mut best: Option<Streak> = None;
    let mut current: Option<Streak> = None;
    for (date, status) in slots {
        if matches!(status, RunStatus::Failed | RunStatus::Missed) {
            let s = current.get_or_insert(Streak {
                length: 0,
                from: *date,
                to: *date,
            });
            s.length += 1;
            s.to = *date;
            if best.is_none_or(|b| s.length > b.length) {
                best = Some(*s);
            }
        } else {
            current = None;
        }
    }
    best
}

/// The median of `values` (the mean of the middle two for an even count).
pub(super) fn median(values: &[i64]) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => v.get(n / 2).copied(),
        _ => Some((v.get(n / 2 - 1)? + v.get(n / 2)?) / 2),
    }
}
