//! Missed runs: the expected slots of a job's schedule that passed without a real run.
//!
//! A slot is one due local date of the schedule with its expected instant (the schedule's time of
//! day on that date in the configured timezone). A real run satisfies a slot when it lies within
//! [`SATISFY_WINDOW`] of the expected instant, either side, so a late run just after midnight still
//! counts for the evening before. A slot is missed once expected + grace has passed unsatisfied.

use crate::domain::schedule::{EffectiveSchedule, Schedule};
use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Grace after the expected time before a slot counts as missed, unless settings say otherwise.
pub const DEFAULT_GRACE: TimeDelta = TimeDelta::hours(4);
/// How far either side of the expected instant a real run satisfies the slot.
pub const SATISFY_WINDOW: TimeDelta = TimeDelta::hours(12);
/// How many days before today missed slots are still created.
pub const BACKFILL_DAYS: u64 = 7;

/// How far ahead of now a mail's date may be before it counts as dated in the future: clocks
/// of senders drift by seconds or minutes, not more.
pub const AHEAD_TOLERANCE: TimeDelta = TimeDelta::minutes(5);

/// Whether a report dated `at` claims a time ahead of `now` (a sender whose clock is wrong). Such
/// a run is kept and shown, flagged, but satisfies no slot until its time has come.
pub fn dated_ahead(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    at - now > AHEAD_TOLERANCE
}

/// One expected run of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Slot {
    /// The local date the run was due (the key of a Missed run: one per job and date).
    pub date: NaiveDate,
    /// The instant it was expected.
    pub expected: DateTime<Utc>,
}

/// Where a slot stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    /// A real run satisfies it.
    Satisfied,
    /// No run yet, but expected + grace is still ahead (Daily Jobs shows "Expected").
    Expected,
    /// No run and the grace has passed.
    Missed,
}

/// The instant of local `date` `time` in `tz`. A time that does not exist (the spring-forward gap)
/// is moved forward by the length of the gap, as schedulers do (02:30 becomes 03:30); a time that
/// occurs twice (fall-back) is the earlier one.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => {
            // Read the local time with the offset in force just before the gap.
            let before = (1..=48)
                .filter_map(|h| local.checked_sub_signed(TimeDelta::hours(h)))
                .find_map(|earlier| tz.from_local_datetime(&earlier).earliest())?;
            let offset = TimeDelta::seconds(i64::from(before.offset().fix().local_minus_utc()));
            local
                .checked_sub_signed(offset)
                .map(|utc| Utc.from_utc_datetime(&utc))
        }
    }
}

/// The slot of `schedule` on local `date`, if a run is due that day.
pub fn slot_on(schedule: &Schedule, tz: Tz, date: NaiveDate) -> Option<Slot> {
    if !schedule.is_due_on(date) {
        return None;
    }
    let expected = local_instant(tz, date, schedule.time()?)?;
    Some(Slot { date, expected })
}

/// Whether `run` lies within the satisfy window of `expected`.
fn satisfies(run: DateTime<Utc>, expected: DateTime<Utc>) -> bool {
    (run - expected).abs() <= SATISFY_WINDOW
}

