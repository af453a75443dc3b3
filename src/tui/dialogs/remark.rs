//! The remark editor (Run Checks `m`): a note on the job for the next operator.

use super::{Overlay, hint_title, popup};
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
use ratatui::widgets::{Block, Clear};
use ratatui_textarea::TextArea;

pub struct RemarkEditor {
    pub run_id: i64,
    pub job_id: i64,
    /// "customer › job", for the title.
    pub title: String,
    pub text: TextArea<'static>,
    /// Esc was pressed once on a text that is not empty: the next Esc discards it.
    pub confirm_discard: bool,
}

impl RemarkEditor {
    pub fn new(run_id: i64, job_id: i64, title: String) -> RemarkEditor {
        let mut text = TextArea::default();
        text.set_placeholder_text("What should the next operator know about this job?");
        RemarkEditor {
            run_id,
            job_id,
            title,
            text,
            confirm_discard: false,
        }
    }

    pub fn key(mut self: Box<Self>, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        match keys::lookup(Dialog::Remark, Key::from_event(&key)) {
            Some(C::Accept) => {
                let body = self.text.lines().join("\n");
                if body.trim().is_empty() {
                    app.error("the remark is empty");
                    return Some(Overlay::Remark(self));
                }
                app.save_remark(self.run_id, self.job_id, body);
                None
            }
            Some(C::Cancel) => {
                let empty = self.text.lines().iter().all(|l| l.trim().is_empty());
                if empty || self.confirm_discard {
                    return None;
                }
                self.confirm_discard = true;
                Some(Overlay::Remark(self))
            }
            _ => {
                input::edit_area(&mut self.text, key);
                self.confirm_discard = false;
                Some(Overlay::Remark(self))
            }
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 72, 12);
        f.render_widget(Clear, rect);
        let hint = if self.confirm_discard {
            Line::raw(format!(
                " {} again discards the text ",
                keys::key_of(Dialog::Remark, C::Cancel)
            ))
        } else {
            hint_title(t, Dialog::Remark)
        };
        let block = Block::bordered()
            .title(Span::styled(
                format!(" Remark on {} ", sanitize::line(&self.title)),
                t.title(),
            ))
            .title_bottom(hint);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        f.render_widget(&self.text, inner);
    }
}
