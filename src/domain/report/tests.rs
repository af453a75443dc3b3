//! The model against a fixture computed by hand: October 2026 in Amsterdam (summer time ends on
//! the 25th), a daily job around midnight, a young weekly job, a job without a schedule, and jobs
//! listed apart.

use super::*;
use crate::domain::missed::{DEFAULT_GRACE, local_instant};
use crate::domain::run_status::RunStatus::{self, *};
use crate::domain::schedule::{EffectiveSchedule, Schedule, ScheduleSource};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Europe::Amsterdam;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

/// Local Amsterdam time.
fn at(m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    local_instant(
        Amsterdam,
        d(m, day),
        NaiveTime::from_hms_opt(h, min, 0).unwrap(),
    )
    .unwrap()
}

fn sched(s: Schedule) -> Option<EffectiveSchedule> {
    Some(EffectiveSchedule {
        schedule: s,
        grace: DEFAULT_GRACE,
        source: ScheduleSource::Learned,
    })
}

fn job(id: i64, customer_id: i64, name: &str, schedule: Option<EffectiveSchedule>) -> JobInput {
    JobInput {
        id,
        customer_id,
        name: name.into(),
        software: "Veeam".into(),
        backup_type: "Backup Job".into(),
        informational: false,
        archived: false,
        schedule,
        existed_from: at(9, 1, 0, 0),
    }
}

fn run(job_id: i64, run_at: DateTime<Utc>, status: RunStatus) -> RunInput {
    RunInput {
        job_id,
        run_at,
        status,
        missed_slot: None,
        reviewed_at: None,
    }
}

fn missed(job_id: i64, m: u32, day: u32) -> RunInput {
    RunInput {
        job_id,
        run_at: at(m, day, 23, 50),
        status: Missed,
        missed_slot: Some(d(m, day)),
        reviewed_at: None,
    }
}

fn reviewed(mut r: RunInput, minutes: i64) -> RunInput {
    r.reviewed_at = Some(r.run_at + TimeDelta::minutes(minutes));
    r
}

fn note(kind: NoteKind, id: i64, code: Option<&str>, from: NaiveDate) -> NoteInput {
    NoteInput {
        kind,
        id,
        code: code.map(str::to_string),
        text: format!("note {id}"),
        active_from: from,
        resolved_at: None,
        customer_ids: vec![],
        job_ids: vec![],
    }
}

