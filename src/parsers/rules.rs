//! Custom parser rules: formats no built-in parser knows, described as data by an admin and
//! tried after the built-in parsers, in their order. A rule is checked once ([`compile`]) and
//! applied as a pure function over a [`NormalizedMail`] ([`apply_rules`]).
//!
//! Patterns use the `regex` crate, which matches in linear time; compiled size and pattern
//! length are bounded, so no rule can stall an import.

use super::mail::NormalizedMail;
use super::report::{ParseError, Report, ReportObject};
use super::status_words::status_word;
use crate::domain::status::Status;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// The longest pattern or text a rule may hold, in characters.
pub const MAX_PATTERN_CHARS: usize = 1_000;
/// The most memory one compiled pattern may take.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The stored parser name of a mail a rule read: `rule:` and the rule's name.
pub const NAME_PREFIX: &str = "rule:";

/// Where a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Sender,
    #[default]
    Subject,
    Body,
}

impl Field {
    fn of(self, mail: &NormalizedMail) -> &str {
        match self {
            Field::Sender => &mail.from_address,
            Field::Subject => &mail.subject,
            Field::Body => &mail.body,
        }
    }
}

/// A text test: contains (ignoring case) or a regular expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Matcher {
    Contains(String),
    Regex(String),
}

/// Where the job name comes from: fixed text, or the first capture group of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobName {
    Fixed(String),
    Capture {
        #[serde(default)]
        field: Field,
        regex: String,
    },
}

/// How the run's status is read: the first of failed, warning, success whose test holds in
/// `field`. With none holding, the worst object status; else the mail cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StatusRule {
    #[serde(default)]
    pub field: Field,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<Matcher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<Matcher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<Matcher>,
}

/// Object lines: each body line the pattern matches is an object; its `name` group names it and
/// its `status` group, read as a status word, gives the status (else the run's status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectsRule {
    pub regex: String,
}

/// One custom rule, as stored and as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Matcher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Matcher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Matcher>,
    pub software: String,
    pub backup_type: String,
    pub job_name: JobName,
    #[serde(default)]
    pub status: StatusRule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<ObjectsRule>,
    #[serde(default)]
    pub informational: bool,
}

impl Rule {
    /// The name its mails carry as their parser.
    pub fn parser_name(&self) -> String {
        format!("{NAME_PREFIX}{}", self.name)
    }
}

