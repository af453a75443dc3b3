//! `backupchecks import`: import cycles from a folder (or the Graph mailbox) with a progress bar.

use crate::config;
use crate::db::{self, Database};
use crate::ingest::MailSource;
use crate::ingest::configured::AnySource;
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
) -> anyhow::Result<ImportSummary> {
    let mut bar = progress_bar();
    let clock = chrono::Utc::now;
    Ok(importer::run_cycle(db.pool(), source, &clock, &mut bar, stop).await?)
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
    let db = Database::open(&loaded.config.database).await?;
    let mut source = match &args.from_dir {
        Some(dir) => AnySource::folder(dir),
        None => {
            let policy = db::settings::policy(db.pool()).await?;
            AnySource::graph(&loaded.config.graph, &policy)?
        }
    };
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });
    let mut failed = false;
    loop {
        eprintln!("importing from {}", source.describe());
        match cycle(&db, &mut source, &stop).await {
            Ok(s) => {
                println!("{s}");
                failed |= s.failed > 0;
                failed |= !missed_run_pass(&db).await;
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
        if args.once || *stop.borrow() {
            break;
        }
        let minutes = db::settings::policy(db.pool())
            .await?
            .import_interval_minutes;
        let Some(minutes) = minutes.filter(|m| *m > 0) else {
            eprintln!("automatic import is off (no import interval set); ran one cycle");
            break;
        };
        let mut stop_wait = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(u64::from(minutes) * 60)) => {}
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
