//! Finding the system's PostgreSQL server binaries.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The message for a machine without PostgreSQL server binaries.
pub const INSTALL_HINT: &str = "PostgreSQL server binaries (initdb, pg_ctl) were not found: \
install PostgreSQL server, e.g. `apt-get install postgresql`, or set database.url";

fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: from `pg_config --bindir`, then the
/// newest `/usr/lib/postgresql/*/bin`, then `PATH`.
pub fn find_bindir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Some(dir);
        }
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                Some((v, e.path().join("bin")))
            })
            .filter(|(_, p)| has_server(p))
            .collect();
        versions.sort();
        if let Some((_, dir)) = versions.pop() {
            return Some(dir);
        }
    }
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find(|dir| has_server(dir)))
}
