//! A screen capture: the cells of a drawn frame (symbol, colours, modifiers) in a compact JSON
//! form of media type [`SCREEN_TYPE`], so the Feedback pane can draw it again in colour. Runs of
//! cells with one style share an entry. Every symbol passes [`sanitize`] when captured and again
//! when read, so no escape sequence reaches the terminal, whoever wrote the stored capture.

use super::sanitize;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub use crate::domain::feedback::SCREEN_TYPE;

const FORMAT: &str = "backupchecks-screen";
const VERSION: u32 = 1;
/// Larger screens than this are refused when read (a stored capture is untrusted input).
const MAX_SIDE: u16 = 1000;
/// A cell's symbol is one grapheme; more characters than this are not one.
const MAX_SYMBOL_CHARS: usize = 8;

/// (foreground, background, modifier bits).
type StyleEntry = (String, String, u16);

/// A run of cells in one style: each character of `text` is one cell, or, with the flag set,
/// `text` is one cell (a grapheme of several characters, or an empty one).
#[derive(Debug, Serialize, Deserialize)]
struct Run(
    usize,
    String,
    #[serde(default, skip_serializing_if = "is_false")] bool,
);

fn is_false(b: &bool) -> bool {
    !b
}

#[derive(Debug, Serialize, Deserialize)]
struct Document {
    format: String,
    version: u32,
    width: u16,
    height: u16,
    styles: Vec<StyleEntry>,
    rows: Vec<Vec<Run>>,
}

/// A symbol safe to draw: one line, no control or escape characters, one grapheme at most.
fn clean(symbol: &str) -> String {
    let s = sanitize::line(symbol);
    if s.chars().count() > MAX_SYMBOL_CHARS {
        "?".into()
    } else {
        s
    }
}

