//! Opening the database: a configured server, or the embedded cluster; then migrations.

use super::embedded::{ClusterGuard, EmbeddedCluster, Tuning};
use super::roles::{self, ActiveRole};
use super::{DbError, EMBEDDED_DATABASE};
use crate::config::{DatabaseConfig, Secret};
use crate::domain::roles::{Login, Role};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::path::PathBuf;
use std::str::FromStr;

/// Connections of the services' pool: a running pass holds two (its leadership, which keeps the
/// advisory lock on its own session, and the one it works on), the five services may all run at
/// once (they all run at start), and two spare. With fewer, services that each hold their
/// leadership can wait on each other for a second connection until the acquire times out.
pub const SERVICE_CONNECTIONS: u32 = 12;

/// Which database the program talks to, for display (never holds a password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Server {
        display: String,
    },
    Embedded {
        data_dir: PathBuf,
        socket_dir: PathBuf,
    },
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Server { display } => f.write_str(display),
            Target::Embedded { data_dir, .. } => {
                write!(f, "embedded cluster in {}", data_dir.display())
            }
        }
    }
}

/// An open, migrated database. Close it with [`Database::close`] so the embedded cluster is
/// stopped when this was its last user.
#[derive(Debug)]
pub struct Database {
    pool: PgPool,
    target: Target,
    guard: Option<ClusterGuard>,
    login: Login,
    active: ActiveRole,
    role: Role,
    /// How to connect again, for [`Database::login_pool`].
    opts: PgConnectOptions,
}

/// `user@host:port/db` of a URL, without the password.
pub fn describe_url(url: &Secret) -> String {
    match PgConnectOptions::from_str(url.expose()) {
        Ok(o) => format!(
            "{}@{}:{}/{}",
            o.get_username(),
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("")
        ),
        Err(_) => "an unparseable database.url".into(),
    }
}

impl Database {
    /// Opens what the configuration says: `database.url`, else the embedded cluster.
    pub async fn open(cfg: &DatabaseConfig) -> Result<Database, DbError> {
        match &cfg.url {
            Some(url) => Database::open_url_with(url, cfg.password.as_ref()).await,
            None => {
                let cluster = EmbeddedCluster::new(&embedded_root(cfg)?, Tuning::default())?;
                Database::open_embedded(cluster, EMBEDDED_DATABASE).await
            }
        }
    }

    /// Connects to a server by URL and runs migrations.
    pub async fn open_url(url: &Secret) -> Result<Database, DbError> {
        Database::open_url_with(url, None).await
    }

    /// Connects to a server by URL, with a password typed at a prompt when given (else the
    /// URL's, `PGPASSWORD` or `~/.pgpass`, as for any PostgreSQL client).
    pub async fn open_url_with(
        url: &Secret,
        password: Option<&Secret>,
    ) -> Result<Database, DbError> {
        let display = describe_url(url);
        let mut opts =
            PgConnectOptions::from_str(url.expose()).map_err(|source| DbError::Connect {
                target: display.clone(),
                source,
            })?;
        if let Some(p) = password {
            opts = opts.password(p.expose());
        }
        Database::ready(opts, Target::Server { display }, None).await
    }

    /// Starts (or joins) the embedded cluster, creates `database` if needed and migrates it.
    pub async fn open_embedded(
        cluster: EmbeddedCluster,
        database: &str,
    ) -> Result<Database, DbError> {
        Database::embedded(cluster, database, false).await
    }

    /// Opens a database beside the configured one, dropped and created anew first, so whatever
    /// happens in it never touches the real data: with the embedded cluster the database
    /// `backupchecks<suffix>` in the same cluster; with `database.url` the database
    /// `<that database><suffix>` on the same server (the user needs the right to create
    /// databases). `suffix` must not be empty.
    pub async fn open_recreated(cfg: &DatabaseConfig, suffix: &str) -> Result<Database, DbError> {
        if suffix.is_empty() {
            return Err(DbError::Invalid(
                "a recreated database needs a name of its own".into(),
            ));
        }
        match &cfg.url {
            Some(url) => {
                let display = describe_url(url);
                let opts = PgConnectOptions::from_str(url.expose()).map_err(|source| {
                    DbError::Connect {
                        target: display.clone(),
                        source,
                    }
                })?;
                // PostgreSQL's default database is the user's name.
                let base = opts
                    .get_database()
                    .unwrap_or(opts.get_username())
                    .to_string();
                let name = format!("{base}{suffix}");
                let mut admin = opts.connect().await.map_err(|source| DbError::Connect {
                    target: display.clone(),
                    source,
                })?;
                super::schema::drop_database(&mut admin, &name).await?;
                super::schema::create_database_if_missing(&mut admin, &name).await?;
                drop(admin);
                let opts = opts.database(&name);
                let display = format!("{display}{suffix}");
                Database::ready(opts, Target::Server { display }, None).await
            }
            None => {
                let cluster = EmbeddedCluster::new(&embedded_root(cfg)?, Tuning::default())?;
                Database::embedded(cluster, &format!("{EMBEDDED_DATABASE}{suffix}"), true).await
            }
        }
    }

