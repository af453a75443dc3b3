//! Small text helpers shared by the parsers: cleaning untrusted values and reading labelled lines.

/// One-line value (job name, object name): control characters become spaces, whitespace is
/// collapsed. Mail text is untrusted and ends up in a terminal, so escape sequences must go.
pub fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.is_ascii() {
        // Byte by byte: in ASCII, whitespace and control characters are the bytes up to the
        // space, and DEL.
        let bytes = text.as_bytes();
        let split = |b: u8| b <= b' ' || b == 0x7f;
        let mut i = 0;
        while i < bytes.len() {
            while bytes.get(i).is_some_and(|&b| split(b)) {
                i += 1;
            }
            let start = i;
            while bytes.get(i).is_some_and(|&b| !split(b)) {
                i += 1;
            }
            if i > start {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(text.get(start..i).unwrap_or(""));
            }
        }
        return out;
    }
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|s| !s.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Multi-line value (a message): keeps line breaks, drops every other control character,
/// trims each line and drops blank lines at the ends.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Lines with control characters are cleaned in here first; one buffer serves them all.
    let mut cleaned = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // Printable ASCII (nearly every line) needs no cleaning, only trimming.
        if line.bytes().all(|b| (b' '..0x7f).contains(&b)) {
            out.push_str(line.trim());
            continue;
        }
        cleaned.clear();
        cleaned.extend(
            line.chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .filter(|c| !c.is_control()),
        );
        out.push_str(cleaned.trim());
    }
    let trimmed = out.trim();
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    }
}

/// `Some(cleaned)` when the cleaned message is not empty.
pub fn message(text: &str) -> Option<String> {
    let cleaned = clean_text(text);
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The value after a label at the start of a line, case-insensitive: `Status: ok`,
/// `Status | ok` (a rendered table row) or `Status ok` when `bare` is allowed.
pub fn labelled<'a>(line: &'a str, label: &str, bare: bool) -> Option<&'a str> {
    let line = line.trim_start();
    let head = line.get(..label.len())?;
    if !head.eq_ignore_ascii_case(label) {
        return None;
    }
    let rest = line.get(label.len()..)?;
    if let Some(v) = rest.trim_start().strip_prefix(':') {
        // `Plan: | x` is a two-cell table row whose label cell ends with a colon.
        let v = v.trim();
        return Some(v.strip_prefix('|').map_or(v, str::trim));
    }
    if let Some(v) = rest.trim_start().strip_prefix('|') {
        return Some(v.trim());
    }
    if bare && rest.starts_with(char::is_whitespace) {
        return Some(rest.trim());
    }
    None
}

/// The first line of `text` carrying `label` (see [`labelled`]), as `text.lines()` gives them.
pub fn find_labelled<'a>(text: &'a str, label: &str, bare: bool) -> Option<&'a str> {
    if label.starts_with(char::is_whitespace) || label.is_empty() {
        return text.lines().find_map(|line| labelled(line, label, bare));
    }
    // Parsers ask for a dozen labels per mail, most of them absent: one vector search for the
    // label finds the only lines that can carry it, instead of trimming and comparing every
    // line. A label at the start of a line is that line's first occurrence of it.
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|rest| find_ci(rest, label)) {
        let at = from + at;
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(text.len(), |i| at + i);
        let line = text.get(start..end)?;
        // As `lines()`: a CR goes with the LF after it, not at the very end.
        let line = match line.strip_suffix('\r') {
            Some(before_lf) if end < text.len() => before_lf,
            _ => line,
        };
        if let Some(value) = labelled(line, label, bare) {
            return Some(value);
        }
        from = end + 1;
    }
    None
}

/// Whether `text`, lower-cased, is one of `words` (written in lower case). ASCII text, nearly
/// all, is compared in place, without a lower-cased copy.
pub fn is_one_of(text: &str, words: &[&str]) -> bool {
    if text.is_ascii() {
        words.iter().any(|w| text.eq_ignore_ascii_case(w))
    } else {
        words.contains(&text.to_lowercase().as_str())
    }
}

