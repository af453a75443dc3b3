//! Tickets: get by id, look up by ids in chunks, create, update without wiping fields, notes.
//!
//! Updates: some tenants refuse `PATCH` on Tickets and treat `PUT` as a full replacement that
//! nulls every field left out — the description first of all. So an update always reads the
//! ticket first and re-sends its current values with the changes on top, and switches to `PUT`
//! for good once `PATCH` is refused.

use super::client::{AutotaskClient, Retry};
use super::errors::AutotaskError;
use super::query::Filter;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};
use std::sync::atomic::Ordering;

/// Fields re-sent on every `PATCH`: those a full-replacement update would reset.
const STABLE_FIELDS: &[&str] = &[
    "companyID",
    "title",
    "description",
    "status",
    "priority",
    "queueID",
    "dueDateTime",
    "source",
    "issueType",
    "subIssueType",
    "ticketType",
    "ticketCategory",
    "contactID",
    "assignedResourceID",
    "assignedResourceRoleID",
];

/// Fields the poller needs.
pub const STATE_FIELDS: &[&str] = &["id", "ticketNumber", "status", "completedDate", "title"];

/// A ticket as read back (only the fields this program uses).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub id: i64,
    #[serde(default)]
    pub ticket_number: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_id")]
    pub status: Option<i64>,
    #[serde(default, deserialize_with = "lenient_id")]
    pub priority: Option<i64>,
    #[serde(default, rename = "queueID", deserialize_with = "lenient_id")]
    pub queue_id: Option<i64>,
    #[serde(default, rename = "companyID", deserialize_with = "lenient_id")]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(default)]
    pub completed_date: Option<String>,
}

/// A ticket to create. Autotask requires company, title, status, priority, due date and a
/// queue (or an assigned resource, which this program does not use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTicket {
    #[serde(rename = "companyID")]
    pub company_id: i64,
    pub title: String,
    pub description: String,
    pub status: i64,
    pub priority: i64,
    #[serde(rename = "queueID")]
    pub queue_id: i64,
    #[serde(rename = "dueDateTime", serialize_with = "iso")]
    pub due: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<i64>,
    #[serde(rename = "issueType", skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<i64>,
    #[serde(rename = "subIssueType", skip_serializing_if = "Option::is_none")]
    pub sub_issue_type: Option<i64>,
}

/// A note on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewNote {
    pub title: String,
    pub description: String,
    /// Note type picklist value (1: task summary on default tenants).
    #[serde(rename = "noteType")]
    pub note_type: i64,
    /// Who sees it (1: all Autotask users).
    pub publish: i64,
}

/// Tickets found by id, and whether the `in` filter had to be replaced by one GET per id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    pub found: Vec<Ticket>,
    pub per_id_fallback: bool,
}

#[derive(Deserialize)]
struct ItemWrapper<T> {
    item: Option<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    item_id: i64,
}

impl AutotaskClient {
    /// The ticket, or `None` when Autotask does not know it (`{"item": null}` or 404: deleted).
    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>, AutotaskError> {
        Ok(self.ticket_with_fields(id).await?.map(|(t, _)| t))
    }

    /// The ticket and every field as Autotask sent it, for a caller that reads it and then
    /// updates it ([`AutotaskClient::update_read_ticket`]) with one read.
    pub async fn ticket_with_fields(
        &self,
        id: i64,
    ) -> Result<Option<(Ticket, Map<String, Value>)>, AutotaskError> {
        match self.ticket_json(id).await? {
            Some(item) => serde_json::from_value(Value::Object(item.clone()))
                .map(|t| Some((t, item)))
                .map_err(|e| AutotaskError::BadResponse(format!("ticket {id}: {e}"))),
            None => Ok(None),
        }
    }

