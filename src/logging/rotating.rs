//! A log file that rotates by size and keeps a bounded number of old files, so a daemon that runs
//! for months never fills the disk: `backupchecks.log` is the current file, `backupchecks.log.1`
//! the one before it, up to `backupchecks.log.<keep>`; older ones are deleted. The current file
//! keeps its name (what `doctor` and the README point at) and every file keeps mode 0600.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The size at which the log file is rotated.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// How many rotated files are kept beside the current one.
pub const KEEP: usize = 5;

/// A writer that appends to `path` and rotates it past `max_bytes`.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    file: File,
    size: u64,
}

impl RotatingFile {
    /// Opens `path` for appending (see [`super::open_log_file`]); an existing file's size counts.
    pub fn open(path: &Path, max_bytes: u64, keep: usize) -> io::Result<RotatingFile> {
        let file = super::open_log_file(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            max_bytes,
            keep,
            file,
            size,
        })
    }

    fn numbered(&self, n: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// Shifts `log.N` to `log.N+1` (dropping the oldest), the current file to `log.1`, and opens
    /// a fresh current file.
    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            let _ = std::fs::remove_file(self.numbered(self.keep));
            for n in (1..self.keep).rev() {
                let from = self.numbered(n);
                if from.exists() {
                    std::fs::rename(&from, self.numbered(n + 1))?;
                }
            }
            std::fs::rename(&self.path, self.numbered(1))?;
        }
        self.file = super::open_log_file(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A line is never split across files: rotate before the line that would cross the limit.
        if self.size > 0 && self.size + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn rotates_past_the_size_and_keeps_only_so_many_files() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("logs/backupchecks.log");
        let mut log = RotatingFile::open(&path, 100, 2).unwrap();
        for i in 0..12 {
            // 40 bytes a line: two lines fit in 100 bytes, the third starts a new file. Each
            // line is one write, as the logging worker writes it.
            let line = format!("line {i:02} {}\n", "x".repeat(31));
            log.write_all(line.as_bytes()).unwrap();
        }
        log.flush().unwrap();
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        let current = read(&path);
        assert!(
            current.starts_with("line 10") && current.contains("line 11"),
            "{current}"
        );
        assert!(read(&tmp.path().join("logs/backupchecks.log.1")).starts_with("line 08"));
        assert!(read(&tmp.path().join("logs/backupchecks.log.2")).starts_with("line 06"));
        assert!(
            !tmp.path().join("logs/backupchecks.log.3").exists(),
            "only 2 are kept"
        );
        for p in [
            "backupchecks.log",
            "backupchecks.log.1",
            "backupchecks.log.2",
        ] {
            let mode = std::fs::metadata(tmp.path().join("logs").join(p))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{p}");
        }
    }

    #[test]
    fn an_existing_file_counts_towards_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("backupchecks.log");
        std::fs::write(&path, "x".repeat(90)).unwrap();
        let mut log = RotatingFile::open(&path, 100, 3).unwrap();
        log.write_all(format!("{}\n", "y".repeat(20)).as_bytes())
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", "y".repeat(20))
        );
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("backupchecks.log.1")).unwrap(),
            "x".repeat(90)
        );
    }
}
