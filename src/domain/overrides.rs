//! Override rules: which problems in a report an operator has declared acceptable, and the effective
//! status of a run once those rules are applied.
//!
//! Evaluation, per problem (a non-success object, or the run itself when no object has a problem):
//! the rules are tried level by level — object rules, then job rules, then global rules — and the
//! first level with a matching rule decides. Within that level a rule with "treat as success" off
//! wins over one with it on, so an explicit exception is never silently beaten by a broader rule at
//! the same level, whatever order the rules come in. A run is "Success (override)" when every problem
//! is covered.

use crate::domain::run_status::RunStatus;
use crate::domain::status::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which runs a rule is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum OverrideLevel {
    /// Every job of this backup software and type, across customers.
    Global {
        software: String,
        backup_type: String,
    },
    /// One job.
    Job { job_id: i64 },
    /// One object (VM, share, mailbox, ...) within one job.
    Object { job_id: i64, object_name: String },
}

impl OverrideLevel {
    /// The word stored in the database.
    pub fn as_str(&self) -> &'static str {
        match self {
            OverrideLevel::Global { .. } => "global",
            OverrideLevel::Job { .. } => "job",
            OverrideLevel::Object { .. } => "object",
        }
    }

    /// Whether runs of this job fall under the rule's level (object names aside).
    pub fn covers_job(&self, job: &JobKey<'_>) -> bool {
        match self {
            OverrideLevel::Global {
                software,
                backup_type,
            } => same_name(software, job.software) && same_name(backup_type, job.backup_type),
            OverrideLevel::Job { job_id } | OverrideLevel::Object { job_id, .. } => {
                *job_id == job.job_id
            }
        }
    }

    /// Evaluation order: object rules first, global rules last.
    fn precedence(&self) -> u8 {
        match self {
            OverrideLevel::Object { .. } => 0,
            OverrideLevel::Job { .. } => 1,
            OverrideLevel::Global { .. } => 2,
        }
    }
}

/// How a rule's text is compared with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// The message contains the text, ignoring case.
    #[default]
    Contains,
    /// The message equals the text (surrounding whitespace ignored).
    Exact,
    /// The message starts with the text (leading whitespace of the message ignored).
    StartsWith,
    /// The message ends with the text (trailing whitespace of the message ignored).
    EndsWith,
}

impl MatchMode {
    pub const ALL: [MatchMode; 4] = [
        MatchMode::Contains,
        MatchMode::Exact,
        MatchMode::StartsWith,
        MatchMode::EndsWith,
    ];

    /// The word stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMode::Contains => "contains",
            MatchMode::Exact => "exact",
            MatchMode::StartsWith => "starts_with",
            MatchMode::EndsWith => "ends_with",
        }
    }

    /// Parses the stored word (exact, as written by [`MatchMode::as_str`]).
    pub fn from_db(s: &str) -> Option<MatchMode> {
        MatchMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether `message` matches `text`. Blank text matches any message, also a missing one; a
    /// missing message is otherwise treated as empty.
    pub fn matches(self, text: &str, message: Option<&str>) -> bool {
        let text = text.trim();
        if text.is_empty() {
            return true;
        }
        let message = message.unwrap_or("");
        match self {
            MatchMode::Contains => message.to_lowercase().contains(&text.to_lowercase()),
            MatchMode::Exact => message.trim() == text,
            MatchMode::StartsWith => message.trim_start().starts_with(text),
            MatchMode::EndsWith => message.trim_end().ends_with(text),
        }
    }
}

/// One override rule as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideRule {
    pub id: i64,
    pub level: OverrideLevel,
    /// Only problems with this parsed status; `None` means any non-success status.
    pub match_status: Option<Status>,
    /// Text compared with the message; blank matches any message.
    pub match_text: String,
    pub match_mode: MatchMode,
    /// First instant the rule applies to (inclusive), compared with the run time.
    pub valid_from: Option<DateTime<Utc>>,
    /// Instant from which the rule no longer applies (exclusive).
    pub valid_until: Option<DateTime<Utc>>,
    /// Off: the rule is an exception that keeps matching problems visible.
    pub treat_as_success: bool,
    pub active: bool,
}

