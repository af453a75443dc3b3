//! Stored report mails, with their raw bytes and parse result.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A mail as it arrives from a source, before parsing.
#[derive(Debug, Clone, Default)]
pub struct NewMail {
    pub source: String,
    pub source_id: Option<String>,
    pub internet_message_id: Option<String>,
    pub from_address: String,
    pub from_name: Option<String>,
    pub subject: String,
    pub received_at: DateTime<Utc>,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub raw_eml: Option<Vec<u8>>,
}

/// One object parsed from a mail, kept until the mail becomes a run.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MailObject {
    pub name: String,
    pub object_type: Option<String>,
    pub status: String,
    pub message: Option<String>,
}

/// What the parsers made of a mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseResult {
    /// `None`: no parser recognised the mail (then `unparsed_reason` says why).
    pub parser_name: Option<String>,
    pub backup_software: Option<String>,
    pub backup_type: Option<String>,
    pub job_name: Option<String>,
    /// `None` unless a parser read the mail.
    pub parsed_status: Option<String>,
    pub parse_message: Option<String>,
    pub informational: bool,
    /// A parser recognised the mail but could not read it.
    pub parse_error: Option<String>,
    pub unparsed_reason: Option<String>,
    pub objects: Vec<MailObject>,
}

/// Whether [`store`] added the mail or found it stored already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New(i64),
    Existing(i64),
}

impl Stored {
    pub fn id(self) -> i64 {
        match self {
            Stored::New(id) | Stored::Existing(id) => id,
        }
    }
}

/// Stores a mail with its parse result, once: a mail whose internet message id or source id is
/// already stored is left alone and reported as [`Stored::Existing`]. A batch is stored by
/// [`super::mail_batch::store_all`], which this is for one mail.
pub async fn store(
    conn: &mut PgConnection,
    m: &NewMail,
    p: &ParseResult,
    now: DateTime<Utc>,
) -> Result<Stored, DbError> {
    super::mail_batch::store_all(conn, &[(m, p)], &[], now)
        .await?
        .pop()
        .ok_or_else(|| DbError::Task("a stored mail without an outcome".into()))
}

/// Replaces the parse result and objects of a stored mail (re-parse after parser changes).
pub async fn set_parse_result(
    conn: &mut PgConnection,
    mail_id: i64,
    p: &ParseResult,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE mail_messages SET parser_name = $2, backup_software = $3, backup_type = $4, \
         job_name = $5, parsed_status = $6, parse_message = $7, informational = $8, \
         parsed_at = $9, parse_error = $10, unparsed_reason = $11 WHERE id = $1",
    )
    .bind(mail_id)
    .bind(&p.parser_name)
    .bind(&p.backup_software)
    .bind(&p.backup_type)
    .bind(&p.job_name)
    .bind(&p.parsed_status)
    .bind(&p.parse_message)
    .bind(p.informational)
    .bind(now)
    .bind(&p.parse_error)
    .bind(&p.unparsed_reason)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM mail_objects WHERE mail_id = $1")
        .bind(mail_id)
        .execute(&mut *conn)
        .await?;
    super::mail_batch::insert_objects(conn, &[(mail_id, &p.objects)]).await
}

/// A stored mail as the Inbox shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Mail {
    pub id: i64,
    pub source: String,
    pub internet_message_id: Option<String>,
    pub from_address: String,
    pub from_name: Option<String>,
    pub subject: String,
    pub received_at: DateTime<Utc>,
    pub location: String,
    pub parser_name: Option<String>,
    pub backup_software: Option<String>,
    pub backup_type: Option<String>,
    pub job_name: Option<String>,
    pub parsed_status: Option<String>,
    pub parse_message: Option<String>,
    pub informational: bool,
    pub parse_error: Option<String>,
    pub unparsed_reason: Option<String>,
    pub job_id: Option<i64>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Waiting because its job (or the job's customer) is deleted: it becomes no run until the
    /// job is restored.
    pub job_deleted: bool,
    /// When retention dropped the raw bytes; the parsed result and stored text remain.
    pub raw_dropped_at: Option<DateTime<Utc>>,
}

