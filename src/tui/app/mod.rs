//! `App`: the interface state and the one place it changes. Keys become commands, background
//! work comes back as actions; nothing here waits for the database.

mod autotask;
mod commands;
mod customers;
mod jobs;
mod overlays;
mod tickets;
mod transfer;
mod work;

pub use super::dialogs::{
    Choice, CompanyPicker, InputPurpose, LineInput, Overlay, OverrideForm, Pending, PinForm,
    PreviewDialog, RemarkEditor, TicketInput, TicketInputKind,
};
pub use autotask::NOT_CONFIGURED;

use super::action::Action;
use super::panes::Pane;
use super::panes::activity::Activity;
use super::panes::customers::Customers;
use super::panes::daily::Daily;
use super::panes::inbox::Inbox;
use super::panes::jobs::Jobs;
use super::panes::overrides::Overrides;
use super::panes::run_checks::RunChecks;
use super::panes::settings::Settings;
use super::panes::tickets::Tickets;
use super::theme::Theme;
use crate::db::review::ReviewBatch;
use crate::services::importer::{ImportEvent, ImportSummary};
use crate::services::missed_runs;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::crossterm::event::KeyEvent;
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::{AbortHandle, JoinSet};

pub use crate::clock::Clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Error,
}

/// How long a toast shows: news briefly, errors long enough to read twice.
pub const INFO_TOAST: Duration = Duration::from_secs(4);
pub const ERROR_TOAST: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct Toast {
    pub text: String,
    pub level: ToastLevel,
    pub at: Instant,
}

/// What the top line says about mail import.
#[derive(Debug, Clone, Default)]
pub struct ImporterStatus {
    pub running: bool,
    pub progress: Option<(usize, usize)>,
    /// The latest retry the source announced in this cycle.
    pub retrying: Option<String>,
    pub last: Option<(DateTime<Utc>, ImportSummary)>,
    pub error: Option<String>,
}

/// Hooks into the background services running in this process.
#[derive(Default)]
pub struct Services {
    pub import_now: Option<Box<dyn Fn() + Send>>,
    pub missed_now: Option<Box<dyn Fn() + Send>>,
    /// The one Autotask client of this process; `None` when Autotask is not configured.
    pub autotask: Option<Arc<crate::psa::autotask::AutotaskClient>>,
    /// For "test connection", which builds a client of its own as `doctor` does.
    pub autotask_config: Option<(
        crate::config::AutotaskConfig,
        crate::psa::autotask::ClientOptions,
    )>,
    /// Asks the Autotask poller for a pass now.
    pub autotask_poll_now: Option<Box<dyn Fn() + Send>>,
}

pub struct App {
    pub pane: Pane,
    pub theme: Theme,
    pub operator: String,
    pub tz: Tz,
    pub clock: Clock,
    pub run_checks: RunChecks,
    pub inbox: Inbox,
    pub daily: Daily,
    pub jobs: Jobs,
    pub customers_pane: Customers,
    pub tickets: Tickets,
    pub overrides: Overrides,
    pub activity: Activity,
    pub settings: Settings,
    pub overlay: Option<Overlay>,
    pub toasts: Vec<Toast>,
    pub importer: ImporterStatus,
    pub quit: bool,
    /// Sanitized mail text waiting to be shown in `$PAGER` (the loop suspends the terminal for it).
    pub pager: Option<String>,
    /// Text to copy with OSC 52, written by the loop between frames.
    pub osc52: Vec<String>,
    pub undo: Vec<ReviewBatch>,
    pub customers: Vec<crate::db::customers::Customer>,
    pub services: Services,
    /// Long work in the background reports `(what, done, total)` here; the top line shows it.
    pub progress: Arc<std::sync::Mutex<Option<(String, usize, usize)>>>,
    pub tasks: JoinSet<Action>,
    /// The running loads of what the cursor shows (runs of the job, run detail, mail): a newer
    /// one aborts the older, so holding `j` does not queue a detail load per row.
    cursor_loads: CursorLoads,
    pub db_ok: bool,
    pool: PgPool,
    stale: bool,
    last_reload: Instant,
}