/// The state of `slot` at `now`, given the job's real run times.
pub fn slot_state(
    slot: &Slot,
    grace: TimeDelta,
    runs: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> SlotState {
    if runs.iter().any(|r| satisfies(*r, slot.expected)) {
        SlotState::Satisfied
    } else if slot.expected + grace <= now {
        SlotState::Missed
    } else {
        SlotState::Expected
    }
}

/// The slots a Missed run should exist for at `now`: due dates from [`BACKFILL_DAYS`] before today
/// up to today (local dates in `tz`), expected no earlier than `existed_from` (when the job's first
/// report came, or its creation when it has none), unsatisfied by any of `runs` (the job's real
/// runs, Missed runs excluded) once the schedule's grace has passed. A run dated after `now` (a
/// sender's clock ahead) satisfies nothing. Informational jobs and Irregular schedules have none.
/// The caller skips archived jobs and inactive customers and creates each slot idempotently.
pub fn missed_slots(
    schedule: &EffectiveSchedule,
    informational: bool,
    existed_from: DateTime<Utc>,
    runs: &[DateTime<Utc>],
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    if informational {
        return Vec::new();
    }
    let runs: Vec<DateTime<Utc>> = runs.iter().copied().filter(|r| *r <= now).collect();
    let today = now.with_timezone(&tz).date_naive();
    let Some(first) = today.checked_sub_days(Days::new(BACKFILL_DAYS)) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| *d <= today)
        .filter_map(|d| slot_on(&schedule.schedule, tz, d))
        .filter(|s| s.expected >= existed_from)
        .filter(|s| slot_state(s, schedule.grace, &runs, now) == SlotState::Missed)
        .collect()
}

