//! Text from mail (subjects, bodies, object messages) is untrusted: it must never move the
//! cursor or change colours. Escape sequences and control characters are removed before any of
//! it reaches the terminal.

/// One display line: escape sequences removed, tabs and newlines become spaces, other control
/// characters dropped.
pub fn line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_clean(s, &mut out, true);
    out
}

/// Multi-line text: like [`line`] but newlines are kept (carriage returns dropped).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_clean(s, &mut out, false);
    out
}

fn push_clean(s: &str, out: &mut String, single_line: bool) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // ESC starts a sequence: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \),
            // or a two-character sequence. Drop all of it.
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('_') | Some('^') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {}
            },
            // C1 CSI/OSC introducers are also sequences in some terminals.
            '\u{9b}' => {
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        break;
                    }
                }
            }
            '\n' if !single_line => out.push('\n'),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            // Bidi overrides can reorder what the operator reads.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let evil = "ok\u{1b}[2J\u{1b}[31mred\u{1b}[0m\u{1b}]52;c;aGk=\u{7}\u{1b}]0;title\u{1b}\\ \r\u{8}end";
        assert_eq!(line(evil), "okred end");
        assert!(!line(evil).chars().any(|c| c.is_control()));
    }

    #[test]
    fn lines_and_text() {
        assert_eq!(line("a\nb\tc"), "a b c");
        assert_eq!(text("a\r\nb\u{1b}[1Ac"), "a\nbc");
        assert_eq!(line("x\u{9b}31my\u{202e}z"), "xyz");
        assert_eq!(line("Ünïcödé ✔"), "Ünïcödé ✔");
    }
}
