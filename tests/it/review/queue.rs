//! Review and the Run Checks queue: one run, a job, several jobs at once, undo, and the queue
//! worst first with counts and indicators.

use super::tickets::ticket;
use super::*;
use crate::support::db::TestDb;
use backupchecks::db::review::{self, QueueRow};
use backupchecks::db::scopes::Scope;
use backupchecks::db::tickets::{self, Code};
use backupchecks::db::{missed, remarks};
use backupchecks::domain::run_status::RunStatus;

fn names(q: &[QueueRow]) -> Vec<&str> {
    q.iter().map(|r| r.job_name.as_str()).collect()
}

#[tokio::test]
async fn the_queue_lists_jobs_with_unreviewed_runs_worst_first() {
    let t = TestDb::new().await;
    let acme = customer(&t.pool, "Acme").await;
    let beta = customer(&t.pool, "Beta").await;
    let warn = job(&t.pool, acme, "Warn", at(1, 0, 0)).await;
    let fail = job(&t.pool, beta, "Fail", at(1, 0, 0)).await;
    let ok = job(&t.pool, acme, "Ok", at(1, 0, 0)).await;
    let done = job(&t.pool, acme, "Done", at(1, 0, 0)).await;
    let miss = job(&t.pool, beta, "Miss", at(19, 0, 0)).await;
    mail_run(&t.pool, warn, at(19, 22, 0), "Success", None, &[]).await;
    mail_run(&t.pool, warn, at(18, 22, 0), "Warning", None, &[]).await;
    mail_run(&t.pool, warn, at(17, 22, 0), "Warning", None, &[]).await;
    mail_run(&t.pool, fail, at(19, 22, 0), "Failed", None, &[]).await;
    mail_run(&t.pool, fail, at(18, 22, 0), "Success", None, &[]).await;
    mail_run(&t.pool, ok, at(19, 22, 0), "Success", None, &[]).await;
    let reviewed = mail_run(&t.pool, done, at(19, 22, 0), "Failed", None, &[]).await;
    pin_daily(&t.pool, miss, 22, 0).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    review::review_run(&mut conn, reviewed, "ann", at(20, 12, 0))
        .await
        .unwrap();
    tickets::create(
        &mut conn,
        &ticket(Code::Internal, vec![Scope::Job { job_id: warn }]),
        "ann",
        at(20, 8, 0),
    )
    .await
    .unwrap();
    remarks::create(
        &mut conn,
        &super::tickets::remark(vec![Scope::Customer { customer_id: beta }]),
        "ann",
        at(20, 8, 0),
    )
    .await
    .unwrap();

    let q = review::queue(&t.pool, None).await.unwrap();
    assert_eq!(names(&q), vec!["Fail", "Miss", "Warn", "Ok"]);
    let worst: Vec<RunStatus> = q.iter().map(QueueRow::worst).collect();
    assert_eq!(
        worst,
        vec![
            RunStatus::Failed,
            RunStatus::Missed,
            RunStatus::Warning,
            RunStatus::Success
        ]
    );
    let w = &q[2];
    assert_eq!((w.unreviewed, w.warning, w.success, w.failed), (3, 2, 1, 0));
    assert_eq!(w.customer_name, "Acme");
    assert_eq!(
        (w.backup_software.as_str(), w.backup_type.as_str()),
        ("Veeam", "Backup Job")
    );
    assert_eq!(w.newest_run_at, at(19, 22, 0));
    assert_eq!((w.has_open_ticket, w.has_open_remark), (true, false));
    assert_eq!((q[0].has_open_ticket, q[0].has_open_remark), (false, true));
    assert_eq!((q[1].missed, q[1].unreviewed), (1, 1));
    assert_eq!((q[3].has_open_ticket, q[3].has_open_remark), (false, false));

    // Including reviewed runs brings the job whose runs are all reviewed back.
    let all = review::queue(&t.pool, Some(at(19, 0, 0))).await.unwrap();
    assert_eq!(names(&all), vec!["Done", "Fail", "Miss", "Warn", "Ok"]);
    assert_eq!((all[0].unreviewed, all[0].failed), (0, 1));
}

#[tokio::test]
async fn review_one_run_a_job_and_several_jobs_and_undo_each() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let a = job(&t.pool, c, "A", at(1, 0, 0)).await;
    let b = job(&t.pool, c, "B", at(1, 0, 0)).await;
    let a1 = mail_run(&t.pool, a, at(2, 22, 0), "Warning", None, &[]).await;
    let a2 = mail_run(&t.pool, a, at(3, 22, 0), "Success", None, &[]).await;
    let b1 = mail_run(&t.pool, b, at(3, 22, 0), "Failed", None, &[]).await;
    let mut conn = t.pool.acquire().await.unwrap();

    let one = review::review_run(&mut conn, a1, "ann", at(4, 8, 0))
        .await
        .unwrap();
    assert_eq!(one.run_ids, vec![a1]);
    let r = run(&t.pool, a1).await;
    assert_eq!(
        (r.reviewed_at, r.reviewed_by.as_deref()),
        (Some(at(4, 8, 0)), Some("ann"))
    );
    assert_eq!(
        review::runs_of_job(&t.pool, a, false).await.unwrap().len(),
        1
    );
    let all_a: Vec<i64> = review::runs_of_job(&t.pool, a, true)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(all_a, vec![a2, a1]);

    let job_a = review::review_job(&mut conn, a, "ann", at(4, 8, 1))
        .await
        .unwrap();
    assert_eq!(
        job_a.run_ids,
        vec![a2],
        "already reviewed runs keep their first review"
    );
    assert_eq!(run(&t.pool, a1).await.reviewed_at, Some(at(4, 8, 0)));
    assert_eq!(review::undo(&mut conn, &job_a, "ann").await.unwrap(), 1);
    assert!(run(&t.pool, a2).await.reviewed_at.is_none());
    assert!(run(&t.pool, a1).await.reviewed_at.is_some());

    let bulk = review::review_jobs(&mut conn, &[a, b], "bob", at(4, 9, 0))
        .await
        .unwrap();
    assert_eq!(bulk.run_ids, vec![a2, b1]);
    assert!(review::queue(&t.pool, None).await.unwrap().is_empty());
    let last = review::last_batch(&mut conn, "bob").await.unwrap().unwrap();
    assert_eq!(last, bulk);
    assert_eq!(review::undo(&mut conn, &last, "bob").await.unwrap(), 2);
    let q = review::queue(&t.pool, None).await.unwrap();
    assert_eq!(names(&q), vec!["B", "A"]);

    // Undo leaves a run alone that someone reviewed anew since.
    let again = review::review_run(&mut conn, b1, "ann", at(4, 10, 0))
        .await
        .unwrap();
    review::undo(&mut conn, &again, "ann").await.unwrap();
    review::review_run(&mut conn, b1, "bob", at(4, 11, 0))
        .await
        .unwrap();
    assert_eq!(review::undo(&mut conn, &again, "ann").await.unwrap(), 0);
    assert_eq!(run(&t.pool, b1).await.reviewed_by.as_deref(), Some("bob"));

    let actions = audit_actions(&t.pool).await;
    for want in ["review.runs", "review.jobs", "review.undo"] {
        assert!(actions.iter().any(|a| a == want), "{want}: {actions:?}");
    }
}
