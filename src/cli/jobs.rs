//! `backupchecks jobs export|import`: the job list as a portable JSON document, to move an
//! install or to onboard a known list of jobs (and approve their waiting mail) in one step.

use crate::config;
use crate::db::{Database, jobs_transfer};
use crate::domain::jobs_document;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Export or import the list of jobs (JSON, format "backupchecks-jobs", version 1).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: JobsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum JobsCommand {
    /// Write every job (archived ones too) with its customer, sender, software, type, name,
    /// pinned schedule and the customer's Autotask company id.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Create the customers and jobs of a job list that do not exist yet, and approve the mail of
    /// each job waiting in the Inbox. Prints created / existing / invalid per row; an invalid row
    /// changes nothing and the others still count. Exits non-zero when a row was invalid.
    Import {
        /// The job list, as `jobs export` writes it.
        file: PathBuf,
        /// Say what would happen without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(args: Args, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let _log = crate::logging::init(&loaded.config.log);
    let db = super::open_database(&loaded.config.database).await?;
    let by = super::interface::operator(&loaded);
    let code = match args.command {
        JobsCommand::Export { out } => {
            let text = export_text(&db).await?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("jobs written to {}", path.display());
                }
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            ExitCode::SUCCESS
        }
        JobsCommand::Import { file, dry_run } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let reports = import_text(&db, &text, &by, dry_run)
                .await
                .with_context(|| file.display().to_string())?;
            for r in &reports {
                println!("{r}");
            }
            let (created, existing, invalid) = jobs_transfer::counts(&reports);
            println!(
                "{}created {created}, existing {existing}, invalid {invalid}",
                if dry_run {
                    "dry run, nothing changed: "
                } else {
                    ""
                }
            );
            if invalid > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    };
    db.close().await?;
    Ok(code)
}

/// The job list of `db` as a document.
async fn export_text(db: &Database) -> anyhow::Result<String> {
    Ok(jobs_document::write(
        jobs_transfer::export(db.pool()).await?,
    ))
}

/// Imports a document's rows into `db`; a document that is not a version-1 job list is an error.
async fn import_text(
    db: &Database,
    text: &str,
    by: &str,
    dry_run: bool,
) -> anyhow::Result<Vec<jobs_transfer::RowReport>> {
    let rows = jobs_document::read(text)?;
    let mut conn = db.pool().acquire().await?;
    Ok(jobs_transfer::import_rows(&mut conn, rows, by, chrono::Utc::now(), dry_run).await)
}
