//! The command line: help, doctor and configuration errors, through the real binary.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_backupchecks"));
    c.env_remove("BACKUPCHECKS_CONFIG");
    c
}

#[test]
fn help_lists_commands() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("doctor"), "{text}");
    let out = bin().args(["doctor", "--help"]).output().unwrap();
    assert!(out.status.success());
}

#[test]
fn doctor_names_the_bad_key_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, "[ui]\nascii = \"maybe\"\n").unwrap();
    let out = bin()
        .arg("--config")
        .arg(&path)
        .arg("doctor")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ui.ascii"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
}

#[test]
fn doctor_reports_an_unreachable_server_as_a_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("doctor")
        .env(
            "BACKUPCHECKS_DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
        )
        .env("BACKUPCHECKS_LOG_FILE", tmp.path().join("log"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("PROBLEM"), "{text}");
    assert!(text.contains("nobody@127.0.0.1:1/none"), "{text}");
    assert!(text.contains("connection refused"), "{text}");
    assert!(!text.contains("pool timed out"), "{text}");
}

#[test]
fn doctor_rejects_bad_values_that_have_the_right_type() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("doctor")
        .env("BACKUPCHECKS_LOG_LEVEL", "verbose")
        .env("BACKUPCHECKS_LOG_FILE", tmp.path().join("log"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("log.level"), "{text}");
    let out = bin()
        .arg("doctor")
        .env("DATABASE_URL", "mysql://root@127.0.0.1/db")
        .env("BACKUPCHECKS_LOG_FILE", tmp.path().join("log"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("PostgreSQL"), "{text}");
}

#[test]
fn doctor_on_a_configured_server_is_healthy_and_hides_the_password() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        return; // Covered by the embedded-cluster doctor test in embedded.rs.
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("doctor")
        .env("BACKUPCHECKS_LOG_FILE", tmp.path().join("log"))
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("up to date"), "{text}");
}
