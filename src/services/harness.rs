//! The one loop every background service runs on: wait for the interval (fixed, or read from the
//! settings before every wait) or a "run now", take the service's advisory lock, run the pass,
//! report it, and after a failed pass try again after a growing delay (see [`Backoff`]) rather
//! than at the next interval. A service is a [`Service`]: its lock, its interval and its pass.
//!
//! Leadership: when another process holds the lock, a service either skips (that process's pass
//! covers this one) or waits for it (the importer: mail listed now must still be imported).

use crate::db::locks::{self, Leadership};
use crate::services::backoff::{self, Backoff};
use crate::services::status::{Outcome, StatusCell};
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

/// How long [`ServiceHandle::stop`] waits for a pass in progress before abandoning it.
pub const STOP_WAIT: Duration = Duration::from_secs(5);

/// What a service does when another process holds its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contended {
    /// Skip this pass: the other process's pass covers it.
    Skip,
    /// Wait for the lock, saying so, then run the pass.
    Wait,
}

/// What the harness did, told to the service so that it can word it for its listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<R> {
    /// This process leads and the pass began.
    Started,
    /// Another process holds the lock; this one waits for it.
    Waiting(String),
    Finished(R),
    /// Another process holds the lock; this pass is skipped.
    Skipped,
    /// A pass (or reading the interval) failed; `retry_in` is when it is tried again.
    Failed {
        message: String,
        retry_in: Duration,
    },
}

/// What a service that reports its passes tells its listeners: the steps of [`Step`] but the
/// waits for the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassEvent<R> {
    Started,
    Finished(R),
    /// Another process runs the pass right now.
    Skipped,
    /// The pass failed; the next one tries again.
    Failed {
        message: String,
    },
}

impl<R> PassEvent<R> {
    /// The event for a step; `None` for a wait.
    pub fn from_step(step: Step<R>) -> Option<PassEvent<R>> {
        Some(match step {
            Step::Started => PassEvent::Started,
            Step::Finished(r) => PassEvent::Finished(r),
            Step::Skipped => PassEvent::Skipped,
            Step::Failed { message, .. } => PassEvent::Failed { message },
            Step::Waiting(_) => return None,
        })
    }
}

/// Where a service's events go; a closed channel only means nobody listens any more.
pub type Events<E> = mpsc::UnboundedSender<E>;

/// What a running pass has at hand besides the database.
pub struct PassContext<E> {
    pub pool: PgPool,
    pub events: Events<E>,
    /// Turns true when the service is asked to stop; a long pass stops between steps.
    pub stop: watch::Receiver<bool>,
}

impl<E> PassContext<E> {
    /// Sends an event of the service's own (progress, a non-fatal problem).
    pub fn send(&self, event: E) {
        let _ = self.events.send(event);
    }
}

/// One background service: when it may run, and its pass.
pub trait Service: Send + 'static {
    /// The result of a pass that succeeded.
    type Report: Send;
    /// What the service tells its listeners.
    type Event: Send + 'static;

    /// For the log: "missed-run check".
    const NAME: &'static str;
    /// The advisory lock that elects one process to run the pass.
    const LOCK: locks::Service;
    const CONTENDED: Contended;
    /// Whether the first pass runs at once, or only after the first wait.
    const RUN_AT_START: bool;

    /// The wait before the next pass; `None` runs only on request. Read before every wait, so a
    /// changed setting applies without a restart.
    fn interval(
        &mut self,
        pool: &PgPool,
    ) -> impl Future<Output = Result<Option<Duration>, String>> + Send;

    /// One pass, run while this process holds the lock.
    fn pass(
        &mut self,
        cx: &PassContext<Self::Event>,
    ) -> impl Future<Output = Result<Self::Report, String>> + Send;

    /// A pass that finished but left work undone: reported as failed and tried again soon.
    fn unfinished(_report: &Self::Report) -> Option<String> {
        None
    }

    /// The event for a step of the harness; `None` when the service does not report it.
    fn event(step: Step<Self::Report>) -> Option<Self::Event>;
}

/// Control of a running service.
#[derive(Debug)]
pub struct ServiceHandle {
    name: &'static str,
    run_now: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    status: StatusCell,
}

impl ServiceHandle {
    /// What the service last did and when it runs next, kept current while it runs.
    pub fn status(&self) -> StatusCell {
        self.status.clone()
    }

    /// Asks for a pass now. Requests made during a pass lead to one more pass after it.
    pub fn run_now(&self) {
        self.run_now.notify_one();
    }

    /// [`ServiceHandle::run_now`] for code that outlives a borrow of the handle.
    pub fn trigger(&self) -> impl Fn() + Send + Sync + 'static {
        let run_now = Arc::clone(&self.run_now);
        move || run_now.notify_one()
    }

    /// Stops the service after the pass in progress, waiting at most [`STOP_WAIT`]. A pass still
    /// busy then (a stalled server) is abandoned, so that it cannot keep the program from
    /// exiting; its transaction is rolled back when its connection closes.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        match tokio::time::timeout(STOP_WAIT, self.task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "{} ended abnormally", self.name),
            Err(_) => {
                tracing::warn!(
                    "{} did not stop within {} s; abandoning its pass",
                    self.name,
                    STOP_WAIT.as_secs()
                );
                abort.abort();
            }
        }
    }
}

