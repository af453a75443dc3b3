//! Override rules and their evaluation on runs.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Evaluates the override rules on a new run and stores its effective status.
pub async fn apply_to_run(
    conn: &mut PgConnection,
    run_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    // Rule evaluation arrives with the review rules; until then the parsed status stands.
    let _ = (conn, run_id, now);
    Ok(())
}
