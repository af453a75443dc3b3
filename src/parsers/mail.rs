//! The normalised mail every parser sees: decoded headers and bodies, HTML rendered to text, the
//! subject cleaned of reply/forward prefixes and transport tags, forwarded header blocks skipped.

use super::cue_words::lower_contains;
use super::html::{self, Table};
use super::text::{clean_line, is_one_of, strip_prefix_ci};
use chrono::{DateTime, FixedOffset, NaiveDate};
use mail_parser::{HeaderName, MessageParser, MimeHeaders, PartType};
use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

/// A mail decoded from raw MIME. Built by [`normalize`], which never fails: missing parts are
/// empty strings or `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizedMail {
    /// Sender address, lower-cased; empty when the mail has none.
    pub from_address: String,
    /// Sender display name.
    pub from_name: Option<String>,
    /// Decoded subject (RFC 2047), control characters removed.
    pub subject: String,
    /// The subject for matching: reply/forward prefixes and transport tags stripped.
    pub match_subject: String,
    /// The `Date` header.
    pub received: Option<DateTime<FixedOffset>>,
    /// The `Message-ID` header without its angle brackets, trimmed; `None` when missing or
    /// blank.
    pub message_id: Option<String>,
    /// The decoded `text/plain` body parts, joined.
    pub text_body: Option<String>,
    /// The decoded `text/html` body parts, joined.
    pub html_body: Option<String>,
    /// The HTML body rendered as readable text.
    pub html_text: Option<String>,
    /// The text parsers read: the plain body when there is one, else the rendered HTML, with a
    /// forwarded-message header block (and what precedes it) skipped.
    pub body: String,
    /// True when a forwarded-message header block was found and skipped.
    pub forwarded: bool,
    /// The first mail attached whole (`message/rfc822`, or an `.eml` file): a report forwarded
    /// as an attachment. Parsed instead of the outer mail when a parser recognises it.
    pub attached: Option<Box<NormalizedMail>>,
    /// What parsers derive from the bodies, worked out on first use.
    derived: Derived,
}

/// Views of a mail's bodies that several parsers ask for (each parser's cue scans the bodies
/// for its product's name, and a parser's cue and its parse may both read the HTML tables),
/// worked out once per mail on first use. Derived from the other fields, so it takes no part in
/// comparisons.
#[derive(Clone, Default)]
struct Derived {
    tables: OnceLock<Vec<Table>>,
    /// `body` and `html_body` in ASCII lower case, byte for byte (same offsets).
    lower_text: OnceLock<String>,
    lower_html: OnceLock<String>,
}

impl PartialEq for Derived {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Derived {}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

impl NormalizedMail {
    /// True when nothing at all could be read: no sender, subject or body.
    pub fn is_empty(&self) -> bool {
        self.from_address.is_empty()
            && self.subject.is_empty()
            && self.body.trim().is_empty()
            && self
                .html_body
                .as_deref()
                .is_none_or(|h| h.trim().is_empty())
    }

    /// The HTML body, or an empty string.
    pub fn html(&self) -> &str {
        self.html_body.as_deref().unwrap_or("")
    }

    /// The tables of the HTML body ([`html::tables`]), read with the text by [`normalize`] (or
    /// on first use by a mail built otherwise).
    pub fn tables(&self) -> &[Table] {
        self.derived
            .tables
            .get_or_init(|| html::tables(self.html()))
    }

    /// Whether [`text`](Self::text) contains `needle`, ASCII case-insensitive (as
    /// [`contains_ci`](super::text::contains_ci)).
    pub fn text_mentions(&self, needle: &str) -> bool {
        let lower = self
            .derived
            .lower_text
            .get_or_init(|| self.body.to_ascii_lowercase());
        lower_contains(lower, needle)
    }

    /// Whether the HTML body contains `needle`, ASCII case-insensitive.
    pub fn html_mentions(&self, needle: &str) -> bool {
        let lower = self
            .derived
            .lower_html
            .get_or_init(|| self.html().to_ascii_lowercase());
        lower_contains(lower, needle)
    }

