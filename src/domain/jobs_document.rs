//! The portable job list: every job with its customer, as a versioned JSON document that
//! `jobs export` writes and `jobs import` reads (also written by scripts):
//!
//! ```json
//! {"format": "backupchecks-jobs", "version": 1, "jobs": [
//!   {"customer": "Acme", "sender": "backup@acme.example", "software": "Veeam",
//!    "backup_type": "Backup Job", "job_name": "Daily VMs", "archived": false,
//!    "pinned_schedule": {"schedule": {"kind": "daily", "time": "22:00:00"}, "grace_minutes": 60},
//!    "autotask_company_id": 174}]}
//! ```
//!
//! `archived`, `pinned_schedule` and `autotask_company_id` may be left out (not set); more keys
//! are ignored. Each row is read on its own, so one bad row is reported and the others still count.

use crate::domain::schedule::PinnedSchedule;
use serde::{Deserialize, Serialize};

/// The `format` of the document.
pub const FORMAT: &str = "backupchecks-jobs";
/// The `version` this program writes and reads.
pub const VERSION: u32 = 1;

/// One job of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobEntry {
    pub customer: String,
    pub sender: String,
    pub software: String,
    pub backup_type: String,
    pub job_name: String,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub pinned_schedule: Option<PinnedSchedule>,
    #[serde(default)]
    pub autotask_company_id: Option<i64>,
}

/// The whole document as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobsDocument {
    pub format: &'static str,
    pub version: u32,
    pub jobs: Vec<JobEntry>,
}

impl JobsDocument {
    pub fn new(jobs: Vec<JobEntry>) -> JobsDocument {
        JobsDocument {
            format: FORMAT,
            version: VERSION,
            jobs,
        }
    }
}

/// The document of `jobs`, pretty-printed, ending in a newline.
pub fn write(jobs: Vec<JobEntry>) -> String {
    // Serialising plain strings, numbers and schedules cannot fail; an empty list is the fallback.
    let mut text = serde_json::to_string_pretty(&JobsDocument::new(jobs)).unwrap_or_else(|_| {
        format!("{{\"format\": \"{FORMAT}\", \"version\": {VERSION}, \"jobs\": []}}")
    });
    text.push('\n');
    text
}

/// Why a document cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a job list: expected \"format\": \"{FORMAT}\"")]
    WrongFormat,
    #[error("version {0} is not supported (this program reads version {VERSION})")]
    WrongVersion(u64),
    #[error("\"jobs\" must be a list")]
    NoJobs,
}

/// Reads a document: the rows in order, each an entry or the reason it is invalid.
pub fn read(text: &str) -> Result<Vec<Result<JobEntry, String>>, DocumentError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DocumentError::NotJson(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(DocumentError::WrongFormat);
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => return Err(DocumentError::WrongVersion(v)),
        None => return Err(DocumentError::WrongVersion(0)),
    }
    let rows = value
        .get("jobs")
        .and_then(|j| j.as_array())
        .ok_or(DocumentError::NoJobs)?;
    Ok(rows.iter().map(entry).collect())
}

fn entry(row: &serde_json::Value) -> Result<JobEntry, String> {
    let e: JobEntry = serde_json::from_value(row.clone()).map_err(|e| e.to_string())?;
    let blank = |what: &str, v: &str| {
        if v.trim().is_empty() {
            Err(format!("{what} is empty"))
        } else {
            Ok(())
        }
    };
    blank("customer", &e.customer)?;
    blank("software", &e.software)?;
    blank("backup_type", &e.backup_type)?;
    blank("job_name", &e.job_name)?;
    let sender = e.sender.trim();
    let valid_sender = sender
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !sender.contains(char::is_whitespace);
    if !valid_sender {
        return Err(format!("sender {:?} is not a mail address", e.sender));
    }
    if let Some(p) = &e.pinned_schedule
        && p.schedule.time().is_none()
    {
        return Err("pinned_schedule must name days and a time (not irregular)".into());
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_shape_and_reports_bad_rows_on_their_own() {
        let text = r#"{"format": "backupchecks-jobs", "version": 1, "jobs": [
            {"customer": "Acme", "sender": "backup@acme.example", "software": "Veeam",
             "backup_type": "Backup Job", "job_name": "Daily VMs", "archived": false,
             "pinned_schedule": {"schedule": {"kind": "weekly", "days": ["Mon", "Fri"],
                                              "time": "22:00:00"}, "grace_minutes": 60},
             "autotask_company_id": 174, "note": "more keys are fine"},
            {"customer": "Acme", "sender": "backup@acme.example", "software": "Veeam",
             "backup_type": "Backup Job", "job_name": "Minimal"},
            {"customer": "", "sender": "backup@acme.example", "software": "Veeam",
             "backup_type": "Backup Job", "job_name": "No customer"},
            {"customer": "Acme", "sender": "nobody", "software": "Veeam",
             "backup_type": "Backup Job", "job_name": "Bad sender"},
            {"customer": "Acme", "sender": "backup@acme.example", "software": "Veeam"}
        ]}"#;
        let rows = read(text).unwrap();
        assert_eq!(rows.len(), 5);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.autotask_company_id, Some(174));
        assert_eq!(
            first.pinned_schedule.as_ref().unwrap().schedule.to_string(),
            "Weekly: Mon, Fri"
        );
        let minimal = rows[1].as_ref().unwrap();
        assert!(!minimal.archived);
        assert_eq!(minimal.pinned_schedule, None);
        assert_eq!(rows[2], Err("customer is empty".into()));
        assert!(rows[3].as_ref().unwrap_err().contains("not a mail address"));
        assert!(rows[4].as_ref().unwrap_err().contains("backup_type"));
    }

    #[test]
    fn the_document_itself_must_be_a_version_one_job_list() {
        assert!(matches!(read("{"), Err(DocumentError::NotJson(_))));
        assert_eq!(
            read(r#"{"format": "other", "version": 1, "jobs": []}"#),
            Err(DocumentError::WrongFormat)
        );
        assert_eq!(
            read(r#"{"format": "backupchecks-jobs", "version": 2, "jobs": []}"#),
            Err(DocumentError::WrongVersion(2))
        );
        assert_eq!(
            read(r#"{"format": "backupchecks-jobs", "version": 1}"#),
            Err(DocumentError::NoJobs)
        );
    }

    #[test]
    fn what_is_written_reads_back() {
        let entry = JobEntry {
            customer: "Acme".into(),
            sender: "backup@acme.example".into(),
            software: "Veeam".into(),
            backup_type: "Backup Job".into(),
            job_name: "Daily".into(),
            archived: true,
            pinned_schedule: None,
            autotask_company_id: None,
        };
        let text = serde_json::to_string(&JobsDocument::new(vec![entry.clone()])).unwrap();
        assert!(text.starts_with(r#"{"format":"backupchecks-jobs","version":1,"jobs":[{"#));
        assert_eq!(read(&text).unwrap(), vec![Ok(entry)]);
    }
}
