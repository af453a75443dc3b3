//! The ticket picklists cached in the database, refreshed when older than a day.

use crate::db::autotask::picklists::{self, PicklistEntry, TICKET};
use crate::psa::autotask::AutotaskClient;
use crate::psa::ticket_sync::SyncError;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// Picklists older than this are fetched again.
pub const MAX_AGE_HOURS: i64 = 24;

/// Fetches the ticket picklists and replaces the cache. Returns how many values were stored.
pub async fn refresh(
    pool: &PgPool,
    client: &AutotaskClient,
    now: DateTime<Utc>,
) -> Result<usize, SyncError> {
    let lists = client.ticket_picklists().await?;
    let mut conn = pool.acquire().await?;
    let mut stored = 0;
    for (field, values) in lists {
        let entries: Vec<PicklistEntry> = values
            .into_iter()
            .map(|v| PicklistEntry {
                value: v.value,
                label: v.label,
                is_active: v.is_active,
                sort_order: v.sort_order,
                parent_value: v.parent_value,
            })
            .collect();
        stored += entries.len();
        picklists::replace(&mut conn, TICKET, &field, &entries, now).await?;
    }
    Ok(stored)
}

/// Refreshes unless the cache is younger than a day; true when it refreshed.
pub async fn refresh_if_stale(
    pool: &PgPool,
    client: &AutotaskClient,
    now: DateTime<Utc>,
) -> Result<bool, SyncError> {
    let fresh = picklists::refreshed_at(pool, TICKET)
        .await?
        .is_some_and(|at| now - at < Duration::hours(MAX_AGE_HOURS));
    if fresh {
        return Ok(false);
    }
    refresh(pool, client, now).await?;
    Ok(true)
}
