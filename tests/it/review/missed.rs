//! Missed runs: idempotent creation with a 7-day back-fill from the job's first report on (history
//! imported before approval counts), eligible jobs only, learned schedules, and removal by a late
//! real run of unreviewed Missed runs only.

use super::*;
use crate::support::db::TestDb;
use backupchecks::db::{customers, jobs, missed, propagation, review, schedules};
use backupchecks::domain::schedule::Schedule;
use chrono::NaiveDate;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
}

#[tokio::test]
async fn creation_backfills_seven_days_and_running_it_twice_creates_nothing_new() {
    let t = TestDb::new().await;
    let j = daily_vms(&t.pool).await;
    let mut conn = t.pool.acquire().await.unwrap();

    let first = missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    assert_eq!((first.created, first.removed), (7, 0));
    let slots = missed_dates(&t.pool, j).await;
    // From the 13th (seven days back) to the 19th; the 20th's 22:00 is not due yet.
    assert_eq!(slots, (13..=19).map(day).collect::<Vec<_>>());
    let m = run(
        &t.pool,
        backupchecks::db::runs::for_job(&t.pool, j).await.unwrap()[0].id,
    )
    .await;
    assert_eq!((m.missed, m.effective_status.as_str()), (true, "Missed"));
    assert_eq!(m.run_at, at(19, 22, 0));

    let again = missed::run_pass(&mut conn, at(20, 12, 5)).await.unwrap();
    assert_eq!((again.created, again.removed), (0, 0));
    assert_eq!(missed_slots(&t.pool, j).await.len(), 7);
    assert!(again.failed.is_empty());
}

#[tokio::test]
async fn no_missed_run_before_the_job_existed() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "New job", at(17, 10, 0)).await;
    pin_daily(&t.pool, j, 22, 0).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    let slots = missed_dates(&t.pool, j).await;
    assert_eq!(slots, vec![day(17), day(18), day(19)]);
}

#[tokio::test]
async fn archived_inactive_and_informational_jobs_get_none() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let gone = customer(&t.pool, "Former customer").await;
    let control = job(&t.pool, c, "Control", at(1, 0, 0)).await;
    let archived = job(&t.pool, c, "Archived", at(1, 0, 0)).await;
    let inactive = job(&t.pool, gone, "Inactive", at(1, 0, 0)).await;
    let info = job_of(&t.pool, c, "Synology", "Updates", "DSM", true, at(1, 0, 0)).await;
    for j in [control, archived, inactive, info] {
        pin_daily(&t.pool, j, 22, 0).await;
    }
    sqlx::query("UPDATE jobs SET archived_at = $2 WHERE id = $1")
        .bind(archived)
        .bind(at(5, 0, 0))
        .execute(&t.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE customers SET active = false WHERE id = $1")
        .bind(gone)
        .execute(&t.pool)
        .await
        .unwrap();
    assert!(!customers::get(&t.pool, gone).await.unwrap().unwrap().active);

    let mut conn = t.pool.acquire().await.unwrap();
    let report = missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    assert_eq!(report.created, 7);
    assert_eq!(missed_slots(&t.pool, control).await.len(), 7);
    for j in [archived, inactive, info] {
        assert!(missed_slots(&t.pool, j).await.is_empty(), "job {j}");
    }
}

