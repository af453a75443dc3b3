//! Scheduled reports against a real database and the fake Graph: once per period across
//! restarts and two schedulers, a send interrupted mid-request never repeated by itself,
//! throttling, refusals retried later, and the 4 MB limit of sendMail.

use crate::support::db::TestDb;
use crate::support::graph::FakeGraph;
use backupchecks::db::report_schedules::{self as db, NewSchedule, Settle, State};
use backupchecks::domain::report_schedule::Cadence;
use backupchecks::ingest::graph::{
    Attachment, GraphMailer, GraphOptions, GraphTimeouts, OutgoingMail, SendError,
};
use backupchecks::reports::Format;
use backupchecks::services::backoff::Backoff;
use backupchecks::services::report_scheduler::{self, Event, PassReport, Setup};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().unwrap()
}

/// Acme (a job with a run in November, contact address) and Beta (no contact address).
async fn fixture(pool: &PgPool) {
    sqlx::raw_sql(
        "INSERT INTO customers (name, contact_email) VALUES ('Acme', 'it@acme.example'); \
         INSERT INTO customers (name) VALUES ('Beta'); \
         INSERT INTO jobs (customer_id, from_address, job_name, backup_software, backup_type) \
           SELECT id, 'veeam@acme.example', 'Nightly', 'Veeam', 'Backup Job' FROM customers WHERE name = 'Acme'; \
         INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status) \
           SELECT id, '2026-11-10 23:00+00', 'Success', 'Success' FROM jobs;",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn schedule(pool: &PgPool, to_customers: bool) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    db::add(
        &mut conn,
        &NewSchedule {
            name: "Monthly".into(),
            cadence: Cadence::Monthly(1),
            hour: 6,
            customers: Vec::new(),
            formats: vec![Format::Pdf, Format::Csv],
            recipients: vec!["ops@msp.example".into()],
            to_customers,
        },
        "tester",
    )
    .await
    .unwrap()
    .id
}

fn setup(graph: Option<&FakeGraph>, folder: &std::path::Path) -> Setup {
    setup_with(graph, folder, GraphOptions::default())
}

fn setup_with(graph: Option<&FakeGraph>, folder: &std::path::Path, options: GraphOptions) -> Setup {
    Setup {
        folder: folder.to_path_buf(),
        mailer: graph.map(|g| GraphMailer::new(&g.config(), None, options).unwrap()),
    }
}

async fn pass(pool: &PgPool, now: DateTime<Utc>, setup: &mut Setup) -> PassReport {
    // A killed pass releases its lock when the server notices the closed connection.
    for _ in 0..100 {
        if let Some(r) = report_scheduler::pass_once(pool, now, setup).await.unwrap() {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the report scheduler lock was never free");
}

async fn states(pool: &PgPool) -> Vec<(String, State)> {
    db::deliveries(pool, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.part, d.state))
        .rev()
        .collect()
}

#[tokio::test]
async fn a_due_report_is_made_and_mailed_once_per_period_across_restarts() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, true).await;
    let graph = FakeGraph::start().await;
    let dir = tempfile::tempdir().unwrap();

    // From 06:00 on the 1st, November's report is due.
    let r = pass(
        &t.pool,
        utc(2026, 12, 1, 7),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!((r.generated, r.sent), (2, 2), "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("Beta has no contact address")),
        "{r:?}"
    );
    let sent = graph.sent();
    assert_eq!(sent.len(), 2);
    let internal = sent.iter().find(|m| m.to == ["ops@msp.example"]).unwrap();
    assert_eq!(internal.subject, "Backup report November 2026 — Monthly");
    let names: Vec<&str> = internal.attachments.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "backup-report-all-2026-11.pdf",
            "backup-report-all-2026-11.csv"
        ]
    );
    assert_eq!(internal.attachments[0].1, "application/pdf");
    assert!(internal.attachments[0].2.starts_with(b"%PDF"));
    assert!(internal.save_to_sent_items);
    let own = sent.iter().find(|m| m.to == ["it@acme.example"]).unwrap();
    assert_eq!(own.subject, "Backup report November 2026 — Acme");
    assert_eq!(own.attachments[1].0, "backup-report-acme-2026-11.csv");

    // The record says what, where, the checksum and to whom.
    let ds = db::deliveries(&t.pool, None, 10).await.unwrap();
    assert_eq!(ds.len(), 2);
    for d in &ds {
        assert_eq!(d.state, State::Sent);
        assert_eq!(d.attempts, 1);
        assert_eq!(d.period_from.to_string(), "2026-11-01");
        for (path, sum) in d.paths.iter().zip(&d.checksums) {
            let bytes = std::fs::read(path).unwrap();
            let want: String = ring::digest::digest(&ring::digest::SHA256, &bytes)
                .as_ref()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(&want, sum, "{path}");
            assert!(path.starts_with(&dir.path().display().to_string()));
        }
    }
    let internal_file =
        std::fs::read(&ds.iter().find(|d| d.part == "internal").unwrap().paths[0]).unwrap();
    assert_eq!(internal_file, internal.attachments[0].2);

    // A restart (a new mailer, a later hour) and another pass: nothing again for November.
    for hour in [8, 23] {
        let r = pass(
            &t.pool,
            utc(2026, 12, 1, hour),
            &mut setup(Some(&graph), dir.path()),
        )
        .await;
        assert_eq!((r.generated, r.sent), (0, 0), "{r:?}");
    }
    assert_eq!(graph.sent().len(), 2);

    // December's comes on 1 January.
    let r = pass(
        &t.pool,
        utc(2027, 1, 1, 6),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!((r.generated, r.sent), (2, 2), "{r:?}");
    assert!(graph.sent()[2].subject.contains("December 2026"));
}

