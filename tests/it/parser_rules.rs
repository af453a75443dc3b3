//! Custom parser rules against real PostgreSQL: preview, save → re-parse → approvable, later
//! mail read on import, refusals, roles and the `rules` command.

use crate::support::db::{TestDb, TestLogin};
use backupchecks::db::{self, DbError, inbox::CustomerChoice, parser_rules};
use backupchecks::ingest::pipeline::{Incoming, Outcome, ingest_one};
use backupchecks::ingest::rules::{preview, save_and_reparse};
use backupchecks::parsers::rules::{Field, JobName, Matcher, ObjectsRule, Rule, StatusRule};
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()
}

/// A report of a format no built-in parser knows.
fn nas_mail(msgid: &str, job: &str, result: &str, day: u32) -> Incoming {
    let raw = format!(
        "From: NAS <copy@nas1.example>\r\nTo: backups@msp.example\r\n\
         Subject: Copy job {job} {result} ({day}-11-2026)\r\n\
         Date: {day} Nov 2026 22:05:00 +0000\r\nMessage-ID: <{msgid}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Share docs: OK\r\nShare media: {result}\r\n"
    );
    Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw: raw.into_bytes(),
    }
}

fn other_mail(msgid: &str) -> Incoming {
    Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw: format!(
            "From: a@b.example\r\nSubject: Lunch?\r\nMessage-ID: <{msgid}>\r\n\r\nPizza\r\n"
        )
        .into_bytes(),
    }
}

pub fn nas_rule() -> Rule {
    Rule {
        name: "NAS copy".into(),
        sender: Some(Matcher::Contains("@nas1.example".into())),
        subject: Some(Matcher::Regex(r"^Copy job ".into())),
        body: None,
        software: "NasCopy".into(),
        backup_type: "File copy".into(),
        job_name: JobName::Capture {
            field: Field::Subject,
            regex: r"^Copy job (\S+)".into(),
        },
        status: StatusRule {
            field: Field::Subject,
            success: Some(Matcher::Contains(" done".into())),
            warning: None,
            failed: Some(Matcher::Contains(" failed".into())),
        },
        objects: Some(ObjectsRule {
            regex: r"^Share (?P<name>\S+): (?P<status>\w+)".into(),
        }),
        informational: false,
    }
}

async fn ingest(t: &TestDb, m: &Incoming) -> Outcome {
    ingest_one(&t.pool, m, now()).await.unwrap()
}

#[tokio::test]
async fn a_saved_rule_reads_the_waiting_mail_it_matches_which_then_approves_into_runs() {
    let t = TestDb::new().await;
    let a = ingest(&t, &nas_mail("n1@x", "docs", "done", 17)).await;
    let b = ingest(&t, &nas_mail("n2@x", "docs", "failed", 18)).await;
    let c = ingest(&t, &other_mail("o1@x")).await;
    for o in [a, b, c] {
        assert!(matches!(o, Outcome::Unparsed { .. }), "{o:?}");
    }

    // The preview reads the two NAS mails and stores nothing.
    let rows = preview(&t.pool, &nas_rule()).await.unwrap();
    let mut seen: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.mail_id,
                r.result.job_name.clone(),
                r.result.parsed_status.clone(),
                r.result.objects.len(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (a.mail_id(), Some("docs".into()), Some("Success".into()), 2),
            (b.mail_id(), Some("docs".into()), Some("Failed".into()), 2),
        ]
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT parser_name FROM mail_messages WHERE id = $1")
            .bind(a.mail_id())
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(stored, None, "a preview changes nothing");
    // Approving an unread mail is refused before the rule exists.
    let mut tx = t.pool.begin().await.unwrap();
    let refused = db::inbox::approve(
        &mut tx,
        a.mail_id(),
        &CustomerChoice::New("Acme".into()),
        "ann",
        now(),
    )
    .await;
    assert!(matches!(refused, Err(DbError::Rejected(_))), "{refused:?}");
    drop(tx);

    let s = save_and_reparse(&t.pool, &nas_rule(), "ann", now())
        .await
        .unwrap();
    assert!(matches!(s.saved, parser_rules::Saved::Created(_)));
    assert_eq!((s.reparsed, s.runs_created), (2, 0));
    let (parser, software, status): (Option<String>, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT parser_name, backup_software, parsed_status FROM mail_messages WHERE id = $1",
        )
        .bind(b.mail_id())
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(parser.as_deref(), Some("rule:NAS copy"));
    assert_eq!(software.as_deref(), Some("NasCopy"));
    assert_eq!(status.as_deref(), Some("Failed"));
    let other: Option<String> =
        sqlx::query_scalar("SELECT parser_name FROM mail_messages WHERE id = $1")
            .bind(c.mail_id())
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(other, None, "mail the rule does not match stays unread");

    // Now approvable: both mails of the job become runs.
    let mut tx = t.pool.begin().await.unwrap();
    let approved = db::inbox::approve(
        &mut tx,
        a.mail_id(),
        &CustomerChoice::New("Acme".into()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(approved.runs_created, 2);

    // Later mail of the format is read on import and goes straight to its job.
    let later = ingest(&t, &nas_mail("n3@x", "docs", "done", 19)).await;
    assert!(matches!(later, Outcome::Run { .. }), "{later:?}");

    let audit: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT action, operator FROM audit_log WHERE entity_type = 'parser_rule'")
            .fetch_all(&t.pool)
            .await
            .unwrap();
    assert_eq!(audit, [("parser_rule.create".into(), Some("ann".into()))]);

    // Saving again under the same name changes it in place; deleting is audited too.
    let mut changed = nas_rule();
    changed.informational = true;
    let s = save_and_reparse(&t.pool, &changed, "ann", now())
        .await
        .unwrap();
    assert!(matches!(s.saved, parser_rules::Saved::Changed(_)));
    let list = parser_rules::list(&t.pool).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].rule.informational);
    let mut tx = t.pool.begin().await.unwrap();
    parser_rules::delete(&mut tx, "NAS copy", "ann")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'parser_rule' ORDER BY id",
    )
    .fetch_all(&t.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "parser_rule.create",
            "parser_rule.change",
            "parser_rule.delete"
        ]
    );
}