    /// Every field of the ticket as Autotask sent it.
    async fn ticket_json(&self, id: i64) -> Result<Option<Map<String, Value>>, AutotaskError> {
        let url = self.url(&["Tickets", &id.to_string()]).await?;
        let (status, body) = self.send(Method::GET, &url, None, Retry::Safe).await?;
        if status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(self.error(status, &body));
        }
        let w: ItemWrapper<Map<String, Value>> = serde_json::from_slice(&body)
            .map_err(|e| AutotaskError::BadResponse(format!("ticket {id}: {e}")))?;
        Ok(w.item)
    }

    /// The ticket with this number (`T20240312.0042`), if any.
    pub async fn ticket_by_number(&self, number: &str) -> Result<Option<Ticket>, AutotaskError> {
        let found: Vec<Ticket> = self
            .query("Tickets", &[Filter::eq("ticketNumber", number.trim())], &[])
            .await?;
        Ok(found.into_iter().next())
    }

    /// The tickets among `ids` that still exist, asked for `chunk` ids at a time with an `in`
    /// filter. A tenant that refuses that filter gets one GET per id instead.
    pub async fn tickets_by_ids(&self, ids: &[i64], chunk: usize) -> Result<Lookup, AutotaskError> {
        let mut ids: Vec<i64> = ids.iter().copied().filter(|id| *id > 0).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut lookup = Lookup::default();
        for part in ids.chunks(chunk.max(1)) {
            if !lookup.per_id_fallback {
                match self
                    .query::<Ticket>(
                        "Tickets",
                        &[Filter::any_of("id", part.iter().copied())],
                        STATE_FIELDS,
                    )
                    .await
                {
                    Ok(found) => {
                        lookup.found.extend(found);
                        continue;
                    }
                    Err(AutotaskError::Api { status, messages }) if status != 429 => {
                        tracing::warn!(
                            status,
                            error = %messages.join("; "),
                            "Autotask refused an `in` query; asking per ticket"
                        );
                        lookup.per_id_fallback = true;
                    }
                    Err(e) => return Err(e),
                }
            }
            for id in part {
                if let Some(t) = self.ticket(*id).await? {
                    lookup.found.push(t);
                }
            }
        }
        Ok(lookup)
    }

    /// Creates a ticket and returns its id. Never repeated after an unclear failure: the caller
    /// looks for the ticket before trying again.
    pub async fn create_ticket(&self, t: &NewTicket) -> Result<i64, AutotaskError> {
        let url = self.url(&["Tickets"]).await?;
        let body =
            serde_json::to_value(t).map_err(|e| AutotaskError::BadResponse(e.to_string()))?;
        let created: Created = self
            .call(Method::POST, &url, Some(&body), Retry::OnlyUnsent)
            .await?;
        Ok(created.item_id)
    }

    /// Changes fields of ticket `id`, keeping every other field as it is in Autotask. A blank
    /// description among the changes is ignored: an update never empties it.
    pub async fn update_ticket(
        &self,
        id: i64,
        changes: &Map<String, Value>,
    ) -> Result<(), AutotaskError> {
        let Some(current) = self.ticket_json(id).await? else {
            return Err(AutotaskError::Api {
                status: 404,
                messages: vec![format!("ticket {id} no longer exists in Autotask")],
            });
        };
        self.update_read_ticket(id, current, changes).await
    }

    /// As [`AutotaskClient::update_ticket`], with the ticket's current fields already read.
    pub async fn update_read_ticket(
        &self,
        id: i64,
        current: Map<String, Value>,
        changes: &Map<String, Value>,
    ) -> Result<(), AutotaskError> {
        let mut changes = changes.clone();
        if changes
            .get("description")
            .is_some_and(|d| d.as_str().is_none_or(|s| s.trim().is_empty()))
        {
            changes.remove("description");
        }
        let url = self.url(&["Tickets"]).await?;
        if !self.patch_refused.load(Ordering::Relaxed) {
            let mut body = Map::new();
            for key in STABLE_FIELDS {
                if let Some(v) = field(&current, key).filter(|v| !v.is_null()) {
                    body.insert((*key).to_string(), v.clone());
                }
            }
            body.extend(changes.clone());
            body.insert("id".into(), json!(id));
            let (status, resp) = self
                .send(Method::PATCH, &url, Some(&Value::Object(body)), Retry::Safe)
                .await?;
            if (200..300).contains(&status) {
                return Ok(());
            }
            if !patch_refused(status, &resp) {
                return Err(self.error(status, &resp));
            }
            tracing::info!("Autotask refuses PATCH on Tickets; updating with PUT");
            self.patch_refused.store(true, Ordering::Relaxed);
        }
        // A full replacement: every current value goes back, the changes on top.
        let mut body = current;
        for (k, v) in changes {
            let key = body
                .keys()
                .find(|existing| existing.eq_ignore_ascii_case(&k))
                .cloned()
                .unwrap_or(k);
            body.insert(key, v);
        }
        body.insert("id".into(), json!(id));
        let (status, resp) = self
            .send(Method::PUT, &url, Some(&Value::Object(body)), Retry::Safe)
            .await?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(self.error(status, &resp))
        }
    }

    /// Adds a note to ticket `ticket_id`; returns the note id.
    pub async fn create_note(&self, ticket_id: i64, note: &NewNote) -> Result<i64, AutotaskError> {
        let url = self
            .url(&["Tickets", &ticket_id.to_string(), "Notes"])
            .await?;
        let body =
            serde_json::to_value(note).map_err(|e| AutotaskError::BadResponse(e.to_string()))?;
        let created: Created = self
            .call(Method::POST, &url, Some(&body), Retry::OnlyUnsent)
            .await?;
        Ok(created.item_id)
    }
}

/// A field by name, ignoring case (Autotask's own casing varies: `queueID`, `QueueID`).
fn field<'a>(item: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    item.get(name).or_else(|| {
        item.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The tenant does not allow `PATCH` on Tickets (405, or an error that says so).
fn patch_refused(status: u16, body: &[u8]) -> bool {
    status == 405
        || super::errors::messages(body).iter().any(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("patch") && (m.contains("not") || m.contains("support"))
        })
}

/// Picklist and reference ids arrive as numbers, sometimes as numeric strings.
fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn iso<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn new_ticket_uses_the_api_field_names() {
        let t = NewTicket {
            company_id: 7,
            title: "t".into(),
            description: "d".into(),
            status: 1,
            priority: 2,
            queue_id: 29682833,
            due: Utc.with_ymd_and_hms(2025, 3, 4, 8, 0, 0).unwrap(),
            source: None,
            issue_type: Some(3),
            sub_issue_type: None,
        };
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"companyID": 7, "title": "t", "description": "d", "status": 1,
                   "priority": 2, "queueID": 29682833, "dueDateTime": "2025-03-04T08:00:00Z",
                   "issueType": 3})
        );
    }

    #[test]
    fn ids_read_from_numbers_and_strings() {
        let t: Ticket = serde_json::from_value(
            json!({"id": 1, "status": "5", "priority": 2, "queueID": null, "companyID": 9}),
        )
        .unwrap();
        assert_eq!((t.status, t.priority, t.queue_id), (Some(5), Some(2), None));
    }

    #[test]
    fn patch_refusal_is_recognised() {
        assert!(patch_refused(405, b""));
        assert!(patch_refused(
            500,
            br#"{"errors":["PATCH is not supported for Tickets"]}"#
        ));
        assert!(!patch_refused(500, br#"{"errors":["Invalid status"]}"#));
    }
}
