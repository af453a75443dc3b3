//! Re-parsing stored mail after parser changes: newly recognised mail of approved jobs
//! becomes runs.

use super::pipeline::{self, Outcome};
use crate::db::{DbError, mail, parser_rules};
use crate::parsers::{self, rules::CompiledRule};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Re-parses one stored mail that has not become a run yet, with the custom rules as stored.
pub async fn reparse_one(
    pool: &PgPool,
    mail_id: i64,
    now: DateTime<Utc>,
) -> Result<Outcome, DbError> {
    let rules = parser_rules::compiled(pool).await?;
    reparse_with(pool, mail_id, now, &rules).await
}

/// [`reparse_one`] with the rules given (loaded once for many mails).
pub async fn reparse_with(
    pool: &PgPool,
    mail_id: i64,
    now: DateTime<Utc>,
    rules: &[CompiledRule],
) -> Result<Outcome, DbError> {
    let mut tx = pool.begin().await?;
    let m = mail::get(&mut *tx, mail_id)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("mail {mail_id}")))?;
    if m.job_id.is_some() {
        return Err(DbError::Rejected(format!(
            "mail {mail_id} is a run already; only Inbox mail is re-parsed"
        )));
    }
    if let Some(at) = m.raw_dropped_at {
        return Err(DbError::Rejected(no_source(mail_id, at)));
    }
    let raw = mail::raw(&mut *tx, mail_id).await?.unwrap_or_default();
    let p = pipeline::parse_with_rules(&parsers::normalize(&raw), rules);
    mail::set_parse_result(&mut tx, mail_id, &p, now).await?;
    let outcome = if m.deleted_at.is_some() {
        // Deleted mail is re-read but stays deleted until restored.
        Outcome::Waiting { mail_id }
    } else {
        pipeline::route(&mut tx, mail_id, &m.from_address, &p, now).await?
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Why a mail whose raw bytes retention dropped is not parsed again.
pub fn no_source(mail_id: i64, at: DateTime<Utc>) -> String {
    format!(
        "mail {mail_id}: raw source removed by retention on {}; it cannot be parsed again",
        at.format("%Y-%m-%d")
    )
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReparseSummary {
    pub total: usize,
    /// Left alone: retention removed their raw source (not counted in `total`).
    pub skipped_no_source: usize,
    pub runs_created: usize,
    pub waiting: usize,
    pub unparsed: usize,
    pub failed: usize,
}

/// Re-parses every mail not yet approved, reporting `(done, total)` after each.
pub async fn reparse_unapproved(
    pool: &PgPool,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize, usize),
) -> Result<ReparseSummary, DbError> {
    let ids = mail::unapproved_ids(pool).await?;
    let rules = parser_rules::compiled(pool).await?;
    let mut s = ReparseSummary {
        total: ids.len(),
        skipped_no_source: mail::unapproved_without_source(pool).await?,
        ..Default::default()
    };
    for (i, id) in ids.into_iter().enumerate() {
        match reparse_with(pool, id, now, &rules).await {
            Ok(Outcome::Run { .. }) => s.runs_created += 1,
            Ok(Outcome::Waiting { .. } | Outcome::Duplicate { .. }) => s.waiting += 1,
            Ok(Outcome::Unparsed { .. }) => s.unparsed += 1,
            // Filed under its archived job.
            Ok(Outcome::Archived { .. }) => {}
            Err(e) => {
                tracing::warn!("re-parsing mail {id}: {e}");
                s.failed += 1;
            }
        }
        progress(i + 1, s.total);
    }
    Ok(s)
}
