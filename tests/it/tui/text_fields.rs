//! Text fields have a caret: Home/End, Ctrl-a/e and the arrows move it, typing goes where it is,
//! a long text scrolls so the caret stays in view, and a form says what is wrong next to it.

use super::{app, fixture, key, keys, ready, screen};
use backupchecks::tui::app::Overlay;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

fn override_text(a: &backupchecks::tui::app::App) -> String {
    match &a.overlay {
        Some(Overlay::Override(f)) => f.text.to_string(),
        _ => panic!("the override form is not open"),
    }
}

#[tokio::test]
async fn a_prefilled_message_is_narrowed_with_the_caret_not_fifty_backspaces() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "o").await;
    let before = override_text(&a);
    assert!(!before.is_empty(), "the form is pre-filled from the run");
    // Type in front, keep two letters after it and cut the rest after the caret.
    key(&mut a, KeyCode::Home, KeyModifiers::NONE).await;
    keys(&mut a, "X").await;
    assert!(override_text(&a).starts_with('X'), "{}", override_text(&a));
    key(&mut a, KeyCode::Right, KeyModifiers::NONE).await;
    key(&mut a, KeyCode::Right, KeyModifiers::NONE).await;
    key(&mut a, KeyCode::Char('k'), KeyModifiers::CONTROL).await;
    let kept: String = format!("X{}", before.chars().take(2).collect::<String>());
    assert_eq!(override_text(&a), kept);
    key(&mut a, KeyCode::Char('a'), KeyModifiers::CONTROL).await;
    key(&mut a, KeyCode::Delete, KeyModifiers::NONE).await;
    key(&mut a, KeyCode::End, KeyModifiers::NONE).await;
    keys(&mut a, "!").await;
    assert_eq!(override_text(&a), format!("{}!", &kept[1..]));
}

#[tokio::test]
async fn a_long_text_scrolls_so_the_caret_is_never_off_screen() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "o").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    let long = "a".repeat(120) + "THE-END";
    keys(&mut a, &long).await;
    let s = screen(&mut a, 80, 24);
    assert!(
        s.contains("THE-END"),
        "the end of the text, where the caret is, shows:\n{s}"
    );
    key(&mut a, KeyCode::Home, KeyModifiers::NONE).await;
    let s = screen(&mut a, 80, 24);
    assert!(!s.contains("THE-END"), "{s}");
}

#[tokio::test]
async fn a_schedule_that_does_not_read_is_said_in_the_form() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "4p").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, "25:99\n").await;
    assert!(
        matches!(a.overlay, Some(Overlay::Pin(_))),
        "the form stays open"
    );
    let s = screen(&mut a, 120, 30);
    assert!(s.contains("✖"), "the reason shows in the form:\n{s}");
}
