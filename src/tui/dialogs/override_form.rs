//! The "treat as success" form (Run Checks `o`), pre-filled from a run: what the rule applies
//! to, whether the status must match, how the message text matches, why (a comment) and until
//! when.

use super::{Overlay, hint_spans, popup};
use crate::db::review::QueueRow;
use crate::db::run_objects::RunObject;
use crate::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel};
use crate::tui::app::App;
use crate::tui::input;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::sanitize;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// The first row that takes typed text (the message text, the comment, the end of validity);
/// the rows above it are choices.
const TEXT: usize = 3;
const COMMENT: usize = 4;
const EXPIRES: usize = 5;

#[derive(Debug, Clone)]
pub struct OverrideForm {
    pub base: OverrideDraft,
    pub job_id: i64,
    pub software: String,
    pub backup_type: String,
    /// Objects of the run that did not succeed: candidates for an object-level rule.
    pub objects: Vec<String>,
    /// 0 = this job, 1.. = one object, last = every job of this software and type.
    pub scope: usize,
    pub match_status: bool,
    pub mode: MatchMode,
    pub text: input::TextField,
    /// Why the failure counts as success: kept with the rule and shown in Overrides.
    pub comment: input::TextField,
    /// Until when the rule holds, as typed: empty (never ends), days, or a date.
    pub expires: input::TextField,
    /// Why the form cannot be saved as it is, shown next to the row at fault.
    pub error: Option<(usize, String)>,
    /// The row the arrow keys change: 0 scope, 1 status, 2 mode, 3 text, 4 comment, 5 expires.
    pub field: usize,
}

const MODES: [MatchMode; 4] = [
    MatchMode::Contains,
    MatchMode::Exact,
    MatchMode::StartsWith,
    MatchMode::EndsWith,
];

impl OverrideForm {
    pub fn new(base: OverrideDraft, job: &QueueRow, objects: &[RunObject]) -> OverrideForm {
        OverrideForm {
            text: input::TextField::new(base.match_text.clone()),
            mode: base.match_mode,
            match_status: base.match_status.is_some(),
            job_id: job.job_id,
            software: job.backup_software.clone(),
            backup_type: job.backup_type.clone(),
            objects: objects
                .iter()
                .filter(|o| o.status != "Success")
                .map(|o| o.name.clone())
                .collect(),
            scope: 0,
            comment: input::TextField::default(),
            expires: input::TextField::default(),
            error: None,
            field: TEXT,
            base,
        }
    }

    fn scopes(&self) -> usize {
        self.objects.len() + 2
    }

    pub fn scope_label(&self) -> String {
        if self.scope == 0 {
            "this job".into()
        } else if let Some(o) = self.objects.get(self.scope - 1) {
            format!("object {o} of this job")
        } else {
            format!("every {} {} job", self.software, self.backup_type)
        }
    }

    pub fn mode_label(&self) -> &'static str {
        match self.mode {
            MatchMode::Contains => "contains",
            MatchMode::Exact => "is exactly",
            MatchMode::StartsWith => "starts with",
            MatchMode::EndsWith => "ends with",
        }
    }

    pub fn draft(&self) -> OverrideDraft {
        let level = if self.scope == 0 {
            OverrideLevel::Job {
                job_id: self.job_id,
            }
        } else if let Some(o) = self.objects.get(self.scope - 1) {
            OverrideLevel::Object {
                job_id: self.job_id,
                object_name: o.clone(),
            }
        } else {
            OverrideLevel::Global {
                software: self.software.clone(),
                backup_type: self.backup_type.clone(),
            }
        };
        OverrideDraft {
            level,
            match_status: if self.match_status {
                self.base.match_status
            } else {
                None
            },
            match_text: self.text.to_string(),
            match_mode: self.mode,
            ..self.base.clone()
        }
    }

    /// The next (or previous) choice of the current row; the text row has none.
    fn change(&mut self, forward: bool) {
        let step = |i: usize, n: usize| {
            if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }
        };
        match self.field {
            0 => self.scope = step(self.scope, self.scopes()),
            1 => self.match_status = !self.match_status,
            2 => {
                let i = MODES.iter().position(|m| *m == self.mode).unwrap_or(0);
                self.mode = MODES[step(i, MODES.len())];
            }
            _ => {}
        }
    }

    /// The text of the current row, when it takes typed text.
    fn typed(&mut self) -> Option<&mut input::TextField> {
        match self.field {
            TEXT => Some(&mut self.text),
            COMMENT => Some(&mut self.comment),
            EXPIRES => Some(&mut self.expires),
            _ => None,
        }
    }

    pub fn key(mut self: Box<Self>, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        // Text rows take typed keys first: Space types there, and changes a choice row.
        if let Some(text) = self.typed()
            && text.edit(&key)
        {
            return Some(Overlay::Override(self));
        }
        match keys::lookup(Dialog::Override, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Accept) => {
                let (now, tz) = (app.now(), app.tz);
                match crate::domain::overrides::parse_valid_until(&self.expires, now, tz) {
                    Ok(until) => {
                        app.save_override(*self, until);
                        return None;
                    }
                    Err(why) => {
                        self.error = Some((EXPIRES, why));
                        self.field = EXPIRES;
                    }
                }
            }
            Some(C::PrevField) => self.field = self.field.saturating_sub(1),
            Some(C::NextField) => self.field = (self.field + 1).min(EXPIRES),
            Some(C::ChangeBack) => self.change(false),
            Some(C::Change) => self.change(true),
            _ => {}
        }
        Some(Overlay::Override(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 78, 14);
        // The row being typed in shows its caret (and scrolls to keep it in view).
        let text = |i: usize, value: &input::TextField| -> Vec<Span<'static>> {
            if self.field == i {
                value.spans(usize::from(rect.width.saturating_sub(2 + 14 + 2)))
            } else {
                vec![Span::raw(sanitize::line(value))]
            }
        };
        let field = |i: usize, label: &str, value: Vec<Span<'static>>| {
            let mut spans = vec![Span::styled(format!("{label:<14}"), t.dim())];
            spans.extend(value);
            if let Some((at, why)) = &self.error
                && *at == i
            {
                spans.push(Span::styled(
                    format!("  ✖ {}", sanitize::line(why)),
                    t.error(),
                ));
            }
            let line = Line::from(spans);
            if self.field == i {
                line.style(t.selected())
            } else {
                line
            }
        };
        let status = self.base.match_status.map(|s| s.as_str()).unwrap_or("any");
        let lines = vec![
            Line::raw("Treat matching reports as Success (override) from now on."),
            Line::raw(""),
            field(0, "Applies to", vec![Span::raw(self.scope_label())]),
            field(
                1,
                "Status",
                vec![Span::raw(if self.match_status {
                    format!("{status} only")
                } else {
                    "any status".into()
                })],
            ),
            field(2, "Message", vec![Span::raw(self.mode_label().to_string())]),
            field(TEXT, "Text", text(TEXT, &self.text)),
            field(COMMENT, "Why", text(COMMENT, &self.comment)),
            field(
                EXPIRES,
                "Until",
                if self.expires.is_empty() && self.field != EXPIRES {
                    vec![Span::raw(
                        "no end (type days, e.g. 30, or a date, 2027-01-31)",
                    )]
                } else {
                    text(EXPIRES, &self.expires)
                },
            ),
            Line::raw(""),
            Line::from(hint_spans(t, Dialog::Override, |_| true)),
            Line::styled(
                "Unreviewed runs the rule covers are re-evaluated when it is saved.",
                t.dim(),
            ),
        ];
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(Span::styled(" Override ", t.title()))),
            rect,
        );
    }
}
