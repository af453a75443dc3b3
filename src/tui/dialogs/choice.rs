//! Choosing a setting's value from a cached Autotask picklist (Settings `Enter`).

use super::{Overlay, hint_line, popup};
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

#[derive(Debug, Clone)]
pub struct Choice {
    pub field: Field,
    pub options: Vec<(Option<i64>, String)>,
    pub cursor: usize,
}

impl Choice {
    pub fn key(mut self, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        match keys::lookup(Dialog::Choice, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Accept) => {
                let value = self
                    .options
                    .get(self.cursor)
                    .and_then(|(v, _)| *v)
                    .map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::Null);
                app.save_setting(self.field, value);
                return None;
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
        lines.push(hint_line(t, Dialog::Choice));
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines).block(
                Block::bordered()
                    .title(Span::styled(format!(" {} ", self.field.label()), t.title())),
            ),
            rect,
        );
    }
}
