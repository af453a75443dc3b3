//! `backupchecks feedback`: the team's feedback outside the interface — a list, one item in
//! full, and an export of every item as Markdown (screen captures as their text).

use crate::config;
use crate::db::feedback::{self, Attachment, Detail, Item};
use crate::db::{Database, DbError};
use crate::domain::feedback::{SCREEN_TYPE, human_size};
use crate::tui::{sanitize, screen_capture};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The feedback items (bug, idea, question) with their votes, replies and attachments.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: FeedbackCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum FeedbackCommand {
    /// One line per item, the most votes first, then the newest: open and planned items unless
    /// --all.
    List {
        /// Done and declined items too.
        #[arg(long)]
        all: bool,
        /// The deleted items instead.
        #[arg(long)]
        deleted: bool,
    },
    /// One item in full: its text, context, attachments (a screen capture as its text) and
    /// replies.
    Show {
        /// The item's number, as `feedback list` shows it.
        id: i64,
    },
    /// Every item that is not deleted as one Markdown document, in list order, with replies,
    /// attachments and screen captures (as text).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

pub async fn run(args: Args, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let _log = crate::logging::init(&loaded.config.log);
    let db = super::open_database(&loaded.config.database).await?;
    let code = command(&db, args.command).await;
    db.close().await?;
    code
}

async fn command(db: &Database, command: FeedbackCommand) -> anyhow::Result<ExitCode> {
    let pool = db.pool();
    match command {
        FeedbackCommand::List { all, deleted } => {
            let items = feedback::list(pool, deleted).await?;
            let shown: Vec<&Item> = items
                .iter()
                .filter(|i| all || deleted || i.status.active())
                .collect();
            if shown.is_empty() {
                println!("no feedback items");
            }
            for i in shown {
                println!("{}", list_line(i));
            }
        }
        FeedbackCommand::Show { id } => {
            let d = match feedback::detail(pool, id).await {
                Err(DbError::NotFound(_)) => anyhow::bail!("there is no feedback item {id}"),
                other => other?,
            };
            let files = feedback::attachments_of(pool, id).await?;
            print!("{}", markdown_item(&d, &files));
        }
        FeedbackCommand::Export { out } => {
            let mut items = Vec::new();
            for i in feedback::list(pool, false).await? {
                let d = feedback::detail(pool, i.id).await?;
                let files = feedback::attachments_of(pool, i.id).await?;
                items.push((d, files));
            }
            let text = markdown(&items);
            match out {
                Some(path) => {
                    std::fs::write(&path, &text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "{} feedback items written to {}",
                        items.len(),
                        path.display()
                    );
                }
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `#12  3 votes  bug       open     The grid should show … (ann, 2026-11-20)`.
pub fn list_line(i: &Item) -> String {
    format!(
        "#{:<4} {:>2} vote{} {:<8} {:<8} {} ({}, {}){}",
        i.id,
        i.votes,
        if i.votes == 1 { " " } else { "s" },
        i.kind.name(),
        i.status.name(),
        sanitize::line(&i.title),
        sanitize::line(&i.author),
        i.created_at.format("%Y-%m-%d"),
        match i.replies {
            0 => String::new(),
            1 => " · 1 reply".into(),
            n => format!(" · {n} replies"),
        }
    )
}

/// One item as Markdown: heading, facts, text, attachments (captures as text) and replies.
pub fn markdown_item(d: &Detail, files: &[Attachment]) -> String {
    let i = &d.item;
    let mut out = format!("## #{} {}\n\n", i.id, sanitize::line(&i.title));
    out.push_str(&format!(
        "- {} · {} · {} vote{}\n- by {} on {}\n- context: {}\n",
        i.kind,
        i.status,
        i.votes,
        if i.votes == 1 { "" } else { "s" },
        sanitize::line(&i.author),
        i.created_at.format("%Y-%m-%d %H:%M UTC"),
        sanitize::line(&i.context.summary())
    ));
    if let Some(at) = i.deleted_at {
        out.push_str(&format!("- deleted {}\n", at.format("%Y-%m-%d %H:%M UTC")));
    }
    let body = sanitize::text(&i.body);
    if !body.trim().is_empty() {
        out.push_str(&format!("\n{}\n", body.trim_end()));
    }
    if !d.attachments.is_empty() {
        out.push_str("\n### Attachments\n\n");
        for a in &d.attachments {
            out.push_str(&format!(
                "- {} ({}, {})\n",
                sanitize::line(&a.name),
                if a.media_type == SCREEN_TYPE {
                    "screen capture"
                } else {
                    a.media_type.as_str()
                },
                human_size(usize::try_from(a.size).unwrap_or(0))
            ));
        }
        for f in files.iter().filter(|f| f.media_type == SCREEN_TYPE) {
            let shown = match screen_capture::decode(&f.data) {
                Ok(b) => screen_capture::text(&b),
                Err(e) => format!("(unreadable: {e})\n"),
            };
            out.push_str(&format!(
                "\n{}:\n\n```text\n{}```\n",
                sanitize::line(&f.name),
                shown.replace("```", "'''")
            ));
        }
    }
    if !d.replies.is_empty() {
        out.push_str("\n### Replies\n");
        for r in &d.replies {
            out.push_str(&format!(
                "\n**{}** ({}):\n\n{}\n",
                sanitize::line(&r.author),
                r.created_at.format("%Y-%m-%d %H:%M UTC"),
                sanitize::text(&r.body).trim_end()
            ));
        }
    }
    out
}

/// Every item as one Markdown document.
pub fn markdown(items: &[(Detail, Vec<Attachment>)]) -> String {
    let mut out = format!("# Feedback ({} items)\n", items.len());
    for (d, files) in items {
        out.push('\n');
        out.push_str(&markdown_item(d, files));
    }
    out
}
