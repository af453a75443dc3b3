//! Mail of an archived job stays out of the Inbox but is kept, filed under the job, and becomes
//! no run; one at a time and in a batch alike.

use crate::support::db::TestDb;
use crate::support::mail::generic;
use backupchecks::db::{self, inbox::CustomerChoice};
use backupchecks::ingest::pipeline::{Incoming, Outcome, ingest_batch, ingest_one};
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn incoming(msgid: &str, day: u32) -> Incoming {
    let date = Utc
        .with_ymd_and_hms(2026, 11, day, 22, 5, 0)
        .unwrap()
        .to_rfc2822();
    Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw: generic(msgid, "backup@acme.example", "Nightly", "Success", &date),
    }
}

#[tokio::test]
async fn mail_of_an_archived_job_is_kept_with_it_and_stays_out_of_the_inbox() {
    let t = TestDb::new().await;
    let first = ingest_one(&t.pool, &incoming("a@x", 16), now())
        .await
        .unwrap()
        .mail_id();
    let mut conn = t.pool.acquire().await.unwrap();
    let job = db::inbox::approve(
        &mut conn,
        first,
        &CustomerChoice::New("Acme".into()),
        "owner",
        now(),
    )
    .await
    .unwrap()
    .job_id;
    db::jobs::set_archived(&mut conn, job, true, "owner", now())
        .await
        .unwrap();

    let one = ingest_one(&t.pool, &incoming("b@x", 17), now())
        .await
        .unwrap();
    assert!(matches!(one, Outcome::Archived { .. }), "{one:?}");
    let batch = ingest_batch(&t.pool, &[incoming("c@x", 18), incoming("d@x", 19)], now()).await;
    assert!(
        batch
            .iter()
            .all(|o| matches!(o, Ok(Outcome::Archived { .. }))),
        "{batch:?}"
    );

    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 0);
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM mail_messages WHERE job_id = $1 AND deleted_at IS NULL",
    )
    .bind(job)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(
        kept, 4,
        "the approved mail and the three that came while archived"
    );
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM job_runs WHERE job_id = $1")
        .bind(job)
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(runs, 1, "no run while archived");
}
