//! The Customers and Settings panes: snapshots, and the key flows against the database and the
//! stand-in Autotask (map through the picker, check, remove; create, rename, deactivate; edit
//! the policy and the ticket defaults, test the connection).

use super::autotask::{autotask_app, map_acme};
use super::*;
use crate::support::autotask::{ACME, GLOBEX, QUEUE_MONITORING};
use backupchecks::db::autotask::{defaults, mapping as db_mapping};
use backupchecks::tui::app::Overlay;

/// The screen without toasts (they cover the right side of the rows).
fn plain(a: &mut App) -> String {
    a.toasts.clear();
    screen(a, 80, 24)
}

async fn both(a: &mut App, name: &str) {
    a.toasts.clear();
    insta::assert_snapshot!(format!("{name}_80x24"), screen(a, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(a, 160, 48));
}

async fn audit_actions(t: &TestDb) -> Vec<String> {
    db::audit::recent(&t.pool, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn customers_settings_and_picker_snapshots() {
    let t = fixture().await;
    map_acme(&t).await;
    let idle = db::customers::create(&t.pool, "Zeta Zero").await.unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    db::customers::set_active(&mut conn, idle.id, false, "ann")
        .await
        .unwrap();
    drop(conn);
    let (_m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "5").await;
    both(&mut a, "customers").await;
    keys(&mut a, "jm").await;
    both(&mut a, "company_picker").await;
    keys(&mut a, "\u{1b}9").await;
    both(&mut a, "settings").await;
    keys(&mut a, "jjjjjjjjjjj\n").await;
    both(&mut a, "settings_queue_choice").await;
}

#[tokio::test]
async fn settings_scroll_to_keep_the_cursor_row_in_view_on_a_short_terminal() {
    let t = fixture().await;
    let (_m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "9G").await;
    let s = screen(&mut a, 80, 24);
    let last = s
        .lines()
        .find(|l| l.contains("Poll interval"))
        .unwrap_or_else(|| panic!("the last setting is out of view:\n{s}"));
    assert!(last.contains('▶'), "the cursor is not on it:\n{s}");
    assert!(
        !s.contains("Shared policy"),
        "the list did not scroll:\n{s}"
    );
    keys(&mut a, "g").await;
    assert!(screen(&mut a, 80, 24).contains("▶ Timezone"));
}

#[tokio::test]
async fn map_a_customer_through_the_picker_then_check_and_remove_it() {
    let t = fixture().await;
    let (m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "5j").await;
    assert_eq!(a.customers_pane.current().unwrap().name, "Bakker & Zn");
    keys(&mut a, "m").await;
    let Some(Overlay::CompanyPicker(p)) = &a.overlay else {
        panic!("no picker: {}", toasts(&a))
    };
    assert_eq!(p.results.len(), 2, "every active company before typing");
    keys(&mut a, "glob").await;
    let Some(Overlay::CompanyPicker(p)) = &a.overlay else {
        panic!("picker closed")
    };
    assert_eq!(p.results.iter().map(|c| c.id).collect::<Vec<_>>(), [GLOBEX]);
    keys(&mut a, "\n").await;
    // "Bakker & Zn" and "Globex" share no word: asked before mapping.
    let Some(Overlay::Confirm { question, .. }) = &a.overlay else {
        panic!("no question: {}", toasts(&a))
    };
    assert!(question.contains("The names share no word."), "{question}");
    keys(&mut a, "y").await;
    assert!(a.overlay.is_none());
    let c = a.customers_pane.current().unwrap().clone();
    assert_eq!(c.autotask_company_id, Some(GLOBEX));
    assert_eq!(c.autotask_company_name.as_deref(), Some("Globex"));
    assert!(plain(&mut a).contains("✔ ok"));
    assert!(
        audit_actions(&t)
            .await
            .contains(&"customer.autotask.map".into())
    );

    // A rename in Autotask shows as `renamed` with the new name.
    m.state().rename_company(GLOBEX, "Globex International");
    keys(&mut a, "c").await;
    let c = a.customers_pane.current().unwrap().clone();
    assert_eq!(c.autotask_mapping_status.as_deref(), Some("renamed"));
    assert!(plain(&mut a).contains("Globex International"));
    // Vanished: invalid.
    m.state().delete_company(GLOBEX);
    keys(&mut a, "C").await;
    assert!(toasts(&a).contains("1 invalid"), "{}", toasts(&a));
    assert!(plain(&mut a).contains("✖ invalid"));

    keys(&mut a, "xy").await;
    let mapping = db_mapping::get(&t.pool, c.id).await.unwrap().unwrap();
    assert_eq!(mapping.company_id, None);
    assert!(plain(&mut a).contains("∅ missing"));
}

#[tokio::test]
async fn a_company_that_already_has_a_customer_is_mapped_only_after_asking() {
    let t = fixture().await;
    map_acme(&t).await;
    let (_m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "5j").await;
    let bakker = a.customers_pane.current().unwrap().id;
    keys(&mut a, "macme\n").await;
    let Some(Overlay::Confirm { question, .. }) = &a.overlay else {
        panic!("no question: {}", toasts(&a))
    };
    assert!(
        question.contains("Acme Corporation is already mapped to Acme Dental."),
        "{question}"
    );
    // No: nothing mapped.
    keys(&mut a, "n").await;
    assert_eq!(
        db_mapping::get(&t.pool, bakker)
            .await
            .unwrap()
            .and_then(|m| m.company_id),
        None
    );
    // Yes: mapped after all.
    keys(&mut a, "macme\ny").await;
    assert_eq!(
        db_mapping::get(&t.pool, bakker)
            .await
            .unwrap()
            .and_then(|m| m.company_id),
        Some(ACME)
    );
}

#[tokio::test]
async fn a_company_id_typed_by_hand_is_checked_before_mapping() {
    let t = fixture().await;
    let (_m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "5m9999\n").await;
    assert!(toasts(&a).contains("9999"), "{}", toasts(&a));
    keys(&mut a, "m").await;
    keys(&mut a, &format!("{ACME}")).await;
    keys(&mut a, "\n").await;
    let c = a.customers_pane.current().unwrap();
    assert_eq!(c.autotask_company_id, Some(ACME));
}

#[tokio::test]
async fn create_rename_and_deactivate_customers() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "5nZeta Zero\n").await;
    assert!(toasts(&a).contains("customer Zeta Zero created"));
    let z = db::customers::find_by_name(&t.pool, "zeta zero")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.customers_pane.rows.len(), 3);
    let zero = a.customers_pane.rows.iter().find(|c| c.id == z.id).unwrap();
    assert_eq!(zero.jobs, 0);
    keys(&mut a, "nacme dental\n").await;
    assert!(toasts(&a).contains("exists already"), "{}", toasts(&a));
    keys(&mut a, "G").await;
    assert_eq!(a.customers_pane.current().unwrap().id, z.id);
    keys(&mut a, "e").await;
    for _ in 0.."Zero".len() {
        key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    }
    keys(&mut a, "Holding\n").await;
    assert_eq!(a.customers_pane.current().unwrap().name, "Zeta Holding");
    keys(&mut a, "a").await;
    assert!(!a.customers_pane.current().unwrap().active);
    assert!(plain(&mut a).contains("inactive"));
    let actions = audit_actions(&t).await;
    for want in ["customer.create", "customer.rename", "customer.deactivate"] {
        assert!(actions.contains(&want.to_string()), "{want}: {actions:?}");
    }
    // Without Autotask, mapping says how to configure it.
    keys(&mut a, "m").await;
    assert!(a.overlay.is_none());
    assert!(toasts(&a).contains("Autotask is not configured"));
}

