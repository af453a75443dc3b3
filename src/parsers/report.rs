//! What a parser produces, and the outcome of running the registry over one mail.

use crate::domain::status::Status;
use serde::Serialize;

/// One parsed backup report: the job identity parts and the run's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub software: String,
    pub backup_type: String,
    pub job_name: String,
    /// The product's own overall result, else the worst object status.
    pub status: Status,
    /// Copied from the parser: informational runs never count for schedules or tickets.
    pub informational: bool,
    /// Job-level text (an error without objects, a summary line); `None` when there is none.
    pub message: Option<String>,
    pub objects: Vec<ReportObject>,
}

/// One object of a run: a VM, a computer, a device, a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportObject {
    pub name: String,
    #[serde(rename = "type")]
    pub object_type: Option<String>,
    pub status: Status,
    pub message: Option<String>,
}

/// Why a parser that recognised a mail could not read it. Kept with the mail, never a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("no job name found: {0}")]
    NoJobName(&'static str),
    #[error("no status found: {0}")]
    NoStatus(&'static str),
    #[error("unexpected layout: {0}")]
    Layout(String),
}

/// The result of offering one mail to the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseOutcome {
    Parsed {
        parser: &'static str,
        report: Report,
    },
    /// No parser recognised the mail. Not an error: the mail is kept and shown.
    Unparsed { reason: String },
    /// A parser recognised the mail but could not read it.
    Failed {
        parser: &'static str,
        error: ParseError,
    },
}

impl ParseOutcome {
    /// The flat record printed by `parse --json` (without `file`) and kept beside each fixture.
    pub fn record(&self) -> OutcomeRecord {
        match self {
            ParseOutcome::Parsed { parser, report } => OutcomeRecord {
                parser: Some((*parser).to_string()),
                software: Some(report.software.clone()),
                backup_type: Some(report.backup_type.clone()),
                job_name: Some(report.job_name.clone()),
                status: Some(report.status),
                informational: report.informational,
                message: report.message.clone(),
                objects: report.objects.clone(),
                error: None,
            },
            // The reason goes in `message` so that the documented key set stays fixed.
            ParseOutcome::Unparsed { reason } => OutcomeRecord {
                message: Some(reason.clone()),
                ..OutcomeRecord::empty()
            },
            ParseOutcome::Failed { parser, error } => OutcomeRecord {
                parser: Some((*parser).to_string()),
                error: Some(error.to_string()),
                ..OutcomeRecord::empty()
            },
        }
    }
}

/// Flat, serialisable view of a [`ParseOutcome`]: exactly the keys of `parse --json` minus `file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeRecord {
    pub parser: Option<String>,
    pub software: Option<String>,
    pub backup_type: Option<String>,
    pub job_name: Option<String>,
    pub status: Option<Status>,
    pub informational: bool,
    pub message: Option<String>,
    pub objects: Vec<ReportObject>,
    pub error: Option<String>,
}

impl OutcomeRecord {
    /// All fields empty: the shape of a mail nothing could be said about.
    pub fn empty() -> OutcomeRecord {
        OutcomeRecord {
            parser: None,
            software: None,
            backup_type: None,
            job_name: None,
            status: None,
            informational: false,
            message: None,
            objects: Vec::new(),
            error: None,
        }
    }
}
