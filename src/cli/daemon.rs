//! `backupchecks daemon`: the background services without the interface, for a server install —
//! mail import, the missed-run check, the report scheduler, the Autotask poller and retention,
//! until SIGTERM or Ctrl-C. Under
//! systemd it reports readiness and stopping (`Type=notify`); with `--health-listen` it answers
//! `GET /health`.

use crate::config;
use crate::db;
use crate::ingest::configured::AnySource;
use crate::psa::autotask::{AutotaskClient, ClientOptions};
use crate::services::health::server::{self as health_server, HealthServer};
use crate::services::running::{self, Sinks};
use crate::services::{autotask_poller, importer, missed_runs, report_scheduler, retention};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Run importer, missed-run check, report scheduler, Autotask poller and retention without the
/// interface.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Import from this directory instead of the Microsoft Graph mailbox.
    #[arg(long, value_name = "DIR")]
    pub from_dir: Option<PathBuf>,

    /// Serve GET /health (JSON; 200 when healthy, 503 when the database does not answer or a
    /// service failed its last 3 attempts) on this address: PORT alone means 127.0.0.1:PORT.
    #[arg(long, value_name = "[ADDR:]PORT")]
    pub health_listen: Option<String>,

    /// Allow --health-listen on an address other machines can reach (refused otherwise).
    #[arg(long, requires = "health_listen")]
    pub health_allow_remote: bool,
}

pub async fn run(args: Args, explicit: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    // A wrong address is said at once, not after waiting for the database.
    let health = match &args.health_listen {
        Some(text) => Some(
            health_server::listen_address(text, args.health_allow_remote)
                .map_err(anyhow::Error::msg)?,
        ),
        None => None,
    };
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    let _log = crate::logging::init(&loaded.config.log);
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let db = super::wait_db::open_waiting(&loaded.config.database).await?;
    let pool = db.pool().clone();
    let policy = db::settings::policy(&pool).await?;
    let clock = crate::clock::system();

    let (mtx, mut mrx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(ev) = mrx.recv().await {
            match ev {
                missed_runs::Event::Failed { message } => {
                    tracing::error!("missed-run check failed: {message}")
                }
                ev => tracing::info!("missed-run check: {ev:?}"),
            }
        }
    });
    let (itx, mut irx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(ev) = irx.recv().await {
            log_import_event(ev);
        }
    });
    let (ptx, mut prx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(ev) = prx.recv().await {
            match ev {
                autotask_poller::Event::Failed { message } => {
                    tracing::error!("Autotask poller failed: {message}")
                }
                ev => tracing::info!("Autotask poller: {ev:?}"),
            }
        }
    });
    let (retention_tx, mut retention_rx) = mpsc::unbounded_channel::<retention::Event>();
    tokio::spawn(async move {
        while let Some(ev) = retention_rx.recv().await {
            match ev.describe() {
                (text, true) => tracing::error!("retention {text}"),
                (text, false) => tracing::info!("retention {text}"),
            }
        }
    });

    let (rtx, mut rrx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(ev) = rrx.recv().await {
            log_report_event(ev);
        }
    });

    let graph = loaded.config.graph.clone();
    let source: Option<Box<dyn FnMut() -> Result<AnySource, crate::ingest::SourceError> + Send>> =
        match &args.from_dir {
            Some(dir) => {
                let dir = dir.clone();
                Some(Box::new(move || Ok(AnySource::folder(&dir))))
            }
            None if graph.is_configured() => {
                let policy = policy.clone();
                Some(Box::new(move || AnySource::graph(&graph, &policy)))
            }
            None => None,
        };
    let client = if loaded.config.autotask.is_configured() {
        Some(Arc::new(AutotaskClient::new(
            &loaded.config.autotask,
            ClientOptions::default(),
        )?))
    } else {
        None
    };
    let sinks = Sinks {
        import: itx,
        missed: mtx,
        autotask: ptx,
        reports: rtx,
        // Retention removes mail for good, which only an admin login may.
        retention: db
            .login()
            .default_role()
            .can(crate::domain::roles::Capability::Administer)
            .then_some(retention_tx),
    };
    let (reports, report_warning) = running::report_setup(&loaded.config);
    if let Some(w) = &report_warning {
        eprintln!("warning: {w}");
        tracing::warn!("{w}");
    }
    let report_line = format!(
        "report scheduler into {}{}",
        reports.folder.display(),
        match &reports.mailer {
            Some(m) => format!(", mailing as {}", m.sender()),
            None => ", not mailing (no [graph])".to_string(),
        }
    );
    // The services on a pool of their own, large enough for all of them at once.
    let service_pool = db.login_pool();
    let services = running::start(&service_pool, clock, source, client, reports, sinks);
    if let Some(importer) = &services.importer {
        // One cycle at start; then the interval of the settings.
        importer.run_now();
    }

    let mut described = vec!["missed-run check every 15 min".to_string()];
    described.push(match (&services.importer, policy.import_interval_minutes) {
        (None, _) => "no mail import (configure [graph] or pass --from-dir)".into(),
        (Some(_), Some(m)) => format!("mail import now and every {m} min"),
        (Some(_), None) => "mail import once (no import interval set)".into(),
    });
    if services.poller.is_some() {
        described.push("Autotask poller".into());
    }
    let retention_set =
        policy.retention_raw_days.is_some() || policy.retention_deleted_days.is_some();
    described.push(match (&services.retention, retention_set) {
        (None, _) => "no retention (this login is not an admin)".into(),
        (Some(_), true) => format!("retention every {} h", policy.retention_interval_hours),
        (Some(_), false) => "retention off (no period set)".into(),
    });
    described.push(report_line);
    let health = match health {
        Some((addr, warning)) => {
            if let Some(w) = warning {
                eprintln!("{w}");
                tracing::warn!("{w}");
            }
            let server = HealthServer::start(addr, pool.clone(), services.statuses())
                .await
                .map_err(|e| anyhow::anyhow!("cannot serve /health on {addr}: {e}"))?;
            described.push(format!("health on http://{}/health", server.addr()));
            Some(server)
        }
        None => None,
    };
    let line = format!(
        "backupchecks daemon on {}: {}",
        db.target(),
        described.join(", ")
    );
    eprintln!("{line}");
    super::systemd::notify(&format!("READY=1\nSTATUS={line}"));

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    eprintln!("stopping…");
    super::systemd::notify("STOPPING=1\nSTATUS=stopping");
    if let Some(server) = health {
        server.stop();
    }
    services.stop().await;
    db.close().await?;
    Ok(ExitCode::SUCCESS)
}