/// Starts `service` on the current tokio runtime.
pub fn spawn<S: Service>(
    pool: PgPool,
    service: S,
    events: Events<S::Event>,
    retry: Backoff,
) -> ServiceHandle {
    let run_now = Arc::new(Notify::new());
    let (stop, stopped) = watch::channel(false);
    let wake = Arc::clone(&run_now);
    let status = StatusCell::new(S::NAME);
    let task = tokio::spawn(run(
        pool,
        service,
        events,
        retry,
        wake,
        stopped,
        status.clone(),
    ));
    ServiceHandle {
        name: S::NAME,
        run_now,
        stop,
        task,
        status,
    }
}

async fn run<S: Service>(
    pool: PgPool,
    mut service: S,
    events: Events<S::Event>,
    mut retry: Backoff,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
    status: StatusCell,
) {
    let cx = PassContext {
        pool,
        events,
        stop: stopped.clone(),
    };
    // Set when the last attempt failed: the next one comes after this delay.
    let mut retry_after: Option<Duration> = None;
    let mut first = S::RUN_AT_START;
    loop {
        if !std::mem::take(&mut first) {
            let wait = match retry_after.take() {
                Some(d) => Some(d),
                None => match service.interval(&cx.pool).await {
                    Ok(wait) => wait,
                    // Not even the interval could be read (the database is down): a failed
                    // attempt as far as anyone watching the service is concerned.
                    Err(message) => Some(fail::<S>(&cx, &mut retry, &status, message)),
                },
            };
            status.waiting(wait.and_then(|d| {
                chrono::Duration::from_std(d)
                    .ok()
                    .and_then(|d| chrono::Utc::now().checked_add_signed(d))
            }));
            let sleep = async {
                match wait {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                biased;
                _ = stopped.changed() => break,
                _ = wake.notified() => {}
                _ = sleep => {}
            }
        }
        if *stopped.borrow() {
            break;
        }
        status.started(chrono::Utc::now());
        match attempt(&mut service, &cx).await {
            Ok(outcome) => {
                status.finished(chrono::Utc::now(), outcome, None);
                retry.reset();
            }
            Err(message) => retry_after = Some(fail::<S>(&cx, &mut retry, &status, message)),
        }
    }
    status.stopped();
}

/// Lock, pass, release. `Ok(Skipped)` for a pass another process did.
async fn attempt<S: Service>(
    service: &mut S,
    cx: &PassContext<S::Event>,
) -> Result<Outcome, String> {
    let Some(lead) = lead::<S>(cx).await? else {
        if *cx.stop.borrow() {
            return Ok(Outcome::Skipped);
        }
        tracing::info!("{}: skipped, another process runs it", S::NAME);
        report::<S>(cx, Step::Skipped);
        return Ok(Outcome::Skipped);
    };
    report::<S>(cx, Step::Started);
    let result = service.pass(cx).await;
    if let Err(e) = lead.release().await {
        tracing::warn!(error = %e, "releasing the {} lock", S::NAME);
    }
    let done = result?;
    let unfinished = S::unfinished(&done);
    report::<S>(cx, Step::Finished(done));
    match unfinished {
        Some(message) => Err(message),
        None => Ok(Outcome::Ok),
    }
}

/// Leadership for one pass; `None` when the service skips because another process leads.
async fn lead<S: Service>(cx: &PassContext<S::Event>) -> Result<Option<Leadership>, String> {
    let text = |e: crate::db::DbError| e.to_string();
    if let Some(lead) = locks::try_acquire(&cx.pool, S::LOCK).await.map_err(text)? {
        return Ok(Some(lead));
    }
    match S::CONTENDED {
        Contended::Skip => Ok(None),
        Contended::Wait => {
            let waiting = format!("another {} is running; waiting", S::NAME);
            tracing::info!("{waiting}");
            report::<S>(cx, Step::Waiting(waiting));
            let mut stop = cx.stop.clone();
            tokio::select! {
                lead = locks::acquire(&cx.pool, S::LOCK) => lead.map(Some).map_err(text),
                // Stopping while waiting: nothing was started.
                _ = stop.wait_for(|s| *s) => Ok(None),
            }
        }
    }
}

/// A failed attempt: recorded in the status, logged as an error and reported with when it is
/// tried again, so that the operator knows it is not the end. Returns that delay.
fn fail<S: Service>(
    cx: &PassContext<S::Event>,
    retry: &mut Backoff,
    status: &StatusCell,
    message: String,
) -> Duration {
    let retry_in = retry.next_delay();
    let now = chrono::Utc::now();
    status.finished(now, Outcome::Failed, Some(message.clone()));
    status.waiting(
        chrono::Duration::from_std(retry_in)
            .ok()
            .and_then(|d| now.checked_add_signed(d)),
    );
    tracing::error!(
        "{}: {message}; trying again in {}",
        S::NAME,
        backoff::describe(retry_in)
    );
    report::<S>(cx, Step::Failed { message, retry_in });
    retry_in
}

fn report<S: Service>(cx: &PassContext<S::Event>, step: Step<S::Report>) {
    if let Some(event) = S::event(step) {
        cx.send(event);
    }
}