#[tokio::test]
async fn settings_are_edited_from_picklists_and_text_and_audited() {
    let t = fixture().await;
    let (_m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "9").await;
    // Timezone: a wrong name is refused, a right one saved and used.
    keys(&mut a, "\n").await;
    for _ in 0.."UTC".len() {
        key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    }
    keys(&mut a, "Mars/Base\n").await;
    assert!(matches!(a.overlay, Some(Overlay::Input(_))));
    assert!(toasts(&a).contains("unknown timezone"));
    for _ in 0.."Mars/Base".len() {
        key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    }
    keys(&mut a, "Europe/Amsterdam\n").await;
    assert_eq!(a.tz, chrono_tz::Europe::Amsterdam);
    // Retention of the raw source (below the largest-mail size): off until a number is typed.
    keys(&mut a, "jjjjjj\n").await;
    keys(&mut a, "30\n").await;
    let p = db::settings::policy(&t.pool).await.unwrap();
    assert_eq!(
        (p.retention_raw_days, p.retention_deleted_days),
        (Some(30), None)
    );
    assert!(plain(&mut a).contains("30 days, then only the parsed mail"));
    // Queue from the cached picklist (below the retention settings and the feedback limits).
    keys(&mut a, "jjjjj\n").await;
    let Some(Overlay::Choose(c)) = &a.overlay else {
        panic!("no choice")
    };
    let pos = c
        .options
        .iter()
        .position(|(v, _)| *v == Some(QUEUE_MONITORING))
        .unwrap();
    keys(&mut a, &"j".repeat(pos)).await;
    keys(&mut a, "\n").await;
    let d = defaults::read(&t.pool).await.unwrap();
    assert_eq!(d.queue_id, Some(QUEUE_MONITORING));
    assert!(plain(&mut a).contains("Monitoring Alert"));
    // Due date offset as text.
    keys(&mut a, "jjjjjj\n").await;
    key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    keys(&mut a, "3\n").await;
    assert_eq!(defaults::read(&t.pool).await.unwrap().due_days, 3);
    let changes = db::audit::recent(&t.pool, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "setting.change")
        .count();
    assert_eq!(changes, 4);
    // Test connection against the stand-in.
    keys(&mut a, "t").await;
    assert!(
        matches!(&a.settings.test, Some(Ok(m)) if m.contains("accepted")),
        "{:?}",
        a.settings.test
    );
}

#[tokio::test]
async fn customers_export_and_import_a_csv_file_from_the_pane() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    keys(&mut a, "5E").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, &format!("{}\n", out.display())).await;
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("Acme Dental,true,"), "{written}");

    let file = dir.path().join("klanten.csv");
    std::fs::write(
        &file,
        "\u{feff}naam;name;active;autotask company id\r\nx;Zuiderzee Zorg;ja;\r\n",
    )
    .unwrap();
    keys(&mut a, "I").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, &format!("{}\n", file.display())).await;
    let Some(Overlay::Confirm { question, .. }) = &a.overlay else {
        panic!("no question: {}", toasts(&a))
    };
    assert!(
        question.contains("created 1, updated 0, unchanged 0, invalid 0"),
        "{question}"
    );
    assert!(
        db::customers::find_by_name(&t.pool, "Zuiderzee Zorg")
            .await
            .unwrap()
            .is_none(),
        "the dry run changed nothing"
    );
    keys(&mut a, "y").await;
    assert!(
        db::customers::find_by_name(&t.pool, "Zuiderzee Zorg")
            .await
            .unwrap()
            .is_some(),
        "{}",
        toasts(&a)
    );
}
