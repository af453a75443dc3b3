//! The background services of one process, started and stopped together: the same set for the
//! interface and for `daemon`, which differ only in where the events go.

use crate::clock::Clock;
use crate::ingest::{MailSource, SourceError};
use crate::psa::autotask::AutotaskClient;
use crate::services::harness::{Events, ServiceHandle};
use crate::services::importer::{self, ImportEvent};
use crate::services::{autotask_poller, missed_runs, report_scheduler, retention};
use sqlx::PgPool;
use std::sync::Arc;

/// Where each service reports.
pub struct Sinks {
    pub import: Events<ImportEvent>,
    pub missed: Events<missed_runs::Event>,
    pub autotask: Events<autotask_poller::Event>,
    pub reports: Events<report_scheduler::Event>,
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
    pub reports: ServiceHandle,
    /// Only when asked for (see [`Sinks::retention`]).
    pub retention: Option<ServiceHandle>,
}

/// Starts the missed-run check, the report scheduler, the importer (with a source), the Autotask
/// poller (with a client) and retention (when it has a sink) on the current runtime.
pub fn start<S, F>(
    pool: &PgPool,
    clock: Clock,
    make_source: Option<F>,
    autotask: Option<Arc<AutotaskClient>>,
    reports: report_scheduler::Setup,
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
        reports: report_scheduler::spawn(
            pool.clone(),
            clock.clone(),
            report_scheduler::INTERVAL,
            reports,
            sinks.reports,
        ),
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
            Some(&self.reports),
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
            self.reports.stop(),
            stop(self.retention)
        );
    }
}

/// What the report scheduler of this process works with: the folder of the configuration and,
/// when Microsoft Graph is configured, a mailer. A mailer that cannot be made is said in the
/// returned warning; the reports are then only written.
pub fn report_setup(config: &crate::config::Config) -> (report_scheduler::Setup, Option<String>) {
    let folder = config
        .reports
        .folder()
        .unwrap_or_else(|| std::path::PathBuf::from("reports"));
    let (mailer, warning) = if config.graph.is_configured() {
        match crate::ingest::graph::GraphMailer::new(
            &config.graph,
            config.reports.sender.as_deref(),
            crate::ingest::graph::GraphOptions::default(),
        ) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(format!("scheduled reports are not mailed: {e}"))),
        }
    } else {
        (None, None)
    };
    (report_scheduler::Setup { folder, mailer }, warning)
}
