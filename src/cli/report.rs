//! `backupchecks report`: the backup report of a period and scope written as PDF, HTML, CSV,
//! Markdown and/or JSON files, all from one computed model.

use crate::config;
use crate::db::{DbError, report as db_report, settings};
use crate::domain::report::{self, Period, PeriodError};
use crate::reports::{self, Format};
use anyhow::Context;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// From this many customers on, the steps are shown on standard error as they go.
const LARGE_SCOPE: usize = 10;

/// Write the backup report of a period for all customers, one, or a list.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    /// A calendar month, e.g. 2026-11 (default: the previous month in the configured time zone).
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["from", "to"])]
    pub month: Option<String>,
    /// First day of the period (with --to), e.g. 2026-11-01.
    #[arg(long, value_name = "YYYY-MM-DD", requires = "to")]
    pub from: Option<String>,
    /// Last day of the period, included (with --from).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from")]
    pub to: Option<String>,
    /// A customer to report on (name, any case); repeat for several. Default: every active
    /// customer.
    #[arg(long = "customer", value_name = "NAME")]
    pub customers: Vec<String>,
    /// pdf, html, csv, md or json; repeat for several (default: pdf).
    #[arg(long = "format", value_name = "FORMAT", value_parser = parse_format)]
    pub formats: Vec<Format>,
    /// A directory to write into (file names say scope and period), or a file name (with several
    /// formats, its extension is replaced per format). Default: the current directory.
    #[arg(long, value_name = "DIR|FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Scheduled reports: list, add, remove, run now, and settle a delivery whose outcome is
    /// unknown (resend or mark sent).
    Schedule(super::report_schedule::Args),
}

fn parse_format(text: &str) -> Result<Format, String> {
    crate::domain::report_schedule::parse_format(text).map_err(|e| e.to_string())
}

/// Arguments that are wrong whatever the data: exit code 2 with the message.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error("{0}")]
    Customer(String),
}

pub async fn run(args: Args, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    if let Some(ReportCommand::Schedule(schedule)) = args.command {
        return super::report_schedule::run(schedule, explicit).await;
    }
    // The period is checked before anything is opened: a typo answers at once.
    let asked = match period_asked(&args) {
        Ok(p) => p,
        Err(e) => return Ok(refuse(&e.into())),
    };
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let _log = crate::logging::init(&loaded.config.log);
    let db = super::open_database(&loaded.config.database).await?;
    let now = chrono::Utc::now();
    let mut conn = db.pool().acquire().await?;
    let period = match asked {
        Some(p) => p,
        None => {
            let tz = settings::policy(&mut *conn).await?.timezone;
            let today = now.with_timezone(&tz).date_naive();
            Period::month_of(Period::month_of(today).from.pred_opt().unwrap_or(today))
        }
    };
    let formats = if args.formats.is_empty() {
        vec![Format::Pdf]
    } else {
        let mut f: Vec<Format> = Vec::new();
        for format in &args.formats {
            if !f.contains(format) {
                f.push(*format);
            }
        }
        f
    };
    let scope = (!args.customers.is_empty()).then_some(args.customers.as_slice());
    let mut progress = Progress::new(scope.map_or(usize::MAX, <[String]>::len), formats.len() + 2);

    progress.step("loading");
    let input = match db_report::load(&mut conn, period, scope, now).await {
        Ok(input) => input,
        Err(DbError::NotFound(what)) => return Ok(refuse(&Refused::Customer(what))),
        Err(e) => return Err(e).context("loading the report"),
    };
    drop(conn);
    progress.step("computing");
    let model = report::build(&input);

    let targets = targets(args.out.as_deref(), &model, &formats);
    for (format, path) in formats.iter().zip(&targets) {
        progress.step(&format!("writing {format}"));
        let bytes = reports::render(&model, *format);
        write_file(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    progress.done();
    for path in &targets {
        println!("{}", path.display());
    }
    let jobs: usize = model.customers.iter().map(|c| c.jobs.len()).sum();
    eprintln!(
        "report {}: {} customers, {jobs} jobs, success rate {}",
        model.period,
        model.customers.len(),
        reports::text::rate(model.totals.success_rate)
    );
    Ok(ExitCode::SUCCESS)
}

fn refuse(e: &Refused) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

/// The period of `--month` or `--from/--to`; `None` for the default month.
fn period_asked(args: &Args) -> Result<Option<Period>, PeriodError> {
    if let Some(month) = &args.month {
        return Period::parse_month(month).map(Some);
    }
    match (&args.from, &args.to) {
        (Some(from), Some(to)) => {
            Period::new(Period::parse_date(from)?, Period::parse_date(to)?).map(Some)
        }
        _ => Ok(None),
    }
}

/// Where each format goes: into a directory with names like
/// `backup-report-all-2026-11.pdf`, or next to the file name given.
fn targets(out: Option<&Path>, model: &report::Report, formats: &[Format]) -> Vec<PathBuf> {
    let is_dir = out.is_none_or(|p| p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/'));
    let base: PathBuf = match out {
        Some(p) if !is_dir => p.to_path_buf(),
        other => other
            .unwrap_or(Path::new("."))
            .join(reports::naming::file_stem(model)),
    };
    formats
        .iter()
        .map(|f| {
            if !is_dir && formats.len() == 1 && base.extension().is_some() {
                base.clone()
            } else {
                base.with_extension(f.extension())
            }
        })
        .collect()
}

/// Writes through a temporary file in the same directory, so a reader never sees half a report.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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

/// Steps of a large report on standard error: a bar on a terminal, a line per step otherwise.
struct Progress {
    shown: bool,
    tty: bool,
    done: usize,
    total: usize,
}

impl Progress {
    fn new(customers: usize, total: usize) -> Progress {
        Progress {
            shown: customers >= LARGE_SCOPE,
            tty: std::io::stderr().is_terminal(),
            done: 0,
            total,
        }
    }

    fn step(&mut self, what: &str) {
        if !self.shown {
            return;
        }
        let width = 20;
        let filled = self.done * width / self.total.max(1);
        if self.tty {
            eprint!(
                "\rreport [{}{}] {}/{} {what:<16}",
                "#".repeat(filled),
                ".".repeat(width - filled),
                self.done + 1,
                self.total
            );
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("report: {}/{} {what}", self.done + 1, self.total);
        }
        self.done += 1;
    }

    fn done(&self) {
        if self.shown && self.tty {
            eprintln!();
        }
    }
}
