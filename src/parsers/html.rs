//! A small, forgiving HTML reader: HTML to readable text (tables as rows, entities decoded) and
//! tables as rows of cells for parsers. Report mails are machine-written and simple, so a tag
//! scanner is enough; it never fails, also on truncated markup.

/// One table cell: its text (block elements become line breaks) and its `colspan`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
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

enum Token<'a> {
    Text(&'a str),
    Start { kind: Kind, attrs: &'a str },
    End { kind: Kind },
}

/// What a tag means to the readers, told from its name once per tag (the readers used to
/// compare the name with a dozen strings each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `br`
    Break,
    /// `td`, `th`
    Cell,
    Table,
    /// `tr`
    Row,
    /// `li`
    Item,
    Pre,
    /// `head`, `title`: their text is never shown.
    Hidden,
    Script,
    Style,
    /// Blocks that stand apart from their neighbours by a blank line: `p`, `h1`-`h6`,
    /// `blockquote` (and `table` and `pre`, which have kinds of their own).
    Paragraph,
    /// The other blocks: one line each.
    Block,
    /// Everything else: `b`, `span`, `a`, ...
    Inline,
}

/// A tag name of 1 to 15 bytes, ASCII lower-cased, as one integer (its bytes in order, zero
/// padded, and its length in the last byte); `None` for other lengths. Equal keys mean equal
/// lower-cased names.
const fn name_key(name: &[u8]) -> Option<u128> {
    if name.is_empty() || name.len() > 15 {
        return None;
    }
    let mut bytes = [0u8; 16];
    let mut i = 0;
    while i < name.len() {
        bytes[i] = name[i].to_ascii_lowercase();
        i += 1;
    }
    bytes[15] = name.len() as u8;
    Some(u128::from_le_bytes(bytes))
}

impl Kind {
    /// The kind of a tag name, in any ASCII case.
    fn of(name: &str) -> Kind {
        // No known name is longer than `blockquote`: the lower-cased name fits one integer,
        // compared with the known names without a call to a string comparison.
        let Some(key) = name_key(name.as_bytes()) else {
            return Kind::Inline;
        };
        const fn k(name: &[u8]) -> u128 {
            match name_key(name) {
                Some(key) => key,
                None => 0,
            }
        }
        const BR: u128 = k(b"br");
        const TD: u128 = k(b"td");
        const TH: u128 = k(b"th");
        const TABLE: u128 = k(b"table");
        const TR: u128 = k(b"tr");
        const LI: u128 = k(b"li");
        const PRE: u128 = k(b"pre");
        const HEAD: u128 = k(b"head");
        const TITLE: u128 = k(b"title");
        const SCRIPT: u128 = k(b"script");
        const STYLE: u128 = k(b"style");
        const PARAGRAPHS: [u128; 8] = [
            k(b"p"),
            k(b"h1"),
            k(b"h2"),
            k(b"h3"),
            k(b"h4"),
            k(b"h5"),
            k(b"h6"),
            k(b"blockquote"),
        ];
        const BLOCKS: [u128; 20] = [
            k(b"div"),
            k(b"ul"),
            k(b"ol"),
            k(b"hr"),
            k(b"center"),
            k(b"section"),
            k(b"article"),
            k(b"header"),
            k(b"footer"),
            k(b"dl"),
            k(b"dt"),
            k(b"dd"),
            k(b"thead"),
            k(b"tbody"),
            k(b"tfoot"),
            k(b"caption"),
            k(b"form"),
            k(b"address"),
            k(b"body"),
            k(b"html"),
        ];
        match key {
            BR => Kind::Break,
            TD | TH => Kind::Cell,
            TABLE => Kind::Table,
            TR => Kind::Row,
            LI => Kind::Item,
            PRE => Kind::Pre,
            HEAD | TITLE => Kind::Hidden,
            SCRIPT => Kind::Script,
            STYLE => Kind::Style,
            _ if PARAGRAPHS.contains(&key) => Kind::Paragraph,
            _ if BLOCKS.contains(&key) => Kind::Block,
            _ => Kind::Inline,
        }
    }

