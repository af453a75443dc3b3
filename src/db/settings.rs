//! Shared policy in the `settings` table (JSON values by key). Never holds secrets.

use super::DbError;
use serde::{Serialize, de::DeserializeOwned};
use sqlx::PgExecutor;

/// The value of `key`, or `None` when unset. A stored value of the wrong shape is an error.
pub async fn get<T: DeserializeOwned>(
    ex: impl PgExecutor<'_>,
    key: &str,
) -> Result<Option<T>, DbError> {
    let v: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(ex)
            .await?;
    v.map(|v| {
        serde_json::from_value(v).map_err(|e| DbError::Setting(format!("setting `{key}`: {e}")))
    })
    .transpose()
}

/// Sets `key` (insert or update), recording who changed it.
pub async fn set<T: Serialize>(
    ex: impl PgExecutor<'_>,
    key: &str,
    value: &T,
    by: &str,
) -> Result<(), DbError> {
    let v = serde_json::to_value(value)
        .map_err(|e| DbError::Setting(format!("setting `{key}`: {e}")))?;
    sqlx::query(
        "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), \
         updated_by = EXCLUDED.updated_by",
    )
    .bind(key)
    .bind(v)
    .bind(by)
    .execute(ex)
    .await?;
    Ok(())
}

/// Sets `key` from the Settings pane: the change and who made it go into the audit log in the
/// same transaction.
pub async fn change(
    conn: &mut sqlx::PgConnection,
    key: &str,
    value: &serde_json::Value,
    by: &str,
) -> Result<(), DbError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let old: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    set(&mut *tx, key, value, by).await?;
    super::audit::record(
        &mut *tx,
        by,
        "setting.change",
        None,
        serde_json::json!({ "key": key, "from": old, "to": value }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Keys of the shared policy.
pub mod keys {
    pub const TIMEZONE: &str = "timezone";
    pub const IMPORT_INTERVAL_MINUTES: &str = "import_interval_minutes";
    pub const MISSED_GRACE_MINUTES: &str = "missed_grace_minutes";
    pub const GRAPH_INBOX_FOLDER: &str = "graph_inbox_folder";
    pub const GRAPH_PROCESSED_FOLDER: &str = "graph_processed_folder";
    pub const MAX_MAIL_MB: &str = "max_mail_mb";
    pub const FEEDBACK_ATTACHMENT_MAX_KB: &str = "feedback_attachment_max_kb";
    pub const FEEDBACK_ATTACHMENT_TYPES: &str = "feedback_attachment_types";
    // Autotask ticket defaults (picklist values as numbers) and the poller; read with
    // `db::autotask::defaults::read`.
    pub const AUTOTASK_QUEUE_ID: &str = "autotask_queue_id";
    pub const AUTOTASK_PRIORITY: &str = "autotask_priority";
    pub const AUTOTASK_STATUS: &str = "autotask_status";
    pub const AUTOTASK_SOURCE: &str = "autotask_source";
    pub const AUTOTASK_ISSUE_TYPE: &str = "autotask_issue_type";
    pub const AUTOTASK_SUB_ISSUE_TYPE: &str = "autotask_sub_issue_type";
    pub const AUTOTASK_DUE_DAYS: &str = "autotask_due_days";
    pub const AUTOTASK_COMPLETE_STATUS: &str = "autotask_complete_status";
    pub const AUTOTASK_POLL_INTERVAL_MINUTES: &str = "autotask_poll_interval_minutes";
    // Retention (see `db::retention`): unset means never.
    pub const RETENTION_RAW_DAYS: &str = "retention_raw_days";
    pub const RETENTION_DELETED_DAYS: &str = "retention_deleted_days";
    pub const RETENTION_INTERVAL_HOURS: &str = "retention_interval_hours";
}

/// The shared policy with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub timezone: chrono_tz::Tz,
    /// `None`: automatic import is off (the default until configured).
    pub import_interval_minutes: Option<u32>,
    pub missed_grace_minutes: u32,
    pub graph_inbox_folder: String,
    pub graph_processed_folder: String,
    /// Largest mail imported whole, in MB; a larger one is stored with its headers only.
    pub max_mail_mb: u32,
    /// Raw `.eml` bytes are dropped this many days after the mail arrived; `None`: kept.
    pub retention_raw_days: Option<u32>,
    /// Deleted (soft) mail is removed for good this many days after it was deleted; `None`:
    /// kept until an admin removes it.
    pub retention_deleted_days: Option<u32>,
    /// How often the retention pass runs.
    pub retention_interval_hours: u32,
    /// What a feedback attachment may be (the migration's trigger holds the same defaults).
    pub feedback: crate::domain::feedback::AttachmentPolicy,
}

/// Default hours between retention passes: daily.
pub const DEFAULT_RETENTION_INTERVAL_HOURS: u32 = 24;

/// Default largest mail imported whole: 25 MB.
pub const DEFAULT_MAX_MAIL_MB: u32 = 25;

/// Bytes of a size limit in MB.
pub fn mb_to_bytes(mb: u32) -> usize {
    usize::try_from(u64::from(mb) * 1024 * 1024).unwrap_or(usize::MAX)
}

impl Policy {
    /// [`Policy::max_mail_mb`] in bytes.
    pub fn max_mail_bytes(&self) -> usize {
        mb_to_bytes(self.max_mail_mb)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            timezone: chrono_tz::Tz::UTC,
            import_interval_minutes: None,
            missed_grace_minutes: 240,
            graph_inbox_folder: "Inbox".into(),
            graph_processed_folder: "Inbox/Processed".into(),
            max_mail_mb: DEFAULT_MAX_MAIL_MB,
            retention_raw_days: None,
            retention_deleted_days: None,
            retention_interval_hours: DEFAULT_RETENTION_INTERVAL_HOURS,
            feedback: crate::domain::feedback::AttachmentPolicy::default(),
        }
    }
}

