//! `:`: a command typed by name in the bottom line (`:import`, `:q`, `:jobs-export FILE`).

use super::{Overlay, hint_spans};
use crate::tui::app::App;
use crate::tui::input;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::sanitize;
use crate::tui::theme::Theme;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

pub fn key(app: &mut App, mut line: String, key: KeyEvent) -> Option<Overlay> {
    if input::edit(&mut line, &key) {
        return Some(Overlay::CommandLine(line));
    }
    match keys::lookup(Dialog::CommandLine, Key::from_event(&key)) {
        Some(C::Cancel) => None,
        Some(C::Accept) => {
            app.run_command_line(&line);
            // A command may open its own overlay.
            app.overlay.take()
        }
        _ => Some(Overlay::CommandLine(line)),
    }
}

/// The bottom line while a command is typed.
pub fn bottom_line(t: &Theme, text: &str) -> Line<'static> {
    let mut spans = vec![
        Span::styled(":", t.key()),
        Span::raw(sanitize::line(text)),
        Span::raw("█"),
        Span::raw("   "),
    ];
    spans.extend(hint_spans(t, Dialog::CommandLine, |_| true));
    Line::from(spans)
}