    /// A block element: its own line(s).
    fn is_block(self) -> bool {
        matches!(
            self,
            Kind::Table | Kind::Row | Kind::Item | Kind::Pre | Kind::Paragraph | Kind::Block
        )
    }

    /// A block with a blank line before and after.
    fn is_paragraph(self) -> bool {
        matches!(self, Kind::Table | Kind::Pre | Kind::Paragraph)
    }
}

/// Splits HTML into text and tags, handing each to `emit` in document order (no token list is
/// built: a mail's HTML is read this way once for its text and once for its tables). Comments,
/// doctypes and the content of `script`/`style` are dropped here because they may contain `<`
/// that is not a tag.
fn tokenize<'a>(html: &'a str, mut emit: impl FnMut(Token<'a>)) {
    let bytes = html.as_bytes();
    let mut pos = 0;
    let mut text_start = 0;
    while pos < bytes.len() {
        match find_byte(b'<', &bytes[pos..]) {
            Some(i) => pos += i,
            None => break,
        }
        let next = bytes.get(pos + 1).copied().unwrap_or(b' ');
        let is_tag = next.is_ascii_alphabetic() || next == b'/' || next == b'!' || next == b'?';
        if !is_tag {
            pos += 1;
            continue;
        }
        if let Some(text) = html.get(text_start..pos)
            && !text.is_empty()
        {
            emit(Token::Text(text));
        }
        if bytes[pos..].starts_with(b"<!--") {
            pos = memchr::memmem::find(&bytes[pos + 4..], b"-->")
                .map_or(bytes.len(), |i| pos + 4 + i + 3);
            text_start = pos;
            continue;
        }
        let Some(end) = tag_end(bytes, pos) else {
            // Truncated tag at the end of the input: nothing readable follows.
            return;
        };
        let inner = html.get(pos + 1..end).unwrap_or("");
        pos = end + 1;
        text_start = pos;
        if next == b'!' || next == b'?' {
            continue;
        }
        let (closing, rest) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let name_len = name_end(rest);
        let kind = Kind::of(rest.get(..name_len).unwrap_or(""));
        let attrs = rest.get(name_len..).unwrap_or("");
        if closing {
            emit(Token::End { kind });
            continue;
        }
        if kind == Kind::Script || kind == Kind::Style {
            let close: &[u8] = if kind == Kind::Script {
                b"</script"
            } else {
                b"</style"
            };
            pos = find_ci(&bytes[pos..], close).map_or(bytes.len(), |i| pos + i);
            text_start = pos;
            continue;
        }
        emit(Token::Start { kind, attrs });
    }
    if let Some(text) = html.get(text_start..)
        && !text.is_empty()
    {
        emit(Token::Text(text));
    }
}

/// Offset of the first `byte` in `hay`. Most gaps between tags and quotes in report HTML are a
/// few bytes: a plain loop finds those sooner than the set-up of a vector search.
fn find_byte(byte: u8, hay: &[u8]) -> Option<usize> {
    const SHORT: usize = 16;
    if let Some(i) = hay.iter().take(SHORT).position(|&b| b == byte) {
        return Some(i);
    }
    let rest = hay.get(SHORT..)?;
    memchr::memchr(byte, rest).map(|i| i + SHORT)
}

/// Length of the tag name at the start of `rest`: up to whitespace or `/`.
fn name_end(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            // `char::is_whitespace` on ASCII: tab, LF, VT, FF, CR and space.
            if matches!(b, b'\t'..=b'\r' | b' ' | b'/') {
                return i;
            }
            i += 1;
        } else {
            let c = rest.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
            if c.is_whitespace() {
                return i;
            }
            i += c.len_utf8();
        }
    }
    bytes.len()
}

