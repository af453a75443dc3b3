//! The Autotask line of `backupchecks doctor`: zone discovery and one cheap authenticated call.

use crate::config::AutotaskConfig;
use crate::psa::autotask::{AutotaskClient, AutotaskError, ClientOptions, Company, Filter};
use std::time::Duration;

/// A whole check never takes longer than this.
const LIMIT: Duration = Duration::from_secs(60);

/// Checks that the configured API user reaches its zone and is accepted. Returns what an
/// operator wants to see on success (zone, REST URL, user); the error says what to fix.
pub async fn check(
    config: &AutotaskConfig,
    options: ClientOptions,
) -> Result<String, AutotaskError> {
    let run = async {
        let client = AutotaskClient::new(config, options)?;
        let zone = client.zone().await?.clone();
        // The smallest authenticated request: one company id.
        let _: Vec<Company> = client
            .query_first("Companies", &[Filter::all()], &["id"], 1)
            .await?;
        let place = match (&zone.name, zone.discovered) {
            (Some(name), true) => format!("zone {name} at {}", zone.rest_url),
            (None, true) => format!("zone at {}", zone.rest_url),
            (_, false) => format!("{} (autotask.api_url)", zone.rest_url),
        };
        Ok(format!("{place}, API user {} accepted", client.username()))
    };
    match tokio::time::timeout(LIMIT, run).await {
        Ok(result) => result,
        Err(_) => Err(AutotaskError::Timeout(format!(
            "no answer within {} s",
            LIMIT.as_secs()
        ))),
    }
}
