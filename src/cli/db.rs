//! `backupchecks db dump|restore`: the product's own data, backed up with PostgreSQL's tools.

use crate::config;
use crate::db::Target;
use crate::db::backup::{self, Endpoint};
use crate::db::embedded::binaries::{INSTALL_HINT, find_bindir};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Back up or restore the database (pg_dump / pg_restore, custom format).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Write the whole database (the embedded cluster's, or database.url's) to FILE with
    /// pg_dump in custom format.
    Dump {
        /// The dump file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Replace the database's contents with a dump made by `db dump`, in one transaction.
    /// Refuses a database that holds customers, jobs or mail unless --force.
    Restore {
        /// The dump file to read.
        file: PathBuf,
        /// Restore over a database that is not empty (everything in it is replaced).
        #[arg(long)]
        force: bool,
    },
}

pub async fn run(args: Args, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let _log = crate::logging::init(&loaded.config.log);
    let cfg = &loaded.config.database;
    let bindir = find_bindir().context(INSTALL_HINT)?;
    let database = super::open_database(cfg).await?;
    let (endpoint, cluster_root) = match (database.target(), &cfg.url) {
        (Target::Embedded { data_dir, .. }, _) => {
            let opts = database.connect_options();
            (
                Endpoint::from_options(&opts),
                data_dir.parent().map(Path::to_path_buf),
            )
        }
        (Target::Server { .. }, Some(url)) => (
            Endpoint::from_url(url.expose(), cfg.password.as_ref().map(|p| p.expose()))?,
            None,
        ),
        (Target::Server { .. }, None) => bail!("no database.url for a server"),
    };
    let result = match args.command {
        DbCommand::Dump { out } => {
            let started = chrono::Utc::now();
            let b = bindir.clone();
            let (ep, o) = (endpoint.clone(), out.clone());
            tokio::task::spawn_blocking(move || backup::dump(&b, &ep, &o)).await??;
            if let Some(root) = &cluster_root
                && let Err(e) = backup::record_dump(root, started)
            {
                eprintln!("warning: could not record the time of this dump: {e}");
            }
            eprintln!("database written to {}", out.display());
            Ok(())
        }
        DbCommand::Restore { file, force } => {
            if !file.is_file() {
                bail!("{}: no such file", file.display());
            }
            backup::restore(&bindir, &endpoint, database.pool(), &file, force)
                .await
                .map(|()| eprintln!("database restored from {}", file.display()))
        }
    };
    database.close().await?;
    result?;
    Ok(ExitCode::SUCCESS)
}
