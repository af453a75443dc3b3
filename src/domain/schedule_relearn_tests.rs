//! [`learn_schedule_lasting`] against brute force: for jobs of many shapes, learning again from
//! the same runs on every later day up to the day it names gives the same schedule.

use super::tests::{at, date, hm};
use super::*;
use chrono_tz::Europe::Amsterdam;

/// Runs at `time` (shifted by a few minutes per day, as real reports are) on the days from
/// `from` up to and including `until` that `pick` selects.
fn runs(
    from: NaiveDate,
    until: NaiveDate,
    time: NaiveTime,
    pick: impl Fn(NaiveDate) -> bool,
) -> Vec<DateTime<Utc>> {
    let shift = |r: DateTime<Utc>| {
        let day = r.with_timezone(&Amsterdam).date_naive();
        r + TimeDelta::minutes(i64::from(day.ordinal() % 7))
    };
    let until = until.succ_opt().unwrap();
    super::tests::runs(from, until, time, pick)
        .into_iter()
        .map(shift)
        .collect()
}

struct Case {
    name: &'static str,
    runs: Vec<DateTime<Utc>>,
    created: DateTime<Utc>,
}

fn cases(today: NaiveDate) -> Vec<Case> {
    let long_ago = date(2024, 1, 1);
    let created = at(long_ago, hm(0, 0));
    let yesterday = today.pred_opt().unwrap();
    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap();
    let case = |name, runs| Case {
        name,
        runs,
        created,
    };
    vec![
        case(
            "daily 22:00",
            runs(long_ago, yesterday, hm(22, 0), |_| true),
        ),
        case(
            "daily 22:00, today's run in",
            runs(long_ago, today, hm(0, 30), |_| true),
        ),
        case(
            "daily 23:58",
            runs(long_ago, yesterday, hm(23, 58), |_| true),
        ),
        case("daily 00:03", runs(long_ago, today, hm(0, 3), |_| true)),
        case(
            "weekdays",
            runs(long_ago, yesterday, hm(21, 0), |d| {
                d.weekday().num_days_from_monday() < 5
            }),
        ),
        case(
            "Saturdays",
            runs(long_ago, yesterday, hm(12, 0), |d| {
                d.weekday() == Weekday::Sat
            }),
        ),
        case(
            "1st and 15th",
            runs(long_ago, yesterday, hm(3, 0), |d| {
                d.day() == 1 || d.day() == 15
            }),
        ),
        case(
            "month end",
            runs(long_ago, yesterday, hm(23, 0), |d| {
                d.succ_opt().is_some_and(|n| n.month() != d.month())
            }),
        ),
        case(
            "stopped two months ago",
            runs(long_ago, days_ago(60), hm(22, 0), |_| true),
        ),
        case(
            "stopped half a year ago",
            runs(long_ago, days_ago(175), hm(22, 0), |_| true),
        ),
        case(
            "monthly, stopped five months ago",
            runs(long_ago, days_ago(150), hm(5, 0), |d| d.day() == 10),
        ),
        Case {
            name: "young job",
            runs: runs(days_ago(9), yesterday, hm(20, 0), |_| true),
            created: at(days_ago(9), hm(9, 0)),
        },
        Case {
            name: "brand new job",
            runs: runs(days_ago(2), today, hm(1, 0), |_| true),
            created: at(days_ago(2), hm(9, 0)),
        },
        case(
            "irregular",
            runs(long_ago, yesterday, hm(14, 0), |d| {
                (d.ordinal() * 7 + d.day() * 3) % 11 < 3
            }),
        ),
        case("no runs", Vec::new()),
    ]
}

#[test]
fn the_same_runs_give_the_same_schedule_until_the_relearn_day() {
    let mut lasting_beyond_tomorrow = 0;
    // Days around both DST changes and an ordinary one.
    for today in [date(2025, 3, 28), date(2025, 6, 18), date(2025, 10, 24)] {
        for case in cases(today) {
            let learned = learn_schedule_lasting(&case.runs, case.created, Amsterdam, today);
            assert_eq!(
                learned.schedule,
                learn_schedule(&case.runs, case.created, Amsterdam, today)
            );
            if let Some(on) = learned.relearn_on {
                assert!(on > today, "{}: relearn on {on}, today {today}", case.name);
            }
            if learned
                .relearn_on
                .is_none_or(|on| on > today.succ_opt().unwrap())
            {
                lasting_beyond_tomorrow += 1;
            }
            for later in today.iter_days().skip(1).take(400) {
                if learned.relearn_on.is_some_and(|on| later >= on) {
                    break;
                }
                assert_eq!(
                    learn_schedule(&case.runs, case.created, Amsterdam, later),
                    learned.schedule,
                    "{}: learned {today}, again {later}, relearn on {:?}",
                    case.name,
                    learned.relearn_on
                );
            }
        }
    }
    // Most shapes need no relearning tomorrow without new runs: the day-dependence is found,
    // not assumed.
    assert!(lasting_beyond_tomorrow >= 30, "{lasting_beyond_tomorrow}");
}

#[test]
fn what_depends_on_the_day_is_named() {
    let today = date(2025, 6, 18);
    let all = cases(today);
    let relearn_on = |name: &str| {
        let c = all.iter().find(|c| c.name == name).unwrap();
        learn_schedule_lasting(&c.runs, c.created, Amsterdam, today).relearn_on
    };
    // A run of today is left out today and counts tomorrow.
    assert_eq!(relearn_on("daily 22:00, today's run in"), today.succ_opt());
    // Runs up to yesterday: the evidence lasts half a year.
    let daily = relearn_on("daily 22:00").unwrap();
    assert!(daily > today.checked_add_days(Days::new(170)).unwrap());
    // A job that stopped keeps its pattern until its evidence runs out, and then has none.
    let stopped = relearn_on("stopped half a year ago").unwrap();
    assert!(stopped <= today.checked_add_days(Days::new(10)).unwrap());
    let c = all
        .iter()
        .find(|c| c.name == "stopped half a year ago")
        .unwrap();
    assert!(learn_schedule(&c.runs, c.created, Amsterdam, today).is_some());
    assert_eq!(learn_schedule(&c.runs, c.created, Amsterdam, stopped), None);
    assert_eq!(relearn_on("no runs"), None);
}
