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

/// Starts `demo` in a tmux session of `width`×`height` with its own data directory.
fn start_demo(data: &std::path::Path, width: &str, height: &str) -> Tmux {
    let tmux = Tmux {
        socket: format!("bc-e2e-{}-{width}", std::process::id()),
    };
    // The exit status is printed by a shell around the program: whether tmux reports the pane
    // dead also depends on every process that inherited the terminal having let go of it.
    let command = format!(
        "sh -c 'env -u DATABASE_URL -u BACKUPCHECKS_DATABASE_URL -u BACKUPCHECKS_CONFIG \
         BACKUPCHECKS_DATABASE_DATA_DIR={dir}/c BACKUPCHECKS_LOG_FILE={dir}/log {bin} demo; \
         echo \"backupchecks exited with status $?\"'",
        dir = data.display(),
        bin = env!("CARGO_BIN_EXE_backupchecks"),
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        width,
        "-y",
        height,
        &command,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.run(&["set-option", "-t", "e2e", "remain-on-exit", "on"]);
    tmux
}

fn data_dir() -> tempfile::TempDir {
    let data = tempfile::Builder::new()
        .prefix("bc-e2e-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    data
}

/// tmux's paste buffer once it differs from `before` (the copy runs in the background).
fn paste_buffer(tmux: &Tmux, before: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let buffer = String::from_utf8_lossy(&tmux.run(&["show-buffer"]).stdout).into_owned();
        if (!buffer.is_empty() && buffer != before) || Instant::now() > deadline {
            return buffer;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn demo_in_tmux_review_and_copy_a_ticket_number() {
    let data = data_dir();
    let tmux = start_demo(data.path(), "120", "40");
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
    let buffer = paste_buffer(&tmux, "");
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

/// A whole morning on the demo, the way an operator does it, counted key by key: the failing
/// jobs get a ticket (or have one) whose number is copied, everything is reviewed, a new
/// customer's jobs and a known customer's new job are approved, and the unparsed mail is
/// deleted. At most 60 keys, and every number copied is the one the screen named.
#[test]
fn a_whole_morning_on_the_demo_takes_at_most_60_keys() {
    let data = data_dir();
    let tmux = start_demo(data.path(), "160", "48");
    let mut count = 0;
    let mut press = |keys: &[&str]| {
        count += keys.len();
        tmux.keys(keys);
    };
    tmux.wait_for("Run Checks —", 120);
    // The worst job has an open ticket: `y` copies the number the hint names.
    let s = tmux.wait_for("y copy T", 30);
    let hinted = s
        .lines()
        .last()
        .and_then(|l| l.split("y copy ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no ticket offered:\n{s}"))
        .to_string();
    press(&["y"]);
    tmux.wait_for(&format!("copied {hinted}"), 10);
    assert_eq!(paste_buffer(&tmux, ""), hinted);
    press(&["R"]);
    tmux.wait_for("u to undo", 10);
    // The next failing job: a new ticket, its number copied, the job reviewed.
    press(&["t", "n", "Enter"]);
    let s = tmux.wait_for("y copies it", 10);
    let created = s
        .split("ticket ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{s}"))
        .to_string();
    press(&["y"]);
    assert_eq!(
        paste_buffer(&tmux, &hinted),
        created,
        "the new ticket, not an older one"
    );
    press(&["R"]);
    // The missed one gets a ticket too; then everything else at once.
    std::thread::sleep(Duration::from_millis(500));
    press(&["t", "n", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    press(&["R"]);
    std::thread::sleep(Duration::from_millis(500));
    press(&["*", "r"]);
    tmux.wait_for("Review all", 10);
    press(&["y"]);
    tmux.wait_for("Run Checks — 0 runs", 20);

    // Inbox: the new customer's jobs, the known customer's new job, the unparsed mail.
    press(&["1", "/", "k", "e", "s", "Enter"]);
    tmux.wait_for("filter: kes", 10);
    std::thread::sleep(Duration::from_millis(500));
    press(&["*", "a"]);
    tmux.wait_for("Customer:", 10);
    press(&["K", "e", "s", "t", "r", "e", "l", "C-n"]);
    let s = tmux.wait_for("approved 3 jobs", 20);
    assert!(!s.contains("marked"), "approved mails keep no marks:\n{s}");
    press(&["Escape", "Escape", "/", "t", "h", "u", "Enter"]);
    tmux.wait_for("filter: thu", 10);
    std::thread::sleep(Duration::from_millis(500));
    press(&["a"]);
    tmux.wait_for("★ Noordzee", 10);
    press(&["Enter"]);
    tmux.wait_for("approved", 20);
    press(&["/", "u", "n", "p", "Enter"]);
    tmux.wait_for("filter: unp", 10);
    std::thread::sleep(Duration::from_millis(500));
    press(&["*", "d"]);
    tmux.wait_for("Delete 3 mails?", 10);
    press(&["y"]);
    tmux.wait_for("0 waiting (0 unparsed)", 20);
    assert!(count <= 60, "{count} keys");
    eprintln!("the morning took {count} keys");
}
