//! Starting the terminal interface with the background services of this process.

use crate::config::Loaded;
use crate::db::{self, Database};
use crate::domain::roles::Capability;
use crate::ingest::MailSource;
use crate::psa::autotask::{AutotaskClient, ClientOptions};
use crate::services::running::{self, Sinks};
use crate::tui::action::Action;
use crate::tui::app::{App, Clock, Seat};
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

    // Each service reports into the interface's one action channel.
    let missed = forward(&tx, Action::MissedEvent);
    let import = forward(&tx, Action::ImportEvent);
    let autotask_events = forward(&tx, Action::AutotaskEvent);
    let retention_events = forward(&tx, Action::RetentionEvent);
    let report_events = forward(&tx, Action::ReportEvent);

    let fwd = tx.clone();
    let listen_pool = pool.clone();
    let listener = tokio::spawn(async move {
        let result =
            db::notify::listen(&listen_pool, |_| fwd.send(Action::DataChanged).is_ok()).await;
        if let Err(e) = result {
            tracing::warn!("change notifications stopped: {e}");
        }
    });

    // One Autotask client for the whole process, shared by the poller and the screens.
    let mut autotask_error = None;
    let client = if loaded.config.autotask.is_configured() {
        match AutotaskClient::new(&loaded.config.autotask, ClientOptions::default()) {
            Ok(client) => Some(Arc::new(client)),
            Err(e) => {
                autotask_error = Some(format!("Autotask is off: {e}"));
                None
            }
        }
    } else {
        None
    };
    // The services import and check for the whole team, with the login's own rights (not the
    // role the seat acts as); a login that may not write runs none. Retention removes mail for
    // good, which only an admin login may.
    let login_role = db.login().default_role();
    let sinks = Sinks {
        import,
        missed,
        autotask: autotask_events,
        reports: report_events,
        retention: login_role
            .can(Capability::Administer)
            .then_some(retention_events),
    };
    let (reports, report_warning) = running::report_setup(&loaded.config);
    let service_pool = db.login_pool();
    let services = login_role.can(Capability::RunServices).then(|| {
        running::start(
            &service_pool,
            opts.clock.clone(),
            make_source,
            client.clone(),
            reports,
            sinks,
        )
    });

    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::new(opts.ascii || loaded.config.ui.ascii, no_color);
    let mut app = App::new(
        pool,
        theme,
        operator(loaded),
        policy.timezone,
        opts.clock.clone(),
    );
    app.set_seat(Seat {
        login: db.login().clone(),
        role: db.role(),
        switch: Some(db.active_role().clone()),
    });
    if let Some(services) = &services {
        app.services.missed_now = Some(Box::new(services.missed.trigger()));
    }
    app.settings.config = crate::tui::panes::settings::ConfigSummary::from_config(&loaded.config);
    if let Some(e) = autotask_error {
        app.error(e);
    }
    if let Some(w) = report_warning {
        app.error(w);
    }
    if let Some(services) = &services {
        app.services.reports_now = Some(Box::new(services.reports.trigger()));
    }
    if let Some(client) = client {
        app.services.autotask = Some(client);
        app.services.autotask_config =
            Some((loaded.config.autotask.clone(), ClientOptions::default()));
    }
    if let Some(retention) = services.as_ref().and_then(|s| s.retention.as_ref()) {
        app.services.retention_now = Some(Box::new(retention.trigger()));
    }
    if let Some(poller) = services.as_ref().and_then(|s| s.poller.as_ref()) {
        app.services.autotask_poll_now = Some(Box::new(poller.trigger()));
    }
    if let Some(importer) = services.as_ref().and_then(|s| s.importer.as_ref()) {
        app.services.import_now = Some(Box::new(importer.trigger()));
    }

    let result = crate::tui::run(app, rx, opts.mouse || loaded.config.ui.mouse).await;

    listener.abort();
    // A pass in progress finishes before its service stops; each stop is bounded, so one that
    // hangs (a stalled server) cannot keep the program from exiting.
    if let Some(services) = services {
        services.stop().await;
    }
    service_pool.close().await;
    db.close().await?;
    Ok(result?)
}

/// A service's event sender that forwards into the action channel, until the interface is gone.
fn forward<E: Send + 'static>(
    actions: &mpsc::UnboundedSender<Action>,
    wrap: fn(E) -> Action,
) -> mpsc::UnboundedSender<E> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let actions = actions.clone();
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            if actions.send(wrap(ev)).is_err() {
                break;
            }
        }
    });
    tx
}
