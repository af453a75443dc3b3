//! Choosing from a cached Autotask picklist: a setting's value (Settings `Enter`), or a field of
//! the ticket about to be sent (ticket preview `f`: first the field, then its value).

use super::ticket_preview::PreviewDialog;
use super::{Overlay, hint_spans, popup};
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::panes::settings::Field;
use crate::tui::sanitize;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub struct Choice {
    pub purpose: ChoicePurpose,
    pub options: Vec<(Option<i64>, String)>,
    pub cursor: usize,
}

/// What the choice is for; the preview waits inside it and comes back when it closes.
pub enum ChoicePurpose {
    Setting(Field),
    /// Which field of the ticket preview to choose (the options' values index
    /// [`PREVIEW_FIELDS`]).
    PreviewField(Box<PreviewDialog>),
    /// A value of `field` for the ticket preview.
    PreviewValue(Box<PreviewDialog>, Field),
    /// Which of the run's tickets `y` copies: the codes, in the order of the options.
    CopyTicket(Vec<String>),
    /// The new status of this feedback item (the options' values index `Status::ALL`).
    FeedbackStatus(i64),
}

/// The fields of a ticket that the preview lets the operator choose.
pub const PREVIEW_FIELDS: [Field; 5] = [
    Field::Queue,
    Field::Priority,
    Field::Status,
    Field::Source,
    Field::IssueType,
];

impl ChoicePurpose {
    fn title(&self) -> String {
        match self {
            ChoicePurpose::Setting(field) => field.label().to_string(),
            ChoicePurpose::PreviewField(_) => "Ticket field".into(),
            ChoicePurpose::PreviewValue(_, field) => format!("{} of this ticket", field.label()),
            ChoicePurpose::CopyTicket(_) => "Copy which ticket number? (newest first)".into(),
            ChoicePurpose::FeedbackStatus(id) => format!("Status of feedback item #{id}"),
        }
    }
}

impl Choice {
    pub fn key(mut self, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        match keys::lookup(Dialog::Choice, Key::from_event(&key)) {
            Some(C::Cancel) => {
                return match self.purpose {
                    ChoicePurpose::Setting(_)
                    | ChoicePurpose::CopyTicket(_)
                    | ChoicePurpose::FeedbackStatus(_) => None,
                    ChoicePurpose::PreviewField(d) | ChoicePurpose::PreviewValue(d, _) => {
                        Some(Overlay::TicketPreview(d))
                    }
                };
            }
            Some(c @ (C::Accept | C::AcceptAsDefault)) => {
                let (value, label) = match self.options.get(self.cursor) {
                    Some((v, l)) => (*v, l.clone()),
                    None => (None, String::new()),
                };
                let json = value
                    .map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::Null);
                return match self.purpose {
                    ChoicePurpose::Setting(field) => {
                        app.save_setting(field, json);
                        None
                    }
                    ChoicePurpose::FeedbackStatus(id) => {
                        let status = value
                            .and_then(|i| usize::try_from(i).ok())
                            .and_then(|i| crate::domain::feedback::Status::ALL.get(i).copied());
                        if let Some(status) = status {
                            app.set_feedback_status(id, status);
                        }
                        None
                    }
                    ChoicePurpose::CopyTicket(codes) => {
                        if let Some(code) = codes.get(self.cursor) {
                            app.copy(code.clone());
                        }
                        None
                    }
                    ChoicePurpose::PreviewField(d) => {
                        let field = value
                            .and_then(|i| usize::try_from(i).ok())
                            .and_then(|i| PREVIEW_FIELDS.get(i).copied());
                        match field {
                            Some(field) => Some(app.choose_ticket_field(d, field)),
                            None => Some(Overlay::TicketPreview(d)),
                        }
                    }
                    ChoicePurpose::PreviewValue(mut d, field) => {
                        d.set_field(field, value, value.map(|_| label));
                        if c == C::AcceptAsDefault {
                            app.save_setting(field, json);
                        }
                        Some(Overlay::TicketPreview(d))
                    }
                };
            }
            Some(C::Down) => {
                self.cursor = (self.cursor + 1).min(self.options.len().saturating_sub(1))
            }
            Some(C::Up) => self.cursor = self.cursor.saturating_sub(1),
            _ => {}
        }
        Some(Overlay::Choose(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let height = (self.options.len() as u16 + 3).min(area.height);
        let rect = popup(area, 50, height);
        let rows = height.saturating_sub(3) as usize;
        let skip = self.cursor.saturating_sub(rows.saturating_sub(1));
        let mut lines: Vec<Line> = self
            .options
            .iter()
            .enumerate()
            .skip(skip)
            .take(rows)
            .map(|(i, (v, label))| {
                let text = match v {
                    Some(v) => format!("  {} ({v})", sanitize::line(label)),
                    None => format!("  {}", sanitize::line(label)),
                };
                let style = if i == self.cursor {
                    t.selected()
                } else {
                    Style::default()
                };
                Line::styled(text, style)
            })
            .collect();
        let preview = matches!(self.purpose, ChoicePurpose::PreviewValue(..));
        lines.push(Line::from(hint_spans(t, Dialog::Choice, |c| {
            preview || c != C::AcceptAsDefault
        })));
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(Span::styled(
                format!(" {} ", self.purpose.title()),
                t.title(),
            ))),
            rect,
        );
    }
}
