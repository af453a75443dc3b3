//! `backupchecks doctor`: a truthful report of configuration, database and log file.

use crate::config::{self, Loaded};
use crate::db::embedded::{EmbeddedCluster, RunAs, Tuning};
use crate::db::settings::Policy;
use crate::db::{self, Database};
use crate::ingest::graph::GraphSource;
use std::process::ExitCode;

/// Checks configuration, database, embedded cluster and log file.
#[derive(Debug, clap::Args)]
pub struct Args {}

struct Report {
    healthy: bool,
}

impl Report {
    fn line(&self, label: &str, value: impl std::fmt::Display) {
        println!("{label:<14}{value}");
    }
    fn problem(&mut self, label: &str, value: impl std::fmt::Display) {
        self.healthy = false;
        println!("{label:<14}PROBLEM: {value}");
    }
}

pub async fn run(_args: Args, explicit: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let mut r = Report { healthy: true };
    let loaded = match config::load(explicit, &|k| std::env::var(k).ok()) {
        Ok(l) => l,
        Err(e) => {
            r.problem("configuration", e);
            return Ok(ExitCode::FAILURE);
        }
    };
    report_config(&mut r, &loaded);
    let _log_guard = crate::logging::init(&loaded.config.log);
    match crate::logging::log_file(&loaded.config.log) {
        Some(p) => r.line("log file", p.display()),
        None => r.problem("log file", "no state directory; set log.file"),
    }
    let policy = report_database(&mut r, &loaded).await;
    let c = &loaded.config;
    if c.graph.is_configured() {
        report_graph(&mut r, &c.graph, &policy.unwrap_or_default()).await;
    } else {
        r.line(
            "graph",
            "not configured (mail import from a folder still works)",
        );
    }
    if c.autotask.is_configured() {
        let options = crate::psa::autotask::ClientOptions::default();
        match crate::psa::doctor::check(&c.autotask, options).await {
            Ok(line) => r.line("autotask", format!("ok: {line}")),
            Err(e) => r.problem("autotask", e),
        }
    } else {
        r.line("autotask", "not configured");
    }
    r.line(
        "clipboard",
        crate::tui::clipboard::describe(&crate::tui::clipboard::Env::from_process()),
    );
    println!();
    if r.healthy {
        println!("All configured parts are healthy.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Some configured parts need attention (see PROBLEM above).");
        Ok(ExitCode::FAILURE)
    }
}

fn report_config(r: &mut Report, loaded: &Loaded) {
    r.line("configuration", &loaded.source);
    if !loaded.env_overrides.is_empty() {
        r.line("  environment", loaded.env_overrides.join(", "));
    }
    for w in &loaded.warnings {
        println!("{:<14}WARNING: {w}", "");
    }
}

async fn report_graph(r: &mut Report, cfg: &crate::config::GraphConfig, policy: &Policy) {
    let check = async {
        let mut source = GraphSource::new(
            cfg,
            &policy.graph_inbox_folder,
            &policy.graph_processed_folder,
        )?;
        source.check().await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(60), check).await {
        Ok(Ok(line)) => r.line("graph", format!("ok: {line}")),
        Ok(Err(e)) => r.problem("graph", e),
        Err(_) => r.problem("graph", "no answer within 60 s"),
    }
}

/// Reports the database; returns the shared policy when it could be read.
async fn report_database(r: &mut Report, loaded: &Loaded) -> Option<Policy> {
    let cfg = &loaded.config.database;
    let db = match &cfg.url {
        Some(url) => {
            r.line(
                "database",
                format!("server {}", db::open::describe_url(url)),
            );
            Database::open(cfg).await
        }
        None => {
            let Some(root) = cfg.data_dir.clone().or_else(crate::paths::default_data_dir) else {
                r.problem("database", "no user data directory; set database.data_dir");
                return None;
            };
            r.line(
                "database",
                format!("embedded cluster in {}", root.display()),
            );
            let cluster = match EmbeddedCluster::new(&root, Tuning::default()) {
                Ok(c) => c,
                Err(e) => {
                    r.problem("  cluster", e);
                    return None;
                }
            };
            r.line("  binaries", cluster.bindir.display());
            r.line(
                "  runs as",
                match cluster.run_as {
                    RunAs::CurrentUser => "the current user".to_string(),
                    RunAs::System { uid, .. } => {
                        format!("postgres (uid {uid}), because this program runs as root")
                    }
                },
            );
            r.line("  socket", cluster.socket_dir.display());
            r.line("  state", cluster.state());
            Database::open_embedded(cluster, db::EMBEDDED_DATABASE).await
        }
    };
    let db = match db {
        Ok(db) => db,
        Err(e) => {
            r.problem("  connection", e);
            return None;
        }
    };
    match db::schema::server_version(db.pool()).await {
        Ok(v) => r.line("  connection", format!("ok ({v})")),
        Err(e) => r.problem("  connection", e),
    }
    let expected = db::schema::expected_version();
    match db::schema::applied_version(db.pool()).await {
        Ok(Some(v)) if v == expected => r.line("  schema", format!("version {v} (up to date)")),
        Ok(v) => r.problem(
            "  schema",
            format!("version {v:?}, this program expects {expected}"),
        ),
        Err(e) => r.problem("  schema", e),
    }
    report_login(r, &db);
    let policy = match db::settings::policy(db.pool()).await {
        Ok(p) => Some(p),
        Err(e) => {
            r.problem("  settings", e);
            None
        }
    };
    if let Err(e) = db.close().await {
        r.problem("  shutdown", e);
    }
    policy
}

/// The login, its roles and what the one it acts as allows.
fn report_login(r: &mut Report, db: &Database) {
    let login = db.login();
    let how = if login.superuser {
        " (superuser)"
    } else if login.owner {
        " (owner of the tables)"
    } else {
        ""
    };
    let roles: Vec<&str> = login.roles().iter().map(|r| r.name()).collect();
    r.line("  user", format!("{}{how}", login.name));
    r.line("  roles", roles.join(", "));
    let role = db.role();
    r.line("  acts as", format!("{role}: {}", role.summary()));
}