impl OverrideRule {
    /// Whether the rule applies at `run_time` (validity window only).
    pub fn valid_at(&self, run_time: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|from| run_time >= from)
            && self.valid_until.is_none_or(|until| run_time < until)
    }

    /// Whether a change of this rule could change the outcome of `run`: its level covers the run's
    /// job and its window contains the run time. Activity, status and message are deliberately not
    /// checked, so that deactivating or narrowing a rule also re-evaluates the runs it used to cover;
    /// call it with the rule before and after a change and re-evaluate runs that either touches.
    pub fn could_touch(&self, run: &RunFacts<'_>) -> bool {
        self.level.covers_job(&run.job) && self.valid_at(run.run_time)
    }

    /// Whether the rule matches a problem with this status and message in `run`, `object` naming
    /// the object (`None` for the run itself, which object rules never match).
    fn matches(
        &self,
        run: &RunFacts<'_>,
        object: Option<&str>,
        status: Status,
        message: Option<&str>,
    ) -> bool {
        let level_ok = match (&self.level, object) {
            (OverrideLevel::Object { object_name, .. }, Some(name)) => {
                same_name(object_name, name) && self.level.covers_job(&run.job)
            }
            (OverrideLevel::Object { .. }, None) => false,
            (level, _) => level.covers_job(&run.job),
        };
        self.active
            && level_ok
            && self.valid_at(run.run_time)
            && self.match_status.is_none_or(|s| s == status)
            && self.match_mode.matches(&self.match_text, message)
    }
}

/// The identity fields of a job that rule levels refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobKey<'a> {
    pub job_id: i64,
    pub software: &'a str,
    pub backup_type: &'a str,
}

/// One object of a run, as parsed from the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectFacts<'a> {
    pub name: &'a str,
    pub status: Status,
    pub message: Option<&'a str>,
}

/// What override evaluation needs to know about a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFacts<'a> {
    pub job: JobKey<'a>,
    pub run_time: DateTime<Utc>,
    /// The parsed status of the run.
    pub status: Status,
    /// The run-level message (the product's overall remark), if any.
    pub message: Option<&'a str>,
    pub objects: Vec<ObjectFacts<'a>>,
}

/// The outcome of override evaluation for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideOutcome {
    /// Per object, in input order: whether a rule covers it. Success objects are never flagged.
    pub objects: Vec<bool>,
    /// Whether every problem of the run is covered (false for a run without problems).
    pub overridden: bool,
    /// The status to show and store as effective status.
    pub effective: RunStatus,
}

/// Applies `rules` to `run`.
///
/// The problems are the non-success objects; when no object has a problem but the run's parsed
/// status is not Success (a job-level error, or a report without objects), the run itself is the
/// problem, matched against job and global rules with the run's status and message. A partly covered
/// run keeps its parsed status while the covered objects keep their flags.
pub fn evaluate(run: &RunFacts<'_>, rules: &[OverrideRule]) -> OverrideOutcome {
    let objects: Vec<bool> = run
        .objects
        .iter()
        .map(|o| {
            o.status != Status::Success && covered(run, rules, Some(o.name), o.status, o.message)
        })
        .collect();
    let object_problems = run
        .objects
        .iter()
        .filter(|o| o.status != Status::Success)
        .count();
    let overridden = if run.status == Status::Success {
        false
    } else if object_problems > 0 {
        run.objects
            .iter()
            .zip(&objects)
            .all(|(o, &flag)| o.status == Status::Success || flag)
    } else {
        covered(run, rules, None, run.status, run.message)
    };
    OverrideOutcome {
        objects,
        overridden,
        effective: RunStatus::from_parsed(run.status, overridden),
    }
}

/// Whether the first level with a matching rule treats the problem as success.
fn covered(
    run: &RunFacts<'_>,
    rules: &[OverrideRule],
    object: Option<&str>,
    status: Status,
    message: Option<&str>,
) -> bool {
    let matching = || {
        rules
            .iter()
            .filter(move |r| r.matches(run, object, status, message))
    };
    let Some(level) = matching().map(|r| r.level.precedence()).min() else {
        return false;
    };
    matching()
        .filter(|r| r.level.precedence() == level)
        .all(|r| r.treat_as_success)
}

/// A new rule pre-filled from a run, for the operator to review before saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideDraft {
    pub level: OverrideLevel,
    pub match_status: Option<Status>,
    pub match_text: String,
    pub match_mode: MatchMode,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub treat_as_success: bool,
}

