//! A one-line text field: a new customer's name, a rename, a setting typed by hand.

use super::{Overlay, hint_line, popup};
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::panes::settings::{self, Field};
use crate::tui::theme::Theme;
use crate::tui::{input, sanitize};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// What a one-line input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    NewCustomer,
    RenameCustomer(i64),
    Setting(Field),
    /// The CSV file to write the customers to.
    ExportCustomers,
    /// The CSV file to read customers from (a dry run first, then a question).
    ImportCustomers,
    /// A customer's contact address for its scheduled report; empty clears it.
    CustomerContact(i64),
    /// A reply to this feedback item.
    FeedbackReply(i64),
    /// The path of a file to attach to this feedback item.
    FeedbackAttach(i64),
    /// Where to save this feedback attachment.
    FeedbackSave(i64),
}

#[derive(Debug, Clone)]
pub struct LineInput {
    pub purpose: InputPurpose,
    pub title: String,
    pub value: input::TextField,
}

impl LineInput {
    pub fn key(mut self, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        if self.value.edit(&key) {
            return Some(Overlay::Input(self));
        }
        match keys::lookup(Dialog::LineInput, Key::from_event(&key)) {
            Some(C::Cancel) => None,
            Some(C::Accept) => self.save(app),
            _ => Some(Overlay::Input(self)),
        }
    }

    /// Enter: saves what was typed, or says what is wrong and stays open.
    fn save(self, app: &mut App) -> Option<Overlay> {
        let value = self.value.trim().to_string();
        match self.purpose {
            InputPurpose::NewCustomer | InputPurpose::RenameCustomer(_) if value.is_empty() => {
                app.error("type a name first");
                return Some(Overlay::Input(self));
            }
            InputPurpose::ExportCustomers | InputPurpose::ImportCustomers if value.is_empty() => {
                app.error("type a file name first");
                return Some(Overlay::Input(self));
            }
            InputPurpose::FeedbackReply(_) if value.is_empty() => {
                app.error("type a reply first");
                return Some(Overlay::Input(self));
            }
            InputPurpose::FeedbackAttach(_) | InputPurpose::FeedbackSave(_) if value.is_empty() => {
                app.error("type a file name first");
                return Some(Overlay::Input(self));
            }
            InputPurpose::FeedbackReply(id) => app.reply_feedback(id, value),
            InputPurpose::FeedbackAttach(id) => app.attach_feedback_file(id, value),
            InputPurpose::FeedbackSave(id) => app.save_attachment(id, value),
            InputPurpose::ExportCustomers => app.export_customers(value),
            InputPurpose::ImportCustomers => app.import_customers(value, true),
            InputPurpose::NewCustomer => app.create_customer(value),
            InputPurpose::RenameCustomer(id) => app.rename_customer(id, value),
            InputPurpose::CustomerContact(id) => {
                if !value.is_empty() && !crate::domain::report_schedule::is_address(&value) {
                    app.error(format!("“{value}” is not a mail address"));
                    return Some(Overlay::Input(self));
                }
                app.set_customer_contact(id, value)
            }
            InputPurpose::Setting(field) => match settings::parse(field, &value) {
                Ok(v) => app.save_setting(field, v),
                Err(e) => {
                    app.error(e);
                    return Some(Overlay::Input(self));
                }
            },
        }
        None
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 70, 5);
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(self.value.spans(usize::from(rect.width.saturating_sub(2)))),
                hint_line(t, Dialog::LineInput),
            ])
            .block(Block::bordered().title(Span::styled(
                format!(" {} ", sanitize::line(&self.title)),
                t.title(),
            ))),
            rect,
        );
    }
}
