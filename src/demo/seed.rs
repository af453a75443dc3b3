//! Seeding a demo database: the history's mails go through the real ingest pipeline in time
//! order, and the operator's actions of those weeks (approvals, overrides, a remark, tickets)
//! happen in between at their own moments, so propagation and override evaluation give real
//! results. Then schedules are learned, missed runs detected, and all but the last two days
//! marked reviewed.

use super::catalogue::Catalogue;
use super::history::{GeneratedMail, HISTORY_DAYS, Intended, history};
use crate::db::inbox::{self, CustomerChoice};
use crate::db::scopes::Scope;
use crate::db::tickets::{self, Code, NewTicket};
use crate::db::{self, DbError, customers, missed, overrides, remarks, runs, schedules, settings};
use crate::domain::missed::local_instant;
use crate::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel};
use crate::domain::schedule::{MonthDay, PinnedSchedule, Schedule};
use crate::domain::status::Status;
use crate::ingest::pipeline::{Incoming, Outcome, ingest_batch};
use chrono::{DateTime, Days, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sqlx::{Connection, PgConnection, PgPool};
use std::collections::HashMap;

/// Who did the operator's work in the demo's history.
pub const OPERATOR: &str = "demo";
/// Mails per ingest transaction.
const BATCH: usize = 50;
/// Concurrent ingest streams (connections).
const STREAMS: usize = 4;
/// Runs younger than this stay unreviewed: the morning's queue.
pub const UNREVIEWED: TimeDelta = TimeDelta::hours(48);

/// What seeding made, for a status line and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSummary {
    /// Mails fed through the pipeline.
    pub mails: usize,
    pub counts: db::demo::Counts,
    /// Jobs whose mail still waits in the Inbox for approval.
    pub waiting_jobs: usize,
    /// Code of the open ticket on the failing job.
    pub ticket_code: String,
    /// Database ids of the featured jobs.
    pub failing_job_id: i64,
    pub flaky_job_id: i64,
    pub silent_job_id: i64,
}

/// A moment in the history when the operator did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Approve,
    Overrides,
    OpenOldTicket,
    ResolveOldTicket,
    Remark,
    Ticket,
}

/// State carried through the history.
#[derive(Default)]
struct State {
    customers: HashMap<usize, i64>,
    jobs: HashMap<usize, i64>,
    /// First waiting mail of each job (id, arrival), for approving it.
    waiting: HashMap<usize, (i64, DateTime<Utc>)>,
    old_ticket: Option<i64>,
    ticket_code: String,
}

