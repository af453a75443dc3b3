//! Entity queries: `POST {Entity}/query` with filters, then `nextPageUrl` until it is null.

use super::client::{AutotaskClient, Retry};
use super::errors::AutotaskError;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A query will not follow more pages than this (500 records each): a loop guard.
const MAX_PAGES: usize = 1000;

/// One filter expression of the query language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filter {
    pub op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Filter>>,
}

impl Filter {
    fn field(op: &'static str, field: &str, value: Value) -> Filter {
        Filter {
            op,
            field: Some(field.to_string()),
            value: Some(value),
            items: None,
        }
    }

    pub fn eq(field: &str, value: impl Into<Value>) -> Filter {
        Filter::field("eq", field, value.into())
    }

    pub fn not_eq(field: &str, value: impl Into<Value>) -> Filter {
        Filter::field("noteq", field, value.into())
    }

    pub fn gt(field: &str, value: impl Into<Value>) -> Filter {
        Filter::field("gt", field, value.into())
    }

    pub fn gte(field: &str, value: impl Into<Value>) -> Filter {
        Filter::field("gte", field, value.into())
    }

    pub fn contains(field: &str, value: &str) -> Filter {
        Filter::field("contains", field, value.into())
    }

    /// `field` is one of `values` (keep lists modest: Autotask caps OR conditions at 500).
    pub fn any_of<V: Into<Value>>(field: &str, values: impl IntoIterator<Item = V>) -> Filter {
        Filter::field(
            "in",
            field,
            Value::Array(values.into_iter().map(Into::into).collect()),
        )
    }

    pub fn and(items: Vec<Filter>) -> Filter {
        Filter {
            op: "and",
            field: None,
            value: None,
            items: Some(items),
        }
    }

    pub fn or(items: Vec<Filter>) -> Filter {
        Filter {
            op: "or",
            field: None,
            value: None,
            items: Some(items),
        }
    }

    /// Every record (a filter is mandatory, so this is the usual "all" filter).
    pub fn all() -> Filter {
        Filter::gt("id", 0)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    items: Vec<T>,
    #[serde(default)]
    page_details: Option<PageDetails>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageDetails {
    next_page_url: Option<String>,
}

impl AutotaskClient {
    /// Every record of `entity` matching all `filters`, following `nextPageUrl` to the end.
    /// `fields` limits the columns returned (empty: all).
    pub async fn query<T: DeserializeOwned>(
        &self,
        entity: &str,
        filters: &[Filter],
        fields: &[&str],
    ) -> Result<Vec<T>, AutotaskError> {
        let mut body = json!({
            "filter": filters,
            "MaxRecords": self.options().page_size.clamp(1, 500),
        });
        if !fields.is_empty() {
            body["IncludeFields"] = json!(fields);
        }
        let first = self.url(&[entity, "query"]).await?;
        let mut page: Page<T> = self
            .call(Method::POST, &first, Some(&body), Retry::Safe)
            .await?;
        let mut items = Vec::new();
        let mut seen: Vec<Url> = Vec::new();
        loop {
            items.append(&mut page.items);
            let Some(next) = page
                .page_details
                .and_then(|d| d.next_page_url)
                .filter(|u| !u.trim().is_empty())
            else {
                return Ok(items);
            };
            let next = Url::parse(next.trim())
                .map_err(|e| AutotaskError::BadResponse(format!("nextPageUrl {next:?}: {e}")))?;
            // The credentials must not travel to a host the zone did not name.
            if !self.same_origin(&next).await? {
                return Err(AutotaskError::BadResponse(format!(
                    "nextPageUrl points to another host: {}",
                    next.origin().ascii_serialization()
                )));
            }
            if seen.contains(&next) || seen.len() >= MAX_PAGES {
                return Err(AutotaskError::BadResponse(format!(
                    "nextPageUrl does not end ({} pages, last {next})",
                    seen.len()
                )));
            }
            seen.push(next.clone());
            page = self.call(Method::GET, &next, None, Retry::Safe).await?;
        }
    }
}

impl AutotaskClient {
    /// The first `limit` records only (a search picker needs no more).
    pub async fn query_first<T: DeserializeOwned>(
        &self,
        entity: &str,
        filters: &[Filter],
        fields: &[&str],
        limit: u32,
    ) -> Result<Vec<T>, AutotaskError> {
        let mut body = json!({ "filter": filters, "MaxRecords": limit.clamp(1, 500) });
        if !fields.is_empty() {
            body["IncludeFields"] = json!(fields);
        }
        let url = self.url(&[entity, "query"]).await?;
        let page: Page<T> = self
            .call(Method::POST, &url, Some(&body), Retry::Safe)
            .await?;
        Ok(page.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_serialise_as_the_api_expects() {
        let f = Filter::and(vec![
            Filter::eq("companyID", 7),
            Filter::any_of("id", [1, 2]),
            Filter::not_eq("status", 5),
        ]);
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            json!({"op": "and", "items": [
                {"op": "eq", "field": "companyID", "value": 7},
                {"op": "in", "field": "id", "value": [1, 2]},
                {"op": "noteq", "field": "status", "value": 5},
            ]})
        );
    }
}