/// The slot among `slots` (the job's unreviewed Missed runs) that a real run at `run` satisfies:
/// the one with the nearest expected instant within the window, the earlier on a tie. The caller
/// removes that Missed run.
pub fn satisfied_slot(run: DateTime<Utc>, slots: &[Slot]) -> Option<Slot> {
    slots
        .iter()
        .filter(|s| satisfies(run, s.expected))
        .min_by_key(|s| ((run - s.expected).abs(), s.expected))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::{MonthDay, ScheduleSource};
    use chrono::Weekday;
    use chrono_tz::Europe::Amsterdam;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// Local Amsterdam time as an instant.
    fn at(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        local_instant(Amsterdam, day, time).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn learned(schedule: Schedule) -> EffectiveSchedule {
        EffectiveSchedule {
            schedule,
            grace: DEFAULT_GRACE,
            source: ScheduleSource::Learned,
        }
    }

    fn daily(h: u32, m: u32) -> EffectiveSchedule {
        learned(Schedule::Daily { time: hm(h, m) })
    }

    fn long_ago() -> DateTime<Utc> {
        utc(2024, 1, 1, 0, 0)
    }

    fn dates(slots: &[Slot]) -> Vec<NaiveDate> {
        slots.iter().map(|s| s.date).collect()
    }

    #[test]
    fn local_instant_normal_gap_and_overlap() {
        assert_eq!(at(date(2025, 1, 10), hm(22, 0)), utc(2025, 1, 10, 21, 0));
        assert_eq!(at(date(2025, 7, 10), hm(22, 0)), utc(2025, 7, 10, 20, 0));
        // Last Sunday of March: 02:30 does not exist and becomes 03:30 CEST.
        assert_eq!(at(date(2025, 3, 30), hm(2, 30)), utc(2025, 3, 30, 1, 30));
        assert_eq!(at(date(2025, 3, 30), hm(2, 0)), utc(2025, 3, 30, 1, 0));
        // Last Sunday of October: 02:30 happens twice; the first (CEST) is taken.
        assert_eq!(at(date(2025, 10, 26), hm(2, 30)), utc(2025, 10, 26, 0, 30));
        assert_eq!(at(date(2025, 10, 26), hm(3, 30)), utc(2025, 10, 26, 2, 30));
    }

    #[test]
    fn daily_slot_without_run_is_missed() {
        let now = at(date(2025, 6, 18), hm(10, 0));
        let runs: Vec<_> = [10, 11, 12, 13, 14, 15, 17]
            .into_iter()
            .map(|d| at(date(2025, 6, d), hm(22, 5)))
            .collect();
        let missed = missed_slots(&daily(22, 0), false, long_ago(), &runs, Amsterdam, now);
        assert_eq!(missed.len(), 1);
        assert_eq!(missed[0].date, date(2025, 6, 16));
        assert_eq!(missed[0].expected, utc(2025, 6, 16, 20, 0));
    }

    #[test]
    fn late_run_within_twelve_hours_is_late_not_missed() {
        // A 23:50 job that ran at 00:10 the next day.
        let now = at(date(2025, 6, 18), hm(12, 0));
        let runs = [
            at(date(2025, 6, 17), hm(0, 10)),
            at(date(2025, 6, 17), hm(23, 55)),
        ];
        let sched = learned(Schedule::weekly([Weekday::Mon, Weekday::Tue], hm(23, 50)));
        let missed = missed_slots(
            &sched,
            false,
            at(date(2025, 6, 16), hm(0, 0)),
            &runs,
            Amsterdam,
            now,
        );
        assert_eq!(missed, vec![]);
        // Thirteen hours late no longer counts.
        let runs = [
            at(date(2025, 6, 17), hm(12, 51)),
            at(date(2025, 6, 17), hm(23, 55)),
        ];
        let missed = missed_slots(
            &sched,
            false,
            at(date(2025, 6, 16), hm(0, 0)),
            &runs,
            Amsterdam,
            now,
        );
        assert_eq!(dates(&missed), vec![date(2025, 6, 16)]);
    }

    #[test]
    fn twelve_hours_exactly_still_satisfies() {
        let slot = slot_on(
            &Schedule::Daily { time: hm(22, 0) },
            Amsterdam,
            date(2025, 6, 16),
        )
        .unwrap();
        let now = slot.expected + TimeDelta::days(2);
        let early = slot.expected - SATISFY_WINDOW;
        assert_eq!(
            slot_state(&slot, DEFAULT_GRACE, &[early], now),
            SlotState::Satisfied
        );
        let too_early = early - TimeDelta::seconds(1);
        assert_eq!(
            slot_state(&slot, DEFAULT_GRACE, &[too_early], now),
            SlotState::Missed
        );
    }

    #[test]
    fn grace_not_yet_passed_is_expected() {
        let slot = slot_on(
            &Schedule::Daily { time: hm(22, 0) },
            Amsterdam,
            date(2025, 6, 17),
        )
        .unwrap();
        let just_before = slot.expected + DEFAULT_GRACE - TimeDelta::seconds(1);
        assert_eq!(
            slot_state(&slot, DEFAULT_GRACE, &[], just_before),
            SlotState::Expected
        );
        let missed = missed_slots(
            &daily(22, 0),
            false,
            long_ago(),
            &[],
            Amsterdam,
            just_before,
        );
        assert!(!dates(&missed).contains(&date(2025, 6, 17)));
        let on_time = slot.expected + DEFAULT_GRACE;
        assert_eq!(
            slot_state(&slot, DEFAULT_GRACE, &[], on_time),
            SlotState::Missed
        );
        let missed = missed_slots(&daily(22, 0), false, long_ago(), &[], Amsterdam, on_time);
        assert_eq!(missed.last().map(|s| s.date), Some(date(2025, 6, 17)));
    }

    #[test]
    fn pinned_grace_is_used() {
        let sched = EffectiveSchedule {
            grace: TimeDelta::hours(1),
            ..daily(22, 0)
        };
        let now = at(date(2025, 6, 17), hm(23, 0));
        let missed = missed_slots(
            &sched,
            false,
            at(date(2025, 6, 17), hm(0, 0)),
            &[],
            Amsterdam,
            now,
        );
        assert_eq!(dates(&missed), vec![date(2025, 6, 17)]);
    }

    #[test]
    fn backfill_stops_after_seven_days() {
        // Nothing ran for weeks: only today and the seven days before it.
        let now = at(date(2025, 6, 18), hm(23, 0));
        let missed = missed_slots(&daily(2, 0), false, long_ago(), &[], Amsterdam, now);
        let expected: Vec<NaiveDate> = date(2025, 6, 11).iter_days().take(8).collect();
        assert_eq!(dates(&missed), expected);
    }

    #[test]
    fn never_before_the_job_existed() {
        let now = at(date(2025, 6, 18), hm(23, 0));
        let created = at(date(2025, 6, 15), hm(10, 0));
        let missed = missed_slots(&daily(2, 0), false, created, &[], Amsterdam, now);
        assert_eq!(
            dates(&missed),
            vec![date(2025, 6, 16), date(2025, 6, 17), date(2025, 6, 18)]
        );
        let created = at(date(2025, 6, 15), hm(2, 0));
        let missed = missed_slots(&daily(2, 0), false, created, &[], Amsterdam, now);
        assert_eq!(missed.first().map(|s| s.date), Some(date(2025, 6, 15)));
    }

    #[test]
    fn weekly_and_monthly_slots_only_on_due_days() {
        let now = at(date(2025, 6, 18), hm(23, 0));
        let sched = learned(Schedule::weekly([Weekday::Mon, Weekday::Fri], hm(20, 0)));
        let missed = missed_slots(&sched, false, long_ago(), &[], Amsterdam, now);
        assert_eq!(dates(&missed), vec![date(2025, 6, 13), date(2025, 6, 16)]);

        let now = at(date(2025, 7, 2), hm(12, 0));
        let sched = learned(Schedule::monthly(
            [MonthDay::Day(1), MonthDay::Last],
            hm(3, 0),
        ));
        let runs = [at(date(2025, 7, 1), hm(3, 10))];
        let missed = missed_slots(&sched, false, long_ago(), &runs, Amsterdam, now);
        assert_eq!(dates(&missed), vec![date(2025, 6, 30)]);
    }

    #[test]
    fn irregular_and_informational_have_no_slots() {
        let now = at(date(2025, 6, 18), hm(23, 0));
        let irregular = learned(Schedule::Irregular);
        assert_eq!(
            missed_slots(&irregular, false, long_ago(), &[], Amsterdam, now),
            vec![]
        );
        assert_eq!(
            missed_slots(&daily(2, 0), true, long_ago(), &[], Amsterdam, now),
            vec![]
        );
        assert_eq!(
            slot_on(&Schedule::Irregular, Amsterdam, date(2025, 6, 18)),
            None
        );
    }

    #[test]
    fn dst_days_get_one_slot_each() {
        let sched = daily(2, 30);
        let runs: Vec<DateTime<Utc>> = date(2025, 3, 24)
            .iter_days()
            .take(14)
            .filter(|d| *d != date(2025, 3, 30))
            .map(|d| at(d, hm(2, 30)))
            .collect();
        let now = at(date(2025, 4, 6), hm(12, 0));
        let missed = missed_slots(&sched, false, long_ago(), &runs, Amsterdam, now);
        assert_eq!(missed.len(), 1);
        assert_eq!(missed[0].date, date(2025, 3, 30));
        assert_eq!(missed[0].expected, utc(2025, 3, 30, 1, 30));

        // The October night has one 02:30 slot; a run at the second 02:30 is an hour late.
        let second = utc(2025, 10, 26, 1, 30);
        let now = at(date(2025, 10, 27), hm(12, 0));
        let runs = [
            at(date(2025, 10, 24), hm(2, 30)),
            at(date(2025, 10, 25), hm(2, 30)),
            second,
        ];
        let created = at(date(2025, 10, 24), hm(0, 0));
        let missed = missed_slots(&sched, false, created, &runs, Amsterdam, now);
        assert_eq!(dates(&missed), vec![date(2025, 10, 27)]);
    }

    #[test]
    fn late_run_picks_the_slot_it_satisfies() {
        let sched = Schedule::Daily { time: hm(23, 50) };
        let slots: Vec<Slot> = [15, 16, 17]
            .into_iter()
            .filter_map(|d| slot_on(&sched, Amsterdam, date(2025, 6, d)))
            .collect();
        // 00:10 on the 17th belongs to the slot of the 16th.
        let run = at(date(2025, 6, 17), hm(0, 10));
        assert_eq!(
            satisfied_slot(run, &slots).map(|s| s.date),
            Some(date(2025, 6, 16))
        );
        // Midway between two slots: the earlier one.
        let mid = at(date(2025, 6, 16), hm(11, 50));
        assert_eq!(
            satisfied_slot(mid, &slots).map(|s| s.date),
            Some(date(2025, 6, 15))
        );
        // Far from every slot: none.
        let far = at(date(2025, 6, 20), hm(12, 0));
        assert_eq!(satisfied_slot(far, &slots), None);
        assert_eq!(satisfied_slot(run, &[]), None);
    }

    #[test]
    fn run_arriving_late_clears_the_missed_slot() {
        let sched = daily(22, 0);
        let now = at(date(2025, 6, 17), hm(3, 0));
        let created = at(date(2025, 6, 16), hm(0, 0));
        let missed = missed_slots(&sched, false, created, &[], Amsterdam, now);
        assert_eq!(dates(&missed), vec![date(2025, 6, 16)]);
        let late = at(date(2025, 6, 17), hm(4, 0));
        assert_eq!(satisfied_slot(late, &missed), missed.first().copied());
        let later = now + TimeDelta::hours(2);
        assert_eq!(
            missed_slots(&sched, false, created, &[late], Amsterdam, later),
            vec![]
        );
    }

    #[test]
    fn dated_ahead_beyond_the_tolerance() {
        let now = utc(2025, 6, 17, 10, 0);
        assert!(!dated_ahead(now + AHEAD_TOLERANCE, now));
        assert!(dated_ahead(
            now + AHEAD_TOLERANCE + TimeDelta::seconds(1),
            now
        ));
        assert!(!dated_ahead(now - TimeDelta::days(3), now));
    }

    #[test]
    fn a_run_dated_in_the_future_satisfies_nothing() {
        // The sender's clock is a day ahead: its report of the 16th claims the 17th 22:00.
        let now = at(date(2025, 6, 17), hm(10, 0));
        let created = at(date(2025, 6, 15), hm(0, 0));
        let ahead = at(date(2025, 6, 17), hm(22, 0));
        let missed = missed_slots(&daily(22, 0), false, created, &[ahead], Amsterdam, now);
        assert_eq!(dates(&missed), vec![date(2025, 6, 15), date(2025, 6, 16)]);
        // Once that time has really come, it counts like any run.
        let later = at(date(2025, 6, 18), hm(10, 0));
        let missed = missed_slots(&daily(22, 0), false, created, &[ahead], Amsterdam, later);
        assert_eq!(dates(&missed), vec![date(2025, 6, 15), date(2025, 6, 16)]);
    }

    #[test]
    fn new_york_gap_and_overlap() {
        use chrono_tz::America::New_York;
        // 9 March 2025: 02:30 does not exist and becomes 03:30 EDT (07:30 UTC).
        assert_eq!(
            local_instant(New_York, date(2025, 3, 9), hm(2, 30)),
            Some(utc(2025, 3, 9, 7, 30))
        );
        // 2 November 2025: 01:30 happens twice; the first (EDT, 05:30 UTC) is taken.
        assert_eq!(
            local_instant(New_York, date(2025, 11, 2), hm(1, 30)),
            Some(utc(2025, 11, 2, 5, 30))
        );
        // One slot per day across both changes; a run at the second 01:30 is an hour late.
        let sched = daily(1, 30);
        let runs: Vec<DateTime<Utc>> = [31, 1, 2, 3]
            .into_iter()
            .map(|d| {
                let day = if d == 31 {
                    date(2025, 10, 31)
                } else {
                    date(2025, 11, d)
                };
                local_instant(New_York, day, hm(1, 30)).unwrap()
            })
            .map(|r| {
                if r == utc(2025, 11, 2, 5, 30) {
                    r + TimeDelta::hours(1)
                } else {
                    r
                }
            })
            .collect();
        let now = local_instant(New_York, date(2025, 11, 4), hm(12, 0)).unwrap();
        let created = utc(2025, 10, 30, 12, 0);
        let missed = missed_slots(&sched, false, created, &runs, New_York, now);
        assert_eq!(dates(&missed), vec![date(2025, 11, 4)]);
    }
}
