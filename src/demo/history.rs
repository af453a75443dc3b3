//! What each job reported on each day of the demo's history: run results (status, objects,
//! messages) and the report mails themselves, oldest first. Deterministic: a job's day depends
//! only on the job, the date and [`SEED`].

use super::catalogue::{Catalogue, DemoJob, Pattern, Product};
use super::mails;
use super::rng::Rng;
use crate::domain::missed::local_instant;
use crate::domain::status::Status;
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

/// Days of history before today.
pub const HISTORY_DAYS: i64 = 35;
/// Seed of every random choice in the demo.
pub const SEED: u64 = 0x00bc_de30;

/// One object of a run as the report states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectResult {
    pub name: String,
    pub status: Status,
    pub message: Option<String>,
}

/// What one report says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    pub status: Status,
    /// Job-level text (for products without objects, or an error before any object ran).
    pub message: Option<String>,
    pub objects: Vec<ObjectResult>,
}

/// What a generated mail should parse to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intended {
    Report {
        /// Index into [`Catalogue::jobs`].
        job: usize,
        software: &'static str,
        backup_type: &'static str,
        job_name: String,
        status: Status,
        /// Object names and statuses, in report order.
        objects: Vec<(String, Status)>,
    },
    /// Mail no parser should recognise (a newsletter, a bounce, a customer's reply).
    Unparsed,
}

/// One generated mail: raw MIME bytes, when it arrived, and what it should parse to.
#[derive(Debug, Clone)]
pub struct GeneratedMail {
    pub at: DateTime<Utc>,
    pub raw: Vec<u8>,
    pub intended: Intended,
}

/// (warning, failure) messages as each product words them.
fn messages(product: Product) -> (&'static str, &'static str) {
    match product {
        Product::VeeamBackup | Product::VeeamReplication => (
            "Retrying snapshot creation attempt (Failed to create production checkpoint.)",
            "Error: Failed to create VM snapshot. Timed out waiting for the guest OS to respond.",
        ),
        Product::VeeamBackupCopy => (
            "Restore point is not copied yet: the source backup is still in progress.",
            "Error: The network path was not found. Failed to connect to the target repository.",
        ),
        Product::VeeamAgent => (
            "Failed to back up some files: access is denied.",
            "Error: The network path was not found. Failed to connect to \\\\nas01\\veeam.",
        ),
        Product::VeeamM365 => (
            "Item 'Budget.xlsx' was skipped: file is locked.",
            "Failed to process: the remote server returned an error: (503) Server Unavailable.",
        ),
        Product::SynologyActiveBackup => (
            "Some files could not be backed up because they are in use.",
            "The device is offline. The backup could not start.",
        ),
        Product::SynologyHyperBackup => (
            "Some files were skipped because they could not be read.",
            "The backup destination is unreachable.",
        ),
        Product::Duplicati => (
            "[Warning-Duplicati.Library.Main.Operation.Backup.FileEnumerationProcess-FileAccessError]: \
             Error reported while accessing file: C:\\Praktijk\\Agenda\\agenda.ldb",
            "[Error-Duplicati.Library.Main.Operation.BackupHandler-FatalError]: \
             The remote server returned an error: (507) Insufficient Storage.",
        ),
        Product::Nakivo => (
            "Application-aware mode failed; a crash-consistent backup was made.",
            "Cannot connect to the ESXi host esx01.",
        ),
        Product::Acronis => (
            "Some files were skipped because they are locked by another process.",
            "Cannot access the backup location: The network path was not found.",
        ),
        Product::Script => (
            "3 files vanished during transfer",
            "Fatal: unable to create lock in backend: repository is already locked",
        ),
        Product::ProxmoxVzdump => ("", "job errors"),
        Product::PbsVerify | Product::PbsGarbageCollection | Product::SynologyUpdates => ("", ""),
    }
}

/// The known warning of the job with [`Pattern::KnownWarning`].
pub const CBT_WARNING: &str =
    "Changed block tracking cannot be enabled: one or more snapshots present.";

/// Whether a product can report a warning at all (vzdump knows only ok and err).
fn can_warn(product: Product) -> bool {
    !matches!(
        product,
        Product::ProxmoxVzdump
            | Product::PbsVerify
            | Product::PbsGarbageCollection
            | Product::SynologyUpdates
    )
}