    /// The plain-text body when the mail has one, else the rendered HTML (both with the forward
    /// block skipped). Parsers that need the text part specifically use `text_body`.
    pub fn text(&self) -> &str {
        &self.body
    }
}

/// Forwards of forwards are unpacked this deep; deeper attachments are left alone.
const MAX_ATTACHED_DEPTH: u32 = 3;

/// Decodes raw MIME bytes. Never panics: empty, binary or truncated input gives a mostly empty
/// mail that no parser will match.
pub fn normalize(raw: &[u8]) -> NormalizedMail {
    normalize_at(raw, 0)
}

/// The first attachment that is itself a mail: a `message/rfc822` part, or a file named `.eml`
/// (some clients attach a forwarded mail as a plain file).
fn attached_mail(message: &mail_parser::Message<'_>, depth: u32) -> Option<Box<NormalizedMail>> {
    if depth >= MAX_ATTACHED_DEPTH {
        return None;
    }
    message.attachments().find_map(|part| {
        let raw: &[u8] = match &part.body {
            PartType::Message(inner) => inner.raw_message(),
            PartType::Binary(bytes) | PartType::InlineBinary(bytes)
                if part
                    .attachment_name()
                    .is_some_and(|n| n.to_lowercase().ends_with(".eml")) =>
            {
                bytes.as_ref()
            }
            _ => return None,
        };
        let inner = normalize_at(raw, depth + 1);
        (!inner.is_empty()).then(|| Box::new(inner))
    })
}

/// The headers we read, parsed as mail-parser's defaults do; every other header is skipped,
/// neither parsed nor kept (`Received`, `To`, the dozens of trace and filter headers a mailbox
/// adds on delivery, ...): nothing here looks at them, and on delivered mail they are most of
/// the header bytes. The MIME headers are parsed as by default, so the bodies decode the same.
static MESSAGE_PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    MessageParser::new()
        .with_mime_headers()
        .header_text(HeaderName::Subject)
        .header_address(HeaderName::From)
        .header_date(HeaderName::Date)
        .header_id(HeaderName::MessageId)
        .default_header_ignore()
});

fn normalize_at(raw: &[u8], depth: u32) -> NormalizedMail {
    let Some(mut message) = MESSAGE_PARSER.parse(raw) else {
        return NormalizedMail::default();
    };
    let (from_address, from_name) = message
        .from()
        .and_then(|a| a.first())
        .map(|addr| {
            (
                addr.address()
                    .map(|a| clean_line(a).to_lowercase())
                    .unwrap_or_default(),
                addr.name().map(clean_line).filter(|n| !n.is_empty()),
            )
        })
        .unwrap_or_default();
    let subject = message.subject().map(clean_line).unwrap_or_default();
    let received = message.date().and_then(|d| {
        let offset = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
        let offset = FixedOffset::east_opt(if d.tz_before_gmt { -offset } else { offset })?;
        NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?
            .and_hms_opt(u32::from(d.hour), u32::from(d.minute), u32::from(d.second))?
            .and_local_timezone(offset)
            .single()
    });
    let message_id = message
        .message_id()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string);

    // mail-parser lists an HTML part among the text bodies (and vice versa) when the other is
    // missing; look at the real part types so each field holds what the sender wrote.
    let mut ids: Vec<u32> = message
        .text_body
        .iter()
        .chain(message.html_body.iter())
        .copied()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let attached = attached_mail(&message, depth);
    // The decoded bodies are taken out of the message, not copied: a body decoded from
    // quoted-printable or base64 is already a string of its own.
    let mut text_parts: Vec<Cow<'_, str>> = Vec::new();
    let mut html_parts: Vec<Cow<'_, str>> = Vec::new();
    for &id in &ids {
        let Some(part) = usize::try_from(id)
            .ok()
            .and_then(|i| message.parts.get_mut(i))
        else {
            continue;
        };
        if part.is_content_type("text", "calendar") {
            continue;
        }
        match &mut part.body {
            PartType::Text(t) => text_parts.push(std::mem::take(t)),
            PartType::Html(h) => html_parts.push(std::mem::take(h)),
            _ => {}
        }
    }
    let join = |mut parts: Vec<Cow<'_, str>>| match parts.len() {
        0 => None,
        1 => parts.pop().map(Cow::into_owned),
        _ => Some(parts.join("\n")),
    };
    let text_body = join(text_parts).map(crlf_to_lf);
    let html_body = join(html_parts);
    // The tables are read in the same pass as the text: most parsers of HTML reports read them.
    let (html_text, tables) = match html_body.as_deref().map(html::text_and_tables) {
        Some((text, tables)) => (Some(text), tables),
        None => (None, Vec::new()),
    };
    let readable = text_body
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .or(html_text.as_deref())
        .unwrap_or("");
    let (body, forwarded) = skip_forward_headers(readable);
    let body = body.trim_end().trim_start_matches(['\n', '\r']).to_string();

    NormalizedMail {
        from_address,
        from_name,
        match_subject: match_subject(&subject),
        subject,
        received,
        message_id,
        text_body,
        html_body,
        html_text,
        body,
        forwarded,
        attached,
        derived: Derived {
            tables: OnceLock::from(tables),
            ..Derived::default()
        },
    }
}

