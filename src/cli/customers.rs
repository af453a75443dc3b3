//! `backupchecks customers export|import FILE`: the customer list as CSV, for spreadsheets;
//! `customers contact`: the address a customer's own scheduled report goes to.

use crate::config;
use crate::db::customers_import;
use crate::domain::customers_csv;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Export or import the customer list (CSV: name, active, autotask_company_id); set a
/// customer's report contact address.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: CustomersCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum CustomersCommand {
    /// Write every customer that is not deleted (UTF-8, `,` between fields, RFC 4180 quoting).
    Export {
        /// The CSV file to write.
        file: PathBuf,
    },
    /// Create or update customers from a CSV file (UTF-8 with or without BOM, `;` or `,`
    /// detected from the header line). Prints created / updated / unchanged / invalid per row;
    /// a rejected row changes nothing and the others still count. Exits non-zero when a row
    /// was invalid.
    Import {
        /// The CSV file to read.
        file: PathBuf,
        /// Say what would happen without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Set the contact address a customer's own scheduled report is mailed to, or clear it.
    Contact {
        /// The customer's name (any case).
        customer: String,
        /// The address; leave out with --clear.
        #[arg(required_unless_present = "clear")]
        address: Option<String>,
        /// Remove the address: the customer gets no report of its own.
        #[arg(long, conflicts_with = "address")]
        clear: bool,
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
    let mut conn = db.pool().acquire().await?;
    let code = match args.command {
        CustomersCommand::Contact {
            customer,
            address,
            clear,
        } => {
            let address = if clear { None } else { address };
            match crate::db::report_schedules::set_contact(
                &mut conn,
                &customer,
                address.as_deref(),
                &by,
            )
            .await
            {
                Ok(c) => {
                    match &c.contact_email {
                        Some(a) => println!("{}: reports go to {a}", c.name),
                        None => println!("{}: no contact address", c.name),
                    }
                    ExitCode::SUCCESS
                }
                Err(e @ (crate::db::DbError::Invalid(_) | crate::db::DbError::NotFound(_))) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
                Err(e) => return Err(e.into()),
            }
        }
        CustomersCommand::Export { file } => {
            let records = customers_import::export(&mut conn).await?;
            std::fs::write(&file, customers_csv::write(&records))
                .with_context(|| format!("writing {}", file.display()))?;
            eprintln!("{} customers written to {}", records.len(), file.display());
            ExitCode::SUCCESS
        }
        CustomersCommand::Import { file, dry_run } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let rows = customers_csv::read(&bytes).with_context(|| file.display().to_string())?;
            let reports = customers_import::import(&mut conn, rows, &by, dry_run).await?;
            for r in &reports {
                println!("{r}");
            }
            let (created, updated, unchanged, invalid) = customers_import::counts(&reports);
            println!(
                "{}created {created}, updated {updated}, unchanged {unchanged}, invalid {invalid}",
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
    drop(conn);
    db.close().await?;
    Ok(code)
}
