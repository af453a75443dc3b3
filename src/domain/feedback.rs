//! Feedback rules: the kinds and statuses of an item, what an attachment may be (its type from
//! its name and checked against its first bytes, its size against the shared limit), and the
//! context a new item records.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The media type of a screen capture (see `tui::screen_capture`).
pub const SCREEN_TYPE: &str = "application/x-backupchecks-screen";

/// Default largest attachment: 5 MB.
pub const DEFAULT_MAX_KB: u32 = 5120;

/// Attachment types allowed until an admin sets `feedback_attachment_types`.
pub const DEFAULT_TYPES: [&str; 5] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
    "application/pdf",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bug,
    Idea,
    Question,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Bug, Kind::Idea, Kind::Question];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Bug => "bug",
            Kind::Idea => "idea",
            Kind::Question => "question",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s.trim())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Planned,
    Done,
    Declined,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Planned,
        Status::Done,
        Status::Declined,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Planned => "planned",
            Status::Done => "done",
            Status::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.name() == s.trim())
    }

    /// Still to be worked on (open or planned).
    pub fn active(self) -> bool {
        matches!(self, Status::Open | Status::Planned)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a new item was written: recorded with it so the team can see what the author saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    pub pane: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub filter: String,
    /// The cursor row, in words ("row 3: Acme Dental › Nightly").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub row: String,
    pub version: String,
    /// The terminal size, "120×40".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub size: String,
}

impl Context {
    /// One line for the detail view and the CLI.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("pane {}", self.pane)];
        if !self.filter.is_empty() {
            parts.push(format!("filter “{}”", self.filter));
        }
        if !self.row.is_empty() {
            parts.push(self.row.clone());
        }
        if !self.size.is_empty() {
            parts.push(format!("screen {}", self.size));
        }
        parts.push(format!("version {}", self.version));
        parts.join(" · ")
    }
}

/// What the shared settings allow as attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentPolicy {
    pub max_kb: u32,
    pub types: Vec<String>,
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        AttachmentPolicy {
            max_kb: DEFAULT_MAX_KB,
            types: DEFAULT_TYPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl AttachmentPolicy {
    pub fn max_bytes(&self) -> usize {
        usize::try_from(u64::from(self.max_kb) * 1024).unwrap_or(usize::MAX)
    }

    /// Whether a file of this size may be attached; says why not.
    pub fn check_size(&self, name: &str, size: usize) -> Result<(), String> {
        if size > self.max_bytes() {
            return Err(format!(
                "{name} is {}, over the limit of {} per file (setting feedback_attachment_max_kb)",
                human_size(size),
                human_size(self.max_bytes())
            ));
        }
        Ok(())
    }

    /// Whether an attachment of this type and size may be stored; says why not.
    pub fn check(&self, name: &str, media_type: &str, size: usize) -> Result<(), String> {
        self.check_size(name, size)?;
        if media_type != SCREEN_TYPE && !self.types.iter().any(|t| t == media_type) {
            return Err(format!(
                "{name} is {media_type}, which is not allowed (allowed: {}; setting \
                 feedback_attachment_types)",
                self.types.join(", ")
            ));
        }
        Ok(())
    }
}

/// "12.3 KB", "4.0 MB", "512 B".
pub fn human_size(bytes: usize) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    }
}

/// The media type of a file from its name, checked against its first bytes where the type has
/// a signature (a `.png` that is not a PNG is refused rather than stored under a false type).
pub fn media_type(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let claimed = match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" | "log" | "text" | "md" | "csv" => "text/plain",
        "json" => "application/json",
        "zip" => "application/zip",
        _ => {
            return Err(format!(
                "{name}: unknown file type (known: png, jpg, gif, webp, pdf, txt, log, md, csv, \
                 json, zip)"
            ));
        }
    };
    let signature: Option<&[u8]> = match claimed {
        "image/png" => Some(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => Some(b"\xff\xd8\xff"),
        "image/gif" => Some(b"GIF8"),
        "application/pdf" => Some(b"%PDF-"),
        "application/zip" => Some(b"PK"),
        _ => None,
    };
    if let Some(sig) = signature
        && !bytes.starts_with(sig)
    {
        return Err(format!(
            "{name} is not a {claimed} file (its content says otherwise)"
        ));
    }
    if claimed == "image/webp" && !(bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
    {
        return Err(format!(
            "{name} is not a {claimed} file (its content says otherwise)"
        ));
    }
    if matches!(claimed, "text/plain" | "application/json") && std::str::from_utf8(bytes).is_err() {
        return Err(format!("{name} is not UTF-8 text"));
    }
    Ok(claimed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.name()), Some(s));
        }
        assert_eq!(Kind::parse("wish"), None);
        assert!(Status::Planned.active() && !Status::Done.active());
    }

    #[test]
    fn a_file_type_comes_from_its_name_and_must_match_its_content() {
        assert_eq!(
            media_type("shot.PNG", b"\x89PNG\r\n\x1a\nrest"),
            Ok("image/png")
        );
        assert_eq!(media_type("notes.log", b"plain text"), Ok("text/plain"));
        assert!(
            media_type("fake.png", b"GIF89a")
                .unwrap_err()
                .contains("not a image/png")
        );
        assert!(
            media_type("run.exe", b"MZ")
                .unwrap_err()
                .contains("unknown file type")
        );
        assert!(media_type("bin.txt", &[0xff, 0xfe, 0x00]).is_err());
    }

    #[test]
    fn the_policy_limits_size_and_type_but_a_capture_is_always_a_known_type() {
        let p = AttachmentPolicy {
            max_kb: 1,
            types: vec!["text/plain".into()],
        };
        assert!(p.check("a.txt", "text/plain", 1024).is_ok());
        let e = p.check("a.txt", "text/plain", 1025).unwrap_err();
        assert!(e.contains("over the limit of 1.0 KB"), "{e}");
        let e = p.check("a.png", "image/png", 10).unwrap_err();
        assert!(e.contains("not allowed"), "{e}");
        assert!(p.check("screen", SCREEN_TYPE, 10).is_ok());
        assert!(p.check("screen", SCREEN_TYPE, 2048).is_err());
    }
}