/// `text` with every CRLF made LF, in place: no second copy of the body.
fn crlf_to_lf(text: String) -> String {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    let mut bytes = text.into_bytes();
    // Each CR of a CRLF is dropped by moving the stretch after it down, found by vector search.
    let crs: Vec<usize> = memchr::memchr_iter(b'\r', &bytes)
        .filter(|&i| bytes.get(i + 1) == Some(&b'\n'))
        .collect();
    let mut kept = crs.first().copied().unwrap_or(bytes.len());
    for (n, &cr) in crs.iter().enumerate() {
        let next = crs.get(n + 1).copied().unwrap_or(bytes.len());
        bytes.copy_within(cr + 1..next, kept);
        kept += next - cr - 1;
    }
    bytes.truncate(kept);
    // Dropping ASCII bytes keeps the text valid UTF-8; the lossy path never runs.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Reply and forward prefixes in the languages customers use.
const PREFIXES: &[&str] = &[
    "re:", "fw:", "fwd:", "wg:", "aw:", "doorst:", "antw:", "tr:", "rif:", "sv:", "vs:",
];

/// Words of transport tags that mail gateways put in front of a subject.
const TAG_WORDS: &[&str] = &[
    "external",
    "ext",
    "extern",
    "externe",
    "externo",
    "esterno",
    "external sender",
    "external email",
    "external mail",
    "externe afzender",
    "externe e-mail",
    "externer absender",
    "caution",
    "spam",
    "possible spam",
    "suspected spam",
];

/// The subject used for matching: repeated reply/forward prefixes and transport tags such as
/// `[EXTERNAL]` or `*EXTERNAL*` removed from the front, whitespace collapsed.
pub fn match_subject(subject: &str) -> String {
    let mut s = clean_line(subject);
    loop {
        let before = s.len();
        for prefix in PREFIXES {
            if let Some(rest) = strip_prefix_ci(&s, prefix) {
                s = rest.trim_start().to_string();
            }
        }
        if let Some(rest) = strip_tag(&s) {
            s = rest.trim_start().to_string();
        }
        if s.len() == before {
            break;
        }
    }
    if let Some(rest) = strip_trailing_tag(&s) {
        s = rest.trim_end().to_string();
    }
    s
}

fn is_tag_word(word: &str) -> bool {
    is_one_of(word.trim().trim_end_matches(':'), TAG_WORDS)
}

/// Strips one leading transport tag: `[EXTERNAL]`, `(EXT)`, `*EXTERNAL*`, `EXTERNAL:`.
fn strip_tag(s: &str) -> Option<&str> {
    for (open, close) in [("[", "]"), ("(", ")"), ("**", "**"), ("*", "*")] {
        if let Some(rest) = s.strip_prefix(open)
            && let Some(end) = rest.find(close)
            && is_tag_word(rest.get(..end)?)
        {
            return rest.get(end + close.len()..);
        }
    }
    let colon = s.find(':')?;
    is_tag_word(s.get(..colon)?)
        .then(|| s.get(colon + 1..))
        .flatten()
}

/// Some gateways append the tag instead: `... [EXTERNAL]`.
fn strip_trailing_tag(s: &str) -> Option<&str> {
    let rest = s.strip_suffix(']')?;
    let open = rest.rfind('[')?;
    is_tag_word(rest.get(open + 1..)?)
        .then(|| rest.get(..open))
        .flatten()
}

/// Header labels of a forwarded-message block, as mail clients write them per language.
const FWD_FROM: &[&str] = &["from", "van", "von", "de", "da", "från", "fra"];
const FWD_SUBJECT: &[&str] = &[
    "subject",
    "onderwerp",
    "betreff",
    "objet",
    "oggetto",
    "asunto",
    "ämne",
    "emne",
];
const FWD_OTHER: &[&str] = &[
    "sent",
    "date",
    "to",
    "cc",
    "verzonden",
    "datum",
    "aan",
    "gesendet",
    "an",
    "envoyé",
    "à",
    "inviato",
    "a",
    "importance",
    "priority",
    "reply-to",
];

/// The longest label of the lists above, in bytes (the same in either case for these words).
const LONGEST_LABEL: usize = longest(&[FWD_FROM, FWD_SUBJECT, FWD_OTHER]);

const fn longest(lists: &[&[&str]]) -> usize {
    let mut max = 0;
    let mut l = 0;
    while l < lists.len() {
        let mut w = 0;
        while w < lists[l].len() {
            if lists[l][w].len() > max {
                max = lists[l][w].len();
            }
            w += 1;
        }
        l += 1;
    }
    max
}

/// Which list a forwarded-header label belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    From,
    Subject,
    Other,
}

