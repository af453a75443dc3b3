//! The `:` command line completes and lists command names; `/` filters on status words too, and
//! a second `/` starts a new filter.

use super::{app, fixture, key, keys, ready, screen};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

#[tokio::test]
async fn tab_completes_a_command_name_and_the_matches_show_as_you_type() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, ":inc").await;
    let bottom = screen(&mut a, 160, 30).lines().last().unwrap().to_string();
    assert!(
        bottom.contains("include_resolved include_reviewed"),
        "{bottom}"
    );
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    keys(&mut a, "rev").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let bottom = screen(&mut a, 160, 30).lines().last().unwrap().to_string();
    assert!(bottom.contains(":include_reviewed "), "{bottom}");
    assert!(!a.run_checks.include_reviewed);
    keys(&mut a, "\n").await;
    assert!(a.run_checks.include_reviewed, "the completed command ran");
}

#[tokio::test]
async fn a_filter_matches_status_words_and_a_second_slash_starts_anew() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let shown = |a: &backupchecks::tui::app::App| -> Vec<String> {
        let rc = &a.run_checks;
        rc.visible()
            .iter()
            .map(|i| rc.rows[*i].job_name.clone())
            .collect()
    };
    keys(&mut a, "/failed\n").await;
    assert_eq!(shown(&a), ["Daily VM Backup"]);
    // A second `/` replaces the filter instead of narrowing it to nothing.
    keys(&mut a, "/warning\n").await;
    assert_eq!(shown(&a), ["PC-FINANCE01"]);
    keys(&mut a, "1/unparsed\n").await;
    assert_eq!(a.inbox.visible().len(), 1);
}
