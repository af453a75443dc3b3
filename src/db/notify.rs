//! Change notifications: every write to a table the screens show sends `NOTIFY backupchecks`
//! (a trigger of migration 0002); listeners refresh what they show.

use super::DbError;
use sqlx::PgPool;
use sqlx::postgres::PgListener;

pub const CHANNEL: &str = "backupchecks";

/// Listens on the change channel; `on_change` gets the table name of each notification.
/// Reconnects after a lost connection; returns only when `on_change` returns false.
pub async fn listen(pool: &PgPool, mut on_change: impl FnMut(&str) -> bool) -> Result<(), DbError> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        // `recv` re-connects and re-listens by itself after a dropped connection.
        let n = listener.recv().await?;
        if !on_change(n.payload()) {
            return Ok(());
        }
    }
}
