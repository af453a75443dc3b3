//! The importer: drains a mail source into the database, one cycle at a time, never twice at
//! once across processes (advisory lock; the loser waits), on an interval and on demand.

use crate::db::{self, DbError, locks};
use crate::ingest::pipeline::{self, Incoming, Outcome};
use crate::ingest::{MailSource, SourceError, SourceMessage};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Mails stored per transaction.
pub const BATCH: usize = 50;

/// The result of one import cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
    /// The source is waiting to try a request again, and says why ("… unavailable (HTTP 503)
    /// at the mail download; retry 2 of 5 in 4 s").
    Retrying(String),
    Finished(ImportSummary),
    Failed(String),
}

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
    let leadership = locks::acquire(pool, locks::Service::Importer).await?;
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
    let messages = source.list().await?;
    let mut s = ImportSummary {
        listed: messages.len(),
        ..Default::default()
    };
    progress(0, s.listed);
    let mut done = 0;
    for chunk in messages.chunks(BATCH) {
        if *stop.borrow() {
            tracing::info!("import stopped after {done} of {} messages", s.listed);
            break;
        }
        let mut fetched: Vec<(&SourceMessage, Incoming)> = Vec::with_capacity(chunk.len());
        for msg in chunk {
            match source.fetch(msg).await {
                Ok(raw) => fetched.push((
                    msg,
                    Incoming {
                        source: source.kind(),
                        source_id: Some(source.stored_id(msg, &raw)),
                        received_at: msg.received_at,
                        raw,
                    },
                )),
                Err(SourceError::Message { id, message }) => {
                    tracing::warn!("{id}: {message}");
                    s.failed += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let incoming: Vec<Incoming> = fetched.iter().map(|(_, i)| i.clone()).collect();
        let outcomes = pipeline::ingest_batch(pool, &incoming, now()).await;
        for ((msg, _), outcome) in fetched.iter().zip(outcomes) {
            match outcome {
                Ok(o) => {
                    match o {
                        Outcome::Run { .. } => s.runs += 1,
                        Outcome::Waiting { .. } => s.waiting += 1,
                        Outcome::Unparsed { .. } => s.unparsed += 1,
                        Outcome::Duplicate { .. } => s.duplicates += 1,
                    }
                    if !matches!(o, Outcome::Duplicate { .. }) {
                        s.imported += 1;
                    }
                    // Moved only after it is safely stored.
                    if let Err(e) = source.mark_processed(msg).await {
                        tracing::warn!("moving {}: {e}", msg.id);
                        s.not_moved += 1;
                    }
                }
                Err(e) => {
                    tracing::warn!("storing {}: {e}", msg.id);
                    s.failed += 1;
                }
            }
        }
        done += chunk.len();
        progress(done, s.listed);
    }
    tracing::info!("import from {}: {s}", source.describe());
    Ok(s)
}

/// Control of a running importer task.
pub struct ImporterHandle {
    run_now: mpsc::Sender<()>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ImporterHandle {
    /// Asks for a cycle now (ignored when one is already queued).
    pub fn import_now(&self) {
        let _ = self.run_now.try_send(());
    }

    /// A handle that asks for a cycle, for code that outlives a borrow of this one.
    pub fn trigger(&self) -> impl Fn() + Send + Sync + 'static {
        let tx = self.run_now.clone();
        move || {
            let _ = tx.try_send(());
        }
    }

    /// Stops the task: a running cycle finishes its current batch first.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the importer task. `make_source` builds the source for each cycle (so configuration
/// changes apply); the interval is read from the settings before every wait.
pub fn spawn<S, F>(
    pool: PgPool,
    mut make_source: F,
    events: mpsc::UnboundedSender<ImportEvent>,
    now: fn() -> DateTime<Utc>,
) -> ImporterHandle
where
    S: MailSource + 'static,
    F: FnMut() -> Result<S, SourceError> + Send + 'static,
{
    let (run_now, mut run_now_rx) = mpsc::channel(1);
    let (stop, mut stop_rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            let interval = match db::settings::policy(&pool).await {
                Ok(p) => p.import_interval_minutes,
                Err(e) => {
                    let _ = events.send(ImportEvent::Failed(e.to_string()));
                    None
                }
            };
            let wait = async {
                match interval {
                    Some(m) if m > 0 => {
                        tokio::time::sleep(Duration::from_secs(u64::from(m) * 60)).await
                    }
                    // Automatic import is off until configured: only "import now" starts one.
                    _ => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait => {}
                r = run_now_rx.recv() => if r.is_none() { break },
                _ = stop_rx.changed() => break,
            }
            if *stop_rx.borrow() {
                break;
            }
            let mut source = match make_source() {
                Ok(s) => s,
                Err(e) => {
                    let _ = events.send(ImportEvent::Failed(e.to_string()));
                    continue;
                }
            };
            let notice_events = events.clone();
            source.set_notices(std::sync::Arc::new(move |text: &str| {
                let _ = notice_events.send(ImportEvent::Retrying(text.to_string()));
            }));
            let _ = events.send(ImportEvent::Started {
                source: source.describe(),
            });
            let progress_events = events.clone();
            let mut progress = move |done, total| {
                let _ = progress_events.send(ImportEvent::Progress { done, total });
            };
            let clock = move || now();
            match run_cycle(&pool, &mut source, &clock, &mut progress, &stop_rx).await {
                Ok(summary) => {
                    let _ = events.send(ImportEvent::Finished(summary));
                }
                Err(e) => {
                    let _ = events.send(ImportEvent::Failed(e.to_string()));
                }
            }
        }
    });
    ImporterHandle {
        run_now,
        stop,
        task,
    }
}
