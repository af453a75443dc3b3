//! Where the program keeps its files: config, data (embedded cluster) and state (logs).

use directories::ProjectDirs;
use std::path::PathBuf;

pub fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "backupchecks")
}

/// True when the process runs as root (the embedded cluster then runs as `postgres`).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Default data directory of the embedded cluster. Root's home is not traversable by the
/// `postgres` user, so root uses a system path.
pub fn default_data_dir() -> Option<PathBuf> {
    if is_root() {
        return Some(PathBuf::from("/var/lib/backupchecks"));
    }
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

/// Directory for the log file: the user state dir, else the data dir.
pub fn default_log_dir() -> Option<PathBuf> {
    if is_root() {
        return Some(PathBuf::from("/var/log/backupchecks"));
    }
    let dirs = project_dirs()?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}
