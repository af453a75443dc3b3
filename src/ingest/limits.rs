//! Bounds on what one mail may cost: only regular files are read (never a FIFO that blocks or
//! a device that never ends), and no more than the size limit plus one byte, so an oversize mail
//! is recognised without reading it all. An oversize mail is still stored — its header block
//! only, with the reason — never dropped.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub use crate::db::settings::{DEFAULT_MAX_MAIL_MB, mb_to_bytes};

/// [`DEFAULT_MAX_MAIL_MB`] in bytes.
pub fn default_max_bytes() -> usize {
    mb_to_bytes(DEFAULT_MAX_MAIL_MB)
}

/// Reads a mail file: at most `limit + 1` bytes (more means too large), regular files only.
pub fn read_mail_file(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the type check below refuses it.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "a FIFO, socket or device"
        };
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("not a regular file ({kind})"),
        ));
    }
    let cap = limit.saturating_add(1);
    let mut raw = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(cap).min(cap));
    file.take(cap as u64).read_to_end(&mut raw)?;
    Ok(raw)
}

/// The header block of a raw mail (up to the first empty line), at most 256 KiB of it.
pub fn header_block(raw: &[u8]) -> &[u8] {
    const MAX_HEADERS: usize = 256 * 1024;
    let head = &raw[..raw.len().min(MAX_HEADERS)];
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| head.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(head.len());
    &head[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_never_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.eml");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let err = read_mail_file(&fifo, 1000).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let link = dir.path().join("zero.eml");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(
            read_mail_file(&link, 1000).is_err(),
            "a device behind a symlink"
        );
        let big = dir.path().join("big.eml");
        std::fs::write(&big, vec![b'x'; 5000]).unwrap();
        assert_eq!(read_mail_file(&big, 1000).unwrap().len(), 1001);
        assert_eq!(read_mail_file(&big, 10_000).unwrap().len(), 5000);
    }

    #[test]
    fn the_header_block_ends_at_the_first_empty_line() {
        assert_eq!(
            header_block(b"A: 1\r\nB: 2\r\n\r\nbody"),
            b"A: 1\r\nB: 2\r\n\r\n"
        );
        assert_eq!(header_block(b"A: 1\n\nbody"), b"A: 1\n\n");
        assert_eq!(header_block(b"A: 1"), b"A: 1");
    }
}
