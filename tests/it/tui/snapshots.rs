//! Snapshots of every pane and dialog at 80×24 and 160×48 (text grid; styles are checked in
//! the flow tests where they matter).

use super::*;

async fn both(a: &mut App, name: &str) {
    a.toasts.clear();
    insta::assert_snapshot!(format!("{name}_80x24"), super::screen(a, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), super::screen(a, 160, 48));
}

#[tokio::test]
async fn panes_and_dialogs() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    both(&mut a, "run_checks").await;
    keys(&mut a, "\n").await;
    both(&mut a, "run_checks_runs").await;
    keys(&mut a, "\n").await;
    both(&mut a, "run_checks_run").await;
    keys(&mut a, "o").await;
    both(&mut a, "override_dialog").await;
    keys(&mut a, "\u{1b}t").await;
    both(&mut a, "ticket_menu").await;
    keys(&mut a, "\u{1b}m").await;
    both(&mut a, "remark_editor").await;
    keys(&mut a, "\u{1b}\u{1b}\u{1b}\u{1b}?").await;
    both(&mut a, "help").await;
    keys(&mut a, "q1").await;
    both(&mut a, "inbox").await;
    keys(&mut a, "a").await;
    both(&mut a, "approve_picker").await;
    keys(&mut a, "\u{1b}2").await;
    both(&mut a, "daily_jobs").await;
    keys(&mut a, "3  ").await;
    keys(&mut a, "r").await;
    both(&mut a, "confirm_bulk_review").await;
}
