//! A directory of `.eml` files (and Maildir `new/` + `cur/`) as a mail source, for backfills
//! and for mail fetched by other means. Processed files move to `processed/` inside it.

use super::source::{MailSource, SourceError, SourceMessage};
use std::path::{Path, PathBuf};

pub struct FolderSource {
    dir: PathBuf,
    /// Largest mail read whole; one byte more is read to know a mail is larger.
    max_bytes: usize,
}

impl FolderSource {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FolderSource {
            dir: dir.into(),
            max_bytes: super::limits::default_max_bytes(),
        }
    }

    pub fn processed_dir(&self) -> PathBuf {
        self.dir.join("processed")
    }
}

/// A mail file by its name; what kind of file it is, is checked when it is read (a FIFO or a
/// link to a device named like mail is reported, not silently skipped).
fn is_mail_file(path: &Path, maildir: bool) -> bool {
    if path.is_dir() {
        return false;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') {
        return false;
    }
    // Maildir files have no extension; in a plain folder only `.eml` files are mail.
    maildir
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("eml"))
}

fn collect(dir: &Path, maildir: bool, out: &mut Vec<(std::time::SystemTime, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if is_mail_file(&path, maildir) {
            let mtime = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            out.push((mtime, path));
        }
    }
}

impl MailSource for FolderSource {
    fn kind(&self) -> &'static str {
        "folder"
    }

    fn describe(&self) -> String {
        format!("folder {}", self.dir.display())
    }

    async fn list(&mut self) -> Result<Vec<SourceMessage>, SourceError> {
        if !self.dir.is_dir() {
            return Err(SourceError::Source(format!(
                "{} is not a directory",
                self.dir.display()
            )));
        }
        let mut files = Vec::new();
        collect(&self.dir, false, &mut files);
        for sub in ["new", "cur"] {
            collect(&self.dir.join(sub), true, &mut files);
        }
        // Oldest first, like a mailbox; the name breaks ties so the order is stable.
        files.sort();
        Ok(files
            .into_iter()
            .map(|(_, p)| SourceMessage {
                id: p.display().to_string(),
                received_at: None,
            })
            .collect())
    }

    fn stored_id(&self, _msg: &SourceMessage, raw: &[u8]) -> String {
        content_id(raw)
    }

    fn set_max_mail_bytes(&mut self, bytes: usize) {
        self.max_bytes = bytes;
    }

    async fn fetch(&mut self, msg: &SourceMessage) -> Result<Vec<u8>, SourceError> {
        let path = PathBuf::from(&msg.id);
        let limit = self.max_bytes;
        let read = tokio::task::spawn_blocking(move || super::limits::read_mail_file(&path, limit))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r);
        read.map_err(|e| SourceError::Message {
            id: msg.id.clone(),
            message: format!("cannot read: {e}"),
        })
    }

    async fn mark_processed(&mut self, msg: &SourceMessage) -> Result<(), SourceError> {
        let err = |e: std::io::Error| SourceError::Message {
            id: msg.id.clone(),
            message: format!("cannot move to processed/: {e}"),
        };
        let target_dir = self.processed_dir();
        tokio::fs::create_dir_all(&target_dir).await.map_err(err)?;
        let from = Path::new(&msg.id);
        let name = from
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let mut to = target_dir.join(&name);
        // Never overwrite an earlier file of the same name.
        let mut n = 1;
        while tokio::fs::try_exists(&to).await.unwrap_or(false) {
            let mut alt = name.clone();
            alt.push(format!(".{n}"));
            to = target_dir.join(alt);
            n += 1;
        }
        tokio::fs::rename(from, &to).await.map_err(err)
    }
}

/// A content fingerprint (length + FNV-1a): the same file imported twice is recognised, a new
/// file that reuses an old name is not mistaken for it.
pub fn content_id(raw: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in raw {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}-{h:016x}", raw.len())
}