/// The kind of forwarded-header line `line` is (`From: x`, `*Subject:* y`), if any.
fn header_line(line: &str) -> Option<Label> {
    // Most body lines have no colon, or a long text before it: skip them before trimming.
    let colon = memchr::memchr(b':', line.as_bytes())?;
    let label = line
        .get(..colon)?
        .trim_start()
        .trim_start_matches('*')
        .trim()
        .trim_end_matches('*');
    if label.len() > LONGEST_LABEL {
        return None;
    }
    if is_one_of(label, FWD_FROM) {
        Some(Label::From)
    } else if is_one_of(label, FWD_SUBJECT) {
        Some(Label::Subject)
    } else if is_one_of(label, FWD_OTHER) {
        Some(Label::Other)
    } else {
        None
    }
}

/// Skips the forwarder's note and the "original message" header block(s) of a forward.
/// A block is three or more consecutive header lines including a sender and a subject line,
/// near the top of the body. Returns the remaining text and whether something was skipped.
pub fn skip_forward_headers(body: &str) -> (&str, bool) {
    let mut rest = body;
    let mut skipped = false;
    // A forward of a forward has two blocks; more is unusual.
    for _ in 0..3 {
        match find_forward_block(rest) {
            Some(end) => {
                rest = rest
                    .get(end..)
                    .unwrap_or("")
                    .trim_start_matches(['\n', '\r', ' ']);
                skipped = true;
            }
            None => break,
        }
    }
    (rest, skipped)
}