/// The "treat as success" quick path: a job-level rule for the run's parsed status, in Contains
/// mode, whose text is the first non-blank line of a message: that of the worst non-success object
/// that has one (the first among equals), else the run's own. One line, because the rest of a
/// message often carries counters and times that differ in the next report.
pub fn draft_from_run(run: &RunFacts<'_>) -> OverrideDraft {
    let worst_object = run
        .objects
        .iter()
        .filter(|o| o.status != Status::Success)
        .filter(|o| o.message.is_some_and(|m| !m.trim().is_empty()))
        // Reversed `max_by_key` keeps the first object among equals.
        .rev()
        .max_by_key(|o| o.status);
    let message = worst_object.and_then(|o| o.message).or(run.message);
    let match_text = message
        .and_then(|m| m.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("")
        .to_string();
    OverrideDraft {
        level: OverrideLevel::Job {
            job_id: run.job.job_id,
        },
        match_status: (run.status != Status::Success).then_some(run.status),
        match_text,
        match_mode: MatchMode::Contains,
        valid_from: None,
        valid_until: None,
        treat_as_success: true,
    }
}

/// Software, type and object names are compared ignoring case and surrounding whitespace: reports
/// are not consistent in either, and host names are case-insensitive.
fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The end of an override's validity as the form takes it: empty for never, a number of days
/// (`30` or `30d`, counted from `now`), or a local date (`2027-01-31`: valid through that day
/// in `tz`). The end must lie after `now`.
pub fn parse_valid_until(
    text: &str,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Option<DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let until = if let Ok(days) = text.trim_end_matches(['d', 'D']).trim().parse::<i64>() {
        if !(1..=3650).contains(&days) {
            return Err("a number of days from 1 to 3650".into());
        }
        now + chrono::TimeDelta::days(days)
    } else {
        let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| "a date as 2027-01-31, a number of days, or empty for never")?;
        // Through that day: until the start of the next one, local time.
        let next = date.succ_opt().ok_or("a date before the year 262143")?;
        next.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .ok_or("that date has no midnight in this timezone")?
    };
    if until <= now {
        return Err("that date has passed".into());
    }
    Ok(Some(until))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0).unwrap()
    }

    const JOB: JobKey<'static> = JobKey {
        job_id: 7,
        software: "Veeam",
        backup_type: "Backup Job",
    };

    fn rule(id: i64, level: OverrideLevel) -> OverrideRule {
        OverrideRule {
            id,
            level,
            match_status: None,
            match_text: String::new(),
            match_mode: MatchMode::Contains,
            valid_from: None,
            valid_until: None,
            treat_as_success: true,
            active: true,
        }
    }

    fn job_rule(id: i64) -> OverrideRule {
        rule(id, OverrideLevel::Job { job_id: 7 })
    }

    fn object_rule(id: i64, name: &str) -> OverrideRule {
        rule(
            id,
            OverrideLevel::Object {
                job_id: 7,
                object_name: name.to_string(),
            },
        )
    }

    fn global_rule(id: i64) -> OverrideRule {
        rule(
            id,
            OverrideLevel::Global {
                software: "veeam".to_string(),
                backup_type: "backup job".to_string(),
            },
        )
    }

    fn obj<'a>(name: &'a str, status: Status, message: Option<&'a str>) -> ObjectFacts<'a> {
        ObjectFacts {
            name,
            status,
            message,
        }
    }

    fn run<'a>(
        status: Status,
        message: Option<&'a str>,
        objects: Vec<ObjectFacts<'a>>,
    ) -> RunFacts<'a> {
        RunFacts {
            job: JOB,
            run_time: t(10, 22),
            status,
            message,
            objects,
        }
    }

    #[test]
    fn match_modes() {
        let msg = Some("  Retry: Failed to truncate logs on SQL01 \n");
        assert!(MatchMode::Contains.matches("failed to TRUNCATE", msg));
        assert!(!MatchMode::Contains.matches("failed to flush", msg));
        assert!(MatchMode::Exact.matches("Retry: Failed to truncate logs on SQL01", msg));
        assert!(!MatchMode::Exact.matches("retry: failed to truncate logs on sql01", msg));
        assert!(!MatchMode::Exact.matches("Retry: Failed", msg));
        assert!(MatchMode::StartsWith.matches("Retry:", msg));
        assert!(!MatchMode::StartsWith.matches("SQL01", msg));
        assert!(MatchMode::EndsWith.matches("on SQL01", msg));
        assert!(!MatchMode::EndsWith.matches("Retry:", msg));
    }

    #[test]
    fn blank_text_matches_anything_and_missing_message_is_empty() {
        for mode in MatchMode::ALL {
            assert!(mode.matches("", None), "{mode:?}");
            assert!(mode.matches("  ", Some("whatever")), "{mode:?}");
            assert!(!mode.matches("x", None), "{mode:?}");
        }
    }

    #[test]
    fn db_words_round_trip() {
        for mode in MatchMode::ALL {
            assert_eq!(MatchMode::from_db(mode.as_str()), Some(mode));
        }
        assert_eq!(MatchMode::from_db("Contains"), None);
        assert_eq!(OverrideLevel::Job { job_id: 1 }.as_str(), "job");
        assert_eq!(global_rule(1).level.as_str(), "global");
        assert_eq!(object_rule(1, "a").level.as_str(), "object");
    }

    #[test]
    fn run_without_objects_is_covered_by_job_rule() {
        let r = run(Status::Warning, Some("Low disk space"), vec![]);
        let mut rl = job_rule(1);
        rl.match_text = "disk space".into();
        let out = evaluate(&r, &[rl.clone()]);
        assert!(out.overridden);
        assert_eq!(out.effective, RunStatus::SuccessOverride);
        assert!(out.objects.is_empty());

        rl.match_text = "quota".into();
        let out = evaluate(&r, &[rl]);
        assert!(!out.overridden);
        assert_eq!(out.effective, RunStatus::Warning);
    }

    #[test]
    fn success_run_is_never_overridden() {
        let r = run(
            Status::Success,
            None,
            vec![obj("vm1", Status::Success, None)],
        );
        let out = evaluate(&r, &[job_rule(1)]);
        assert!(!out.overridden);
        assert_eq!(out.objects, vec![false]);
        assert_eq!(out.effective, RunStatus::Success);
    }

    #[test]
    fn no_rules_means_parsed_status() {
        let r = run(
            Status::Failed,
            None,
            vec![obj("vm1", Status::Failed, Some("boom"))],
        );
        let out = evaluate(&r, &[]);
        assert_eq!(out.objects, vec![false]);
        assert_eq!(out.effective, RunStatus::Failed);
    }

    #[test]
    fn status_match_limits_the_rule() {
        let r = run(Status::Failed, None, vec![]);
        let mut rl = job_rule(1);
        rl.match_status = Some(Status::Warning);
        assert!(!evaluate(&r, &[rl.clone()]).overridden);
        rl.match_status = Some(Status::Failed);
        assert!(evaluate(&r, &[rl]).overridden);
    }

    #[test]
    fn all_problem_objects_covered_overrides_the_run() {
        let r = run(
            Status::Warning,
            None,
            vec![
                obj("vm1", Status::Success, None),
                obj("vm2", Status::Warning, Some("CBT reset")),
                obj(
                    "vm3",
                    Status::Warning,
                    Some("Snapshot consolidation needed"),
                ),
            ],
        );
        let mut a = object_rule(1, "VM2");
        a.match_text = "cbt".into();
        let mut b = job_rule(2);
        b.match_text = "snapshot".into();
        let out = evaluate(&r, &[a, b]);
        assert_eq!(out.objects, vec![false, true, true]);
        assert!(out.overridden);
        assert_eq!(out.effective, RunStatus::SuccessOverride);
    }

    #[test]
    fn partly_covered_run_keeps_status_and_object_flags() {
        let r = run(
            Status::Failed,
            None,
            vec![
                obj("vm1", Status::Warning, Some("CBT reset")),
                obj("vm2", Status::Failed, Some("Host unreachable")),
            ],
        );
        let mut a = job_rule(1);
        a.match_text = "CBT".into();
        let out = evaluate(&r, &[a]);
        assert_eq!(out.objects, vec![true, false]);
        assert!(!out.overridden);
        assert_eq!(out.effective, RunStatus::Failed);
    }

    #[test]
    fn run_level_problem_with_clean_objects_needs_run_coverage() {
        // The product reports a warning of its own while every object succeeded.
        let r = run(
            Status::Warning,
            Some("Repository almost full"),
            vec![obj("vm1", Status::Success, None)],
        );
        assert!(!evaluate(&r, &[]).overridden);
        let mut a = job_rule(1);
        a.match_text = "repository".into();
        let out = evaluate(&r, &[a]);
        assert!(out.overridden);
        assert_eq!(out.objects, vec![false]);
    }

    #[test]
    fn object_rules_never_cover_the_run_itself() {
        let r = run(Status::Warning, Some("x"), vec![]);
        assert!(!evaluate(&r, &[object_rule(1, "x")]).overridden);
    }

    #[test]
    fn object_rule_only_matches_its_object_and_job() {
        let r = run(
            Status::Warning,
            None,
            vec![obj("vm1", Status::Warning, None)],
        );
        assert!(!evaluate(&r, &[object_rule(1, "vm2")]).overridden);
        assert!(evaluate(&r, &[object_rule(1, " VM1 ")]).overridden);
        let other_job = rule(
            1,
            OverrideLevel::Object {
                job_id: 8,
                object_name: "vm1".into(),
            },
        );
        assert!(!evaluate(&r, &[other_job]).overridden);
    }

    #[test]
    fn global_rule_matches_software_and_type() {
        let r = run(Status::Failed, None, vec![]);
        assert!(evaluate(&r, &[global_rule(1)]).overridden);
        let other = rule(
            1,
            OverrideLevel::Global {
                software: "Veeam".into(),
                backup_type: "Backup Copy Job".into(),
            },
        );
        assert!(!evaluate(&r, &[other]).overridden);
        assert!(!evaluate(&r, &[rule(1, OverrideLevel::Job { job_id: 8 })]).overridden);
    }

    #[test]
    fn object_rule_beats_job_rule_beats_global_rule() {
        let r = run(
            Status::Warning,
            None,
            vec![obj("vm1", Status::Warning, Some("CBT reset"))],
        );
        let mut obj_exception = object_rule(1, "vm1");
        obj_exception.treat_as_success = false;
        let mut job_exception = job_rule(2);
        job_exception.treat_as_success = false;

        // An object exception wins over a job and a global rule that would cover it.
        let out = evaluate(&r, &[job_rule(3), global_rule(4), obj_exception.clone()]);
        assert!(!out.overridden);
        // A job exception wins over a global rule ...
        assert!(!evaluate(&r, &[global_rule(4), job_exception.clone()]).overridden);
        // ... but not over an object rule that covers the object.
        assert!(evaluate(&r, &[job_exception, object_rule(5, "vm1")]).overridden);
        // A non-matching higher rule does not hide a matching lower one.
        let mut narrow = object_rule(6, "vm1");
        narrow.match_text = "other text".into();
        narrow.treat_as_success = false;
        assert!(evaluate(&r, &[narrow, global_rule(4)]).overridden);
    }

    #[test]
    fn exception_wins_within_one_level_whatever_the_order() {
        let r = run(Status::Warning, None, vec![]);
        let mut exception = job_rule(1);
        exception.treat_as_success = false;
        assert!(!evaluate(&r, &[exception.clone(), job_rule(2)]).overridden);
        assert!(!evaluate(&r, &[job_rule(2), exception]).overridden);
    }

    #[test]
    fn inactive_rules_are_ignored() {
        let r = run(Status::Warning, None, vec![]);
        let mut rl = job_rule(1);
        rl.active = false;
        assert!(!evaluate(&r, &[rl]).overridden);
    }

    #[test]
    fn validity_window_is_from_inclusive_until_exclusive() {
        let r = run(Status::Warning, None, vec![]);
        let at = r.run_time;
        let mut rl = job_rule(1);
        rl.valid_from = Some(at);
        assert!(evaluate(&r, &[rl.clone()]).overridden);
        rl.valid_from = Some(at + chrono::Duration::seconds(1));
        assert!(!evaluate(&r, &[rl.clone()]).overridden);
        rl.valid_from = Some(t(1, 0));
        rl.valid_until = Some(at);
        assert!(!evaluate(&r, &[rl.clone()]).overridden);
        rl.valid_until = Some(at + chrono::Duration::seconds(1));
        assert!(evaluate(&r, &[rl.clone()]).overridden);
        // An override created today applies to yesterday's run when its window allows it.
        rl.valid_from = None;
        rl.valid_until = None;
        assert!(rl.valid_at(t(1, 0)));
    }

    #[test]
    fn could_touch_ignores_activity_and_content() {
        let r = run(Status::Warning, None, vec![]);
        let mut rl = job_rule(1);
        rl.active = false;
        rl.match_text = "nothing like it".into();
        assert!(rl.could_touch(&r));
        assert!(global_rule(2).could_touch(&r));
        assert!(object_rule(3, "elsewhere").could_touch(&r));
        assert!(!rule(4, OverrideLevel::Job { job_id: 9 }).could_touch(&r));
        rl.valid_until = Some(t(1, 0));
        assert!(!rl.could_touch(&r));
    }

    #[test]
    fn draft_takes_worst_object_message_first_line() {
        let r = run(
            Status::Failed,
            Some("Job finished with errors"),
            vec![
                obj("vm1", Status::Warning, Some("CBT reset")),
                obj(
                    "vm2",
                    Status::Failed,
                    Some("\n  Host unreachable  \nRetry 3 of 3"),
                ),
                obj("vm3", Status::Failed, Some("Later failure")),
            ],
        );
        let d = draft_from_run(&r);
        assert_eq!(d.level, OverrideLevel::Job { job_id: 7 });
        assert_eq!(d.match_status, Some(Status::Failed));
        assert_eq!(d.match_text, "Host unreachable");
        assert_eq!(d.match_mode, MatchMode::Contains);
        assert!(d.treat_as_success);
        assert_eq!((d.valid_from, d.valid_until), (None, None));
    }

    #[test]
    fn draft_falls_back_to_run_message_then_blank() {
        let r = run(
            Status::Warning,
            Some("Low disk space"),
            vec![obj("vm1", Status::Warning, None)],
        );
        assert_eq!(draft_from_run(&r).match_text, "Low disk space");
        let r = run(Status::Warning, None, vec![]);
        assert_eq!(draft_from_run(&r).match_text, "");
    }

    #[test]
    fn draft_overrides_the_run_it_came_from() {
        let r = run(
            Status::Warning,
            None,
            vec![
                obj("vm1", Status::Warning, Some("CBT reset on disk 1")),
                obj("vm2", Status::Success, Some("ok")),
            ],
        );
        let d = draft_from_run(&r);
        let saved = OverrideRule {
            id: 1,
            level: d.level,
            match_status: d.match_status,
            match_text: d.match_text,
            match_mode: d.match_mode,
            valid_from: d.valid_from,
            valid_until: d.valid_until,
            treat_as_success: d.treat_as_success,
            active: true,
        };
        assert_eq!(evaluate(&r, &[saved]).effective, RunStatus::SuccessOverride);
    }

    #[test]
    fn level_serialises_with_a_tag() {
        let json = serde_json::to_string(&object_rule(1, "vm1").level).unwrap();
        assert_eq!(json, r#"{"level":"object","job_id":7,"object_name":"vm1"}"#);
    }

    #[test]
    fn validity_ends_after_days_or_through_a_local_date() {
        use chrono::TimeZone;
        let tz: chrono_tz::Tz = "Europe/Amsterdam".parse().expect("zone");
        let now = Utc
            .with_ymd_and_hms(2026, 12, 4, 10, 0, 0)
            .single()
            .expect("time");
        assert_eq!(parse_valid_until("  ", now, tz), Ok(None));
        assert_eq!(
            parse_valid_until("30", now, tz),
            Ok(Some(now + chrono::TimeDelta::days(30)))
        );
        assert_eq!(
            parse_valid_until("30d", now, tz),
            parse_valid_until("30", now, tz)
        );
        // Through 31 January in Amsterdam: until midnight there, 23:00 UTC.
        assert_eq!(
            parse_valid_until("2027-01-31", now, tz),
            Ok(Utc.with_ymd_and_hms(2027, 1, 31, 23, 0, 0).single())
        );
        assert!(parse_valid_until("2026-12-01", now, tz).is_err());
        assert!(parse_valid_until("0", now, tz).is_err());
        assert!(parse_valid_until("next week", now, tz).is_err());
    }
}
