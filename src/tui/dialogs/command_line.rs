//! `:`: a command typed by name in the bottom line (`:import`, `:q`, `:jobs-export FILE`).

use super::{Overlay, hint_spans};
use crate::domain::roles::Role;
use crate::tui::app::App;
use crate::tui::input;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::keymap::{self, Key};
use crate::tui::theme::Theme;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

pub fn key(app: &mut App, mut line: input::TextField, key: KeyEvent) -> Option<Overlay> {
    if line.edit(&key) {
        return Some(Overlay::CommandLine(line));
    }
    match keys::lookup(Dialog::CommandLine, Key::from_event(&key)) {
        Some(C::Cancel) => None,
        Some(C::Complete) => {
            let (completed, _) = keymap::complete(&line, app.seat.role);
            line.set(completed);
            Some(Overlay::CommandLine(line))
        }
        Some(C::Accept) => {
            app.run_command_line(&line);
            // A command may open its own overlay.
            app.overlay.take()
        }
        _ => Some(Overlay::CommandLine(line)),
    }
}

/// The bottom line while a command is typed: the commands that match so far (all of them on an
/// empty line), else the keys.
pub fn bottom_line(t: &Theme, text: &input::TextField, role: Role) -> Line<'static> {
    let mut spans = vec![Span::styled(":", t.key())];
    spans.extend(text.spans(60));
    spans.push(Span::raw("   "));
    let (_, matches) = keymap::complete(text, role);
    if matches.is_empty() {
        spans.extend(hint_spans(t, Dialog::CommandLine, |_| true));
    } else {
        spans.push(Span::styled(matches.join(" "), t.dim()));
    }
    Line::from(spans)
}
