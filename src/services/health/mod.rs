//! The health of a running process: can it reach its database, and are its services passing?
//! Served as JSON by `daemon --health-listen` ([`server`]) and printed by `doctor --json` in the
//! same shape, so one script reads both.

pub mod server;

use crate::services::status::{Outcome, ServiceStatus, StatusCell};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use std::time::Duration;

/// A service whose last this many attempts failed makes the process unhealthy: one failure is a
/// blip the retry usually cures; three in a row (5 s, 10 s, 20 s apart) is an outage.
pub const FAILED_IN_A_ROW_UNHEALTHY: u32 = 3;
/// How long the database may take to answer the health query.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(5);

/// The report, serialised as the body of `/health` and of `doctor --json`.
#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    /// `ok` or `unhealthy`.
    pub status: &'static str,
    /// The program's version line (with its commit).
    pub version: &'static str,
    pub checked_at: DateTime<Utc>,
    pub database: DatabaseHealth,
    /// The services of this process (none for `doctor`, which runs none).
    pub services: Vec<ServiceStatus>,
    /// Why the status is `unhealthy`, one sentence each; empty when `ok`.
    pub problems: Vec<String>,
    /// The checks of `doctor` (configuration, Graph, Autotask …); absent from `/health`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseHealth {
    pub reachable: bool,
    pub error: Option<String>,
}

/// One line of `doctor`.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    /// `ok`, `warning` or `problem`.
    pub state: &'static str,
    pub detail: String,
}

impl HealthReport {
    /// Judges the facts: unhealthy when the database does not answer or a service failed its
    /// last [`FAILED_IN_A_ROW_UNHEALTHY`] attempts.
    pub fn judge(
        checked_at: DateTime<Utc>,
        database: DatabaseHealth,
        services: Vec<ServiceStatus>,
    ) -> HealthReport {
        let mut problems = Vec::new();
        if let Some(e) = &database.error {
            problems.push(format!("the database does not answer: {e}"));
        }
        for s in &services {
            if s.failed_in_a_row >= FAILED_IN_A_ROW_UNHEALTHY
                && s.last_outcome == Some(Outcome::Failed)
            {
                problems.push(format!(
                    "{} failed its last {} attempts: {}",
                    s.name,
                    s.failed_in_a_row,
                    s.last_error.as_deref().unwrap_or("no cause given")
                ));
            }
        }
        HealthReport {
            status: if problems.is_empty() {
                "ok"
            } else {
                "unhealthy"
            },
            version: env!("BC_VERSION_LINE"),
            checked_at,
            database,
            services,
            problems,
            checks: Vec::new(),
        }
    }

    /// Adds the checks of `doctor`; each problem among them is a problem of the report.
    pub fn with_checks(mut self, checks: Vec<Check>) -> HealthReport {
        for c in &checks {
            let problem = format!("{}: {}", c.name, c.detail);
            if c.state == "problem" && !self.problems.contains(&problem) {
                self.problems.push(problem);
            }
        }
        self.checks = checks;
        self.status = if self.problems.is_empty() {
            "ok"
        } else {
            "unhealthy"
        };
        self
    }

    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Asks the database for an answer (bounded by [`DATABASE_TIMEOUT`]).
pub async fn database(pool: &PgPool) -> DatabaseHealth {
    let error = match tokio::time::timeout(DATABASE_TIMEOUT, crate::db::schema::ping(pool)).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.cause()),
        Err(_) => Some(format!("no answer within {} s", DATABASE_TIMEOUT.as_secs())),
    };
    DatabaseHealth {
        reachable: error.is_none(),
        error,
    }
}

/// The report of a process running `services` on `pool`, now.
pub async fn check(pool: &PgPool, services: &[StatusCell]) -> HealthReport {
    let database = database(pool).await;
    let services = services.iter().map(StatusCell::snapshot).collect();
    HealthReport::judge(Utc::now(), database, services)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(failed_in_a_row: u32, outcome: Outcome) -> ServiceStatus {
        let cell = StatusCell::new("mail import");
        let mut s = cell.snapshot();
        s.failed_in_a_row = failed_in_a_row;
        s.last_outcome = Some(outcome);
        s.last_error = (outcome == Outcome::Failed).then(|| "mailbox unreachable".into());
        s
    }

    fn up() -> DatabaseHealth {
        DatabaseHealth {
            reachable: true,
            error: None,
        }
    }

    #[test]
    fn healthy_until_a_service_fails_three_attempts_in_a_row() {
        let now = Utc::now();
        let r = HealthReport::judge(now, up(), vec![service(2, Outcome::Failed)]);
        assert!(r.is_healthy() && r.status == "ok");
        let r = HealthReport::judge(now, up(), vec![service(3, Outcome::Failed)]);
        assert_eq!(r.status, "unhealthy");
        assert_eq!(
            r.problems,
            ["mail import failed its last 3 attempts: mailbox unreachable"]
        );
    }

    #[test]
    fn an_unreachable_database_is_unhealthy_and_the_json_says_why() {
        let db = DatabaseHealth {
            reachable: false,
            error: Some("connection refused".into()),
        };
        let r = HealthReport::judge(Utc::now(), db, vec![]);
        assert!(!r.is_healthy());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["status"], "unhealthy");
        assert_eq!(json["database"]["reachable"], false);
        assert!(json.get("checks").is_none(), "{json}");
    }
}
