//! Pure parsers: raw MIME bytes → normalised mail → report (software, backup type, job name,
//! status, objects). No I/O and no clock reads; an ordered registry picks the first match.
//!
//! The ingest pipeline calls [`normalize`] on the stored bytes, then [`parse_mail`].

pub mod html;
mod html_entities;
mod html_tokens;
pub mod mail;
pub mod objects;
pub mod registry;
pub mod report;
pub mod rules;
pub mod rules_document;
pub mod status_words;
pub mod text;

mod acronis;
mod backup_exec;
mod bacula;
mod borgmatic;
mod cue_words;
mod duplicati;
mod generic;
mod macrium;
mod nakivo;
mod pbs;
mod proxmox;
mod qnap;
mod restic;
mod syncovery;
mod synology;
mod veeam;

pub use mail::{NormalizedMail, normalize};
pub use registry::{Cue, Explanation, Parser, Step, explain, parse_mail, registry};
pub use report::{OutcomeRecord, ParseError, ParseOutcome, Report, ReportObject};

/// Normalises and parses raw MIME bytes in one call.
pub fn parse_raw(raw: &[u8]) -> ParseOutcome {
    parse_mail(&normalize(raw))
}
