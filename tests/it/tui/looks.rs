//! What the screens say: a marked row under the cursor shows both signs, the deleted view has
//! its own keys and date order, Activity names things, the tabs keep their form when the import
//! status comes, and long messages continue under their column.

use super::{app, fixture, keys, ready, screen};

#[tokio::test]
async fn the_cursor_on_a_marked_row_shows_the_mark_too() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1 k").await;
    let s = screen(&mut a, 160, 30);
    assert!(s.contains("▶•"), "{s}");
}

#[tokio::test]
async fn the_deleted_view_offers_restore_and_back_and_lists_by_date() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    // Delete both waiting mails, newest first, then look at them.
    keys(&mut a, "1d").await;
    keys(&mut a, "d").await;
    keys(&mut a, "D").await;
    assert!(a.inbox.deleted);
    let s = screen(&mut a, 160, 30);
    let hints = s.lines().last().unwrap().to_string();
    assert!(
        hints.contains("U restore") && hints.contains("D back to waiting mail"),
        "{hints}"
    );
    assert!(
        !hints.contains("approve") && !hints.contains("re-parse"),
        "{hints}"
    );
    let received: Vec<_> = a.inbox.rows.iter().map(|m| m.received_at).collect();
    let mut sorted = received.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(received, sorted, "newest received first");
    // `a` does nothing here.
    keys(&mut a, "a").await;
    assert!(a.overlay.is_none());
}

#[tokio::test]
async fn activity_names_the_job_and_says_details_in_words() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "3R").await;
    keys(&mut a, "8").await;
    let s = screen(&mut a, 160, 30);
    assert!(s.contains("Acme Dental › Daily VM Backup"), "{s}");
    assert!(s.contains("3 runs"), "{s}");
    assert!(!s.contains("{\"") && !s.contains("run_ids"), "{s}");
}

#[tokio::test]
async fn tabs_keep_their_form_when_the_import_status_appears() {
    let t = fixture().await;
    let mut a = app(&t);
    // A seat with an importer.
    a.services.import_now = Some(Box::new(|| {}));
    ready(&mut a).await;
    for width in [80, 120, 160] {
        let before = screen(&mut a, width, 24)
            .lines()
            .next()
            .unwrap()
            .to_string();
        a.importer.running = true;
        a.importer.progress = Some((120, 4000));
        let during = screen(&mut a, width, 24)
            .lines()
            .next()
            .unwrap()
            .to_string();
        a.importer.running = false;
        a.importer.progress = None;
        // The tabs: up to the first wide gap after the last tab's number.
        let tabs = |l: &str| {
            let nine = l.find(" 9").unwrap();
            let end = l[nine + 2..].find("  ").map_or(l.len(), |e| nine + 2 + e);
            l[..end].trim_end_matches(" -").to_string()
        };
        assert_eq!(tabs(&before), tabs(&during), "{width}: {before} / {during}");
        assert!(during.contains("importing"), "{during}");
    }
}

#[tokio::test]
async fn an_object_message_continues_under_its_column() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "3\n").await;
    let s = screen(&mut a, 80, 40);
    let lines: Vec<&str> = s.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains("SQL01"))
        .unwrap_or_else(|| panic!("{s}"));
    let first = lines[i];
    let next = lines[i + 1];
    let chars = |l: &str, b: usize| l[..b].chars().count();
    let col = chars(
        first,
        first.find("Failed to").unwrap_or_else(|| panic!("{s}")),
    );
    // The continuation starts exactly under the message, not at the frame's edge.
    let cont = next.chars().position(|c| c.is_alphanumeric() || c == '(');
    assert_eq!(cont, Some(col), "{first}\n{next}");
}

#[tokio::test]
async fn ascii_mode_draws_nothing_but_ascii_and_the_counts_read_as_words() {
    let t = fixture().await;
    let mut a = app(&t);
    a.theme = backupchecks::tui::theme::Theme::new(true, false);
    ready(&mut a).await;
    for keys_before in ["", "\n", "1", "2", "4", "5", "6", "7", "8", "9", "?"] {
        keys(&mut a, keys_before).await;
        let s = screen(&mut a, 160, 48);
        // Only customer and job names may bring letters of their own (none do here).
        let odd: String = s.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "after {keys_before:?}: {odd:?}\n{s}");
        keys(&mut a, "\u{1b}").await;
    }
    keys(&mut a, "3").await;
    let s = screen(&mut a, 160, 48);
    assert!(s.contains("FAIL MISS WARN  OVR   OK"), "{s}");
}
