//! The importer: drains a mail source into the database, one cycle at a time, never twice at
//! once across processes (advisory lock; the loser waits), on an interval and on demand (a
//! service of the [`harness`]).

use crate::db::{self, DbError, locks};
use crate::ingest::pipeline::{self, Incoming, Outcome};
use crate::ingest::{MailSource, SourceError, SourceMessage};
use crate::services::backoff::{self, Backoff};
use crate::services::harness::{self, Contended, Events, PassContext, ServiceHandle, Step};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

/// Mails stored per transaction at most: a batch costs a few statements whatever its size, so
/// larger batches import faster; this many stay quick to stop between.
pub const BATCH: usize = 200;

/// Bytes of raw mail per batch at most: a batch of large mails is cut short, so that a batch
/// never holds more than this (and one mail) in memory.
pub const BATCH_BYTES: usize = 64 << 20;

/// Whether a batch of `mails` fetched mails holding `bytes` of raw mail is stored now.
fn batch_full(mails: usize, bytes: usize) -> bool {
    mails >= BATCH || bytes >= BATCH_BYTES
}

/// A message that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    /// The file name or mailbox message id.
    pub item: String,
    pub reason: String,
}

/// The result of one import cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Messages the source listed.
    pub listed: usize,
    /// Newly stored mails.
    pub imported: usize,
    /// Of those, turned into runs of known jobs at once.
    pub runs: usize,
    /// Of those, waiting in the Inbox for approval.
    pub waiting: usize,
    /// Of those, not recognised by any parser (also in the Inbox).
    pub unparsed: usize,
    /// Stored before (moved now).
    pub duplicates: usize,
    /// Could not be read or stored; left in the source for the next cycle.
    pub failed: usize,
    /// Stored, but the source refused to move them (the next cycle tries again).
    pub not_moved: usize,
    /// What failed, item by item (reading, storing or moving).
    pub failures: Vec<ImportFailure>,
}

