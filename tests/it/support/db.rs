//! A fresh PostgreSQL database per test: on `DATABASE_URL` when set, else on an embedded
//! cluster shared by the whole test run. Each test database is a copy of a migrated template,
//! so creating one costs a file copy, not a migration.

use backupchecks::db::embedded::{ClusterGuard, EmbeddedCluster, Tuning};
use backupchecks::db::{self, MIGRATOR};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgConnection, PgPool};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

const PREFIX: &str = "bc_test_";

struct Server {
    /// Options for the maintenance database (create/drop databases).
    admin: PgConnectOptions,
    template: String,
}

static SERVER: OnceLock<Server> = OnceLock::new();
/// The embedded cluster of this test process; released (and stopped when last) at exit.
static CLUSTER: Mutex<Option<ClusterGuard>> = Mutex::new(None);
static COUNTER: AtomicU32 = AtomicU32::new(0);

extern "C" fn release_cluster() {
    if let Ok(mut slot) = CLUSTER.lock()
        && let Some(guard) = slot.take()
    {
        let _ = guard.release();
    }
}

/// Where the shared test cluster lives: short (socket path limit) and reachable by the
/// `postgres` user when tests run as root.
pub fn shared_cluster_root() -> PathBuf {
    let target = env!("CARGO_MANIFEST_DIR");
    let mut h: u32 = 2_166_136_261;
    for b in target.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(16_777_619);
    }
    let uid = nix::unistd::geteuid().as_raw();
    std::env::temp_dir().join(format!("bc-test-{uid}-{h:08x}"))
}

fn run_async<T: Send + 'static>(f: impl std::future::Future<Output = T> + Send + 'static) -> T {
    // Set-up runs on its own runtime: a pool must not outlive the runtime that made it, and
    // each test has its own.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    })
    .join()
    .expect("set-up thread")
}

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let admin = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => PgConnectOptions::from_str(&url).expect("DATABASE_URL"),
            _ => {
                let cluster =
                    EmbeddedCluster::new(&shared_cluster_root(), Tuning { unsafe_fast: true })
                        .expect("embedded test cluster");
                let guard = cluster.start().expect("starting the embedded test cluster");
                let opts = guard.cluster().connect_options("postgres");
                *CLUSTER.lock().expect("cluster slot") = Some(guard);
                // SAFETY: registering a plain extern "C" function with no captured state.
                unsafe { nix::libc::atexit(release_cluster) };
                opts
            }
        };
        let template = run_async(prepare_template(admin.clone()));
        Server { admin, template }
    })
}

/// Name of the template for the current migrations: a change of any migration makes a new one.
fn template_name() -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for m in MIGRATOR.iter() {
        for b in m.checksum.iter() {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("bc_template_{:012x}", h & 0xffff_ffff_ffff)
}

async fn prepare_template(admin: PgConnectOptions) -> String {
    let name = template_name();
    let mut conn = admin
        .connect()
        .await
        .expect("connecting to the test server");
    // One process builds the template; concurrent test processes wait here.
    db::schema::advisory_lock(&mut conn, 0x6263_7465_7374)
        .await
        .expect("lock");
    drop_leftovers(&mut conn).await;
    // Templates of older migrations are of no further use; one still being copied stays.
    for old in db::schema::databases_with_prefix(&mut conn, "bc_template_")
        .await
        .unwrap_or_default()
    {
        if !old.starts_with(&name) {
            let _ = db::schema::drop_database_if_unused(&mut conn, &old).await;
        }
    }
    let existing = db::schema::databases_with_prefix(&mut conn, &name)
        .await
        .expect("list");
    if !existing.contains(&name) {
        let building = format!("{name}_build");
        db::schema::drop_database(&mut conn, &building)
            .await
            .expect("drop");
        db::schema::create_database_if_missing(&mut conn, &building)
            .await
            .expect("create");
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(admin.clone().database(&building))
            .await
            .expect("connect template");
        MIGRATOR.run(&pool).await.expect("migrating the template");
        pool.close().await;
        // Renamed only when complete, so a crash never leaves a half-made template in use.
        db::schema::rename_database(&mut conn, &building, &name)
            .await
            .expect("rename");
    }
    db::schema::advisory_unlock(&mut conn, 0x6263_7465_7374)
        .await
        .expect("unlock");
    name
}

/// Drops test databases and logins of test processes that are gone (crashed runs).
async fn drop_leftovers(conn: &mut PgConnection) {
    let logins: Vec<String> = sqlx::query_scalar(
        "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, 'bc_test_')",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in logins {
        if !owner_alive(&name) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP ROLE IF EXISTS \"{name}\""
            )))
            .execute(&mut *conn)
            .await;
        }
    }
    let names = db::schema::databases_with_prefix(conn, PREFIX)
        .await
        .unwrap_or_default();
    for name in names {
        if !owner_alive(&name) {
            let _ = db::schema::drop_database(conn, &name).await;
        }
    }
}

