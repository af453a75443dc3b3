//! The list widget every pane draws its rows with: columns declared as data, the cursor marker
//! and marks, a title carrying the (sanitized) live filter, a clamped scroll window and
//! "n more above / below" markers, so a list never hides rows without saying so.
//!
//! Rows are drawn as one line of spans each, only for the rows on screen: the widths are
//! resolved here anyway (with ellipsis and display-width padding), so ratatui's `Table` (a Text
//! per cell) would add work without adding anything; the render benchmark shows no slowdown.

use crate::tui::list::ListState;
use crate::tui::sanitize;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// How wide a column is: a fixed number of columns, or a share (by weight) of what the fixed
/// columns leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Fixed(usize),
    Share(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One cell: its text (cut or padded to the column by the widget) and its style, or pieces
/// styled each on their own (a history strip) that are drawn as they are when they fit.
pub struct Cell {
    pub text: String,
    pub style: Style,
    pub parts: Vec<Span<'static>>,
}

impl Cell {
    pub fn raw(text: impl Into<String>) -> Cell {
        Cell::styled(text, Style::default())
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
            parts: Vec::new(),
        }
    }

    /// A cell of separately styled pieces; cut like plain text when it is wider than its column.
    pub fn spans(parts: Vec<Span<'static>>) -> Cell {
        let parts: Vec<Span<'static>> = parts
            .into_iter()
            .map(|p| Span::styled(sanitize::line(&p.content), p.style))
            .collect();
        Cell {
            text: parts.iter().map(|p| p.content.as_ref()).collect(),
            style: Style::default(),
            parts,
        }
    }
}

type CellFn<'a, T> = Box<dyn Fn(&T) -> Cell + 'a>;

/// A column: header, width rule, alignment, the blank columns before it, and its cell.
pub struct Column<'a, T> {
    pub header: String,
    /// Drawn over the dim header line (a selected day).
    pub header_style: Option<Style>,
    pub width: Width,
    pub align: Align,
    pub gap: usize,
    pub cell: CellFn<'a, T>,
}

impl<'a, T> Column<'a, T> {
    /// A left-aligned column one blank after the previous one.
    pub fn new(header: impl Into<String>, width: Width, cell: impl Fn(&T) -> Cell + 'a) -> Self {
        Column {
            header: header.into(),
            header_style: None,
            width,
            align: Align::Left,
            gap: 1,
            cell: Box::new(cell),
        }
    }

    pub fn right(mut self) -> Self {
        self.align = Align::Right;
        self
    }

    pub fn gap(mut self, gap: usize) -> Self {
        self.gap = gap;
        self
    }

    pub fn header_style(mut self, style: Style) -> Self {
        self.header_style = Some(style);
        self
    }
}

/// Display width of `s` in terminal columns.
fn width_of(s: &str) -> usize {
    Span::raw(s).width()
}

/// Cuts or pads `s` to exactly `w` columns, left-aligned (sanitized: names come from mail).
pub fn fit(s: &str, w: usize) -> String {
    fit_aligned(s, w, Align::Left)
}

