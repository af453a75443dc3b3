//! Opening the database for the headless commands (`import`, `daemon`): a server that cannot be
//! reached yet is waited for, with what is wrong said on standard error, so a service started
//! before its database (or during an outage) comes up by itself.

use crate::config::DatabaseConfig;
use crate::db::Database;
use crate::services::backoff::{self, Backoff};

/// Opens the configured database, waiting while it is unavailable. Ctrl-C (or SIGTERM) while
/// waiting ends the wait with an error.
pub async fn open_waiting(cfg: &DatabaseConfig) -> anyhow::Result<Database> {
    let mut retry = Backoff::new(
        std::time::Duration::from_secs(2),
        std::time::Duration::from_secs(60),
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        match Database::open(cfg).await {
            Ok(db) => return Ok(db),
            Err(e) if e.is_unavailable() => {
                let delay = retry.next_delay();
                let text = format!(
                    "waiting for the database: {e}; trying again in {}",
                    backoff::describe(delay)
                );
                eprintln!("{text}");
                tracing::warn!("{text}");
                super::systemd::notify(&format!("STATUS={text}"));
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = tokio::signal::ctrl_c() => anyhow::bail!("stopped while waiting for the database: {e}"),
                    _ = term.recv() => anyhow::bail!("stopped while waiting for the database: {e}"),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}
