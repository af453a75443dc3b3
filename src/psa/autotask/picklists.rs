//! Ticket picklists (queues, priorities, statuses, sources, issue and sub-issue types) from
//! `Tickets/entityInformation/fields`. Values are strings in that answer; sub-issue types name
//! their issue type in `parentValue`.

use super::client::{AutotaskClient, Retry};
use super::errors::AutotaskError;
use reqwest::Method;
use serde::{Deserialize, Deserializer};

/// The Ticket fields whose picklists the program keeps.
pub const TICKET_PICKLIST_FIELDS: &[&str] = &[
    "queueID",
    "priority",
    "status",
    "source",
    "issueType",
    "subIssueType",
];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    #[serde(deserialize_with = "text")]
    pub value: String,
    #[serde(default)]
    pub label: String,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub is_default_value: bool,
    #[serde(default)]
    pub sort_order: Option<i32>,
    #[serde(default, deserialize_with = "optional_text")]
    pub parent_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    pub name: String,
    #[serde(default)]
    pub is_pick_list: bool,
    #[serde(default)]
    pub picklist_values: Option<Vec<PicklistValue>>,
}

#[derive(Deserialize)]
struct Fields {
    fields: Vec<FieldInfo>,
}

impl AutotaskClient {
    /// The picklists of [`TICKET_PICKLIST_FIELDS`], as `(field, values)`.
    pub async fn ticket_picklists(
        &self,
    ) -> Result<Vec<(String, Vec<PicklistValue>)>, AutotaskError> {
        let url = self
            .url(&["Tickets", "entityInformation", "fields"])
            .await?;
        let all: Fields = self.call(Method::GET, &url, None, Retry::Safe).await?;
        Ok(TICKET_PICKLIST_FIELDS
            .iter()
            .map(|name| {
                let values = all
                    .fields
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(name))
                    .and_then(|f| f.picklist_values.clone())
                    .unwrap_or_default();
                ((*name).to_string(), values)
            })
            .collect())
    }
}

fn yes() -> bool {
    true
}

/// Values are documented as strings; numbers are accepted too.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// `""` and `null` both mean "no parent".
fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}
