//! Custom rules against the waiting mail: what a draft rule would make of the mail no parser
//! read, and saving a rule, which re-parses the waiting mail it matches.

use super::pipeline::{self, Outcome};
use super::reparse;
use crate::db::{DbError, mail, parser_rules};
use crate::parsers::{self, rules::Rule};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// At most this many waiting mails (newest first) are tried in a preview.
pub const PREVIEW_MAILS: i64 = 2_000;

/// One waiting mail a draft rule matches, and what it would make of it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewRow {
    pub mail_id: i64,
    pub from_address: String,
    pub subject: String,
    pub result: mail::ParseResult,
}

/// Which waiting mails no built-in parser knows the draft would match (newest first), and the
/// result for each. Nothing is stored; an invalid draft is refused with the reason.
pub async fn preview(pool: &PgPool, rule: &Rule) -> Result<Vec<PreviewRow>, DbError> {
    let compiled = parsers::rules::compile(rule)
        .map_err(|e| DbError::Invalid(format!("rule {:?}: {e}", rule.name)))?;
    let name = rule.parser_name();
    Ok(parser_rules::unparsed_waiting(pool, PREVIEW_MAILS)
        .await?
        .into_iter()
        .filter_map(|(mail_id, raw)| {
            let m = parsers::normalize(&raw);
            compiled.matches(&m).then(|| PreviewRow {
                mail_id,
                result: pipeline::rule_result(&name, &compiled.parse(&m)),
                from_address: m.from_address,
                subject: m.subject,
            })
        })
        .collect())
}

/// What saving a rule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveSummary {
    pub saved: parser_rules::Saved,
    /// Waiting mails the rule matched and that were parsed again.
    pub reparsed: usize,
    /// Of those, the ones that became runs at once (their job was approved already).
    pub runs_created: usize,
}

/// Saves a rule (audited) and re-parses the waiting mail it matches with all rules, so the
/// mail it reads becomes approvable in the Inbox (or a run, for an approved job).
pub async fn save_and_reparse(
    pool: &PgPool,
    rule: &Rule,
    by: &str,
    now: DateTime<Utc>,
) -> Result<SaveSummary, DbError> {
    let matched = preview(pool, rule).await?;
    let mut tx = pool.begin().await?;
    let saved = parser_rules::save(&mut tx, rule, by, now).await?;
    tx.commit().await?;
    let rules = parser_rules::compiled(pool).await?;
    let mut summary = SaveSummary {
        saved,
        reparsed: 0,
        runs_created: 0,
    };
    for row in matched {
        match reparse::reparse_with(pool, row.mail_id, now, &rules).await? {
            Outcome::Run { .. } => summary.runs_created += 1,
            Outcome::Waiting { .. }
            | Outcome::Unparsed { .. }
            | Outcome::Duplicate { .. }
            | Outcome::Archived { .. } => {}
        }
        summary.reparsed += 1;
    }
    Ok(summary)
}
