//! `App`: the interface state and the one place it changes. Keys become commands, background
//! work comes back as actions; nothing here waits for the database.

mod autotask;
mod commands;
mod customers;
mod customers_csv;
mod deletion;
mod feedback;
mod jobs;
mod overlays;
mod panes;
mod rules;
mod schedules;
mod seat;
mod tickets;
mod transfer;
mod update;
mod work;

pub use seat::Seat;

pub use super::dialogs::{
    Choice, CompanyPicker, FeedbackForm, InputPurpose, LineInput, Overlay, OverrideForm, Pending,
    PinForm, PreviewDialog, RemarkEditor, RuleForm, ScheduleForm, TicketInput, TicketInputKind,
};
pub use autotask::NOT_CONFIGURED;

use super::action::Action;
use super::panes::Pane;
use super::panes::pane::{LoadContext, PaneView};
use super::panes::registry::Panes;
use super::theme::Theme;
use crate::db::review::ReviewBatch;
use crate::services::importer::ImportSummary;
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
    /// Asks the report scheduler of this process for a pass.
    pub reports_now: Option<Box<dyn Fn() + Send>>,
    /// The one Autotask client of this process; `None` when Autotask is not configured.
    pub autotask: Option<Arc<crate::psa::autotask::AutotaskClient>>,
    /// For "test connection", which builds a client of its own as `doctor` does.
    pub autotask_config: Option<(
        crate::config::AutotaskConfig,
        crate::psa::autotask::ClientOptions,
    )>,
    /// Asks the Autotask poller for a pass now.
    pub autotask_poll_now: Option<Box<dyn Fn() + Send>>,
    /// Asks retention for a pass now; `None` when this seat does not run it.
    pub retention_now: Option<Box<dyn Fn() + Send>>,
}

pub struct App {
    pub pane: Pane,
    pub theme: Theme,
    pub operator: String,
    pub tz: Tz,
    pub clock: Clock,
    /// The state of every pane; `App` derefs to it, so `app.inbox` is the Inbox.
    pub panes: Panes,
    pub overlay: Option<Overlay>,
    pub toasts: Vec<Toast>,
    pub importer: ImporterStatus,
    pub quit: bool,
    /// Sanitized mail text waiting to be shown in `$PAGER` (the loop suspends the terminal for it).
    pub pager: Option<String>,
    /// A report file waiting to be opened in `$BROWSER` (the loop suspends the terminal).
    pub browser: Option<String>,
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
    /// The login and the role it acts as.
    pub seat: Seat,
    /// The frame last drawn: what the capture key attaches to a feedback item.
    pub last_frame: Option<ratatui::buffer::Buffer>,
    pool: PgPool,
    stale: bool,
    last_reload: Instant,
    /// Panes left, and when: their rows are released once out of sight long enough.
    left: Vec<(Pane, Instant)>,
    /// Memory freed by replaced or released rows, handed back to the system now and then.
    trim: crate::memory::Trim,
}

/// Handles of the cursor loads still running, one per kind.
#[derive(Debug, Default)]
struct CursorLoads {
    runs: Option<AbortHandle>,
    detail: Option<AbortHandle>,
    mail: Option<AbortHandle>,
}

impl std::ops::Deref for App {
    type Target = Panes;

    fn deref(&self) -> &Panes {
        &self.panes
    }
}

impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut Panes {
        &mut self.panes
    }
}

impl App {
    pub fn new(pool: PgPool, theme: Theme, operator: String, tz: Tz, clock: Clock) -> App {
        App {
            pane: Pane::RunChecks,
            theme,
            operator,
            tz,
            clock,
            panes: Panes::default(),
            overlay: None,
            toasts: Vec::new(),
            importer: ImporterStatus::default(),
            quit: false,
            pager: None,
            browser: None,
            osc52: Vec::new(),
            undo: Vec::new(),
            customers: Vec::new(),
            services: Services::default(),
            progress: Arc::default(),
            tasks: JoinSet::new(),
            cursor_loads: CursorLoads::default(),
            db_ok: true,
            seat: Seat::default(),
            last_frame: None,
            pool,
            stale: false,
            last_reload: Instant::now(),
            left: Vec::new(),
            trim: crate::memory::Trim::default(),
        }
    }

    /// The pane on screen.
    pub fn current_pane(&self) -> &dyn PaneView {
        self.panes.get(self.pane)
    }

    pub fn current_pane_mut(&mut self) -> &mut dyn PaneView {
        self.panes.get_mut(self.pane)
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
        // A load's rows replace older ones: what those held is free now.
        self.trim.due = true;
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
        let text = self.explain_refusal(text.into());
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
        let cx = LoadContext {
            pool: self.pool(),
            now: self.now(),
            tz: self.tz,
        };
        let loads: Vec<_> = Pane::ALL
            .into_iter()
            .map(|id| self.panes.get(id))
            .filter(|p| p.always_loaded() || p.info().id == self.pane)
            .flat_map(|p| p.loads(&cx))
            .collect();
        for load in loads {
            self.spawn(load);
        }
    }

    /// Loads one pane again (not the rest of what `reload` loads).
    pub fn reload_pane(&mut self, pane: Pane) {
        let cx = LoadContext {
            pool: self.pool(),
            now: self.now(),
            tz: self.tz,
        };
        for load in self.panes.get(pane).loads(&cx) {
            self.spawn(load);
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
        self.release_hidden(Instant::now());
        self.trim.maybe(Instant::now());
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
        // The capture key works over a popup too (the popup comes back when the form closes),
        // but not over the feedback form itself.
        if self.overlay.is_some()
            && lookup(super::keymap::Context::Global, k)
                == Some(super::keymap::Command::CaptureScreen)
            && !matches!(self.overlay, Some(Overlay::Feedback(_)))
        {
            self.capture_screen();
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
        if let Some(cmd) = lookup(self.current_pane().context(), k) {
            self.command(cmd);
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
