//! The daemon as a service: `GET /health` on loopback (200 while its services run, 503 while its
//! database is out), readiness and stopping told to systemd, through the real binary.

use crate::support::db::TestDb;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn daemon(t: &TestDb, tmp: &std::path::Path, health: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_backupchecks"));
    c.arg("daemon")
        .args(health)
        .env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("JOURNAL_STREAM")
        .env_remove("NOTIFY_SOCKET")
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("BACKUPCHECKS_DATABASE_URL", t.url())
        .env("BACKUPCHECKS_LOG_FILE", tmp.join("log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Lines of the child's standard error, as they come.
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The address the daemon says it serves /health on.
fn health_address(lines: &mpsc::Receiver<String>) -> SocketAddr {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            if let Some(rest) = line.split("health on http://").nth(1) {
                let addr = rest.split('/').next().unwrap();
                return addr.parse().unwrap();
            }
            seen.push(line);
        }
    }
    panic!("the daemon never served /health: {seen:?}");
}

/// A plain HTTP/1.1 GET; the status code and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = String::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_string(&mut raw))
        .await
        .expect("an answer within 30 s")
        .unwrap();
    let code = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split_once("\r\n\r\n").unwrap().1.to_string();
    (code, body)
}

async fn health_until(
    addr: SocketAddr,
    what: &str,
    done: impl Fn(u16, &serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, body) = get(addr, "/health").await;
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        if done(code, &json) {
            return json;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: last answer {code} {json}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn datagram(sock: &UnixDatagram) -> String {
    let mut buf = [0u8; 1024];
    let n = sock.recv(&mut buf).expect("a notification for systemd");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn health_is_200_while_services_run_and_503_while_the_database_is_out() {
    let t = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    let notify_path = tmp.path().join("notify");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut child = daemon(&t, tmp.path(), &["--health-listen", "127.0.0.1:0"])
        .env("NOTIFY_SOCKET", &notify_path)
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    let addr = health_address(&lines);
    assert!(addr.ip().is_loopback(), "{addr}");

    // Ready only once the services run and /health answers.
    let ready = datagram(&notify);
    assert!(ready.contains("READY=1"), "{ready}");
    let json = health_until(addr, "the missed-run check's first pass", |code, j| {
        code == 200
            && j["services"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["name"] == "missed-run check" && s["last_outcome"] == "ok")
    })
    .await;
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"]["reachable"], true);
    let missed = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "missed-run check")
        .unwrap();
    for key in ["last_start", "last_finish", "next_run"] {
        assert!(missed[key].is_string(), "{key} in {missed}");
    }
    assert_eq!(missed["failed_in_a_row"], 0);
    assert_eq!(get(addr, "/other").await.0, 404);

    // `doctor --daemon` reports the daemon's services, and includes them in its JSON.
    let out = Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["doctor", "--json", "--daemon", &addr.to_string()])
        .env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("JOURNAL_STREAM")
        .env("DATABASE_URL", t.url())
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .env("BACKUPCHECKS_LOG_FILE", tmp.path().join("doctor.log"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let doctor: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(
        doctor["daemon"]["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "missed-run check"),
        "{doctor}"
    );
    assert!(
        doctor["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "daemon missed-run check"),
        "{doctor}"
    );

    // An outage: the database refuses connections and ends the open ones.
    t.refuse_connections().await;
    let json = health_until(addr, "503 during the outage", |code, _| code == 503).await;
    assert_eq!(json["status"], "unhealthy");
    assert_eq!(json["database"]["reachable"], false);
    assert!(
        json["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("the database does not answer"),
        "{json}"
    );
    // And back.
    t.allow_connections().await;
    health_until(addr, "200 after the outage", |code, _| code == 200).await;

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let stopping = datagram(&notify);
    assert!(stopping.contains("STOPPING=1"), "{stopping}");
    let status = child.wait().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn health_listens_on_loopback_unless_told_otherwise() {
    let t = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    // A port alone: loopback.
    let mut child = daemon(&t, tmp.path(), &["--health-listen", "0"])
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    let addr = health_address(&lines);
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());

    // Every interface: refused at once, before the database is even opened.
    let out = daemon(&t, tmp.path(), &["--health-listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("refusing to serve /health on 0.0.0.0:0"),
        "{err}"
    );
    assert!(err.contains("--health-allow-remote"), "{err}");
}

fn doctor_json(envs: &[(&str, String)], tmp: &std::path::Path) -> (bool, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["doctor", "--json"])
        .env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("JOURNAL_STREAM")
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("BACKUPCHECKS_LOG_FILE", tmp.join("log"))
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (out.status.success(), json)
}

#[tokio::test]
async fn doctor_json_gives_the_health_report_for_scripts() {
    let t = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    let (ok, json) = doctor_json(&[("BACKUPCHECKS_DATABASE_URL", t.url())], tmp.path());
    assert!(ok, "{json}");
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"]["reachable"], true);
    assert_eq!(json["services"], serde_json::json!([]));
    assert!(
        json["version"]
            .as_str()
            .unwrap()
            .starts_with(env!("CARGO_PKG_VERSION"))
    );
    let checks = json["checks"].as_array().unwrap();
    let schema = checks
        .iter()
        .find(|c| c["name"] == "database schema")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(schema["state"], "ok");

    let dead = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2".to_string();
    let (ok, json) = doctor_json(&[("BACKUPCHECKS_DATABASE_URL", dead)], tmp.path());
    assert!(!ok, "{json}");
    assert_eq!(json["status"], "unhealthy");
    assert_eq!(json["database"]["reachable"], false);
    assert!(
        json["problems"][0]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{json}"
    );
}

#[tokio::test]
async fn under_systemd_the_log_goes_to_the_journal_with_priorities_and_no_timestamps() {
    use std::os::unix::fs::MetadataExt;
    let t = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    // The journal stream as systemd hands it over: standard error, named by JOURNAL_STREAM.
    let journal_path = tmp.path().join("journal");
    let journal = std::fs::File::create(&journal_path).unwrap();
    let meta = journal.metadata().unwrap();
    let mut child = daemon(&t, tmp.path(), &[])
        .env_remove("BACKUPCHECKS_LOG_FILE")
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stderr(journal)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let text = std::fs::read_to_string(&journal_path).unwrap();
        if text.lines().any(|l| l.starts_with("<6>")) {
            break text;
        }
        assert!(Instant::now() < deadline, "no journal line: {text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    let line = text.lines().find(|l| l.starts_with("<6>")).unwrap();
    // "<6> INFO backupchecks::…": the level follows at once, no date in front of it.
    assert!(
        line["<6>".len()..].trim_start().starts_with("INFO"),
        "{line}"
    );
    assert!(
        !tmp.path()
            .join("state/backupchecks/backupchecks.log")
            .exists(),
        "nothing went to the log file"
    );
}
