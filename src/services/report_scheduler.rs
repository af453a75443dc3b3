//! The report scheduler: every few minutes, under the [`Service::Reports`] advisory lock, makes
//! each schedule's report that is due and not yet made for its period, writes its files to the
//! report folder, records a delivery per part and mails what has recipients through Microsoft
//! Graph (when configured).
//!
//! Once per period: a delivery's key (schedule, period, part) is UNIQUE, so a part is made once
//! whatever restarts or how many processes run. Never twice in the mailbox of a recipient: a
//! delivery is marked `sending` (committed) before the request goes out; an answer that never
//! came leaves it `unknown`, and so does a process that stopped mid-send, found by the next
//! pass. Unknown deliveries wait for an operator (resend or mark sent). Refusals and
//! unreachable servers are tried again with growing delays.

use crate::clock::Clock;
use crate::db::locks::{self, Service};
use crate::db::report_schedules::{self as db, Delivery, NewDelivery, Schedule};
use crate::db::{DbError, report as db_report, settings};
use crate::domain::report::{self as model, Period};
use crate::domain::report_schedule::{self as rules, Part};
use crate::ingest::graph::{Attachment, GraphMailer, OutgoingMail, SendError};
use crate::reports::mail::{self, Audience, ReportFile};
use crate::reports::{self, Format, naming};
use crate::services::backoff::Backoff;
use crate::services::harness::{self, Contended, Events, PassContext, ServiceHandle, Step};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the scheduler looks for due reports and deliveries to retry.
pub const INTERVAL: Duration = Duration::from_secs(5 * 60);

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Parts made and written to the folder.
    pub generated: usize,
    /// Mails Graph accepted.
    pub sent: usize,
    /// `schedule / part: why`, for mails not sent (tried again later).
    pub failed: Vec<String>,
    /// Deliveries whose outcome is unknown (maybe sent): an operator decides.
    pub unknown: Vec<String>,
    /// Anything else worth saying (a customer without a contact address, Graph not set up).
    pub notes: Vec<String>,
}

/// Progress of the scheduler, for the activity log.
pub type Event = harness::PassEvent<PassReport>;

/// Where the files go and how mail is sent.
pub struct Setup {
    pub folder: PathBuf,
    /// `None`: Microsoft Graph is not configured; reports are only written.
    pub mailer: Option<GraphMailer>,
}

/// The scheduler as a service of the harness.
pub struct ReportScheduler {
    clock: Clock,
    interval: Duration,
    setup: Setup,
}

impl harness::Service for ReportScheduler {
    type Report = PassReport;
    type Event = Event;
    const NAME: &'static str = "report scheduler";
    const LOCK: Service = Service::Reports;
    const CONTENDED: Contended = Contended::Skip;
    const RUN_AT_START: bool = true;

    async fn interval(&mut self, _pool: &PgPool) -> Result<Option<Duration>, String> {
        Ok(Some(self.interval))
    }

    async fn pass(&mut self, cx: &PassContext<Event>) -> Result<PassReport, String> {
        pass(&cx.pool, (self.clock)(), &mut self.setup, Some(&cx.stop))
            .await
            .map_err(|e| e.to_string())
    }

    fn event(step: Step<PassReport>) -> Option<Event> {
        Event::from_step(step)
    }
}

/// Starts the scheduler; the first pass runs at once.
pub fn spawn(
    pool: PgPool,
    clock: Clock,
    interval: Duration,
    setup: Setup,
    events: Events<Event>,
) -> ServiceHandle {
    spawn_with(pool, clock, interval, setup, events, Backoff::default())
}

/// [`spawn`] with the retry delays of a failed pass given.
pub fn spawn_with(
    pool: PgPool,
    clock: Clock,
    interval: Duration,
    setup: Setup,
    events: Events<Event>,
    retry: Backoff,
) -> ServiceHandle {
    harness::spawn(
        pool,
        ReportScheduler {
            clock,
            interval,
            setup,
        },
        events,
        retry,
    )
}

/// One pass now under the lock, for a caller that is not the service (`report schedule
/// run-now`). `None` when another process is running the scheduler at this moment.
pub async fn pass_once(
    pool: &PgPool,
    now: DateTime<Utc>,
    setup: &mut Setup,
) -> Result<Option<PassReport>, DbError> {
    let Some(lead) = locks::try_acquire(pool, Service::Reports).await? else {
        return Ok(None);
    };
    let result = pass(pool, now, setup, None).await;
    if let Err(e) = lead.release().await {
        tracing::warn!(error = %e, "releasing the report scheduler lock");
    }
    result.map(Some)
}