#[tokio::test]
async fn a_changed_rule_reads_its_waiting_mail_again() {
    let t = TestDb::new().await;
    let a = ingest(&t, &nas_mail("n1@x", "docs", "done", 17)).await;
    save_and_reparse(&t.pool, &nas_rule(), "ann", now())
        .await
        .unwrap();
    let mut fixed = nas_rule();
    fixed.name = "  NAS copy ".into();
    fixed.job_name = JobName::Fixed("NAS docs".into());
    let s = save_and_reparse(&t.pool, &fixed, "ann", now())
        .await
        .unwrap();
    assert!(matches!(s.saved, parser_rules::Saved::Changed(_)), "{s:?}");
    assert_eq!(s.reparsed, 1);
    let (parser, job): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT parser_name, job_name FROM mail_messages WHERE id = $1")
            .bind(a.mail_id())
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(parser.as_deref(), Some("rule:NAS copy"));
    assert_eq!(job.as_deref(), Some("NAS docs"));
}

#[tokio::test]
async fn an_invalid_rule_is_refused_with_its_reason_and_nothing_is_stored() {
    let t = TestDb::new().await;
    let mut bad = nas_rule();
    bad.subject = Some(Matcher::Regex("Copy (job".into()));
    let e = save_and_reparse(&t.pool, &bad, "ann", now())
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)), "{e}");
    assert!(
        e.to_string().contains("subject: not a valid pattern"),
        "{e}"
    );
    let e = preview(&t.pool, &bad).await.unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)), "{e}");
    assert!(parser_rules::list(&t.pool).await.unwrap().is_empty());
}

#[tokio::test]
async fn only_an_admin_may_save_a_rule_and_every_role_reads_them() {
    let t = TestDb::new().await;
    for group in ["backupchecks_operator", "backupchecks_viewer"] {
        let login = TestLogin::new(&[group]).await;
        let pool = t.pool_as(&login.name).await;
        let e = save_and_reparse(&pool, &nas_rule(), "op", now())
            .await
            .unwrap_err();
        assert!(db::roles::is_permission_denied(&e), "{group}: {e}");
        assert!(parser_rules::list(&pool).await.unwrap().is_empty());
        pool.close().await;
    }
    let admin = TestLogin::new(&["backupchecks_admin"]).await;
    let pool = t.pool_as(&admin.name).await;
    save_and_reparse(&pool, &nas_rule(), "root", now())
        .await
        .unwrap();
    pool.close().await;
    let viewer = TestLogin::new(&["backupchecks_viewer"]).await;
    let pool = t.pool_as(&viewer.name).await;
    assert_eq!(parser_rules::list(&pool).await.unwrap().len(), 1);
    let e = sqlx::query("DELETE FROM parser_rules")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(db::roles::is_permission_denied(&DbError::from(e)));
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_command_imports_previews_and_exports_a_rule_list() {
    let t = TestDb::new().await;
    let waiting = ingest(&t, &nas_mail("n1@x", "docs", "done", 17)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.json");
    std::fs::write(
        &file,
        backupchecks::parsers::rules_document::write(vec![nas_rule()]),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
            .env_remove("BACKUPCHECKS_CONFIG")
            .env("DATABASE_URL", t.url())
            .env("BACKUPCHECKS_LOG_FILE", dir.path().join("log"))
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        (out.status.success(), stdout, stderr)
    };
    let path = file.to_str().unwrap();
    let (ok, out, err) = run(&["rules", "preview", path]);
    assert!(ok, "{out} {err}");
    assert!(
        out.contains("\"NAS copy\": matches 1 waiting mail"),
        "{out}"
    );
    assert!(
        out.contains(&format!("mail {} copy@nas1.example", waiting.mail_id()))
            && out.contains("NasCopy / File copy / docs: Success, 2 objects"),
        "{out}"
    );
    let (ok, out, err) = run(&["rules", "import", path]);
    assert!(ok, "{out} {err}");
    assert!(
        out.contains("created \"NAS copy\": 1 waiting mail read, 0 became runs"),
        "{out}"
    );
    let (ok, out, err) = run(&["rules", "export"]);
    assert!(ok, "{err}");
    assert_eq!(
        backupchecks::parsers::rules_document::read(&out),
        Ok(vec![nas_rule()])
    );
    // An invalid file changes nothing and says why.
    let mut bad = nas_rule();
    bad.name = "other".into();
    bad.job_name = JobName::Capture {
        field: Field::Subject,
        regex: "no group".into(),
    };
    std::fs::write(
        &file,
        backupchecks::parsers::rules_document::write(vec![bad]),
    )
    .unwrap();
    let (ok, _, err) = run(&["rules", "import", path]);
    assert!(!ok);
    assert!(
        err.contains("job name: the pattern needs a capture group"),
        "{err}"
    );
    assert_eq!(parser_rules::list(&t.pool).await.unwrap().len(), 1);
}
