//! A small, forgiving HTML reader: HTML to readable text (tables as rows, entities decoded) and
//! tables as rows of cells for parsers. Report mails are machine-written and simple, so a tag
//! scanner is enough; it never fails, also on truncated markup.

pub use super::html_entities::decode_entities;
use super::html_entities::decode_entities_cow;
use super::html_tokens::{Kind, Sink, attr_value, tokenize};
use compact_str::CompactString;

/// One table cell: its text (block elements become line breaks) and its `colspan`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Short text (most cells) is held inline, so a table costs no allocation per cell.
    pub text: CompactString,
    pub colspan: usize,
}

/// One table in document order (outer tables before the tables nested in them). Text of nested
/// tables is not repeated in the outer cell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The rows as plain strings, for parsers that only need the text.
    pub fn text_rows(&self) -> Vec<Vec<&str>> {
        self.rows
            .iter()
            .map(|row| row.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }
}

/// Separator between the cells of one table row in rendered text.
pub const CELL_SEPARATOR: &str = " | ";

/// Hands each word of `text` to `emit` as `Some(word)`, and each run of whitespace between or
/// around words as `None`. Whitespace is `char::is_whitespace`. Words parted by one plain space
/// come as one (`Some("Start time")`): collapsing would leave that space as it is, and one
/// string costs the builders less than three.
fn for_each_word<'a>(text: &'a str, mut emit: impl FnMut(Option<&'a str>)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let spaces = i;
        i = skip_class(text, i, true);
        if i > spaces {
            emit(None);
        }
        let word = i;
        loop {
            i = skip_class(text, i, false);
            let next = bytes.get(i + 1).copied().unwrap_or(b' ');
            if bytes.get(i) == Some(&b' ') && next.is_ascii() && !ASCII_SPACE[usize::from(next)] {
                i += 1;
            } else {
                break;
            }
        }
        if i > word {
            emit(Some(text.get(word..i).unwrap_or("")));
        }
    }
}

/// `char::is_whitespace` on ASCII: tab, LF, VT, FF, CR and space.
const fn ascii_space_table() -> [bool; 128] {
    let mut table = [false; 128];
    let mut b = 9;
    while b <= 13 {
        table[b] = true;
        b += 1;
    }
    table[32] = true;
    table
}
static ASCII_SPACE: [bool; 128] = ascii_space_table();

/// The end of the run from byte `i` of chars that are whitespace (`space`) or are not. ASCII
/// bytes are told by a table in a tight loop; other chars are decoded.
#[inline(always)]
fn skip_class(text: &str, mut i: usize, space: bool) -> usize {
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(i) {
        if let Some(&is_space) = ASCII_SPACE.get(usize::from(b)) {
            if is_space != space {
                return i;
            }
            i += 1;
        } else {
            let c = text.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
            if c.is_whitespace() != space {
                return i;
            }
            i += c.len_utf8();
        }
    }
    i
}

/// Accumulates readable text: collapses whitespace outside `pre`, one line per block.
#[derive(Default)]
struct TextBuilder {
    out: String,
    pending_space: bool,
    pre: usize,
    /// Whether text inside `pre` went in as written: only then can a line end in whitespace or
    /// hold nothing but whitespace (see [`needs_tidying`](Self::needs_tidying)).
    raw: bool,
}

impl TextBuilder {
    /// A run of text, entities already decoded.
    fn text(&mut self, decoded: &str) {
        if self.pre > 0 {
            self.pre_text(decoded);
            return;
        }
        // Word by word rather than char by char: whitespace between words becomes one space,
        // never at the start of a line.
        for_each_word(decoded, |word| match word {
            Some(word) => self.word(word),
            None => self.pending_space = true,
        });
    }

    /// [`text`](Self::text) into this builder and `other` (the open table cell), splitting the
    /// text into words once for both.
    fn text_twice(&mut self, other: &mut TextBuilder, decoded: &str) {
        if self.pre > 0 || other.pre > 0 {
            self.text(decoded);
            other.text(decoded);
            return;
        }
        for_each_word(decoded, |word| match word {
            Some(word) => {
                self.word(word);
                other.word(word);
            }
            None => {
                self.pending_space = true;
                other.pending_space = true;
            }
        });
    }

    /// Text inside `pre`: kept as written, non-breaking spaces made plain.
    fn pre_text(&mut self, decoded: &str) {
        self.raw = true;
        if decoded.contains('\u{a0}') {
            self.out.push_str(&decoded.replace('\u{a0}', " "));
        } else {
            self.out.push_str(decoded);
        }
        self.pending_space = false;
    }