#[tokio::test]
async fn a_late_real_run_removes_an_unreviewed_missed_run_but_never_a_reviewed_one() {
    let t = TestDb::new().await;
    let j = daily_vms(&t.pool).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    let reviewed = missed_run_of(&t.pool, j, day(18)).await;
    review::review_run(&mut conn, reviewed, "ann", at(20, 12, 1))
        .await
        .unwrap();

    // The reports of the 18th and the 19th arrive late; the one of the 19th ran after midnight.
    mail_run(&t.pool, j, at(18, 23, 0), "Success", None, &[]).await;
    mail_run(&t.pool, j, at(20, 0, 30), "Success", None, &[]).await;

    let slots = missed_slots(&t.pool, j).await;
    assert!(!slots.iter().any(|s| s.0 == day(19)), "{slots:?}");
    assert!(slots.contains(&(day(18), true)), "{slots:?}");
    assert_eq!(slots.len(), 6);
    // The next pass neither recreates the removed one nor touches the reviewed one.
    let report = missed::run_pass(&mut conn, at(20, 13, 0)).await.unwrap();
    assert_eq!((report.created, report.removed), (0, 0));
    assert_eq!(missed_slots(&t.pool, j).await, slots);
}

#[tokio::test]
async fn the_pass_removes_missed_runs_a_concurrent_real_run_satisfied() {
    let t = TestDb::new().await;
    let j = daily_vms(&t.pool).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    // A real run stored without propagation, as when it committed while the Missed run was made.
    bare_run(&t.pool, j, at(19, 22, 5)).await;
    let report = missed::run_pass(&mut conn, at(20, 12, 30)).await.unwrap();
    assert_eq!((report.created, report.removed), (0, 1));
    assert_eq!(missed_slots(&t.pool, j).await.len(), 6);

    // Several at once, one job, oldest first: each run stands down the nearest slot still open
    // within 12 hours. The 17th's morning run is nearest the 16th's slot, which the run before
    // took, and the 17th's is 13 hours away: it takes none. The noon run takes the 17th's.
    for run_at in [at(15, 22, 10), at(16, 21, 50), at(17, 12, 0), at(17, 9, 0)] {
        bare_run(&t.pool, j, run_at).await;
    }
    let report = missed::run_pass(&mut conn, at(20, 12, 40)).await.unwrap();
    assert_eq!((report.created, report.removed), (0, 3));
    let left = missed_dates(&t.pool, j).await;
    assert_eq!(left, vec![day(13), day(14), day(18)]);
}

#[tokio::test]
async fn new_runs_created_together_stand_down_the_slots_they_satisfy_in_run_order() {
    let t = TestDb::new().await;
    let j = daily_vms(&t.pool).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    // One batch of late reports, as an import stores them, taken one after another: the 16th's
    // run takes the 16th's slot, then the 17th's 10:00 run, 12 hours from both the 16th's and
    // the 17th's slot, takes the 17th's (taken the other way round, it would take the 16th's and
    // leave the 17th's). A Missed run among them, here the 19th's own, satisfies nothing.
    let mut ids = vec![
        bare_run(&t.pool, j, at(16, 22, 30)).await,
        bare_run(&t.pool, j, at(17, 10, 0)).await,
    ];
    ids.push(missed_run_of(&t.pool, j, day(19)).await);
    propagation::on_new_runs(&mut conn, &ids).await.unwrap();
    let left = missed_dates(&t.pool, j).await;
    assert_eq!(left, vec![day(13), day(14), day(15), day(18), day(19)]);
}

#[tokio::test]
async fn a_new_run_dated_ahead_of_the_database_clock_stands_nothing_down_until_its_time() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let today = chrono::Utc::now().date_naive();
    let evening = |d: NaiveDate| d.and_hms_opt(22, 30, 0).unwrap().and_utc();
    let j = job(
        &t.pool,
        c,
        "Daily VMs",
        evening(today - chrono::Days::new(20)),
    )
    .await;
    pin_daily(&t.pool, j, 22, 0).await;
    // A pass told it is three days from now marks the slots up to tomorrow's as missed.
    let mut conn = t.pool.acquire().await.unwrap();
    let later = chrono::Utc::now() + chrono::TimeDelta::days(3);
    missed::run_pass(&mut conn, later).await.unwrap();
    let (two_days_ago, tomorrow) = (today - chrono::Days::new(2), today + chrono::Days::new(1));
    let before = missed_dates(&t.pool, j).await;
    assert!(
        before.contains(&two_days_ago) && before.contains(&tomorrow),
        "{before:?}"
    );
    // Two reports arrive: one for two days ago, one whose sender's clock claims tomorrow.
    let ids = [
        bare_run(&t.pool, j, evening(two_days_ago)).await,
        bare_run(&t.pool, j, evening(tomorrow)).await,
    ];
    propagation::on_new_runs(&mut conn, &ids).await.unwrap();
    let after = missed_dates(&t.pool, j).await;
    let gone: Vec<NaiveDate> = before.into_iter().filter(|d| !after.contains(d)).collect();
    assert_eq!(gone, vec![two_days_ago]);
}

