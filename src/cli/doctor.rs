//! `backupchecks doctor`: a truthful report of configuration, database and log file.

use crate::config::{self, Loaded};
use crate::db::embedded::{EmbeddedCluster, RunAs, Tuning};
use crate::db::{self, Database};
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
    report_database(&mut r, &loaded).await;
    let c = &loaded.config;
    r.line(
        "graph",
        if c.graph.is_configured() {
            "configured (mailbox set, secret set)"
        } else {
            "not configured (mail import from a folder still works)"
        },
    );
    r.line(
        "autotask",
        if c.autotask.is_configured() {
            "configured (user, secret and integration code set)"
        } else {
            "not configured"
        },
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

async fn report_database(r: &mut Report, loaded: &Loaded) {
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
                return;
            };
            r.line(
                "database",
                format!("embedded cluster in {}", root.display()),
            );
            let cluster = match EmbeddedCluster::new(&root, Tuning::default()) {
                Ok(c) => c,
                Err(e) => {
                    r.problem("  cluster", e);
                    return;
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
            return;
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
    if let Err(e) = db.close().await {
        r.problem("  shutdown", e);
    }
}
