//! Logging to a file (never to the terminal, which belongs to the interface).

use crate::config::LogConfig;
use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;

/// The log file the configuration points at.
pub fn log_file(cfg: &LogConfig) -> Option<PathBuf> {
    cfg.file
        .clone()
        .or_else(|| crate::paths::default_log_dir().map(|d| d.join("backupchecks.log")))
}

/// Starts file logging. Keep the guard alive until exit so buffered lines are written.
/// Returns `None` when there is nowhere to write (the program still runs).
pub fn init(cfg: &LogConfig) -> Option<WorkerGuard> {
    let path = log_file(cfg)?;
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
