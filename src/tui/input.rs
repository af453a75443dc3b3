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

/// The keys [`TextField::edit`] knows besides typing, for the help.
pub const EDIT_KEYS: &str = "←/→ Home/End (Ctrl-a/e) move the caret; Backspace/Del delete a \
letter, Ctrl-w the word before the caret, Ctrl-u all before it, Ctrl-k all after it";

/// A one-line text with a caret: typing inserts at the caret, the caret moves with the arrows,
/// Home/End and Ctrl-a/e, and a field wider than its box scrolls so the caret stays in view.
/// A pre-filled field starts with the caret at the end: typing appends, Ctrl-u replaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    text: String,
    /// Byte offset of the caret, always on a character boundary.
    caret: usize,
}

impl TextField {
    pub fn new(text: impl Into<String>) -> TextField {
        let text = text.into();
        TextField {
            caret: text.len(),
            text,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Replaces the text; the caret goes to its end.
    pub fn set(&mut self, text: impl Into<String>) {
        *self = TextField::new(text);
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.caret]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.caret..]
            .chars()
            .next()
            .map_or(self.caret, |c| self.caret + c.len_utf8())
    }

    /// Applies an editing key; false for keys it does not use (the dialog's own).
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        let ctrl = Key::from_event(key).ctrl;
        match key.code {
            KeyCode::Char('a') if ctrl => self.caret = 0,
            KeyCode::Char('e') if ctrl => self.caret = self.text.len(),
            KeyCode::Home => self.caret = 0,
            KeyCode::End => self.caret = self.text.len(),
            KeyCode::Left => self.caret = self.prev_boundary(),
            KeyCode::Right => self.caret = self.next_boundary(),
            KeyCode::Char('u') if ctrl => {
                self.text.drain(..self.caret);
                self.caret = 0;
            }
            KeyCode::Char('k') if ctrl => self.text.truncate(self.caret),
            KeyCode::Char('w') if ctrl => {
                let before = &self.text[..self.caret];
                let kept = before
                    .trim_end()
                    .trim_end_matches(|c: char| !c.is_whitespace())
                    .len();
                self.text.drain(kept..self.caret);
                self.caret = kept;
            }
            KeyCode::Char(c) if !ctrl => {
                self.text.insert(self.caret, c);
                self.caret += c.len_utf8();
            }
            KeyCode::Backspace => {
                let from = self.prev_boundary();
                self.text.drain(from..self.caret);
                self.caret = from;
            }
            KeyCode::Delete => {
                let to = self.next_boundary();
                self.text.drain(self.caret..to);
            }
            _ => return false,
        }
        true
    }

    /// The text as a box `width` columns wide shows it, with the caret: (before the caret, the
    /// character under it or a space at the end, after it), scrolled so the caret is in view.
    pub fn view(&self, width: usize) -> (String, String, String) {
        let clean = |s: &str| super::sanitize::line(s);
        let before: Vec<char> = clean(&self.text[..self.caret]).chars().collect();
        let rest: Vec<char> = clean(&self.text[self.caret..]).chars().collect();
        let width = width.max(2);
        // Keep the caret in view: as much as fits before it, then what fits after it.
        let shown_before = before.len().min(width - 1);
        let before: String = before[before.len() - shown_before..].iter().collect();
        let under = rest.first().map_or(" ".to_string(), |c| c.to_string());
        let room = width - 1 - shown_before;
        let after: String = rest.iter().skip(1).take(room).collect();
        (before, under, after)
    }

    /// The field as spans: the caret is the character under it in reverse video.
    pub fn spans(&self, width: usize) -> Vec<ratatui::text::Span<'static>> {
        use ratatui::style::{Modifier, Style};
        use ratatui::text::Span;
        let (before, under, after) = self.view(width);
        vec![
            Span::raw(before),
            Span::styled(under, Style::default().add_modifier(Modifier::REVERSED)),
            Span::raw(after),
        ]
    }
}

impl From<&str> for TextField {
    fn from(text: &str) -> TextField {
        TextField::new(text)
    }
}

impl std::ops::Deref for TextField {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Gives a key to a multi-line editor, which has keys of its own (arrows, Enter, Ctrl-End…).
pub fn edit_area(text: &mut TextArea<'static>, key: KeyEvent) {
    text.input(key);
}

#[cfg(test)]
mod tests {
    use super::{TextField, edit};
    use ratatui::crossterm::event::KeyCode as K;

    fn key(code: K) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_caret_moves_and_text_goes_where_it_is() {
        let mut f = TextField::new("Failed to create VM snapshot");
        // Home, then a word in front; End and a word behind; Ctrl-a, Delete.
        f.edit(&key(K::Home));
        for c in "Job ".chars() {
            f.edit(&key(K::Char(c)));
        }
        assert_eq!(f.as_str(), "Job Failed to create VM snapshot");
        f.edit(&ctrl('e'));
        f.edit(&key(K::Char('!')));
        f.edit(&key(K::Left));
        f.edit(&key(K::Left));
        f.edit(&key(K::Delete));
        assert_eq!(f.as_str(), "Job Failed to create VM snapsho!");
        f.edit(&ctrl('w'));
        assert_eq!(f.as_str(), "Job Failed to create VM !");
        f.edit(&ctrl('k'));
        assert_eq!(f.as_str(), "Job Failed to create VM ");
        f.edit(&ctrl('a'));
        f.edit(&key(K::Right));
        f.edit(&ctrl('u'));
        assert_eq!(f.as_str(), "ob Failed to create VM ");
        // Multi-byte letters move as one.
        let mut f = TextField::new("Müller");
        for _ in 0..4 {
            f.edit(&key(K::Left));
        }
        f.edit(&key(K::Backspace));
        assert_eq!(f.as_str(), "Mller");
    }

    #[test]
    fn a_long_field_scrolls_so_the_caret_stays_in_view() {
        let mut f = TextField::new("a".repeat(50) + "XYZ");
        let (before, under, after) = f.view(10);
        assert_eq!((before.len(), under.as_str(), after.as_str()), (9, " ", ""));
        assert!(before.ends_with("XYZ"));
        f.edit(&key(K::Home));
        let (before, under, after) = f.view(10);
        assert_eq!((before.as_str(), under.as_str(), after.len()), ("", "a", 9));
    }
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
