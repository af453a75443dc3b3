//! The demo's own database, recreated on every start so the real data is never touched.

use crate::config::DatabaseConfig;
use crate::db::{Database, DbError};

/// Appended to the real database's name.
pub const SUFFIX: &str = "_demo";

/// Opens an empty, migrated demo database, dropping the previous one: with the embedded cluster
/// the database `backupchecks_demo` in the same cluster; with `database.url` the database
/// `<that database>_demo` on the same server (which needs the right to create databases). The
/// configured database itself is only connected to, to create and drop its `_demo` sibling.
pub async fn open_demo_database(cfg: &DatabaseConfig) -> Result<Database, DbError> {
    Database::open_recreated(cfg, SUFFIX).await
}
