//! Report status as the backup product states it, normalised to four words.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The status a parser derives from a report: the product's own overall result, else the worst
/// object status. Ordered from best to worst so `max()` gives the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Status {
    Success,
    Unknown,
    Warning,
    Failed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Success,
        Status::Warning,
        Status::Failed,
        Status::Unknown,
    ];

    /// The word stored in the database and printed in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "Success",
            Status::Warning => "Warning",
            Status::Failed => "Failed",
            Status::Unknown => "Unknown",
        }
    }

    /// Parses the stored word (exact, as written by [`Status::as_str`]).
    pub fn from_db(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_is_max() {
        let worst = [Status::Success, Status::Failed, Status::Warning]
            .into_iter()
            .max();
        assert_eq!(worst, Some(Status::Failed));
        assert!(Status::Warning > Status::Unknown);
    }

    #[test]
    fn db_words_round_trip() {
        for st in Status::ALL {
            assert_eq!(Status::from_db(st.as_str()), Some(st));
        }
        assert_eq!(Status::from_db("success"), None);
    }
}
