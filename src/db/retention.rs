//! Retention: dropping the raw `.eml` bytes of old mail and removing deleted (soft) mail for
//! good after a number of days, in batches so that a year of mail never makes one huge
//! transaction.
//!
//! What it never touches: the audit log, and runs that were reviewed. Dropping raw bytes keeps
//! the mail's row, its parsed result, its stored text and its runs, so it applies to every
//! mail, reviewed or not: a reviewed run keeps its row and its review data either way. A
//! deleted mail whose run was reviewed keeps its row (removing it would unlink the run).

use super::{DbError, audit, deletion};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgPool};

/// Rows per transaction.
pub const BATCH: i64 = 1000;

/// The name retention acts under in the audit log.
pub const ACTOR: &str = "retention";

/// How long mail is kept, from the shared settings; `None`: kept for ever.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rules {
    pub raw_days: Option<u32>,
    pub deleted_days: Option<u32>,
}

impl Rules {
    pub fn from_policy(p: &super::settings::Policy) -> Rules {
        Rules {
            raw_days: p.retention_raw_days,
            deleted_days: p.retention_deleted_days,
        }
    }

    pub fn is_off(&self) -> bool {
        self.raw_days.is_none() && self.deleted_days.is_none()
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Both periods are unset: nothing was looked at.
    pub off: bool,
    /// Mails whose raw bytes were dropped.
    pub raw_dropped: u64,
    /// Deleted mails removed for good.
    pub mails_deleted: u64,
    /// Deleted mails old enough to go that stay because a run of theirs was reviewed.
    pub kept_reviewed: u64,
    /// Transactions committed.
    pub batches: u32,
    /// A stop request ended the pass between batches.
    pub stopped: bool,
}

fn cutoff(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - chrono::Duration::days(i64::from(days))
}

/// One pass: raw bytes first, then deleted mail, `batch` rows per transaction. `stop` is asked
/// between batches.
pub async fn run_pass(
    pool: &PgPool,
    rules: Rules,
    now: DateTime<Utc>,
    batch: i64,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<PassReport, DbError> {
    let mut report = PassReport {
        off: rules.is_off(),
        ..PassReport::default()
    };
    if report.off {
        return Ok(report);
    }
    let mut conn = pool.acquire().await?;
    if let Some(days) = rules.raw_days {
        let before = cutoff(now, days);
        loop {
            if stop() {
                report.stopped = true;
                return Ok(report);
            }
            let n = drop_raw_batch(&mut conn, before, now, batch).await?;
            if n == 0 {
                break;
            }
            report.raw_dropped += n;
            report.batches += 1;
        }
    }
    if let Some(days) = rules.deleted_days {
        let before = cutoff(now, days);
        loop {
            if stop() {
                report.stopped = true;
                return Ok(report);
            }
            let n = purge_deleted_batch(&mut conn, before, batch).await?;
            if n == 0 {
                break;
            }
            report.mails_deleted += n;
            report.batches += 1;
        }
        report.kept_reviewed = kept_reviewed(&mut conn, before).await?;
    }
    if report.raw_dropped + report.mails_deleted > 0 {
        audit::record(
            &mut *conn,
            ACTOR,
            "retention.pass",
            None,
            json!({
                "raw_dropped": report.raw_dropped,
                "mails_deleted": report.mails_deleted,
                "kept_reviewed": report.kept_reviewed,
                "raw_days": rules.raw_days,
                "deleted_days": rules.deleted_days,
            }),
        )
        .await?;
    }
    Ok(report)
}

/// Drops the raw bytes of at most `limit` mails received before `before`, oldest first, in one
/// transaction, audited. Returns how many.
pub async fn drop_raw_batch(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<u64, DbError> {
    let mut tx = conn.begin().await?;
    // SKIP LOCKED: a mail being re-parsed or approved right now is left for the next pass.
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE mail_messages SET raw_eml = NULL, raw_dropped_at = $2 WHERE id IN \
         (SELECT id FROM mail_messages WHERE raw_eml IS NOT NULL AND received_at < $1 \
          ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id",
    )
    .bind(before)
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    audit::record(
        &mut *tx,
        ACTOR,
        "mail.raw_drop",
        None,
        json!({ "received_before": before, "mail_ids": ids }),
    )
    .await?;
    tx.commit().await?;
    Ok(ids.len() as u64)
}

/// Removes at most `limit` mails deleted (soft) before `before` for good, through
/// [`deletion::purge_mail`] (its order and its audit), keeping those with a reviewed run.
pub async fn purge_deleted_batch(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<u64, DbError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM mail_messages m WHERE deleted_at IS NOT NULL AND deleted_at < $1 \
           AND NOT EXISTS (SELECT 1 FROM job_runs r \
                           WHERE r.mail_id = m.id AND r.reviewed_at IS NOT NULL) \
         ORDER BY deleted_at, id LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    deletion::purge_mail_keeping_reviewed(conn, &ids, ACTOR).await
}

/// Deleted mails older than `before` that stay because a run of theirs was reviewed.
async fn kept_reviewed(conn: &mut PgConnection, before: DateTime<Utc>) -> Result<u64, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM mail_messages m WHERE deleted_at IS NOT NULL AND deleted_at < $1 \
           AND EXISTS (SELECT 1 FROM job_runs r \
                       WHERE r.mail_id = m.id AND r.reviewed_at IS NOT NULL)",
    )
    .bind(before)
    .fetch_one(&mut *conn)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}
