//! The new feedback item (Feedback `n`, or the capture key anywhere with the screen attached):
//! kind, title, text and an optional file, with the context it was written in. It stays open
//! until the database has it, so a refused file or a lost connection loses nothing typed.

use super::{Overlay, hint_title, popup};
use crate::db::feedback::NewAttachment;
use crate::domain::feedback::{Context, Kind, human_size};
use crate::tui::app::App;
use crate::tui::input::{self, TextField};
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::sanitize;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

const KIND: usize = 0;
const TITLE: usize = 1;
const TEXT: usize = 2;
const FILE: usize = 3;
const FIELDS: usize = 4;

pub struct FeedbackForm {
    pub kind: Kind,
    pub title: TextField,
    pub text: TextArea<'static>,
    /// A file to attach as well, by path (optional).
    pub file: TextField,
    pub field: usize,
    pub context: Context,
    /// The screen as it was when the capture key was pressed.
    pub capture: Option<NewAttachment>,
    /// Why the last save did not go through, shown until the next key.
    pub error: Option<String>,
    /// Sent to the database; the form waits for the answer.
    pub saving: bool,
    /// Esc was pressed once on a form with text: the next Esc discards it.
    pub confirm_discard: bool,
    /// The popup the capture key interrupted, shown again when the form closes.
    pub resume: Option<Box<Overlay>>,
}

impl FeedbackForm {
    pub fn new(context: Context, capture: Option<NewAttachment>) -> FeedbackForm {
        let mut text = TextArea::default();
        text.set_placeholder_text("What happened, or what would help? (Enter: new line)");
        FeedbackForm {
            kind: if capture.is_some() {
                Kind::Bug
            } else {
                Kind::Idea
            },
            title: TextField::default(),
            text,
            file: TextField::default(),
            field: TITLE,
            context,
            capture,
            error: None,
            saving: false,
            confirm_discard: false,
            resume: None,
        }
    }

    pub fn body(&self) -> String {
        self.text.lines().join("\n").trim_end().to_string()
    }

    fn has_text(&self) -> bool {
        !self.title.as_str().trim().is_empty() || !self.body().trim().is_empty()
    }

    fn shift_kind(&mut self, forward: bool) {
        let n = Kind::ALL.len();
        let i = Kind::ALL.iter().position(|k| *k == self.kind).unwrap_or(0);
        let next = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        self.kind = Kind::ALL[next];
    }

    pub fn key(mut self: Box<Self>, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        if self.saving {
            return Some(Overlay::Feedback(self));
        }
        self.error = None;
        let command = keys::lookup(Dialog::FeedbackForm, Key::from_event(&key));
        let typed = match self.field {
            TITLE => command.is_none() && self.title.edit(&key),
            FILE => command.is_none() && self.file.edit(&key),
            _ => false,
        } || match (self.field, command) {
            (TITLE | FILE, Some(C::ChangeBack | C::Change)) => {
                // The arrows move the caret in a text row.
                let field = if self.field == TITLE {
                    &mut self.title
                } else {
                    &mut self.file
                };
                field.edit(&key)
            }
            (TEXT, None | Some(C::ChangeBack | C::Change)) => {
                input::edit_area(&mut self.text, key);
                true
            }
            _ => false,
        };
        if typed {
            self.confirm_discard = false;
            return Some(Overlay::Feedback(self));
        }
        match command {
            Some(C::Cancel) => {
                if self.has_text() && !self.confirm_discard {
                    self.confirm_discard = true;
                    return Some(Overlay::Feedback(self));
                }
                return self.resume.map(|o| *o);
            }
            Some(C::Accept) => {
                if self.title.as_str().trim().is_empty() {
                    self.error = Some("type a title first".into());
                    self.field = TITLE;
                } else {
                    self.saving = true;
                    app.save_feedback(&self);
                }
            }
            Some(C::NextField) => self.field = (self.field + 1) % FIELDS,
            Some(C::PrevField) => self.field = (self.field + FIELDS - 1) % FIELDS,
            Some(C::Change) if self.field == KIND => self.shift_kind(true),
            Some(C::ChangeBack) if self.field == KIND => self.shift_kind(false),
            _ => {}
        }
        self.confirm_discard = false;
        Some(Overlay::Feedback(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 78, 17);
        f.render_widget(Clear, rect);
        let hint = if self.confirm_discard {
            Line::raw(format!(
                " {} again discards the item ",
                keys::key_of(Dialog::FeedbackForm, C::Cancel)
            ))
        } else if self.saving {
            Line::raw(" saving… ")
        } else {
            hint_title(t, Dialog::FeedbackForm)
        };
        let block = Block::bordered()
            .title(Span::styled(" New feedback item ", t.title()))
            .title_bottom(hint);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let [kind, title, text, file, capture, context, error] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Length(1),
        ])
        .areas(inner);
        let label = |i: usize, name: &str| {
            let style = if self.field == i {
                t.selected()
            } else {
                t.dim()
            };
            Span::styled(format!("{name:<8}"), style)
        };
        let mut kinds = vec![label(KIND, "Kind")];
        for k in Kind::ALL {
            let style = if k == self.kind {
                t.selected()
            } else {
                t.dim()
            };
            kinds.push(Span::styled(format!(" {k} "), style));
            kinds.push(Span::raw(" "));
        }
        f.render_widget(Paragraph::new(Line::from(kinds)), kind);
        let width = usize::from(inner.width.saturating_sub(9));
        let field_line = |i: usize, name: &str, value: &TextField, help: &str| {
            let mut spans = vec![label(i, name)];
            if self.field == i {
                spans.extend(value.spans(width));
            } else if value.as_str().is_empty() {
                spans.push(Span::styled(help.to_string(), t.dim()));
            } else {
                spans.push(Span::raw(sanitize::line(value.as_str())));
            }
            Line::from(spans)
        };
        f.render_widget(
            Paragraph::new(field_line(TITLE, "Title", &self.title, "one line")),
            title,
        );
        let [text_label, text_area] =
            Layout::horizontal([Constraint::Length(8), Constraint::Min(10)]).areas(text);
        f.render_widget(Paragraph::new(Line::from(label(TEXT, "Text"))), text_label);
        f.render_widget(&self.text, text_area);
        f.render_widget(
            Paragraph::new(field_line(
                FILE,
                "File",
                &self.file,
                "optional: the path of a file to attach",
            )),
            file,
        );
        let shot = match &self.capture {
            Some(a) => format!("screen capture attached ({})", human_size(a.data.len())),
            None => format!(
                "no screen capture ({} in any pane attaches one)",
                crate::tui::keymap::key_of(
                    crate::tui::keymap::Context::Global,
                    crate::tui::keymap::Command::CaptureScreen
                )
            ),
        };
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{:<8}", "Screen"), t.dim()),
                Span::raw(shot),
            ])),
            capture,
        );
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{:<8}", "Context"), t.dim()),
                Span::raw(sanitize::line(&self.context.summary())),
            ]))
            .wrap(Wrap { trim: true }),
            context,
        );
        if let Some(e) = &self.error {
            f.render_widget(
                Paragraph::new(Line::styled(format!("✖ {}", sanitize::line(e)), t.error())),
                error,
            );
        }
    }
}
