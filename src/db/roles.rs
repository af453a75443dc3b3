//! The seat's login and the role it acts as. The database enforces roles (migration 0008); a
//! seat acting as a lower role than its login's runs `SET ROLE` on every connection of its pool.

use super::DbError;
use crate::domain::roles::{Login, Role};
use sqlx::postgres::{PgConnection, PgPoolOptions};
use sqlx::{Executor, PgExecutor};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[derive(sqlx::FromRow)]
struct LoginRow {
    name: String,
    superuser: bool,
    owner: bool,
    groups: Vec<String>,
}

/// Who the session user is: superuser, owner of the tables, member of which group roles.
pub async fn login(ex: impl PgExecutor<'_>) -> Result<Login, DbError> {
    let groups: Vec<&str> = Role::ALL.iter().map(|r| r.group()).collect();
    let row: LoginRow = sqlx::query_as(
        "SELECT session_user::text AS name, \
           coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false) \
             AS superuser, \
           coalesce((SELECT pg_has_role(session_user, c.relowner, 'MEMBER') FROM pg_class c \
             WHERE c.oid = to_regclass('public.job_runs')), false) AS owner, \
           array(SELECT g.rolname::text FROM pg_roles g WHERE g.rolname = ANY($1) \
             AND pg_has_role(session_user, g.oid, 'MEMBER')) AS groups",
    )
    .bind(&groups)
    .fetch_one(ex)
    .await?;
    Ok(Login {
        name: row.name,
        superuser: row.superuser,
        owner: row.owner,
        groups: row.groups.iter().filter_map(|g| Role::parse(g)).collect(),
    })
}

/// The role every connection of a pool acts as, switchable while the pool is in use: new
/// connections run `SET ROLE` when they open, and connections opened before the last switch
/// are closed instead of handed out, so no query runs under the old role after a switch.
#[derive(Debug, Clone, Default)]
pub struct ActiveRole(Arc<RwLock<Active>>);

#[derive(Debug, Default)]
struct Active {
    /// `None`: the login's own rights.
    set_role: Option<&'static str>,
    switched_at: Option<Instant>,
}

impl ActiveRole {
    /// Acts as `group` from now on (`None`: the login's own rights).
    pub fn switch(&self, group: Option<&'static str>) {
        if let Ok(mut a) = self.0.write() {
            a.set_role = group;
            a.switched_at = Some(Instant::now());
        }
    }

    pub fn current(&self) -> Option<&'static str> {
        self.0.read().ok().and_then(|a| a.set_role)
    }

    fn opened_before_switch(&self, age: Duration) -> bool {
        let Ok(a) = self.0.read() else { return false };
        match (a.switched_at, Instant::now().checked_sub(age)) {
            (Some(switched), Some(opened)) => opened < switched,
            _ => false,
        }
    }

    /// Pool options whose connections follow this role.
    pub fn pool_options(&self, opts: PgPoolOptions) -> PgPoolOptions {
        let on_connect = self.clone();
        let on_acquire = self.clone();
        opts.after_connect(move |conn, _| {
            let role = on_connect.current();
            Box::pin(async move { apply(conn, role).await })
        })
        .before_acquire(move |_, meta| {
            let keep = !on_acquire.opened_before_switch(meta.age);
            Box::pin(async move { Ok(keep) })
        })
    }
}

async fn apply(conn: &mut PgConnection, group: Option<&'static str>) -> Result<(), sqlx::Error> {
    if let Some(group) = group {
        // The group names are the fixed names of `Role::group`, never input.
        conn.execute(sqlx::AssertSqlSafe(format!("SET ROLE \"{group}\"")))
            .await?;
    }
    Ok(())
}

/// True when PostgreSQL refused a statement for lack of privilege (42501): a role that may not
/// do this, e.g. after an admin changed the seat's grants while it runs.
pub fn is_permission_denied(e: &DbError) -> bool {
    match e {
        DbError::Sql(sqlx::Error::Database(d)) => d.code().as_deref() == Some("42501"),
        DbError::Migrate(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(d))) => {
            d.code().as_deref() == Some("42501")
        }
        _ => false,
    }
}
