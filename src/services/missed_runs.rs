//! The missed-run check: runs the missed-run pass at start, every [`INTERVAL`], on demand and
//! after each import cycle, under the [`Service::MissedRuns`] advisory lock so that processes
//! sharing a database never run two passes at once. When another process holds the lock its pass
//! covers this one, so the pass is skipped rather than queued. After a pass it vacuums the runs
//! table when many runs changed (see [`upkeep`]).

use crate::clock::Clock;
use crate::db::DbError;
use crate::db::locks::{self, Service};
use crate::db::missed::{self, PassReport};
use crate::db::upkeep;
use crate::services::backoff::Backoff;
use crate::services::harness::{self, Contended, Events, PassContext, ServiceHandle, Step};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;

/// How often the pass runs without being asked.
pub const INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Progress of the check, for the activity log and the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// This process leads and a pass began.
    Started,
    Finished {
        created: usize,
        removed: usize,
    },
    /// Another process is running the pass right now.
    Skipped,
    Failed {
        message: String,
    },
}

/// The check as a service of the harness.
pub struct MissedRuns {
    clock: Clock,
    interval: Duration,
}

impl harness::Service for MissedRuns {
    type Report = PassReport;
    type Event = Event;
    const NAME: &'static str = "missed-run check";
    const LOCK: Service = Service::MissedRuns;
    const CONTENDED: Contended = Contended::Skip;
    const RUN_AT_START: bool = true;

    async fn interval(&mut self, _pool: &PgPool) -> Result<Option<Duration>, String> {
        Ok(Some(self.interval))
    }

    async fn pass(&mut self, cx: &PassContext<Event>) -> Result<PassReport, String> {
        pass(&cx.pool, (self.clock)())
            .await
            .map_err(|e| e.to_string())
    }

    fn unfinished(report: &PassReport) -> Option<String> {
        if report.failed.is_empty() {
            return None;
        }
        let jobs: Vec<String> = report
            .failed
            .iter()
            .map(|(job, why)| format!("job {job}: {why}"))
            .collect();
        Some(format!("missed runs not checked for {}", jobs.join("; ")))
    }

    fn event(step: Step<PassReport>) -> Option<Event> {
        Some(match step {
            Step::Started => Event::Started,
            Step::Finished(r) => Event::Finished {
                created: r.created,
                removed: r.removed,
            },
            Step::Skipped => Event::Skipped,
            Step::Failed { message, .. } => Event::Failed { message },
            Step::Waiting(_) => return None,
        })
    }
}

/// Starts the check; the first pass runs at once. Ask for a pass after an import cycle with
/// [`ServiceHandle::run_now`]: new runs may have satisfied or missed slots.
pub fn spawn(
    pool: PgPool,
    clock: Clock,
    interval: Duration,
    events: Events<Event>,
) -> ServiceHandle {
    spawn_with(pool, clock, interval, events, Backoff::default())
}

/// [`spawn`] with the retry delays given: a failed pass is tried again after the next delay
/// rather than at the next interval.
pub fn spawn_with(
    pool: PgPool,
    clock: Clock,
    interval: Duration,
    events: Events<Event>,
    retry: Backoff,
) -> ServiceHandle {
    harness::spawn(pool, MissedRuns { clock, interval }, events, retry)
}

/// One pass now under the lock, for a caller that is not the service (`import --once`). `None`
/// when another process is running the pass at this moment: its pass covers this one.
pub async fn pass_once(pool: &PgPool, now: DateTime<Utc>) -> Result<Option<PassReport>, DbError> {
    let Some(lead) = locks::try_acquire(pool, Service::MissedRuns).await? else {
        return Ok(None);
    };
    let result = pass(pool, now).await;
    if let Err(e) = lead.release().await {
        tracing::warn!(error = %e, "releasing the missed-run lock");
    }
    result.map(Some)
}

async fn pass(pool: &PgPool, now: DateTime<Utc>) -> Result<PassReport, DbError> {
    let report = {
        let mut conn = pool.acquire().await?;
        missed::run_pass(&mut conn, now).await?
    };
    // The pass follows every import cycle and runs every quarter hour under the lock, so one
    // process looks after the runs table for all. Upkeep is no part of the pass's outcome.
    match upkeep::vacuum_runs_if_due(pool, upkeep::DUE_AFTER).await {
        Ok(true) => tracing::info!("runs table vacuumed"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "vacuuming the runs table"),
    }
    Ok(report)
}
