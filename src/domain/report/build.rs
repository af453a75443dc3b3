//! From loaded input to the report model, once for every view of it.

use super::input::{JobInput, NoteInput, NoteKind, ReportInput, RunInput};
use super::model::{
    CustomerReport, Day, JobKind, JobReport, NoteReport, Report, ReviewCoverage, Streak, Summary,
    round1,
};
use super::outcomes::{JobOutcome, day_strip, job_outcome, longest_streak, median};
use crate::domain::schedule::Schedule;
use std::collections::HashMap;

/// Computes the report of `input`: per customer (in the order given) and job (by name).
pub fn build(input: &ReportInput) -> Report {
    let previous_period = input.period.previous();
    let mut runs_by_job: HashMap<i64, Vec<&RunInput>> = HashMap::new();
    for r in &input.runs {
        runs_by_job.entry(r.job_id).or_default().push(r);
    }
    let mut jobs_by_customer: HashMap<i64, Vec<&JobInput>> = HashMap::new();
    for j in &input.jobs {
        jobs_by_customer.entry(j.customer_id).or_default().push(j);
    }
    let mut total = Pool::default();
    let customers = input
        .customers
        .iter()
        .map(|c| {
            let mut jobs: Vec<&JobInput> = input
                .jobs
                .iter()
                .filter(|j| j.customer_id == c.id)
                .collect();
            jobs.sort_by_key(|j| (j.name.to_lowercase(), j.id));
            let mut pool = Pool::default();
            let mut counted = Vec::new();
            let mut apart = Vec::new();
            for job in &jobs {
                let runs = runs_by_job.get(&job.id).map_or(&[][..], Vec::as_slice);
                let (report, now, prev) = job_report(input, job, runs);
                if report.kind == JobKind::Counted {
                    pool.add(&now, &prev);
                    counted.push(report);
                } else if report.kind == JobKind::Informational || report.summary.review.runs > 0 {
                    // An archived job is listed when it still reported in the period.
                    apart.push(report);
                }
            }
            total.merge(&pool);
            let (tickets, remarks) = notes_of(input, c.id, &jobs);
            CustomerReport {
                id: c.id,
                name: c.name.clone(),
                summary: pool.summary(),
                jobs: counted,
                apart,
                tickets,
                remarks,
            }
        })
        .collect();
    Report {
        period: input.period,
        previous_period,
        timezone: input.tz.name().to_string(),
        generated_at: input.generated_at,
        scope: input.scope.clone(),
        customers,
        totals: total.summary(),
    }
}

fn job_report(
    input: &ReportInput,
    job: &JobInput,
    runs: &[&RunInput],
) -> (JobReport, JobOutcome, JobOutcome) {
    let kind = if job.archived {
        JobKind::Archived
    } else if job.informational {
        JobKind::Informational
    } else {
        JobKind::Counted
    };
    let counted = kind == JobKind::Counted;
    let now = job_outcome(
        job,
        runs,
        input.period,
        input.tz,
        input.generated_at,
        counted,
    );
    let prev = job_outcome(
        job,
        runs,
        input.period.previous(),
        input.tz,
        input.generated_at,
        counted,
    );
    let mut pool = Pool::default();
    pool.add(&now, &prev);
    let days = day_strip(&now, input.period)
        .into_iter()
        .map(|(date, status)| Day { date, status })
        .collect();
    let report = JobReport {
        id: job.id,
        name: job.name.clone(),
        software: job.software.clone(),
        backup_type: job.backup_type.clone(),
        schedule: schedule_label(job.schedule.as_ref().map(|s| &s.schedule)),
        kind,
        summary: pool.summary(),
        days,
    };
    (report, now, prev)
}

/// Numbers of several jobs gathered before they become a [`Summary`].
#[derive(Default)]
struct Pool {
    now: JobOutcome,
    prev: super::model::Counts,
    streak: Option<Streak>,
}

impl Pool {
    fn add(&mut self, now: &JobOutcome, prev: &JobOutcome) {
        self.now.counts.add(&now.counts);
        self.now.runs += now.runs;
        self.now.review_minutes.extend(&now.review_minutes);
        self.prev.add(&prev.counts);
        self.take_streak(longest_streak(&now.slots));
    }

    fn merge(&mut self, other: &Pool) {
        self.now.counts.add(&other.now.counts);
        self.now.runs += other.now.runs;
        self.now.review_minutes.extend(&other.now.review_minutes);
        self.prev.add(&other.prev);
        self.take_streak(other.streak);
    }