impl ImportSummary {
    fn fail(&mut self, item: &str, reason: String) {
        self.failures.push(ImportFailure {
            item: item.to_string(),
            reason,
        });
    }
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} (runs {}, waiting in Inbox {}, unparsed {}), already stored {}, failed {}",
            self.imported, self.runs, self.waiting, self.unparsed, self.duplicates, self.failed
        )?;
        if self.not_moved > 0 {
            write!(f, ", not moved {}", self.not_moved)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What the importer tells the interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportEvent {
    Started {
        source: String,
    },
    Progress {
        done: usize,
        total: usize,
    },
    /// Waiting for something before the cycle can go on ("another import is running; waiting").
    Waiting(String),
    /// The source is waiting to try a request again, and says why ("… unavailable (HTTP 503)
    /// at the mail download; retry 2 of 5 in 4 s").
    Retrying(String),
    Finished(ImportSummary),
    Failed(String),
}

/// What an import cycle says while it waits.
pub type Notice<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// The text of a cycle that waits for another process's import.
pub const WAITING_FOR_OTHER: &str = "another import is running; waiting";

/// One import cycle: list, then per batch fetch → store (one transaction) → move. Stops between
/// batches when `stop` turns true; what was stored is moved first, so nothing is lost or
/// imported twice.
pub async fn run_cycle<S: MailSource>(
    pool: &PgPool,
    source: &mut S,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    progress: &mut (dyn FnMut(usize, usize) + Send),
    stop: &watch::Receiver<bool>,
) -> Result<ImportSummary, ImportError> {
    run_cycle_noting(pool, source, now, progress, &|_| {}, stop).await
}

/// [`run_cycle`] that says when it has to wait for another process's import first.
pub async fn run_cycle_noting<S: MailSource>(
    pool: &PgPool,
    source: &mut S,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    progress: &mut (dyn FnMut(usize, usize) + Send),
    notice: Notice<'_>,
    stop: &watch::Receiver<bool>,
) -> Result<ImportSummary, ImportError> {
    let leadership = match locks::try_acquire(pool, locks::Service::Importer).await? {
        Some(lead) => lead,
        None => {
            notice(WAITING_FOR_OTHER);
            tracing::info!("{WAITING_FOR_OTHER}");
            locks::acquire(pool, locks::Service::Importer).await?
        }
    };
    let result = cycle(pool, source, now, progress, stop).await;
    leadership.release().await?;
    result
}

async fn cycle<S: MailSource>(
    pool: &PgPool,
    source: &mut S,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    progress: &mut (dyn FnMut(usize, usize) + Send),
    stop: &watch::Receiver<bool>,
) -> Result<ImportSummary, ImportError> {
    let max_bytes = db::settings::policy(pool).await?.max_mail_bytes();
    source.set_max_mail_bytes(max_bytes);
    let messages = source.list().await?;
    let mut s = ImportSummary {
        listed: messages.len(),
        ..Default::default()
    };
    progress(0, s.listed);
    let mut done = 0;
    let mut pending: Vec<(&SourceMessage, Incoming)> = Vec::new();
    let mut pending_bytes = 0;
    for (n, msg) in messages.iter().enumerate() {
        if pending.is_empty() && *stop.borrow() {
            tracing::info!("import stopped after {done} of {} messages", s.listed);
            break;
        }
        match source.fetch(msg).await {
            Ok(raw) => {
                pending_bytes += raw.len();
                pending.push((
                    msg,
                    Incoming {
                        source: source.kind(),
                        source_id: Some(source.stored_id(msg, &raw)),
                        received_at: msg.received_at,
                        raw,
                    },
                ));
            }
            Err(SourceError::Message { id, message }) => {
                tracing::warn!("{id}: {message}");
                s.failed += 1;
                s.fail(&id, message);
            }
            Err(e) => return Err(e.into()),
        }
        done += 1;
        let last = n + 1 == messages.len();
        if batch_full(pending.len(), pending_bytes) || last {
            store_batch(pool, source, &mut pending, now(), max_bytes, &mut s).await;
            pending_bytes = 0;
            progress(done, s.listed);
        }
    }
    if s.failures.is_empty() {
        tracing::info!("import from {}: {s}", source.describe());
    } else {
        tracing::warn!("import from {}: {s}", source.describe());
    }
    Ok(s)
}

/// Stores the fetched mails `pending` as one batch (emptying it), counts each outcome into `s`
/// and moves each stored mail out of the source.
async fn store_batch<S: MailSource>(
    pool: &PgPool,
    source: &mut S,
    pending: &mut Vec<(&SourceMessage, Incoming)>,
    now: DateTime<Utc>,
    max_bytes: usize,
    s: &mut ImportSummary,
) {
    if pending.is_empty() {
        return;
    }
    let (msgs, incoming): (Vec<&SourceMessage>, Vec<Incoming>) = pending.drain(..).unzip();
    let outcomes = pipeline::ingest_batch_limited(pool, &incoming, now, max_bytes).await;
    for (msg, outcome) in msgs.into_iter().zip(outcomes) {
        match outcome {
            Ok(o) => {
                match o {
                    Outcome::Run { .. } => s.runs += 1,
                    Outcome::Waiting { .. } => s.waiting += 1,
                    Outcome::Unparsed { .. } => s.unparsed += 1,
                    Outcome::Duplicate { .. } => s.duplicates += 1,
                    // Kept with its archived job: counted among the imported only.
                    Outcome::Archived { .. } => {}
                }
                if !matches!(o, Outcome::Duplicate { .. }) {
                    s.imported += 1;
                }
                // Moved only after it is safely stored.
                if let Err(e) = source.mark_processed(msg).await {
                    tracing::warn!("moving {}: {e}", msg.id);
                    s.not_moved += 1;
                    s.fail(&msg.id, format!("stored, but not moved: {e}"));
                }
            }
            Err(e) => {
                tracing::warn!("storing {}: {e}", msg.id);
                s.failed += 1;
                s.fail(&msg.id, format!("not stored: {e}"));
            }
        }
    }
}

/// The importer as a service of the harness: `make_source` builds the source for each cycle (so
/// configuration changes apply); the interval is read from the settings before every wait.
pub struct Importer<F> {
    make_source: F,
    now: fn() -> DateTime<Utc>,
}

impl<S, F> harness::Service for Importer<F>
where
    S: MailSource + 'static,
    F: FnMut() -> Result<S, SourceError> + Send + 'static,
{
    type Report = ImportSummary;
    type Event = ImportEvent;
    // "another import is running; waiting" while another process imports.
    const NAME: &'static str = "import";
    const LOCK: locks::Service = locks::Service::Importer;
    // Mail listed now must still be imported: wait for the other process, then import.
    const CONTENDED: Contended = Contended::Wait;
    const RUN_AT_START: bool = false;

    async fn interval(&mut self, pool: &PgPool) -> Result<Option<Duration>, String> {
        let p = db::settings::policy(pool)
            .await
            .map_err(|e| format!("reading the import interval: {e}"))?;
        // Automatic import is off until configured: only "import now" starts one.
        Ok(p.import_interval_minutes
            .filter(|m| *m > 0)
            .map(|m| Duration::from_secs(u64::from(m) * 60)))
    }

    async fn pass(&mut self, cx: &PassContext<ImportEvent>) -> Result<ImportSummary, String> {
        let mut source = (self.make_source)().map_err(|e| e.to_string())?;
        let notice_events = cx.events.clone();
        source.set_notices(std::sync::Arc::new(move |text: &str| {
            let _ = notice_events.send(ImportEvent::Retrying(text.to_string()));
        }));
        cx.send(ImportEvent::Started {
            source: source.describe(),
        });
        let progress_events = cx.events.clone();
        let mut progress = move |done, total| {
            let _ = progress_events.send(ImportEvent::Progress { done, total });
        };
        let now = self.now;
        let clock = move || now();
        cycle(&cx.pool, &mut source, &clock, &mut progress, &cx.stop)
            .await
            .map_err(|e| e.to_string())
    }

    fn event(step: Step<ImportSummary>) -> Option<ImportEvent> {
        match step {
            // The pass says it started, naming its source.
            Step::Started | Step::Skipped => None,
            Step::Waiting(text) => Some(ImportEvent::Waiting(text)),
            Step::Finished(s) => Some(ImportEvent::Finished(s)),
            Step::Failed { message, retry_in } => Some(ImportEvent::Failed(format!(
                "{message}; trying again in {}",
                backoff::describe(retry_in)
            ))),
        }
    }
}

/// Starts the importer task; a cycle runs at the interval of the settings or when asked. A
/// failed cycle (or a failed read of the settings) is tried again after a growing delay,
/// whatever the interval.
pub fn spawn<S, F>(
    pool: PgPool,
    make_source: F,
    events: Events<ImportEvent>,
    now: fn() -> DateTime<Utc>,
) -> ServiceHandle
where
    S: MailSource + 'static,
    F: FnMut() -> Result<S, SourceError> + Send + 'static,
{
    spawn_with(pool, make_source, events, now, Backoff::default())
}

/// [`spawn`] with the retry delays given.
pub fn spawn_with<S, F>(
    pool: PgPool,
    make_source: F,
    events: Events<ImportEvent>,
    now: fn() -> DateTime<Utc>,
    retry: Backoff,
) -> ServiceHandle
where
    S: MailSource + 'static,
    F: FnMut() -> Result<S, SourceError> + Send + 'static,
{
    harness::spawn(pool, Importer { make_source, now }, events, retry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_stored_at_its_count_or_at_its_bytes_whichever_comes_first() {
        assert!(!batch_full(BATCH - 1, BATCH_BYTES - 1));
        assert!(batch_full(BATCH, 0));
        // Three 25 MB mails fill a batch long before its count.
        assert!(!batch_full(2, 2 * (25 << 20)));
        assert!(batch_full(3, 3 * (25 << 20)));
        // One mail over the limit is a batch of its own.
        assert!(batch_full(1, BATCH_BYTES + 1));
    }
}
