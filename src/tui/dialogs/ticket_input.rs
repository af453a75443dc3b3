//! From the ticket menu: the description of a new internal ticket, or the number of an existing
//! ticket to link to the run.

use super::{Overlay, hint_line, popup};
use crate::db::tickets::Code;
use crate::tui::app::App;
use crate::tui::input;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketInputKind {
    NewInternal,
    Link,
}

#[derive(Debug, Clone)]
pub struct TicketInput {
    pub kind: TicketInputKind,
    pub run_id: i64,
    pub job_id: i64,
    pub value: input::TextField,
}

impl TicketInput {
    pub fn key(mut self, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        if self.value.edit(&key) {
            return Some(Overlay::TicketInput(self));
        }
        match keys::lookup(Dialog::TicketInput, Key::from_event(&key)) {
            Some(C::Cancel) => None,
            Some(C::Accept) => {
                let value = self.value.trim().to_string();
                if value.is_empty() {
                    app.error("type something first");
                    return Some(Overlay::TicketInput(self));
                }
                match self.kind {
                    TicketInputKind::NewInternal => {
                        app.new_ticket(self.run_id, self.job_id, value, Code::Internal)
                    }
                    TicketInputKind::Link => app.link_ticket(self.run_id, self.job_id, value),
                }
                None
            }
            _ => Some(Overlay::TicketInput(self)),
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 70, 5);
        let title = match self.kind {
            TicketInputKind::NewInternal => " New ticket: description ",
            TicketInputKind::Link => " Link ticket: number (e.g. T20261126.0042) ",
        };
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(self.value.spans(usize::from(rect.width.saturating_sub(2)))),
                hint_line(t, Dialog::TicketInput),
            ])
            .block(Block::bordered().title(Span::styled(title, t.title()))),
            rect,
        );
    }
}