/// Scheduler events into the log: a mail that may have gone out is an error an operator must
/// settle, so it stands out like a failure.
fn log_report_event(ev: report_scheduler::Event) {
    use report_scheduler::Event;
    match ev {
        Event::Started | Event::Skipped => tracing::debug!("report scheduler: {ev:?}"),
        Event::Finished(r) => {
            for f in &r.failed {
                tracing::error!("scheduled report not sent: {f}");
            }
            for u in &r.unknown {
                tracing::error!("scheduled report outcome unknown: {u}");
            }
            for n in &r.notes {
                tracing::warn!("scheduled reports: {n}");
            }
            if r.generated + r.sent > 0 {
                tracing::info!(
                    "report scheduler: {} generated, {} mailed",
                    r.generated,
                    r.sent
                );
            }
        }
        Event::Failed { message } => tracing::error!("report scheduler failed: {message}"),
    }
}

/// Import events into the log: failures at WARN (each item) and ERROR (a whole cycle), so they
/// stand out from the routine lines.
fn log_import_event(ev: importer::ImportEvent) {
    use importer::ImportEvent;
    match ev {
        ImportEvent::Started { source } => tracing::info!("import from {source} started"),
        ImportEvent::Progress { .. } => {}
        ImportEvent::Waiting(text) => tracing::info!("import: {text}"),
        ImportEvent::Retrying(text) => tracing::warn!("import: {text}"),
        ImportEvent::Finished(s) => {
            for f in &s.failures {
                tracing::warn!("import: {}: {}", f.item, f.reason);
            }
            if s.failures.is_empty() {
                tracing::info!("import finished: {s}");
            } else {
                tracing::warn!("import finished: {s}");
            }
        }
        ImportEvent::Failed(e) => tracing::error!("import failed: {e}"),
    }
}
