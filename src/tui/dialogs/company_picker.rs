//! Mapping a customer to an Autotask company (Customers `m`): typing searches Autotask (the
//! search runs in the background); a company id may be typed instead.

use super::{Overlay, hint_title, popup};
use crate::psa::autotask::Company;
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::theme::Theme;
use crate::tui::{input, sanitize, table};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Searching Autotask companies to map a customer to.
pub struct CompanyPicker {
    pub customer_id: i64,
    pub customer_name: String,
    pub query: String,
    pub results: Vec<Company>,
    pub cursor: usize,
    pub searching: bool,
    pub error: Option<String>,
    /// The search the results belong to; `latest` is shared with the search tasks so that a
    /// superseded one skips its request.
    pub seq: u64,
    pub latest: Arc<AtomicU64>,
}

impl CompanyPicker {
    pub fn key(mut self: Box<Self>, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        if input::edit(&mut self.query, &key) {
            app.search_companies(&mut self);
            return Some(Overlay::CompanyPicker(self));
        }
        match keys::lookup(Dialog::CompanyPicker, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Accept) => {
                let typed_id = self.query.trim().parse::<i64>().ok();
                let chosen = match (self.results.get(self.cursor), typed_id) {
                    (Some(c), _) => Some((c.id, Some(c.company_name.clone()))),
                    // A company id typed by hand (it is checked in Autotask first).
                    (None, Some(id)) => Some((id, None)),
                    (None, None) => None,
                };
                match chosen {
                    Some((id, name)) => {
                        return app.map_company_asking(
                            self.customer_id,
                            &self.customer_name,
                            id,
                            name.as_deref(),
                        );
                    }
                    None => {
                        app.error("no company chosen: type part of its name, or its id");
                        return Some(Overlay::CompanyPicker(self));
                    }
                }
            }
            Some(C::Down) => {
                self.cursor = (self.cursor + 1).min(self.results.len().saturating_sub(1))
            }
            Some(C::Up) => self.cursor = self.cursor.saturating_sub(1),
            _ => {}
        }
        Some(Overlay::CompanyPicker(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 64, 18);
        let mut lines = vec![
            Line::from(vec![
                Span::styled("Company: ", t.dim()),
                Span::raw(sanitize::line(&self.query)),
                Span::raw("█"),
                Span::styled(if self.searching { "  searching…" } else { "" }, t.dim()),
            ]),
            Line::raw(""),
        ];
        if let Some(e) = &self.error {
            lines.push(Line::styled(format!("  {}", sanitize::line(e)), t.error()));
        }
        let rows = rect.height.saturating_sub(6) as usize;
        let skip = self.cursor.saturating_sub(rows.saturating_sub(1));
        for (i, c) in self.results.iter().enumerate().skip(skip).take(rows) {
            let line = Line::raw(format!(
                "  {:<44} {:>10}",
                table::fit(&c.company_name, 44),
                c.id
            ));
            lines.push(if i == self.cursor {
                line.style(t.selected())
            } else {
                line
            });
        }
        if self.results.is_empty() && !self.searching && self.error.is_none() {
            lines.push(Line::styled(
                if self.query.trim().parse::<i64>().is_ok() {
                    format!(
                        "  no company by that name: {} maps the company with this id",
                        keys::key_of(Dialog::CompanyPicker, C::Accept)
                    )
                } else {
                    "  no active company matches".to_string()
                },
                t.dim(),
            ));
        }
        f.render_widget(Clear, rect);
        let block = Block::bordered()
            .title(Span::styled(
                format!(
                    " Map {} to an Autotask company ",
                    sanitize::line(&self.customer_name)
                ),
                t.title(),
            ))
            .title_bottom(hint_title(t, Dialog::CompanyPicker));
        f.render_widget(Paragraph::new(lines).block(block), rect);
    }
}
