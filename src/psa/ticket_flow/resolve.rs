//! Resolving an Autotask ticket from here: status Complete and a note in Autotask, then the
//! internal ticket resolved (propagation stops). The ticket is read once. A ticket already gone
//! from Autotask is recorded as deleted and resolved here only: what the operator asked for.

use super::FlowError;
use crate::db::autotask::{defaults, run_tickets};
use crate::psa::autotask::{AutotaskClient, NewNote};
use chrono::{DateTime, Utc};
use serde_json::{Map, json};
use sqlx::PgPool;

/// Note type and visibility of the resolve note (task summary, all Autotask users).
const NOTE_TYPE: i64 = 1;
const NOTE_PUBLISH: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Autotask had it complete already; only the note was added.
    pub already_complete: bool,
    /// Why the note could not be added (the ticket is resolved all the same).
    pub note_error: Option<String>,
    /// The ticket no longer exists in Autotask: recorded as deleted and resolved here only.
    pub deleted: bool,
    /// The internal ticket resolved here.
    pub internal_ticket_id: Option<i64>,
}

/// Completes Autotask ticket `autotask_ticket_id` with a note (`note`, or a standard line
/// naming the operator), then resolves it here.
pub async fn resolve(
    pool: &PgPool,
    client: &AutotaskClient,
    autotask_ticket_id: i64,
    note: Option<&str>,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Resolved, FlowError> {
    let d = defaults::read(pool).await?;
    let Some((ticket, fields)) = client.ticket_with_fields(autotask_ticket_id).await? else {
        let mut conn = pool.acquire().await?;
        let deleted =
            run_tickets::mark_deleted(&mut conn, autotask_ticket_id, operator, now).await?;
        if let Some(id) = deleted.internal_ticket_id {
            crate::db::tickets::resolve(&mut conn, id, operator, now).await?;
        }
        return Ok(Resolved {
            already_complete: false,
            note_error: None,
            deleted: true,
            internal_ticket_id: deleted.internal_ticket_id,
        });
    };
    let already_complete = ticket.status == Some(d.complete_status);
    if !already_complete {
        let mut changes = Map::new();
        changes.insert("status".into(), json!(d.complete_status));
        client
            .update_read_ticket(autotask_ticket_id, fields, &changes)
            .await?;
    }
    let text = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "Resolved by {operator} in Backupchecks at {}.",
                now.format("%Y-%m-%d %H:%M UTC")
            )
        });
    let note_error = client
        .create_note(
            autotask_ticket_id,
            &NewNote {
                title: "Resolved in Backupchecks".into(),
                description: text,
                note_type: NOTE_TYPE,
                publish: NOTE_PUBLISH,
            },
        )
        .await
        .err()
        .map(|e| {
            tracing::warn!(ticket = autotask_ticket_id, error = %e, "resolve note not added");
            e.to_string()
        });
    let mut conn = pool.acquire().await?;
    let internal =
        run_tickets::mark_completed(&mut conn, autotask_ticket_id, operator, now).await?;
    Ok(Resolved {
        already_complete,
        note_error,
        deleted: false,
        internal_ticket_id: internal,
    })
}
