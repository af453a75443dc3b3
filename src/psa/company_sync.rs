//! Checking customer ↔ company mappings against Autotask: a rename updates the cached name
//! (`renamed`), a company that is gone or inactive makes the mapping `invalid`.

use crate::db::DbError;
use crate::db::autotask::mapping::{self, Mapping, MappingStatus};
use crate::psa::autotask::AutotaskClient;
use crate::psa::ticket_sync::SyncError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The outcome of checking one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingCheck {
    pub customer_id: i64,
    pub status: MappingStatus,
    /// The company's name in Autotask now, when it was found.
    pub company_name: Option<String>,
    /// The cached name before the check.
    pub previous_name: Option<String>,
}

/// Maps a customer to company `company_id` after checking that Autotask has it and it is active
/// (the picker's choice, or an id typed by hand).
pub async fn map_customer(
    pool: &PgPool,
    client: &AutotaskClient,
    customer_id: i64,
    company_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Mapping, SyncError> {
    let company = client
        .company(company_id)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("Autotask company {company_id}")))?;
    if !company.is_active {
        return Err(DbError::Invalid(format!(
            "Autotask company {} ({company_id}) is inactive",
            company.company_name
        ))
        .into());
    }
    let mut conn = pool.acquire().await?;
    Ok(mapping::set(
        &mut conn,
        customer_id,
        company_id,
        &company.company_name,
        by,
        now,
    )
    .await?)
}

/// Checks and records the mapping of one customer.
pub async fn check_customer(
    pool: &PgPool,
    client: &AutotaskClient,
    customer_id: i64,
    now: DateTime<Utc>,
) -> Result<MappingCheck, SyncError> {
    let m = mapping::get(pool, customer_id)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("customer {customer_id}")))?;
    check(pool, client, &m, now).await
}

/// Checks every mapped customer; one failing customer does not stop the others.
pub async fn check_all(
    pool: &PgPool,
    client: &AutotaskClient,
    now: DateTime<Utc>,
) -> Result<Vec<Result<MappingCheck, SyncError>>, SyncError> {
    let mut out = Vec::new();
    for m in mapping::mapped(pool).await? {
        out.push(check(pool, client, &m, now).await);
    }
    Ok(out)
}

async fn check(
    pool: &PgPool,
    client: &AutotaskClient,
    m: &Mapping,
    now: DateTime<Utc>,
) -> Result<MappingCheck, SyncError> {
    let Some(company_id) = m.company_id else {
        mapping::record_check(pool, m.customer_id, MappingStatus::Missing, None, now).await?;
        return Ok(MappingCheck {
            customer_id: m.customer_id,
            status: MappingStatus::Missing,
            company_name: None,
            previous_name: m.company_name.clone(),
        });
    };
    let company = client.company(company_id).await?;
    let (status, name) = match &company {
        None => (MappingStatus::Invalid, None),
        Some(c) if !c.is_active => (MappingStatus::Invalid, Some(c.company_name.clone())),
        Some(c) if m.company_name.as_deref() != Some(c.company_name.as_str()) => {
            (MappingStatus::Renamed, Some(c.company_name.clone()))
        }
        // Same name as cached: a rename reported earlier has been seen, so `ok` again.
        Some(c) => (MappingStatus::Ok, Some(c.company_name.clone())),
    };
    mapping::record_check(pool, m.customer_id, status, name.as_deref(), now).await?;
    if status != MappingStatus::Ok {
        tracing::info!(
            customer = m.customer_id,
            company = company_id,
            status = status.as_str(),
            "Autotask company mapping checked"
        );
    }
    Ok(MappingCheck {
        customer_id: m.customer_id,
        status,
        company_name: name,
        previous_name: m.company_name.clone(),
    })
}
