//! Reading `postmaster.pid` and clearing what a crashed server left behind.

use std::path::Path;

fn pid_from_file(path: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// True when `pid` is a live PostgreSQL process. A pid reused by another program after a
/// reboot or crash does not count (pg_ctl alone would wrongly call that "running").
fn is_postgres(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|comm| {
            let comm = comm.trim();
            comm == "postgres" || comm == "postmaster"
        })
        .unwrap_or(false)
}

/// The pid of the cluster's running postmaster, if any.
pub fn live_postmaster(data_dir: &Path) -> Option<i32> {
    pid_from_file(&data_dir.join("postmaster.pid")).filter(|pid| is_postgres(*pid))
}

/// Removes the pid file and socket lock file of a server that no longer runs.
pub fn remove_stale_files(data_dir: &Path, socket_dir: &Path, port: u16) {
    let pid_file = data_dir.join("postmaster.pid");
    if pid_file.exists() {
        tracing::info!("removing stale {}", pid_file.display());
        let _ = std::fs::remove_file(&pid_file);
    }
    let sock_lock = socket_dir.join(format!(".s.PGSQL.{port}.lock"));
    if let Some(pid) = pid_from_file(&sock_lock)
        && !is_postgres(pid)
    {
        let _ = std::fs::remove_file(&sock_lock);
        let _ = std::fs::remove_file(socket_dir.join(format!(".s.PGSQL.{port}")));
    }
}
