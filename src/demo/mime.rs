//! Just enough MIME to write report mails the way the products do: base64 and quoted-printable
//! bodies, RFC 2047 subjects, single-part and multipart/alternative messages.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 without line breaks.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 body lines of 76 characters, as mailers write them.
pub fn base64_body(data: &[u8]) -> String {
    let encoded = base64(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push_str("\r\n");
    }
    out
}

/// Quoted-printable with soft line breaks before 76 characters (RFC 2045).
pub fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 11 / 10);
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut width = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let plain =
                ((b == b' ' || b == b'\t') && !last) || ((33..=126).contains(&b) && b != b'=');
            let piece = if plain {
                char::from(b).to_string()
            } else {
                format!("={b:02X}")
            };
            if width + piece.len() > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
        out.push_str("\r\n");
    }
    out
}

/// A header value: as is when ASCII, else one UTF-8 base64 encoded-word.
pub fn header_text(value: &str) -> String {
    if value.is_ascii() {
        value.to_string()
    } else {
        encoded_word(value)
    }
}

/// One UTF-8 base64 encoded-word (Synology encodes every subject so, even plain ASCII ones).
pub fn encoded_word(value: &str) -> String {
    format!("=?UTF-8?B?{}?=", base64(value.as_bytes()))
}

/// How a body part is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    QuotedPrintable,
    Base64,
    EightBit,
}

/// One body part: content type (`text/html`), encoding and the decoded text.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    pub content_type: &'a str,
    pub encoding: Encoding,
    pub body: &'a str,
}

impl Part<'_> {
    fn headers(&self) -> String {
        let cte = match self.encoding {
            Encoding::QuotedPrintable => "quoted-printable",
            Encoding::Base64 => "base64",
            Encoding::EightBit => "8bit",
        };
        format!(
            "Content-Type: {}; charset=utf-8\r\nContent-Transfer-Encoding: {cte}\r\n",
            self.content_type
        )
    }

    fn encoded(&self) -> String {
        match self.encoding {
            Encoding::QuotedPrintable => quoted_printable(self.body),
            Encoding::Base64 => base64_body(self.body.as_bytes()),
            Encoding::EightBit => self.body.replace("\r\n", "\n").replace('\n', "\r\n"),
        }
    }
}

/// The envelope of one mail.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub from_name: &'a str,
    pub from: &'a str,
    /// Already encoded where needed (see [`header_text`], [`encoded_word`]).
    pub subject: &'a str,
    pub at: DateTime<Utc>,
    /// The sender's timezone, for the Date header.
    pub tz: Tz,
    /// Without angle brackets.
    pub message_id: &'a str,
}

impl Envelope<'_> {
    fn headers(&self) -> String {
        format!(
            "From: {} <{}>\r\nTo: backups@msp.example\r\nSubject: {}\r\nDate: {}\r\n\
             Message-ID: <{}>\r\nMIME-Version: 1.0\r\n",
            self.from_name,
            self.from,
            self.subject,
            self.at.with_timezone(&self.tz).to_rfc2822(),
            self.message_id
        )
    }
}

/// A single-part message.
pub fn single(env: &Envelope<'_>, part: &Part<'_>) -> Vec<u8> {
    format!("{}{}\r\n{}", env.headers(), part.headers(), part.encoded()).into_bytes()
}

/// A multipart/alternative message (text first, then HTML, as mailers order them).
pub fn alternative(env: &Envelope<'_>, parts: &[Part<'_>]) -> Vec<u8> {
    let boundary = format!("----=_Part_{}", env.at.timestamp() % 100_000);
    let mut out = format!(
        "{}Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         This is a multi-part message in MIME format.\r\n",
        env.headers()
    );
    for part in parts {
        out.push_str(&format!(
            "\r\n--{boundary}\r\n{}\r\n{}",
            part.headers(),
            part.encoded()
        ));
    }
    out.push_str(&format!("\r\n--{boundary}--\r\n"));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_quoted_printable() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let qp = quoted_printable("a=b caf\u{e9} \n");
        assert_eq!(qp, "a=3Db caf=C3=A9=20\r\n\r\n");
        let long = quoted_printable(&"x".repeat(200));
        assert!(long.lines().all(|l| l.len() <= 76));
        assert_eq!(long.replace("=\r\n", "").trim_end(), "x".repeat(200));
    }
}
