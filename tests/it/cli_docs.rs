//! What the program says about itself: `--version` with its commit, shell completions and man
//! pages written from the command-line definitions, through the real binary.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_backupchecks"));
    c.env_remove("BACKUPCHECKS_CONFIG");
    c
}

fn stdout(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn version_names_the_release_and_the_commit_it_was_built_from() {
    let line = stdout(&["--version"]);
    let want = format!("backupchecks {}", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&want), "{line}");
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(commit) => assert_eq!(line.trim(), format!("{want} (commit {commit})")),
        // Built outside a checkout: the version alone, no empty brackets.
        None => assert_eq!(line.trim(), want),
    }
}

#[test]
fn completions_cover_every_command_in_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "complete -F _backupchecks"),
        ("zsh", "#compdef backupchecks"),
        ("fish", "complete -c backupchecks"),
    ] {
        let text = stdout(&["completions", shell]);
        assert!(text.contains(marker), "{shell}: {text}");
        for word in ["daemon", "doctor", "import", "completions", "health-listen"] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_pages_are_written_for_the_program_and_every_command() {
    let page = stdout(&["manpage"]);
    assert!(page.contains(".TH backupchecks 1"), "{page}");
    assert!(page.contains("daemon"), "{page}");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let listed = stdout(&["manpage", "--out", dir.to_str().unwrap()]);
    for name in [
        "backupchecks.1",
        "backupchecks-daemon.1",
        "backupchecks-doctor.1",
        "backupchecks-jobs-export.1",
        "backupchecks-completions.1",
    ] {
        let path = dir.join(name);
        assert!(path.is_file(), "{name} missing; listed:\n{listed}");
        assert!(listed.contains(name), "{listed}");
    }
    let daemon = std::fs::read_to_string(dir.join("backupchecks-daemon.1")).unwrap();
    assert!(daemon.contains(".TH backupchecks-daemon 1"), "{daemon}");
    assert!(daemon.contains("health\\-listen"), "{daemon}");
    assert!(
        !dir.join("backupchecks-help.1").exists(),
        "no page for the implicit help command"
    );
}
