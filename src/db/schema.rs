//! Database-level facts: schema version, tables, creating databases.

use super::{DbError, MIGRATOR};
use sqlx::{PgConnection, PgExecutor};

/// The newest migration compiled into this binary.
pub fn expected_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied to the database (`None` before the first migration).
pub async fn applied_version(ex: impl PgExecutor<'_>) -> Result<Option<i64>, DbError> {
    let v: Option<i64> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(ex)
            .await?;
    Ok(v)
}

/// The newest migration applied, `None` on a database never migrated (no migration table yet).
pub async fn applied_version_if_any(
    ex: impl PgExecutor<'_> + Copy,
) -> Result<Option<i64>, DbError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(ex)
        .await?;
    if !exists {
        return Ok(None);
    }
    applied_version(ex).await
}

/// Runs the migrations of this binary, only when the schema is behind: a login that may only
/// read starts on a current schema without needing the right to create anything. A database a
/// newer binary migrated is refused (its schema may have changed in ways this code would misread
/// or damage), and so is one behind that this login may not upgrade, each in one sentence.
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), DbError> {
    let known = expected_version();
    let found = applied_version_if_any(pool).await?;
    match found {
        Some(found) if found == known => Ok(()),
        Some(found) if found > known => Err(DbError::SchemaNewer { found, known }),
        _ => match MIGRATOR.run(pool).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let e = DbError::from(e);
                if super::roles::is_permission_denied(&e) {
                    Err(DbError::NeedsUpgrade {
                        database: found.unwrap_or(0),
                        program: known,
                    })
                } else {
                    Err(e)
                }
            }
        },
    }
}

/// Tables of the public schema, sorted.
pub async fn table_names(ex: impl PgExecutor<'_>) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(ex)
    .await?)
}

/// One trivial query: does the database answer at all?
pub async fn ping(ex: impl PgExecutor<'_>) -> Result<(), DbError> {
    sqlx::query("SELECT 1").execute(ex).await?;
    Ok(())
}

/// The server's version string, e.g. "PostgreSQL 15.19 ...".
pub async fn server_version(ex: impl PgExecutor<'_>) -> Result<String, DbError> {
    Ok(sqlx::query_scalar("SELECT version()").fetch_one(ex).await?)
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates `name` unless it exists; safe when several processes race to create it.
pub async fn create_database_if_missing(
    conn: &mut PgConnection,
    name: &str,
) -> Result<(), DbError> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut *conn)
            .await?;
    if exists {
        return Ok(());
    }
    match sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {}",
        quote_ident(name)
    )))
    .execute(&mut *conn)
    .await
    {
        Ok(_) => Ok(()),
        // 42P04 duplicate_database; a concurrent creator can also trip the catalog's unique index.
        Err(sqlx::Error::Database(e))
            if e.code().as_deref() == Some("42P04") || e.is_unique_violation() =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates `name` as a copy of `template`.
pub async fn create_database_from_template(
    conn: &mut PgConnection,
    name: &str,
    template: &str,
) -> Result<(), DbError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {} TEMPLATE {}",
        quote_ident(name),
        quote_ident(template)
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Drops `name`, disconnecting its sessions.
pub async fn drop_database(conn: &mut PgConnection, name: &str) -> Result<(), DbError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(name)
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Drops `name` unless someone is connected to it (then PostgreSQL refuses and nothing happens).
pub async fn drop_database_if_unused(conn: &mut PgConnection, name: &str) -> Result<(), DbError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {}",
        quote_ident(name)
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Renames a database (no one may be connected to it).
pub async fn rename_database(conn: &mut PgConnection, from: &str, to: &str) -> Result<(), DbError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {} RENAME TO {}",
        quote_ident(from),
        quote_ident(to)
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Databases whose name starts with `prefix`.
pub async fn databases_with_prefix(
    conn: &mut PgConnection,
    prefix: &str,
) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1",
    )
    .bind(prefix)
    .fetch_all(conn)
    .await?)
}

/// Session-level advisory lock (released with [`advisory_unlock`] or when the session ends).
pub async fn advisory_lock(conn: &mut PgConnection, key: i64) -> Result<(), DbError> {
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn advisory_unlock(conn: &mut PgConnection, key: i64) -> Result<(), DbError> {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