/// Cuts `s` to `w` columns with an ellipsis, then pads it on the side `align` leaves free.
pub fn fit_aligned(s: &str, w: usize, align: Align) -> String {
    let s = sanitize::line(s);
    let width = width_of(&s);
    if width <= w {
        let pad = " ".repeat(w - width);
        return match align {
            Align::Left => s + &pad,
            Align::Right => pad + &s,
        };
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = width_of(c.encode_utf8(&mut [0; 4]));
        if used + cw > w - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    out.push_str(&" ".repeat(w - 1 - used));
    out
}

/// Resolves the width rules for `total` columns (after the two-column cursor marker). The
/// last shared column takes what rounding leaves, so the row always fills the same width.
pub fn widths<T>(columns: &[Column<'_, T>], total: usize) -> Vec<usize> {
    let fixed: usize = columns
        .iter()
        .map(|c| {
            c.gap
                + match c.width {
                    Width::Fixed(n) => n,
                    Width::Share(_) => 0,
                }
        })
        .sum();
    let rest = total.saturating_sub(MARKER + fixed);
    let weights: usize = columns
        .iter()
        .map(|c| match c.width {
            Width::Share(w) => w,
            Width::Fixed(_) => 0,
        })
        .sum();
    let last_share = columns
        .iter()
        .rposition(|c| matches!(c.width, Width::Share(_)));
    let mut given = 0;
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c.width {
            Width::Fixed(n) => n,
            Width::Share(_) if Some(i) == last_share => rest - given,
            Width::Share(w) => {
                let n = rest * w / weights.max(1);
                given += n;
                n
            }
        })
        .collect()
}

/// Columns taken by the cursor marker and the blank after it.
const MARKER: usize = 2;

/// "↑ 3 more above · ↓ 5 more below" for a window starting at `offset` of `height` rows out of
/// `len`; `None` when every row is on screen.
pub fn scroll_note(theme: &Theme, offset: usize, height: usize, len: usize) -> Option<String> {
    let above = offset.min(len);
    let below = len.saturating_sub(offset + height);
    let (up, down, sep) = if theme.ascii {
        ("^", "v", "-")
    } else {
        ("↑", "↓", "·")
    };
    match (above, below) {
        (0, 0) => None,
        (a, 0) => Some(format!("{up} {a} more above")),
        (0, b) => Some(format!("{down} {b} more below")),
        (a, b) => Some(format!("{up} {a} more above {sep} {down} {b} more below")),
    }
}

/// The title of a list: its own text, then the live filter (sanitized: it may hold pasted
/// text), the number of marked rows, and what the pane adds.
pub fn title(base: &str, filter: &str, marked: usize, suffix: &str) -> String {
    let mut title = base.to_string();
    if !filter.is_empty() {
        title.push_str(" · filter: ");
        title.push_str(&sanitize::line(filter));
    }
    if marked > 0 {
        title.push_str(&format!(" · {marked} marked"));
    }
    title.push_str(suffix);
    title.push(' ');
    title
}

/// A bordered list of `rows` (those at `visible` indices) with a header line.
pub struct ListTable<'a, T> {
    pub columns: Vec<Column<'a, T>>,
    pub title: String,
    /// A title of its own styles (tabs), drawn instead of `title`.
    pub title_line: Option<Line<'a>>,
    /// Focused lists show the cursor; the others dim their border.
    pub focused: bool,
    /// The cursor row is highlighted as a whole; off when a cell of it shows the cursor.
    pub highlight_row: bool,
    /// Shown under the header when no row is visible.
    pub empty: Option<(&'a str, Style)>,
    /// A line kept at the bottom of the list.
    pub footer: Option<Line<'a>>,
    pub id: fn(&T) -> i64,
}

impl<'a, T> ListTable<'a, T> {
    pub fn new(title: String, id: fn(&T) -> i64, columns: Vec<Column<'a, T>>) -> Self {
        ListTable {
            columns,
            title,
            title_line: None,
            focused: true,
            highlight_row: true,
            empty: None,
            footer: None,
            id,
        }
    }

    pub fn focused(mut self, focused: bool) -> Self {
        self.focused = focused;
        self
    }

    /// Marks the cursor row only with the marker: its cells show where the cursor is.
    pub fn cell_cursor(mut self) -> Self {
        self.highlight_row = false;
        self
    }

    /// Draws `line` as the title instead of the plain text one.
    pub fn title_line(mut self, line: Line<'a>) -> Self {
        self.title_line = Some(line);
        self
    }

    pub fn empty(mut self, text: &'a str, style: Style) -> Self {
        self.empty = Some((text, style));
        self
    }

    pub fn footer(mut self, line: Line<'a>) -> Self {
        self.footer = Some(line);
        self
    }

    /// Draws the list; only the rows on screen are laid out, however long the list is.
    pub fn draw(
        self,
        f: &mut Frame,
        area: Rect,
        theme: &Theme,
        state: &mut ListState,
        rows: &[T],
        visible: &[usize],
    ) {
        let title = match self.title_line.clone() {
            Some(line) => line,
            None => Line::from(Span::styled(self.title.clone(), theme.title())),
        };
        let block = Block::bordered()
            .title(title)
            .border_style(if self.focused {
                Style::default()
            } else {
                theme.dim()
            });
        let inner = block.inner(area);
        let reserved = 1 + usize::from(self.footer.is_some());
        let height = (inner.height as usize).saturating_sub(reserved);
        let offset = state.scroll(height, visible.len());
        let block = match scroll_note(theme, offset, height, visible.len()) {
            Some(note) => {
                block.title_bottom(Line::styled(format!(" {note} "), theme.dim()).right_aligned())
            }
            None => block,
        };
        f.render_widget(block, area);
        if inner.height < 2 {
            return;
        }
        let widths = widths(&self.columns, inner.width as usize);
        let mut lines = Vec::with_capacity(height + 1);
        lines.push(self.header_line(&widths).style(theme.dim()));
        lines.extend(
            visible
                .iter()
                .enumerate()
                .skip(offset)
                .take(height)
                .filter_map(|(pos, idx)| rows.get(*idx).map(|r| (pos, r)))
                .map(|(pos, r)| self.line(theme, state, pos, r, &widths)),
        );
        let table_area = Rect {
            height: inner.height - u16::from(self.footer.is_some()),
            ..inner
        };
        f.render_widget(Paragraph::new(lines), table_area);
        if visible.is_empty()
            && let Some((text, style)) = self.empty
        {
            let at = Rect::new(inner.x, inner.y + 1, inner.width, 1);
            f.render_widget(Paragraph::new(Line::styled(text, style)), at);
        }
        if let Some(foot) = self.footer {
            let at = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
            f.render_widget(Paragraph::new(foot), at);
        }
    }

    fn header_line(&self, widths: &[usize]) -> Line<'static> {
        let mut spans = Vec::new();
        let mut text = String::from("  ");
        for (c, w) in self.columns.iter().zip(widths) {
            text.push_str(gap(c.gap));
            let header = fit_aligned(&c.header, *w, c.align);
            match c.header_style {
                Some(style) => {
                    spans.push(Span::raw(std::mem::take(&mut text)));
                    spans.push(Span::styled(header, style));
                }
                None => text.push_str(&header),
            }
        }
        spans.push(Span::raw(text));
        Line::from(spans)
    }

    fn line(
        &self,
        theme: &Theme,
        state: &ListState,
        pos: usize,
        r: &T,
        widths: &[usize],
    ) -> Line<'static> {
        let cursor = pos == state.cursor && self.focused;
        let marked = !state.marks.is_empty() && state.marks.contains(&(self.id)(r));
        // A marked row under the cursor shows both: `▶•`.
        let (first, second) = match (cursor, marked) {
            (true, true) => (theme.cursor(), theme.mark()),
            (true, false) => (theme.cursor(), " "),
            (false, true) => (theme.mark(), " "),
            (false, false) => (" ", " "),
        };
        let mut spans = Vec::with_capacity(2 * self.columns.len() + 2);
        spans.push(Span::raw(first));
        spans.push(Span::raw(second));
        for (c, w) in self.columns.iter().zip(widths) {
            let cell = (c.cell)(r);
            if c.gap > 0 {
                spans.push(Span::raw(gap(c.gap)));
            }
            push_cell(&mut spans, cell, *w, c.align);
        }
        let line = Line::from(spans);
        if cursor && self.highlight_row {
            line.style(theme.selected())
        } else {
            line
        }
    }
}