/// Settles interrupted sends, makes what is due, then mails what waits. Runs only while this
/// process holds the lock. Only database errors end a pass; anything about one delivery is in
/// the [`PassReport`].
pub async fn pass(
    pool: &PgPool,
    now: DateTime<Utc>,
    setup: &mut Setup,
    stop: Option<&tokio::sync::watch::Receiver<bool>>,
) -> Result<PassReport, DbError> {
    let stopping = || stop.is_some_and(|s| *s.borrow());
    let mut report = PassReport::default();
    for id in db::settle_interrupted(pool).await? {
        tracing::warn!(
            delivery = id,
            "report mail interrupted mid-send: outcome unknown"
        );
        report.unknown.push(format!(
            "delivery {id}: the process sending it stopped before Microsoft Graph answered"
        ));
    }
    let tz = settings::policy(pool).await?.timezone;
    for schedule in db::list(pool).await? {
        if !schedule.enabled || stopping() {
            continue;
        }
        let (_, period) = rules::latest_due(schedule.cadence, schedule.hour, now, tz);
        if let Err(e) = generate(pool, &schedule, period, now, setup, &mut report).await {
            tracing::error!(schedule = %schedule.name, "scheduled report: {e}");
            report.failed.push(format!("{}: {e}", schedule.name));
        }
    }
    match &mut setup.mailer {
        Some(mailer) => {
            for d in db::to_send(pool, now).await? {
                if stopping() {
                    break;
                }
                deliver(pool, mailer, &d, now, &mut report).await?;
            }
        }
        None => {
            let waiting = db::to_send(pool, now).await?.len();
            if waiting > 0 {
                report.notes.push(format!(
                    "{waiting} report mail(s) not sent: Microsoft Graph is not configured"
                ));
            }
        }
    }
    Ok(report)
}

/// Why one part could not be made.
#[derive(Debug, thiserror::Error)]
enum GenerateError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Makes the parts of `schedule`'s report for `period` that have no record yet.
async fn generate(
    pool: &PgPool,
    schedule: &Schedule,
    period: Period,
    now: DateTime<Utc>,
    setup: &Setup,
    report: &mut PassReport,
) -> Result<(), GenerateError> {
    let customers = db::scope_customers(pool, schedule.customer_ids.as_deref()).await?;
    let mut parts: Vec<(Part, Option<String>, Vec<String>)> = Vec::new();
    let internal = !db::exists(pool, schedule.id, period.from, &Part::Internal.key()).await?;
    if internal {
        parts.push((Part::Internal, None, schedule.recipients.clone()));
    }
    if schedule.to_customers {
        for c in &customers {
            let part = Part::Customer(c.id);
            let Some(address) = &c.contact_email else {
                // Said once per period, with the internal part.
                if internal {
                    report.notes.push(format!(
                        "{}: customer {} has no contact address; its own report is not sent",
                        schedule.name, c.name
                    ));
                }
                continue;
            };
            if !db::exists(pool, schedule.id, period.from, &part.key()).await? {
                parts.push((part, Some(c.name.clone()), vec![address.clone()]));
            }
        }
    }
    let scope: Option<Vec<String>> = schedule
        .customer_ids
        .as_ref()
        .map(|_| customers.iter().map(|c| c.name.clone()).collect());
    for (part, customer, recipients) in parts {
        let names = match &customer {
            Some(name) => Some(vec![name.clone()]),
            None => scope.clone(),
        };
        if names.as_ref().is_some_and(Vec::is_empty) {
            report
                .notes
                .push(format!("{}: no customer left in its scope", schedule.name));
            continue;
        }
        let mut conn = pool.acquire().await.map_err(DbError::from)?;
        let input = db_report::load(&mut conn, period, names.as_deref(), now).await?;
        drop(conn);
        let built = model::build(&input);
        let dir = setup
            .folder
            .join(format!("{}-{}", schedule.id, naming::slug(&schedule.name)))
            .join(naming::period_slug(period));
        let stem = naming::file_stem(&built);
        let mut paths = Vec::new();
        let mut checksums = Vec::new();
        for format in &schedule.formats {
            let bytes = reports::render(&built, *format);
            let path = dir.join(format!("{stem}.{}", format.extension()));
            write_atomic(&path, &bytes).map_err(|source| GenerateError::Write {
                path: path.display().to_string(),
                source,
            })?;
            paths.push(path.display().to_string());
            checksums.push(sha256_hex(&bytes));
        }
        let note = match (recipients.is_empty(), setup.mailer.is_some()) {
            (true, _) => Some("written only: no recipients".to_string()),
            (false, false) => Some("not mailed: Microsoft Graph is not configured".to_string()),
            (false, true) => None,
        };
        let new = NewDelivery {
            schedule_id: schedule.id,
            period_from: period.from,
            period_to: period.to,
            part: part.key(),
            customer_id: match part {
                Part::Customer(id) => Some(id),
                Part::Internal => None,
            },
            recipients,
            paths,
            checksums,
            note,
        };
        match db::record(pool, &new).await? {
            Some(id) => {
                tracing::info!(delivery = id, schedule = %schedule.name, part = %new.part,
                    period = %period, "scheduled report written");
                report.generated += 1;
            }
            None => tracing::info!(schedule = %schedule.name, part = %new.part,
                "scheduled report already recorded"),
        }
    }
    Ok(())
}

