//! The demo: a catalogue of invented customers and jobs, 35 days of their report mails fed
//! through the real ingest pipeline into a separate database, and a simulated mailbox that keeps
//! delivering reports while the demo runs.
//!
//! Everything is deterministic (one seed, no clock reads): `now` and the timezone are passed in.

pub mod catalogue;
pub mod history;
mod mails;
mod mime;
mod rng;

pub use catalogue::{Catalogue, DemoCustomer, DemoJob, Featured, Pattern, Product};
pub use history::{GeneratedMail, HISTORY_DAYS, Intended, history};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsers::{ParseOutcome, parse_raw};
    use chrono::TimeZone;

    #[test]
    fn every_generated_mail_parses_as_intended() {
        let tz = chrono_tz::Europe::Amsterdam;
        let now = tz
            .with_ymd_and_hms(2026, 3, 18, 8, 30, 0)
            .unwrap()
            .with_timezone(&chrono::Utc);
        let cat = Catalogue::standard();
        let mails = history(&cat, now, tz);
        assert!(mails.len() > 1400, "{}", mails.len());
        for m in &mails {
            let outcome = parse_raw(&m.raw);
            match (&m.intended, &outcome) {
                (
                    Intended::Report {
                        software,
                        backup_type,
                        job_name,
                        status,
                        objects,
                        ..
                    },
                    ParseOutcome::Parsed { report, .. },
                ) => {
                    let parsed: Vec<(String, crate::domain::status::Status)> = report
                        .objects
                        .iter()
                        .map(|o| (o.name.clone(), o.status))
                        .collect();
                    assert_eq!(&parsed, objects, "{}", String::from_utf8_lossy(&m.raw));
                    let got = (
                        report.software.as_str(),
                        report.backup_type.as_str(),
                        report.job_name.as_str(),
                        report.status,
                    );
                    let want = (*software, *backup_type, job_name.as_str(), *status);
                    assert_eq!(got, want, "{}", String::from_utf8_lossy(&m.raw));
                }
                (Intended::Unparsed, ParseOutcome::Unparsed { .. }) => {}
                _ => panic!(
                    "{:?} parsed as {outcome:?}:\n{}",
                    m.intended,
                    String::from_utf8_lossy(&m.raw)
                ),
            }
        }
    }
}