#[tokio::test]
async fn without_graph_the_report_is_written_and_mailed_when_graph_comes() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, false).await;
    let dir = tempfile::tempdir().unwrap();
    let r = pass(&t.pool, utc(2026, 12, 2, 0), &mut setup(None, dir.path())).await;
    assert_eq!((r.generated, r.sent), (1, 0));
    assert!(
        r.notes.iter().any(|n| n.contains("not configured")),
        "{r:?}"
    );
    assert_eq!(
        states(&t.pool).await,
        [("internal".to_string(), State::Generated)]
    );
    let graph = FakeGraph::start().await;
    let r = pass(
        &t.pool,
        utc(2026, 12, 2, 1),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!((r.generated, r.sent), (0, 1));
    assert_eq!(graph.sent().len(), 1);
}

/// Two processes' schedulers on one database, each asked for passes again and again while
/// Graph answers slowly: one mail per part and period.
#[tokio::test]
async fn two_schedulers_on_one_database_send_one_mail_per_period() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, true).await;
    let graph = FakeGraph::start().await;
    graph.stall("sendMail", 2, Duration::from_millis(400));
    let dir = tempfile::tempdir().unwrap();
    let clock: backupchecks::clock::Clock = Arc::new(|| utc(2026, 12, 3, 9));
    let mut handles = Vec::new();
    let mut events = Vec::new();
    for _ in 0..2 {
        let (tx, rx) = mpsc::unbounded_channel();
        handles.push(report_scheduler::spawn_with(
            t.pool.clone(),
            clock.clone(),
            Duration::from_secs(3600),
            setup(Some(&graph), dir.path()),
            tx,
            Backoff::new(Duration::from_millis(50), Duration::from_millis(200)),
        ));
        events.push(rx);
    }
    for round in 0..4 {
        for h in &handles {
            h.run_now();
        }
        tokio::time::sleep(Duration::from_millis(300 + 100 * round)).await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while graph.sent().len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for h in handles {
        h.stop().await;
    }
    let sent = graph.sent();
    assert_eq!(
        sent.len(),
        2,
        "{:?}",
        sent.iter().map(|m| &m.to).collect::<Vec<_>>()
    );
    let mut to: Vec<&str> = sent.iter().map(|m| m.to[0].as_str()).collect();
    to.sort();
    assert_eq!(to, ["it@acme.example", "ops@msp.example"]);
    let mut skipped = 0;
    let mut failed = Vec::new();
    for rx in &mut events {
        while let Ok(ev) = rx.try_recv() {
            match ev {
                Event::Skipped => skipped += 1,
                Event::Failed { message } => failed.push(message),
                _ => {}
            }
        }
    }
    assert!(failed.is_empty(), "{failed:?}");
    assert!(skipped > 0, "the two schedulers never met");
    assert!(states(&t.pool).await.iter().all(|(_, s)| *s == State::Sent));
}

