//! The embedded default: a private PostgreSQL cluster run from the system's server binaries,
//! with its data in the user data dir and a Unix socket only (no TCP).
//!
//! Processes of the same user share one cluster: an exclusive `startup.lock` serialises start
//! and stop; every running instance holds a shared `instances.lock`; the last one out (the one
//! that can take it exclusively) stops the server. A crashed program leaves the server running
//! (`pg_ctl` daemonises), and the next start simply reuses it. As root, the cluster runs as the
//! `postgres` system user, because PostgreSQL refuses to run as root.

pub mod binaries;
mod lockfile;
mod process;

pub use binaries::{INSTALL_HINT, find_bindir};

use nix::unistd::{Gid, Uid};
use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Unix socket paths are limited to 107 bytes (`sun_path`).
const MAX_SOCKET_PATH: usize = 107;
const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("{INSTALL_HINT}")]
    MissingBinaries,
    #[error(
        "running as root needs the `postgres` system user to own the embedded cluster; \
         install PostgreSQL server (`apt-get install postgresql`) or set database.url"
    )]
    NoPostgresUser,
    #[error(
        "{path} cannot be reached by the `postgres` user ({dir} is not traversable); \
         set database.data_dir to a path such as /var/lib/backupchecks"
    )]
    NotTraversable { path: PathBuf, dir: PathBuf },
    #[error("embedded database: {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("embedded database: `{command}` failed: {output}")]
    Command { command: String, output: String },
    #[error("embedded database: socket path {0} is longer than 107 bytes")]
    SocketPathTooLong(PathBuf),
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    let what = what.into();
    move |source| EmbeddedError::Io { what, source }
}

/// Who runs the server processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAs {
    CurrentUser,
    /// The `postgres` system user (the program runs as root).
    System {
        uid: Uid,
        gid: Gid,
    },
}

/// Options that trade durability for speed, for throwaway test clusters only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tuning {
    pub unsafe_fast: bool,
}

/// State of the cluster on disk, for `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterState {
    NotInitialised,
    Stopped,
    Running { pid: i32 },
}

impl std::fmt::Display for ClusterState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterState::NotInitialised => f.write_str("not initialised (created on first use)"),
            ClusterState::Stopped => f.write_str("stopped (started on first use)"),
            ClusterState::Running { pid } => write!(f, "running (pid {pid})"),
        }
    }
}

/// A private PostgreSQL cluster under one root directory.
#[derive(Debug, Clone)]
pub struct EmbeddedCluster {
    pub root: PathBuf,
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub log_file: PathBuf,
    pub bindir: PathBuf,
    pub run_as: RunAs,
    pub tuning: Tuning,
}

