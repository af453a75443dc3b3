//! Runs a generated corpus through the product the way an MSP starts — import the history, then
//! approve every job, then the missed-run pass — and scores what the product learned and made
//! against the corpus's own truth. Shared by the accuracy test and `cargo bench --bench accuracy`.

use super::corpus::{Corpus, JobTruth};
use backupchecks::db::inbox::{self, CustomerChoice};
use backupchecks::db::jobs::JobIdentity;
use backupchecks::db::{mail, missed, schedules, settings};
use backupchecks::domain::missed::slot_on;
use backupchecks::ingest::folder::FolderSource;
use backupchecks::services::importer;
use chrono::{DateTime, Days, TimeDelta, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use std::path::Path;

/// The product's timezone in the corpus's install.
pub const PRODUCT_TZ: Tz = chrono_tz::Europe::Amsterdam;
/// The default grace the product applies.
const GRACE: TimeDelta = TimeDelta::hours(4);
/// The back-fill the product promises: today and the seven days before.
const BACKFILL_DAYS: u64 = 7;
/// Slots this close to the edge of the back-fill window, or whose grace ends this close to now,
/// are on a boundary where either answer is right; they are counted apart.
const WINDOW_EDGE: TimeDelta = TimeDelta::minutes(90);
const GRACE_EDGE: TimeDelta = TimeDelta::hours(1);
/// A learned slot matches a true one when it is expected this close to it: the product keeps one
/// local time, so a job on a UTC or foreign clock moves an hour against it at a DST change, and
/// reports come up to an hour or two after the start.
const SLOT_MATCH: TimeDelta = TimeDelta::minutes(90);
/// Days before today over which learned schedules are compared with the truth.
const SCHEDULE_DAYS: u64 = 28;

/// How one job came out.
#[derive(Debug, Clone)]
pub struct JobResult {
    pub label: String,
    pub job_name: String,
    pub learned: String,
    pub schedule_right: bool,
    /// Minutes between learned and true slot times, per matched slot.
    pub time_errors: Vec<i64>,
    pub positives: usize,
    pub found: usize,
    /// Missed runs for slots whose report came, or that were not due, or before the job existed.
    pub false_missed: Vec<String>,
    pub not_found: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub mails: usize,
    pub jobs: Vec<JobResult>,
    pub boundary: usize,
    pub created: usize,
}

impl Figures {
    pub fn true_positives(&self) -> usize {
        self.jobs.iter().map(|j| j.found).sum()
    }

    pub fn false_positives(&self) -> usize {
        self.jobs.iter().map(|j| j.false_missed.len()).sum()
    }

    pub fn positives(&self) -> usize {
        self.jobs.iter().map(|j| j.positives).sum()
    }

    pub fn precision(&self) -> f64 {
        let made = self.true_positives() + self.false_positives();
        if made == 0 {
            1.0
        } else {
            self.true_positives() as f64 / made as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.positives() == 0 {
            1.0
        } else {
            self.true_positives() as f64 / self.positives() as f64
        }
    }

    pub fn schedules_right(&self) -> usize {
        self.jobs.iter().filter(|j| j.schedule_right).count()
    }

    pub fn schedule_accuracy(&self) -> f64 {
        self.schedules_right() as f64 / self.jobs.len().max(1) as f64
    }

    /// Median and largest time error over every matched slot, in minutes.
    pub fn time_error(&self) -> (i64, i64) {
        let mut all: Vec<i64> = self
            .jobs
            .iter()
            .flat_map(|j| j.time_errors.iter().copied())
            .collect();
        all.sort_unstable();
        let median = all.get(all.len() / 2).copied().unwrap_or(0);
        (median, all.last().copied().unwrap_or(0))
    }

    /// A readable report: one line per job, then the totals.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for j in &self.jobs {
            out.push_str(&format!(
                "{:<22} {:<42} learned {:<34} {} missed {}/{}{}{}\n",
                j.job_name,
                j.label,
                j.learned,
                if j.schedule_right { "ok   " } else { "WRONG" },
                j.found,
                j.positives,
                if j.false_missed.is_empty() {
                    String::new()
                } else {
                    format!(" false: {}", j.false_missed.join(", "))
                },
                if j.not_found.is_empty() {
                    String::new()
                } else {
                    format!(" not found: {}", j.not_found.join(", "))
                },
            ));
        }
        let (median, max) = self.time_error();
        out.push_str(&format!(
            "corpus: {} jobs, {} mails; schedules right {}/{} ({:.1}%), slot time error median {} min, max {} min\n\
             Missed runs: {} made, {} expected, {} found; precision {:.3}, recall {:.3}; {} boundary slots not scored\n",
            self.jobs.len(),
            self.mails,
            self.schedules_right(),
            self.jobs.len(),
            100.0 * self.schedule_accuracy(),
            median,
            max,
            self.created,
            self.positives(),
            self.true_positives(),
            self.precision(),
            self.recall(),
            self.boundary,
        ));
        out
    }
}

