//! Propagation to every new run: open tickets and remarks by scope (strategy 1) and the newest live
//! Autotask ticket of the job (strategy 2), for runs from mail and Missed runs alike.

use super::tickets::{remark, ticket};
use super::*;
use crate::support::db::TestDb;
use backupchecks::db::missed;
use backupchecks::db::remarks;
use backupchecks::db::scopes::Scope;
use backupchecks::db::tickets::{self, Code};

#[tokio::test]
async fn a_new_run_is_linked_to_every_open_ticket_and_remark_covering_it() {
    let t = TestDb::new().await;
    let acme = customer(&t.pool, "Acme").await;
    let globex = customer(&t.pool, "Globex").await;
    let j = job(&t.pool, acme, "Daily VMs", at(1, 0, 0)).await;
    let g = job(&t.pool, globex, "Globex VMs", at(1, 0, 0)).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let by_job = tickets::create(
        &mut conn,
        &ticket(Code::Internal, vec![Scope::Job { job_id: j }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    let by_object = tickets::create(
        &mut conn,
        &ticket(
            Code::Internal,
            vec![Scope::Object {
                job_id: j,
                object_name: "VM1".into(),
            }],
        ),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    let by_customer = remarks::create(
        &mut conn,
        &remark(vec![Scope::Customer { customer_id: acme }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();

    let with_vm1 = mail_run(
        &t.pool,
        j,
        at(2, 22, 0),
        "Failed",
        None,
        &[("vm1", "Failed", None)],
    )
    .await;
    let without = mail_run(
        &t.pool,
        j,
        at(3, 22, 0),
        "Failed",
        None,
        &[("vm2", "Failed", None)],
    )
    .await;
    let elsewhere = mail_run(
        &t.pool,
        g,
        at(2, 22, 0),
        "Failed",
        None,
        &[("vm1", "Failed", None)],
    )
    .await;

    assert_eq!(
        tickets::linked_runs(&t.pool, by_job.id).await.unwrap(),
        vec![with_vm1, without]
    );
    assert_eq!(
        tickets::linked_runs(&t.pool, by_object.id).await.unwrap(),
        vec![with_vm1]
    );
    assert_eq!(
        remarks::linked_runs(&t.pool, by_customer.id).await.unwrap(),
        vec![with_vm1, without]
    );
    assert!(
        tickets::for_run(&t.pool, elsewhere)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        remarks::for_run(&t.pool, elsewhere)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_resolved_ticket_is_not_linked_to_the_next_run_but_stays_on_old_runs() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let tk = tickets::create(
        &mut conn,
        &ticket(Code::Internal, vec![Scope::Job { job_id: j }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    let rm = remarks::create(
        &mut conn,
        &remark(vec![Scope::Job { job_id: j }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    let old = mail_run(&t.pool, j, at(2, 22, 0), "Failed", None, &[]).await;

    // Resolved later on the same day than the next run's time: no date decides, the state does.
    tickets::resolve(&mut conn, tk.id, "ann", at(5, 8, 0))
        .await
        .unwrap();
    let scope = remarks::scopes(&t.pool, rm.id).await.unwrap()[0].id;
    remarks::resolve_scope(&mut conn, scope, "ann", at(5, 8, 0))
        .await
        .unwrap();
    let new = mail_run(&t.pool, j, at(3, 22, 0), "Failed", None, &[]).await;

    assert_eq!(
        tickets::linked_runs(&t.pool, tk.id).await.unwrap(),
        vec![old]
    );
    assert_eq!(
        remarks::linked_runs(&t.pool, rm.id).await.unwrap(),
        vec![old]
    );
    assert_eq!(tickets::for_run(&t.pool, old).await.unwrap().len(), 1);
    assert_eq!(remarks::for_run(&t.pool, old).await.unwrap().len(), 1);
    assert!(tickets::for_run(&t.pool, new).await.unwrap().is_empty());
    assert!(remarks::for_run(&t.pool, new).await.unwrap().is_empty());
}

#[tokio::test]
async fn missed_runs_get_open_tickets_also_when_created_in_bulk() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let a = job(&t.pool, c, "A", at(1, 0, 0)).await;
    let b = job(&t.pool, c, "B", at(1, 0, 0)).await;
    pin_daily(&t.pool, a, 22, 0).await;
    pin_daily(&t.pool, b, 22, 0).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let tk = tickets::create(
        &mut conn,
        &ticket(Code::Internal, vec![Scope::Job { job_id: a }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    let rm = remarks::create(
        &mut conn,
        &remark(vec![Scope::Customer { customer_id: c }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();

    let report = missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    assert_eq!(report.created, 14, "{report:?}");
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ticket_job_runs l JOIN job_runs r ON r.id = l.job_run_id \
         WHERE r.missed AND l.ticket_id = $1",
    )
    .bind(tk.id)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(linked, 7, "every Missed run of job A");
    assert_eq!(
        remarks::linked_runs(&t.pool, rm.id).await.unwrap().len(),
        14
    );
}

/// Puts an Autotask ticket on a run, as ticket creation from a run does.
async fn set_autotask(
    pool: &sqlx::PgPool,
    run_id: i64,
    id: i64,
    number: &str,
    created: chrono::DateTime<chrono::Utc>,
) {
    sqlx::query(
        "UPDATE job_runs SET autotask_ticket_id = $2, autotask_ticket_number = $3, \
         autotask_ticket_created_at = $4, autotask_ticket_created_by = 'ann' WHERE id = $1",
    )
    .bind(run_id)
    .bind(id)
    .bind(number)
    .bind(created)
    .execute(pool)
    .await
    .unwrap();
}

async fn autotask_of(pool: &sqlx::PgPool, run_id: i64) -> Option<(i64, String, String)> {
    sqlx::query_as(
        "SELECT autotask_ticket_id, autotask_ticket_number, autotask_ticket_created_by \
         FROM job_runs WHERE id = $1 AND autotask_ticket_id IS NOT NULL",
    )
    .bind(run_id)
    .fetch_optional(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_newest_live_autotask_ticket_is_copied_onto_new_runs() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let first = mail_run(&t.pool, j, at(2, 22, 0), "Failed", None, &[]).await;
    set_autotask(&t.pool, first, 100, "T20250303.0001", at(3, 8, 0)).await;
    let second = mail_run(&t.pool, j, at(3, 22, 0), "Failed", None, &[]).await;
    assert_eq!(
        autotask_of(&t.pool, second).await,
        Some((100, "T20250303.0001".into(), "ann".into()))
    );

    set_autotask(&t.pool, second, 200, "T20250304.0001", at(4, 8, 0)).await;
    let third = mail_run(&t.pool, j, at(4, 22, 0), "Failed", None, &[]).await;
    assert_eq!(autotask_of(&t.pool, third).await.map(|a| a.0), Some(200));

    // Ticket 200 is deleted in the PSA (marked on one run only): the older live one takes over.
    sqlx::query("UPDATE job_runs SET autotask_ticket_deleted_at = $2 WHERE id = $1")
        .bind(second)
        .bind(at(5, 8, 0))
        .execute(&t.pool)
        .await
        .unwrap();
    let fourth = mail_run(&t.pool, j, at(5, 22, 0), "Failed", None, &[]).await;
    assert_eq!(autotask_of(&t.pool, fourth).await.map(|a| a.0), Some(100));

    // Ticket 100 is completed in Autotask: its internal ticket (code = number) is resolved.
    let mut conn = t.pool.acquire().await.unwrap();
    let internal = tickets::create(
        &mut conn,
        &ticket(Code::External("T20250303.0001".into()), vec![]),
        "ann",
        at(3, 8, 0),
    )
    .await
    .unwrap();
    tickets::resolve(&mut conn, internal.id, "ann", at(6, 8, 0))
        .await
        .unwrap();
    let fifth = mail_run(&t.pool, j, at(6, 22, 0), "Failed", None, &[]).await;
    assert_eq!(autotask_of(&t.pool, fifth).await, None);
    // Missed runs get the live ticket too.
    let other = job(&t.pool, c, "Other", at(1, 0, 0)).await;
    let live = mail_run(&t.pool, other, at(2, 22, 0), "Failed", None, &[]).await;
    set_autotask(&t.pool, live, 300, "T20250303.0002", at(3, 8, 0)).await;
    pin_daily(&t.pool, other, 22, 0).await;
    missed::run_pass(&mut conn, at(6, 12, 0)).await.unwrap();
    let missed_with_ticket: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM job_runs WHERE job_id = $1 AND missed AND autotask_ticket_id = 300",
    )
    .bind(other)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    // The 1st is before the job's first report, so it is no slot of this job.
    assert_eq!(missed_with_ticket, 3, "slots of the 3rd, 4th and 5th");
}

#[tokio::test]
async fn a_ticket_deleted_in_the_psa_is_not_propagated() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let first = mail_run(&t.pool, j, at(2, 22, 0), "Failed", None, &[]).await;
    set_autotask(&t.pool, first, 100, "T20250303.0001", at(3, 8, 0)).await;
    let copied = mail_run(&t.pool, j, at(3, 22, 0), "Failed", None, &[]).await;
    assert_eq!(autotask_of(&t.pool, copied).await.map(|a| a.0), Some(100));
    // The poller marks the run it checked; the copy on the later run must not revive it.
    sqlx::query("UPDATE job_runs SET autotask_ticket_deleted_at = $2 WHERE id = $1")
        .bind(first)
        .bind(at(4, 8, 0))
        .execute(&t.pool)
        .await
        .unwrap();
    let next = mail_run(&t.pool, j, at(4, 22, 0), "Failed", None, &[]).await;
    assert_eq!(autotask_of(&t.pool, next).await, None);
}
