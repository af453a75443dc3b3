//! What `e` and `E` hand to `$PAGER`. A pager such as `cat`, `more` or `less -R` passes escape
//! sequences through to the terminal, where a mail could set the clipboard (OSC 52) or the
//! window title; so the pager only ever gets sanitized text.

use super::sanitize;
use crate::db::mail::Source;
use crate::parsers;
use chrono::{DateTime, Utc};

/// "raw source removed by retention on 2026-03-01": what every viewer says of such a mail.
pub fn dropped_note(at: DateTime<Utc>) -> String {
    format!(
        "raw source removed by retention on {} (the parsed mail and its runs are kept)",
        at.format("%Y-%m-%d")
    )
}

/// What `e` (`source` false) or `E` shows of a stored mail's source, or why there is none.
pub fn for_source(src: &Source, source: bool) -> Result<String, String> {
    match src {
        Source::Raw(raw) if source => Ok(source_text(raw)),
        Source::Raw(raw) => Ok(readable_text(raw)),
        Source::Dropped { at, .. } if source => Ok(format!("-- {} --\n", dropped_note(*at))),
        Source::Dropped { at, .. } => Ok(format!(
            "-- {} --\n\n{}\n",
            dropped_note(*at),
            sanitize::text(&body_text(src))
        )),
        Source::Missing => Err("the raw mail was not kept".into()),
    }
}

/// The body the detail views show: decoded from the raw bytes, else the text stored at import
/// (the plain part, else the HTML rendered as text). Not sanitized: the views do that.
pub fn body_text(src: &Source) -> String {
    match src {
        Source::Raw(raw) => parsers::normalize(raw).body,
        Source::Dropped {
            text_body,
            html_body,
            ..
        } => text_body
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string)
            .or_else(|| html_body.as_deref().map(parsers::html::html_to_text))
            .unwrap_or_default(),
        Source::Missing => String::new(),
    }
}

/// [`body_text`] headed by [`dropped_note`] when retention dropped the raw bytes.
pub fn detail_text(src: &Source) -> String {
    match src {
        Source::Dropped { at, .. } => format!("[{}]\n\n{}", dropped_note(*at), body_text(src)),
        _ => body_text(src),
    }
}

/// The mail as a person reads it: the main headers, then the decoded text (the plain part, else
/// the HTML rendered as text).
pub fn readable_text(raw: &[u8]) -> String {
    let m = parsers::normalize(raw);
    let mut out = String::new();
    let from = match &m.from_name {
        Some(name) => format!("{name} <{}>", m.from_address),
        None => m.from_address.clone(),
    };
    out.push_str(&format!("From:    {}\n", sanitize::line(&from)));
    out.push_str(&format!("Subject: {}\n", sanitize::line(&m.subject)));
    if let Some(date) = m.received {
        out.push_str(&format!("Date:    {}\n", date.to_rfc2822()));
    }
    out.push('\n');
    let body = m
        .text_body
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .or(m.html_text.as_deref())
        .unwrap_or("(no readable text in this mail; E shows its source)");
    out.push_str(&sanitize::text(body));
    out.push('\n');
    out
}

/// The raw source, as stored, with control characters and escape sequences removed.
pub fn source_text(raw: &[u8]) -> String {
    let mut out =
        String::from("-- raw source; control characters and escape sequences removed --\n");
    out.push_str(&sanitize::text(&String::from_utf8_lossy(raw)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[u8] =
        b"From: Veeam <veeam@acme.example>\r\nSubject: [Failed] Job \x1b]0;pwned\x07x\r\n\
Date: Thu, 19 Nov 2026 22:05:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\n\
Copy this: =1B]52;c;ZXZpbA=3D=3D=07 and caf=C3=A9\r\n";

    #[test]
    fn the_pager_never_gets_an_escape_sequence() {
        for text in [readable_text(HOSTILE), source_text(HOSTILE)] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text:?}"
            );
        }
    }

    #[test]
    fn e_shows_decoded_text_and_e_source_the_raw_form() {
        let t = readable_text(HOSTILE);
        assert!(t.contains("Subject: [Failed] Job"), "{t}");
        assert!(t.contains("café"), "quoted-printable decoded: {t}");
        let s = source_text(HOSTILE);
        assert!(s.contains("caf=C3=A9"), "raw form kept: {s}");
    }

    #[test]
    fn a_dropped_source_is_named_with_its_date_and_the_stored_text_stays_readable() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let src = Source::Dropped {
            at,
            text_body: None,
            html_body: Some("<p>Job <b>Nightly</b> \u{1b}]0;x\u{7}failed</p>".into()),
        };
        let source = for_source(&src, true).unwrap();
        assert!(
            source.contains("raw source removed by retention on 2026-12-01"),
            "{source}"
        );
        let readable = for_source(&src, false).unwrap();
        assert!(readable.contains("Job Nightly"), "{readable}");
        assert!(!readable.contains('\u{1b}'), "{readable:?}");
        assert!(detail_text(&src).starts_with("[raw source removed by retention"));
        assert!(for_source(&Source::Missing, true).is_err());
    }
}
