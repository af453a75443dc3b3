//! The text of a PSA ticket made from a run: "a signal, not a log file". An overall remark on the
//! run leads; without one the first [`MAX_OBJECT_ERRORS`] object problems are listed and the rest
//! counted. Job, customer, run time (in the configured timezone) and status always follow.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Object problems listed in a description; the rest are counted.
pub const MAX_OBJECT_ERRORS: usize = 10;
/// Autotask's limits for ticket title and description (characters).
pub const MAX_TITLE: usize = 255;
pub const MAX_DESCRIPTION: usize = 8000;
/// Longest object message quoted in a description line.
const MAX_OBJECT_MESSAGE: usize = 300;
/// Object problems named per run in the list of covered runs; the rest are counted.
const MAX_OBJECTS_PER_RUN: usize = 5;

/// One object of the run as parsed (and possibly overridden).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFact {
    pub name: String,
    /// Parsed status word: Success, Warning, Failed or Unknown.
    pub status: String,
    pub message: Option<String>,
    /// An override rule treats this object's problem as success.
    pub override_applied: bool,
}

impl ObjectFact {
    /// A problem worth a line in the ticket: not a success and not covered by an override.
    fn is_problem(&self) -> bool {
        !self.override_applied && self.status != "Success"
    }
}

/// What the ticket text is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFacts {
    pub customer: String,
    pub job_name: String,
    pub backup_software: String,
    pub backup_type: String,
    pub run_at: DateTime<Utc>,
    /// Effective status as shown to operators (Failed, Missed, Warning, ...).
    pub status: String,
    /// The run's overall remark, if an operator wrote one.
    pub remark: Option<String>,
    /// The report's own overall message (e.g. "Job finished with errors").
    pub message: Option<String>,
    pub objects: Vec<ObjectFact>,
    pub timezone: Tz,
}

impl RunFacts {
    fn local_time(&self) -> String {
        self.run_at
            .with_timezone(&self.timezone)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    fn remark(&self) -> Option<&str> {
        self.remark
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }
}

/// `Backup Failed: Daily VMs (Acme) 2025-03-02`, cut to Autotask's title limit.
pub fn title(f: &RunFacts) -> String {
    let day = f.run_at.with_timezone(&f.timezone).format("%Y-%m-%d");
    let t = format!(
        "Backup {}: {} ({}) {day}",
        f.status,
        one_line(&f.job_name),
        one_line(&f.customer)
    );
    truncate(&t, MAX_TITLE)
}

/// The ticket description: remark or object problems first, then the facts of the run.
pub fn description(f: &RunFacts) -> String {
    let mut out = String::new();
    let problems: Vec<&ObjectFact> = f.objects.iter().filter(|o| o.is_problem()).collect();
    if let Some(remark) = f.remark() {
        out.push_str(remark);
        out.push_str("\n\n");
        if !problems.is_empty() {
            out.push_str(&format!(
                "{} object(s) reported problems; the details are in Backupchecks.\n\n",
                problems.len()
            ));
        }
    } else if !problems.is_empty() {
        out.push_str("Objects with problems:\n");
        for o in problems.iter().take(MAX_OBJECT_ERRORS) {
            out.push_str(&format!("- {} ({})", one_line(&o.name), o.status));
            if let Some(m) = o.message.as_deref().map(one_line).filter(|m| !m.is_empty()) {
                out.push_str(": ");
                out.push_str(&truncate(&m, MAX_OBJECT_MESSAGE));
            }
            out.push('\n');
        }
        if problems.len() > MAX_OBJECT_ERRORS {
            out.push_str(&format!(
                "... and {} more.\n",
                problems.len() - MAX_OBJECT_ERRORS
            ));
        }
        out.push('\n');
    } else if let Some(m) = f
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        out.push_str(m);
        out.push_str("\n\n");
    }
    out.push_str(&format!("Customer: {}\n", one_line(&f.customer)));
    out.push_str(&format!(
        "Job: {} ({} {})\n",
        one_line(&f.job_name),
        f.backup_software,
        f.backup_type
    ));
    out.push_str(&format!("Run: {}\n", f.local_time()));
    out.push_str(&format!("Status: {}\n", f.status));
    truncate(out.trim_end(), MAX_DESCRIPTION)
}