    fn word(&mut self, word: &str) {
        if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push_str(word);
    }

    /// A literal separator (cell separator, list bullet), without whitespace collapsing.
    fn literal(&mut self, s: &str) {
        self.pending_space = false;
        self.out.push_str(s);
    }

    /// Ends the current line (block boundary); never adds a blank line.
    fn newline(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        self.pending_space = false;
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// A paragraph boundary: the current line ends and one blank line follows.
    fn paragraph(&mut self) {
        self.newline();
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// `<br>`: always a line break, so that two in a row leave a blank line.
    fn line_break(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        self.pending_space = false;
        self.out.push('\n');
    }

    /// Whether [`tidy_lines`] would change more than the ends of the text. Words hold no
    /// whitespace, and every line end trims the spaces before it, so outside `pre` no line ends
    /// in whitespace or is whitespace alone; blank lines come in twos only from `<br>`s in a row.
    fn needs_tidying(&self) -> bool {
        let text = self.out.as_bytes();
        self.raw
            || memchr::memchr_iter(b'\n', text).any(|i| text.get(i + 1..i + 3) == Some(b"\n\n"))
    }

    fn finish(self) -> String {
        if self.needs_tidying() {
            return tidy_lines(&self.out);
        }
        let mut out = self.out;
        // Tidy already, but for the ends: tidying is trimming, done in place.
        let end = out.trim_end().len();
        out.truncate(end);
        let start = out.len() - out.trim_start().len();
        out.drain(..start);
        out
    }

    /// [`finish`](Self::finish) into a new string of its own size, leaving this builder empty
    /// and fresh for the next table cell (its buffer is kept, so cells cost no regrowth).
    fn take(&mut self) -> CompactString {
        self.pending_space = false;
        self.pre = 0;
        let text = if self.needs_tidying() {
            CompactString::from(tidy_lines(&self.out))
        } else {
            CompactString::from(self.out.trim())
        };
        self.raw = false;
        self.out.clear();
        text
    }
}

/// Trims line ends, keeps at most one blank line in a row and trims the whole text.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let end = out.trim_end().len();
    out.truncate(end);
    let start = out.len() - out.trim_start().len();
    out.drain(..start);
    out
}

/// Renders HTML as readable text: one line per block, table rows as cells joined by
/// [`CELL_SEPARATOR`], list items with a dash, entities decoded, head/script/style dropped.
pub fn html_to_text(html: &str) -> String {
    let mut text = TextReader::default();
    tokenize(html, &mut text);
    text.b.finish()
}

/// All tables of a document, outer before inner, each as rows of cells.
pub fn tables(html: &str) -> Vec<Table> {
    let mut tables = TableReader::default();
    tokenize(html, &mut tables);
    tables.finish()
}

/// [`html_to_text`] and [`tables`] in one pass over the markup: the mail's HTML is tokenized
/// once, and each run of text is decoded and split into words once for both.
pub fn text_and_tables(html: &str) -> (String, Vec<Table>) {
    let mut both = TextAndTables::default();
    // The text is some fraction of the markup: room for half of it saves most regrowth.
    both.text.b.out.reserve(html.len() / 2);
    tokenize(html, &mut both);
    (both.text.b.finish(), both.tables.finish())
}

#[derive(Default)]
struct TextAndTables {
    text: TextReader,
    tables: TableReader,
}

impl Sink<'_> for TextAndTables {
    fn text(&mut self, t: &str) {
        let shown = self.text.shows_text();
        let cell = self.tables.cell();
        if !shown && cell.is_none() {
            return;
        }
        let decoded = decode_entities_cow(t);
        match cell {
            Some(cell) if shown => self.text.b.text_twice(cell, &decoded),
            Some(cell) => cell.text(&decoded),
            None => self.text.b.text(&decoded),
        }
    }

    fn start(&mut self, kind: Kind, attrs: &str) {
        self.text.start(kind, attrs);
        self.tables.start(kind, attrs);
    }

    fn end(&mut self, kind: Kind) {
        self.text.end(kind);
        self.tables.end(kind);
    }
}

/// The state of [`html_to_text`] between tokens.
#[derive(Default)]
struct TextReader {
    b: TextBuilder,
    hidden: usize,
    /// Per open table: whether the current row already has a cell (to place separators).
    row_has_cell: Vec<bool>,
}

impl TextReader {
    fn shows_text(&self) -> bool {
        self.hidden == 0
    }
}