const MAIL_COLUMNS: &str = "id, source, internet_message_id, from_address, from_name, subject, \
     received_at, location, parser_name, backup_software, backup_type, job_name, parsed_status, \
     parse_message, informational, parse_error, unparsed_reason, job_id, deleted_at, \
     (job_id IS NULL AND EXISTS (SELECT 1 FROM jobs j JOIN customers c ON c.id = j.customer_id \
        WHERE j.from_address = mail_messages.from_address \
          AND j.backup_software = mail_messages.backup_software \
          AND j.backup_type = mail_messages.backup_type \
          AND j.job_name = mail_messages.job_name \
          AND (j.deleted_at IS NOT NULL OR c.deleted_at IS NOT NULL))) AS job_deleted, \
     raw_dropped_at";

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Mail>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MAIL_COLUMNS} FROM mail_messages WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

/// The objects parsed from a mail, in report order.
pub async fn objects(ex: impl PgExecutor<'_>, mail_id: i64) -> Result<Vec<MailObject>, DbError> {
    Ok(sqlx::query_as(
        "SELECT name, object_type, status, message FROM mail_objects WHERE mail_id = $1 \
         ORDER BY position",
    )
    .bind(mail_id)
    .fetch_all(ex)
    .await?)
}

/// The raw `.eml` bytes of a stored mail.
pub async fn raw(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Vec<u8>>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT raw_eml FROM mail_messages WHERE id = $1")
            .bind(id)
            .fetch_optional(ex)
            .await?
            .flatten(),
    )
}

/// What is left of a stored mail's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Raw(Vec<u8>),
    /// Retention dropped the raw bytes at `at`; the bodies stored at import remain.
    Dropped {
        at: DateTime<Utc>,
        text_body: Option<String>,
        html_body: Option<String>,
    },
    /// No raw bytes were ever kept.
    Missing,
}

/// The source of a stored mail; `None` when there is no such mail.
pub async fn source(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Source>, DbError> {
    type Row = (
        Option<Vec<u8>>,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT raw_eml, raw_dropped_at, text_body, html_body FROM mail_messages WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(
        |(raw, dropped, text_body, html_body)| match (raw, dropped) {
            (Some(raw), _) => Source::Raw(raw),
            (None, Some(at)) => Source::Dropped {
                at,
                text_body,
                html_body,
            },
            (None, None) => Source::Missing,
        },
    ))
}

/// Mail waiting in the Inbox (not approved, not deleted), newest first, one page.
pub async fn waiting(
    ex: impl PgExecutor<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Mail>, DbError> {
    waiting_matching(ex, &[], limit, offset).await
}

/// Soft-deleted mail, newest first, one page.
pub async fn deleted(
    ex: impl PgExecutor<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Mail>, DbError> {
    deleted_matching(ex, &[], limit, offset).await
}

/// The Inbox filter in SQL: every one of `$1` (lowered words) occurs in the sender, subject,
/// software, job name or parse outcome (`failed`, `unparsed`), as the list's own filter tests
/// the rows it holds; so a search finds every waiting mail, not only the page loaded.
const MATCHES_WORDS: &str = "NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(word) \
     WHERE strpos(lower(from_address || ' ' || subject || ' ' || coalesce(backup_software, '') \
                  || ' ' || coalesce(job_name, '') || ' ' \
                  || coalesce(parsed_status, CASE WHEN parser_name IS NULL THEN 'unparsed' \
                                                  ELSE '' END)), w.word) = 0)";

/// [`waiting`] with only the mails that contain every one of `words` (lowered).
pub async fn waiting_matching(
    ex: impl PgExecutor<'_>,
    words: &[String],
    limit: i64,
    offset: i64,
) -> Result<Vec<Mail>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MAIL_COLUMNS} FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL \
         AND {MATCHES_WORDS} ORDER BY received_at DESC, id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(words)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?)
}

