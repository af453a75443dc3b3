//! End to end: the real binary's `demo` in tmux, driven with send-keys and read with
//! capture-pane — find the failing job, copy its ticket number (into tmux's paste buffer),
//! review a run and quit with the terminal restored.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is needed for this test: apt-get install tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn wait_for(&self, what: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "waited {secs} s for {what:?}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn demo_in_tmux_review_and_copy_a_ticket_number() {
    let data = tempfile::Builder::new()
        .prefix("bc-e2e-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmux = Tmux {
        socket: format!("bc-e2e-{}", std::process::id()),
    };
    // The exit status is printed by a shell around the program: whether tmux reports the pane
    // dead also depends on every process that inherited the terminal having let go of it.
    let command = format!(
        "sh -c 'env -u DATABASE_URL -u BACKUPCHECKS_DATABASE_URL -u BACKUPCHECKS_CONFIG \
         BACKUPCHECKS_DATABASE_DATA_DIR={dir}/c BACKUPCHECKS_LOG_FILE={dir}/log {bin} demo; \
         echo \"backupchecks exited with status $?\"'",
        dir = data.path().display(),
        bin = env!("CARGO_BIN_EXE_backupchecks"),
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.run(&["set-option", "-t", "e2e", "remain-on-exit", "on"]);

    tmux.wait_for("Run Checks —", 120);
    // The failing Proxmox host of the demo has an open ticket.
    tmux.keys(&["/", "meridian pve1", "Enter"]);
    let s = tmux.wait_for("pve1.meridian-arch", 10);
    assert!(s.contains("🎫"), "{s}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Tickets  🎫 T", 20);
    tmux.keys(&["y"]);
    let s = tmux.wait_for("copied T", 10);
    // The toast comes at once; tmux load-buffer runs in the background.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buffer = String::new();
    while buffer.is_empty() && Instant::now() < deadline {
        buffer = String::from_utf8_lossy(&tmux.run(&["show-buffer"]).stdout).into_owned();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        buffer.starts_with('T') && buffer.len() == 14 && s.contains(&format!("copied {buffer}")),
        "paste buffer {buffer:?}, screen:\n{s}"
    );
    tmux.keys(&["r"]);
    tmux.wait_for("reviewed 1 run", 10);
    // Out of the runs, then quit: the review made an undo history, so it asks first.
    tmux.keys(&["q", "q"]);
    tmux.wait_for("will be lost", 10);
    tmux.keys(&["y"]);
    let s = tmux.wait_for("backupchecks exited with status", 30);
    assert!(
        s.contains("backupchecks exited with status 0"),
        "clean exit:\n{s}"
    );
    assert!(
        !s.contains("Run Checks —"),
        "the alternate screen is gone:\n{s}"
    );
}

#[test]
fn a_dropped_session_sighup_leaves_cleanly_and_stops_the_cluster() {
    use backupchecks::db::embedded::{ClusterState, EmbeddedCluster, Tuning};
    let data = tempfile::Builder::new()
        .prefix("bc-hup-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmux = Tmux {
        socket: format!("bc-hup-{}", std::process::id()),
    };
    let command = format!(
        "env -u DATABASE_URL -u BACKUPCHECKS_DATABASE_URL -u BACKUPCHECKS_CONFIG \
         BACKUPCHECKS_DATABASE_DATA_DIR={dir}/c BACKUPCHECKS_LOG_FILE={dir}/log {bin}",
        dir = data.path().display(),
        bin = env!("CARGO_BIN_EXE_backupchecks"),
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for("Run Checks —", 60);
    let cluster = EmbeddedCluster::new(&data.path().join("c"), Tuning::default()).unwrap();
    assert!(matches!(cluster.state(), ClusterState::Running { .. }));
    // Closing the terminal (as a dropped SSH connection does) sends SIGHUP.
    tmux.run(&["kill-session", "-t", "e2e"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster.state() != ClusterState::Stopped {
        assert!(
            Instant::now() < deadline,
            "the interface did not leave cleanly on SIGHUP"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