/// The description of a ticket that goes on several runs of the job: the one it is made from
/// as [`description`] has it, then every run it covers (oldest first) with its status and the
/// objects that had problems, so the ticket tells the whole story and not only one night.
pub fn description_for_runs(f: &RunFacts, covered: &[RunFacts]) -> String {
    if covered.len() <= 1 {
        return description(f);
    }
    let mut out = description(f);
    out.push_str(&format!("\n\nThis ticket covers {} runs:\n", covered.len()));
    for run in covered {
        out.push_str(&format!("- {} {}", run.local_time(), run.status));
        let problems: Vec<&ObjectFact> = run.objects.iter().filter(|o| o.is_problem()).collect();
        let named: Vec<String> = problems
            .iter()
            .take(MAX_OBJECTS_PER_RUN)
            .map(
                |o| match o.message.as_deref().map(one_line).filter(|m| !m.is_empty()) {
                    Some(m) => {
                        format!("{} ({}: {})", one_line(&o.name), o.status, truncate(&m, 80))
                    }
                    None => format!("{} ({})", one_line(&o.name), o.status),
                },
            )
            .collect();
        if !named.is_empty() {
            out.push_str(": ");
            out.push_str(&named.join("; "));
        }
        if problems.len() > MAX_OBJECTS_PER_RUN {
            out.push_str(&format!(
                " and {} more",
                problems.len() - MAX_OBJECTS_PER_RUN
            ));
        }
        out.push('\n');
    }
    truncate(out.trim_end(), MAX_DESCRIPTION)
}

/// The line that ties an Autotask ticket to a job, so a create whose answer was lost (timeout,
/// crash) is found again instead of repeated. Appended after the operator's text.
pub fn reference_line(job_id: i64) -> String {
    format!("Backupchecks reference: job {job_id}")
}

/// True when `description` carries the reference of `job_id` (and not of, say, job 420).
pub fn has_reference(description: &str, job_id: i64) -> bool {
    let line = reference_line(job_id);
    description.lines().any(|l| l.trim() == line)
}

