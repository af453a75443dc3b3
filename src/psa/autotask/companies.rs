//! Companies: read one by id (the mapping check) and search by name (the mapping picker).

use super::client::{AutotaskClient, Retry};
use super::errors::AutotaskError;
use super::query::Filter;
use reqwest::Method;
use serde::Deserialize;

const FIELDS: &[&str] = &["id", "companyName", "isActive", "companyType"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    pub id: i64,
    #[serde(default)]
    pub company_name: String,
    /// Autotask omits it in some answers; absent counts as active.
    #[serde(default = "active")]
    pub is_active: bool,
}

fn active() -> bool {
    true
}

#[derive(Deserialize)]
struct ItemWrapper {
    item: Option<Company>,
}

impl AutotaskClient {
    /// The company, or `None` when it is gone or this API user may not see it.
    pub async fn company(&self, id: i64) -> Result<Option<Company>, AutotaskError> {
        let url = self.url(&["Companies", &id.to_string()]).await?;
        let (status, body) = self.send(Method::GET, &url, None, Retry::Safe).await?;
        if status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(self.error(status, &body));
        }
        let w: ItemWrapper = serde_json::from_slice(&body)
            .map_err(|e| AutotaskError::BadResponse(format!("company {id}: {e}")))?;
        Ok(w.item)
    }

    /// Active companies whose name contains `text` (any case), at most `limit`, by name.
    pub async fn search_companies(
        &self,
        text: &str,
        limit: u32,
    ) -> Result<Vec<Company>, AutotaskError> {
        let text = text.trim();
        let mut filters = vec![Filter::eq("isActive", true)];
        if !text.is_empty() {
            filters.push(Filter::contains("companyName", text));
        }
        let mut found: Vec<Company> = self
            .query_first("Companies", &filters, FIELDS, limit)
            .await?;
        found.sort_by_key(|c| c.company_name.to_lowercase());
        Ok(found)
    }
}
