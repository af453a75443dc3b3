//! Overrides: evaluation when a run is created, precedence, and re-evaluation of unreviewed runs
//! (and only those) when a rule is created, edited or switched off.

use super::*;
use crate::support::db::TestDb;
use backupchecks::db::{self, DbError, overrides, review};
use backupchecks::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel};
use backupchecks::domain::status::Status;

fn draft(level: OverrideLevel, text: &str) -> OverrideDraft {
    OverrideDraft {
        level,
        match_status: None,
        match_text: text.into(),
        match_mode: MatchMode::Contains,
        valid_from: None,
        valid_until: None,
        treat_as_success: true,
    }
}

#[tokio::test]
async fn override_created_today_reevaluates_yesterdays_unreviewed_warning_only() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let cbt = [("vm1", "Warning", Some("CBT reset on disk 1"))];
    let open = mail_run(&t.pool, j, at(9, 22, 0), "Warning", None, &cbt).await;
    let signed_off = mail_run(&t.pool, j, at(8, 22, 0), "Warning", None, &cbt).await;
    let mut conn = t.pool.acquire().await.unwrap();
    review::review_run(&mut conn, signed_off, "ann", at(9, 8, 0))
        .await
        .unwrap();
    assert_eq!(effective(&t.pool, open).await, "Warning");

    let rule = overrides::create(
        &mut conn,
        &draft(OverrideLevel::Job { job_id: j }, "cbt reset"),
        Some("known Veeam issue"),
        "ann",
        at(10, 9, 0),
    )
    .await
    .unwrap();

    assert_eq!(effective(&t.pool, open).await, "Success (override)");
    assert!(run(&t.pool, open).await.override_applied);
    assert_eq!(object_flags(&t.pool, open).await, vec![true]);
    // What an operator signed off never changes.
    assert_eq!(effective(&t.pool, signed_off).await, "Warning");
    assert_eq!(object_flags(&t.pool, signed_off).await, vec![false]);
    // A new run is evaluated when it is created.
    let next = mail_run(&t.pool, j, at(10, 22, 0), "Warning", None, &cbt).await;
    assert_eq!(effective(&t.pool, next).await, "Success (override)");

    assert!(
        audit_actions(&t.pool)
            .await
            .contains(&"override.create".to_string())
    );
    let listed = overrides::list(&t.pool, false).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].rule.id, rule.rule.id);
    assert_eq!(listed[0].comment.as_deref(), Some("known Veeam issue"));
}

#[tokio::test]
async fn object_rules_beat_job_rules_beat_global_rules() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let other = job(&t.pool, c, "Weekly VMs", at(1, 0, 0)).await;
    let mut conn = t.pool.acquire().await.unwrap();
    // Every Veeam backup job: warnings are fine ...
    overrides::create(
        &mut conn,
        &OverrideDraft {
            match_status: Some(Status::Warning),
            ..draft(
                OverrideLevel::Global {
                    software: "veeam".into(),
                    backup_type: "backup job".into(),
                },
                "",
            )
        },
        None,
        "ann",
        at(1, 9, 0),
    )
    .await
    .unwrap();
    // ... except on this job, where they count ...
    overrides::create(
        &mut conn,
        &OverrideDraft {
            treat_as_success: false,
            ..draft(OverrideLevel::Job { job_id: j }, "")
        },
        None,
        "ann",
        at(1, 9, 0),
    )
    .await
    .unwrap();
    // ... except on vm2, whose warning is known.
    overrides::create(
        &mut conn,
        &draft(
            OverrideLevel::Object {
                job_id: j,
                object_name: "VM2".into(),
            },
            "",
        ),
        None,
        "ann",
        at(1, 9, 0),
    )
    .await
    .unwrap();

    let both = mail_run(
        &t.pool,
        j,
        at(2, 22, 0),
        "Warning",
        None,
        &[("vm1", "Warning", Some("a")), ("vm2", "Warning", Some("b"))],
    )
    .await;
    assert_eq!(effective(&t.pool, both).await, "Warning");
    assert_eq!(object_flags(&t.pool, both).await, vec![false, true]);

    let only_vm2 = mail_run(
        &t.pool,
        j,
        at(3, 22, 0),
        "Warning",
        None,
        &[("vm1", "Success", None), ("vm2", "Warning", Some("b"))],
    )
    .await;
    assert_eq!(effective(&t.pool, only_vm2).await, "Success (override)");

    // The global rule alone decides for the other job; it never covers a failure.
    let warn = mail_run(&t.pool, other, at(2, 22, 0), "Warning", Some("x"), &[]).await;
    let fail = mail_run(&t.pool, other, at(3, 22, 0), "Failed", Some("x"), &[]).await;
    assert_eq!(effective(&t.pool, warn).await, "Success (override)");
    assert_eq!(effective(&t.pool, fail).await, "Failed");
}

