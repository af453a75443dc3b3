//! The tag scanner under [`super::html`]: HTML split into text and tags, each tag told by its
//! kind, with the byte searches the scanner and the readers share.

use super::text::find_ci;

/// What [`tokenize`] hands the text and tags to, one call per kind of token: the readers learn
/// what came from which method they are in, not from a token they would match again.
pub(super) trait Sink<'a> {
    /// A run of text between tags, entities not yet decoded; never empty.
    fn text(&mut self, text: &'a str);
    /// A start tag with its raw attribute string.
    fn start(&mut self, kind: Kind, attrs: &'a str);
    fn end(&mut self, kind: Kind);
}

/// What a tag means to the readers, told from its name once per tag (the readers used to
/// compare the name with a dozen strings each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
    // Built in a register: bytes written to memory one by one and read back as one integer
    // stalled the load on every tag.
    let mut key = (name.len() as u128) << 120;
    let mut i = 0;
    while i < name.len() {
        key |= (name[i].to_ascii_lowercase() as u128) << (8 * i);
        i += 1;
    }
    Some(key)
}

/// The tag names with a kind of their own; every other name is [`Kind::Inline`].
const NAMED: [(&[u8], Kind); 39] = [
    (b"br", Kind::Break),
    (b"td", Kind::Cell),
    (b"th", Kind::Cell),
    (b"table", Kind::Table),
    (b"tr", Kind::Row),
    (b"li", Kind::Item),
    (b"pre", Kind::Pre),
    (b"head", Kind::Hidden),
    (b"title", Kind::Hidden),
    (b"script", Kind::Script),
    (b"style", Kind::Style),
    (b"p", Kind::Paragraph),
    (b"h1", Kind::Paragraph),
    (b"h2", Kind::Paragraph),
    (b"h3", Kind::Paragraph),
    (b"h4", Kind::Paragraph),
    (b"h5", Kind::Paragraph),
    (b"h6", Kind::Paragraph),
    (b"blockquote", Kind::Paragraph),
    (b"div", Kind::Block),
    (b"ul", Kind::Block),
    (b"ol", Kind::Block),
    (b"hr", Kind::Block),
    (b"center", Kind::Block),
    (b"section", Kind::Block),
    (b"article", Kind::Block),
    (b"header", Kind::Block),
    (b"footer", Kind::Block),
    (b"dl", Kind::Block),
    (b"dt", Kind::Block),
    (b"dd", Kind::Block),
    (b"thead", Kind::Block),
    (b"tbody", Kind::Block),
    (b"tfoot", Kind::Block),
    (b"caption", Kind::Block),
    (b"form", Kind::Block),
    (b"address", Kind::Block),
    (b"body", Kind::Block),
    (b"html", Kind::Block),
];

/// Slots of the table of [`NAMED`] (a power of two, well above their number, so that most
/// lookups take one probe).
const SLOTS: usize = 128;

const fn slot_of(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64);
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57) as usize
}

/// [`NAMED`] by key, open addressing with linear probing; key 0 marks an empty slot.
static TABLE: [(u128, Kind); SLOTS] = {
    let mut table = [(0u128, Kind::Inline); SLOTS];
    let mut i = 0;
    while i < NAMED.len() {
        let (name, kind) = NAMED[i];
        let key = match name_key(name) {
            Some(key) => key,
            None => panic!("a known tag name is 1 to 15 bytes"),
        };
        let mut slot = slot_of(key);
        while table[slot].0 != 0 {
            slot = (slot + 1) % SLOTS;
        }
        table[slot] = (key, kind);
        i += 1;
    }
    table
};

impl Kind {
    /// The kind of a tag name, in any ASCII case: one hashed lookup, where a chain of compares
    /// (or a jump on the first letter) mispredicted on nearly every tag.
    pub(super) fn of(name: &str) -> Kind {
        let Some(key) = name_key(name.as_bytes()) else {
            return Kind::Inline;
        };
        let mut slot = slot_of(key);
        loop {
            match TABLE.get(slot) {
                Some(&(k, kind)) if k == key => return kind,
                Some(&(0, _)) | None => return Kind::Inline,
                Some(_) => slot = (slot + 1) % SLOTS,
            }
        }
    }

    /// A block element: its own line(s).
    pub(super) fn is_block(self) -> bool {
        matches!(
            self,
            Kind::Table | Kind::Row | Kind::Item | Kind::Pre | Kind::Paragraph | Kind::Block
        )
    }

    /// A block with a blank line before and after.
    pub(super) fn is_paragraph(self) -> bool {
        matches!(self, Kind::Table | Kind::Pre | Kind::Paragraph)
    }
}

