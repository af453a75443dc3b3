//! Leadership across processes sharing one database: a session-level advisory lock per
//! background service, held on a dedicated connection.

use super::DbError;
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

/// Services that must never run twice at once against one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Importer,
    MissedRuns,
    AutotaskPoller,
    Retention,
    Reports,
}

impl Service {
    /// Fixed keys ("bc" + a number), so every process agrees on them.
    fn key(self) -> i64 {
        match self {
            Service::Importer => 0x6263_0001,
            Service::MissedRuns => 0x6263_0002,
            Service::AutotaskPoller => 0x6263_0003,
            Service::Reports => 0x6263_0004,
            Service::Retention => 0x6263_0005,
        }
    }
}

/// Held leadership. Dropping it closes the connection, which releases the lock on the server
/// even when [`Leadership::release`] was never reached.
#[derive(Debug)]
pub struct Leadership {
    conn: Option<PoolConnection<Postgres>>,
    key: i64,
}

/// Waits until this process leads `service`.
pub async fn acquire(pool: &PgPool, service: Service) -> Result<Leadership, DbError> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(service.key())
        .execute(&mut *conn)
        .await?;
    Ok(Leadership {
        conn: Some(conn),
        key: service.key(),
    })
}

/// Leads `service` if nobody else does right now.
pub async fn try_acquire(pool: &PgPool, service: Service) -> Result<Option<Leadership>, DbError> {
    let mut conn = pool.acquire().await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(service.key())
        .fetch_one(&mut *conn)
        .await?;
    Ok(got.then_some(Leadership {
        conn: Some(conn),
        key: service.key(),
    }))
}

/// Serialises Autotask ticket creation for one job across sessions and processes, so a double
/// submit waits and then finds the first one's ticket. Keys are "bt" followed by the job id,
/// apart from the service keys.
pub async fn acquire_autotask_job(pool: &PgPool, job_id: i64) -> Result<Leadership, DbError> {
    let key = (0x6274_i64 << 48) | (job_id & 0xFFFF_FFFF_FFFF);
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(Leadership {
        conn: Some(conn),
        key,
    })
}

impl Leadership {
    /// Gives up leadership and returns the connection to the pool.
    pub async fn release(mut self) -> Result<(), DbError> {
        if let Some(mut conn) = self.conn.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

impl Drop for Leadership {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Never hand a locked session back to the pool.
            drop(conn.detach());
        }
    }
}
