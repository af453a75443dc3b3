//! Text entry in dialogs: the one place that reads typed characters. Everything else a dialog
//! does with a key comes from the keymap table.

use super::keymap::Key;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// Edits a one-line text field: a typed character (Ctrl not held), Backspace, `Ctrl-w` (the
/// word before the caret, as in a shell) or `Ctrl-u` (the whole line: a pre-filled text is
/// replaced without a backspace per letter). Returns false for keys it does not use.
pub fn edit(value: &mut String, key: &KeyEvent) -> bool {
    let ctrl = Key::from_event(key).ctrl;
    match key.code {
        KeyCode::Char('u') if ctrl => value.clear(),
        KeyCode::Char('w') if ctrl => {
            let kept = value
                .trim_end()
                .trim_end_matches(|c: char| !c.is_whitespace());
            value.truncate(kept.len());
        }
        KeyCode::Char(c) if !ctrl => value.push(c),
        KeyCode::Backspace => {
            value.pop();
        }
        _ => return false,
    }
    true
}

/// The keys [`edit`] knows besides typing, for the help.
pub const EDIT_KEYS: &str = "Backspace deletes a letter, Ctrl-w a word, Ctrl-u the whole line";

/// Gives a key to a multi-line editor, which has keys of its own (arrows, Enter, Ctrl-End…).
pub fn edit_area(text: &mut TextArea<'static>, key: KeyEvent) {
    text.input(key);
}

#[cfg(test)]
mod tests {
    use super::edit;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn ctrl_w_deletes_a_word_and_ctrl_u_the_line() {
        let mut v = "Failed to create VM snapshot  ".to_string();
        assert!(edit(&mut v, &ctrl('w')));
        assert_eq!(v, "Failed to create VM ");
        assert!(edit(&mut v, &ctrl('w')));
        assert_eq!(v, "Failed to create ");
        assert!(edit(&mut v, &ctrl('u')));
        assert_eq!(v, "");
        assert!(edit(&mut v, &ctrl('w')), "nothing left is no error");
        assert!(
            !edit(&mut v, &ctrl('x')),
            "other Ctrl keys are the dialog's"
        );
    }
}
