//! Autotask ticket defaults and the poller interval, from the shared `settings` table.

use crate::db::DbError;
use crate::db::settings::keys;
use serde_json::Value;
use sqlx::PgExecutor;

/// Defaults for tickets made from runs. Picklist values are the numbers Autotask uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutotaskDefaults {
    /// No default: a queue must be chosen in Settings (or in the preview).
    pub queue_id: Option<i64>,
    pub priority: Option<i64>,
    pub status: Option<i64>,
    pub source: Option<i64>,
    pub issue_type: Option<i64>,
    pub sub_issue_type: Option<i64>,
    /// Due date of a new ticket: this many days after creation.
    pub due_days: u32,
    /// The status that means "Complete" (resolve sets it; the poller looks for it).
    pub complete_status: i64,
    /// Minutes between poller passes; 0 turns the timer off (Run Checks still triggers one).
    pub poll_interval_minutes: u32,
}

impl Default for AutotaskDefaults {
    fn default() -> Self {
        // Autotask's system defaults: status 1 New, priority 2 Medium, 5 Complete.
        AutotaskDefaults {
            queue_id: None,
            priority: Some(2),
            status: Some(1),
            source: None,
            issue_type: None,
            sub_issue_type: None,
            due_days: 1,
            complete_status: 5,
            poll_interval_minutes: 5,
        }
    }
}

/// Reads the defaults; unset keys keep theirs, a value of the wrong shape is an error naming it.
pub async fn read(ex: impl PgExecutor<'_>) -> Result<AutotaskDefaults, DbError> {
    let rows: Vec<(String, Value)> =
        sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'autotask\\_%'")
            .fetch_all(ex)
            .await?;
    let mut d = AutotaskDefaults::default();
    for (key, value) in rows {
        let bad = || DbError::Setting(format!("setting `{key}`: expected a number"));
        let id = || match &value {
            Value::Null => Ok(None),
            v => v
                .as_i64()
                .or_else(|| v.as_str()?.trim().parse().ok())
                .map(Some)
                .ok_or_else(bad),
        };
        let count = || {
            value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(bad)
        };
        match key.as_str() {
            keys::AUTOTASK_QUEUE_ID => d.queue_id = id()?,
            keys::AUTOTASK_PRIORITY => d.priority = id()?,
            keys::AUTOTASK_STATUS => d.status = id()?,
            keys::AUTOTASK_SOURCE => d.source = id()?,
            keys::AUTOTASK_ISSUE_TYPE => d.issue_type = id()?,
            keys::AUTOTASK_SUB_ISSUE_TYPE => d.sub_issue_type = id()?,
            keys::AUTOTASK_DUE_DAYS => d.due_days = count()?,
            keys::AUTOTASK_COMPLETE_STATUS => d.complete_status = id()?.ok_or_else(bad)?,
            keys::AUTOTASK_POLL_INTERVAL_MINUTES => d.poll_interval_minutes = count()?,
            _ => {}
        }
    }
    Ok(d)
}
