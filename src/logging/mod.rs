//! Logging to a file (never to the terminal, which belongs to the interface), rotated by size
//! ([`rotating`]); under systemd to the journal instead ([`journal`]).
//!
//! The log names mailboxes, customers and error texts of remote services: it is created readable
//! by its owner only (0600) in a directory only its owner can enter (0700).

pub mod journal;
pub mod rotating;

use crate::config::LogConfig;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;

static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Marks the start of the program, from which start-up times are logged (the first call counts).
pub fn mark_start() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// Time since [`mark_start`] (zero when it was never called).
pub fn since_start() -> std::time::Duration {
    STARTED.get().map(|t| t.elapsed()).unwrap_or_default()
}

/// The log file the configuration points at.
pub fn log_file(cfg: &LogConfig) -> Option<PathBuf> {
    cfg.file
        .clone()
        .or_else(|| crate::paths::default_log_dir().map(|d| d.join("backupchecks.log")))
}

/// Opens (or creates) the log file for appending, owner-only. A directory the program creates
/// gets mode 0700; an existing directory is left as its owner set it. An existing file that others
/// could read is narrowed to 0600.
pub fn open_log_file(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let meta = file.metadata()?;
    // Only a regular file is narrowed: a log sent to /dev/null or a pipe must not change it
    // for every other user of the machine.
    if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Where the log goes: the journal when this process is a systemd service whose standard error
/// is the journal and no log file was configured explicitly; else the (rotating) log file.
pub fn to_journal(cfg: &LogConfig) -> bool {
    cfg.file.is_none()
        && journal::stderr_is_journal(std::env::var("JOURNAL_STREAM").ok().as_deref())
}

/// Starts logging. Keep the guard alive until exit so buffered lines are written.
/// Returns `None` when there is nowhere to write (the program still runs).
pub fn init(cfg: &LogConfig) -> Option<WorkerGuard> {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if to_journal(cfg) {
        let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .event_format(journal::JournalFormat::new())
            .try_init()
            .ok()?;
        return Some(guard);
    }
    let path = log_file(cfg)?;
    let file = rotating::RotatingFile::open(&path, rotating::MAX_BYTES, rotating::KEEP).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_log_file_and_directory_are_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state/logs/backupchecks.log");
        open_log_file(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }

    #[test]
    fn an_existing_world_readable_log_is_narrowed() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("backupchecks.log");
        std::fs::write(&path, "old line\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_log_file(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old line\n");
    }
}