impl Sink<'_> for TextReader {
    fn text(&mut self, t: &str) {
        if self.shows_text() {
            self.b.text(&decode_entities_cow(t));
        }
    }

    fn start(&mut self, kind: Kind, _attrs: &str) {
        let b = &mut self.b;
        match kind {
            Kind::Hidden => self.hidden += 1,
            Kind::Break => b.line_break(),
            Kind::Cell => {
                if let Some(has) = self.row_has_cell.last_mut() {
                    if *has {
                        b.literal(CELL_SEPARATOR);
                    }
                    *has = true;
                }
            }
            Kind::Table => {
                self.row_has_cell.push(false);
                b.paragraph();
            }
            Kind::Row => {
                if let Some(has) = self.row_has_cell.last_mut() {
                    *has = false;
                }
                b.newline();
            }
            Kind::Item => {
                b.newline();
                b.literal("- ");
            }
            Kind::Pre => {
                b.paragraph();
                b.pre += 1;
            }
            _ if kind.is_paragraph() => b.paragraph(),
            _ if kind.is_block() => b.newline(),
            _ => {}
        }
    }

    fn end(&mut self, kind: Kind) {
        let b = &mut self.b;
        match kind {
            Kind::Hidden => self.hidden = self.hidden.saturating_sub(1),
            Kind::Table => {
                self.row_has_cell.pop();
                b.paragraph();
            }
            Kind::Pre => {
                b.pre = b.pre.saturating_sub(1);
                b.paragraph();
            }
            _ if kind.is_paragraph() => b.paragraph(),
            _ if kind.is_block() => b.newline(),
            _ => {}
        }
    }
}

struct OpenTable {
    index: usize,
    rows: Vec<Vec<Cell>>,
    /// The `colspan` of the open cell, if a cell is open.
    cell: Option<usize>,
    /// The text of the open cell; one builder serves every cell of the table in turn.
    builder: TextBuilder,
}

impl OpenTable {
    fn new(index: usize) -> Self {
        Self {
            index,
            rows: Vec::new(),
            cell: None,
            builder: TextBuilder::default(),
        }
    }

    fn close_cell(&mut self) {
        if let Some(colspan) = self.cell.take() {
            let cell = Cell {
                text: self.builder.take(),
                colspan,
            };
            match self.rows.last_mut() {
                Some(row) => row.push(cell),
                None => self.rows.push(vec![cell]),
            }
        }
    }

    /// Starts a row, with room for as many cells as the previous row had.
    fn new_row(&mut self) {
        let cells = self.rows.last().map_or(0, Vec::len);
        self.rows.push(Vec::with_capacity(cells));
    }

    /// Moves the rows into their slot in `done`, dropping empty rows.
    fn finish(mut self, done: &mut [Table]) {
        self.close_cell();
        let mut rows = self.rows;
        rows.retain(|r| !r.is_empty());
        if let Some(slot) = done.get_mut(self.index) {
            slot.rows = rows;
        }
    }
}

/// The state of [`tables`] between tokens.
#[derive(Default)]
struct TableReader {
    done: Vec<Table>,
    stack: Vec<OpenTable>,
}

impl TableReader {
    /// The builder of the open cell, which takes the text.
    fn cell(&mut self) -> Option<&mut TextBuilder> {
        self.stack
            .last_mut()
            .filter(|o| o.cell.is_some())
            .map(|o| &mut o.builder)
    }

    fn finish(mut self) -> Vec<Table> {
        // Tables left open by truncated markup still count.
        while let Some(open) = self.stack.pop() {
            open.finish(&mut self.done);
        }
        self.done
    }
}

