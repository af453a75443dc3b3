//! The new parser rule form (Parsers, Unrecognised view, `n`): pre-filled from a group of
//! waiting mail, with a live preview of what the rule reads in the waiting mail; Enter saves it.

use super::{Overlay, hint_line, popup};
use crate::ingest::rules::PreviewRow;
use crate::parsers::rules::{Field, JobName, Matcher, Rule, StatusRule, compile};
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::theme::Theme;
use crate::tui::{input, sanitize};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

const LABELS: [(&str, &str); 10] = [
    ("Name", "unique; mails read carry rule:NAME"),
    ("Sender", "contains (ignoring case); empty: any"),
    ("Subject", "pattern (a rule's own kind is kept); empty: any"),
    ("Software", ""),
    ("Type", ""),
    ("Job name", "fixed text, unless a job pattern follows"),
    (
        "Job pattern",
        "on the subject; its first group (…) names the job",
    ),
    ("Success", "pattern on the subject"),
    ("Warning", "pattern on the subject"),
    ("Failed", "pattern on the subject (tried first)"),
];
/// Preview rows shown under the form.
const SHOWN: usize = 6;

#[derive(Debug, Clone)]
pub struct RuleForm {
    /// The rule the form started from: what the form does not show (body cue, object lines,
    /// the informational flag) is kept from it.
    pub base: Rule,
    pub values: [String; 10],
    pub field: usize,
    /// Matches a preview's result to the draft it was asked for.
    pub seq: u64,
    /// The draft the latest preview was asked for.
    pub previewed: Option<Rule>,
    /// What the draft reads in the waiting mail, or why it cannot be tried.
    pub preview: Option<Result<Vec<PreviewRow>, String>>,
}

fn text(m: &Option<Matcher>) -> String {
    match m {
        Some(Matcher::Contains(t) | Matcher::Regex(t)) => t.clone(),
        None => String::new(),
    }
}

/// The typed text as a test of the kind the rule had (contains or pattern), else `make`'s.
fn opt(value: &str, was: &Option<Matcher>, make: fn(String) -> Matcher) -> Option<Matcher> {
    let v = value.trim().to_string();
    if v.is_empty() {
        return None;
    }
    Some(match was {
        Some(Matcher::Contains(_)) => Matcher::Contains(v),
        Some(Matcher::Regex(_)) => Matcher::Regex(v),
        None => make(v),
    })
}

impl RuleForm {
    pub fn new(rule: &Rule) -> RuleForm {
        let (job, pattern) = match &rule.job_name {
            JobName::Fixed(n) => (n.clone(), String::new()),
            JobName::Capture { regex, .. } => (String::new(), regex.clone()),
        };
        RuleForm {
            base: rule.clone(),
            values: [
                rule.name.clone(),
                text(&rule.sender),
                text(&rule.subject),
                rule.software.clone(),
                rule.backup_type.clone(),
                job,
                pattern,
                text(&rule.status.success),
                text(&rule.status.warning),
                text(&rule.status.failed),
            ],
            field: 0,
            seq: 0,
            previewed: None,
            preview: None,
        }
    }

    /// The rule the form describes.
    pub fn draft(&self) -> Rule {
        let v = |i: usize| self.values.get(i).map_or("", |s| s.trim()).to_string();
        let (b, st) = (&self.base, &self.base.status);
        let job_field = match &b.job_name {
            JobName::Capture { field, .. } => *field,
            JobName::Fixed(_) => Field::Subject,
        };
        Rule {
            name: v(0),
            sender: opt(&v(1), &b.sender, Matcher::Contains),
            subject: opt(&v(2), &b.subject, Matcher::Regex),
            body: self.base.body.clone(),
            software: v(3),
            backup_type: v(4),
            job_name: if v(6).is_empty() {
                JobName::Fixed(v(5))
            } else {
                JobName::Capture {
                    field: job_field,
                    regex: v(6),
                }
            },
            status: StatusRule {
                field: self.base.status.field,
                success: opt(&v(7), &st.success, Matcher::Regex),
                warning: opt(&v(8), &st.warning, Matcher::Regex),
                failed: opt(&v(9), &st.failed, Matcher::Regex),
            },
            objects: self.base.objects.clone(),
            informational: self.base.informational,
        }
    }

    /// Asks for a preview of the draft unless the last one was of the same draft.
    pub fn refresh_preview(&mut self, app: &mut App) {
        let draft = self.draft();
        if self.previewed.as_ref() == Some(&draft) {
            return;
        }
        self.seq += 1;
        self.previewed = Some(draft.clone());
        match compile(&draft) {
            Ok(_) => {
                self.preview = None;
                app.preview_rule(self.seq, draft);
            }
            Err(e) => self.preview = Some(Err(e.to_string())),
        }
    }

    pub fn key(mut self: Box<Self>, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        if let Some(value) = self.values.get_mut(self.field)
            && input::edit(value, &key)
        {
            return Some(Overlay::Rule(self));
        }
        match keys::lookup(Dialog::RuleForm, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Accept) => match compile(&self.draft()) {
                Ok(_) => {
                    app.save_rule(self.draft());
                    return None;
                }
                Err(e) => {
                    app.error(e.to_string());
                    self.preview = Some(Err(e.to_string()));
                }
            },
            Some(C::NextField) => {
                self.field = (self.field + 1) % LABELS.len();
                self.refresh_preview(app);
            }
            Some(C::PrevField) => {
                self.field = (self.field + LABELS.len() - 1) % LABELS.len();
                self.refresh_preview(app);
            }
            _ => {}
        }
        Some(Overlay::Rule(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let mut lines: Vec<Line> = LABELS
            .iter()
            .enumerate()
            .map(|(i, (label, help))| {
                let cursor = if self.field == i { "█" } else { "" };
                let value = self.values.get(i).map_or("", String::as_str);
                let line = Line::from(vec![
                    Span::styled(format!("{label:<12}"), t.dim()),
                    Span::raw(format!("{}{cursor}", sanitize::line(value))),
                    Span::styled(format!("  {help}"), t.dim()),
                ]);
                if self.field == i {
                    line.style(t.selected())
                } else {
                    line
                }
            })
            .collect();
        lines.push(Line::raw(""));
        match &self.preview {
            None => lines.push(Line::styled("Previewing on the waiting mail…", t.dim())),
            Some(Err(e)) => lines.push(Line::styled(format!("✖ {}", sanitize::line(e)), t.error())),
            Some(Ok(rows)) => {
                lines.push(Line::raw(format!(
                    "Preview: reads {} waiting mail no built-in parser knows{}",
                    rows.len(),
                    if rows.is_empty() { "" } else { ":" }
                )));
                for r in rows.iter().take(SHOWN) {
                    let p = &r.result;
                    let read = match (&p.job_name, &p.parsed_status, &p.parse_error) {
                        (Some(job), Some(status), _) => format!("{job} · {status}"),
                        (_, _, Some(e)) => format!("✖ {e}"),
                        _ => "✖ not readable".into(),
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {} ", sanitize::line(&r.subject)), t.dim()),
                        Span::raw(format!("→ {}", sanitize::line(&read))),
                    ]));
                }
                if rows.len() > SHOWN {
                    lines.push(Line::styled(
                        format!("  and {} more", rows.len() - SHOWN),
                        t.dim(),
                    ));
                }
            }
        }
        lines.push(Line::raw(""));
        lines.push(hint_line(t, Dialog::RuleForm));
        let rect = popup(area, 110, lines.len() as u16 + 2);
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(Span::styled(" New parser rule ", t.title()))),
            rect,
        );
    }
}
