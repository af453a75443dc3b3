//! The tag scanner under [`super::html`]: HTML split into text and tags, each tag told by its
//! kind, with the byte searches the scanner and the readers share.

pub(super) enum Token<'a> {
    Text(&'a str),
    Start { kind: Kind, attrs: &'a str },
    End { kind: Kind },
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

impl Kind {
    /// The kind of a tag name, in any ASCII case.
    pub(super) fn of(name: &str) -> Kind {
        // No known name is longer than `blockquote`: the name is lower-cased into a small
        // buffer and matched as a byte string, which compiles to a decision on length and bytes
        // (most tags of report markup are inline and fall through after a compare or two).
        let name = name.as_bytes();
        let mut lower = [0u8; 10];
        let Some(buf) = lower.get_mut(..name.len()) else {
            return Kind::Inline;
        };
        for (l, b) in buf.iter_mut().zip(name) {
            *l = b.to_ascii_lowercase();
        }
        match &*buf {
            b"br" => Kind::Break,
            b"td" | b"th" => Kind::Cell,
            b"table" => Kind::Table,
            b"tr" => Kind::Row,
            b"li" => Kind::Item,
            b"pre" => Kind::Pre,
            b"head" | b"title" => Kind::Hidden,
            b"script" => Kind::Script,
            b"style" => Kind::Style,
            b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"blockquote" => Kind::Paragraph,
            b"div" | b"ul" | b"ol" | b"hr" | b"center" | b"section" | b"article" | b"header"
            | b"footer" | b"dl" | b"dt" | b"dd" | b"thead" | b"tbody" | b"tfoot" | b"caption"
            | b"form" | b"address" | b"body" | b"html" => Kind::Block,
            _ => Kind::Inline,
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

/// Splits HTML into text and tags, handing each to `emit` in document order (no token list is
/// built: a mail's HTML is read this way once for its text and once for its tables). Comments,
/// doctypes and the content of `script`/`style` are dropped here because they may contain `<`
/// that is not a tag.
pub(super) fn tokenize<'a>(html: &'a str, mut emit: impl FnMut(Token<'a>)) {
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

/// Offset of the first ASCII-case-insensitive occurrence of `needle` (which starts with a
/// non-letter, here `<`) in `hay`.
pub(super) fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    memchr::memchr_iter(first, hay).find(|&i| {
        hay.get(i + 1..i + needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(rest))
    })
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

/// The value of one attribute in a raw attribute string (`colspan=2`, `class="x"`); `name` is
/// lower case.
pub(super) fn attr_value<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
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
pub(super) fn find_ci_letters(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), hay).find(|&i| {
        hay.get(i + 1..i + needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(rest))
    })
}
