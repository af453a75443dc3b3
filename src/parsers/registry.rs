//! The ordered parser registry: data (name, software, types, order, informational) plus two
//! functions. The first parser whose cheap `matches` accepts a mail parses it.

use super::mail::NormalizedMail;
use super::report::{ParseError, ParseOutcome, Report};
use super::{
    acronis, backup_exec, duplicati, generic, macrium, nakivo, pbs, proxmox, qnap, syncovery,
    synology, veeam,
};

/// One parser. `matches` must be cheap (subject/sender/body cues); `parse` does the work and
/// returns an error, never panics, when the mail does not read as expected.
#[derive(Debug, Clone, Copy)]
pub struct Parser {
    pub name: &'static str,
    pub software: &'static str,
    pub backup_types: &'static [&'static str],
    /// Lower first: specific parsers before the general ones of the same vendor.
    pub order: u32,
    /// Informational runs are shown but never count for schedules, missed runs or tickets.
    pub informational: bool,
    pub matches: fn(&NormalizedMail) -> bool,
    pub parse: fn(&NormalizedMail) -> Result<Report, ParseError>,
}

/// Every parser, in ascending `order` (a unit test keeps it so).
static REGISTRY: &[Parser] = &[
    generic::PARSER,
    veeam::M365,
    veeam::AGENT,
    veeam::CONFIGURATION,
    veeam::JOB,
    synology::UPDATES,
    synology::ACTIVE_BACKUP,
    synology::HYPER_BACKUP,
    proxmox::VZDUMP,
    pbs::UPDATES,
    pbs::JOB,
    duplicati::PARSER,
    nakivo::PARSER,
    acronis::PARSER,
    syncovery::PARSER,
    qnap::PARSER,
    backup_exec::PARSER,
    macrium::PARSER,
];

/// The registry in evaluation order.
pub fn registry() -> &'static [Parser] {
    REGISTRY
}

/// Offers the mail to each parser in order; the first match parses it.
pub fn parse_mail(mail: &NormalizedMail) -> ParseOutcome {
    if mail.is_empty() {
        return ParseOutcome::Unparsed {
            reason: "not a mail: no sender, subject or body could be read".to_string(),
        };
    }
    let Some(parser) = REGISTRY.iter().find(|p| (p.matches)(mail)) else {
        return ParseOutcome::Unparsed {
            reason: "no parser recognises this mail".to_string(),
        };
    };
    match (parser.parse)(mail) {
        Ok(mut report) => {
            // The flag belongs to the parser, so the report cannot contradict it.
            report.informational = parser.informational;
            ParseOutcome::Parsed {
                parser: parser.name,
                report,
            }
        }
        Err(error) => ParseOutcome::Failed {
            parser: parser.name,
            error,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const SOFTWARE: &[&str] = &[
        "Veeam",
        "Synology",
        "Proxmox VE",
        "Proxmox Backup Server",
        "Duplicati",
        "NAKIVO",
        "Acronis",
        "Syncovery",
        "QNAP",
        "Backup Exec",
        "Macrium Reflect",
        // The generic format for scripts; the mail may name its own software.
        "Generic",
    ];

    #[test]
    fn ordered_unique_and_named_from_the_catalogue() {
        let orders: Vec<u32> = registry().iter().map(|p| p.order).collect();
        let mut sorted = orders.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(orders, sorted, "orders ascending and unique");
        let names: HashSet<_> = registry().iter().map(|p| p.name).collect();
        assert_eq!(names.len(), registry().len());
        for p in registry() {
            assert!(SOFTWARE.contains(&p.software), "{}", p.software);
            assert!(!p.backup_types.is_empty(), "{}", p.name);
        }
    }

    #[test]
    fn empty_and_unknown_mail_is_unparsed() {
        let empty = NormalizedMail::default();
        assert!(matches!(parse_mail(&empty), ParseOutcome::Unparsed { .. }));
        let other = crate::parsers::normalize(
            b"From: a@example.com\r\nSubject: Lunch on Friday?\r\n\r\nPizza or sushi?\r\n",
        );
        assert_eq!(
            parse_mail(&other),
            ParseOutcome::Unparsed {
                reason: "no parser recognises this mail".to_string()
            }
        );
    }
}