/// Job 1 "Nightly" (Daily 23:50): every September night fine; in October
/// - the 3rd reported at 00:05 on the 4th (late, still the 3rd's slot),
/// - the 5th failed at 23:50 and a retry at 01:00 on the 6th succeeded (the retry stands),
/// - the 10th was a warning an override turned into a success,
/// - the 12th–14th never reported (Missed runs stored for the 13th and 14th only; the 14th
///   reviewed an hour later), the 20th and 21st failed (reviewed after 2 h and 30 min),
/// - the 15th also ran at 12:00 (nearer the 15th's slot than the 14th's: not an extra run),
/// - the 25th (summer time ends) ran at 23:50 CET, the 31st reported at 00:10 on 1 November.
///
/// Job 2 "Weekly" (Mon, Fri 21:00), first report on Wednesday 14 October at 10:00: slots Fri 16,
/// Mon 19, Fri 23, Mon 26, Fri 30; Warning on the 19th, nothing on the 30th, an extra run on
/// Wednesday 21st. Job 3 informational, job 4 archived with a run, job 5 archived without one,
/// job 6 without a schedule: Success on the 2nd, Failed on the 8th.
pub(crate) fn fixture(generated_at: DateTime<Utc>) -> ReportInput {
    let nightly = Schedule::Daily {
        time: NaiveTime::from_hms_opt(23, 50, 0).unwrap(),
    };
    let weekly = Schedule::weekly(
        [Weekday::Mon, Weekday::Fri],
        NaiveTime::from_hms_opt(21, 0, 0).unwrap(),
    );
    let mut jobs = vec![
        job(1, 10, "Nightly", sched(nightly)),
        job(2, 10, "Weekly", sched(weekly)),
        job(3, 10, "DSM update", None),
        job(
            4,
            20,
            "Old server",
            sched(Schedule::Daily {
                time: NaiveTime::MIN,
            }),
        ),
        job(5, 20, "Older server", None),
        job(6, 20, "Ad hoc", sched(Schedule::Irregular)),
    ];
    jobs[0].existed_from = at(9, 1, 23, 50);
    jobs[1].existed_from = at(10, 14, 10, 0);
    jobs[2].informational = true;
    jobs[3].archived = true;
    jobs[4].archived = true;

    let mut runs = Vec::new();
    for day in 1..=29 {
        runs.push(run(1, at(9, day, 23, 50), Success));
    }
    runs.push(run(1, at(9, 30, 23, 55), Success));
    for day in 1..=30 {
        match day {
            3 => runs.push(run(1, at(10, 4, 0, 5), Success)),
            5 => {
                runs.push(run(1, at(10, 5, 23, 50), Failed));
                runs.push(run(1, at(10, 6, 1, 0), Success));
            }
            10 => runs.push(run(1, at(10, 10, 23, 50), SuccessOverride)),
            12 => {}
            13 => runs.push(missed(1, 10, 13)),
            14 => runs.push(reviewed(missed(1, 10, 14), 60)),
            15 => {
                runs.push(run(1, at(10, 15, 12, 0), Success));
                runs.push(run(1, at(10, 15, 23, 50), Success));
            }
            20 => runs.push(reviewed(run(1, at(10, 20, 23, 50), Failed), 120)),
            21 => runs.push(reviewed(run(1, at(10, 21, 23, 50), Failed), 30)),
            _ => runs.push(run(1, at(10, day, 23, 50), Success)),
        }
    }
    runs.push(run(1, at(11, 1, 0, 10), Success));

    runs.push(run(2, at(10, 14, 10, 0), Success));
    runs.push(run(2, at(10, 16, 21, 5), Success));
    runs.push(run(2, at(10, 19, 21, 0), Warning));
    runs.push(run(2, at(10, 21, 21, 0), Success));
    runs.push(run(2, at(10, 23, 21, 0), Success));
    runs.push(run(2, at(10, 26, 20, 55), Success));
    runs.push(run(3, at(10, 7, 9, 0), Success));
    runs.push(run(3, at(10, 9, 9, 0), Success));
    runs.push(run(4, at(10, 2, 0, 30), Failed));
    runs.push(run(6, at(10, 2, 14, 0), Success));
    runs.push(run(6, at(10, 8, 14, 0), Failed));

    let mut t1 = note(NoteKind::Ticket, 1, Some("T20261012.0001"), d(10, 12));
    t1.job_ids = vec![1];
    t1.resolved_at = Some(at(10, 22, 9, 0));
    let mut t2 = note(NoteKind::Ticket, 2, Some("T20261028.0001"), d(10, 28));
    t2.customer_ids = vec![10];
    let mut t3 = note(NoteKind::Ticket, 3, Some("T20260901.0001"), d(9, 1));
    t3.job_ids = vec![1];
    t3.resolved_at = Some(at(9, 20, 9, 0));
    let mut r5 = note(NoteKind::Remark, 5, None, d(10, 19));
    r5.job_ids = vec![2];
    let mut r6 = note(NoteKind::Remark, 6, None, d(11, 2));
    r6.job_ids = vec![4];

    ReportInput {
        period: Period::parse_month("2026-10").unwrap(),
        tz: Amsterdam,
        generated_at,
        scope: None,
        customers: vec![
            CustomerInput {
                id: 10,
                name: "Ärzte Müller & Söhne".into(),
            },
            CustomerInput {
                id: 20,
                name: "Straße GmbH".into(),
            },
        ],
        jobs,
        runs,
        notes: vec![t1, t2, t3, r5, r6],
    }
}

fn job_of<'a>(report: &'a Report, name: &str) -> &'a JobReport {
    report
        .customers
        .iter()
        .flat_map(|c| c.jobs.iter().chain(&c.apart))
        .find(|j| j.name == name)
        .unwrap()
}

fn strip(job: &JobReport, day: u32) -> Option<RunStatus> {
    job.days[usize::try_from(day - 1).unwrap()].status
}

#[test]
fn a_daily_job_near_midnight_across_the_end_of_summer_time() {
    let report = build(&fixture(at(11, 5, 9, 0)));
    let nightly = job_of(&report, "Nightly");
    let c = nightly.summary.counts;
    assert_eq!(
        (
            c.expected,
            c.success,
            c.success_override,
            c.warning,
            c.failed,
            c.missed
        ),
        (31, 25, 1, 0, 2, 3)
    );
    assert_eq!((c.not_yet_reported, c.extra_runs, c.unknown), (0, 0, 0));
    // 26 ÷ 31; September was 30 ÷ 30.
    assert_eq!(nightly.summary.success_rate, Some(83.9));
    assert_eq!(nightly.summary.previous_rate, Some(100.0));
    assert_eq!(nightly.summary.change, Some(-16.1));
    assert_eq!(
        nightly.summary.longest_streak,
        Some(Streak {
            length: 3,
            from: d(10, 12),
            to: d(10, 14)
        })
    );
    assert_eq!(nightly.days.len(), 31);
    assert_eq!(strip(nightly, 3), Some(Success));
    assert_eq!(strip(nightly, 5), Some(Success));
    assert_eq!(strip(nightly, 10), Some(SuccessOverride));
    assert_eq!(strip(nightly, 12), Some(Missed));
    assert_eq!(strip(nightly, 21), Some(Failed));
    assert_eq!(strip(nightly, 25), Some(Success));
    assert_eq!(strip(nightly, 31), Some(Success));
    // Runs dated in October: 26 at 23:50, 00:05 on the 4th, 01:00 on the 6th, 12:00 on the 15th,
    // two Missed runs; reviewed after 60, 120 and 30 minutes.
    assert_eq!(
        nightly.summary.review,
        ReviewCoverage {
            runs: 31,
            reviewed: 3,
            median_minutes: Some(60)
        }
    );
    assert_eq!(nightly.summary.review.share(), Some(9.7));
    assert_eq!(nightly.schedule, "Daily at 23:50");
}