#[tokio::test]
async fn schedules_are_learned_from_real_runs_and_pinned_ones_win() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    // Every evening from the 1st to the 16th, then silence.
    for d in 1..=16 {
        mail_run(&t.pool, j, at(d, 22, 0), "Success", None, &[]).await;
    }
    let mut conn = t.pool.acquire().await.unwrap();
    let report = missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    let stored = schedules::get(&t.pool, j).await.unwrap();
    assert_eq!(
        stored.learned.as_ref().map(Schedule::to_string).as_deref(),
        Some("Daily")
    );
    assert_eq!(stored.learned_at, Some(at(20, 12, 0)));
    assert_eq!(report.created, 3);
    let slots = missed_dates(&t.pool, j).await;
    assert_eq!(slots, vec![day(17), day(18), day(19)]);

    // A pinned schedule (Mondays only; the 17th is a Monday) beats the learned one.
    let pinned = backupchecks::domain::schedule::PinnedSchedule {
        schedule: Schedule::weekly(
            [chrono::Weekday::Mon],
            chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
        ),
        grace_minutes: Some(60),
    };
    schedules::pin(&mut conn, j, &pinned, "ann").await.unwrap();
    let s = schedules::get(&t.pool, j).await.unwrap();
    assert_eq!(s.pinned.as_ref(), Some(&pinned));
    let eff = s.effective(chrono::TimeDelta::hours(4)).unwrap();
    assert_eq!(eff.schedule.to_string(), "Weekly: Mon");
    assert_eq!(eff.grace, chrono::TimeDelta::minutes(60));
    schedules::unpin(&mut conn, j, "ann").await.unwrap();
    assert!(schedules::get(&t.pool, j).await.unwrap().pinned.is_none());
    let actions = audit_actions(&t.pool).await;
    assert!(actions.iter().any(|a| a == "schedule.pin"), "{actions:?}");
    assert!(actions.iter().any(|a| a == "schedule.unpin"), "{actions:?}");
}

#[tokio::test]
async fn missed_runs_are_not_overridden_by_rules() {
    use backupchecks::db::overrides;
    use backupchecks::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel};
    let t = TestDb::new().await;
    let j = daily_vms(&t.pool).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let any = OverrideDraft {
        level: OverrideLevel::Job { job_id: j },
        match_status: None,
        match_text: String::new(),
        match_mode: MatchMode::Contains,
        valid_from: None,
        valid_until: None,
        treat_as_success: true,
    };
    overrides::create(&mut conn, &any, None, "ann", at(1, 9, 0))
        .await
        .unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT effective_status FROM job_runs WHERE job_id = $1")
            .bind(j)
            .fetch_all(&t.pool)
            .await
            .unwrap();
    assert_eq!(statuses, vec!["Missed".to_string()]);
    let err = overrides::draft_from_run(
        &mut conn,
        backupchecks::db::runs::for_job(&t.pool, j).await.unwrap()[0].id,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, backupchecks::db::DbError::Invalid(_)),
        "{err}"
    );
}

