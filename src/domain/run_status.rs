//! The status of a run as operators see it: the parsed status, turned into "Success (override)" by an
//! override rule, or "Missed" for a synthetic run of a slot that had no report.

use crate::domain::status::Status;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Effective status of a run. Ordered from least to most urgent, so `max()` is the worst and a
/// descending sort gives the Run Checks order: Failed, Missed, Warning, Unknown,
/// Success (override), Success, Expected.
///
/// Unknown sits just below Warning: the report arrived but its outcome could not be read, so it needs
/// a human look like a warning does, yet nothing says the backup failed, and a missed report (no
/// evidence at all) is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RunStatus {
    /// A slot that is not due yet (Daily Jobs only; never stored on a run).
    Expected,
    Success,
    /// The parsed status was not Success, but override rules cover every problem in the run.
    SuccessOverride,
    Unknown,
    Warning,
    /// Synthetic run for an expected slot without a report.
    Missed,
    Failed,
}

impl RunStatus {
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Failed,
        RunStatus::Missed,
        RunStatus::Warning,
        RunStatus::Unknown,
        RunStatus::SuccessOverride,
        RunStatus::Success,
        RunStatus::Expected,
    ];

    /// The run status shown for a report with this parsed status.
    pub fn from_parsed(status: Status, overridden: bool) -> RunStatus {
        match status {
            Status::Success => RunStatus::Success,
            _ if overridden => RunStatus::SuccessOverride,
            Status::Unknown => RunStatus::Unknown,
            Status::Warning => RunStatus::Warning,
            Status::Failed => RunStatus::Failed,
        }
    }

    /// The word stored in the database, printed in JSON and shown on the badge.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Expected => "Expected",
            RunStatus::Success => "Success",
            RunStatus::SuccessOverride => "Success (override)",
            RunStatus::Unknown => "Unknown",
            RunStatus::Warning => "Warning",
            RunStatus::Missed => "Missed",
            RunStatus::Failed => "Failed",
        }
    }

    /// Parses the stored word (exact, as written by [`RunStatus::as_str`]).
    pub fn from_db(s: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Rank for "worst first" ordering: 0 is the most urgent. Stable numbers for SQL `ORDER BY`.
    pub fn severity_rank(self) -> u8 {
        match self {
            RunStatus::Failed => 0,
            RunStatus::Missed => 1,
            RunStatus::Warning => 2,
            RunStatus::Unknown => 3,
            RunStatus::SuccessOverride => 4,
            RunStatus::Success => 5,
            RunStatus::Expected => 6,
        }
    }

    /// Whether the operator sees this as a good outcome (green or blue badge).
    pub fn is_success(self) -> bool {
        matches!(self, RunStatus::Success | RunStatus::SuccessOverride)
    }
}

impl From<Status> for RunStatus {
    fn from(status: Status) -> RunStatus {
        RunStatus::from_parsed(status, false)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_first_order_matches_run_checks() {
        let mut all = RunStatus::ALL.to_vec();
        all.reverse();
        all.sort_by(|a, b| b.cmp(a));
        assert_eq!(all, RunStatus::ALL.to_vec());
        let ranks: Vec<u8> = RunStatus::ALL.iter().map(|s| s.severity_rank()).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn max_is_worst() {
        let worst = [RunStatus::Success, RunStatus::Missed, RunStatus::Warning]
            .into_iter()
            .max();
        assert_eq!(worst, Some(RunStatus::Missed));
        assert!(RunStatus::Failed > RunStatus::Missed);
        assert!(RunStatus::Unknown > RunStatus::SuccessOverride);
        assert!(RunStatus::Warning > RunStatus::Unknown);
    }

    #[test]
    fn db_words_round_trip() {
        for st in RunStatus::ALL {
            assert_eq!(RunStatus::from_db(st.as_str()), Some(st));
        }
        assert_eq!(RunStatus::SuccessOverride.as_str(), "Success (override)");
        assert_eq!(RunStatus::from_db("missed"), None);
        assert_eq!(RunStatus::from_db(""), None);
    }

    #[test]
    fn from_parsed_applies_override_only_to_problems() {
        assert_eq!(
            RunStatus::from_parsed(Status::Success, true),
            RunStatus::Success
        );
        assert_eq!(
            RunStatus::from_parsed(Status::Failed, true),
            RunStatus::SuccessOverride
        );
        assert_eq!(
            RunStatus::from_parsed(Status::Unknown, true),
            RunStatus::SuccessOverride
        );
        assert_eq!(
            RunStatus::from_parsed(Status::Warning, false),
            RunStatus::Warning
        );
        assert_eq!(RunStatus::from(Status::Unknown), RunStatus::Unknown);
        assert!(RunStatus::SuccessOverride.is_success());
        assert!(!RunStatus::Missed.is_success());
    }
}
