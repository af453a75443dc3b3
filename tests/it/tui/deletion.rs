//! Deleting from the panes: `d` deletes a job or customer after a question, `D` shows the
//! deleted ones, `U` restores, `X` removes for good after a question naming what goes (admins
//! only); the Inbox's deleted mail gets `X` too.

use super::{app, fixture, keys, ready, screen, seat};
use backupchecks::domain::roles::Role;
use backupchecks::tui::app::{App, Overlay};
use backupchecks::tui::keymap::Context;

fn question(a: &App) -> String {
    match &a.overlay {
        Some(Overlay::Confirm { question, .. }) => question.clone(),
        other => panic!(
            "no question (overlay: {}); toasts: {:?}",
            other.is_some(),
            a.toasts.iter().map(|t| t.text.clone()).collect::<Vec<_>>()
        ),
    }
}

async fn count(pool: &sqlx::PgPool, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_job_is_deleted_shown_among_the_deleted_and_removed_for_good() {
    let t = fixture().await;
    let mut a = app(&t);
    a.set_seat(seat(Role::Admin));
    ready(&mut a).await;
    keys(&mut a, "4").await;
    let job = a.jobs.current().unwrap().job.clone();
    let runs = count(
        &t.pool,
        "SELECT count(*) FROM job_runs WHERE job_id = $1",
        job.id,
    )
    .await;

    keys(&mut a, "d").await;
    assert!(question(&a).contains(&job.job_name));
    keys(&mut a, "y").await;
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM jobs WHERE id = $1 AND deleted_at IS NOT NULL",
            job.id
        )
        .await,
        1
    );
    assert!(
        a.jobs
            .data
            .as_ref()
            .unwrap()
            .rows
            .iter()
            .all(|r| r.job.id != job.id)
    );

    keys(&mut a, "D").await;
    assert_eq!(a.current_pane().context(), Context::DeletedJobs);
    let s = screen(&mut a, 120, 20);
    assert!(
        s.contains("deleted jobs (1)") && s.contains(&job.job_name),
        "{s}"
    );
    keys(&mut a, "X").await;
    let q = question(&a);
    assert!(
        q.contains(&format!("1 job, {runs} runs, {runs} mails")),
        "{q}"
    );
    keys(&mut a, "y").await;
    assert_eq!(
        count(&t.pool, "SELECT count(*) FROM jobs WHERE id = $1", job.id).await,
        0
    );
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM job_runs WHERE job_id = $1",
            job.id
        )
        .await,
        0
    );
    // D goes back to the jobs.
    keys(&mut a, "D").await;
    assert_eq!(a.current_pane().context(), Context::Jobs);
}

#[tokio::test]
async fn a_customer_is_deleted_and_restored_and_an_operator_cannot_remove_for_good() {
    let t = fixture().await;
    let mut a = app(&t);
    a.set_seat(seat(Role::Admin));
    ready(&mut a).await;
    keys(&mut a, "5").await;
    let customer = a.customers_pane.current().unwrap().clone();
    keys(&mut a, "d").await;
    assert!(question(&a).contains(&customer.name));
    keys(&mut a, "y").await;
    assert!(a.customers_pane.rows.iter().all(|c| c.id != customer.id));
    keys(&mut a, "D").await;
    assert_eq!(a.current_pane().context(), Context::DeletedCustomers);

    // An operator in the same view: X is refused before anything is asked.
    a.set_seat(seat(Role::Operator));
    keys(&mut a, "X").await;
    assert!(a.overlay.is_none());
    assert!(
        a.toasts
            .last()
            .unwrap()
            .text
            .contains("not available to the operator role"),
        "{:?}",
        a.toasts.last()
    );
    a.set_seat(seat(Role::Admin));
    keys(&mut a, "U").await;
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM customers WHERE id = $1 AND deleted_at IS NULL",
            customer.id
        )
        .await,
        1
    );
    keys(&mut a, "D").await;
    assert!(a.customers_pane.rows.iter().any(|c| c.id == customer.id));
}

#[tokio::test]
async fn deleted_mail_is_removed_for_good_from_the_inbox() {
    let t = fixture().await;
    let mut a = app(&t);
    a.set_seat(seat(Role::Admin));
    ready(&mut a).await;
    keys(&mut a, "1").await;
    let mail = a.inbox.current().unwrap().id;
    keys(&mut a, "d").await;
    keys(&mut a, "D").await;
    assert_eq!(a.current_pane().context(), Context::DeletedMail);
    keys(&mut a, "X").await;
    assert!(question(&a).contains("1 deleted mail for good"));
    keys(&mut a, "y").await;
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM mail_messages WHERE id = $1",
            mail
        )
        .await,
        0
    );
}