impl Sink<'_> for TableReader {
    fn text(&mut self, t: &str) {
        if let Some(cell) = self.cell() {
            cell.text(&decode_entities_cow(t));
        }
    }

    fn start(&mut self, kind: Kind, attrs: &str) {
        match kind {
            Kind::Table => {
                self.done.push(Table::default());
                self.stack.push(OpenTable::new(self.done.len() - 1));
            }
            Kind::Row => {
                if let Some(open) = self.stack.last_mut() {
                    open.close_cell();
                    open.new_row();
                }
            }
            Kind::Cell => {
                if let Some(open) = self.stack.last_mut() {
                    open.close_cell();
                    if open.rows.is_empty() {
                        open.rows.push(Vec::new());
                    }
                    let colspan = attr_value(attrs, "colspan")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(1)
                        .max(1);
                    open.cell = Some(colspan);
                }
            }
            _ => {
                if let Some(builder) = self.cell() {
                    match kind {
                        Kind::Break => builder.line_break(),
                        Kind::Pre => {
                            builder.newline();
                            builder.pre += 1;
                        }
                        _ if kind.is_block() => builder.newline(),
                        _ => {}
                    }
                }
            }
        }
    }

    fn end(&mut self, kind: Kind) {
        match kind {
            Kind::Table => {
                if let Some(open) = self.stack.pop() {
                    open.finish(&mut self.done);
                }
            }
            Kind::Cell | Kind::Row => {
                if let Some(open) = self.stack.last_mut() {
                    open.close_cell();
                }
            }
            _ => {
                if let Some(builder) = self.cell() {
                    if kind == Kind::Pre {
                        builder.pre = builder.pre.saturating_sub(1);
                    }
                    if kind.is_block() {
                        builder.newline();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_blocks_tables_and_entities() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head><body>\
            <p>Backup&nbsp;job: <b>Daily</b> &amp; more</p><!-- a <comment> -->\
            <table><tr><th>Name</th><th>Status</th></tr><tr><td>vm&#45;01</td><td>Success</td></tr></table>\
            <ul><li>one</li><li>two</li></ul>caf&eacute; &#x263A; &bogus; a &lt; b</body></html>";
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Backup job: Daily & more\n\nName | Status\nvm-01 | Success\n\n- one\n- two\ncafé ☺ &bogus; a < b"
        );
    }

    /// Building text by any sequence of steps, the cheap ending of `finish` and `take` gives what
    /// tidying every line gives: the steps keep the text tidy but for its ends.
    #[test]
    fn text_built_by_any_steps_ends_as_tidying_would_end_it() {
        const TEXTS: [&str; 9] = [
            "word",
            "two words",
            "  ",
            "\u{a0}nbsp\u{a0}",
            "em\u{2003}space ",
            "\n",
            "\t x \r\n y\n\n\n",
            " \n \n",
            "",
        ];
        // The demo's deterministic generator: the same steps on every run.
        let mut rng = crate::demo::rng::Rng::new(7);
        let mut next = |n: u64| usize::try_from(rng.below(n)).unwrap();
        let mut cell = TextBuilder::default();
        for _ in 0..3_000 {
            let mut b = TextBuilder::default();
            for _ in 0..next(24) {
                for builder in [&mut b, &mut cell] {
                    match next(9) {
                        0..=2 => builder.text(TEXTS[next(TEXTS.len() as u64)]),
                        3 => builder.literal(CELL_SEPARATOR),
                        4 => builder.literal("- "),
                        5 => builder.newline(),
                        6 => builder.paragraph(),
                        7 => builder.line_break(),
                        _ if builder.pre > 0 && next(2) == 0 => builder.pre -= 1,
                        _ => builder.pre += usize::from(next(4) == 0),
                    }
                }
            }
            let tidied = tidy_lines(&b.out);
            assert_eq!(b.finish(), tidied);
            let tidied = tidy_lines(&cell.out);
            assert_eq!(cell.take(), tidied.as_str());
        }
    }

    #[test]
    fn pre_keeps_layout() {
        let text = html_to_text("<pre>101: a\n  102: b</pre>after");
        assert_eq!(text, "101: a\n  102: b\n\nafter");
    }

    #[test]
    fn tag_kinds_in_any_case() {
        assert_eq!(Kind::of("TD"), Kind::Cell);
        assert_eq!(Kind::of("BlockQuote"), Kind::Paragraph);
        assert_eq!(Kind::of("tbody"), Kind::Block);
        assert_eq!(Kind::of("br\0"), Kind::Inline);
        assert_eq!(Kind::of("span"), Kind::Inline);
        assert_eq!(Kind::of(""), Kind::Inline);
        assert_eq!(Kind::of("averyveryverylongname"), Kind::Inline);
    }

    #[test]
    fn tables_nested_and_colspan() {
        let html = "<table><tr><td>outer <table><tr><td colspan=\"2\">inner<br>line</td></tr></table> tail</td>\
            <td>x</td></tr></table>";
        let tables = tables(html);
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].text_rows(), vec![vec!["outer tail", "x"]]);
        assert_eq!(tables[1].rows[0][0].text, "inner\nline");
        assert_eq!(tables[1].rows[0][0].colspan, 2);
    }

    #[test]
    fn truncated_markup_never_fails() {
        let html = "<table><tr><td>a</td><td>b<span class=\"x";
        let t = tables(html);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].text_rows(), vec![vec!["a", "b"]]);
        assert_eq!(html_to_text(html), "a | b");
        assert_eq!(html_to_text(""), "");
        assert_eq!(html_to_text("<"), "<");
        assert_eq!(decode_entities("&#99999999;&"), "\u{fffd}&");
    }
}