/// Offset of the first ASCII-case-insensitive occurrence of `needle` (which starts with a
/// non-letter, here `<`) in `hay`.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    memchr::memchr_iter(first, hay).find(|&i| {
        hay.get(i + 1..i + needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(rest))
    })
}

/// Index of the `>` closing the tag that starts at `start`, skipping quoted attribute values.
fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        // Jump from one `>` or quote to the next, and from a quote to its closing quote: report
        // markup has long `style` attributes, which a vector search crosses in a few steps.
        let at = i + memchr::memchr3(b'>', b'"', b'\'', bytes.get(i..)?)?;
        match bytes.get(at) {
            Some(b'>') => return Some(at),
            Some(&q) => i = at + 1 + memchr::memchr(q, bytes.get(at + 1..)?)? + 1,
            None => return None,
        }
    }
}

/// The value of one attribute in a raw attribute string (`colspan=2`, `class="x"`); `name` is
/// lower case.
fn attr_value<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let bytes = attrs.as_bytes();
    let mut from = 0;
    while let Some(found) = bytes
        .get(from..)
        .and_then(|s| find_ci_letters(s, name.as_bytes()))
    {
        let at = from + found;
        from = at + name.len();
        let before_ok = at == 0 || bytes.get(at - 1).is_some_and(|b| b.is_ascii_whitespace());
        let rest = attrs.get(at + name.len()..).unwrap_or("").trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value = rest.get(1..).unwrap_or("").trim_start();
        let (quote, body) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), value.get(1..).unwrap_or("")),
            _ => (None, value),
        };
        let end = match quote {
            Some(q) => body.find(q).unwrap_or(body.len()),
            None => body
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(body.len()),
        };
        return body.get(..end);
    }
    None
}

/// Offset of the first ASCII-case-insensitive occurrence of a lower-case `needle` in `hay`.
fn find_ci_letters(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), hay).find(|&i| {
        hay.get(i + 1..i + needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(rest))
    })
}

/// Hands each word of `text` to `emit` as `Some(word)`, and each run of whitespace between or
/// around words as `None`. Whitespace is `char::is_whitespace`; ASCII is classified by byte.
fn for_each_word<'a>(text: &'a str, mut emit: impl FnMut(Option<&'a str>)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let spaces = i;
        while let Some((true, len)) = space_at(text, i) {
            i += len;
        }
        if i > spaces {
            emit(None);
        }
        let word = i;
        while let Some((false, len)) = space_at(text, i) {
            i += len;
        }
        if i > word {
            emit(Some(text.get(word..i).unwrap_or("")));
        }
    }
}

/// Whether the char at byte `i` of `text` is whitespace, and its length; `None` at the end.
#[inline(always)]
fn space_at(text: &str, i: usize) -> Option<(bool, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b.is_ascii() {
        // `char::is_whitespace` on ASCII: tab, LF, VT, FF, CR and space.
        return Some((matches!(b, b'\t'..=b'\r' | b' '), 1));
    }
    let c = text.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
    Some((c.is_whitespace(), c.len_utf8()))
}

/// Accumulates readable text: collapses whitespace outside `pre`, one line per block.
#[derive(Default)]
struct TextBuilder {
    out: String,
    pending_space: bool,
    pre: usize,
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

    fn finish(self) -> String {
        let mut out = self.out;
        if out.contains('\n') {
            return tidy_lines(&out);
        }
        // One line (most table cells): tidying is trimming, done in place.
        let end = out.trim_end().len();
        out.truncate(end);
        let start = out.len() - out.trim_start().len();
        out.drain(..start);
        out
    }

