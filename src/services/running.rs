//! The background services of one process, started and stopped together: the same set for the
//! interface and for `daemon`, which differ only in where the events go.

use crate::clock::Clock;
use crate::ingest::{MailSource, SourceError};
use crate::psa::autotask::AutotaskClient;
use crate::services::harness::{Events, ServiceHandle};
use crate::services::importer::{self, ImportEvent};
use crate::services::{autotask_poller, missed_runs, retention};
use sqlx::PgPool;
use std::sync::Arc;

/// Where each service reports.
pub struct Sinks {
    pub import: Events<ImportEvent>,
    pub missed: Events<missed_runs::Event>,
    pub autotask: Events<autotask_poller::Event>,
    /// `None`: retention is not run by this process (a login that may not delete for good).
    pub retention: Option<Events<retention::Event>>,
}

/// The running services.
pub struct Services {
    /// Only with a mail source.
    pub importer: Option<ServiceHandle>,
    pub missed: ServiceHandle,
    /// Only with Autotask configured.
    pub poller: Option<ServiceHandle>,
    /// Only when asked for (see [`Sinks::retention`]).
    pub retention: Option<ServiceHandle>,
}

/// Starts the missed-run check, the importer (with a source), the Autotask poller (with a
/// client) and retention (when it has a sink) on the current runtime.
pub fn start<S, F>(
    pool: &PgPool,
    clock: Clock,
    make_source: Option<F>,
    autotask: Option<Arc<AutotaskClient>>,
    sinks: Sinks,
) -> Services
where
    S: MailSource + 'static,
    F: FnMut() -> Result<S, SourceError> + Send + 'static,
{
    Services {
        missed: missed_runs::spawn(
            pool.clone(),
            clock.clone(),
            missed_runs::INTERVAL,
            sinks.missed,
        ),
        importer: make_source
            .map(|make| importer::spawn(pool.clone(), make, sinks.import, chrono::Utc::now)),
        poller: autotask.map(|client| {
            autotask_poller::spawn(pool.clone(), client, clock.clone(), sinks.autotask)
        }),
        retention: sinks
            .retention
            .map(|events| retention::spawn(pool.clone(), clock, events)),
    }
}

impl Services {
    /// The status of every running service, for `/health`.
    pub fn statuses(&self) -> Vec<crate::services::status::StatusCell> {
        [
            self.importer.as_ref(),
            Some(&self.missed),
            self.poller.as_ref(),
            self.retention.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|h| h.status())
        .collect()
    }

    /// Stops every service at once; each stop is bounded (see [`ServiceHandle::stop`]).
    pub async fn stop(self) {
        let stop = |h: Option<ServiceHandle>| async move {
            if let Some(h) = h {
                h.stop().await;
            }
        };
        tokio::join!(
            stop(self.importer),
            self.missed.stop(),
            stop(self.poller),
            stop(self.retention)
        );
    }
}