impl EmbeddedCluster {
    /// Describes the cluster under `root` (nothing is created yet).
    pub fn new(root: &Path, tuning: Tuning) -> Result<Self, EmbeddedError> {
        let bindir = find_bindir().ok_or(EmbeddedError::MissingBinaries)?;
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name(SUPERUSER)
                .ok()
                .flatten()
                .ok_or(EmbeddedError::NoPostgresUser)?;
            RunAs::System {
                uid: user.uid,
                gid: user.gid,
            }
        } else {
            RunAs::CurrentUser
        };
        let root = absolute(root);
        let socket_dir = socket_dir_for(&root)?;
        Ok(EmbeddedCluster {
            data_dir: root.join("pgdata"),
            log_file: root.join("postgresql.log"),
            socket_dir,
            root,
            bindir,
            run_as,
            tuning,
        })
    }

    /// Connection options for `database` over the cluster's socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    /// What is on disk and whether the server runs.
    pub fn state(&self) -> ClusterState {
        if !self.data_dir.join("PG_VERSION").is_file() {
            return ClusterState::NotInitialised;
        }
        match process::live_postmaster(&self.data_dir) {
            Some(pid) => ClusterState::Running { pid },
            None => ClusterState::Stopped,
        }
    }

    /// Makes sure the cluster exists and runs, and registers this process as a user of it.
    /// Blocking: call from start-up code or `spawn_blocking`.
    pub fn start(&self) -> Result<ClusterGuard, EmbeddedError> {
        self.prepare_dirs()?;
        let startup = lockfile::exclusive(&self.root.join("startup.lock"))
            .map_err(io_err("taking startup.lock"))?;
        if !self.data_dir.join("PG_VERSION").is_file() {
            self.initdb()?;
        }
        if process::live_postmaster(&self.data_dir).is_none() {
            process::remove_stale_files(&self.data_dir, &self.socket_dir, PORT);
            self.pg_ctl_start()?;
        }
        // Registered before the startup lock is released, so a process that is shutting down
        // at this moment sees us and leaves the server running.
        let instance = lockfile::shared(&self.root.join("instances.lock"))
            .map_err(io_err("taking instances.lock"))?;
        drop(startup);
        Ok(ClusterGuard {
            cluster: self.clone(),
            instance: Some(instance),
        })
    }

    /// Stops the server now, whoever uses it (`pg_ctl stop -m fast`).
    pub fn stop(&self) -> Result<(), EmbeddedError> {
        if process::live_postmaster(&self.data_dir).is_none() {
            return Ok(());
        }
        let mut cmd = self.command("pg_ctl");
        cmd.arg("stop")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "-t", "60"]);
        run(cmd, "pg_ctl stop")
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bindir.join(program));
        // Server messages must not be translated or reach the operator's terminal.
        cmd.env("LC_MESSAGES", "C")
            .stdin(std::process::Stdio::null());
        if let RunAs::System { uid, gid } = self.run_as {
            use std::os::unix::process::CommandExt;
            // std clears supplementary groups when dropping from root to this uid.
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
            cmd.current_dir(&self.root);
        }
        cmd
    }

    fn prepare_dirs(&self) -> Result<(), EmbeddedError> {
        use std::os::unix::fs::PermissionsExt;
        for dir in [&self.root, &self.socket_dir] {
            std::fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err(format!("setting permissions of {}", dir.display())))?;
            if let RunAs::System { uid, gid } = self.run_as {
                nix::unistd::chown(dir.as_path(), Some(uid), Some(gid)).map_err(|e| {
                    EmbeddedError::Io {
                        what: format!("handing {} to the postgres user", dir.display()),
                        source: e.into(),
                    }
                })?;
            }
        }
        if let RunAs::System { uid, .. } = self.run_as {
            for dir in [&self.root, &self.socket_dir] {
                check_traversable(dir, uid)?;
            }
        }
        Ok(())
    }

    fn initdb(&self) -> Result<(), EmbeddedError> {
        // Initialise beside the final place and rename, so a crash mid-initdb leaves no
        // half-made cluster behind.
        let staging = self.root.join("pgdata.init");
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io_err("removing pgdata.init"))?;
        }
        let attempt = |locale: &[&str]| {
            let mut cmd = self.command("initdb");
            cmd.arg("-D")
                .arg(&staging)
                .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8"])
                .args(locale);
            if self.tuning.unsafe_fast {
                cmd.arg("--no-sync");
            }
            run(cmd, "initdb")
        };
        if let Err(first) = attempt(&["--locale=C.UTF-8"]) {
            // Systems without the C.UTF-8 locale still get a working cluster.
            let _ = std::fs::remove_dir_all(&staging);
            attempt(&["--no-locale"]).map_err(|_| first)?;
        }
        std::fs::rename(&staging, &self.data_dir).map_err(io_err("moving pgdata.init"))?;
        Ok(())
    }

    fn pg_ctl_start(&self) -> Result<(), EmbeddedError> {
        let mut opts = format!(
            "-c listen_addresses='' -k '{}' -p {PORT} -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        if self.tuning.unsafe_fast {
            opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let mut cmd = self.command("pg_ctl");
        cmd.arg("start")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&self.log_file)
            .args(["-w", "-t", "60", "-o", &opts]);
        run(cmd, "pg_ctl start").map_err(|e| match e {
            EmbeddedError::Command { command, output } => EmbeddedError::Command {
                command,
                output: format!("{output} (server log: {})", self.log_file.display()),
            },
            other => other,
        })
    }
}