fn identity(job: &JobTruth) -> JobIdentity {
    JobIdentity::new(
        &job.spec.sender,
        "ScriptBackup",
        "Archive",
        &job.spec.job_name,
    )
}

/// Imports the corpus's history into `pool` through the folder importer (the real pipeline), with
/// `dir` as the mail folder. Every job then waits in the Inbox.
pub async fn import_history(pool: &PgPool, corpus: &Corpus, dir: &Path) -> anyhow::Result<()> {
    settings::set(
        pool,
        settings::keys::TIMEZONE,
        &PRODUCT_TZ.name(),
        "accuracy",
    )
    .await?;
    for m in &corpus.mails {
        std::fs::write(dir.join(&m.name), &m.raw)?;
    }
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut source = FolderSource::new(dir);
    let now = corpus.now;
    let summary =
        importer::run_cycle(pool, &mut source, &move || now, &mut |_, _| {}, &stop).await?;
    anyhow::ensure!(
        summary.imported == corpus.mails.len() && summary.waiting == corpus.mails.len(),
        "import: {summary}"
    );
    Ok(())
}

/// Approves every job of the corpus for its customer from the Inbox, as an operator would.
pub async fn approve_all(pool: &PgPool, corpus: &Corpus) -> anyhow::Result<()> {
    for job in &corpus.jobs {
        let waiting = mail::waiting_with_identity(pool, &identity(job)).await?;
        let Some(first) = waiting.first() else {
            anyhow::bail!("no waiting mail for {}", job.spec.job_name);
        };
        let mut tx = pool.begin().await?;
        inbox::approve(
            &mut tx,
            *first,
            &CustomerChoice::New(job.spec.customer.clone()),
            "accuracy",
            corpus.now,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Approves every job of the corpus in one step from a job list, as `jobs import` does.
pub async fn approve_by_job_list(pool: &PgPool, corpus: &Corpus) -> anyhow::Result<()> {
    use backupchecks::db::jobs_transfer;
    use backupchecks::domain::jobs_document::{self, JobEntry};
    let entries: Vec<JobEntry> = corpus
        .jobs
        .iter()
        .map(|j| JobEntry {
            customer: j.spec.customer.clone(),
            sender: j.spec.sender.clone(),
            software: "ScriptBackup".into(),
            backup_type: "Archive".into(),
            job_name: j.spec.job_name.clone(),
            archived: false,
            pinned_schedule: None,
            autotask_company_id: None,
        })
        .collect();
    let rows = jobs_document::read(&jobs_document::write(entries))?;
    let mut conn = pool.acquire().await?;
    let reports = jobs_transfer::import_rows(&mut conn, rows, "accuracy", corpus.now, false).await;
    let (created, _, invalid) = jobs_transfer::counts(&reports);
    anyhow::ensure!(
        created == corpus.jobs.len() && invalid == 0,
        "jobs import: {reports:?}"
    );
    Ok(())
}

/// Runs the missed-run pass at the corpus's `now` and scores the result.
pub async fn pass_and_score(pool: &PgPool, corpus: &Corpus) -> anyhow::Result<Figures> {
    let mut conn = pool.acquire().await?;
    let report = missed::run_pass(&mut conn, corpus.now).await?;
    anyhow::ensure!(report.failed.is_empty(), "pass failed: {:?}", report.failed);
    let mut figures = Figures {
        mails: corpus.mails.len(),
        created: report.created,
        ..Figures::default()
    };
    for job in &corpus.jobs {
        let (result, boundary) = score_job(pool, corpus, job).await?;
        figures.boundary += boundary;
        figures.jobs.push(result);
    }
    Ok(figures)
}

/// Where a slot of the truth stands for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    /// Its report never came and a Missed run must exist.
    MustMiss,
    /// A Missed run must not exist (report came, not due yet, before the job existed, or out
    /// of the back-fill window).
    MustNot,
    /// On a boundary: either is right.
    Either,
}

async fn score_job(
    pool: &PgPool,
    corpus: &Corpus,
    job: &JobTruth,
) -> anyhow::Result<(JobResult, usize)> {
    let tz = PRODUCT_TZ;
    let now = corpus.now;
    let today = now.with_timezone(&tz).date_naive();
    let window_start = local_midnight(tz, today.checked_sub_days(Days::new(BACKFILL_DAYS)))?;
    let first_report = job.first_report();
    let truth: Vec<(DateTime<Utc>, Truth)> = job
        .slots
        .iter()
        .map(|s| {
            let due = s.expected + GRACE;
            let state = if (s.expected - window_start).abs() <= WINDOW_EDGE
                || (due - now).abs() <= GRACE_EDGE
            {
                Truth::Either
            } else if s.sent.is_none()
                && due <= now
                && s.expected >= window_start
                && first_report.is_some_and(|f| s.expected >= f)
            {
                Truth::MustMiss
            } else {
                Truth::MustNot
            };
            (s.expected, state)
        })
        .collect();

    let job_id: i64 =
        sqlx::query_scalar("SELECT id FROM jobs WHERE from_address = $1 AND job_name = $2")
            .bind(identity(job).from_address)
            .bind(&job.spec.job_name)
            .fetch_one(pool)
            .await?;
    let made: Vec<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT run_at FROM job_runs WHERE job_id = $1 AND missed ORDER BY run_at",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await?;

    // Each Missed run answers for the true slot nearest to it.
    let mut answered = vec![false; truth.len()];
    let mut false_missed = Vec::new();
    let boundary = truth.iter().filter(|(_, t)| *t == Truth::Either).count();
    for m in &made {
        let nearest = truth
            .iter()
            .enumerate()
            .filter(|(i, _)| !answered[*i])
            .min_by_key(|(_, (at, _))| (*at - *m).abs());
        match nearest {
            Some((i, (at, state))) if (*at - *m).abs() <= SLOT_MATCH * 2 => {
                answered[i] = true;
                if *state == Truth::MustNot {
                    false_missed.push(local(tz, *m));
                }
            }
            _ => false_missed.push(local(tz, *m)),
        }
    }
    let positives = truth.iter().filter(|(_, t)| *t == Truth::MustMiss).count();
    let mut found = 0;
    let mut not_found = Vec::new();
    for (i, (at, state)) in truth.iter().enumerate() {
        if *state == Truth::MustMiss {
            if answered[i] {
                found += 1;
            } else {
                not_found.push(local(tz, *at));
            }
        }
    }

    // The learned schedule against the true slots of the last four weeks.
    let stored = schedules::get(pool, job_id).await?;
    let learned = stored.learned.clone();
    let (schedule_right, time_errors) = match &learned {
        None => (false, Vec::new()),
        Some(schedule) => {
            let from = today
                .checked_sub_days(Days::new(SCHEDULE_DAYS))
                .unwrap_or(today);
            // A young job is compared from its first slot on.
            let first_slot = job.slots.first().map(|s| s.expected - SLOT_MATCH);
            let r0 = local_midnight(tz, Some(from))?.max(first_slot.unwrap_or(now));
            let r1 = local_midnight(tz, Some(today))?;
            let mine: Vec<DateTime<Utc>> = from
                .checked_sub_days(Days::new(1))
                .unwrap_or(from)
                .iter_days()
                .take_while(|d| *d <= today)
                .filter_map(|d| slot_on(schedule, tz, d).map(|s| s.expected))
                .collect();
            let true_slots: Vec<DateTime<Utc>> = job.slots.iter().map(|s| s.expected).collect();
            let near =
                |a: DateTime<Utc>, set: &[DateTime<Utc>]| set.iter().map(|b| (a - *b).abs()).min();
            let mut errors = Vec::new();
            let mut right = true;
            for t in true_slots.iter().filter(|t| **t >= r0 && **t < r1) {
                match near(*t, &mine) {
                    Some(off) if off <= SLOT_MATCH => errors.push(off.num_minutes()),
                    _ => right = false,
                }
            }
            for m in mine.iter().filter(|m| **m >= r0 && **m < r1) {
                if near(*m, &true_slots).is_none_or(|off| off > SLOT_MATCH) {
                    right = false;
                }
            }
            (right, errors)
        }
    };
    Ok((
        JobResult {
            label: job.spec.label(),
            job_name: job.spec.job_name.clone(),
            learned: learned.map_or("nothing".into(), |s| {
                format!(
                    "{s} {}",
                    s.time()
                        .map_or(String::new(), |t| t.format("%H:%M").to_string())
                )
            }),
            schedule_right,
            time_errors,
            positives,
            found,
            false_missed,
            not_found,
        },
        boundary,
    ))
}

fn local_midnight(tz: Tz, date: Option<chrono::NaiveDate>) -> anyhow::Result<DateTime<Utc>> {
    use chrono::TimeZone;
    let date = date.ok_or_else(|| anyhow::anyhow!("date out of range"))?;
    tz.from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| anyhow::anyhow!("no local midnight on {date}"))
}

fn local(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz).format("%a %d %b %H:%M").to_string()
}
