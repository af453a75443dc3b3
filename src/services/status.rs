//! What each running service last did, kept by the harness for anyone who asks (`/health`):
//! when its last pass started and finished, how it ended, how many passes in a row failed and
//! when the next one is due.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::{Arc, Mutex, MutexGuard};

/// How the last attempt of a service ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// Another process holds the service's lock and ran the pass.
    Skipped,
    Failed,
}

/// The state of one service at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    pub name: &'static str,
    /// A pass is running now.
    pub running: bool,
    pub last_start: Option<DateTime<Utc>>,
    pub last_finish: Option<DateTime<Utc>>,
    pub last_outcome: Option<Outcome>,
    /// The cause of the last failure, while the service has not succeeded since.
    pub last_error: Option<String>,
    /// Attempts that failed since the last one that did not.
    pub failed_in_a_row: u32,
    /// When the next pass is due; `None` while one runs or when it runs only on request.
    pub next_run: Option<DateTime<Utc>>,
}

/// The shared, always current status of one service.
#[derive(Debug, Clone)]
pub struct StatusCell(Arc<Mutex<ServiceStatus>>);

impl StatusCell {
    pub fn new(name: &'static str) -> StatusCell {
        StatusCell(Arc::new(Mutex::new(ServiceStatus {
            name,
            running: false,
            last_start: None,
            last_finish: None,
            last_outcome: None,
            last_error: None,
            failed_in_a_row: 0,
            next_run: None,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, ServiceStatus> {
        // A panic while holding the lock leaves plain data behind: still worth reporting.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn snapshot(&self) -> ServiceStatus {
        self.lock().clone()
    }

    /// The service waits; its next pass is due at `next` (`None`: only on request).
    pub fn waiting(&self, next: Option<DateTime<Utc>>) {
        let mut s = self.lock();
        s.running = false;
        s.next_run = next;
    }

    pub fn started(&self, at: DateTime<Utc>) {
        let mut s = self.lock();
        s.running = true;
        s.last_start = Some(at);
        s.next_run = None;
    }

    pub fn finished(&self, at: DateTime<Utc>, outcome: Outcome, error: Option<String>) {
        let mut s = self.lock();
        s.running = false;
        s.last_finish = Some(at);
        s.last_outcome = Some(outcome);
        if outcome == Outcome::Failed {
            s.failed_in_a_row += 1;
            s.last_error = error;
        } else {
            s.failed_in_a_row = 0;
            s.last_error = None;
        }
    }

    pub fn stopped(&self) {
        let mut s = self.lock();
        s.running = false;
        s.next_run = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn failures_count_until_an_attempt_succeeds() {
        let cell = StatusCell::new("probe");
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
        cell.started(t);
        assert!(cell.snapshot().running);
        cell.finished(t, Outcome::Failed, Some("refused".into()));
        cell.finished(t, Outcome::Failed, Some("refused again".into()));
        let s = cell.snapshot();
        assert_eq!(
            (s.failed_in_a_row, s.last_error.as_deref()),
            (2, Some("refused again"))
        );
        cell.finished(t, Outcome::Skipped, None);
        let s = cell.snapshot();
        assert_eq!((s.failed_in_a_row, s.last_error), (0, None));
        assert_eq!(s.last_outcome, Some(Outcome::Skipped));
    }
}
