//! One pass of keeping linked Autotask tickets in step: every live ticket is asked for (at most
//! [`CHUNK`] ids per query); completed ones are resolved here (propagation stops), vanished ones
//! recorded as deleted, changed numbers copied.

use crate::db::DbError;
use crate::db::autotask::{defaults, run_tickets};
use crate::psa::autotask::{AutotaskClient, AutotaskError};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

/// Ids per `in` query (the original system's figure; far below Autotask's 500 OR-conditions).
pub const CHUNK: usize = 200;
/// Who the audit log names for changes the poller makes.
pub const ACTOR: &str = "autotask-poller";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Tickets asked for.
    pub checked: usize,
    /// Completed in Autotask, now resolved here.
    pub resolved: usize,
    /// Gone from Autotask, newly recorded as deleted.
    pub deleted: usize,
    /// Numbers that changed.
    pub renumbered: usize,
    /// The tenant refused the `in` filter; tickets were fetched one by one.
    pub per_id_fallback: bool,
}

impl std::fmt::Display for PollReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "checked {} Autotask tickets: {} completed, {} deleted, {} renumbered",
            self.checked, self.resolved, self.deleted, self.renumbered
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Autotask(#[from] AutotaskError),
}

impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        SyncError::Db(e.into())
    }
}

/// Checks every live linked ticket once.
pub async fn poll(
    pool: &PgPool,
    client: &AutotaskClient,
    now: DateTime<Utc>,
) -> Result<PollReport, SyncError> {
    let d = defaults::read(pool).await?;
    let tracked = run_tickets::to_check(pool).await?;
    let mut report = PollReport {
        checked: tracked.len(),
        ..PollReport::default()
    };
    if tracked.is_empty() {
        return Ok(report);
    }
    let ids: Vec<i64> = tracked.iter().map(|t| t.autotask_ticket_id).collect();
    let lookup = client.tickets_by_ids(&ids, CHUNK).await?;
    report.per_id_fallback = lookup.per_id_fallback;
    let found: HashMap<i64, _> = lookup.found.into_iter().map(|t| (t.id, t)).collect();
    let mut conn = pool.acquire().await?;
    for t in &tracked {
        let id = t.autotask_ticket_id;
        let Some(remote) = found.get(&id) else {
            // Only a real change counts (and is audited): the state is kept on the ticket.
            if run_tickets::mark_deleted(&mut conn, id, ACTOR, now)
                .await?
                .changed
            {
                report.deleted += 1;
            }
            continue;
        };
        if let Some(number) = remote.ticket_number.as_deref()
            && t.ticket_number.as_deref() != Some(number)
            && run_tickets::sync_number(&mut conn, id, number, ACTOR).await?
        {
            report.renumbered += 1;
        }
        if remote.status == Some(d.complete_status) {
            run_tickets::mark_completed(&mut conn, id, ACTOR, now).await?;
            report.resolved += 1;
        }
    }
    tracing::info!("{report}");
    Ok(report)
}
