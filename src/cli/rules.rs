//! `backupchecks rules`: the custom parser rules as a JSON document (export, import), a preview
//! of what a draft would read in the waiting mail, and removal by name.

use crate::config;
use crate::db::{Database, parser_rules};
use crate::ingest::rules as ingest_rules;
use crate::parsers::rules::{self, Rule};
use crate::parsers::rules_document;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Custom parser rules (JSON, format "backupchecks-rules", version 1).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Write every rule, in the order they are tried.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Save the rules of a file (a rule of a known name is replaced, a new one goes last) and
    /// re-parse the waiting mail each matches. Every rule is checked first: one invalid rule
    /// changes nothing. Admins only.
    Import {
        /// The rule list, as `rules export` writes it.
        file: PathBuf,
    },
    /// For each rule of a file, the waiting mail no parser read that it would match and what it
    /// would make of it; nothing is saved.
    Preview {
        /// A rule list, as `rules export` writes it.
        file: PathBuf,
    },
    /// Remove a rule by name; the mail it read keeps what it said. Admins only.
    Delete { name: String },
}

pub async fn run(args: Args, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let _log = crate::logging::init(&loaded.config.log);
    let db = super::open_database(&loaded.config.database).await?;
    let by = super::interface::operator(&loaded);
    let code = command(&db, args.command, &by).await;
    db.close().await?;
    code
}

async fn command(db: &Database, command: RulesCommand, by: &str) -> anyhow::Result<ExitCode> {
    match command {
        RulesCommand::Export { out } => {
            let rules = parser_rules::list(db.pool())
                .await?
                .into_iter()
                .map(|s| s.rule)
                .collect();
            let text = rules_document::write(rules);
            match out {
                Some(path) => {
                    std::fs::write(&path, &text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("rules written to {}", path.display());
                }
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
        }
        RulesCommand::Import { file } => {
            let list = read(&file)?;
            let now = chrono::Utc::now();
            for rule in &list {
                let s = ingest_rules::save_and_reparse(db.pool(), rule, by, now)
                    .await
                    .with_context(|| format!("rule {:?}", rule.name))?;
                let verb = match s.saved {
                    parser_rules::Saved::Created(_) => "created",
                    parser_rules::Saved::Changed(_) => "changed",
                };
                println!(
                    "{verb} {:?}: {} waiting mail read, {} became runs",
                    rule.name, s.reparsed, s.runs_created
                );
            }
        }
        RulesCommand::Preview { file } => {
            for rule in read(&file)? {
                let rows = ingest_rules::preview(db.pool(), &rule).await?;
                println!("{:?}: matches {} waiting mail", rule.name, rows.len());
                for r in rows {
                    let p = &r.result;
                    let read = match (&p.job_name, &p.parsed_status, &p.parse_error) {
                        (Some(job), Some(status), _) => format!(
                            "{} / {} / {job}: {status}, {} objects",
                            p.backup_software.as_deref().unwrap_or(""),
                            p.backup_type.as_deref().unwrap_or(""),
                            p.objects.len()
                        ),
                        (_, _, Some(error)) => format!("not readable: {error}"),
                        _ => "not readable".to_string(),
                    };
                    println!(
                        "  mail {} {} {:?} → {read}",
                        r.mail_id, r.from_address, r.subject
                    );
                }
            }
        }
        RulesCommand::Delete { name } => {
            let mut tx = db.pool().begin().await?;
            parser_rules::delete(&mut tx, &name, by).await?;
            tx.commit().await?;
            println!("removed {name:?}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The rules of a file, each checked: the first invalid one is the error.
fn read(file: &Path) -> anyhow::Result<Vec<Rule>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let list = rules_document::read(&text).with_context(|| file.display().to_string())?;
    for rule in &list {
        rules::compile(rule)
            .with_context(|| format!("{}: rule {:?}", file.display(), rule.name))?;
    }
    Ok(list)
}