/// The capture of a drawn frame (its whole area).
pub fn encode(buffer: &Buffer) -> Vec<u8> {
    let area = buffer.area;
    let mut styles: Vec<StyleEntry> = Vec::new();
    let mut rows = Vec::with_capacity(usize::from(area.height));
    for y in area.top()..area.bottom() {
        let mut runs: Vec<Run> = Vec::new();
        for x in area.left()..area.right() {
            let Some(cell) = buffer.cell((x, y)) else {
                continue;
            };
            let style = (
                cell.fg.to_string(),
                cell.bg.to_string(),
                cell.modifier.bits(),
            );
            let index = match styles.iter().position(|s| *s == style) {
                Some(i) => i,
                None => {
                    styles.push(style);
                    styles.len() - 1
                }
            };
            let symbol = clean(cell.symbol());
            let single = symbol.chars().count() == 1;
            match runs.last_mut() {
                Some(Run(i, text, false)) if *i == index && single => text.push_str(&symbol),
                _ => runs.push(Run(index, symbol, !single)),
            }
        }
        rows.push(runs);
    }
    let doc = Document {
        format: FORMAT.into(),
        version: VERSION,
        width: area.width,
        height: area.height,
        styles,
        rows,
    };
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

fn color(s: &str) -> Result<Color, String> {
    Color::from_str(s).map_err(|_| format!("unknown colour {s:?}"))
}

/// Reads a capture back into a buffer at the origin, or says why it cannot be read.
pub fn decode(bytes: &[u8]) -> Result<Buffer, String> {
    let doc: Document =
        serde_json::from_slice(bytes).map_err(|e| format!("not a screen capture: {e}"))?;
    if doc.format != FORMAT || doc.version != VERSION {
        return Err(format!(
            "not a screen capture of this program ({} version {})",
            doc.format, doc.version
        ));
    }
    if doc.width == 0 || doc.height == 0 || doc.width > MAX_SIDE || doc.height > MAX_SIDE {
        return Err(format!(
            "a screen capture of {}×{} cells is not plausible",
            doc.width, doc.height
        ));
    }
    let styles: Vec<(Color, Color, Modifier)> = doc
        .styles
        .iter()
        .map(|(fg, bg, m)| Ok((color(fg)?, color(bg)?, Modifier::from_bits_truncate(*m))))
        .collect::<Result<_, String>>()?;
    let mut buffer = Buffer::empty(Rect::new(0, 0, doc.width, doc.height));
    for (y, runs) in doc.rows.iter().enumerate().take(usize::from(doc.height)) {
        let mut x: u16 = 0;
        for Run(style, text, single) in runs {
            let &(fg, bg, modifier) = styles
                .get(*style)
                .ok_or_else(|| format!("row {y}: style {style} is not listed"))?;
            let mut put = |symbol: &str| {
                if x < doc.width {
                    let y = u16::try_from(y).unwrap_or(0);
                    if let Some(cell) = buffer.cell_mut((x, y)) {
                        let mut c = Cell::EMPTY;
                        c.set_symbol(&clean(symbol));
                        c.fg = fg;
                        c.bg = bg;
                        c.modifier = modifier;
                        *cell = c;
                    }
                }
                x = x.saturating_add(1);
            };
            if *single {
                put(text);
            } else {
                let mut tmp = [0u8; 4];
                for ch in text.chars() {
                    put(ch.encode_utf8(&mut tmp));
                }
            }
        }
    }
    Ok(buffer)
}

/// The capture as plain text, a line per row with trailing blanks trimmed (for the CLI and the
/// export).
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            if let Some(cell) = buffer.cell((x, y)) {
                line.push_str(cell.symbol());
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Draws `capture` into `area` of `target`, scrolled by `(x, y)` cells: what fits is copied cell
/// by cell, colours and all.
pub fn draw(target: &mut Buffer, area: Rect, capture: &Buffer, scroll: (u16, u16)) {
    let (sx, sy) = scroll;
    for row in 0..area.height {
        for col in 0..area.width {
            let from = (col.saturating_add(sx), row.saturating_add(sy));
            let to = (area.x + col, area.y + row);
            let (Some(src), Some(dst)) = (
                capture
                    .cell(from)
                    .filter(|_| capture.area.contains(from.into())),
                target.cell_mut(to),
            ) else {
                continue;
            };
            *dst = src.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    fn sample() -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, 12, 3));
        b.set_string(0, 0, "plain ", Style::default());
        b.set_string(
            6,
            0,
            "red",
            Style::default().fg(Color::Red).bg(Color::Rgb(1, 2, 3)),
        );
        b.set_string(
            0,
            1,
            "bold✔",
            Style::default()
                .fg(Color::Indexed(42))
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        );
        b.set_string(0, 2, "界x", Style::default().fg(Color::White));
        b
    }

    #[test]
    fn a_capture_reads_back_cell_for_cell() {
        let b = sample();
        let bytes = encode(&b);
        assert!(bytes.len() < 400, "compact: {} bytes", bytes.len());
        let back = decode(&bytes).unwrap();
        assert_eq!(back, b);
        assert_eq!(text(&back).lines().next(), Some("plain red"));
    }

    #[test]
    fn escape_sequences_do_not_survive_capture_or_reading() {
        let mut b = Buffer::empty(Rect::new(0, 0, 4, 1));
        if let Some(c) = b.cell_mut((0, 0)) {
            c.set_symbol("\u{1b}[2J");
        }
        if let Some(c) = b.cell_mut((1, 0)) {
            c.set_symbol("\u{1b}]52;c;aGk=\u{7}");
        }
        let bytes = encode(&b);
        assert!(!String::from_utf8_lossy(&bytes).contains('\u{1b}'));
        // A stored capture written by another client is cleaned when read.
        let forged = br#"{"format":"backupchecks-screen","version":1,"width":3,"height":1,
            "styles":[["Reset","Reset",0]],"rows":[[[0,"\u001b[31m",true],[0,"ab"]]]}"#;
        let back = decode(forged).unwrap();
        let shown = text(&back);
        assert!(!shown.contains('\u{1b}'), "{shown:?}");
        assert_eq!(shown, "ab\n");
    }

    #[test]
    fn nonsense_is_refused_in_words() {
        assert!(
            decode(b"not json")
                .unwrap_err()
                .contains("not a screen capture")
        );
        let huge = br#"{"format":"backupchecks-screen","version":1,"width":5000,"height":1,
            "styles":[],"rows":[]}"#;
        assert!(decode(huge).unwrap_err().contains("not plausible"));
        let bad = br#"{"format":"backupchecks-screen","version":1,"width":2,"height":1,
            "styles":[],"rows":[[[3,"ab"]]]}"#;
        assert!(decode(bad).unwrap_err().contains("style 3"));
    }

    #[test]
    fn drawing_scrolls_the_capture() {
        let cap = sample();
        let mut target = Buffer::empty(Rect::new(0, 0, 5, 2));
        let area = target.area;
        draw(&mut target, area, &cap, (6, 0));
        assert_eq!(target.cell((0, 0)).map(|c| c.symbol()), Some("r"));
        assert_eq!(target.cell((0, 0)).map(|c| c.fg), Some(Color::Red));
    }
}