/// The result of job `job` on `date` (`days_ago` days before today).
pub fn run_result(job: &DemoJob, days_ago: i64, date: NaiveDate, rng: &mut Rng) -> RunResult {
    let (warn, fail) = messages(job.product);
    let mut objects: Vec<ObjectResult> = job
        .objects
        .iter()
        .map(|name| ObjectResult {
            name: (*name).to_string(),
            status: Status::Success,
            message: None,
        })
        .collect();
    let mut status = Status::Success;
    let mut message = None;
    // Sets one object (or the run, without objects) to a status and message.
    let mut set = |i: usize, st: Status, msg: &str, status: &mut Status| {
        match objects.get_mut(i) {
            Some(o) => {
                o.status = st;
                o.message = Some(msg.to_string());
            }
            None => message = Some(msg.to_string()),
        }
        *status = (*status).max(st);
    };
    let pick = usize::try_from(rng.below(job.objects.len().max(1) as u64)).unwrap_or(0);
    match &job.pattern {
        Pattern::Flaky(days) if days.contains(&date.weekday()) => {
            set(pick, Status::Warning, warn, &mut status);
        }
        Pattern::FailingFor(n) if days_ago < *n => {
            // The backup storage filled up: the first guest fit, the others did not.
            for (i, name) in job.objects.iter().enumerate().skip(1) {
                let vmid = name.split(' ').next().unwrap_or("100");
                let msg = format!(
                    "unable to create temporary directory \
                     '/mnt/pve/backup-nas/dump/vzdump-qemu-{vmid}.tmp' - No space left on device"
                );
                set(i, Status::Failed, &msg, &mut status);
            }
        }
        Pattern::FailedDaysAgo(days) if days.contains(&days_ago) => {
            set(pick, Status::Failed, fail, &mut status);
        }
        Pattern::DeviceOffline { device, days } if days_ago < *days => {
            if let Some(i) = job.objects.iter().position(|o| o == device) {
                set(i, Status::Failed, fail, &mut status);
            }
        }
        Pattern::KnownWarning(object) => {
            if let Some(i) = job.objects.iter().position(|o| o == object) {
                set(i, Status::Warning, CBT_WARNING, &mut status);
            }
        }
        _ => {}
    }
    // Now and then something goes wrong anywhere, as in real life.
    if matches!(job.pattern, Pattern::Healthy | Pattern::KnownWarning(_)) && can_warn(job.product) {
        let roll = rng.below(1000);
        if roll < 25 {
            set(pick, Status::Warning, warn, &mut status);
        } else if roll < 32 && !fail.is_empty() {
            set(pick, Status::Failed, fail, &mut status);
        }
    }
    if job.product == Product::SynologyUpdates {
        // Alternate "update available" (Warning) and "packages out-of-date" notices by host.
        status = Status::Warning;
    }
    RunResult {
        status,
        message,
        objects,
    }
}

/// Splits a run into the mails the product sends: one per device for some products.
fn per_mail(job: &DemoJob, run: RunResult) -> Vec<RunResult> {
    if !job.product.mail_per_object() || run.objects.len() <= 1 {
        return vec![run];
    }
    run.objects
        .into_iter()
        .map(|o| RunResult {
            status: o.status,
            message: None,
            objects: vec![o],
        })
        .collect()
}

/// The local date `days_ago` days before `today`.
fn date_before(today: NaiveDate, days_ago: i64) -> Option<NaiveDate> {
    today.checked_sub_days(Days::new(u64::try_from(days_ago).ok()?))
}

/// The report mails of job `index` on the date `days_ago` days before `today`, with their
/// arrival times (possibly later than now: the caller filters).
pub fn reports_of_day(
    cat: &Catalogue,
    index: usize,
    today: NaiveDate,
    days_ago: i64,
    tz: Tz,
) -> Vec<GeneratedMail> {
    let (Some(job), Some(date)) = (cat.jobs.get(index), date_before(today, days_ago)) else {
        return Vec::new();
    };
    if !job.reports_on(date, days_ago) {
        return Vec::new();
    }
    let mut rng = Rng::for_parts(&[
        SEED,
        index as u64,
        u64::try_from(date.num_days_from_ce()).unwrap_or(0),
    ]);
    let Some(base) = local_instant(tz, date, job.time) else {
        return Vec::new();
    };
    let start = base
        + TimeDelta::minutes(rng.range(-job.jitter_minutes, job.jitter_minutes))
        + TimeDelta::seconds(rng.range(0, 59));
    let run = run_result(job, days_ago, date, &mut rng);
    per_mail(job, run)
        .into_iter()
        .enumerate()
        .map(|(n, r)| {
            let at = start + TimeDelta::minutes(3 * n as i64 + rng.range(0, 2));
            report_mail(job, index, r, at, tz, n)
        })
        .collect()
}

/// Renders one report of job `index` arriving at `at`.
pub fn report_mail(
    job: &DemoJob,
    index: usize,
    run: RunResult,
    at: DateTime<Utc>,
    tz: Tz,
    n: usize,
) -> GeneratedMail {
    let domain = job.from.rsplit('@').next().unwrap_or("example.com");
    let message_id = format!("{}.{index}.{n}.demo@{domain}", at.timestamp());
    let raw = mails::render(job, &run, at, tz, &message_id);
    GeneratedMail {
        at,
        raw,
        intended: Intended::Report {
            job: index,
            software: job.product.software(),
            backup_type: job.product.backup_type(),
            job_name: job.job_name(),
            status: run.status,
            objects: run
                .objects
                .iter()
                .map(|o| (o.name.clone(), o.status))
                .collect(),
        },
    }
}

/// Every mail of the history up to `now`: [`HISTORY_DAYS`] days of reports of every job plus a
/// few mails no parser knows, oldest first.
pub fn history(cat: &Catalogue, now: DateTime<Utc>, tz: Tz) -> Vec<GeneratedMail> {
    let today = now.with_timezone(&tz).date_naive();
    let mut out: Vec<GeneratedMail> = Vec::with_capacity(1800);
    for days_ago in (0..=HISTORY_DAYS).rev() {
        for index in 0..cat.jobs.len() {
            out.extend(reports_of_day(cat, index, today, days_ago, tz));
        }
    }
    // Stray mail of the last two days, at fixed distances from now so every start has them.
    for (hours_ago, kind) in [
        (45, mails::Stray::CustomerReply),
        (19, mails::Stray::Newsletter),
        (3, mails::Stray::Bounce),
    ] {
        let at = now - TimeDelta::hours(hours_ago) - TimeDelta::minutes(17);
        out.push(GeneratedMail {
            at,
            raw: mails::stray(kind, at, tz),
            intended: Intended::Unparsed,
        });
    }
    out.retain(|m| m.at <= now);
    out.sort_by_key(|m| m.at);
    out
}
