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
use crate::services::backoff::Backoff;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

pub use crate::clock::Clock;

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
    spawn_with(pool, client, clock, events, Backoff::default())
}

/// [`spawn`] with the retry delays given: a failed poll is tried again after the next delay
/// rather than at the next interval.
pub fn spawn_with(
    pool: PgPool,
    client: Arc<AutotaskClient>,
    clock: Clock,
    events: mpsc::Sender<Event>,
    mut retry: Backoff,
) -> AutotaskPollerHandle {
    let trigger = Arc::new(Notify::new());
    let (shutdown, mut stopped) = watch::channel(false);
    let wake = Arc::clone(&trigger);
    let task = tokio::spawn(async move {
        loop {
            if *stopped.borrow() {
                break;
            }
            let ok = run_once(&pool, &client, &clock, &events).await;
            let delay = if ok {
                match defaults::read(&pool).await {
                    Ok(d) => {
                        retry.reset();
                        match d.poll_interval_minutes {
                            0 => None,
                            m => Some(Duration::from_secs(u64::from(m) * 60)),
                        }
                    }
                    Err(e) => {
                        let _ = events.send(failed(&e)).await;
                        Some(retry.next_delay())
                    }
                }
            } else {
                Some(retry.next_delay())
            };
            let wait = async {
                match delay {
                    None => std::future::pending::<()>().await,
                    Some(d) => tokio::time::sleep(d).await,
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

/// One pass under the lock, reported as events; false when the poll failed.
pub async fn run_once(
    pool: &PgPool,
    client: &AutotaskClient,
    clock: &Clock,
    events: &mpsc::Sender<Event>,
) -> bool {
    let lead = match locks::try_acquire(pool, Service::AutotaskPoller).await {
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
    let _ = events.send(Event::Started).await;
    let ok = match ticket_sync::poll(pool, client, clock()).await {
        Ok(report) => {
            let _ = events.send(Event::Finished(report)).await;
            true
        }
        Err(e) => {
            let _ = events.send(failed(&e)).await;
            false
        }
    };
    // Stale picklists only cost the Settings pane its labels: reported, not fatal.
    if let Err(e) = picklist_cache::refresh_if_stale(pool, client, clock()).await {
        let _ = events.send(failed(&e)).await;
    }
    if let Err(e) = lead.release().await {
        tracing::warn!(error = %e, "releasing the Autotask poller lock");
    }
    ok
}

fn failed(e: &dyn std::fmt::Display) -> Event {
    tracing::error!(error = %e, "Autotask poll failed");
    Event::Failed {
        message: e.to_string(),
    }
}