#[tokio::test]
async fn history_imported_before_approval_counts_for_missed_runs() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    // Approved this morning; its reports go back to the 1st, every evening but the 15th and 17th.
    let j = job(&t.pool, c, "Daily VMs", at(20, 9, 0)).await;
    for d in (1..=19).filter(|d| ![15, 17].contains(d)) {
        mail_run(&t.pool, j, at(d, 22, 0), "Success", None, &[]).await;
    }
    let mut conn = t.pool.acquire().await.unwrap();
    let report = missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    let learned = schedules::get(&t.pool, j).await.unwrap().learned;
    assert_eq!(learned.map(|s| s.to_string()).as_deref(), Some("Daily"));
    let slots = missed_dates(&t.pool, j).await;
    assert_eq!(slots, vec![day(15), day(17)]);
    assert_eq!(report.created, 2);
}

#[tokio::test]
async fn no_missed_run_before_the_first_report_of_an_approved_job() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    // Created long before its first report (a job list imported ahead of the mail).
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    pin_daily(&t.pool, j, 22, 0).await;
    mail_run(&t.pool, j, at(17, 22, 0), "Success", None, &[]).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    let slots = missed_dates(&t.pool, j).await;
    assert_eq!(slots, vec![day(18), day(19)]);
}

#[tokio::test]
async fn a_run_dated_in_the_future_satisfies_no_slot() {
    let t = TestDb::new().await;
    let j = daily_vms(&t.pool).await;
    for d in 13..=18 {
        mail_run(&t.pool, j, at(d, 22, 0), "Success", None, &[]).await;
    }
    // The report of the 19th never came; a report whose sender's clock runs ahead claims 09:00
    // on the 20th, an hour after the pass below, within 12 hours of the 19th's slot.
    mail_run(&t.pool, j, at(20, 9, 0), "Success", None, &[]).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 8, 0)).await.unwrap();
    let slots = missed_dates(&t.pool, j).await;
    assert_eq!(slots, vec![day(19)]);
}

/// Acme's job "Daily VMs", created on the 1st, pinned to run daily at 22:00.
async fn daily_vms(pool: &sqlx::PgPool) -> i64 {
    let c = customer(pool, "Acme").await;
    let j = job(pool, c, "Daily VMs", at(1, 0, 0)).await;
    pin_daily(pool, j, 22, 0).await;
    j
}

/// A real run stored as it is, without the import's propagation; its id.
async fn bare_run(pool: &sqlx::PgPool, job_id: i64, run_at: chrono::DateTime<chrono::Utc>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status) \
         VALUES ($1, $2, 'Success', 'Success') RETURNING id",
    )
    .bind(job_id)
    .bind(run_at)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The id of the job's Missed run of slot `slot`.