/// The process is killed after the request reached Graph and before the 202 was read: the
/// next pass (another process) finds the delivery `sending`, marks it unknown and sends nothing;
/// only an operator's resend sends it again.
#[tokio::test]
async fn a_scheduler_killed_mid_send_leaves_the_mail_unknown_and_never_resends_it() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, false).await;
    let graph = FakeGraph::start().await;
    // Graph takes the mail at once but answers only after a minute.
    graph.stall("sendMail", 1, Duration::from_secs(60));
    let dir = tempfile::tempdir().unwrap();
    let now = utc(2026, 12, 1, 7);
    let pool = t.pool.clone();
    let mut first = setup(Some(&graph), dir.path());
    let folder = dir.path().to_path_buf();
    let killed = tokio::spawn(async move {
        let _ = report_scheduler::pass_once(&pool, now, &mut first).await;
        drop(folder);
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while graph.sent().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(graph.sent().len(), 1, "the mail never reached Graph");
    killed.abort();
    let _ = killed.await;
    assert_eq!(
        states(&t.pool).await,
        [("internal".to_string(), State::Sending)]
    );

    for hour in [8, 9] {
        let r = pass(
            &t.pool,
            utc(2026, 12, 1, hour),
            &mut setup(Some(&graph), dir.path()),
        )
        .await;
        assert_eq!(r.sent, 0, "{r:?}");
        if hour == 8 {
            assert_eq!(r.unknown.len(), 1, "{r:?}");
        }
    }
    assert_eq!(graph.sent().len(), 1);
    let d = &db::deliveries(&t.pool, None, 10).await.unwrap()[0];
    assert_eq!(d.state, State::Unknown);
    assert!(
        d.last_error.as_deref().unwrap().contains("stopped before"),
        "{d:?}"
    );
    assert_eq!(db::needing_attention(&t.pool).await.unwrap().len(), 1);

    // The operator decides it did not arrive: resent once at the next pass.
    let mut conn = t.pool.acquire().await.unwrap();
    db::settle(
        &mut conn,
        d.id,
        Settle::Resend,
        "tester",
        utc(2026, 12, 1, 10),
    )
    .await
    .unwrap();
    drop(conn);
    let r = pass(
        &t.pool,
        utc(2026, 12, 1, 10),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(graph.sent().len(), 2);
    assert_eq!(
        states(&t.pool).await,
        [("internal".to_string(), State::Sent)]
    );
}

/// No answer in time: the outcome is unknown, the request is not repeated.
#[tokio::test]
async fn an_unanswered_send_is_unknown_and_not_repeated() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, false).await;
    let graph = FakeGraph::start().await;
    graph.stall("sendMail", 1, Duration::from_secs(5));
    let dir = tempfile::tempdir().unwrap();
    let options = GraphOptions {
        timeouts: Some(GraphTimeouts::all(Duration::from_secs(1))),
        ..GraphOptions::default()
    };
    let r = pass(
        &t.pool,
        utc(2026, 12, 1, 7),
        &mut setup_with(Some(&graph), dir.path(), options),
    )
    .await;
    assert_eq!((r.sent, r.unknown.len()), (0, 1), "{r:?}");
    assert!(r.unknown[0].contains("may or may not"), "{r:?}");
    let r = pass(
        &t.pool,
        utc(2026, 12, 2, 7),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!(r.sent, 0);
    assert_eq!(graph.seen("POST", "sendMail").len(), 1);
    assert_eq!(
        states(&t.pool).await,
        [("internal".to_string(), State::Unknown)]
    );
}

/// 429 with Retry-After: waited out and sent within the same pass, once.
#[tokio::test]
async fn a_throttled_send_waits_and_goes_out_once() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, false).await;
    let graph = FakeGraph::start().await;
    graph.throttle("sendMail", 2, 429, Some(1));
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let r = pass(
        &t.pool,
        utc(2026, 12, 1, 7),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!(r.sent, 1, "{r:?}");
    assert!(started.elapsed() >= Duration::from_secs(2));
    let statuses: Vec<u16> = graph
        .seen("POST", "sendMail")
        .iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(statuses, [429, 429, 202]);
    assert_eq!(graph.sent().len(), 1);
}

