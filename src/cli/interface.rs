//! Starting the terminal interface with the background services of this process.

use crate::config::Loaded;
use crate::db::{self, Database};
use crate::ingest::MailSource;
use crate::psa::autotask::{AutotaskClient, ClientOptions};
use crate::services::{autotask_poller, importer, missed_runs};
use crate::tui::action::Action;
use crate::tui::app::{App, Clock};
use crate::tui::theme::Theme;
use std::sync::Arc;
use tokio::sync::mpsc;

/// How the interface is started.
pub struct Options {
    pub ascii: bool,
    pub mouse: bool,
    pub clock: Clock,
}

/// The operator name for audit entries: configured, else the login name.
pub fn operator(loaded: &Loaded) -> String {
    loaded
        .config
        .operator
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "operator".into())
}

/// Runs the interface on `db` until the operator quits. `make_source` (when given) feeds the
/// importer task; the missed-run scheduler and change notifications always run.
pub async fn run<S, F>(
    db: Database,
    loaded: &Loaded,
    opts: Options,
    make_source: Option<F>,
) -> anyhow::Result<()>
where
    S: MailSource + 'static,
    F: FnMut() -> Result<S, crate::ingest::SourceError> + Send + 'static,
{
    let pool = db.pool().clone();
    let policy = db::settings::policy(&pool).await?;
    let (tx, rx) = mpsc::unbounded_channel::<Action>();

    let (missed_tx, mut missed_rx) = mpsc::channel(16);
    let missed = missed_runs::spawn(
        pool.clone(),
        opts.clock.clone(),
        missed_runs::INTERVAL,
        missed_tx,
    );
    let fwd = tx.clone();
    tokio::spawn(async move {
        while let Some(ev) = missed_rx.recv().await {
            if fwd.send(Action::MissedEvent(ev)).is_err() {
                break;
            }
        }
    });

    let importer = make_source.map(|make| {
        let (itx, mut irx) = mpsc::unbounded_channel();
        let fwd = tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = irx.recv().await {
                if fwd.send(Action::ImportEvent(ev)).is_err() {
                    break;
                }
            }
        });
        importer::spawn(pool.clone(), make, itx, chrono::Utc::now)
    });

    let fwd = tx.clone();
    let listen_pool = pool.clone();
    let listener = tokio::spawn(async move {
        let result =
            db::notify::listen(&listen_pool, |_| fwd.send(Action::DataChanged).is_ok()).await;
        if let Err(e) = result {
            tracing::warn!("change notifications stopped: {e}");
        }
    });

    // One Autotask client for the whole process; its poller reports through the same channel.
    let mut autotask_error = None;
    let autotask = if loaded.config.autotask.is_configured() {
        match AutotaskClient::new(&loaded.config.autotask, ClientOptions::default()) {
            Ok(client) => {
                let client = Arc::new(client);
                let (ptx, mut prx) = mpsc::channel(16);
                let fwd = tx.clone();
                tokio::spawn(async move {
                    while let Some(ev) = prx.recv().await {
                        if fwd.send(Action::AutotaskEvent(ev)).is_err() {
                            break;
                        }
                    }
                });
                let poller =
                    autotask_poller::spawn(pool.clone(), client.clone(), opts.clock.clone(), ptx);
                Some((client, Arc::new(poller)))
            }
            Err(e) => {
                autotask_error = Some(format!("Autotask is off: {e}"));
                None
            }
        }
    } else {
        None
    };

    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::new(opts.ascii || loaded.config.ui.ascii, no_color);
    let mut app = App::new(
        pool,
        theme,
        operator(loaded),
        policy.timezone,
        opts.clock.clone(),
    );
    let missed_handle = Arc::new(missed);
    {
        let m = missed_handle.clone();
        app.services.missed_now = Some(Box::new(move || m.import_finished()));
    }
    app.settings.config = crate::tui::panes::settings::ConfigSummary::from_config(&loaded.config);
    if let Some(e) = autotask_error {
        app.error(e);
    }
    let poller = autotask.map(|(client, poller)| {
        app.services.autotask = Some(client);
        app.services.autotask_config =
            Some((loaded.config.autotask.clone(), ClientOptions::default()));
        let p = poller.clone();
        app.services.autotask_poll_now = Some(Box::new(move || p.run_now()));
        poller
    });
    let import_now = importer.as_ref().map(|i| i.trigger());
    if let Some(trigger) = import_now {
        app.services.import_now = Some(Box::new(trigger));
    }

    let result = crate::tui::run(app, rx, opts.mouse || loaded.config.ui.mouse).await;

    listener.abort();
    // A pass in progress finishes before its service stops; one that hangs (a stalled server)
    // must not keep the program from exiting, so each stop is bounded.
    if let Some(i) = importer {
        bounded_stop("mail import", i.shutdown()).await;
    }
    if let Ok(m) = Arc::try_unwrap(missed_handle) {
        bounded_stop("missed-run check", m.stop()).await;
    }
    if let Some(Ok(p)) = poller.map(Arc::try_unwrap) {
        bounded_stop("Autotask poller", p.stop()).await;
    }
    db.close().await?;
    Ok(result?)
}

/// Waits for a service to stop, at most [`STOP_WAIT`]; a service still busy then is left to end
/// with the process (its transaction is rolled back when the connection closes).
async fn bounded_stop(name: &str, stop: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(STOP_WAIT, stop).await.is_err() {
        tracing::warn!(
            "{name} did not stop within {} s; leaving it",
            STOP_WAIT.as_secs()
        );
    }
}

const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
