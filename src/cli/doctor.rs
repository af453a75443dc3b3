//! `backupchecks doctor`: a truthful report of configuration, database and log file; with
//! `--json` the same checks in the shape of the daemon's `/health` report, for scripts.

use crate::config::{self, Loaded};
use crate::db::embedded::{EmbeddedCluster, RunAs, Tuning};
use crate::db::settings::Policy;
use crate::db::{self, Database};
use crate::ingest::graph::GraphSource;
use crate::services::health::{Check, DatabaseHealth, HealthReport};
use std::process::ExitCode;

/// Checks configuration, database, embedded cluster and log file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the report as one JSON object (the shape of the daemon's /health) instead of lines.
    #[arg(long)]
    pub json: bool,
    /// Also ask a running daemon for its services (its --health-listen address, e.g.
    /// 127.0.0.1:9731); they are reported, and in JSON included as `daemon`.
    #[arg(long, value_name = "ADDR:PORT")]
    pub daemon: Option<String>,
}

struct Report {
    healthy: bool,
    json: bool,
    /// The label of the last top-level line: names the indented lines under it in JSON.
    section: String,
    checks: Vec<Check>,
    database: Option<DatabaseHealth>,
    /// The daemon's own /health report, when asked for.
    daemon: Option<serde_json::Value>,
}

impl Report {
    fn push(&mut self, label: &str, state: &'static str, value: String) {
        if !self.json {
            match state {
                "ok" => println!("{label:<14}{value}"),
                "warning" => println!("{label:<14}WARNING: {value}"),
                _ => println!("{label:<14}PROBLEM: {value}"),
            }
        }
        let name = label.trim();
        let name = if name.is_empty() {
            self.section.clone()
        } else if label.starts_with(' ') {
            format!("{} {name}", self.section)
        } else {
            self.section = name.to_string();
            name.to_string()
        };
        self.checks.push(Check {
            name,
            state,
            detail: value,
        });
    }
    fn line(&mut self, label: &str, value: impl std::fmt::Display) {
        self.push(label, "ok", value.to_string());
    }
    fn warning(&mut self, label: &str, value: impl std::fmt::Display) {
        self.push(label, "warning", value.to_string());
    }
    fn problem(&mut self, label: &str, value: impl std::fmt::Display) {
        self.healthy = false;
        self.push(label, "problem", value.to_string());
    }

    /// Ends the report: the closing sentence, or the JSON object.
    fn finish(self) -> anyhow::Result<ExitCode> {
        let code = if self.healthy {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
        if self.json {
            let database = self.database.unwrap_or(DatabaseHealth {
                reachable: false,
                error: Some("not checked".into()),
            });
            let report = HealthReport::judge(chrono::Utc::now(), database, Vec::new())
                .with_checks(self.checks);
            let mut value = serde_json::to_value(&report)?;
            if let (Some(daemon), Some(obj)) = (self.daemon, value.as_object_mut()) {
                obj.insert("daemon".into(), daemon);
            }
            println!("{}", serde_json::to_string_pretty(&value)?);
            return Ok(code);
        }
        println!();
        if self.healthy {
            println!("All configured parts are healthy.");
        } else {
            println!("Some configured parts need attention (see PROBLEM above).");
        }
        Ok(code)
    }
}

pub async fn run(args: Args, explicit: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let mut r = Report {
        healthy: true,
        json: args.json,
        section: String::new(),
        checks: Vec::new(),
        database: None,
        daemon: None,
    };
    let loaded = match config::load(explicit, &|k| std::env::var(k).ok()) {
        Ok(l) => l,
        Err(e) => {
            r.problem("configuration", e);
            return r.finish();
        }
    };
    report_config(&mut r, &loaded);
    let _log_guard = crate::logging::init(&loaded.config.log);
    if crate::logging::to_journal(&loaded.config.log) {
        r.line("log", "the systemd journal (journalctl)");
    } else {
        match crate::logging::log_file(&loaded.config.log) {
            Some(p) => r.line("log file", p.display()),
            None => r.problem("log file", "no state directory; set log.file"),
        }
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
    if let Some(addr) = &args.daemon {
        report_daemon(&mut r, addr).await;
    }
    r.finish()
}

/// Asks the daemon's /health for its services: one line each, and the whole answer in JSON.
async fn report_daemon(r: &mut Report, addr: &str) {
    let url = if addr.starts_with("http") {
        format!("{}/health", addr.trim_end_matches('/'))
    } else {
        format!("http://{addr}/health")
    };
    let client = match crate::http::client(Some(std::time::Duration::from_secs(10)), None) {
        Ok(c) => c,
        Err(e) => return r.problem("daemon", e),
    };
    let answer = async {
        let resp = client.get(&url).send().await?;
        let status = resp.status();
        Ok::<_, reqwest::Error>((status, resp.json::<serde_json::Value>().await?))
    };
    match answer.await {
        Ok((status, body)) => {
            let services = body["services"].as_array().cloned().unwrap_or_default();
            let line = format!("{url}: {} ({} services)", body["status"], services.len());
            if status.is_success() {
                r.line("daemon", line);
            } else {
                r.problem("daemon", line);
            }
            for s in &services {
                let name = s["name"].as_str().unwrap_or("?");
                let outcome = s["last_outcome"].as_str().unwrap_or("not run yet");
                let failed = s["failed_in_a_row"].as_u64().unwrap_or(0);
                let text = match failed {
                    0 => format!("last pass {outcome}"),
                    n => format!("last pass {outcome}, {n} failed in a row"),
                };
                r.line(&format!("  {name}"), text);
            }
            r.daemon = Some(body);
        }
        Err(e) => r.problem("daemon", format!("{url}: {e}")),
    }
}

fn report_config(r: &mut Report, loaded: &Loaded) {
    r.line("configuration", &loaded.source);
    if !loaded.env_overrides.is_empty() {
        r.line("  environment", loaded.env_overrides.join(", "));
    }
    for w in &loaded.warnings {
        r.warning("", w);
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
            // The embedded cluster is this machine's only copy of the data.
            let now = chrono::Utc::now();
            match crate::db::backup::last_dump(&root) {
                Some(at) if now - at <= chrono::TimeDelta::days(7) => {
                    r.line("  last dump", at.format("%Y-%m-%d %H:%M UTC"))
                }
                Some(at) => r.warning(
                    "  last dump",
                    format!(
                        "{} days ago: run `backupchecks db dump --out FILE`",
                        (now - at).num_days()
                    ),
                ),
                None => r.warning(
                    "  last dump",
                    "never: run `backupchecks db dump --out FILE` (see \"Backing up backupchecks\")",
                ),
            }
            Database::open_embedded(cluster, db::EMBEDDED_DATABASE).await
        }
    };
    let db = match db {
        Ok(db) => db,
        Err(e) => {
            r.database = Some(DatabaseHealth {
                reachable: false,
                error: Some(e.to_string()),
            });
            r.problem("  connection", e);
            return None;
        }
    };
    match db::schema::server_version(db.pool()).await {
        Ok(v) => r.line("  connection", format!("ok ({v})")),
        Err(e) => r.problem("  connection", e),
    }
    r.database = Some(crate::services::health::database(db.pool()).await);
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