#[tokio::test]
async fn editing_and_deactivating_reevaluate_unreviewed_runs() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let low_disk = Some("Low disk space on repository");
    let early = mail_run(&t.pool, j, at(2, 22, 0), "Warning", low_disk, &[]).await;
    let late = mail_run(&t.pool, j, at(3, 22, 0), "Warning", low_disk, &[]).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let rule = overrides::create(
        &mut conn,
        &draft(OverrideLevel::Job { job_id: j }, "disk space"),
        None,
        "ann",
        at(4, 9, 0),
    )
    .await
    .unwrap();
    assert_eq!(effective(&t.pool, early).await, "Success (override)");
    assert_eq!(effective(&t.pool, late).await, "Success (override)");
    review::review_run(&mut conn, early, "ann", at(4, 10, 0))
        .await
        .unwrap();

    // Narrowed to runs after the one of the 3rd: only the rule as it was could touch that run,
    // and it is re-evaluated all the same.
    let narrowed = OverrideDraft {
        valid_from: Some(at(3, 23, 0)),
        ..draft(OverrideLevel::Job { job_id: j }, "disk space")
    };
    overrides::edit(
        &mut conn,
        rule.rule.id,
        &narrowed,
        None,
        "ann",
        at(4, 11, 0),
    )
    .await
    .unwrap();
    assert_eq!(effective(&t.pool, late).await, "Warning");
    let widened = draft(OverrideLevel::Job { job_id: j }, "DISK");
    overrides::edit(&mut conn, rule.rule.id, &widened, None, "ann", at(4, 12, 0))
        .await
        .unwrap();
    assert_eq!(effective(&t.pool, late).await, "Success (override)");

    let off = overrides::deactivate(&mut conn, rule.rule.id, "ann", at(4, 13, 0))
        .await
        .unwrap();
    assert!(!off.rule.active);
    assert_eq!(effective(&t.pool, late).await, "Warning");
    // Reviewed while overridden, and so it stays.
    assert_eq!(effective(&t.pool, early).await, "Success (override)");
    assert!(overrides::list(&t.pool, false).await.unwrap().is_empty());
    assert_eq!(overrides::list(&t.pool, true).await.unwrap().len(), 1);

    let actions = audit_actions(&t.pool).await;
    for want in ["override.create", "override.edit", "override.deactivate"] {
        assert!(actions.iter().any(|a| a == want), "{want}: {actions:?}");
    }
}

#[tokio::test]
async fn quick_path_draft_covers_the_run_it_came_from() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let r = mail_run(
        &t.pool,
        j,
        at(2, 22, 0),
        "Failed",
        Some("Job finished with errors"),
        &[("sql01", "Failed", Some("Host unreachable\nRetry 3 of 3"))],
    )
    .await;
    let mut conn = t.pool.acquire().await.unwrap();
    let d = overrides::draft_from_run(&mut conn, r).await.unwrap();
    assert_eq!(d.level, OverrideLevel::Job { job_id: j });
    assert_eq!(d.match_status, Some(Status::Failed));
    assert_eq!(d.match_text, "Host unreachable");
    overrides::create(&mut conn, &d, None, "ann", at(3, 9, 0))
        .await
        .unwrap();
    assert_eq!(effective(&t.pool, r).await, "Success (override)");

    let err = overrides::draft_from_run(&mut conn, 999_999)
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::NotFound(_)), "{err}");
}

#[tokio::test]
async fn a_failed_change_leaves_rules_and_runs_untouched() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let backwards = OverrideDraft {
        valid_from: Some(at(5, 0, 0)),
        valid_until: Some(at(4, 0, 0)),
        ..draft(OverrideLevel::Job { job_id: j }, "")
    };
    let err = overrides::create(&mut conn, &backwards, None, "ann", at(3, 0, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::Invalid(_)), "{err}");
    let err = overrides::deactivate(&mut conn, 42, "ann", at(3, 0, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::NotFound(_)), "{err}");
    assert!(overrides::list(&t.pool, true).await.unwrap().is_empty());
    assert!(db::audit::recent(&t.pool, 10).await.unwrap().is_empty());
}
