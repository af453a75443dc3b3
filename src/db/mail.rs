//! Stored report mails, with their raw bytes and parse result.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

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

/// Stores a mail; a second mail with the same internet message id or source id is a
/// [`DbError::Duplicate`].
pub async fn insert(ex: impl PgExecutor<'_>, m: &NewMail) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO mail_messages (source, source_id, internet_message_id, from_address, \
         from_name, subject, received_at, text_body, html_body, raw_eml) \
         VALUES ($1, $2, $3, lower(btrim($4)), $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&m.source)
    .bind(&m.source_id)
    .bind(&m.internet_message_id)
    .bind(&m.from_address)
    .bind(&m.from_name)
    .bind(&m.subject)
    .bind(m.received_at)
    .bind(&m.text_body)
    .bind(&m.html_body)
    .bind(&m.raw_eml)
    .fetch_one(ex)
    .await?)
}