/// [`deleted`] with only the mails that contain every one of `words` (lowered).
pub async fn deleted_matching(
    ex: impl PgExecutor<'_>,
    words: &[String],
    limit: i64,
    offset: i64,
) -> Result<Vec<Mail>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MAIL_COLUMNS} FROM mail_messages WHERE deleted_at IS NOT NULL \
         AND {MATCHES_WORDS} ORDER BY received_at DESC, id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(words)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?)
}

/// Mails waiting in the Inbox, all of them and those no parser read (not only a loaded page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct WaitingCounts {
    pub waiting: i64,
    pub unparsed: i64,
}

pub async fn waiting_counts(ex: impl PgExecutor<'_>) -> Result<WaitingCounts, DbError> {
    Ok(sqlx::query_as(
        "SELECT count(*) AS waiting, count(*) FILTER (WHERE parsed_status IS NULL) AS unparsed \
         FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL",
    )
    .fetch_one(ex)
    .await?)
}

/// Number of mails waiting in the Inbox.
pub async fn waiting_count(ex: impl PgExecutor<'_>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL",
    )
    .fetch_one(ex)
    .await?)
}

/// Waiting mails of one job identity, oldest first (approval turns them all into runs).
pub async fn waiting_with_identity(
    ex: impl PgExecutor<'_>,
    identity: &super::jobs::JobIdentity,
) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL \
         AND parsed_status IS NOT NULL AND from_address = $1 AND backup_software = $2 \
         AND backup_type = $3 AND job_name = $4 ORDER BY received_at, id",
    )
    .bind(&identity.from_address)
    .bind(&identity.backup_software)
    .bind(&identity.backup_type)
    .bind(&identity.job_name)
    .fetch_all(ex)
    .await?)
}

/// Ids of every mail not yet approved (deleted ones included), for re-parsing.
pub async fn unapproved_ids(ex: impl PgExecutor<'_>) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM mail_messages WHERE job_id IS NULL AND raw_dropped_at IS NULL ORDER BY id",
    )
    .fetch_all(ex)
    .await?)
}

/// How many mails not yet approved cannot be parsed again: retention dropped their raw source.
pub async fn unapproved_without_source(ex: impl PgExecutor<'_>) -> Result<usize, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM mail_messages WHERE job_id IS NULL AND raw_dropped_at IS NOT NULL",
    )
    .fetch_one(ex)
    .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Files waiting mails whose job is archived (not deleted) under that job: out of the Inbox,
/// kept, and no run. Returns the mails filed.
pub async fn file_under_archived(
    ex: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE mail_messages m SET job_id = j.id, location = 'processed' \
         FROM jobs j JOIN customers c ON c.id = j.customer_id \
         WHERE m.id = ANY($1) AND m.job_id IS NULL AND m.deleted_at IS NULL \
           AND j.from_address = m.from_address AND j.backup_software = m.backup_software \
           AND j.backup_type = m.backup_type AND j.job_name = m.job_name \
           AND j.archived_at IS NOT NULL AND j.deleted_at IS NULL AND c.deleted_at IS NULL \
         RETURNING m.id",
    )
    .bind(ids)
    .fetch_all(ex)
    .await?)
}

/// Soft-deletes waiting mails; returns how many changed.
pub async fn soft_delete(
    ex: impl PgExecutor<'_>,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE mail_messages SET deleted_at = $2, location = 'deleted' \
         WHERE id = ANY($1) AND deleted_at IS NULL AND job_id IS NULL",
    )
    .bind(ids)
    .bind(now)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Brings soft-deleted mails back to the Inbox; returns how many changed.
pub async fn restore(ex: impl PgExecutor<'_>, ids: &[i64]) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE mail_messages SET deleted_at = NULL, location = 'inbox' \
         WHERE id = ANY($1) AND deleted_at IS NOT NULL",
    )
    .bind(ids)
    .execute(ex)
    .await?
    .rows_affected())
}