/// Whether the test process named in `bc_test_<pid>_…` still runs.
fn owner_alive(name: &str) -> bool {
    let pid = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split('_').next())
        .and_then(|p| p.parse::<u32>().ok());
    match pid {
        Some(pid) => std::path::Path::new(&format!("/proc/{pid}")).exists(),
        None => true,
    }
}

/// A fresh, migrated database for one test; dropped when the value is dropped.
pub struct TestDb {
    pub pool: PgPool,
    pub name: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let server = server();
        let name = format!(
            "{PREFIX}{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = server.admin.connect().await.expect("connect admin");
        let mut attempt = 0;
        loop {
            match db::schema::create_database_from_template(&mut conn, &name, &server.template)
                .await
            {
                Ok(()) => break,
                // 55006: the template is briefly in use by a concurrent copy.
                Err(db::DbError::Sql(sqlx::Error::Database(e)))
                    if e.code().as_deref() == Some("55006") && attempt < 50 =>
                {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("creating test database {name}: {e}"),
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect_with(server.admin.clone().database(&name))
            .await
            .expect("connect test database");
        TestDb { pool, name }
    }
}

impl TestDb {
    /// A URL of this database for the real binary (`DATABASE_URL`).
    pub fn url(&self) -> String {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            let (base, query) = url.split_once('?').unwrap_or((&url, ""));
            let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(base);
            let sep = if query.is_empty() { "" } else { "?" };
            return format!("{server}/{}{sep}{query}", self.name);
        }
        let admin = &server().admin;
        let socket = admin
            .get_socket()
            .expect("the embedded test cluster uses a socket");
        format!(
            "postgres:///{}?host={}&port={}&user={}",
            self.name,
            socket.display(),
            admin.get_port(),
            admin.get_username()
        )
    }

    /// Makes the server refuse every connection to this database and ends the open ones: an
    /// outage as a client sees it, on a real server.
    pub async fn refuse_connections(&self) {
        let mut conn = self.allow_connections_to(false).await;
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&self.name)
        .execute(&mut conn)
        .await
        .expect("end connections");
    }

    /// Ends the outage of [`TestDb::refuse_connections`].
    pub async fn allow_connections(&self) {
        self.allow_connections_to(true).await;
    }

    async fn allow_connections_to(&self, allow: bool) -> PgConnection {
        let mut conn = server().admin.connect().await.expect("connect admin");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS {allow}",
            self.name
        )))
        .execute(&mut conn)
        .await
        .expect("ALTER DATABASE … ALLOW_CONNECTIONS");
        conn
    }
}

/// A PostgreSQL login of one test, in the given group roles; dropped with the value.
pub struct TestLogin {
    pub name: String,
}

impl TestLogin {
    /// Creates a login (cluster-wide, so its name carries this process's id) in `groups`.
    pub async fn new(groups: &[&str]) -> TestLogin {
        let server = server();
        let name = format!(
            "{PREFIX}{}_{}_login",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = server.admin.connect().await.expect("connect admin");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE \"{name}\" LOGIN")))
            .execute(&mut conn)
            .await
            .expect("create login");
        for g in groups {
            sqlx::query(sqlx::AssertSqlSafe(format!("GRANT \"{g}\" TO \"{name}\"")))
                .execute(&mut conn)
                .await
                .expect("grant group");
        }
        TestLogin { name }
    }
}

impl Drop for TestLogin {
    fn drop(&mut self) {
        let Some(server) = SERVER.get() else { return };
        let admin = server.admin.clone();
        let name = self.name.clone();
        run_async(async move {
            if let Ok(mut conn) = admin.connect().await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP ROLE IF EXISTS \"{name}\""
                )))
                .execute(&mut conn)
                .await;
            }
        });
    }
}

impl TestDb {
    /// A pool on this database logged in as `login` (trust authentication on the test server).
    pub async fn pool_as(&self, login: &str) -> PgPool {
        PgPoolOptions::new()
            .max_connections(3)
            .connect_with(server().admin.clone().database(&self.name).username(login))
            .await
            .expect("connect as test login")
    }

    /// [`TestDb::url`] for another login.
    pub fn url_as(&self, login: &str) -> String {
        let url = self.url();
        let admin = server().admin.get_username().to_string();
        if url.contains("user=") {
            url.replace(&format!("user={admin}"), &format!("user={login}"))
        } else {
            // postgres://USER[:PASSWORD]@host/… : the user is before the host.
            let (scheme, rest) = url.split_once("://").expect("a URL");
            let host = rest.split_once('@').map(|(_, h)| h).unwrap_or(rest);
            format!("{scheme}://{login}@{host}")
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(server) = SERVER.get() else { return };
        let admin = server.admin.clone();
        let name = self.name.clone();
        run_async(async move {
            if let Ok(mut conn) = admin.connect().await {
                let _ = db::schema::drop_database(&mut conn, &name).await;
            }
        });
    }
}