/// Appends `cell` fitted to `w` columns: its pieces as they are (padded) when they fit, else
/// its text cut with an ellipsis.
fn push_cell(spans: &mut Vec<Span<'static>>, cell: Cell, w: usize, align: Align) {
    let width = width_of(&cell.text);
    if cell.parts.is_empty() || width > w {
        spans.push(Span::styled(fit_aligned(&cell.text, w, align), cell.style));
        return;
    }
    let pad = " ".repeat(w - width);
    if align == Align::Right && !pad.is_empty() {
        spans.push(Span::raw(pad.clone()));
    }
    spans.extend(cell.parts);
    if align == Align::Left && !pad.is_empty() {
        spans.push(Span::raw(pad));
    }
}

/// `n` blanks (at most eight) without allocating.
fn gap(n: usize) -> &'static str {
    &"        "[..n.min(8)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_pads_and_aligns() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit_aligned("7", 3, Align::Right), "  7");
        assert_eq!(fit("x", 0), "");
        assert_eq!(fit("a\u{1b}[2Jb", 3), "ab ");
    }

    #[test]
    fn shares_split_the_rest_and_the_last_takes_the_remainder() {
        let cols: Vec<Column<'_, ()>> = vec![
            Column::new("a", Width::Share(3), |_| Cell::raw("")).gap(0),
            Column::new("b", Width::Share(2), |_| Cell::raw("")),
            Column::new("c", Width::Share(5), |_| Cell::raw("")),
            Column::new("d", Width::Fixed(4), |_| Cell::raw("")),
        ];
        // 2 marker + 2 gaps + 1 gap + 4 fixed = 9; 31 left.
        assert_eq!(widths(&cols, 40), vec![9, 6, 16, 4]);
    }

    #[test]
    fn pieces_keep_their_styles_when_they_fit_and_are_cut_when_not() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let cell = || Cell::spans(vec![Span::raw("ab"), Span::styled("c", bold)]);
        let mut spans = Vec::new();
        push_cell(&mut spans, cell(), 5, Align::Left);
        let texts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, vec!["ab", "c", "  "]);
        assert_eq!(spans[1].style, bold);
        let mut spans = Vec::new();
        push_cell(&mut spans, cell(), 2, Align::Left);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].content, "a…");
    }

    #[test]
    fn scroll_notes_count_hidden_rows() {
        let t = Theme::default();
        assert_eq!(scroll_note(&t, 0, 5, 5), None);
        assert_eq!(scroll_note(&t, 0, 5, 8).as_deref(), Some("↓ 3 more below"));
        assert_eq!(scroll_note(&t, 3, 5, 8).as_deref(), Some("↑ 3 more above"));
        assert_eq!(
            scroll_note(&t, 2, 5, 8).as_deref(),
            Some("↑ 2 more above · ↓ 1 more below")
        );
    }

    #[test]
    fn filter_in_the_title_is_sanitized() {
        assert_eq!(title(" Jobs", "a\u{1b}[31mb", 0, ""), " Jobs · filter: ab ");
        assert_eq!(title(" Q", "", 2, " · x"), " Q · 2 marked · x ");
    }
}
