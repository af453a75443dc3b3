//! Command-line interface: argument shapes (clap) and one module per subcommand. This is the edge
//! of the program, so errors are `anyhow` here.

mod customers;
mod daemon;
mod db;
mod demo;
mod docs;
mod doctor;
mod feedback;
mod import;
pub mod interface;
mod jobs;
pub mod parse;
mod password;
mod report;
mod report_schedule;
mod rules;
mod systemd;
mod users;
mod wait_db;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks every morning that your customers' backups ran.
#[derive(Debug, Parser)]
#[command(name = "backupchecks", version = env!("BC_VERSION_LINE"), about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: config.toml in the user config directory).
    #[arg(long, global = true, value_name = "PATH", env = "BACKUPCHECKS_CONFIG")]
    pub config: Option<PathBuf>,

    /// Plain ASCII only: borders, arrows and status signs included (also `ui.ascii`).
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Capture the mouse (off by default so the terminal's own selection keeps working).
    #[arg(long, global = true)]
    pub mouse: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse mail files without a database and print the result.
    Parse(parse::Args),
    /// Import report mails into the database (one cycle with --once).
    Import(import::Args),
    /// The interface on a fresh demo database with realistic history, a simulated mailbox and a
    /// local stand-in Autotask. Your own data is never touched.
    Demo(demo::Args),
    /// Run mail import, the missed-run check, the Autotask poller and retention without the
    /// interface.
    Daemon(daemon::Args),
    /// Check configuration, database, embedded cluster and log file.
    Doctor(doctor::Args),
    /// Export or import the job list (JSON): move an install, or create and approve a known
    /// list of jobs at once.
    Jobs(jobs::Args),
    /// Custom parser rules for formats no built-in parser knows: export, import, preview on
    /// the waiting mail, delete.
    Rules(rules::Args),
    /// Export or import the customer list as CSV (name, active, Autotask company id), for
    /// spreadsheets; set a customer's contact address for its scheduled report.
    Customers(customers::Args),
    /// Back up the database to a file (pg_dump) or restore one (pg_restore).
    Db(db::Args),
    /// Logins of a shared database and their roles (viewer, reporter, operator, admin); for an
    /// admin. PostgreSQL enforces what each role may do.
    Users(users::Args),
    /// The team's feedback items (bugs, ideas, questions) outside the interface: list, show one
    /// with its replies and screen captures, export all as Markdown.
    Feedback(feedback::Args),
    /// Write the backup report of a period (a month by default) for all customers, one or a list,
    /// as PDF, HTML, CSV, Markdown and/or JSON.
    Report(report::Args),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell).
    Completions(docs::CompletionsArgs),
    /// Print the man page, or write every man page into a directory with --out.
    Manpage(docs::ManpageArgs),
}

/// Runs the chosen command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    crate::logging::mark_start();
    // Commands that only print need no runtime.
    match cli.command {
        Some(Command::Completions(args)) => return docs::completions(args, &mut std::io::stdout()),
        Some(Command::Manpage(args)) => return docs::manpage(args, &mut std::io::stdout()),
        _ => {}
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Some(Command::Import(args)) => runtime.block_on(import::run(args, cli.config.as_deref())),
        Some(Command::Demo(_)) => runtime.block_on(demo::run(&cli)),
        Some(Command::Daemon(args)) => runtime.block_on(daemon::run(args, cli.config.as_deref())),
        Some(Command::Doctor(args)) => runtime.block_on(doctor::run(args, cli.config.as_deref())),
        Some(Command::Jobs(args)) => runtime.block_on(jobs::run(args, cli.config.as_deref())),
        Some(Command::Rules(args)) => runtime.block_on(rules::run(args, cli.config.as_deref())),
        Some(Command::Customers(args)) => {
            runtime.block_on(customers::run(args, cli.config.as_deref()))
        }
        Some(Command::Db(args)) => runtime.block_on(db::run(args, cli.config.as_deref())),
        Some(Command::Users(args)) => runtime.block_on(users::run(args, cli.config.as_deref())),
        Some(Command::Report(args)) => runtime.block_on(report::run(args, cli.config.as_deref())),
        Some(Command::Feedback(args)) => {
            runtime.block_on(feedback::run(args, cli.config.as_deref()))
        }
        None => runtime.block_on(interface_on_configured_database(&cli)),
        Some(Command::Parse(args)) => parse::run(args),
        Some(Command::Completions(_) | Command::Manpage(_)) => Ok(ExitCode::SUCCESS),
    }
}

/// `backupchecks` without a command: the interface on the configured database, importing from
/// the Graph mailbox when one is configured.
async fn interface_on_configured_database(cli: &Cli) -> anyhow::Result<ExitCode> {
    use crate::ingest::configured::AnySource;
    let loaded = crate::config::load(cli.config.as_deref(), &|k| std::env::var(k).ok())?;
    let _log = crate::logging::init(&loaded.config.log);
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    let db = open_database(&loaded.config.database).await?;
    let policy = crate::db::settings::policy(db.pool()).await?;
    let graph = loaded.config.graph.clone();
    let make_source = graph
        .is_configured()
        .then_some(move || AnySource::graph(&graph, &policy));
    let opts = interface::Options {
        ascii: cli.ascii,
        mouse: cli.mouse,
        clock: std::sync::Arc::new(chrono::Utc::now),
    };
    interface::run(db, &loaded, opts, make_source).await?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the configured database for a person at a terminal: when the server wants a password
/// that neither the URL, `PGPASSWORD` nor `~/.pgpass` gave, asks for it once.
pub(crate) async fn open_database(
    cfg: &crate::config::DatabaseConfig,
) -> anyhow::Result<crate::db::Database> {
    use crate::db::Database;
    match Database::open(cfg).await {
        Err(e)
            if e.is_bad_password()
                && cfg.url.is_some()
                && std::io::IsTerminal::is_terminal(&std::io::stdin()) =>
        {
            let target = cfg
                .url
                .as_ref()
                .map(crate::db::open::describe_url)
                .unwrap_or_default();
            let label = format!("Password for {target}: ");
            let typed = tokio::task::spawn_blocking(move || password::prompt(&label)).await??;
            let Some(password) = typed else {
                return Err(e.into());
            };
            let mut cfg = cfg.clone();
            cfg.password = Some(crate::config::Secret::new(password));
            Ok(Database::open(&cfg).await?)
        }
        other => Ok(other?),
    }
}