#[test]
fn a_young_weekly_job_counts_from_its_first_report_and_has_extra_runs() {
    let report = build(&fixture(at(11, 5, 9, 0)));
    let weekly = job_of(&report, "Weekly");
    let c = weekly.summary.counts;
    assert_eq!(
        (c.expected, c.success, c.warning, c.missed, c.extra_runs),
        (5, 3, 1, 1, 2)
    );
    assert_eq!(weekly.summary.success_rate, Some(60.0));
    assert_eq!(weekly.summary.previous_rate, None);
    assert_eq!(weekly.summary.change, None);
    assert_eq!(strip(weekly, 12), None);
    assert_eq!(strip(weekly, 14), Some(Success));
    assert_eq!(strip(weekly, 19), Some(Warning));
    assert_eq!(strip(weekly, 30), Some(Missed));
    assert_eq!(weekly.schedule, "Weekly: Mon, Fri at 21:00");
}

#[test]
fn jobs_without_a_schedule_count_each_run_and_apart_jobs_never_count() {
    let report = build(&fixture(at(11, 5, 9, 0)));
    let ad_hoc = job_of(&report, "Ad hoc");
    assert_eq!(ad_hoc.summary.counts.expected, 2);
    assert_eq!(ad_hoc.summary.success_rate, Some(50.0));
    assert_eq!(ad_hoc.kind, JobKind::Counted);

    let first = &report.customers[0];
    assert_eq!(first.name, "Ärzte Müller & Söhne");
    let apart: Vec<(&str, JobKind)> = first
        .apart
        .iter()
        .map(|j| (j.name.as_str(), j.kind))
        .collect();
    assert_eq!(apart, [("DSM update", JobKind::Informational)]);
    let second = &report.customers[1];
    let apart: Vec<&str> = second.apart.iter().map(|j| j.name.as_str()).collect();
    // The archived job without runs in the period is left out.
    assert_eq!(apart, ["Old server"]);
    assert_eq!(second.jobs.len(), 1);
    // Archived: its runs are listed, never missed, never counted.
    assert_eq!(job_of(&report, "Old server").summary.counts.failed, 1);
    assert_eq!(second.summary.counts.expected, 2);

    assert_eq!(first.summary.counts.expected, 36);
    assert_eq!(first.summary.success_rate, Some(80.6));
    assert_eq!(first.summary.change, Some(-19.4));
    let t = report.totals.counts;
    assert_eq!((t.expected, t.success + t.success_override), (38, 30));
    assert_eq!(report.totals.success_rate, Some(78.9));
    assert_eq!(report.totals.longest_streak.map(|s| s.length), Some(3));
}

#[test]
fn before_the_period_ends_the_last_slot_is_not_yet_reported() {
    let report = build(&fixture(at(10, 31, 12, 0)));
    let nightly = job_of(&report, "Nightly");
    let c = nightly.summary.counts;
    assert_eq!((c.expected, c.not_yet_reported), (30, 1));
    assert_eq!(strip(nightly, 31), Some(Expected));
    // 24 successes (the 31st's is not in yet) + 1 override of 30.
    assert_eq!(nightly.summary.success_rate, Some(83.3));
    // Friday the 30th 21:00 + 4 h grace has passed: Missed.
    assert_eq!(job_of(&report, "Weekly").summary.counts.missed, 1);
}

#[test]
fn tickets_and_remarks_of_the_period_with_their_codes() {
    let report = build(&fixture(at(11, 5, 9, 0)));
    let first = &report.customers[0];
    let tickets: Vec<(&str, bool, Vec<String>)> = first
        .tickets
        .iter()
        .map(|t| (t.code.as_str(), t.is_open(), t.jobs.clone()))
        .collect();
    assert_eq!(
        tickets,
        [
            ("T20261012.0001", false, vec!["Nightly".to_string()]),
            ("T20261028.0001", true, vec![]),
        ]
    );
    let remarks: Vec<&str> = first.remarks.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(remarks, ["R5"]);
    // Remark 6 starts in November.
    assert!(report.customers[1].remarks.is_empty());
}

#[test]
fn the_slot_of_the_first_report_counts_even_when_it_came_late() {
    let mut input = fixture(at(11, 5, 9, 0));
    let first = at(10, 10, 22, 5);
    input.jobs.retain(|j| j.id == 1);
    input.runs.retain(|r| r.job_id != 1);
    input.jobs[0].schedule = sched(Schedule::Daily {
        time: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
    });
    input.jobs[0].existed_from = first;
    for day in 10..=31 {
        input.runs.push(run(1, at(10, day, 22, 5), Success));
    }
    let report = build(&input);
    let c = job_of(&report, "Nightly").summary.counts;
    assert_eq!((c.expected, c.success, c.extra_runs), (22, 22, 0));
}
