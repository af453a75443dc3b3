//! `--ascii`: after a frame is drawn, every symbol of the interface's own (box drawing, arrows,
//! dots, dashes, markers) becomes its plain ASCII stand-in, borders included. Letters are left
//! alone: a customer called Müller stays Müller.

use ratatui::buffer::Buffer;

/// The ASCII stand-in of one of the interface's symbols, `None` for anything else.
pub fn stand_in(c: char) -> Option<char> {
    Some(match c {
        '─' | '━' | '═' | '╌' | '┄' => '-',
        '│' | '┃' | '║' | '╎' | '┆' => '|',
        '┌' | '┐' | '└' | '┘' | '╭' | '╮' | '╰' | '╯' | '├' | '┤' | '┬' | '┴' | '┼' | '╔' | '╗'
        | '╚' | '╝' => '+',
        '·' | '•' => '.',
        '…' => '.',
        '—' | '–' => '-',
        '›' | '→' | '▶' | '»' => '>',
        '‹' | '←' | '«' => '<',
        '↑' | '▲' => '^',
        '↓' | '▼' => 'v',
        '█' | '▌' | '▐' => '#',
        '○' => 'o',
        '✓' => 'v',
        // Status signs the theme did not already spell out.
        '✖' | '✗' => 'X',
        '✔' => '+',
        '⚠' => '!',
        '∅' => 'm',
        '↺' => 'o',
        '×' => 'x',
        _ => return None,
    })
}

/// Replaces the symbols of a drawn frame with their stand-ins.
pub fn downgrade(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        let mut chars = cell.symbol().chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && !c.is_ascii()
            && let Some(plain) = stand_in(c)
        {
            cell.set_char(plain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn borders_and_marks_become_ascii_and_letters_stay() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 1));
        buf.set_string(0, 0, "┌─▶ Müller…│", ratatui::style::Style::default());
        downgrade(&mut buf);
        let line: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(line.trim_end(), "+-> Müller.|");
    }
}