/// The description to send: the operator's text, then the reference line, within the limit.
pub fn with_reference(description: &str, job_id: i64) -> String {
    let reference = reference_line(job_id);
    let room = MAX_DESCRIPTION.saturating_sub(reference.chars().count() + 2);
    let body = truncate(description.trim_end(), room);
    if body.is_empty() {
        reference
    } else {
        format!("{body}\n\n{reference}")
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts to `max` characters, marking the cut with an ellipsis.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn obj(name: &str, status: &str, message: Option<&str>) -> ObjectFact {
        ObjectFact {
            name: name.into(),
            status: status.into(),
            message: message.map(str::to_string),
            override_applied: false,
        }
    }

    fn facts() -> RunFacts {
        RunFacts {
            customer: "Acme".into(),
            job_name: "Daily VMs".into(),
            backup_software: "Veeam".into(),
            backup_type: "Backup Job".into(),
            run_at: Utc.with_ymd_and_hms(2025, 3, 2, 23, 30, 0).unwrap(),
            status: "Failed".into(),
            remark: None,
            message: Some("Job finished with errors".into()),
            objects: vec![],
            timezone: chrono_tz::Europe::Amsterdam,
        }
    }

    #[test]
    fn a_ticket_over_several_runs_describes_each_of_them() {
        let mut first = facts();
        first.run_at = Utc.with_ymd_and_hms(2025, 3, 1, 5, 0, 0).unwrap();
        first.objects = vec![obj("vm-sql", "Failed", Some("snapshot timeout"))];
        let mut second = facts();
        second.run_at = Utc.with_ymd_and_hms(2025, 3, 2, 5, 0, 0).unwrap();
        second.status = "Missed".into();
        let mut third = facts();
        third.objects = vec![
            obj("vm-web", "Warning", Some("retry")),
            obj("vm-ok", "Success", None),
        ];
        let text = description_for_runs(&third, &[first, second, third.clone()]);
        assert!(text.contains("This ticket covers 3 runs:"), "{text}");
        assert!(
            text.contains("- 2025-03-01 06:00 CET Failed: vm-sql (Failed: snapshot timeout)"),
            "{text}"
        );
        assert!(text.contains("- 2025-03-02 06:00 CET Missed\n"), "{text}");
        assert!(text.contains("vm-web (Warning: retry)"), "{text}");
        assert!(!text.contains("vm-ok"), "{text}");
        assert_eq!(
            description_for_runs(&third, &[third.clone()]),
            description(&third)
        );
    }

    #[test]
    fn title_uses_the_local_day_and_status() {
        // 23:30 UTC is already the next day in Amsterdam.
        assert_eq!(
            title(&facts()),
            "Backup Failed: Daily VMs (Acme) 2025-03-03"
        );
    }

    #[test]
    fn title_is_cut_to_the_autotask_limit() {
        let mut f = facts();
        f.job_name = "x".repeat(400);
        let t = title(&f);
        assert_eq!(t.chars().count(), MAX_TITLE);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn first_ten_object_problems_and_a_count_of_the_rest() {
        let mut f = facts();
        f.objects.push(obj("ok-vm", "Success", None));
        let mut covered = obj("known", "Warning", Some("known issue"));
        covered.override_applied = true;
        f.objects.push(covered);
        for i in 1..=13 {
            f.objects
                .push(obj(&format!("vm{i}"), "Failed", Some("disk\n full")));
        }
        let d = description(&f);
        assert!(d.starts_with("Objects with problems:\n- vm1 (Failed): disk full\n"));
        assert!(d.contains("- vm10 (Failed)"));
        assert!(!d.contains("vm11"));
        assert!(d.contains("... and 3 more."));
        assert!(!d.contains("ok-vm") && !d.contains("known"));
        assert!(d.contains("Customer: Acme\nJob: Daily VMs (Veeam Backup Job)\n"));
        assert!(d.contains("Run: 2025-03-03 00:30 CET\nStatus: Failed"));
    }

    #[test]
    fn an_overall_remark_leads_and_objects_are_only_counted() {
        let mut f = facts();
        f.remark = Some("  Repository full since Friday.  ".into());
        f.objects = vec![obj("vm1", "Failed", Some("x")), obj("vm2", "Warning", None)];
        let d = description(&f);
        assert!(d.starts_with("Repository full since Friday.\n\n2 object(s) reported problems"));
        assert!(!d.contains("vm1"));
        assert!(d.ends_with("Status: Failed"));
    }

    #[test]
    fn without_objects_the_report_message_leads() {
        let d = description(&facts());
        assert!(d.starts_with("Job finished with errors\n\nCustomer: Acme"));
        let mut missed = facts();
        missed.status = "Missed".into();
        missed.message = None;
        assert!(description(&missed).starts_with("Customer: Acme"));
    }

    #[test]
    fn reference_line_is_found_only_for_its_job() {
        let d = with_reference("Something broke.", 42);
        assert_eq!(d, "Something broke.\n\nBackupchecks reference: job 42");
        assert!(has_reference(&d, 42));
        assert!(!has_reference(&d, 4));
        assert!(!has_reference("Backupchecks reference: job 420", 42));
        let long = with_reference(&"y".repeat(9000), 7);
        assert_eq!(long.chars().count(), MAX_DESCRIPTION);
        assert!(has_reference(&long, 7));
    }
}
