//! `backupchecks import`: import cycles from a folder (or the Graph mailbox) with a progress bar.

use crate::config;
use crate::db::{self, Database};
use crate::ingest::MailSource;
use crate::ingest::configured::AnySource;
use crate::services::backoff::{self, Backoff};
use crate::services::importer::{self, ImportSummary};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::watch;

/// Import report mails into the database.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["from_dir", "graph"]))]
pub struct Args {
    /// Import the `.eml` files (and Maildir new/ + cur/) of this directory; imported files move
    /// to its processed/ sub-directory.
    #[arg(long, value_name = "DIR")]
    pub from_dir: Option<PathBuf>,
    /// Import from the Microsoft Graph mailbox of the configuration (`[graph]`); imported mail
    /// moves to the processed folder of the settings.
    #[arg(long)]
    pub graph: bool,
    /// Run one cycle and exit (default: repeat at the configured import interval until Ctrl-C).
    #[arg(long)]
    pub once: bool,
}

fn progress_bar() -> impl FnMut(usize, usize) + Send {
    let tty = std::io::stderr().is_terminal();
    move |done, total| {
        if !tty || total == 0 {
            return;
        }
        let width = 30;
        let filled = done * width / total;
        eprint!(
            "\rimporting [{}{}] {done}/{total}",
            "#".repeat(filled),
            ".".repeat(width - filled)
        );
        if done == total {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}

async fn cycle(
    db: &Database,
    source: &mut AnySource,
    stop: &watch::Receiver<bool>,
) -> Result<ImportSummary, importer::ImportError> {
    let mut bar = progress_bar();
    let clock = chrono::Utc::now;
    let notice = |text: &str| eprintln!("{text}");
    importer::run_cycle_noting(db.pool(), source, &clock, &mut bar, &notice, stop).await
}

/// Prints a cycle's summary, then every failed item with its reason (on standard error, so a
/// script that reads the summary line is not disturbed).
fn report(s: &ImportSummary) {
    println!("{s}");
    for f in &s.failures {
        eprintln!("failed: {}: {}", f.item, f.reason);
    }
}

/// The missed-run pass that follows every import cycle, as in the importer service: new runs
/// may satisfy Missed runs, and imported history may show slots that never came. Prints one line;
/// returns false when the pass failed.
async fn missed_run_pass(db: &Database) -> bool {
    use crate::services::missed_runs;
    match missed_runs::pass_once(db.pool(), chrono::Utc::now()).await {
        Ok(Some(r)) => {
            println!("missed runs: {} created, {} removed", r.created, r.removed);
            for (job, why) in &r.failed {
                eprintln!("error: missed runs of job {job} not checked: {why}");
            }
            r.failed.is_empty()
        }
        Ok(None) => {
            println!("missed runs: checked by another running process");
            true
        }
        Err(e) => {
            eprintln!("error: missed-run check failed: {e}");
            false
        }
    }
}

pub async fn run(args: Args, explicit: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let _log = crate::logging::init(&loaded.config.log);
    let db = super::wait_db::open_waiting(&loaded.config.database).await?;
    let mut source = match &args.from_dir {
        Some(dir) => AnySource::folder(dir),
        None => {
            let policy = db::settings::policy(db.pool()).await?;
            AnySource::graph(&loaded.config.graph, &policy)?
        }
    };
    // Retries go to stderr as they happen, so a waiting import is never silent.
    source.set_notices(std::sync::Arc::new(|text: &str| eprintln!("\r{text}")));
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });
    let mut failed = false;
    let mut retry = Backoff::default();
    loop {
        eprintln!("importing from {}", source.describe());
        // Repeating: a failed cycle (an outage) is tried again soon, not at the next interval.
        let mut wait = None;
        match cycle(&db, &mut source, &stop).await {
            Ok(s) => {
                report(&s);
                failed |= s.failed > 0;
                failed |= !missed_run_pass(&db).await;
                retry.reset();
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
                if !args.once {
                    let d = retry.next_delay();
                    eprintln!("trying again in {}", backoff::describe(d));
                    wait = Some(d);
                }
            }
        }
        if args.once || *stop.borrow() {
            break;
        }
        if wait.is_none() {
            match db::settings::policy(db.pool()).await {
                Ok(p) => match p.import_interval_minutes.filter(|m| *m > 0) {
                    Some(m) => wait = Some(Duration::from_secs(u64::from(m) * 60)),
                    None => {
                        eprintln!(
                            "automatic import is off (no import interval set); ran one cycle"
                        );
                        break;
                    }
                },
                Err(e) => {
                    let d = retry.next_delay();
                    eprintln!(
                        "error: reading the import interval: {e}; trying again in {}",
                        backoff::describe(d)
                    );
                    wait = Some(d);
                }
            }
        }
        let delay = wait.unwrap_or_default();
        let mut stop_wait = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop_wait.changed() => break,
        }
    }
    db.close().await?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
