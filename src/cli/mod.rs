//! Command-line interface: argument shapes (clap) and one module per subcommand. This is the edge
//! of the program, so errors are `anyhow` here.

mod doctor;
mod import;
pub mod parse;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks every morning that your customers' backups ran.
#[derive(Debug, Parser)]
#[command(name = "backupchecks", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: config.toml in the user config directory).
    #[arg(long, global = true, value_name = "PATH", env = "BACKUPCHECKS_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse mail files without a database and print the result.
    Parse(parse::Args),
    /// Import report mails into the database (one cycle with --once).
    Import(import::Args),
    /// Check configuration, database, embedded cluster and log file.
    Doctor(doctor::Args),
}

/// Runs the chosen command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Some(Command::Import(args)) => runtime.block_on(import::run(args, cli.config.as_deref())),
        Some(Command::Doctor(args)) => runtime.block_on(doctor::run(args, cli.config.as_deref())),
        None => {
            eprintln!(
                "The terminal interface is not built yet. Available commands: see `backupchecks --help`."
            );
            Ok(ExitCode::from(2))
        }
        Some(Command::Parse(args)) => parse::run(args),
    }
}
