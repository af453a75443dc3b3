//! The customer picker of an approval (Inbox `a`): search the customers, or name a new one. It
//! is an inline variant of [`Overlay`] (`Overlay::Picker`), which the approve command opens and
//! the suggestion load fills in.

use super::{Overlay, hint_spans, popup};
use crate::db::inbox::CustomerChoice;
use crate::domain::customer_suggestion::Suggestion;
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::{input, list, sanitize};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn key(app: &mut App, picker: Overlay, key: KeyEvent) -> Option<Overlay> {
    let Overlay::Picker {
        mail_ids,
        job,
        mut query,
        mut cursor,
        suggestion,
    } = picker
    else {
        return Some(picker);
    };
    if input::edit(&mut query, &key) {
        cursor = 0;
    } else {
        let matches = app.picker_matches(&query, suggestion.as_ref());
        match keys::lookup(Dialog::CustomerPicker, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Down) => cursor = (cursor + 1).min(matches.len().saturating_sub(1)),
            Some(C::Up) => cursor = cursor.saturating_sub(1),
            Some(cmd @ (C::Accept | C::NewCustomer)) => {
                let choice = match matches.get(cursor) {
                    Some((id, _)) if cmd == C::Accept => Some(CustomerChoice::Existing(*id)),
                    _ if !query.trim().is_empty() => {
                        Some(CustomerChoice::New(query.trim().to_string()))
                    }
                    _ => None,
                };
                match choice {
                    Some(c) => {
                        match mail_ids.as_slice() {
                            [one] => app.approve(*one, c),
                            _ => app.approve_many(mail_ids, c),
                        }
                        return None;
                    }
                    None => app.error("type a customer name"),
                }
            }
            _ => {}
        }
    }
    Some(Overlay::Picker {
        mail_ids,
        job,
        query,
        cursor,
        suggestion,
    })
}

impl App {
    /// Customers matching `query`, best first; the suggested customer leads while it matches.
    pub fn picker_matches(
        &self,
        query: &str,
        suggestion: Option<&Suggestion>,
    ) -> Vec<(i64, String)> {
        let suggested = suggestion.map(|s| s.customer_id);
        let mut scored: Vec<(i32, i64, String)> = self
            .customers
            .iter()
            .filter_map(|c| list::fuzzy(query, &c.name).map(|s| (s, c.id, c.name.clone())))
            .collect();
        scored.sort_by(|a, b| {
            (Some(b.1) == suggested)
                .cmp(&(Some(a.1) == suggested))
                .then_with(|| b.0.cmp(&a.0))
                .then_with(|| a.2.to_lowercase().cmp(&b.2.to_lowercase()))
        });
        scored.into_iter().map(|(_, id, name)| (id, name)).collect()
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, picker: &Overlay) {
    let Overlay::Picker {
        mail_ids,
        job,
        query,
        cursor,
        suggestion,
    } = picker
    else {
        return;
    };
    let t = &app.theme;
    let rect = popup(area, 64, 18);
    let matches = app.picker_matches(query, suggestion.as_ref());
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Customer: ", t.dim()),
            Span::raw(sanitize::line(query)),
            Span::raw("█"),
        ]),
        Line::raw(""),
    ];
    if let Some(s) = suggestion {
        lines.insert(
            1,
            Line::styled(format!("suggested: {}", sanitize::line(&s.reason)), t.ok()),
        );
    }
    for (i, (id, name)) in matches.iter().enumerate().take(10) {
        let mark = if suggestion.as_ref().is_some_and(|s| s.customer_id == *id) {
            "★"
        } else {
            " "
        };
        let line = Line::raw(format!("{mark} {}", sanitize::line(name)));
        lines.push(if i == *cursor {
            line.style(t.selected())
        } else {
            line
        });
    }
    if matches.is_empty() && !query.trim().is_empty() {
        lines.push(Line::styled(
            format!(
                "  {} creates customer \"{}\"",
                keys::key_of(Dialog::CustomerPicker, C::Accept),
                sanitize::line(query.trim())
            ),
            t.ok(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(hint_spans(t, Dialog::CustomerPicker, |_| true)));
    let title = if mail_ids.len() > 1 {
        format!(" Approve {} for… ", sanitize::line(job))
    } else {
        format!(" Approve job {} for… ", sanitize::line(job))
    };
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(Span::styled(title, t.title()))),
        rect,
    );
}
