//! `/`: the filter of the current pane's list, typed in the bottom line; the list follows every
//! key. Enter keeps it, Esc clears it.

use super::{Overlay, hint_spans};
use crate::tui::app::App;
use crate::tui::input;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::sanitize;
use crate::tui::theme::Theme;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

pub fn key(app: &mut App, key: KeyEvent) -> Option<Overlay> {
    if input::edit(app.filter_mut(), &key) {
        app.filter_changed();
        return Some(Overlay::Filter);
    }
    match keys::lookup(Dialog::Filter, Key::from_event(&key)) {
        Some(C::Cancel) => {
            app.filter_mut().clear();
            app.filter_changed();
            None
        }
        Some(C::Accept) => None,
        _ => Some(Overlay::Filter),
    }
}

/// The bottom line while the filter is typed.
pub fn bottom_line(t: &Theme, filter: &str) -> Line<'static> {
    let mut spans = vec![
        Span::styled("/", t.key()),
        Span::raw(sanitize::line(filter)),
        Span::raw("█"),
        Span::raw("   "),
    ];
    spans.extend(hint_spans(t, Dialog::Filter, |_| true));
    Line::from(spans)
}