/// Reads the policy; unset keys keep their defaults, an unknown timezone name is an error.
pub async fn policy(ex: impl PgExecutor<'_>) -> Result<Policy, DbError> {
    let rows: Vec<(String, serde_json::Value)> = sqlx::query_as("SELECT key, value FROM settings")
        .fetch_all(ex)
        .await?;
    let mut p = Policy::default();
    for (key, value) in rows {
        let bad = |what: &str| DbError::Setting(format!("setting `{key}`: expected {what}"));
        match key.as_str() {
            keys::TIMEZONE => {
                let name = value.as_str().ok_or_else(|| bad("a timezone name"))?;
                p.timezone = name
                    .parse()
                    .map_err(|_| bad("a timezone name such as Europe/Amsterdam"))?;
            }
            keys::IMPORT_INTERVAL_MINUTES => {
                p.import_interval_minutes = match value {
                    serde_json::Value::Null => None,
                    v => Some(
                        v.as_u64()
                            .and_then(|n| u32::try_from(n).ok())
                            .ok_or_else(|| bad("minutes"))?,
                    ),
                };
            }
            keys::MISSED_GRACE_MINUTES => {
                p.missed_grace_minutes = value
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad("minutes"))?;
            }
            keys::RETENTION_RAW_DAYS | keys::RETENTION_DELETED_DAYS => {
                let days = match value {
                    serde_json::Value::Null => None,
                    v => Some(
                        v.as_u64()
                            .and_then(|n| u32::try_from(n).ok())
                            .filter(|n| *n > 0)
                            .ok_or_else(|| bad("a number of days (1 or more)"))?,
                    ),
                };
                if key == keys::RETENTION_RAW_DAYS {
                    p.retention_raw_days = days;
                } else {
                    p.retention_deleted_days = days;
                }
            }
            keys::RETENTION_INTERVAL_HOURS => {
                p.retention_interval_hours = value
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("a number of hours (1 or more)"))?;
            }
            keys::MAX_MAIL_MB => {
                p.max_mail_mb = value
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("a size in MB (1 or more)"))?;
            }
            keys::FEEDBACK_ATTACHMENT_MAX_KB => {
                p.feedback.max_kb = value
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("a size in KB (1 or more)"))?;
            }
            keys::FEEDBACK_ATTACHMENT_TYPES => {
                p.feedback.types = value
                    .as_array()
                    .and_then(|a| {
                        a.iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| bad("a list of media types"))?;
            }
            keys::GRAPH_INBOX_FOLDER => {
                p.graph_inbox_folder = value
                    .as_str()
                    .ok_or_else(|| bad("a folder path"))?
                    .to_string();
            }
            keys::GRAPH_PROCESSED_FOLDER => {
                p.graph_processed_folder = value
                    .as_str()
                    .ok_or_else(|| bad("a folder path"))?
                    .to_string();
            }
            _ => {}
        }
    }
    Ok(p)
}
