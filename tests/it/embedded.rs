//! The embedded cluster: first start, reuse, last-one-out, concurrent starts, crash recovery
//! and running as root.

use backupchecks::db::embedded::{ClusterState, EmbeddedCluster, EmbeddedError, RunAs, Tuning};
use backupchecks::db::{self, Database};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A temporary cluster root the `postgres` user can reach when tests run as root.
fn temp_root() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("bc-emb-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = tmp.path().join("c");
    (tmp, root)
}

fn cluster(root: &Path) -> EmbeddedCluster {
    EmbeddedCluster::new(root, Tuning { unsafe_fast: true }).unwrap()
}

fn running_pid(c: &EmbeddedCluster) -> i32 {
    match c.state() {
        ClusterState::Running { pid } => pid,
        other => panic!("expected a running cluster, got {other:?}"),
    }
}

fn wait_until_gone(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn first_start_initialises_then_instances_share_and_the_last_one_stops() {
    let (_tmp, root) = temp_root();
    let c = cluster(&root);
    assert_eq!(c.state(), ClusterState::NotInitialised);
    let first = c.start().unwrap();
    let pid = running_pid(&c);
    let second = c.start().unwrap();
    assert_eq!(
        running_pid(&c),
        pid,
        "the second instance reuses the running server"
    );
    assert!(!first.release().unwrap(), "another instance still uses it");
    assert_eq!(running_pid(&c), pid);
    assert!(
        second.release().unwrap(),
        "the last instance stops the server"
    );
    wait_until_gone(pid);
    assert_eq!(c.state(), ClusterState::Stopped);
    // Reused afterwards: no new initdb, data kept.
    let version_file = c.data_dir.join("PG_VERSION");
    let before = std::fs::metadata(&version_file)
        .unwrap()
        .modified()
        .unwrap();
    let again = c.start().unwrap();
    assert_eq!(
        std::fs::metadata(&version_file)
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
    again.release().unwrap();
}

#[tokio::test]
async fn open_embedded_creates_and_migrates_the_database() {
    let (_tmp, root) = temp_root();
    let database = Database::open_embedded(cluster(&root), db::EMBEDDED_DATABASE)
        .await
        .unwrap();
    assert_eq!(
        db::schema::applied_version(database.pool()).await.unwrap(),
        Some(db::schema::expected_version())
    );
    db::customers::create(database.pool(), "Kept Ltd")
        .await
        .unwrap();
    database.close().await.unwrap();
    assert_eq!(cluster(&root).state(), ClusterState::Stopped);
    // Data survives a stop and start.
    let database = Database::open_embedded(cluster(&root), db::EMBEDDED_DATABASE)
        .await
        .unwrap();
    let names: Vec<String> = db::customers::list(database.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Kept Ltd"]);
    database.close().await.unwrap();
}

#[test]
fn concurrent_starts_in_threads_share_one_server() {
    let (_tmp, root) = temp_root();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let root = root.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let c = cluster(&root);
                barrier.wait();
                let guard = c.start().unwrap();
                (running_pid(&c), guard)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let pid = results[0].0;
    assert!(results.iter().all(|(p, _)| *p == pid), "one server for all");
    let stopped: Vec<bool> = results
        .into_iter()
        .map(|(_, g)| g.release().unwrap())
        .collect();
    assert_eq!(
        stopped.iter().filter(|s| **s).count(),
        1,
        "exactly the last one stops it"
    );
}

#[test]
fn two_programs_started_at_the_same_moment_both_connect() {
    let (tmp, root) = temp_root();
    let dir = tmp.path().to_path_buf();
    let data_dir = root.clone();
    let spawn = move |n: u32| {
        std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
            .arg("doctor")
            .env_remove("DATABASE_URL")
            .env_remove("BACKUPCHECKS_DATABASE_URL")
            .env("BACKUPCHECKS_DATABASE_DATA_DIR", &data_dir)
            .env("BACKUPCHECKS_LOG_FILE", dir.join(format!("log{n}")))
            .env("BACKUPCHECKS_CONFIG", dir.join("none.toml"))
            .output()
            .unwrap()
    };
    // A missing explicit config file is an error; give both an empty one.
    std::fs::write(tmp.path().join("none.toml"), "").unwrap();
    let a = std::thread::spawn({
        let spawn = spawn.clone();
        move || spawn(1)
    });
    let b_out = spawn(2);
    let a_out = a.join().unwrap();
    for out in [&a_out, &b_out] {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("(up to date)"), "{text}");
    }
    assert_eq!(
        cluster(&root).state(),
        ClusterState::Stopped,
        "the last one out stopped it"
    );
}

#[test]
fn a_killed_program_leaves_a_server_that_the_next_start_reuses() {
    let (_tmp, root) = temp_root();
    let c = cluster(&root);
    c.start().unwrap().abandon();
    let pid = running_pid(&c);
    let next = c.start().unwrap();
    assert_eq!(running_pid(&c), pid);
    assert!(next.release().unwrap(), "nobody else holds it: stopped");
}

fn start_with_patience(c: &EmbeddedCluster) -> backupchecks::db::embedded::ClusterGuard {
    // After a server crash its children need a moment to notice and exit.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match c.start() {
            Ok(g) => return g,
            Err(e) if Instant::now() < deadline => {
                eprintln!("retrying start: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_crashed_server_with_a_stale_pid_file_is_restarted() {
    let (_tmp, root) = temp_root();
    let c = cluster(&root);
    c.start().unwrap().abandon();
    let pid = running_pid(&c);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_until_gone(pid);
    assert!(
        c.data_dir.join("postmaster.pid").exists(),
        "the crash left its pid file"
    );
    assert_eq!(c.state(), ClusterState::Stopped);
    let g = start_with_patience(&c);
    assert_ne!(running_pid(&c), pid);
    g.release().unwrap();
}

#[test]
fn a_pid_file_naming_an_unrelated_live_process_is_cleared() {
    let (_tmp, root) = temp_root();
    let c = cluster(&root);
    let g = c.start().unwrap();
    let text = std::fs::read_to_string(c.data_dir.join("postmaster.pid")).unwrap();
    g.release().unwrap();
    // After a reboot the old pid may belong to another program: here, this test process.
    let rest: Vec<&str> = text.lines().skip(1).collect();
    let fake = format!("{}\n{}\n", std::process::id(), rest.join("\n"));
    std::fs::write(c.data_dir.join("postmaster.pid"), fake).unwrap();
    assert_eq!(
        c.state(),
        ClusterState::Stopped,
        "not a postgres process: not running"
    );
    let g = c.start().unwrap();
    assert_ne!(running_pid(&c) as u32, std::process::id());
    g.release().unwrap();
}

fn process_uid(pid: i32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_server_never_runs_as_root() {
    use std::os::unix::fs::MetadataExt;
    let (_tmp, root) = temp_root();
    let c = cluster(&root);
    let g = c.start().unwrap();
    let pid = running_pid(&c);
    let owner = std::fs::metadata(&c.data_dir).unwrap().uid();
    match c.run_as {
        RunAs::System { uid, .. } => {
            assert!(nix::unistd::geteuid().is_root());
            assert_eq!(process_uid(pid), uid.as_raw(), "server runs as postgres");
            assert_eq!(owner, uid.as_raw(), "data dir owned by postgres");
        }
        RunAs::CurrentUser => {
            assert!(!nix::unistd::geteuid().is_root());
            assert_eq!(process_uid(pid), nix::unistd::geteuid().as_raw());
            assert_eq!(owner, nix::unistd::geteuid().as_raw());
        }
    }
    g.release().unwrap();
}

#[test]
fn as_root_an_unreachable_data_dir_is_a_clear_error() {
    if !nix::unistd::geteuid().is_root() {
        return; // Only root hands the cluster to another user.
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let c = cluster(&tmp.path().join("c"));
    let err = c.start().unwrap_err();
    assert!(matches!(err, EmbeddedError::NotTraversable { .. }), "{err}");
    assert!(err.to_string().contains("database.data_dir"), "{err}");
}

#[test]
fn missing_binaries_message_says_how_to_fix_it() {
    let msg = EmbeddedError::MissingBinaries.to_string();
    assert!(msg.contains("apt-get install postgresql"), "{msg}");
    assert!(msg.contains("database.url"), "{msg}");
}
