//! Custom parser rules as stored: a JSON definition per rule, tried in `position` order.
//! Only admins may change them (migrations/0010_parser_rules.sql); every change is audited.

use super::{DbError, audit};
use crate::parsers::rules::{self, CompiledRule, Rule};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// One stored rule.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRule {
    pub id: i64,
    pub position: i32,
    pub rule: Rule,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    position: i32,
    definition: serde_json::Value,
    updated_at: DateTime<Utc>,
}

/// Every rule in the order they are tried. A definition that no longer reads as a rule is left
/// out with a warning rather than stopping the import.
pub async fn list(ex: impl PgExecutor<'_>) -> Result<Vec<StoredRule>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, position, definition, updated_at FROM parser_rules ORDER BY position, id",
    )
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match serde_json::from_value::<Rule>(r.definition) {
            Ok(rule) => Some(StoredRule {
                id: r.id,
                position: r.position,
                rule,
                updated_at: r.updated_at,
            }),
            Err(e) => {
                tracing::warn!("parser rule {} is unreadable and skipped: {e}", r.id);
                None
            }
        })
        .collect())
}

/// The rules ready to apply, in order (what an import batch or a re-parse loads once).
pub async fn compiled(ex: impl PgExecutor<'_>) -> Result<Vec<CompiledRule>, DbError> {
    Ok(list(ex)
        .await?
        .into_iter()
        .filter_map(|s| match rules::compile(&s.rule) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!("parser rule {:?} is skipped: {e}", s.rule.name);
                None
            }
        })
        .collect())
}

/// Whether [`save`] added a rule or changed one of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created(i64),
    Changed(i64),
}

impl Saved {
    pub fn id(self) -> i64 {
        match self {
            Saved::Created(id) | Saved::Changed(id) => id,
        }
    }
}

/// Checks a rule and stores it: a new name goes last, a known name keeps its place and gets the
/// new definition. An invalid rule is refused with the reason and nothing changes.
pub async fn save(
    conn: &mut PgConnection,
    rule: &Rule,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Saved, DbError> {
    rules::compile(rule).map_err(|e| DbError::Invalid(format!("rule {:?}: {e}", rule.name)))?;
    // Stored by its trimmed name, which its mails carry as `rule:NAME`.
    let rule = Rule {
        name: rule.name.trim().to_string(),
        ..rule.clone()
    };
    let definition =
        serde_json::to_value(&rule).map_err(|e| DbError::Invalid(format!("rule: {e}")))?;
    let name = rule.name.as_str();
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM parser_rules WHERE name = $1 FOR UPDATE")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
    let saved = match existing {
        Some(id) => {
            sqlx::query("UPDATE parser_rules SET definition = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(&definition)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            Saved::Changed(id)
        }
        None => Saved::Created(
            sqlx::query_scalar(
                "INSERT INTO parser_rules (name, position, definition, created_at, updated_at) \
                 VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM parser_rules), $2, \
                         $3, $3) RETURNING id",
            )
            .bind(name)
            .bind(&definition)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?,
        ),
    };
    let action = match saved {
        Saved::Created(_) => "parser_rule.create",
        Saved::Changed(_) => "parser_rule.change",
    };
    audit::record(
        &mut *conn,
        by,
        action,
        Some(("parser_rule", saved.id())),
        serde_json::json!({ "name": name, "rule": definition }),
    )
    .await?;
    Ok(saved)
}

/// Removes a rule by name; mail it read keeps what it said.
pub async fn delete(conn: &mut PgConnection, name: &str, by: &str) -> Result<(), DbError> {
    let id: Option<i64> =
        sqlx::query_scalar("DELETE FROM parser_rules WHERE name = $1 RETURNING id")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
    let id = id.ok_or_else(|| DbError::NotFound(format!("parser rule {name:?}")))?;
    audit::record(
        &mut *conn,
        by,
        "parser_rule.delete",
        Some(("parser_rule", id)),
        serde_json::json!({ "name": name }),
    )
    .await?;
    Ok(())
}

/// Waiting mail (not approved, not deleted) no built-in parser read, or a rule read or failed
/// on (a changed rule must read it again), newest first, at most `limit`: the mail a rule is
/// previewed on and re-parses when saved. Returns (id, raw bytes).
pub async fn unparsed_waiting(
    ex: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<(i64, Vec<u8>)>, DbError> {
    let rows: Vec<(i64, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT id, raw_eml FROM mail_messages \
         WHERE job_id IS NULL AND deleted_at IS NULL AND raw_dropped_at IS NULL \
           AND ((parser_name IS NULL AND parsed_status IS NULL) OR parser_name LIKE 'rule:%') \
         ORDER BY received_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, raw)| (id, raw.unwrap_or_default()))
        .collect())
}

/// How much one parser (or rule) read: mails since a moment, and the newest ever.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Usage {
    pub parser_name: String,
    pub recent: i64,
    pub last: Option<DateTime<Utc>>,
}

/// Per parser name, the mails it read since `since` and when it last read one.
pub async fn usage(ex: impl PgExecutor<'_>, since: DateTime<Utc>) -> Result<Vec<Usage>, DbError> {
    Ok(sqlx::query_as(
        "SELECT parser_name, count(*) FILTER (WHERE received_at >= $1) AS recent, \
                max(received_at) AS last \
         FROM mail_messages WHERE parser_name IS NOT NULL AND parsed_status IS NOT NULL \
         GROUP BY parser_name",
    )
    .bind(since)
    .fetch_all(ex)
    .await?)
}

/// One waiting mail no parser read, as the Unrecognised view groups it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Unrecognised {
    pub id: i64,
    pub from_address: String,
    pub subject: String,
    pub received_at: DateTime<Utc>,
}

/// Waiting mail nothing read (a built-in parser that recognised a mail but failed on it keeps
/// it: a rule would never be tried), newest first, at most `limit`.
pub async fn unrecognised(
    ex: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<Unrecognised>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, from_address, subject, received_at FROM mail_messages \
         WHERE job_id IS NULL AND deleted_at IS NULL AND parsed_status IS NULL \
           AND (parser_name IS NULL OR parser_name LIKE 'rule:%') \
         ORDER BY received_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?)
}
