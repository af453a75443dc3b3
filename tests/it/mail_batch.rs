//! Storing a batch of mails in a few statements: each mail once, a repeat named by the mail it
//! repeats (stored before, earlier in the batch, or by another import meanwhile), the new ones
//! in input order with their objects, filed under their job when the caller knows it.

use crate::review;
use crate::support::db::TestDb;
use backupchecks::db::mail::{self, MailObject, NewMail, ParseResult, Stored};
use backupchecks::db::mail_batch::store_all;
use chrono::{DateTime, TimeZone, Utc};
use std::time::Duration;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 7, 0, 0).unwrap()
}

fn a_mail(message_id: Option<&str>, source_id: Option<&str>, subject: &str) -> NewMail {
    NewMail {
        source: "folder".into(),
        source_id: source_id.map(str::to_string),
        internet_message_id: message_id.map(str::to_string),
        from_address: "nas@acme.example".into(),
        subject: subject.into(),
        received_at: Utc.with_ymd_and_hms(2026, 11, 19, 22, 5, 0).unwrap(),
        raw_eml: Some(format!("Subject: {subject}\r\n\r\nbody").into_bytes()),
        ..Default::default()
    }
}

fn objects(names: &[&str]) -> ParseResult {
    ParseResult {
        objects: names
            .iter()
            .map(|n| MailObject {
                name: n.to_string(),
                object_type: None,
                status: "Success".into(),
                message: None,
            })
            .collect(),
        ..Default::default()
    }
}

async fn stored_objects(t: &TestDb, mail_id: i64) -> Vec<(i32, String)> {
    sqlx::query_as("SELECT position, name FROM mail_objects WHERE mail_id = $1 ORDER BY position")
        .bind(mail_id)
        .fetch_all(&t.pool)
        .await
        .unwrap()
}

async fn store_one(t: &TestDb, m: NewMail) -> i64 {
    let mut conn = t.pool.acquire().await.unwrap();
    mail::store(&mut conn, &m, &ParseResult::default(), now())
        .await
        .unwrap()
        .id()
}

#[tokio::test]
async fn a_batch_stores_each_mail_once_in_order_and_names_the_mail_a_repeat_repeats() {
    let t = TestDb::new().await;
    let c = review::customer(&t.pool, "Acme").await;
    let job = review::job(&t.pool, c, "Docs", now()).await;
    let none = ParseResult::default();
    let mut conn = t.pool.acquire().await.unwrap();
    let old_a = store_one(&t, a_mail(Some("<a@x>"), Some("f-a"), "old a")).await;
    let old_b = store_one(&t, a_mail(None, Some("f-b"), "old b")).await;
    let (two, three) = (objects(&["fs01", "fs02"]), objects(&["k"]));
    let batch = [
        (
            a_mail(Some("<a@x>"), Some("f0"), "old a by message id"),
            &none,
        ),
        (
            a_mail(Some("<n1@x>"), Some("f-b"), "old b by source id"),
            &none,
        ),
        (a_mail(Some("<n2@x>"), Some("f2"), "new two"), &two),
        (a_mail(None, None, "new keyless three"), &three),
        (
            a_mail(Some("<n2@x>"), Some("f4"), "two by message id"),
            &two,
        ),
        (
            a_mail(Some("<n5@x>"), Some("f2"), "two by source id"),
            &none,
        ),
        (a_mail(None, None, "new keyless six"), &none),
        (a_mail(Some("<n7@x>"), None, "new seven"), &none),
        (
            a_mail(Some("<a@x>"), Some("f2"), "old a and two: the lower"),
            &none,
        ),
    ];
    let pairs: Vec<(&NewMail, &ParseResult)> = batch.iter().map(|(m, p)| (m, *p)).collect();
    let mut filed = vec![None; batch.len()];
    filed[2] = Some(job);
    let stored = store_all(&mut conn, &pairs, &filed, now()).await.unwrap();
    let new = |i: usize| match stored[i] {
        Stored::New(id) => id,
        other => panic!("mail {i}: {other:?}"),
    };
    let (n2, k3, k6, n7) = (new(2), new(3), new(6), new(7));
    assert_eq!(
        stored,
        [
            Stored::Existing(old_a),
            Stored::Existing(old_b),
            Stored::New(n2),
            Stored::New(k3),
            Stored::Existing(n2),
            Stored::Existing(n2),
            Stored::New(k6),
            Stored::New(n7),
            Stored::Existing(old_a),
        ]
    );
    // New ids in input order, each on its own mail.
    assert!(old_b < n2 && n2 < k3 && k3 < k6 && k6 < n7);
    for (i, id) in [(2, n2), (3, k3), (6, k6), (7, n7)] {
        let row: (String, Option<i64>, String) =
            sqlx::query_as("SELECT subject, job_id, location FROM mail_messages WHERE id = $1")
                .bind(id)
                .fetch_one(&t.pool)
                .await
                .unwrap();
        let want_job = (i == 2).then_some(job);
        let want_location = if i == 2 { "processed" } else { "inbox" };
        assert_eq!(
            row,
            (
                batch[i].0.subject.clone(),
                want_job,
                want_location.to_string()
            ),
            "mail {i}"
        );
    }
    // The objects of the new mails only, in their order.
    assert_eq!(
        stored_objects(&t, n2).await,
        [(0, "fs01".to_string()), (1, "fs02".to_string())]
    );
    assert_eq!(stored_objects(&t, k3).await, [(0, "k".to_string())]);
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_objects")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(all, 3);
}

#[tokio::test]
async fn a_mail_another_import_stores_meanwhile_is_a_repeat_not_an_error() {
    let t = TestDb::new().await;
    let none = ParseResult::default();
    // The other import has stored the mail but not committed yet.
    let mut other = t.pool.begin().await.unwrap();
    let theirs = mail::store(
        &mut other,
        &a_mail(Some("<race@x>"), Some("theirs"), "theirs"),
        &none,
        now(),
    )
    .await
    .unwrap()
    .id();
    let pool = t.pool.clone();
    let ours = tokio::spawn(async move {
        let batch = [
            a_mail(Some("<race@x>"), Some("ours"), "ours"),
            a_mail(Some("<mine@x>"), None, "mine"),
        ];
        let none = ParseResult::default();
        let pairs: Vec<(&NewMail, &ParseResult)> = batch.iter().map(|m| (m, &none)).collect();
        let mut conn = pool.acquire().await.unwrap();
        store_all(&mut conn, &pairs, &[], now()).await
    });
    // Ours found no stored copy and waits at its insert for the other's row.
    let mut waited = Duration::ZERO;
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock'",
        )
        .fetch_one(&t.pool)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(waited < Duration::from_secs(10), "the batch never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    other.commit().await.unwrap();
    let stored = ours.await.unwrap().unwrap();
    assert_eq!(stored[0], Stored::Existing(theirs));
    assert!(matches!(stored[1], Stored::New(id) if id > theirs));
}