/// Byte offset just after a forward header block in the first lines of `text`: a run of
/// consecutive header lines starting in the first 40 lines (Thunderbird starts with Subject,
/// Outlook with From), read up to line 50.
fn find_forward_block(text: &str) -> Option<usize> {
    const SEARCH_LINES: usize = 40;
    /// The current run of header lines: its length, whether it has a sender and a subject,
    /// and where its last line ends.
    struct Run {
        lines: usize,
        from: bool,
        subject: bool,
        end: usize,
    }
    let is_block = |run: &Run| run.from && run.subject && run.lines >= 3;
    let mut offset = 0;
    let mut run: Option<Run> = None;
    // The lines `split_inclusive('\n')` gives, found by a vector search.
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes())
        .map(|i| i + 1)
        .chain(std::iter::once(text.len()));
    for i in 0..SEARCH_LINES + 10 {
        let Some(end) = ends.next().filter(|&end| end > offset) else {
            break;
        };
        let line = text.get(offset..end).unwrap_or("");
        offset = end;
        match header_line(line) {
            Some(label) => {
                if run.is_none() && i >= SEARCH_LINES {
                    return None;
                }
                let r = run.get_or_insert(Run {
                    lines: 0,
                    from: false,
                    subject: false,
                    end: 0,
                });
                r.lines += 1;
                r.from |= label == Label::From;
                r.subject |= label == Label::Subject;
                r.end = offset;
            }
            None => {
                if let Some(r) = run.take()
                    && is_block(&r)
                {
                    return Some(r.end);
                }
                if i >= SEARCH_LINES {
                    return None;
                }
            }
        }
    }
    run.filter(is_block).map(|r| r.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_prefixes_and_tags() {
        for (raw, want) in [
            (
                "RE: FW: [Success] Job (1 objects)",
                "[Success] Job (1 objects)",
            ),
            ("Fwd: fwd:  WG: AW: x", "x"),
            ("Doorst: Antw: x", "x"),
            (
                "[EXTERNAL] FW: [Warning] Daily (2 VMs)",
                "[Warning] Daily (2 VMs)",
            ),
            ("*EXTERNAL* [EXT] RE: y", "y"),
            ("EXTERNAL: z", "z"),
            ("[External Sender] a [EXTERNAL]", "a"),
            ("[NAS01] Active Backup", "[NAS01] Active Backup"),
            ("[Failed] keep", "[Failed] keep"),
            ("Report: a", "Report: a"),
        ] {
            assert_eq!(match_subject(raw), want, "{raw}");
        }
    }

    #[test]
    fn encoded_word_subjects() {
        let raw = b"From: =?UTF-8?Q?B=C3=BCro?= <Backup@Example.COM>\r\n\
Subject: =?UTF-8?B?W1N1Y2Nlc3NdIELDvHJv?=\r\n =?UTF-8?Q?_Sicherung_(1_objects)?=\r\n\
Date: Tue, 12 Mar 2024 22:05:00 +0100\r\n\r\nbody\r\n";
        let mail = normalize(raw);
        assert_eq!(mail.subject, "[Success] Büro Sicherung (1 objects)");
        assert_eq!(mail.from_address, "backup@example.com");
        assert_eq!(mail.from_name.as_deref(), Some("Büro"));
        assert_eq!(
            mail.received.map(|d| d.to_rfc3339()),
            Some("2024-03-12T22:05:00+01:00".to_string())
        );
        assert_eq!(mail.body, "body");
    }

    #[test]
    fn bodies_decoded_from_charsets() {
        let raw = b"From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
Content-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
<p>Sicherung f=FCr B=FCro=\r\n &mdash; ok</p>\r\n";
        let mail = normalize(raw);
        assert_eq!(mail.text_body, None);
        assert_eq!(mail.html_text.as_deref(), Some("Sicherung für Büro — ok"));
        assert_eq!(mail.body, "Sicherung für Büro — ok");
    }

    #[test]
    fn forward_block_is_skipped() {
        let body = "Please check.\n\n-----Original Message-----\nFrom: Veeam <v@example.com>\n\
Sent: Tuesday, March 12, 2024 10:00 PM\nTo: ops@example.com\nSubject: [Success] Job\n\nBackup job: Job\n";
        let (rest, skipped) = skip_forward_headers(body);
        assert!(skipped);
        assert_eq!(rest, "Backup job: Job\n");
        let thunderbird = "-------- Forwarded Message --------\nSubject: \tx\nDate: \ty\nFrom: \tz\nTo: \tw\n\nReport";
        assert_eq!(skip_forward_headers(thunderbird), ("Report", true));
        let dutch =
            "Van: nas@example.com\nVerzonden: dinsdag\nAan: ops@example.com\nOnderwerp: x\nInhoud";
        assert_eq!(skip_forward_headers(dutch), ("Inhoud", true));
        // Labels in bold (`*From:*`, `**Sent:**`), spaced before the colon, or after a bullet.
        let marked = "Note\n*From:* nas@example.com\n**Sent:** Monday\n* Subject : x\nReport";
        assert_eq!(skip_forward_headers(marked), ("Report", true));
        // A label is a word of the lists, not a sentence ending in one.
        let sentence = "Mail from: nas\nThe subject: x\nSent by: y\nReport";
        assert_eq!(skip_forward_headers(sentence), (sentence, false));
        // Two header lines are not a forward block.
        let plain = "From: x\nSubject: y\nrest";
        assert_eq!(skip_forward_headers(plain), (plain, false));
    }

    #[test]
    fn crlf_becomes_lf_and_lone_crs_stay() {
        for (text, want) in [
            ("a\r\nb\r\n", "a\nb\n"),
            ("\r\n\r\nx", "\n\nx"),
            ("a\r\r\nb\rc\r", "a\r\nb\rc\r"),
            ("no breaks", "no breaks"),
            ("caf\u{e9}\r\n\u{263a}\r\n", "caf\u{e9}\n\u{263a}\n"),
            ("\r", "\r"),
            ("", ""),
        ] {
            assert_eq!(crlf_to_lf(text.to_string()), want, "{text:?}");
        }
    }

    #[test]
    fn attached_mail_is_unpacked() {
        let raw = b"From: ops@msp.example\r\nSubject: FW: nightly\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
See attached.\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: nas@example.com\r\n\
Subject: Inner report\r\n\r\nInner body\r\n--b--\r\n";
        let mail = normalize(raw);
        assert_eq!(mail.body, "See attached.");
        let inner = mail.attached.as_deref();
        assert_eq!(inner.map(|m| m.subject.as_str()), Some("Inner report"));
        assert_eq!(
            inner.map(|m| m.from_address.as_str()),
            Some("nas@example.com")
        );
        assert_eq!(inner.map(|m| m.body.as_str()), Some("Inner body"));
    }

    /// The key a mail was stored under before the Message-ID was read with the other headers:
    /// mail-parser's full header parse. Keys of stored mail must not change.
    fn message_id_by_full_header_parse(raw: &[u8]) -> Option<String> {
        MessageParser::default()
            .parse_headers(raw)?
            .message_id()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
    }

    #[test]
    fn message_id_is_the_key_a_full_header_parse_gives() {
        let head = "From: a@example.com\r\nSubject: x\r\n";
        let mut raws: Vec<String> = [
            "Message-ID: <p1@x.example>\r\n",
            "message-id:   <p2@x.example>  \r\n",
            "Message-Id:\r\n <folded@x.example>\r\n",
            "Message-ID: no-brackets@x.example\r\n",
            "Message-ID: <a@x> <b@x>\r\n",
            "Message-ID: \r\n",
            "Message-ID: <>\r\n",
            "Message-ID: <first@x>\r\nMessage-ID: <second@x>\r\n",
            "X-Message-ID: <not-this@x>\r\n",
            "",
        ]
        .iter()
        .map(|h| format!("{head}{h}\r\nbody\r\n"))
        .collect();
        raws.push(
            "Received: from a by b; Tue, 12 Mar 2024 22:05:00 +0100\r\n\
             Message-ID: <late@x>\r\nFrom: a@example.com\r\n\r\nbody\r\n"
                .to_string(),
        );
        for raw in &raws {
            assert_eq!(
                normalize(raw.as_bytes()).message_id,
                message_id_by_full_header_parse(raw.as_bytes()),
                "{raw:?}"
            );
        }
        assert_eq!(
            normalize(raws[0].as_bytes()).message_id.as_deref(),
            Some("p1@x.example")
        );
    }

    #[test]
    fn headers_added_on_delivery_change_nothing_read() {
        // Trace and filter headers as a mailbox adds them: folded, encoded words, names that
        // start like the ones read (`X-Subject`, `Content-Foo`), a `Received` with a date.
        let delivered = "Received: from mx.example (203.0.113.9) by mbx.example with\r\n\
 Microsoft SMTP Server id 15.20.8093.14; Tue, 12 Mar 2024 22:05:01 +0000\r\n\
Authentication-Results: spf=pass (sender IP is 203.0.113.9)\r\n\
\tsmtp.mailfrom=example.com; dkim=none\r\n\
X-Subject: not the subject\r\nX-From: not@the.sender\r\nResent-Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\
X-Microsoft-Antispam-Message-Info:\r\n =?us-ascii?Q?b3BhcXVl?=\r\n =?us-ascii?Q?dmVyZGljdA?=\r\n\
Content-Foo: bar\r\nTo: ops@msp.example\r\n";
        let sent = "From: =?UTF-8?Q?B=C3=BCro?= <nas@example.com>\r\n\
Subject: [Success] Job (1 objects)\r\nDate: Tue, 12 Mar 2024 22:05:00 +0100\r\n\
Message-ID: <r1@nas.example>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nJob: Nightly\r\nStatus: ok\r\n--b\r\n\
Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
<table><tr><td>Job</td><td>Nightly=20</td></tr></table>\r\n--b--\r\n";
        let bare = normalize(sent.as_bytes());
        let full = normalize(format!("{delivered}{sent}").as_bytes());
        assert_eq!(full, bare);
        assert_eq!(full.tables(), bare.tables());
        assert_eq!(full.subject, "[Success] Job (1 objects)");
        assert_eq!(full.from_address, "nas@example.com");
        assert_eq!(full.message_id.as_deref(), Some("r1@nas.example"));
        assert_eq!(full.html_text.as_deref(), Some("Job | Nightly"));
        assert_eq!(full.text_body.as_deref(), Some("Job: Nightly\nStatus: ok"));
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [
            &b""[..],
            b"\0\xff\xfe\x00binary",
            b"Subject: cut",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<table><tr><td>",
        ] {
            let _ = normalize(raw);
        }
        assert!(normalize(b"").is_empty());
    }
}