/// Case-insensitive `contains` for ASCII needles, without allocating for the common case.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    find_ci(haystack, needle).is_some()
}

/// Byte offset of the first ASCII-case-insensitive occurrence of `needle` in `haystack`.
pub fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return Some(0);
    };
    let last_start = h.len().checked_sub(n.len())?;
    // Every parser's cue asks this of the whole body, some dozens of times per mail: jump to
    // the places where the first letter occurs (in either case, with SIMD) instead of comparing
    // at every byte. A third of the parse time went to the byte-by-byte scan.
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lower, upper, &h[..=last_start])
        .find(|&i| h[i + 1..i + n.len()].eq_ignore_ascii_case(rest))
}

/// Case-insensitive ASCII prefix strip.
pub fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// The text between the first `open` and the following `close`.
pub fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let rest = text.get(start..)?;
    let end = rest.find(close)?;
    rest.get(..end)
}

/// Quote marks products put around names, straight and typographic (English, German, French).
pub const QUOTES: &[char] = &[
    '"', '\'', '“', '”', '„', '‟', '‘', '’', '‚', '«', '»', '‹', '›',
];

/// A name without the quote marks around it: `“PC-01”` → `PC-01`.
pub fn unquote(name: &str) -> &str {
    name.trim().trim_matches(QUOTES).trim()
}

