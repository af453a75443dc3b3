//! The Parsers pane: the parser list, the Unrecognised view, and a rule made from an
//! unrecognised group (pre-filled, previewed, saved) whose mail becomes approvable.

use super::{app, fixture, ingest, key, keys, last_toast, ready, screen};
use backupchecks::domain::roles::{Login, Role};
use backupchecks::tui::app::{Overlay, Seat};
use backupchecks::tui::panes::Pane;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

fn nas(msgid: &str, day: u32) -> Vec<u8> {
    format!(
        "From: NAS <copy@nas1.example>\r\nSubject: Copy job docs done ({day}-11-2026 22:05)\r\n\
         Date: {day} Nov 2026 22:05:00 +0000\r\nMessage-ID: <{msgid}>\r\n\r\nAll shares copied.\r\n"
    )
    .into_bytes()
}

async fn with_nas_mail() -> crate::support::db::TestDb {
    let t = fixture().await;
    ingest(&t, nas("nas-17@x", 17)).await;
    ingest(&t, nas("nas-18@x", 18)).await;
    t
}

#[tokio::test]
async fn a_rule_from_an_unrecognised_group_is_previewed_saved_and_its_mail_approvable() {
    let t = with_nas_mail().await;
    let mut a = app(&t);
    ready(&mut a).await;

    // Before: the NAS mail cannot be approved.
    keys(&mut a, "1/Copy job\n").await;
    assert_eq!(
        a.inbox.current().map(|m| m.from_address.as_str()),
        Some("copy@nas1.example")
    );
    keys(&mut a, "a").await;
    assert!(
        !matches!(a.overlay, Some(Overlay::Picker { .. })),
        "unrecognised mail was offered for approval"
    );
    keys(&mut a, "\u{1b}\u{1b}").await;

    // The parser list, every built-in parser in order.
    keys(&mut a, ":parsers\n").await;
    assert_eq!(a.pane, Pane::Parsers);
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("Parsers — in the order tried"), "{s}");
    assert!(s.contains("veeam_job") && s.contains("generic"), "{s}");

    // Tab: the unrecognised mail, the NAS group (two mails) first.
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("copy@nas1.example"), "{s}");
    assert!(s.contains("Copy job docs done (# #)"), "{s}");
    assert!(s.contains("news@vendor.example"), "{s}");
    let group = a
        .parsers
        .current_group()
        .map(|g| (g.sender.clone(), g.count));
    assert_eq!(group, Some(("copy@nas1.example".into(), 2)));

    // n: the form pre-filled from the group, with its preview.
    keys(&mut a, "n").await;
    let Some(Overlay::Rule(form)) = &a.overlay else {
        panic!("no rule form: {}", last_toast(&a));
    };
    assert_eq!(form.values[1], "copy@nas1.example");
    let read: Vec<_> = match &form.preview {
        Some(Ok(rows)) => rows
            .iter()
            .map(|r| (r.result.job_name.clone(), r.result.parsed_status.clone()))
            .collect(),
        other => panic!("no preview: {other:?}"),
    };
    assert_eq!(
        read,
        vec![(Some("Copy job docs done".into()), Some("Success".into())); 2]
    );
    insta::assert_snapshot!("rule_form_preview_120x30", screen(&mut a, 120, 30));

    // Editing the job name and leaving the field previews again.
    for _ in 0..5 {
        key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    }
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, "NAS docs").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let Some(Overlay::Rule(form)) = &a.overlay else {
        panic!("the form closed");
    };
    let jobs: Vec<_> = match &form.preview {
        Some(Ok(rows)) => rows.iter().map(|r| r.result.job_name.clone()).collect(),
        other => panic!("no preview: {other:?}"),
    };
    assert_eq!(jobs, vec![Some("NAS docs".to_string()); 2]);

    // Enter saves: the two mails are read and become approvable.
    keys(&mut a, "\n").await;
    assert!(a.overlay.is_none());
    assert!(
        last_toast(&a).contains("saved: it read 2 waiting mail"),
        "{}",
        last_toast(&a)
    );
    keys(&mut a, "1/Copy job\n").await;
    let m = a.inbox.current().cloned();
    assert_eq!(
        m.as_ref().and_then(|m| m.job_name.as_deref()),
        Some("NAS docs")
    );
    assert_eq!(
        m.as_ref().and_then(|m| m.parser_name.as_deref()),
        Some("rule:Copy job docs done")
    );
    keys(&mut a, "a").await;
    assert!(
        matches!(a.overlay, Some(Overlay::Picker { .. })),
        "the mail read by the rule is approvable: {}",
        last_toast(&a)
    );

    // The rule is listed after the built-in parsers, with what it read.
    keys(&mut a, "\u{1b}:parsers\n").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    assert!(!a.parsers.show_unrecognised);
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("rule:Copy job docs done"), "{s}");
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let s = screen(&mut a, 160, 40);
    assert!(!s.contains("copy@nas1.example"), "the group is gone: {s}");

    // `e` on the rule (the last row) opens it in the form; saving changes it in place.
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    keys(&mut a, "G").await;
    keys(&mut a, "e").await;
    let Some(Overlay::Rule(form)) = &a.overlay else {
        panic!("no rule form: {}", last_toast(&a));
    };
    assert_eq!(form.values[0], "Copy job docs done");
    assert_eq!(form.values[5], "NAS docs");
    keys(&mut a, "\n").await;
    assert!(
        last_toast(&a).contains("saved: it read 2 waiting mail"),
        "{}",
        last_toast(&a)
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'parser_rule' ORDER BY id",
    )
    .fetch_all(&t.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["parser_rule.create", "parser_rule.change"]);
    // A built-in parser is not edited.
    keys(&mut a, "g").await;
    keys(&mut a, "e").await;
    assert!(a.overlay.is_none());
    assert!(last_toast(&a).contains("is built in"), "{}", last_toast(&a));
}

#[tokio::test]
async fn only_an_admin_is_offered_a_new_rule() {
    let t = with_nas_mail().await;
    let mut a = app(&t);
    a.set_seat(Seat {
        login: Login {
            name: "ann".into(),
            groups: vec![Role::Operator],
            ..Login::default()
        },
        role: Role::Operator,
        switch: None,
    });
    ready(&mut a).await;
    keys(&mut a, ":parsers\n").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let s = screen(&mut a, 160, 40);
    assert!(
        s.contains("copy@nas1.example"),
        "everyone reads the pane: {s}"
    );
    let hints = s.lines().last().unwrap_or_default().to_string();
    assert!(
        !hints.contains("new rule") && !hints.contains("edit"),
        "{hints}"
    );
    keys(&mut a, "n").await;
    assert!(a.overlay.is_none(), "the rule form opened for an operator");
    assert!(
        last_toast(&a).contains("not available to the operator role"),
        "{}",
        last_toast(&a)
    );
}
