//! The Autotask poller: keeps linked tickets in step with Autotask (completed, deleted,
//! renumbered) every few minutes (setting `autotask_poll_interval_minutes`, default 5), and on
//! demand when Run Checks opens. One process at a time polls ([`Service::AutotaskPoller`]
//! advisory lock); the others skip, since that pass covers them. Each pass also refreshes the
//! picklist cache when it is a day old.

use crate::clock::Clock;
use crate::db::autotask::defaults;
use crate::db::locks::Service;
use crate::psa::autotask::AutotaskClient;
use crate::psa::picklist_cache;
use crate::psa::ticket_sync::{self, PollReport};
use crate::services::backoff::Backoff;
use crate::services::harness::{self, Contended, Events, PassContext, ServiceHandle, Step};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

/// Progress of the poller, for the activity log and the status line.
pub type Event = harness::PassEvent<PollReport>;

/// The poller as a service of the harness.
pub struct AutotaskPoller {
    client: Arc<AutotaskClient>,
    clock: Clock,
}

impl harness::Service for AutotaskPoller {
    type Report = PollReport;
    type Event = Event;
    const NAME: &'static str = "Autotask poller";
    const LOCK: Service = Service::AutotaskPoller;
    const CONTENDED: Contended = Contended::Skip;
    const RUN_AT_START: bool = true;

    async fn interval(&mut self, pool: &PgPool) -> Result<Option<Duration>, String> {
        let d = defaults::read(pool).await.map_err(|e| e.to_string())?;
        Ok(match d.poll_interval_minutes {
            0 => None,
            m => Some(Duration::from_secs(u64::from(m) * 60)),
        })
    }

    async fn pass(&mut self, cx: &PassContext<Event>) -> Result<PollReport, String> {
        let result = ticket_sync::poll(&cx.pool, &self.client, (self.clock)()).await;
        // Stale picklists only cost the Settings pane its labels: reported, not fatal.
        if let Err(e) =
            picklist_cache::refresh_if_stale(&cx.pool, &self.client, (self.clock)()).await
        {
            tracing::error!(error = %e, "refreshing the Autotask picklists");
            cx.send(Event::Failed {
                message: e.to_string(),
            });
        }
        result.map_err(|e| e.to_string())
    }

    fn event(step: Step<PollReport>) -> Option<Event> {
        Event::from_step(step)
    }
}

/// Starts the poller; the first pass runs at once, then at the interval from the settings
/// (read again before every wait, so a change applies without a restart).
pub fn spawn(
    pool: PgPool,
    client: Arc<AutotaskClient>,
    clock: Clock,
    events: Events<Event>,
) -> ServiceHandle {
    spawn_with(pool, client, clock, events, Backoff::default())
}

/// [`spawn`] with the retry delays given: a failed poll is tried again after the next delay
/// rather than at the next interval.
pub fn spawn_with(
    pool: PgPool,
    client: Arc<AutotaskClient>,
    clock: Clock,
    events: Events<Event>,
    retry: Backoff,
) -> ServiceHandle {
    harness::spawn(pool, AutotaskPoller { client, clock }, events, retry)
}