    /// Starts (or joins) the embedded cluster and opens `database`, dropped first when `fresh`.
    async fn embedded(
        cluster: EmbeddedCluster,
        database: &str,
        fresh: bool,
    ) -> Result<Database, DbError> {
        let guard = tokio::task::spawn_blocking(move || cluster.start())
            .await
            .map_err(|e| DbError::Task(e.to_string()))??;
        let cluster = guard.cluster().clone();
        let target = Target::Embedded {
            data_dir: cluster.data_dir.clone(),
            socket_dir: cluster.socket_dir.clone(),
        };
        let display = target.to_string();
        let mut admin = cluster
            .connect_options("postgres")
            .connect()
            .await
            .map_err(|source| DbError::Connect {
                target: display.clone(),
                source,
            })?;
        if fresh {
            super::schema::drop_database(&mut admin, database).await?;
        }
        super::schema::create_database_if_missing(&mut admin, database).await?;
        drop(admin);
        Database::ready(cluster.connect_options(database), target, Some(guard)).await
    }

    /// Connects, brings the schema up to date when this login may, and learns who it is.
    async fn ready(
        opts: PgConnectOptions,
        target: Target,
        guard: Option<ClusterGuard>,
    ) -> Result<Database, DbError> {
        let active = ActiveRole::default();
        let pool = connect(opts.clone(), &target.to_string(), &active).await?;
        super::schema::migrate(&pool).await?;
        let login = roles::login(&pool).await?;
        let role = login.default_role();
        Ok(Database {
            pool,
            target,
            guard,
            login,
            active,
            role,
            opts,
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// How this database is reached (without the password).
    pub fn connect_options(&self) -> PgConnectOptions {
        self.opts.clone()
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The login of this seat and the roles it may act as.
    pub fn login(&self) -> &Login {
        &self.login
    }

    /// The role this seat acts as now.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The switch the pool's connections follow; the interface keeps it to change roles.
    pub fn active_role(&self) -> &ActiveRole {
        &self.active
    }

    /// A pool with the login's own rights, whatever role the main pool acts as: for the
    /// background services, which import and check for the whole team. It connects on first use.
    pub fn login_pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(SERVICE_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with(self.opts.clone().options([("jit", "off")]))
    }

    /// Acts as `role` from now on, on every connection of the pool.
    pub fn act_as(&mut self, role: Role) -> Result<(), DbError> {
        switch_role(&self.login, &self.active, role)?;
        self.role = role;
        Ok(())
    }

    /// Closes the pool; stops the embedded cluster if no other instance uses it.
    pub async fn close(self) -> Result<(), DbError> {
        // Closing waits for borrowed connections; a task stuck with one must not keep the
        // program (and the embedded cluster) from stopping.
        if tokio::time::timeout(CONNECT_TIMEOUT, self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still in use at exit; closing anyway");
        }
        if let Some(guard) = self.guard {
            tokio::task::spawn_blocking(move || guard.release())
                .await
                .map_err(|e| DbError::Task(e.to_string()))??;
        }
        Ok(())
    }
}

/// Where the embedded cluster lives: `database.data_dir`, else the user's data directory.
fn embedded_root(cfg: &DatabaseConfig) -> Result<PathBuf, DbError> {
    cfg.data_dir
        .clone()
        .or_else(crate::paths::default_data_dir)
        .ok_or_else(|| DbError::Task("no user data directory; set database.data_dir".into()))
}

/// How long one connection attempt may take before it counts as no answer.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Makes the connections of `active` act as `role`, when `login` may.
pub fn switch_role(login: &Login, active: &ActiveRole, role: Role) -> Result<(), DbError> {
    if !login.roles().contains(&role) {
        return Err(DbError::Rejected(format!(
            "{} may not act as {role} (roles: {})",
            login.name,
            login
                .roles()
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    active.switch(login.needs_set_role(role).then(|| role.group()));
    Ok(())
}

async fn connect(
    opts: PgConnectOptions,
    display: &str,
    active: &ActiveRole,
) -> Result<PgPool, DbError> {
    // The pane queries over a million runs look expensive to the planner, which then spends
    // 30 ms and more compiling them (JIT) to save less: the interface wants answers, not
    // throughput, so JIT is off for every connection of this program.
    let opts = opts.options([("jit", "off")]);
    // One direct connection first: it fails with the real cause (refused, bad password, no such
    // database), where the pool would retry until its timeout and report only that.
    let first = tokio::time::timeout(CONNECT_TIMEOUT, opts.connect())
        .await
        .unwrap_or_else(|_| {
            Err(sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::TimedOut,
            )))
        })
        .map_err(|source| DbError::Connect {
            target: display.to_string(),
            source,
        })?;
    let _ = first.close().await;
    active
        .pool_options(PgPoolOptions::new())
        .max_connections(8)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(opts)
        .await
        .map_err(|source| DbError::Connect {
            target: display.to_string(),
            source,
        })
}