async fn missed_run_of(pool: &sqlx::PgPool, job_id: i64, slot: NaiveDate) -> i64 {
    sqlx::query_scalar("SELECT id FROM job_runs WHERE job_id = $1 AND missed AND slot_date = $2")
        .bind(job_id)
        .bind(slot)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The slot dates of the job's Missed runs.
async fn missed_dates(pool: &sqlx::PgPool, job_id: i64) -> Vec<NaiveDate> {
    missed_slots(pool, job_id)
        .await
        .into_iter()
        .map(|s| s.0)
        .collect()
}

/// The stored learned schedule, as text ("none" for nothing learned).
async fn learned_text(pool: &sqlx::PgPool, job_id: i64) -> String {
    schedules::get(pool, job_id)
        .await
        .unwrap()
        .learned
        .map_or("none".into(), |s| s.to_string())
}

/// Entries in the queue of jobs whose runs changed.
async fn queued(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM job_schedule_changes")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Stores a schedule the job's runs would never teach, so relearning shows.
async fn plant_marker(pool: &sqlx::PgPool, job_id: i64) {
    sqlx::query(
        "UPDATE jobs SET learned_schedule = '{\"kind\": \"irregular\"}'::jsonb WHERE id = $1",
    )
    .bind(job_id)
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_schedule_is_relearned_only_when_its_runs_change_or_its_day_comes() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    for d in 1..=19 {
        mail_run(&t.pool, j, at(d, 22, 0), "Success", None, &[]).await;
    }
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(20, 12, 0)).await.unwrap();
    assert_eq!(learned_text(&t.pool, j).await, "Daily");
    assert_eq!(
        queued(&t.pool).await,
        0,
        "the pass takes the jobs it learned off the queue"
    );

    // The next days without new runs: nothing of what was learned depends on the day.
    plant_marker(&t.pool, j).await;
    missed::run_pass(&mut conn, at(21, 12, 0)).await.unwrap();
    missed::run_pass(&mut conn, at(23, 12, 0)).await.unwrap();
    assert_eq!(learned_text(&t.pool, j).await, "Irregular");

    // A new run: learned again at the next pass.
    mail_run(&t.pool, j, at(23, 22, 0), "Success", None, &[]).await;
    missed::run_pass(&mut conn, at(24, 12, 0)).await.unwrap();
    assert_eq!(learned_text(&t.pool, j).await, "Daily");
    // Learning the same again writes nothing: the job keeps when it was learned anew.
    mail_run(&t.pool, j, at(24, 22, 0), "Success", None, &[]).await;
    missed::run_pass(&mut conn, at(25, 0, 30)).await.unwrap();
    let kept = schedules::get(&t.pool, j).await.unwrap();
    assert_eq!(kept.learned_at, Some(at(24, 12, 0)));
    assert_eq!(learned_text(&t.pool, j).await, "Daily");

    // A run of today is no evidence yet, so tomorrow the same runs are learned again.
    mail_run(&t.pool, j, at(25, 1, 0), "Success", None, &[]).await;
    missed::run_pass(&mut conn, at(25, 12, 0)).await.unwrap();
    plant_marker(&t.pool, j).await;
    missed::run_pass(&mut conn, at(25, 18, 0)).await.unwrap();
    assert_eq!(
        learned_text(&t.pool, j).await,
        "Irregular",
        "same day: not again"
    );
    missed::run_pass(&mut conn, at(26, 12, 0)).await.unwrap();
    assert_ne!(
        learned_text(&t.pool, j).await,
        "Irregular",
        "next day: again"
    );

    // Another time zone: learned again.
    plant_marker(&t.pool, j).await;
    sqlx::query("INSERT INTO settings (key, value) VALUES ('timezone', '\"Europe/Amsterdam\"')")
        .execute(&t.pool)
        .await
        .unwrap();
    missed::run_pass(&mut conn, at(26, 13, 0)).await.unwrap();
    assert_ne!(learned_text(&t.pool, j).await, "Irregular");
}

#[tokio::test]
async fn runs_of_a_job_the_pass_skips_are_learned_when_it_counts_again() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    for d in 1..=12 {
        mail_run(&t.pool, j, at(d, 22, 0), "Success", None, &[]).await;
    }
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, at(13, 12, 0)).await.unwrap();
    assert_eq!(learned_text(&t.pool, j).await, "Daily");
    plant_marker(&t.pool, j).await;

    // Archived, the job still gets its mail; the pass skips it and its queue entries go.
    jobs::set_archived(&mut conn, j, true, "ann", at(13, 13, 0))
        .await
        .unwrap();
    mail_run(&t.pool, j, at(13, 22, 0), "Success", None, &[]).await;
    missed::run_pass(&mut conn, at(14, 12, 0)).await.unwrap();
    assert_eq!(queued(&t.pool).await, 0);
    assert_eq!(learned_text(&t.pool, j).await, "Irregular");

    // Back from the archive: learned afresh.
    jobs::set_archived(&mut conn, j, false, "ann", at(14, 12, 30))
        .await
        .unwrap();
    missed::run_pass(&mut conn, at(14, 13, 0)).await.unwrap();
    assert_eq!(learned_text(&t.pool, j).await, "Daily");
}
