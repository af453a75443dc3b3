//! Upkeep of the runs table: a vacuum once many runs changed since the last one, so that the
//! week's history (Daily Jobs) and the review queue stay index-only scans. A run inserted or
//! reviewed since the last vacuum costs those scans a visit to the table row; a week of
//! reviewed runs made the week's history half again as slow. The table asks autovacuum for the
//! same (migration 0017); this covers a server where autovacuum is off or behind.

use super::DbError;
use sqlx::PgPool;

/// Runs changed (inserted, updated or deleted) since the last vacuum that make one due: about
/// half a day of a large MSP's runs and reviews.
pub const DUE_AFTER: i64 = 5_000;

/// Vacuums the runs table when the server counts at least `due_after` changed runs since its
/// last vacuum and this login may vacuum it (it owns the table or the database, as the login
/// that ran the migrations does). Returns whether it did. A vacuum already running makes it a
/// no-op, never an error.
pub async fn vacuum_runs_if_due(pool: &PgPool, due_after: i64) -> Result<bool, DbError> {
    // Asked first so that an operator's seat, which may not vacuum, does not earn a server
    // warning every quarter hour.
    let changed: Option<i64> = sqlx::query_scalar(
        "SELECT s.n_dead_tup + s.n_ins_since_vacuum \
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
         JOIN pg_database d ON d.datname = current_database() \
         WHERE s.relid = 'job_runs'::regclass \
           AND (pg_has_role(current_user, c.relowner, 'USAGE') \
                OR pg_has_role(current_user, d.datdba, 'USAGE'))",
    )
    .fetch_optional(pool)
    .await?;
    if changed.unwrap_or(0) < due_after {
        return Ok(false);
    }
    // As a simple query: VACUUM refuses to run inside a transaction block.
    sqlx::raw_sql("VACUUM (SKIP_LOCKED) job_runs")
        .execute(pool)
        .await?;
    Ok(true)
}
