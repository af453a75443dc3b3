//! Backing up the product's own data: PostgreSQL's `pg_dump` / `pg_restore` in custom format,
//! from the server binaries the embedded cluster uses. The connection goes to them in libpq's
//! environment variables, so a password never shows on a command line.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

/// Where a dump is read from or a restore goes.
#[derive(Clone)]
pub struct Endpoint {
    host: String,
    port: u16,
    user: String,
    database: String,
    password: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

impl Endpoint {
    /// A `postgres://` URL (a password in it or given apart).
    pub fn from_url(url: &str, password: Option<&str>) -> Result<Endpoint, DbError> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::Invalid(format!("database.url: {e}")))?;
        let mut ep = Endpoint::from_options(&opts);
        ep.password = password.map(str::to_string).or_else(|| url_password(url));
        Ok(ep)
    }

    pub fn from_options(opts: &PgConnectOptions) -> Endpoint {
        Endpoint {
            host: opts
                .get_socket()
                .map(|s| s.display().to_string())
                .unwrap_or_else(|| opts.get_host().to_string()),
            port: opts.get_port(),
            user: opts.get_username().to_string(),
            database: opts.get_database().unwrap_or("postgres").to_string(),
            password: None,
        }
    }

    fn apply(&self, cmd: &mut Command) {
        cmd.env("PGHOST", &self.host)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", &self.user)
            .env("PGDATABASE", &self.database);
        match &self.password {
            Some(p) => cmd.env("PGPASSWORD", p),
            None => cmd.env_remove("PGPASSWORD"),
        };
    }
}

/// The password of `scheme://user:password@host/…`, percent-decoded.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let encoded = userinfo.split_once(':')?.1;
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn run(bindir: &Path, program: &str, ep: &Endpoint, args: &[&str]) -> Result<(), DbError> {
    let mut cmd = Command::new(bindir.join(program));
    cmd.args(args);
    ep.apply(&mut cmd);
    let out = cmd
        .output()
        .map_err(|e| DbError::Task(format!("{program}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(DbError::Task(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Writes the whole database to `out` (custom format: compressed, restorable table by table).
pub fn dump(bindir: &Path, ep: &Endpoint, out: &Path) -> Result<(), DbError> {
    let file = format!("--file={}", out.display());
    run(
        bindir,
        "pg_dump",
        ep,
        &["--format=custom", "--no-password", &file],
    )
}

/// Whether the database holds any customer, job or mail.
pub async fn has_data(pool: &sqlx::PgPool) -> Result<bool, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM jobs) \
         OR EXISTS (SELECT 1 FROM mail_messages)",
    )
    .fetch_one(pool)
    .await?)
}

/// Replaces the database's contents with a dump, all or nothing. Refuses a database that
/// holds data unless `force`.
pub async fn restore(
    bindir: &Path,
    ep: &Endpoint,
    pool: &sqlx::PgPool,
    file: &Path,
    force: bool,
) -> Result<(), DbError> {
    if !force && has_data(pool).await? {
        return Err(DbError::Rejected(
            "the database is not empty: restoring replaces everything in it; add --force".into(),
        ));
    }
    let file = file.display().to_string();
    run(
        bindir,
        "pg_restore",
        ep,
        &[
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "--dbname",
            &ep.database,
            &file,
        ],
    )
}

/// The file beside the embedded cluster that records the last dump.
pub fn stamp_file(cluster_root: &Path) -> PathBuf {
    cluster_root.join("last-dump")
}

pub fn record_dump(cluster_root: &Path, at: DateTime<Utc>) -> std::io::Result<()> {
    std::fs::write(stamp_file(cluster_root), at.to_rfc3339())
}

/// When the embedded cluster was last dumped, if ever (or if the stamp is unreadable).
pub fn last_dump(cluster_root: &Path) -> Option<DateTime<Utc>> {
    let text = std::fs::read_to_string(stamp_file(cluster_root)).ok()?;
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_of_a_url_is_read_and_decoded() {
        assert_eq!(
            url_password("postgres://bc:p%40ss%3Aw@db.example:5432/bc").as_deref(),
            Some("p@ss:w")
        );
        assert_eq!(url_password("postgres://bc@db.example/bc"), None);
        assert_eq!(url_password("postgres:///bc?host=/run/x"), None);
    }
}
