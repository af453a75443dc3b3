//! Users of a shared database: PostgreSQL logins that are members of the group roles. Each
//! change is also written to the audit log. Passwords never travel in clear text: the SCRAM
//! verifier is computed here, as `psql`'s `\password` does, so no server log can show them.

use super::{DbError, audit};
use crate::domain::roles::Role;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::{digest, hmac, pbkdf2, rand::SecureRandom};
use sqlx::{Connection, PgConnection, PgExecutor};
use std::num::NonZeroU32;

/// A login and the group roles it is a member of.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub name: String,
    pub can_login: bool,
    pub roles: Vec<String>,
}

/// Logins that are members of at least one group role, by name.
pub async fn list(ex: impl PgExecutor<'_>) -> Result<Vec<User>, DbError> {
    let groups: Vec<&str> = Role::ALL.iter().map(|r| r.group()).collect();
    Ok(sqlx::query_as(
        "SELECT u.rolname::text AS name, u.rolcanlogin AS can_login, \
           array(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid \
                 WHERE m.member = u.oid AND g.rolname = ANY($1) ORDER BY 1) AS roles \
         FROM pg_roles u \
         WHERE EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid \
                       WHERE m.member = u.oid AND g.rolname = ANY($1)) \
         ORDER BY 1",
    )
    .bind(&groups)
    .fetch_all(ex)
    .await?)
}

/// Creates login `name` as a member of `role`'s group, with a password when given.
pub async fn add(
    conn: &mut PgConnection,
    name: &str,
    role: Role,
    password: Option<&str>,
    by: &str,
) -> Result<(), DbError> {
    check_name(name)?;
    let mut tx = conn.begin().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
    if exists {
        return Err(DbError::Rejected(format!(
            "a role named {name} exists already; use `users grant {name} ROLE`"
        )));
    }
    let verifier = password.map(scram_verifier).transpose()?;
    // The server quotes: the name and verifier go through format()'s %I and %L.
    ddl(
        &mut tx,
        "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)",
        name,
        verifier.as_deref(),
    )
    .await?;
    grant_in(&mut tx, name, role).await?;
    audited(
        tx,
        by,
        "user.add",
        serde_json::json!({ "user": name, "role": role.name(), "password": password.is_some() }),
    )
    .await
}

/// Records the change in the audit log and commits it with the change.
async fn audited(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    by: &str,
    action: &str,
    details: serde_json::Value,
) -> Result<(), DbError> {
    audit::record(&mut *tx, by, action, None, details).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes `name` a member of `role`'s group.
pub async fn grant(
    conn: &mut PgConnection,
    name: &str,
    role: Role,
    by: &str,
) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    grant_in(&mut tx, name, role).await?;
    audited(
        tx,
        by,
        "user.grant",
        serde_json::json!({ "user": name, "role": role.name() }),
    )
    .await
}

/// Takes `name` out of `role`'s group.
pub async fn revoke(
    conn: &mut PgConnection,
    name: &str,
    role: Role,
    by: &str,
) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    ensure_group(&mut tx, role).await?;
    ddl(
        &mut tx,
        "SELECT format('REVOKE %I FROM %I', $2::text, $1::text)",
        name,
        Some(role.group()),
    )
    .await?;
    audited(
        tx,
        by,
        "user.revoke",
        serde_json::json!({ "user": name, "role": role.name() }),
    )
    .await
}

/// Stops `name` from logging in (its memberships and history stay).
pub async fn disable(conn: &mut PgConnection, name: &str, by: &str) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    ddl(
        &mut tx,
        "SELECT format('ALTER ROLE %I NOLOGIN', $1::text)",
        name,
        None,
    )
    .await?;
    audited(tx, by, "user.disable", serde_json::json!({ "user": name })).await
}