/// Seeds an empty, migrated database with the demo: 35 days of history up to `now` in `tz`.
/// `progress(done, total)` follows the mails through the pipeline.
pub async fn seed(
    pool: &PgPool,
    now: DateTime<Utc>,
    tz: Tz,
    mut progress: impl FnMut(usize, usize),
) -> Result<SeedSummary, DbError> {
    let cat = Catalogue::standard();
    let mails = history(&cat, now, tz);
    let total = mails.len();
    progress(0, total);
    let mut conn = pool.acquire().await?;
    settings::set(&mut *conn, settings::keys::TIMEZONE, &tz.name(), OPERATOR).await?;
    let mut state = State::default();
    for (i, c) in cat.customers.iter().enumerate() {
        if c.existing {
            let id = customers::create(&mut *conn, c.name).await?.id;
            state.customers.insert(i, id);
        }
    }
    let today = now.with_timezone(&tz).date_naive();
    let at = |days_ago: i64, h: u32, m: u32| {
        today
            .checked_sub_days(Days::new(u64::try_from(days_ago).unwrap_or(0)))
            .zip(NaiveTime::from_hms_opt(h, m, 0))
            .and_then(|(d, t)| local_instant(tz, d, t))
            .unwrap_or(now)
    };
    let mut events = vec![
        (at(HISTORY_DAYS - 6, 9, 10), Event::Approve),
        (at(HISTORY_DAYS - 6, 10, 5), Event::Overrides),
        (at(20, 9, 40), Event::OpenOldTicket),
        (at(18, 15, 20), Event::ResolveOldTicket),
        (at(9, 11, 0), Event::Remark),
        (at(2, 8, 50), Event::Ticket),
    ];
    events.retain(|(t, _)| *t <= now);
    let mut next = 0;
    for (t, event) in events {
        let upto = mails.partition_point(|m| m.at < t);
        ingest(pool, &mails, next..upto, now, &mut state, &mut progress).await?;
        next = upto;
        act(pool, &mut conn, &cat, &mut state, event, t).await?;
    }
    ingest(pool, &mails, next..total, now, &mut state, &mut progress).await?;
    // Jobs whose first report came after the big approval (the monthly copy, a notice).
    let late: Vec<(usize, (i64, DateTime<Utc>))> = state
        .waiting
        .iter()
        .filter(|(i, _)| {
            !state.jobs.contains_key(i) && cat.jobs.get(**i).is_some_and(|j| j.approved)
        })
        .map(|(i, w)| (*i, *w))
        .collect();
    for (i, (mail_id, first)) in late {
        let when = (first + TimeDelta::hours(3)).min(now);
        approve(&mut conn, &cat, &mut state, i, mail_id, when).await?;
    }
    let f = cat.featured();
    if let Some(&job_id) = state.jobs.get(&f.monthly) {
        let pinned = PinnedSchedule {
            schedule: Schedule::monthly([MonthDay::Day(1)], cat.jobs[f.monthly].time),
            grace_minutes: None,
        };
        schedules::pin(&mut conn, job_id, &pinned, OPERATOR).await?;
    }
    missed::run_pass(&mut conn, now).await?;
    db::demo::review_history(&mut *conn, now - UNREVIEWED, OPERATOR).await?;
    let waiting_jobs = state
        .waiting
        .keys()
        .filter(|i| !state.jobs.contains_key(i))
        .count();
    let job = |i: usize| state.jobs.get(&i).copied().unwrap_or(0);
    Ok(SeedSummary {
        mails: total,
        counts: db::demo::counts(&mut *conn).await?,
        waiting_jobs,
        ticket_code: state.ticket_code.clone(),
        failing_job_id: job(f.failing),
        flaky_job_id: job(f.flaky),
        silent_job_id: job(f.silent),
    })
}

/// What one stream reports after each batch: mails done, and first waiting mails per job.
type BatchReport = Result<(usize, Vec<(usize, i64, DateTime<Utc>)>), DbError>;