    /// [`finish`](Self::finish) into a new string of its own size, leaving this builder empty
    /// and fresh for the next table cell (its buffer is kept, so cells cost no regrowth).
    fn take(&mut self) -> String {
        self.pending_space = false;
        self.pre = 0;
        let text = if memchr::memchr(b'\n', self.out.as_bytes()).is_some() {
            tidy_lines(&self.out)
        } else {
            self.out.trim().to_string()
        };
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
    tokenize(html, |token| match token {
        Token::Text(t) => {
            if text.shows_text() {
                text.b.text(&decode_entities_cow(t));
            }
        }
        tag => text.tag(&tag),
    });
    text.b.finish()
}

/// All tables of a document, outer before inner, each as rows of cells.
pub fn tables(html: &str) -> Vec<Table> {
    let mut tables = TableReader::default();
    tokenize(html, |token| match token {
        Token::Text(t) => {
            if let Some(cell) = tables.cell() {
                cell.text(&decode_entities_cow(t));
            }
        }
        tag => tables.tag(&tag),
    });
    tables.finish()
}

/// [`html_to_text`] and [`tables`] in one pass over the markup: the mail's HTML is tokenized
/// once, and each run of text is decoded and split into words once for both.
pub fn text_and_tables(html: &str) -> (String, Vec<Table>) {
    let mut text = TextReader::default();
    // The text is some fraction of the markup: room for half of it saves most regrowth.
    text.b.out.reserve(html.len() / 2);
    let mut tables = TableReader::default();
    tokenize(html, |token| match token {
        Token::Text(t) => {
            let shown = text.shows_text();
            let cell = tables.cell();
            if !shown && cell.is_none() {
                return;
            }
            let decoded = decode_entities_cow(t);
            match cell {
                Some(cell) if shown => text.b.text_twice(cell, &decoded),
                Some(cell) => cell.text(&decoded),
                None => text.b.text(&decoded),
            }
        }
        tag => {
            text.tag(&tag);
            tables.tag(&tag);
        }
    });
    (text.b.finish(), tables.finish())
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

    /// A start or end tag (text is handled by the caller).
    fn tag(&mut self, token: &Token<'_>) {
        let b = &mut self.b;
        match token {
            Token::Text(_) => {}
            Token::Start { kind, .. } => match kind {
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
            },
            Token::End { kind } => match kind {
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
            },
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

    /// A start or end tag (text is handled by the caller).
    fn tag(&mut self, token: &Token<'_>) {
        match token {
            Token::Text(_) => {}
            Token::Start { kind, attrs } => match kind {
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
            },
            Token::End { kind } => match kind {
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
                        if *kind == Kind::Pre {
                            builder.pre = builder.pre.saturating_sub(1);
                        }
                        if kind.is_block() {
                            builder.newline();
                        }
                    }
                }
            },
        }
    }

    fn finish(mut self) -> Vec<Table> {
        // Tables left open by truncated markup still count.
        while let Some(open) = self.stack.pop() {
            open.finish(&mut self.done);
        }
        self.done
    }
}

/// Decodes character references: the named ones report mails use, and all numeric ones.
pub fn decode_entities(text: &str) -> String {
    decode_entities_cow(text).into_owned()
}

/// [`decode_entities`], borrowing the text when it has no `&` (most text runs).
fn decode_entities_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'&', text.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let after = rest.get(amp + 1..).unwrap_or("");
        let semi = after
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = semi.and_then(|i| after.get(..i)).and_then(entity);
        match (decoded, semi) {
            (Some(c), Some(i)) => {
                out.push(c);
                rest = after.get(i + 1..).unwrap_or("");
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return Some(char::from_u32(code).unwrap_or('\u{fffd}'));
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bull" => '•',
        "middot" => '·',
        "euro" => '€',
        "deg" => '°',
        "times" => '×',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "Eacute" => 'É',
        "aacute" => 'á',
        "agrave" => 'à',
        "acirc" => 'â',
        "iacute" => 'í',
        "igrave" => 'ì',
        "iuml" => 'ï',
        "oacute" => 'ó',
        "ograve" => 'ò',
        "ocirc" => 'ô',
        "uacute" => 'ú',
        "ugrave" => 'ù',
        "ccedil" => 'ç',
        "ntilde" => 'ñ',
        "aring" => 'å',
        "oslash" => 'ø',
        "aelig" => 'æ',
        _ => return None,
    };
    Some(c)
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