/// The first quoted name in a text: `"x"`, `'x'`, `“x”`, `„x“`, `‚x‘`, `«x»` or `»x«`.
pub fn quoted_name(text: &str) -> Option<String> {
    for (open, close) in [
        ('"', '"'),
        ('“', '”'),
        ('„', '“'),
        ('„', '”'),
        ('‘', '’'),
        ('‚', '‘'),
        ('\'', '\''),
        ('«', '»'),
        ('»', '«'),
    ] {
        if let Some(start) = text.find(open) {
            let rest = text.get(start + open.len_utf8()..)?;
            if let Some(end) = rest.find(close) {
                let name = clean_line(rest.get(..end)?);
                if !name.is_empty() {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// The status of the first phrase of `phrases` (checked in order) found in `text`,
/// case-insensitive. Used for products that write their result inside a sentence.
pub fn phrase_status<S: Copy>(text: &str, phrases: &[(&str, S)]) -> Option<S> {
    // ASCII text (nearly every body) is searched in place: lower-casing it is ASCII folding.
    if text.is_ascii() && phrases.iter().all(|(p, _)| p.is_ascii()) {
        return phrases
            .iter()
            .find(|(p, _)| contains_ci(text, p))
            .map(|(_, s)| *s);
    }
    let lower = text.to_lowercase();
    phrases
        .iter()
        .find(|(p, _)| lower.contains(&p.to_lowercase()))
        .map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_lines_are_found_as_a_line_by_line_scan_finds_them() {
        let texts = [
            "Status: ok",
            "Job: a\nStatus: failed\nStatus: ok",
            "The Status: is not a label\nstatus | Warning\n",
            "  STATUS:  spaced  \r\nNext: x\r\n",
            "Status\r",
            "Status\r\nStatus ok",
            "xStatus: no\n\tStatus: tab",
            "Statusbar: no\nStatus:\n",
            "Überblick\nStatus: naïve ✓\nEnd",
            "Plan: | Nightly\nStatus",
            "",
            "\n\nStatus: after blank lines",
            "Job Status: mid-line only",
        ];
        for text in texts {
            for label in [
                "Status",
                "status",
                "Plan",
                "Job",
                "Next",
                "überblick",
                " Status",
            ] {
                for bare in [false, true] {
                    assert_eq!(
                        find_labelled(text, label, bare),
                        text.lines().find_map(|l| labelled(l, label, bare)),
                        "{text:?} {label:?} {bare}"
                    );
                }
            }
        }
    }

    #[test]
    fn one_of_words_in_any_case() {
        let words = ["status", "état", "vm name"];
        assert!(is_one_of("STATUS", &words));
        assert!(is_one_of("VM Name", &words));
        assert!(is_one_of("État", &words));
        assert!(!is_one_of("etat", &words));
        assert!(!is_one_of("status ", &words));
    }

    #[test]
    fn clean_text_gives_what_cleaning_each_line_gives() {
        let line_by_line = |text: &str| {
            let lines: Vec<String> = text
                .lines()
                .map(|line| {
                    line.chars()
                        .map(|c| if c == '\t' { ' ' } else { c })
                        .filter(|c| !c.is_control())
                        .collect::<String>()
                        .trim()
                        .to_string()
                })
                .collect();
            lines.join("\n").trim().to_string()
        };
        for text in [
            "",
            "   ",
            "one line",
            "  padded  \r\n\r\n second\t\tline \n\n",
            "\n\nleading blank lines\nand\x1b[31m escapes\x07\n",
            "tab\tinside and\u{85}next-line and \u{9b}csi",
            "\u{a0}non-breaking\u{a0}\n\u{2003}em space\u{2003}",
            "last line without break\r",
            "a\x7fb\r\nc",
        ] {
            assert_eq!(clean_text(text), line_by_line(text), "{text:?}");
        }
    }

    #[test]
    fn cleaning_removes_escapes() {
        assert_eq!(clean_line(" job\u{1b}[31m\tname\r\n "), "job [31m name");
        assert_eq!(clean_line("a\u{7f}b\x00 c\u{b}  d"), "a b c d");
        assert_eq!(clean_line("é\u{7f}b\u{85}c\u{a0} d"), "é b c d");
        assert_eq!(
            clean_text("  line one \u{7}\r\n\tline two\n\n"),
            "line one\nline two"
        );
        assert_eq!(message(" \n "), None);
    }

    #[test]
    fn labels() {
        assert_eq!(labelled("Status: ok", "status", false), Some("ok"));
        assert_eq!(
            labelled("Start time | 10:00", "Start time", false),
            Some("10:00")
        );
        assert_eq!(labelled("Plan: | Daily", "plan", false), Some("Daily"));
        assert_eq!(labelled("Device PC01", "device", true), Some("PC01"));
        assert_eq!(labelled("Devices PC01", "device", true), None);
        assert_eq!(labelled("Device PC01", "device", false), None);
        assert!(contains_ci("Hello WORLD", "world"));
        assert!(contains_ci("Hello WORLD", "hello world"));
        assert!(contains_ci("Hello WORLD", ""));
        assert!(!contains_ci("Hello WORLD", "worlds"));
        assert!(!contains_ci("wor", "world"));
        assert!(contains_ci("Größe: 12 GB — wOrLd", "world"));
        assert!(contains_ci("a & b", "& B"));
        assert!(!contains_ci("w w wo wor worl", "world"));
        assert_eq!(strip_prefix_ci("FW: x", "fw:"), Some(" x"));
        assert_eq!(strip_prefix_ci("é", "ab"), None);
        assert_eq!(between("a 'x' b", "'", "'"), Some("x"));
        assert_eq!(quoted_name("Job “Daily” done").as_deref(), Some("Daily"));
        assert_eq!(quoted_name("no quotes"), None);
        assert_eq!(
            quoted_name("Gerät „Büro-PC“ fertig").as_deref(),
            Some("Büro-PC")
        );
        assert_eq!(quoted_name("dispositivo «PC01»").as_deref(), Some("PC01"));
        assert_eq!(unquote(" “Office PCs” "), "Office PCs");
        assert_eq!(
            phrase_status("Backup FAILED now", &[("failed", 1), ("backup", 2)]),
            Some(1)
        );
        // Text beyond ASCII is lower-cased as a whole, as is a phrase beyond ASCII.
        assert_eq!(
            phrase_status(
                "SICHERUNG FEHLGESCHLAGEN für Büro",
                &[("fehlgeschlagen", 1)]
            ),
            Some(1)
        );
        assert_eq!(
            phrase_status("ÉCHEC de la sauvegarde", &[("échec", 1)]),
            Some(1)
        );
        assert_eq!(phrase_status("Backup failed", &[("échec", 1)]), None);
    }
}