/// A refusal (no Mail.Send) fails the delivery, which is tried again after its delay only.
#[tokio::test]
async fn a_refused_send_is_tried_again_after_a_delay() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, false).await;
    let graph = FakeGraph::start().await;
    graph.state().deny_send = true;
    let dir = tempfile::tempdir().unwrap();
    let now = utc(2026, 12, 1, 7);
    let r = pass(&t.pool, now, &mut setup(Some(&graph), dir.path())).await;
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(r.failed[0].contains("Mail.Send"), "{r:?}");
    let d = &db::deliveries(&t.pool, None, 1).await.unwrap()[0];
    assert_eq!(d.state, State::Failed);
    assert_eq!(d.next_attempt_at, Some(now + TimeDelta::minutes(5)));
    graph.state().deny_send = false;
    let r = pass(
        &t.pool,
        now + TimeDelta::minutes(2),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!(r.sent, 0, "not before its delay: {r:?}");
    let r = pass(
        &t.pool,
        now + TimeDelta::minutes(6),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!(r.sent, 1, "{r:?}");
    let d = &db::deliveries(&t.pool, None, 1).await.unwrap()[0];
    assert_eq!((d.state, d.attempts), (State::Sent, 2));
    assert_eq!(graph.sent().len(), 1);
}

/// The fake holds Graph's contract: a request of 4 MB or more is refused with 413, an invalid
/// recipient with 400, and neither is recorded as sent; the mailer says so as "not sent".
#[tokio::test]
async fn send_mail_contract_size_and_recipients() {
    let graph = FakeGraph::start().await;
    let mut mailer = GraphMailer::new(&graph.config(), None, GraphOptions::default()).unwrap();
    let mail = |to: &str, size: usize| OutgoingMail {
        subject: "Backup report".into(),
        body: "<p>x</p>".into(),
        to: vec![to.into()],
        attachments: vec![Attachment {
            name: "r.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: vec![7u8; size],
        }],
    };
    // 3 MB of file is 4 MB of base64.
    match mailer.send(&mail("ops@msp.example", 3 * 1024 * 1024)).await {
        Err(SendError::NotSent(why)) => assert!(why.contains("too large"), "{why}"),
        other => panic!("{other:?}"),
    }
    match mailer.send(&mail("not-an-address", 10)).await {
        Err(SendError::NotSent(why)) => assert!(why.contains("ErrorInvalidRecipients"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(graph.sent().is_empty());
    mailer
        .send(&mail("ops@msp.example", 2 * 1024 * 1024))
        .await
        .unwrap();
    let sent = graph.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].attachments[0].2.len(), 2 * 1024 * 1024);
    assert!(sent[0].request_bytes < 4 * 1024 * 1024);
}

/// The binary with the test database, the fake Graph (for mailing) and a report folder.
fn command(t: &TestDb, graph: &FakeGraph, dir: &std::path::Path) -> std::process::Command {
    let g = graph.config();
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"));
    c.env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("JOURNAL_STREAM")
        .env_remove("NOTIFY_SOCKET")
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("BACKUPCHECKS_DATABASE_URL", t.url())
        .env("BACKUPCHECKS_LOG_FILE", dir.join("log"))
        .env("BACKUPCHECKS_REPORTS_FOLDER", dir.join("reports"))
        .env("BACKUPCHECKS_GRAPH_TENANT_ID", g.tenant_id.unwrap())
        .env("BACKUPCHECKS_GRAPH_CLIENT_ID", g.client_id.unwrap())
        .env(
            "BACKUPCHECKS_GRAPH_CLIENT_SECRET",
            crate::support::graph::SECRET,
        )
        .env("BACKUPCHECKS_GRAPH_MAILBOX", g.mailbox.unwrap())
        .env("BACKUPCHECKS_GRAPH_LOGIN_URL", g.login_url)
        .env("BACKUPCHECKS_GRAPH_API_URL", g.api_url);
    c
}

fn backupchecks(
    t: &TestDb,
    graph: &FakeGraph,
    dir: &std::path::Path,
    args: &[&str],
) -> (Option<i32>, String) {
    let out = command(t, graph, dir).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// Two `daemon` processes on one database; the one sending is killed (SIGKILL) after Graph took
/// the mail and before it answered. A third daemon started afterwards finds the delivery
/// interrupted, records its outcome as unknown and sends nothing: one mail in all.
#[tokio::test]
async fn two_daemons_one_killed_mid_send_mail_exactly_once() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    schedule(&t.pool, false).await;
    let graph = FakeGraph::start().await;
    graph.stall("sendMail", 1, Duration::from_secs(120));
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    std::fs::create_dir_all(&mail_dir).unwrap();
    let start = || {
        command(&t, &graph, dir.path())
            .args(["daemon", "--from-dir"])
            .arg(&mail_dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "never: {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let mut first = start();
    wait_for("the first daemon's mail reached Graph", &|| {
        graph.sent().len() == 1
    });
    let mut second = start();
    // The second daemon's pass at start finds the lock held and skips.
    std::thread::sleep(Duration::from_secs(2));
    first.kill().unwrap();
    first.wait().unwrap();
    let sending = states(&t.pool).await;
    assert_eq!(sending, [("internal".to_string(), State::Sending)]);

    let mut third = start();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while states(&t.pool).await != [("internal".to_string(), State::Unknown)] {
        assert!(std::time::Instant::now() < deadline, "never marked unknown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for child in [&mut second, &mut third] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert_eq!(graph.sent().len(), 1);
    assert_eq!(graph.seen("POST", "sendMail").len(), 1);
}

/// The commands: a contact address, a weekly schedule, run now (due now: made and mailed),
/// run now again (nothing), list, and clear mistakes said as such.
#[tokio::test]
async fn schedules_from_the_command_line_mail_once() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    let graph = FakeGraph::start().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| backupchecks(&t, &graph, dir.path(), args);
    let (code, out) = run(&["customers", "contact", "beta", "ops@beta.example"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("Beta: reports go to ops@beta.example"),
        "{out}"
    );
    let (code, out) = run(&["customers", "contact", "beta", "not an address"]);
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = run(&[
        "report",
        "schedule",
        "add",
        "Weekly",
        "--every",
        "weekly:mon",
        "--hour",
        "0",
        "--customer",
        "beta",
        "--format",
        "html",
        "--to-customers",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("weekly:mon at 00:00, 1 customer(s), html → each customer's contact"),
        "{out}"
    );
    let (code, out) = run(&["report", "schedule", "add", "Bad", "--every", "daily:1"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("monthly:DAY"), "{out}");

    let (code, out) = run(&["report", "schedule", "run-now"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2 generated"), "{out}"); // the scope report (folder only) and Beta's own
    assert!(out.contains("1 mailed"), "{out}");
    let sent = graph.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, ["ops@beta.example"]);
    assert_eq!(sent[0].attachments[0].1, "text/html");
    let (code, out) = run(&["report", "schedule", "run-now"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 generated"), "{out}");
    assert_eq!(graph.sent().len(), 1);

    let (code, out) = run(&["report", "schedule", "list"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Beta sent"), "{out}");
    let (code, out) = run(&["report", "schedule", "mark-sent", "1"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("only unknown or failed"), "{out}");
    let (code, out) = run(&["report", "schedule", "remove", "weekly"]);
    assert_eq!(code, Some(0), "{out}");
}

/// PostgreSQL's side of the roles: an operator's login (what the services run as) makes and
/// records the reports; it may not add schedules or settle deliveries, an admin may; a
/// reporter reads them and changes nothing.
#[tokio::test]
async fn the_scheduler_runs_as_an_operator_and_only_admins_change_schedules() {
    use crate::support::db::TestLogin;
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    let operator = TestLogin::new(&["backupchecks_operator"]).await;
    let admin = TestLogin::new(&["backupchecks_admin"]).await;
    let reporter = TestLogin::new(&["backupchecks_reporter"]).await;
    let as_operator = t.pool_as(&operator.name).await;
    let as_admin = t.pool_as(&admin.name).await;
    let as_reporter = t.pool_as(&reporter.name).await;

    let new = NewSchedule {
        name: "Monthly".into(),
        cadence: Cadence::Monthly(1),
        hour: 6,
        customers: vec!["acme".into()],
        formats: vec![Format::Csv],
        recipients: vec!["ops@msp.example".into()],
        to_customers: true,
    };
    let mut conn = as_operator.acquire().await.unwrap();
    let refused = db::add(&mut conn, &new, "olga").await.unwrap_err();
    assert!(
        backupchecks::db::roles::is_permission_denied(&refused),
        "{refused}"
    );
    drop(conn);
    let mut conn = as_admin.acquire().await.unwrap();
    db::add(&mut conn, &new, "ann").await.unwrap();
    drop(conn);

    let graph = FakeGraph::start().await;
    let dir = tempfile::tempdir().unwrap();
    let r = pass(
        &as_operator,
        utc(2026, 12, 1, 7),
        &mut setup(Some(&graph), dir.path()),
    )
    .await;
    assert_eq!((r.generated, r.sent), (2, 2), "{r:?}");

    let listed = db::deliveries(&as_reporter, None, 10).await.unwrap();
    assert_eq!(listed.len(), 2);
    let mut conn = as_reporter.acquire().await.unwrap();
    let refused = db::settle(
        &mut conn,
        listed[0].id,
        Settle::Resend,
        "rita",
        utc(2026, 12, 2, 0),
    )
    .await
    .unwrap_err();
    assert!(
        backupchecks::db::roles::is_permission_denied(&refused),
        "{refused}"
    );
    let refused = db::set_contact(&mut conn, "Beta", Some("x@beta.example"), "rita")
        .await
        .unwrap_err();
    assert!(
        backupchecks::db::roles::is_permission_denied(&refused),
        "{refused}"
    );
}
