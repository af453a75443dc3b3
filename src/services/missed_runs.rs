//! The missed-run scheduler: runs the missed-run pass at start, every [`INTERVAL`], on demand and
//! after each import cycle, under the [`Service::MissedRuns`] advisory lock so that processes
//! sharing a database never run two passes at once. When another process holds the lock its pass
//! covers this one, so the pass is skipped rather than queued.

use crate::db::DbError;
use crate::db::locks::{self, Service};
use crate::db::missed::{self, PassReport};
use crate::services::backoff::Backoff;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often the pass runs without being asked.
pub const INTERVAL: Duration = Duration::from_secs(15 * 60);

pub use crate::clock::Clock;

/// Progress of the scheduler, for the activity log and the status line.
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

/// Controls a running scheduler task.
#[derive(Debug)]
pub struct MissedRunsHandle {
    trigger: Arc<Notify>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl MissedRunsHandle {
    /// Asks for a pass now (e.g. when Run Checks opens). Requests made during a pass lead to one
    /// more pass after it.
    pub fn run_now(&self) {
        self.trigger.notify_one();
    }

    /// Tells the scheduler an import cycle finished: new runs may have satisfied or missed slots.
    pub fn import_finished(&self) {
        self.trigger.notify_one();
    }

    /// Stops the task after the pass in progress, if any, and waits for it.
    pub async fn stop(self) {
        // An error means the task is gone already, which is the goal.
        let _ = self.shutdown.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "missed-run scheduler ended abnormally");
        }
    }
}

/// Starts the scheduler on the current tokio runtime; the first pass runs at once.
pub fn spawn(
    pool: PgPool,
    clock: Clock,
    interval: Duration,
    events: mpsc::Sender<Event>,
) -> MissedRunsHandle {
    spawn_with(pool, clock, interval, events, Backoff::default())
}

/// [`spawn`] with the retry delays given: a failed pass is tried again after the next delay
/// rather than at the next interval.
pub fn spawn_with(
    pool: PgPool,
    clock: Clock,
    interval: Duration,
    events: mpsc::Sender<Event>,
    mut retry: Backoff,
) -> MissedRunsHandle {
    let trigger = Arc::new(Notify::new());
    let (shutdown, mut stopped) = watch::channel(false);
    let wake = Arc::clone(&trigger);
    let task = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut retry_after: Option<Duration> = None;
        loop {
            tokio::select! {
                biased;
                _ = stopped.changed() => break,
                _ = ticker.tick(), if retry_after.is_none() => {}
                _ = tokio::time::sleep(retry_after.unwrap_or_default()), if retry_after.is_some() => {}
                _ = wake.notified() => {}
            }
            if *stopped.borrow() {
                break;
            }
            retry_after = if run_once(&pool, &clock, &events).await {
                retry.reset();
                None
            } else {
                Some(retry.next_delay())
            };
        }
    });
    MissedRunsHandle {
        trigger,
        shutdown,
        task,
    }
}

/// One pass under the lock, reported as events. A closed event channel only means nobody is
/// listening any more; the pass itself still counts.
/// One pass; false when it failed (the caller retries sooner than the interval).
async fn run_once(pool: &PgPool, clock: &Clock, events: &mpsc::Sender<Event>) -> bool {
    let lead = match locks::try_acquire(pool, Service::MissedRuns).await {
        Ok(Some(lead)) => lead,
        Ok(None) => {
            let _ = events.send(Event::Skipped).await;
            return true;
        }
        Err(e) => {
            let _ = events.send(failed(&e)).await;
            return false;
        }
    };
    let mut ok = true;
    let _ = events.send(Event::Started).await;
    match pass(pool, clock()).await {
        Ok(report) => {
            let _ = events
                .send(Event::Finished {
                    created: report.created,
                    removed: report.removed,
                })
                .await;
            if !report.failed.is_empty() {
                let jobs: Vec<String> = report
                    .failed
                    .iter()
                    .map(|(job, why)| format!("job {job}: {why}"))
                    .collect();
                let message = format!("missed runs not checked for {}", jobs.join("; "));
                tracing::error!("{message}");
                let _ = events.send(Event::Failed { message }).await;
                ok = false;
            }
        }
        Err(e) => {
            let _ = events.send(failed(&e)).await;
            ok = false;
        }
    }
    if let Err(e) = lead.release().await {
        tracing::warn!(error = %e, "releasing the missed-run lock");
    }
    ok
}

/// One pass now under the lock, for a caller that is not the scheduler (`import --once`). `None`
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
    let mut conn = pool.acquire().await?;
    missed::run_pass(&mut conn, now).await
}

fn failed(e: &DbError) -> Event {
    tracing::error!(error = %e, "missed-run pass failed; trying again soon");
    Event::Failed {
        message: e.to_string(),
    }
}
