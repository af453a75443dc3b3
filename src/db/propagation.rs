//! What happens to every new run, from mail or as a Missed run: the single place that links
//! it to open tickets and remarks of its job and copies the job's newest live Autotask ticket.
//! A real run also takes the place of the unreviewed Missed run of the slot it satisfies.
//!
//! No rule here compares dates: a ticket or remark links when it is open
//! (`COALESCE(scope.resolved_at, item.resolved_at) IS NULL`), never by when it was created.

use super::scopes::{self, REMARKS, TICKETS};
use super::{DbError, missed};
use sqlx::PgConnection;

/// Called in the transaction that created run `run_id` (after its objects and
/// [`super::overrides::apply_to_run`]), for every new run.
pub async fn on_new_run(conn: &mut PgConnection, run_id: i64) -> Result<(), DbError> {
    on_new_runs(conn, &[run_id]).await
}

/// [`on_new_run`] for many runs created together, in a few statements: the per-run steps run
/// only for the runs they can change (a job with an Autotask ticket, a slot with a Missed run),
/// in run order, so the outcome is that of one run after another.
pub async fn on_new_runs(conn: &mut PgConnection, run_ids: &[i64]) -> Result<(), DbError> {
    // Some of the statements below look at every open scope before the runs narrow them down:
    // with no runs there is nothing to link, and a missed-run pass that finds nothing to do
    // would pay for them all.
    if run_ids.is_empty() {
        return Ok(());
    }
    // Strategy 1: open tickets and remarks whose scope covers the runs.
    scopes::link_open(conn, TICKETS, run_ids).await?;
    scopes::link_open(conn, REMARKS, run_ids).await?;
    let with_ticket: Vec<i64> = sqlx::query_scalar(
        "SELECT n.id FROM job_runs n WHERE n.id = ANY($1) AND n.autotask_ticket_id IS NULL \
           AND EXISTS (SELECT 1 FROM job_runs r WHERE r.job_id = n.job_id \
                       AND r.autotask_ticket_id IS NOT NULL AND r.id <> n.id) \
         ORDER BY n.id",
    )
    .bind(run_ids)
    .fetch_all(&mut *conn)
    .await?;
    for run_id in with_ticket {
        copy_autotask_ticket(conn, run_id).await?;
    }
    missed::stand_down_for_new_runs(conn, run_ids).await?;
    Ok(())
}

/// Strategy 2: copies the job's newest live Autotask ticket onto the run, unless the run already
/// has one. Live: no run of the job marks it deleted in the PSA, and its internal ticket (same
/// Autotask id, or code equal to the ticket number) is not resolved. A ticket whose internal ticket
/// strategy 1 just linked to this run is preferred, so both views name the same ticket.
async fn copy_autotask_ticket(conn: &mut PgConnection, run_id: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE job_runs n SET autotask_ticket_id = c.autotask_ticket_id, \
             autotask_ticket_number = c.autotask_ticket_number, \
             autotask_ticket_created_at = c.autotask_ticket_created_at, \
             autotask_ticket_created_by = c.autotask_ticket_created_by \
         FROM ( \
             SELECT r.autotask_ticket_id, r.autotask_ticket_number, \
                    r.autotask_ticket_created_at, r.autotask_ticket_created_by \
             FROM job_runs r \
             WHERE r.job_id = (SELECT job_id FROM job_runs WHERE id = $1) AND r.id <> $1 \
               AND r.autotask_ticket_id IS NOT NULL AND r.autotask_ticket_deleted_at IS NULL \
               AND NOT EXISTS ( \
                   SELECT 1 FROM job_runs d WHERE d.job_id = r.job_id \
                   AND d.autotask_ticket_id = r.autotask_ticket_id \
                   AND d.autotask_ticket_deleted_at IS NOT NULL) \
               AND NOT EXISTS ( \
                   SELECT 1 FROM tickets t \
                   WHERE (t.autotask_ticket_id = r.autotask_ticket_id \
                          OR t.ticket_code = r.autotask_ticket_number) \
                     AND t.resolved_at IS NOT NULL) \
             ORDER BY EXISTS ( \
                   SELECT 1 FROM ticket_job_runs l JOIN tickets t ON t.id = l.ticket_id \
                   WHERE l.job_run_id = $1 \
                     AND (t.autotask_ticket_id = r.autotask_ticket_id \
                          OR t.ticket_code = r.autotask_ticket_number)) DESC, \
                 r.autotask_ticket_created_at DESC NULLS LAST, r.id DESC \
             LIMIT 1) c \
         WHERE n.id = $1 AND n.autotask_ticket_id IS NULL",
    )
    .bind(run_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
