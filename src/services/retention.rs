//! Retention: drops the raw bytes of old mail and removes deleted mail for good, as the shared
//! settings say (both off by default; see `db::retention` for what is never touched). Runs at
//! start, every `retention_interval_hours` (daily by default) and on request, under the
//! [`Service::Retention`] advisory lock; when another process holds it, that process's pass
//! covers this one.

use crate::clock::Clock;
use crate::db::locks::Service;
use crate::db::retention::{self, PassReport, Rules};
use crate::db::settings;
use crate::services::backoff::Backoff;
use crate::services::harness::{self, Contended, Events, PassContext, ServiceHandle, Step};
use sqlx::PgPool;
use std::time::Duration;

/// Progress of retention, for the activity log.
pub type Event = harness::PassEvent<PassReport>;

impl Event {
    /// The event as the activity log words it.
    pub fn describe(&self) -> (String, bool) {
        match self {
            Event::Started => ("started".into(), false),
            Event::Finished(r) => (describe(r), false),
            Event::Skipped => ("skipped: another process runs it".into(), false),
            Event::Failed { message } => (format!("failed: {message}"), true),
        }
    }
}

/// "finished: raw source of 1200 mails dropped, 35 deleted mails removed for good".
pub fn describe(r: &PassReport) -> String {
    use crate::domain::wording::plural;
    if r.off {
        return "off: no retention period is set (Settings)".into();
    }
    let mut text = format!(
        "{}: raw source of {} dropped, {} removed for good",
        if r.stopped { "stopped" } else { "finished" },
        plural(r.raw_dropped, "mail", "mails"),
        plural(r.mails_deleted, "deleted mail", "deleted mails"),
    );
    if r.kept_reviewed > 0 {
        text.push_str(&format!(
            ", {} kept (reviewed runs)",
            plural(r.kept_reviewed, "deleted mail", "deleted mails")
        ));
    }
    text
}

/// Retention as a service of the harness.
pub struct Retention {
    clock: Clock,
    batch: i64,
}

impl harness::Service for Retention {
    type Report = PassReport;
    type Event = Event;
    const NAME: &'static str = "retention";
    const LOCK: Service = Service::Retention;
    const CONTENDED: Contended = Contended::Skip;
    const RUN_AT_START: bool = true;

    async fn interval(&mut self, pool: &PgPool) -> Result<Option<Duration>, String> {
        let policy = settings::policy(pool).await.map_err(|e| e.to_string())?;
        Ok(Some(Duration::from_secs(
            u64::from(policy.retention_interval_hours) * 3600,
        )))
    }

    async fn pass(&mut self, cx: &PassContext<Event>) -> Result<PassReport, String> {
        let policy = settings::policy(&cx.pool)
            .await
            .map_err(|e| e.to_string())?;
        let stop = cx.stop.clone();
        let stopping = move || *stop.borrow();
        retention::run_pass(
            &cx.pool,
            Rules::from_policy(&policy),
            (self.clock)(),
            self.batch,
            &stopping,
        )
        .await
        .map_err(|e| e.to_string())
    }

    fn event(step: Step<PassReport>) -> Option<Event> {
        Event::from_step(step)
    }
}

/// Starts retention; the first pass runs at once.
pub fn spawn(pool: PgPool, clock: Clock, events: Events<Event>) -> ServiceHandle {
    spawn_with(pool, clock, retention::BATCH, events, Backoff::default())
}

/// [`spawn`] with the batch size and retry delays given.
pub fn spawn_with(
    pool: PgPool,
    clock: Clock,
    batch: i64,
    events: Events<Event>,
    retry: Backoff,
) -> ServiceHandle {
    harness::spawn(pool, Retention { clock, batch }, events, retry)
}