async fn grant_in(conn: &mut PgConnection, name: &str, role: Role) -> Result<(), DbError> {
    ensure_group(conn, role).await?;
    ddl(
        conn,
        "SELECT format('GRANT %I TO %I', $2::text, $1::text)",
        name,
        Some(role.group()),
    )
    .await
}

async fn ensure_group(conn: &mut PgConnection, role: Role) -> Result<(), DbError> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(role.group())
            .fetch_one(&mut *conn)
            .await?;
    if exists {
        Ok(())
    } else {
        Err(DbError::Rejected(format!(
            "the group role {} does not exist: the database was set up by a login that may not \
             create roles; run backupchecks once as a login with CREATEROLE",
            role.group()
        )))
    }
}

/// Builds a statement with the server's `format()` and runs it.
async fn ddl(
    conn: &mut PgConnection,
    builder: &'static str,
    first: &str,
    second: Option<&str>,
) -> Result<(), DbError> {
    let statement: String = sqlx::query_scalar(builder)
        .bind(first)
        .bind(second)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(statement))
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            let e = DbError::from(e);
            if super::roles::is_permission_denied(&e) {
                DbError::Rejected(
                    "this login may not manage users: it needs CREATEROLE (an admin's login)"
                        .into(),
                )
            } else {
                e
            }
        })?;
    Ok(())
}

fn check_name(name: &str) -> Result<(), DbError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if ok && !name.starts_with("pg_") && !name.starts_with("backupchecks_") {
        Ok(())
    } else {
        Err(DbError::Invalid(format!(
            "`{name}` is not a usable login name: letters, digits, _ - . @ only, at most 63, \
             not starting with pg_ or backupchecks_"
        )))
    }
}

const SCRAM_ITERATIONS: u32 = 4096;

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / 7677).
fn scram_verifier(password: &str) -> Result<String, DbError> {
    let mut salt = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| DbError::Invalid("no random numbers for a password salt".into()))?;
    Ok(scram_verifier_with(password, &salt, SCRAM_ITERATIONS))
}

fn scram_verifier_with(password: &str, salt: &[u8], iterations: u32) -> String {
    let (stored, server) = scram_keys(password, salt, iterations);
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        B64.encode(salt),
        B64.encode(stored),
        B64.encode(server)
    )
}

/// StoredKey and ServerKey of a password.
fn scram_keys(password: &str, salt: &[u8], iterations: u32) -> (Vec<u8>, Vec<u8>) {
    let mut salted = [0u8; 32];
    let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        salt,
        password.as_bytes(),
        &mut salted,
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
    let client_key = hmac::sign(&key, b"Client Key");
    let stored = digest::digest(&digest::SHA256, client_key.as_ref());
    let server = hmac::sign(&key, b"Server Key");
    (stored.as_ref().to_vec(), server.as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's example exchange: the keys we store must let the server check the client's
    /// proof and sign its answer exactly as in the RFC.
    #[test]
    fn verifier_keys_match_the_rfc_7677_exchange() {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let (stored, server) = scram_keys("pencil", &salt, 4096);
        let nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let auth = format!(
            "n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r={nonce}"
        );
        let server_sig = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &server), auth.as_bytes());
        assert_eq!(
            B64.encode(server_sig.as_ref()),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let proof = B64
            .decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
            .unwrap();
        let client_sig = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &stored), auth.as_bytes());
        let client_key: Vec<u8> = proof
            .iter()
            .zip(client_sig.as_ref())
            .map(|(a, b)| a ^ b)
            .collect();
        assert_eq!(
            digest::digest(&digest::SHA256, &client_key).as_ref(),
            &stored[..]
        );
        let v = scram_verifier_with("pencil", &salt, 4096);
        assert!(
            v.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"),
            "{v}"
        );
    }

    #[test]
    fn login_names_are_plain() {
        assert!(check_name("ann.smith@msp").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("x\"; DROP").is_err());
        assert!(check_name("backupchecks_admin").is_err());
        assert!(check_name("pg_read_all_data").is_err());
    }
}