/// Mails one delivery: `sending` committed first, then one request, then its outcome.
async fn deliver(
    pool: &PgPool,
    mailer: &mut GraphMailer,
    d: &Delivery,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), DbError> {
    let label = format!(
        "{} / {} {}",
        d.schedule_name,
        d.customer_name.as_deref().unwrap_or("internal"),
        d.period_from
    );
    // The files as written when the part was made; a missing one fails the delivery.
    let mut files = Vec::new();
    let mut contents = Vec::new();
    for path in &d.paths {
        match std::fs::read(path) {
            Ok(bytes) => {
                let name = Path::new(path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.clone());
                files.push(ReportFile {
                    name,
                    path: path.clone(),
                    size: bytes.len(),
                });
                contents.push(bytes);
            }
            Err(e) => {
                let why = format!("cannot read {path}: {e}");
                db::failed(pool, d.id, &why, None).await?;
                report.failed.push(format!("{label}: {why}"));
                return Ok(());
            }
        }
    }
    let period = Period {
        from: d.period_from,
        to: d.period_to,
    };
    let audience = if d.customer_id.is_some() {
        Audience::Customer
    } else {
        Audience::Internal
    };
    let composed = mail::compose_for(
        &d.schedule_name,
        period,
        d.customer_name.as_deref(),
        &files,
        audience,
    );
    let attachments: Vec<Attachment> = composed
        .attached
        .iter()
        .filter_map(|i| {
            let f = files.get(*i)?;
            let format = Path::new(&f.name)
                .extension()
                .and_then(|e| Format::parse(&e.to_string_lossy()))
                .unwrap_or(Format::Pdf);
            Some(Attachment {
                name: f.name.clone(),
                content_type: mail::content_type(format).to_string(),
                bytes: contents.get(*i)?.clone(),
            })
        })
        .collect();
    let outgoing = OutgoingMail {
        subject: composed.subject,
        body: composed.body,
        to: d.recipients.clone(),
        attachments,
    };
    let Some(attempt) = db::start_sending(pool, d.id).await? else {
        return Ok(());
    };
    match mailer.send(&outgoing).await {
        Ok(()) => {
            db::sent(pool, d.id, now, composed.note.as_deref()).await?;
            tracing::info!(delivery = d.id, to = ?d.recipients, "report mail sent: {label}");
            report.sent += 1;
            if let Some(note) = composed.note {
                report.notes.push(format!("{label}: {note}"));
            }
        }
        Err(SendError::NotSent(why)) => {
            let retry = rules::retry_at(attempt, now);
            db::failed(pool, d.id, &why, retry).await?;
            let when = match retry {
                Some(t) => format!("tried again after {}", t.format("%Y-%m-%d %H:%M UTC")),
                None => format!("given up after {attempt} attempts: resend it by hand"),
            };
            tracing::error!(
                delivery = d.id,
                "report mail not sent: {label}: {why}; {when}"
            );
            report.failed.push(format!("{label}: {why}; {when}"));
        }
        Err(SendError::Unknown(why)) => {
            db::unknown(pool, d.id, &why).await?;
            tracing::error!(
                delivery = d.id,
                "report mail outcome unknown: {label}: {why}"
            );
            report.unknown.push(format!(
                "{label} (delivery {}): {why}; not sent again until resent or marked sent",
                d.id
            ));
        }
    }
    Ok(())
}

/// Writes through a temporary file in the same directory, so a reader never sees half a report.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