/// Handles of the cursor loads still running, one per kind.
#[derive(Debug, Default)]
struct CursorLoads {
    runs: Option<AbortHandle>,
    detail: Option<AbortHandle>,
    mail: Option<AbortHandle>,
}

impl App {
    pub fn new(pool: PgPool, theme: Theme, operator: String, tz: Tz, clock: Clock) -> App {
        App {
            pane: Pane::RunChecks,
            theme,
            operator,
            tz,
            clock,
            run_checks: RunChecks::default(),
            inbox: Inbox {
                limit: super::panes::inbox::PAGE,
                ..Inbox::default()
            },
            daily: Daily {
                column: super::panes::daily::DAYS - 1,
                ..Daily::default()
            },
            jobs: Jobs::default(),
            customers_pane: Customers::default(),
            tickets: Tickets::default(),
            overrides: Overrides::default(),
            activity: Activity::default(),
            settings: Settings::default(),
            overlay: None,
            toasts: Vec::new(),
            importer: ImporterStatus::default(),
            quit: false,
            pager: None,
            osc52: Vec::new(),
            undo: Vec::new(),
            customers: Vec::new(),
            services: Services::default(),
            progress: Arc::default(),
            tasks: JoinSet::new(),
            cursor_loads: CursorLoads::default(),
            db_ok: true,
            pool,
            stale: false,
            last_reload: Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    /// Runs database work in the background; its result comes back as an action.
    pub fn spawn(&mut self, f: impl Future<Output = Action> + Send + 'static) {
        self.tasks.spawn(f);
    }

    /// Runs a load that supersedes the one in `slot`: the older is aborted (its result would be
    /// thrown away anyway, as it no longer matches the cursor).
    fn spawn_superseding(
        &mut self,
        slot: fn(&mut CursorLoads) -> &mut Option<AbortHandle>,
        f: impl Future<Output = Action> + Send + 'static,
    ) {
        let handle = self.tasks.spawn(f);
        if let Some(old) = slot(&mut self.cursor_loads).replace(handle) {
            old.abort();
        }
    }

    /// Applies the outcome of a background task; an aborted (superseded) load is no error.
    pub fn finished(&mut self, done: Result<Action, tokio::task::JoinError>) {
        match done {
            Ok(action) => self.update(action),
            Err(e) if e.is_cancelled() => {}
            Err(e) => self.error(format!("background task failed: {e}")),
        }
    }

    pub fn toast(&mut self, text: impl Into<String>) {
        self.push_toast(text.into(), ToastLevel::Info);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::warn!("{text}");
        self.push_toast(text, ToastLevel::Error);
    }

    fn push_toast(&mut self, text: String, level: ToastLevel) {
        self.toasts.push(Toast {
            text,
            level,
            at: Instant::now(),
        });
        // At most three stacked.
        if self.toasts.len() > 3 {
            self.toasts.remove(0);
        }
    }

    /// Loads everything the top line counts plus the visible pane.
    pub fn reload(&mut self) {
        self.last_reload = Instant::now();
        self.stale = false;
        let pool = self.pool();
        let now = self.now();
        let incl = self.run_checks.include_reviewed;
        self.spawn(super::panes::run_checks::load_queue(
            pool.clone(),
            incl,
            now,
        ));
        let (deleted, limit) = (self.inbox.deleted, self.inbox.limit);
        self.spawn(super::panes::inbox::load(pool.clone(), deleted, limit));
        match self.pane {
            Pane::DailyJobs => {
                let end = self.daily.end;
                self.spawn(super::panes::daily::load(pool.clone(), end, now));
            }
            Pane::Jobs => self.spawn(super::panes::jobs::load(pool.clone(), now)),
            Pane::Customers => self.spawn(super::panes::customers::load(pool.clone())),
            Pane::Activity => self.spawn(super::panes::activity::load(pool.clone())),
            Pane::Settings => self.spawn(super::panes::settings::load(pool.clone())),
            Pane::Tickets => {
                let incl = self.tickets.include_resolved;
                self.spawn(super::panes::tickets::load(pool.clone(), incl));
            }
            Pane::Overrides => {
                let incl = self.overrides.include_inactive;
                self.spawn(super::panes::overrides::load(pool.clone(), incl));
            }
            Pane::Inbox | Pane::RunChecks => {}
        }
        if let Some(job) = self.run_checks.current_job().map(|j| j.job_id) {
            self.spawn(super::panes::run_checks::load_runs(pool, job, incl));
        }
    }

    /// Called about ten times a second: expires toasts, reloads after outside changes.
    pub fn tick(&mut self) -> bool {
        let before = self.toasts.len();
        // Errors stay longer than news, but not for ever: Esc dismisses them sooner.
        self.toasts.retain(|t| {
            let ttl = match t.level {
                ToastLevel::Info => INFO_TOAST,
                ToastLevel::Error => ERROR_TOAST,
            };
            t.at.elapsed() < ttl
        });
        let mut changed = before != self.toasts.len();
        // Outside changes arrive as notifications; the periodic reload is the heartbeat that
        // notices a database that went away (or came back).
        let heartbeat = Duration::from_secs(if self.db_ok { 60 } else { 5 });
        if (self.stale && self.last_reload.elapsed() >= Duration::from_millis(500))
            || self.last_reload.elapsed() >= heartbeat
        {
            self.reload();
            changed = true;
        }
        changed || self.importer.running || self.progress().is_some()
    }

    /// The long work under way, if any.
    pub fn progress(&self) -> Option<(String, usize, usize)> {
        self.progress.lock().ok().and_then(|p| p.clone())
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        use super::keymap::{Key, lookup};
        let k = Key::from_event(&key);
        if k == Key::ctrl('c') {
            self.quit = true;
            return;
        }
        if self.overlay.is_some() {
            self.overlay_key(key);
            return;
        }
        // The first Esc dismisses error toasts; the next one goes back as usual.
        if k.plain() == Key::ESC && self.toasts.iter().any(|t| t.level == ToastLevel::Error) {
            self.toasts.retain(|t| t.level != ToastLevel::Error);
            return;
        }
        if let Some(cmd) = lookup(self.pane.context(), k) {
            self.command(cmd);
        }
    }

    /// Applies the result of background work.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::DatabaseDown(message) => {
                // Said once, not on every retry.
                if self.db_ok {
                    self.error(message);
                }
                self.db_ok = false;
            }
            Action::ChangeFailedDatabaseDown(message) => {
                self.db_ok = false;
                self.error(message);
            }
            Action::QueueLoaded(rows) => {
                if !self.db_ok {
                    self.toast("the database is reachable again");
                }
                self.db_ok = true;
                let before = self.run_checks.current_job().map(|j| j.job_id);
                self.run_checks.set_rows(rows);
                let after = self.run_checks.current_job().map(|j| j.job_id);
                if after != before || self.run_checks.runs_job != after {
                    self.load_runs_of_cursor();
                }
            }
            Action::RunsLoaded { job_id, runs } => {
                if self.run_checks.current_job().map(|j| j.job_id) == Some(job_id) {
                    self.run_checks.set_runs(job_id, runs);
                    // A reload may follow a change to this very run: fetch it again.
                    self.load_detail_of_cursor(true);
                }
            }
            Action::RunDetailLoaded(d) => {
                if self.run_checks.current_run().map(|r| r.id) == Some(d.run.id) {
                    self.run_checks.detail = Some(*d);
                }
            }
            Action::InboxLoaded {
                rows,
                deleted,
                waiting,
            } => {
                if deleted == self.inbox.deleted {
                    let before = self.inbox.current().map(|m| m.id);
                    self.inbox.set_rows(rows, deleted, waiting);
                    if self.inbox.current().map(|m| m.id) != before || self.inbox.detail.is_none() {
                        self.load_mail_of_cursor();
                    }
                } else {
                    self.inbox.waiting = waiting;
                }
            }
            Action::MailDetailLoaded(d) => {
                if self.inbox.current().map(|m| m.id) == Some(d.mail_id) {
                    self.inbox.detail = Some(*d);
                }
            }
            Action::DailyLoaded(g) => {
                self.daily.grid = Some(*g);
                let n = self.daily.visible().len();
                self.daily.list.clamp(n);
            }
            Action::CustomersLoaded(c) => self.customers = c,
            Action::CustomerSuggested(found) => {
                if let Some(Overlay::Picker {
                    suggestion, cursor, ..
                }) = &mut self.overlay
                {
                    *suggestion = found;
                    *cursor = 0;
                }
            }
            Action::CustomersPaneLoaded(rows) => self.customers_pane.set_rows(rows),
            Action::SettingsLoaded(d) => {
                // The timezone may just have been changed here.
                self.tz = d.policy.timezone;
                self.settings.data = Some(*d);
                let n = self.settings.visible().len();
                self.settings.list.clamp(n);
            }
            Action::TicketsLoaded {
                include_resolved,
                tickets,
                remarks,
            } => {
                // A toggle may have overtaken this load.
                if include_resolved == self.tickets.include_resolved {
                    self.tickets.set_rows(tickets, remarks);
                }
            }
            Action::OverridesLoaded {
                include_inactive,
                rows,
            } => {
                if include_inactive == self.overrides.include_inactive {
                    self.overrides.set_rows(rows);
                }
            }
            Action::JobsLoaded(d) => self.jobs.set_data(*d),
            Action::ActivityLoaded(entries) => self.activity.set_entries(entries),
            Action::CompaniesFound { seq, result } => {
                if let Some(Overlay::CompanyPicker(p)) = &mut self.overlay
                    && p.seq == seq
                    && let Some(result) = result
                {
                    p.searching = false;
                    match result {
                        Ok(found) => {
                            p.results = found;
                            p.error = None;
                            p.cursor = p.cursor.min(p.results.len().saturating_sub(1));
                        }
                        Err(e) => p.error = Some(e),
                    }
                }
            }
            Action::TicketPreviewLoaded(p) => {
                self.overlay = Some(Overlay::TicketPreview(Box::new(PreviewDialog::new(*p))))
            }
            Action::TicketSendFailed { message, existing } => {
                self.ticket_send_failed(message, existing)
            }
            Action::TicketCreated { number, adopted } => self.ticket_created(number, adopted),
            Action::ConnectionTested(result) => {
                self.settings.testing = false;
                match &result {
                    Ok(m) => self.toast(format!("Autotask connection ok: {m}")),
                    Err(e) => self.error(format!("Autotask connection failed: {e}")),
                }
                self.settings.test = Some(result);
            }
            Action::AutotaskEvent(ev) => {
                self.log_autotask(&ev);
                self.autotask_event(ev)
            }
            Action::OverrideDraft(form) => self.overlay = Some(Overlay::Override(form)),
            Action::Reviewed(batch) => {
                let n = batch.run_ids.len();
                if n == 0 {
                    self.toast("nothing left to review there");
                } else {
                    self.toast(format!(
                        "reviewed {} · u to undo",
                        crate::domain::wording::plural(n, "run", "runs")
                    ));
                    self.undo.push(batch);
                }
                self.reload();
            }
            Action::Done(message) => {
                self.toast(message);
                self.reload();
            }
            Action::OpenPager(raw) => self.pager = Some(raw),
            Action::Copied { value, via } => {
                tracing::info!("copied {value} via {via}");
            }
            Action::ImportEvent(ev) => {
                self.log_import(&ev);
                self.import_event(ev)
            }
            Action::MissedEvent(ev) => {
                self.log_missed(&ev);
                self.missed_event(ev)
            }
            Action::DataChanged => self.stale = true,
            Action::Failed(message) => self.error(message),
            Action::PartlyDone(message) => {
                self.error(message);
                self.reload();
            }
        }
    }

    fn missed_event(&mut self, ev: missed_runs::Event) {
        match ev {
            missed_runs::Event::Finished { created, removed } if created + removed > 0 => {
                self.stale = true;
            }
            missed_runs::Event::Failed { message } => {
                self.error(format!("missed-run check: {message}"))
            }
            _ => {}
        }
    }

    fn import_event(&mut self, ev: ImportEvent) {
        match ev {
            ImportEvent::Started { .. } => {
                self.importer.running = true;
                self.importer.progress = None;
                self.importer.retrying = None;
            }
            ImportEvent::Progress { done, total } => {
                self.importer.progress = Some((done, total));
                self.importer.retrying = None;
            }
            ImportEvent::Retrying(text) | ImportEvent::Waiting(text) => {
                self.importer.retrying = Some(text)
            }
            ImportEvent::Finished(s) => {
                self.importer.running = false;
                self.importer.progress = None;
                self.importer.retrying = None;
                self.importer.error = None;
                if s.imported > 0 {
                    self.toast(format!(
                        "imported {} · {} runs, {} waiting",
                        s.imported,
                        s.runs,
                        s.waiting + s.unparsed
                    ));
                }
                if let Some(first) = s.failures.first() {
                    self.error(format!(
                        "import: {} failed · {}: {}",
                        s.failures.len(),
                        first.item,
                        first.reason
                    ));
                }
                self.importer.last = Some((self.now(), s));
                if let Some(missed) = &self.services.missed_now {
                    missed();
                }
                self.stale = true;
            }
            ImportEvent::Failed(e) => {
                self.importer.running = false;
                self.importer.progress = None;
                self.importer.retrying = None;
                self.error(format!("import failed: {e}"));
                self.importer.error = Some(e);
            }
        }
    }

    pub(crate) fn load_runs_of_cursor(&mut self) {
        let job = self.run_checks.current_job().map(|j| j.job_id);
        // The detail of the same job stays on screen (and `y` keeps working) until the fresh
        // one replaces it; another job's detail goes at once.
        if self.run_checks.detail.as_ref().map(|d| d.run.job_id) != job {
            self.run_checks.detail = None;
        }
        if let Some(job) = job {
            let incl = self.run_checks.include_reviewed;
            let load = super::panes::run_checks::load_runs(self.pool(), job, incl);
            self.spawn_superseding(|l| &mut l.runs, load);
        }
    }

    pub(crate) fn load_detail_of_cursor(&mut self, force: bool) {
        if let Some(run) = self.run_checks.current_run().map(|r| r.id) {
            if !force && self.run_checks.detail.as_ref().map(|d| d.run.id) == Some(run) {
                return;
            }
            let (tz, now) = (self.tz, self.now());
            let load = super::panes::run_checks::load_detail(self.pool(), run, tz, now);
            self.spawn_superseding(|l| &mut l.detail, load);
        } else {
            self.run_checks.detail = None;
        }
    }

    pub(crate) fn load_mail_of_cursor(&mut self) {
        self.inbox.scroll = 0;
        if let Some(id) = self.inbox.current().map(|m| m.id)
            && self.inbox.detail.as_ref().map(|d| d.mail_id) != Some(id)
        {
            let load = super::panes::inbox::load_detail(self.pool(), id);
            self.spawn_superseding(|l| &mut l.mail, load);
        }
    }

    /// Waits for all background work and applies it (tests and start-up).
    pub async fn settle(&mut self) {
        while let Some(done) = self.tasks.join_next().await {
            self.finished(done);
        }
    }
}
