//! The missed-run scheduler: runs the missed-run pass at start, every [`INTERVAL`], on demand and
//! after each import cycle, under the [`Service::MissedRuns`] advisory lock so that processes
//! sharing a database never run two passes at once. When another process holds the lock its pass
//! covers this one, so the pass is skipped rather than queued.

use crate::db::DbError;
use crate::db::locks::{self, Service};
use crate::db::missed::{self, PassReport};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often the pass runs without being asked.
pub const INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Where the current time comes from; tests pass a fixed clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

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
    let trigger = Arc::new(Notify::new());
    let (shutdown, mut stopped) = watch::channel(false);
    let wake = Arc::clone(&trigger);
    let task = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = stopped.changed() => break,
                _ = ticker.tick() => {}
                _ = wake.notified() => {}
            }
            if *stopped.borrow() {
                break;
            }
            run_once(&pool, &clock, &events).await;
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
async fn run_once(pool: &PgPool, clock: &Clock, events: &mpsc::Sender<Event>) {
    let lead = match locks::try_acquire(pool, Service::MissedRuns).await {
        Ok(Some(lead)) => lead,
        Ok(None) => {
            let _ = events.send(Event::Skipped).await;
            return;
        }
        Err(e) => {
            let _ = events.send(failed(&e)).await;
            return;
        }
    };
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
                let _ = events.send(Event::Failed { message }).await;
            }
        }
        Err(e) => {
            let _ = events.send(failed(&e)).await;
        }
    }
    if let Err(e) = lead.release().await {
        tracing::warn!(error = %e, "releasing the missed-run lock");
    }
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
    tracing::warn!(error = %e, "missed-run pass failed");
    Event::Failed {
        message: e.to_string(),
    }
}
