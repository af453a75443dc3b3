//! What happens to every new run, from mail or as a Missed run: the single place that links
//! it to open tickets and remarks of its job and copies the job's newest live Autotask ticket.

use super::DbError;
use sqlx::PgConnection;

/// Called in the transaction that created run `run_id`, for every new run.
pub async fn on_new_run(conn: &mut PgConnection, run_id: i64) -> Result<(), DbError> {
    // The ticket and remark rules (DESIGN §5.6) are filled in with the review rules.
    let _ = (conn, run_id);
    Ok(())
}
