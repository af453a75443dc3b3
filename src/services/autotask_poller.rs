//! The Autotask poller: keeps linked tickets in step with Autotask (completed, deleted,
//! renumbered) every few minutes (setting `autotask_poll_interval_minutes`, default 5), and on
//! demand when Run Checks opens. One process at a time polls ([`Service::AutotaskPoller`]
//! advisory lock); the others skip, since that pass covers them. Each pass also refreshes the
//! picklist cache when it is a day old.

use crate::db::autotask::defaults;
use crate::db::locks::{self, Service};
use crate::psa::autotask::AutotaskClient;
use crate::psa::picklist_cache;
use crate::psa::ticket_sync::{self, PollReport};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

/// Where the current time comes from; tests pass a fixed clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Progress of the poller, for the activity log and the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Started,
    Finished(PollReport),
    /// Another process is polling right now.
    Skipped,
    /// The pass failed (Autotask unreachable, refused, ...); the next one tries again.
    Failed {
        message: String,
    },
}

/// Controls a running poller task.
#[derive(Debug)]
pub struct AutotaskPollerHandle {
    trigger: Arc<Notify>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl AutotaskPollerHandle {
    /// Asks for a pass now (Run Checks opened). Requests during a pass lead to one more after it.
    pub fn run_now(&self) {
        self.trigger.notify_one();
    }

    /// Stops the task after the pass in progress, if any, and waits for it.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "Autotask poller ended abnormally");
        }
    }
}

/// Starts the poller; the first pass runs at once, then at the interval from the settings
/// (read again before every wait, so a change applies without a restart).
pub fn spawn(
    pool: PgPool,
    client: Arc<AutotaskClient>,
    clock: Clock,
    events: mpsc::Sender<Event>,
) -> AutotaskPollerHandle {
    let trigger = Arc::new(Notify::new());
    let (shutdown, mut stopped) = watch::channel(false);
    let wake = Arc::clone(&trigger);
    let task = tokio::spawn(async move {
        loop {
            if *stopped.borrow() {
                break;
            }
            run_once(&pool, &client, &clock, &events).await;
            let minutes = match defaults::read(&pool).await {
                Ok(d) => d.poll_interval_minutes,
                Err(e) => {
                    let _ = events
                        .send(Event::Failed {
                            message: e.to_string(),
                        })
                        .await;
                    defaults::AutotaskDefaults::default().poll_interval_minutes
                }
            };
            let wait = async {
                match minutes {
                    0 => std::future::pending::<()>().await,
                    m => tokio::time::sleep(Duration::from_secs(u64::from(m) * 60)).await,
                }
            };
            tokio::select! {
                biased;
                _ = stopped.changed() => break,
                _ = wake.notified() => {}
                _ = wait => {}
            }
        }
    });
    AutotaskPollerHandle {
        trigger,
        shutdown,
        task,
    }
}

/// One pass under the lock, reported as events.
pub async fn run_once(
    pool: &PgPool,
    client: &AutotaskClient,
    clock: &Clock,
    events: &mpsc::Sender<Event>,
) {
    let lead = match locks::try_acquire(pool, Service::AutotaskPoller).await {
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
    match ticket_sync::poll(pool, client, clock()).await {
        Ok(report) => {
            let _ = events.send(Event::Finished(report)).await;
        }
        Err(e) => {
            let _ = events.send(failed(&e)).await;
        }
    }
    // Stale picklists only cost the Settings pane its labels: reported, not fatal.
    if let Err(e) = picklist_cache::refresh_if_stale(pool, client, clock()).await {
        let _ = events.send(failed(&e)).await;
    }
    if let Err(e) = lead.release().await {
        tracing::warn!(error = %e, "releasing the Autotask poller lock");
    }
}

fn failed(e: &dyn std::fmt::Display) -> Event {
    tracing::warn!(error = %e, "Autotask poll failed");
    Event::Failed {
        message: e.to_string(),
    }
}
