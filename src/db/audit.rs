//! The audit log: who did what, when.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub db_user: String,
    pub operator: Option<String>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub details: serde_json::Value,
    /// What the entity is called now (`Acme › Nightly`, a ticket code), when it still exists.
    pub entity_name: Option<String>,
}

/// Records an action; the database user is filled in by PostgreSQL.
pub async fn record(
    ex: impl PgExecutor<'_>,
    operator: &str,
    action: &str,
    entity: Option<(&str, i64)>,
    details: serde_json::Value,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_log (operator, action, entity_type, entity_id, details) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(operator)
    .bind(action)
    .bind(entity.map(|e| e.0))
    .bind(entity.map(|e| e.1))
    .bind(details)
    .fetch_one(ex)
    .await?)
}

/// The newest entries first.
pub async fn recent(ex: impl PgExecutor<'_>, limit: i64) -> Result<Vec<Entry>, DbError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.at, a.db_user, a.operator, a.action, a.entity_type, a.entity_id, \
           a.details, CASE a.entity_type \
             WHEN 'customer' THEN (SELECT name FROM customers WHERE id = a.entity_id) \
             WHEN 'job' THEN (SELECT c.name || ' › ' || j.job_name FROM jobs j \
                              JOIN customers c ON c.id = j.customer_id WHERE j.id = a.entity_id) \
             WHEN 'job_run' THEN (SELECT c.name || ' › ' || j.job_name FROM job_runs r \
                                  JOIN jobs j ON j.id = r.job_id \
                                  JOIN customers c ON c.id = j.customer_id \
                                  WHERE r.id = a.entity_id) \
             WHEN 'ticket' THEN (SELECT ticket_code FROM tickets WHERE id = a.entity_id) \
             WHEN 'remark' THEN (SELECT left(body, 40) FROM remarks WHERE id = a.entity_id) \
             WHEN 'parser_rule' THEN (SELECT name FROM parser_rules WHERE id = a.entity_id) \
             WHEN 'feedback' THEN (SELECT title FROM feedback_items WHERE id = a.entity_id) \
           END AS entity_name \
         FROM audit_log a ORDER BY a.at DESC, a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?)
}