/// Why a rule cannot be saved; the message names the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("a rule needs a name")]
    NoName,
    #[error("{0} is empty")]
    Empty(&'static str),
    #[error("a rule needs at least one cue: sender, subject or body")]
    NoCue,
    #[error("{what}: longer than {MAX_PATTERN_CHARS} characters")]
    TooLong { what: &'static str },
    #[error("{what}: not a valid pattern: {message}")]
    Pattern { what: &'static str, message: String },
    #[error("{what}: the pattern needs a capture group (…) for the job name")]
    NoGroup { what: &'static str },
    #[error("objects: the pattern needs a group named name: (?P<name>…)")]
    NoNameGroup,
}

/// A text test ready to run.
#[derive(Debug, Clone)]
enum Test {
    /// Lower-cased needle.
    Contains(String),
    Regex(Regex),
}

impl Test {
    fn holds(&self, text: &str) -> bool {
        match self {
            Test::Contains(needle) => text.to_lowercase().contains(needle),
            Test::Regex(re) => re.is_match(text),
        }
    }
}

/// A rule whose patterns compiled: what the importer holds for a batch.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub rule: Rule,
    cues: Vec<(Field, Test)>,
    job: Option<(Field, Regex)>,
    status: Vec<(Status, Test)>,
    objects: Option<Regex>,
}

fn pattern(what: &'static str, source: &str) -> Result<Regex, RuleError> {
    if source.chars().count() > MAX_PATTERN_CHARS {
        return Err(RuleError::TooLong { what });
    }
    RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .multi_line(true)
        .build()
        .map_err(|e| RuleError::Pattern {
            what,
            message: e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string(),
        })
}

fn test(what: &'static str, m: &Matcher) -> Result<Test, RuleError> {
    match m {
        Matcher::Contains(text) if text.trim().is_empty() => Err(RuleError::Empty(what)),
        Matcher::Contains(text) if text.chars().count() > MAX_PATTERN_CHARS => {
            Err(RuleError::TooLong { what })
        }
        Matcher::Contains(text) => Ok(Test::Contains(text.to_lowercase())),
        Matcher::Regex(source) => pattern(what, source).map(Test::Regex),
    }
}

fn bounded(what: &'static str, text: &str) -> Result<(), RuleError> {
    if text.trim().is_empty() {
        Err(RuleError::Empty(what))
    } else if text.chars().count() > MAX_PATTERN_CHARS {
        Err(RuleError::TooLong { what })
    } else {
        Ok(())
    }
}

/// Checks a rule and compiles its patterns; the first fault is the error.
pub fn compile(rule: &Rule) -> Result<CompiledRule, RuleError> {
    if rule.name.trim().is_empty() {
        return Err(RuleError::NoName);
    }
    bounded("name", &rule.name)?;
    bounded("software", &rule.software)?;
    bounded("backup type", &rule.backup_type)?;
    let mut cues = Vec::new();
    for (what, field, m) in [
        ("sender", Field::Sender, &rule.sender),
        ("subject", Field::Subject, &rule.subject),
        ("body", Field::Body, &rule.body),
    ] {
        if let Some(m) = m {
            cues.push((field, test(what, m)?));
        }
    }
    if cues.is_empty() {
        return Err(RuleError::NoCue);
    }
    let job = match &rule.job_name {
        JobName::Fixed(name) => {
            bounded("job name", name)?;
            None
        }
        JobName::Capture { field, regex } => {
            let re = pattern("job name", regex)?;
            if re.captures_len() < 2 {
                return Err(RuleError::NoGroup { what: "job name" });
            }
            Some((*field, re))
        }
    };
    let mut status = Vec::new();
    for (what, st, m) in [
        ("failed", Status::Failed, &rule.status.failed),
        ("warning", Status::Warning, &rule.status.warning),
        ("success", Status::Success, &rule.status.success),
    ] {
        if let Some(m) = m {
            status.push((st, test(what, m)?));
        }
    }
    let objects = match &rule.objects {
        None => None,
        Some(o) => {
            let re = pattern("objects", &o.regex)?;
            if !re.capture_names().any(|n| n == Some("name")) {
                return Err(RuleError::NoNameGroup);
            }
            Some(re)
        }
    };
    Ok(CompiledRule {
        rule: rule.clone(),
        cues,
        job,
        status,
        objects,
    })
}

impl CompiledRule {
    /// True when every cue of the rule holds for the mail.
    pub fn matches(&self, mail: &NormalizedMail) -> bool {
        self.cues.iter().all(|(field, t)| t.holds(field.of(mail)))
    }

    /// Reads a mail the rule matches.
    pub fn parse(&self, mail: &NormalizedMail) -> Result<Report, ParseError> {
        let job_name = match (&self.rule.job_name, &self.job) {
            (JobName::Fixed(name), _) => name.trim().to_string(),
            (JobName::Capture { .. }, Some((field, re))) => re
                .captures(field.of(mail))
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().trim().to_string())
                .filter(|n| !n.is_empty())
                .ok_or(ParseError::NoJobName(
                    "the rule's job name pattern found none",
                ))?,
            (JobName::Capture { .. }, None) => {
                return Err(ParseError::NoJobName(
                    "the rule's job name pattern is missing",
                ));
            }
        };
        let text = self.rule.status.field.of(mail);
        let stated = self
            .status
            .iter()
            .find(|(_, t)| t.holds(text))
            .map(|(st, _)| *st);
        let objects = self.objects(mail, stated);
        let status = stated
            .or_else(|| objects.iter().map(|o| o.status).max())
            .ok_or(ParseError::NoStatus(
                "none of the rule's status tests holds",
            ))?;
        Ok(Report {
            software: self.rule.software.trim().to_string(),
            backup_type: self.rule.backup_type.trim().to_string(),
            job_name,
            status,
            informational: self.rule.informational,
            message: None,
            objects,
        })
    }

    fn objects(&self, mail: &NormalizedMail, run: Option<Status>) -> Vec<ReportObject> {
        let Some(re) = &self.objects else {
            return Vec::new();
        };
        mail.body
            .lines()
            .filter_map(|line| re.captures(line))
            .filter_map(|c| {
                let name = c.name("name")?.as_str().trim();
                let status = c
                    .name("status")
                    .and_then(|s| status_word(s.as_str()))
                    .or(run)
                    .unwrap_or(Status::Unknown);
                (!name.is_empty()).then(|| ReportObject {
                    name: name.to_string(),
                    object_type: None,
                    status,
                    message: None,
                })
            })
            .collect()
    }
}

/// The first rule (in the order given) whose cues hold, and what it made of the mail.
pub fn apply_rules<'a>(
    rules: &'a [CompiledRule],
    mail: &NormalizedMail,
) -> Option<(&'a CompiledRule, Result<Report, ParseError>)> {
    let rule = rules.iter().find(|r| r.matches(mail))?;
    Some((rule, rule.parse(mail)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsers::normalize;

    fn rule() -> Rule {
        Rule {
            name: "NAS copy".into(),
            sender: Some(Matcher::Contains("@nas.example".into())),
            subject: Some(Matcher::Regex(r"^Copy job \S+ (done|failed)".into())),
            body: None,
            software: "NasCopy".into(),
            backup_type: "File copy".into(),
            job_name: JobName::Capture {
                field: Field::Subject,
                regex: r"^Copy job (\S+)".into(),
            },
            status: StatusRule {
                field: Field::Subject,
                success: Some(Matcher::Contains("done".into())),
                warning: None,
                failed: Some(Matcher::Regex(r"\bfailed\b".into())),
            },
            objects: Some(ObjectsRule {
                regex: r"^Share (?P<name>\S+): (?P<status>\w+)".into(),
            }),
            informational: false,
        }
    }

    fn mail(subject: &str, body: &str) -> NormalizedMail {
        normalize(
            format!("From: Box <copy@NAS.example>\r\nSubject: {subject}\r\n\r\n{body}\r\n")
                .as_bytes(),
        )
    }

    #[test]
    fn a_matching_mail_gives_job_status_and_objects() {
        let r = compile(&rule()).unwrap();
        let m = mail(
            "Copy job daily-docs failed",
            "Share docs: OK\r\nShare media: error",
        );
        let report = r.parse(&m).unwrap();
        assert!(r.matches(&m));
        assert_eq!(report.job_name, "daily-docs");
        assert_eq!(report.software, "NasCopy");
        assert_eq!(report.backup_type, "File copy");
        assert_eq!(report.status, Status::Failed);
        let objects: Vec<_> = report
            .objects
            .iter()
            .map(|o| (o.name.as_str(), o.status))
            .collect();
        assert_eq!(
            objects,
            [("docs", Status::Success), ("media", Status::Failed)]
        );
        let ok = r.parse(&mail("Copy job daily-docs done", "")).unwrap();
        assert_eq!(ok.status, Status::Success);
    }

    #[test]
    fn every_cue_must_hold_and_the_first_rule_wins() {
        let first = compile(&rule()).unwrap();
        let mut other = rule();
        other.name = "fixed".into();
        other.job_name = JobName::Fixed("Copy".into());
        let second = compile(&other).unwrap();
        let rules = [first, second];
        let m = mail("Copy job x done", "");
        assert_eq!(
            apply_rules(&rules, &m).map(|(r, _)| r.rule.name.as_str()),
            Some("NAS copy")
        );
        assert!(apply_rules(&rules, &mail("Lunch?", "")).is_none());
        let elsewhere = normalize(b"From: a@b.example\r\nSubject: Copy job x done\r\n\r\nx\r\n");
        assert!(apply_rules(&rules, &elsewhere).is_none());
    }

    #[test]
    fn without_a_status_the_mail_cannot_be_read() {
        let mut r = rule();
        r.subject = Some(Matcher::Contains("copy job".into()));
        r.objects = None;
        let r = compile(&r).unwrap();
        assert_eq!(
            r.parse(&mail("Copy job x stalled", "")),
            Err(ParseError::NoStatus(
                "none of the rule's status tests holds"
            ))
        );
    }

    #[test]
    fn bad_rules_are_refused_with_the_part_named() {
        let mut r = rule();
        r.subject = Some(Matcher::Regex("Copy (job".into()));
        let e = compile(&r).unwrap_err();
        assert!(
            matches!(
                e,
                RuleError::Pattern {
                    what: "subject",
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().starts_with("subject: not a valid pattern"),
            "{e}"
        );

        let mut r = rule();
        r.sender = None;
        r.subject = None;
        assert_eq!(compile(&r).unwrap_err(), RuleError::NoCue);

        let mut r = rule();
        r.job_name = JobName::Capture {
            field: Field::Subject,
            regex: "Copy job".into(),
        };
        assert_eq!(
            compile(&r).unwrap_err(),
            RuleError::NoGroup { what: "job name" }
        );

        let mut r = rule();
        r.objects = Some(ObjectsRule {
            regex: "(x)".into(),
        });
        assert_eq!(compile(&r).unwrap_err(), RuleError::NoNameGroup);

        let mut r = rule();
        r.software = " ".into();
        assert_eq!(compile(&r).unwrap_err(), RuleError::Empty("software"));
    }

    #[test]
    fn patterns_are_bounded_in_length_and_size() {
        let mut r = rule();
        r.body = Some(Matcher::Regex("a".repeat(MAX_PATTERN_CHARS + 1)));
        assert_eq!(
            compile(&r).unwrap_err(),
            RuleError::TooLong { what: "body" }
        );
        // Short to write, huge once compiled: refused instead of eating memory.
        r.body = Some(Matcher::Regex(r"(\w{50}){50}".into()));
        let e = compile(&r).unwrap_err();
        assert!(matches!(e, RuleError::Pattern { what: "body", .. }), "{e}");
        assert!(e.to_string().contains("size limit"), "{e}");
    }

    #[test]
    fn a_pathological_pattern_still_runs_in_linear_time() {
        // Catastrophic for a backtracking engine; linear here, so the test ends at once.
        let mut r = rule();
        r.body = Some(Matcher::Regex(r"^(a+)+$".into()));
        let r = compile(&r).unwrap();
        let body = format!("{}b", "a".repeat(20_000));
        assert!(!r.matches(&mail("Copy job x done", &body)));
    }

    #[test]
    fn rules_read_and_write_as_json() {
        let text = serde_json::to_string(&rule()).unwrap();
        assert!(
            text.contains(r#""sender":{"contains":"@nas.example"}"#),
            "{text}"
        );
        let back: Rule = serde_json::from_str(&text).unwrap();
        assert_eq!(back, rule());
        let short: Rule = serde_json::from_str(
            r#"{"name":"n","subject":{"contains":"x"},"software":"S","backup_type":"T",
                "job_name":{"fixed":"J"}}"#,
        )
        .unwrap();
        assert_eq!(short.status, StatusRule::default());
    }
}