/// This process's registration as a user of the cluster. [`ClusterGuard::release`] (or drop)
/// stops the server when no other instance uses it.
#[derive(Debug)]
pub struct ClusterGuard {
    cluster: EmbeddedCluster,
    instance: Option<lockfile::Held>,
}

impl ClusterGuard {
    pub fn cluster(&self) -> &EmbeddedCluster {
        &self.cluster
    }

    /// Unregisters; stops the server if this was the last instance. Returns whether it stopped.
    pub fn release(mut self) -> Result<bool, EmbeddedError> {
        self.release_inner()
    }

    /// Forgets this instance and leaves the server running, as a killed program would.
    pub fn abandon(mut self) {
        self.instance = None;
    }

    fn release_inner(&mut self) -> Result<bool, EmbeddedError> {
        let Some(instance) = self.instance.take() else {
            return Ok(false);
        };
        let root = &self.cluster.root;
        let _startup = lockfile::exclusive(&root.join("startup.lock"))
            .map_err(io_err("taking startup.lock"))?;
        drop(instance);
        match lockfile::try_exclusive(&root.join("instances.lock"))
            .map_err(io_err("checking instances.lock"))?
        {
            Some(_last) => {
                self.cluster.stop()?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        if let Err(e) = self.release_inner() {
            tracing::warn!("stopping the embedded database: {e}");
        }
    }
}

fn run(mut cmd: Command, name: &str) -> Result<(), EmbeddedError> {
    let out = cmd.output().map_err(io_err(format!("running {name}")))?;
    if out.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if text.is_empty() {
        text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    Err(EmbeddedError::Command {
        command: name.to_string(),
        output: text,
    })
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

fn socket_len(dir: &Path) -> usize {
    dir.as_os_str().len() + format!("/.s.PGSQL.{PORT}").len()
}

/// The socket lives in the cluster's own `run/` when the path is short enough; otherwise in a
/// short per-cluster directory (under `$XDG_RUNTIME_DIR`, else `/tmp`).
fn socket_dir_for(root: &Path) -> Result<PathBuf, EmbeddedError> {
    let own = root.join("run");
    if socket_len(&own) <= MAX_SOCKET_PATH {
        return Ok(own);
    }
    let tag = short_hash(root.as_os_str().as_encoded_bytes());
    let uid = nix::unistd::geteuid().as_raw();
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir() && !nix::unistd::geteuid().is_root())
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    let dir = base.join(format!("backupchecks-{uid}-{tag}"));
    if socket_len(&dir) > MAX_SOCKET_PATH {
        return Err(EmbeddedError::SocketPathTooLong(dir));
    }
    Ok(dir)
}

/// FNV-1a: stable across runs and Rust versions, unlike `DefaultHasher`.
fn short_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h as u32)
}

/// Every ancestor of `dir` must let `uid` through (search permission).
fn check_traversable(dir: &Path, uid: Uid) -> Result<(), EmbeddedError> {
    use std::os::unix::fs::MetadataExt;
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = std::fs::metadata(ancestor) else {
            continue;
        };
        let mode = meta.mode();
        let ok = if meta.uid() == uid.as_raw() {
            mode & 0o100 != 0
        } else {
            // Group membership of `postgres` is not checked: "others" must be allowed.
            mode & 0o001 != 0
        };
        if !ok {
            return Err(EmbeddedError::NotTraversable {
                path: dir.to_path_buf(),
                dir: ancestor.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_roots_get_a_short_socket_dir() {
        let long = PathBuf::from(format!("/tmp/{}", "x".repeat(120)));
        let dir = socket_dir_for(&long).unwrap();
        assert!(socket_len(&dir) <= MAX_SOCKET_PATH);
        assert_eq!(dir, socket_dir_for(&long).unwrap(), "stable per root");
        let short = PathBuf::from("/tmp/bc");
        assert_eq!(socket_dir_for(&short).unwrap(), short.join("run"));
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(
            short_hash(b"/var/lib/backupchecks"),
            short_hash(b"/var/lib/backupchecks")
        );
        assert_ne!(short_hash(b"a"), short_hash(b"b"));
    }
}