    fn take_streak(&mut self, s: Option<Streak>) {
        if let Some(s) = s
            && self
                .streak
                .is_none_or(|b| s.length > b.length || (s.length == b.length && s.from < b.from))
        {
            self.streak = Some(s);
        }
    }

    fn summary(&self) -> Summary {
        let success_rate = self.now.counts.rate();
        let previous_rate = self.prev.rate();
        Summary {
            counts: self.now.counts,
            success_rate,
            previous_rate,
            change: success_rate.zip(previous_rate).map(|(a, b)| round1(a - b)),
            longest_streak: self.streak,
            review: ReviewCoverage {
                runs: self.now.runs,
                reviewed: u32::try_from(self.now.review_minutes.len()).unwrap_or(u32::MAX),
                median_minutes: median(&self.now.review_minutes),
            },
        }
    }
}

/// The tickets and remarks of customer `customer_id` that were active in the period: started by
/// its end and not resolved before its start. Resolved means resolved by the end of the period.
fn notes_of(
    input: &ReportInput,
    customer_id: i64,
    jobs: &[&JobInput],
) -> (Vec<NoteReport>, Vec<NoteReport>) {
    let period = input.period;
    let end = period.end(input.tz);
    let relevant = |n: &&NoteInput| {
        n.active_from <= period.to
            && n.resolved_at
                .is_none_or(|r| r.with_timezone(&input.tz).date_naive() >= period.from)
    };
    let mut notes: Vec<NoteReport> = input
        .notes
        .iter()
        .filter(relevant)
        .filter_map(|n| {
            let job_names: Vec<String> = jobs
                .iter()
                .filter(|j| n.job_ids.contains(&j.id))
                .map(|j| j.name.clone())
                .collect();
            let whole = n.customer_ids.contains(&customer_id);
            (whole || !job_names.is_empty()).then(|| NoteReport {
                kind: n.kind,
                code: n.code.clone().unwrap_or_else(|| format!("R{}", n.id)),
                text: n.text.clone(),
                active_from: n.active_from,
                resolved_at: n.resolved_at.filter(|r| *r < end),
                jobs: if whole { Vec::new() } else { job_names },
            })
        })
        .collect();
    notes.sort_by(|a, b| (a.active_from, &a.code).cmp(&(b.active_from, &b.code)));
    notes.into_iter().partition(|n| n.kind == NoteKind::Ticket)
}

/// "Daily at 22:00", "Weekly: Mon–Fri at 21:00", "Monthly: 1st, 15th at 03:00", "Irregular",
/// "Not learned yet". Three or more consecutive weekdays are written as a range.
fn schedule_label(schedule: Option<&Schedule>) -> String {
    let Some(s) = schedule else {
        return "Not learned yet".to_string();
    };
    let days = match s {
        Schedule::Weekly { days, .. } => {
            let mut groups: Vec<Vec<chrono::Weekday>> = Vec::new();
            for d in days {
                match groups.last_mut() {
                    Some(g)
                        if g.last()
                            .is_some_and(|l| l.succ() == *d && *d != chrono::Weekday::Mon) =>
                    {
                        g.push(*d)
                    }
                    _ => groups.push(vec![*d]),
                }
            }
            let parts: Vec<String> = groups
                .iter()
                .flat_map(|g| match (g.first(), g.last()) {
                    (Some(a), Some(b)) if g.len() >= 3 => vec![format!("{a}–{b}")],
                    _ => g.iter().map(|d| d.to_string()).collect(),
                })
                .collect();
            format!("Weekly: {}", parts.join(", "))
        }
        other => other.to_string(),
    };
    match s.time() {
        Some(t) => format!("{days} at {}", t.format("%H:%M")),
        None => days,
    }
}

#[cfg(test)]
mod label_tests {
    use super::*;
    use chrono::{NaiveTime, Weekday::*};

    #[test]
    fn consecutive_weekdays_are_a_range() {
        let t = NaiveTime::from_hms_opt(21, 0, 0).unwrap();
        let label = |days: &[chrono::Weekday]| {
            schedule_label(Some(&Schedule::weekly(days.iter().copied(), t)))
        };
        assert_eq!(
            label(&[Mon, Tue, Wed, Thu, Fri]),
            "Weekly: Mon–Fri at 21:00"
        );
        assert_eq!(
            label(&[Mon, Wed, Thu, Fri, Sun]),
            "Weekly: Mon, Wed–Fri, Sun at 21:00"
        );
        assert_eq!(label(&[Mon, Tue]), "Weekly: Mon, Tue at 21:00");
        assert_eq!(schedule_label(Some(&Schedule::Irregular)), "Irregular");
        assert_eq!(schedule_label(None), "Not learned yet");
    }
}
