//! The ordered parser registry: data (name, software, types, order, informational) plus two
//! functions. The first parser whose cheap `matches` accepts a mail parses it.

use super::mail::NormalizedMail;
use super::report::{ParseError, ParseOutcome, Report};
use super::{
    acronis, backup_exec, bacula, borgmatic, duplicati, generic, macrium, nakivo, pbs, proxmox,
    qnap, restic, syncovery, synology, veeam,
};

/// A parser's cheap check: `Ok` when the mail carries the parser's cues, else the first cue it
/// lacks, in a few words (`parse --explain` prints it). A static string keeps the normal path
/// free of allocation.
pub type Cue = Result<(), &'static str>;

/// `Ok` when `ok`, else the reason.
pub fn cue(ok: bool, miss: &'static str) -> Cue {
    if ok { Ok(()) } else { Err(miss) }
}

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
    pub matches: fn(&NormalizedMail) -> Cue,
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
    synology::ACCOUNT_PROTECTION,
    synology::FIRMWARE,
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
    bacula::BACULA,
    bacula::BAREOS,
    restic::PARSER,
    borgmatic::PARSER,
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
    // A report forwarded as an attachment is read from the attached original: the forward's own
    // subject ("FW: [Failed] ...") may match too, but only the original has the objects.
    if let Some(inner) = recognised_attachment(mail) {
        return parse_mail(inner);
    }
    let Some(parser) = REGISTRY.iter().find(|p| (p.matches)(mail).is_ok()) else {
        return ParseOutcome::Unparsed {
            reason: "no parser recognises this mail".to_string(),
        };
    };
    run(parser, mail)
}

/// The attached mail, when some parser recognises it or a mail attached to it in turn (a
/// forward of a forward).
fn recognised_attachment(mail: &NormalizedMail) -> Option<&NormalizedMail> {
    let inner = mail.attached.as_deref()?;
    (REGISTRY.iter().any(|p| (p.matches)(inner).is_ok()) || recognised_attachment(inner).is_some())
        .then_some(inner)
}

fn run(parser: &Parser, mail: &NormalizedMail) -> ParseOutcome {
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

/// What one parser made of a mail, for `parse --explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub parser: &'static str,
    pub order: u32,
    /// `Ok` when its cues are present; else why not.
    pub cue: Cue,
    /// The parser that parsed the mail: the first whose cues are present.
    pub chosen: bool,
}

/// Every parser's verdict on a mail in evaluation order, and the outcome [`parse_mail`] gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub steps: Vec<Step>,
    /// The explanation of the mail attached to this one (a forward as attachment), which is
    /// parsed instead when a parser recognises it.
    pub attached: Option<Box<Explanation>>,
    pub outcome: ParseOutcome,
}

/// Offers the mail to every parser (not only up to the first match, so that a parser shadowed
/// by an earlier one shows) and says what each made of it. Slower than [`parse_mail`]; for
/// support, not for import.
pub fn explain(mail: &NormalizedMail) -> Explanation {
    let mut chosen_seen = recognised_attachment(mail).is_some();
    let steps: Vec<Step> = REGISTRY
        .iter()
        .map(|p| {
            let cue = (p.matches)(mail);
            let chosen = cue.is_ok() && !chosen_seen;
            chosen_seen |= chosen;
            Step {
                parser: p.name,
                order: p.order,
                cue,
                chosen,
            }
        })
        .collect();
    let attached = mail
        .attached
        .as_deref()
        .map(|inner| Box::new(explain(inner)));
    Explanation {
        steps,
        attached,
        outcome: parse_mail(mail),
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
        "Bacula",
        "Bareos",
        "restic",
        "borgmatic",
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
    fn explain_gives_every_parser_a_verdict() {
        let mail = crate::parsers::normalize(
            b"From: a@example.com\r\nSubject: vzdump backup status (pve1.example.com): backup successful\r\n\r\n\
VMID  NAME  STATUS  TIME  SIZE  FILENAME\r\n100  dc01  ok  00:01:00  1.00GB  /x.vma.zst\r\n",
        );
        let e = explain(&mail);
        assert_eq!(e.steps.len(), registry().len());
        assert_eq!(e.attached, None);
        let chosen: Vec<_> = e.steps.iter().filter(|s| s.chosen).collect();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].parser, "proxmox_vzdump");
        assert_eq!(e.outcome, parse_mail(&mail));
        let generic = e.steps.iter().find(|s| s.parser == "generic");
        assert_eq!(
            generic.map(|s| s.cue),
            Some(Err("subject does not start with [backupchecks]"))
        );
        // Every declining parser says why in a few words.
        for s in e.steps.iter().filter(|s| !s.chosen) {
            assert!(
                s.cue.is_err_and(|why| !why.is_empty() && why.len() < 120),
                "{s:?}"
            );
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
