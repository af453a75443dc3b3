//! Text entry in dialogs: the one place that reads typed characters. Everything else a dialog
//! does with a key comes from the keymap table.

use super::keymap::Key;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// Edits a one-line text field: a typed character (Ctrl not held) or Backspace. Returns false
/// for keys it does not use.
pub fn edit(value: &mut String, key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::Char(c) if !Key::from_event(key).ctrl => value.push(c),
        KeyCode::Backspace => {
            value.pop();
        }
        _ => return false,
    }
    true
}

/// Gives a key to a multi-line editor, which has keys of its own (arrows, Enter, Ctrl-End…).
pub fn edit_area(text: &mut TextArea<'static>, key: KeyEvent) {
    text.input(key);
}