/// Splits HTML into text and tags (other than inline ones), handing each to `sink` in document
/// order; no token list is built. Comments, doctypes and the content of `script`/`style` are
/// dropped here because they may contain `<` that is not a tag.
pub(super) fn tokenize<'a>(html: &'a str, sink: &mut impl Sink<'a>) {
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
            sink.text(text);
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
        // Inline tags (`span`, `b`, `font`, ...) change neither the text nor the tables: the
        // readers are not told of them.
        if kind == Kind::Inline {
            continue;
        }
        let attrs = rest.get(name_len..).unwrap_or("");
        if closing {
            sink.end(kind);
            continue;
        }
        if kind == Kind::Script || kind == Kind::Style {
            let close = if kind == Kind::Script {
                "</script"
            } else {
                "</style"
            };
            pos = html
                .get(pos..)
                .and_then(|rest| find_ci(rest, close))
                .map_or(bytes.len(), |i| pos + i);
            text_start = pos;
            continue;
        }
        sink.start(kind, attrs);
    }
    if let Some(text) = html.get(text_start..)
        && !text.is_empty()
    {
        sink.text(text);
    }
}

/// Offset of the first `byte` in `hay`. Most gaps between tags and quotes in report HTML are a
/// few bytes: a plain loop finds those sooner than the set-up of a vector search.
pub(super) fn find_byte(byte: u8, hay: &[u8]) -> Option<usize> {
    const SHORT: usize = 16;
    if let Some(i) = hay.iter().take(SHORT).position(|&b| b == byte) {
        return Some(i);
    }
    let rest = hay.get(SHORT..)?;
    memchr::memchr(byte, rest).map(|i| i + SHORT)
}

/// Length of the tag name at the start of `rest`: up to whitespace or `/`.
pub(super) fn name_end(rest: &str) -> usize {
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

/// Index of the `>` closing the tag that starts at `start`, skipping quoted attribute values.
pub(super) fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    // Most tags are short (`<td>`, `</span>`): a plain look at the first bytes finds their end
    // sooner than the set-up of a vector search.
    for (at, &b) in bytes.get(i..)?.iter().enumerate().take(16) {
        match b {
            b'>' => return Some(i + at),
            b'"' | b'\'' => {
                i += at;
                break;
            }
            _ => {}
        }
    }
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

/// The value of one attribute in a raw attribute string (`colspan=2`, `class="x"`), its name in
/// any case.
pub(super) fn attr_value<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let bytes = attrs.as_bytes();
    let mut from = 0;
    while let Some(found) = attrs.get(from..).and_then(|s| find_ci(s, name)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What the scanner handed on, as text.
    struct Seen(Vec<String>);

    impl Sink<'_> for Seen {
        fn text(&mut self, text: &str) {
            self.0.push(text.to_string());
        }
        fn start(&mut self, kind: Kind, _: &str) {
            self.0.push(format!("<{kind:?}>"));
        }
        fn end(&mut self, kind: Kind) {
            self.0.push(format!("</{kind:?}>"));
        }
    }

    #[test]
    fn every_known_name_has_its_kind_in_any_case_and_others_are_inline() {
        for (name, kind) in NAMED {
            let name = std::str::from_utf8(name).unwrap();
            assert_eq!(Kind::of(name), kind, "{name}");
            assert_eq!(Kind::of(&name.to_uppercase()), kind, "{name}");
            // One letter more or less is another name.
            assert_eq!(Kind::of(&format!("{name}x")), Kind::Inline, "{name}x");
            assert_eq!(
                Kind::of(&name[1..]),
                NAMED
                    .iter()
                    .find(|(n, _)| *n == &name.as_bytes()[1..])
                    .map_or(Kind::Inline, |&(_, k)| k)
            );
        }
        for name in [
            "span", "font", "a", "b", "img", "strong", "o:p", "tbodyx", "h7",
        ] {
            assert_eq!(Kind::of(name), Kind::Inline, "{name}");
        }
    }

    #[test]
    fn inline_tags_are_not_handed_on_and_split_the_text_where_they_stood() {
        let mut seen = Seen(Vec::new());
        tokenize("<TD>a<b>b</b> c<span x='>'>d</span></td>", &mut seen);
        assert_eq!(seen.0, ["<Cell>", "a", "b", " c", "d", "</Cell>"]);
    }

    #[test]
    fn script_and_style_end_in_any_case_and_attributes_are_read_in_any_case() {
        let mut seen = Seen(Vec::new());
        tokenize(
            "<STYLE>p<b{}</Style>x<SCRIPT>if (a<b) {}</sCrIpT>y",
            &mut seen,
        );
        assert_eq!(seen.0, ["</Style>", "x", "</Script>", "y"]);
        assert_eq!(
            attr_value(r#" style="a" COLSPAN = "3""#, "colspan"),
            Some("3")
        );
        assert_eq!(attr_value(" xcolspan=2 rowspan=4", "colspan"), None);
        assert_eq!(attr_value(" colspan=2/", "colspan"), Some("2"));
    }
}