/// Feeds `mails[range]` through the pipeline in batches, as the importer would have. The mails
/// are split by job over [`STREAMS`] concurrent streams, each in time order, so one job's mails
/// are still handled one after the other while the database works on several jobs at once.
async fn ingest(
    pool: &PgPool,
    mails: &[GeneratedMail],
    range: std::ops::Range<usize>,
    now: DateTime<Utc>,
    state: &mut State,
    progress: &mut impl FnMut(usize, usize),
) -> Result<(), DbError> {
    let mut done = range.start;
    let Some(slice) = mails.get(range) else {
        return Ok(());
    };
    let mut streams: Vec<Vec<(Incoming, Option<usize>)>> = vec![Vec::new(); STREAMS];
    for m in slice {
        let job = match &m.intended {
            Intended::Report { job, .. } => Some(*job),
            Intended::Unparsed => None,
        };
        let incoming = Incoming {
            source: "demo",
            source_id: None,
            received_at: Some(m.at),
            raw: m.raw.clone(),
        };
        if let Some(stream) = streams.get_mut(job.unwrap_or(0) % STREAMS) {
            stream.push((incoming, job));
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<BatchReport>();
    let mut tasks = tokio::task::JoinSet::new();
    for stream in streams.into_iter().filter(|s| !s.is_empty()) {
        let (pool, tx) = (pool.clone(), tx.clone());
        tasks.spawn(async move {
            for chunk in stream.chunks(BATCH) {
                let incoming: Vec<Incoming> = chunk.iter().map(|(i, _)| i.clone()).collect();
                // Imported as the batch's last mail arrived, as a running importer would have.
                let imported_at = incoming.last().and_then(|i| i.received_at).unwrap_or(now);
                let outcomes = ingest_batch(&pool, &incoming, imported_at).await;
                let mut waiting = Vec::new();
                let mut failed = None;
                for ((i, job), outcome) in chunk.iter().zip(outcomes) {
                    match (outcome, job) {
                        (Ok(Outcome::Waiting { mail_id }), Some(job)) => {
                            waiting.push((*job, mail_id, i.received_at.unwrap_or(now)));
                        }
                        (Err(e), _) => failed = Some(e),
                        _ => {}
                    }
                }
                let report = match failed {
                    Some(e) => Err(e),
                    None => Ok((chunk.len(), waiting)),
                };
                let stop = report.is_err();
                if tx.send(report).is_err() || stop {
                    return;
                }
            }
        });
    }
    drop(tx);
    let mut result = Ok(());
    while let Some(report) = rx.recv().await {
        match report {
            Ok((n, waiting)) => {
                for (job, mail_id, at) in waiting {
                    state.waiting.entry(job).or_insert((mail_id, at));
                }
                done += n;
                progress(done, mails.len());
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    // Dropping the receiver stops the other streams after their current batch.
    drop(rx);
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| DbError::Task(e.to_string()))?;
    }
    result
}

async fn approve(
    conn: &mut PgConnection,
    cat: &Catalogue,
    state: &mut State,
    index: usize,
    mail_id: i64,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    let Some(&customer) = cat
        .jobs
        .get(index)
        .and_then(|j| state.customers.get(&j.customer))
    else {
        return Ok(());
    };
    let mut tx = conn.begin().await?;
    let done = inbox::approve(
        &mut tx,
        mail_id,
        &CustomerChoice::Existing(customer),
        OPERATOR,
        at,
    )
    .await?;
    tx.commit().await?;
    state.jobs.insert(index, done.job_id);
    Ok(())
}

/// The newest run of job `index` at this point of the history.
async fn newest_run(
    conn: &mut PgConnection,
    state: &State,
    index: usize,
) -> Result<Option<i64>, DbError> {
    let Some(&job_id) = state.jobs.get(&index) else {
        return Ok(None);
    };
    Ok(runs::for_job(&mut *conn, job_id)
        .await?
        .first()
        .map(|r| r.id))
}

/// Does what the operator did at `t`.
async fn act(
    pool: &PgPool,
    conn: &mut PgConnection,
    cat: &Catalogue,
    state: &mut State,
    event: Event,
    t: DateTime<Utc>,
) -> Result<(), DbError> {
    let f = cat.featured();
    let job_id = |state: &State, i: usize| state.jobs.get(&i).copied();
    match event {
        Event::Approve => {
            let mut ready: Vec<(usize, i64, i64)> = state
                .waiting
                .iter()
                .filter(|(i, _)| cat.jobs[**i].approved)
                .filter_map(|(i, (mail, _))| {
                    let customer = state.customers.get(&cat.jobs[*i].customer)?;
                    Some((*i, *mail, *customer))
                })
                .collect();
            ready.sort_unstable();
            // Approving creates the runs of a week of mail: spread over connections too.
            let mut tasks = tokio::task::JoinSet::new();
            for k in 0..STREAMS {
                let mine: Vec<(usize, i64, i64)> = ready
                    .iter()
                    .copied()
                    .filter(|(i, ..)| i % STREAMS == k)
                    .collect();
                let pool = pool.clone();
                tasks.spawn(async move {
                    let mut made = Vec::new();
                    for (i, mail_id, customer) in mine {
                        let mut tx = pool.begin().await?;
                        let choice = CustomerChoice::Existing(customer);
                        let done = inbox::approve(&mut tx, mail_id, &choice, OPERATOR, t).await?;
                        tx.commit().await?;
                        made.push((i, done.job_id));
                    }
                    Ok::<_, DbError>(made)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let made = joined.map_err(|e| DbError::Task(e.to_string()))??;
                state.jobs.extend(made);
            }
        }
        Event::Overrides => {
            if let Some(job_id) = job_id(state, f.known_warning) {
                let object = match &cat.jobs[f.known_warning].pattern {
                    super::Pattern::KnownWarning(o) => (*o).to_string(),
                    _ => String::new(),
                };
                let draft = OverrideDraft {
                    level: OverrideLevel::Object {
                        job_id,
                        object_name: object,
                    },
                    match_status: Some(Status::Warning),
                    match_text: "Changed block tracking cannot be enabled".into(),
                    match_mode: MatchMode::Contains,
                    valid_from: None,
                    valid_until: None,
                    treat_as_success: true,
                };
                let note = "The file server keeps a snapshot for its replication software, so \
                            CBT cannot be enabled; the backup itself is complete.";
                overrides::create(conn, &draft, Some(note), OPERATOR, t).await?;
            }
            if let Some(job_id) = job_id(state, f.files_in_use) {
                let draft = OverrideDraft {
                    level: OverrideLevel::Job { job_id },
                    match_status: Some(Status::Warning),
                    match_text: "could not be backed up because they are in use".into(),
                    match_mode: MatchMode::Contains,
                    valid_from: None,
                    valid_until: None,
                    treat_as_success: true,
                };
                let note = "Open Outlook files on the workstations; the server copy is backed up.";
                overrides::create(conn, &draft, Some(note), OPERATOR, t).await?;
            }
        }
        Event::OpenOldTicket => {
            if let Some(job_id) = job_id(state, f.resolved_ticket) {
                let new = NewTicket {
                    code: Code::Internal,
                    description: "Acronis cannot reach the backup location for GB-KANTOOR: the \
                                  office NAS share was renamed. Update the plan's destination."
                        .into(),
                    autotask_ticket_id: None,
                    scopes: vec![Scope::Job { job_id }],
                };
                let ticket = tickets::create(conn, &new, OPERATOR, t).await?;
                if let Some(run) = newest_run(conn, state, f.resolved_ticket).await? {
                    tickets::link_run(conn, ticket.id, run, OPERATOR).await?;
                }
                state.old_ticket = Some(ticket.id);
            }
        }
        Event::ResolveOldTicket => {
            if let Some(id) = state.old_ticket {
                tickets::resolve(conn, id, OPERATOR, t).await?;
            }
        }
        Event::Remark => {
            if let Some(job_id) = job_id(state, f.flaky) {
                let new = remarks::NewRemark {
                    body: "Warns on Tuesdays and Fridays: the agenda database is still open when \
                           the evening backup runs (late consultations). Harmless; the next run \
                           picks the file up."
                        .into(),
                    scopes: vec![Scope::Job { job_id }],
                };
                let remark = remarks::create(conn, &new, OPERATOR, t).await?;
                if let Some(run) = newest_run(conn, state, f.flaky).await? {
                    remarks::link_run(conn, remark.id, run, OPERATOR).await?;
                }
            }
        }
        Event::Ticket => {
            if let Some(job_id) = job_id(state, f.failing) {
                let new = NewTicket {
                    code: Code::Internal,
                    description: "pve1: backup storage 'backup-nas' is full, vzdump fails with \
                                  \"No space left on device\" for mer-files, mer-cad and \
                                  mer-vault. Waiting for the customer to approve a larger volume."
                        .into(),
                    autotask_ticket_id: None,
                    scopes: vec![Scope::Job { job_id }],
                };
                let ticket = tickets::create(conn, &new, OPERATOR, t).await?;
                if let Some(run) = newest_run(conn, state, f.failing).await? {
                    tickets::link_run(conn, ticket.id, run, OPERATOR).await?;
                }
                state.ticket_code = ticket.ticket_code;
            }
        }
    }
    Ok(())
}
