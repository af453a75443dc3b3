//! The Microsoft Graph mail source against the fake Graph of `support::graph`.

use crate::support::graph::{self as fake, FakeGraph, INBOX, PROCESSED};
use backupchecks::config::{GraphConfig, Secret};
use backupchecks::ingest::graph::{GraphOptions, GraphSource, GraphTimeouts};
use backupchecks::ingest::{MailSource, SourceError, SourceMessage};
use std::time::Duration;
use tokio::time::Instant;

/// No client timers: on a paused clock a pending timer would fire while a request is in flight.
fn options() -> GraphOptions {
    GraphOptions {
        timeouts: None,
        pool_idle_timeout: None,
        ..GraphOptions::default()
    }
}

fn source_for(config: &GraphConfig, inbox: &str, processed: &str) -> GraphSource {
    GraphSource::with_options(config, inbox, processed, options()).unwrap()
}

fn source(g: &FakeGraph) -> GraphSource {
    source_for(&g.config(), "Inbox", "Inbox/Processed")
}

fn source_error(r: Result<impl std::fmt::Debug, SourceError>) -> String {
    match r {
        Err(SourceError::Source(text)) => text,
        other => panic!("expected a source-wide error, got {other:?}"),
    }
}

/// `n` messages in the inbox, received one minute apart but added in a scrambled order.
fn fill_inbox(g: &FakeGraph, n: usize) -> Vec<String> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| (i * 7) % n.max(1));
    let mut by_time = vec![String::new(); n];
    for i in order {
        let id = g.add_message(
            INBOX,
            &format!("2024-03-12T{:02}:{:02}:00Z", 1 + i / 60, i % 60),
            &format!("job {i}"),
        );
        by_time[i] = id;
    }
    by_time
}

#[tokio::test]
async fn lists_every_page_oldest_first() {
    let g = FakeGraph::start().await;
    g.state().message_page_max = 4;
    let expected = fill_inbox(&g, 11);
    g.add_message(PROCESSED, "2024-03-11T01:00:00Z", "done already");
    g.add_message(fake::ARCHIVE, "2024-03-10T01:00:00Z", "elsewhere");

    let listed = source(&g).list().await.unwrap();

    let ids: Vec<&str> = listed.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, expected);
    let first = listed[0].received_at.unwrap();
    assert_eq!(first.to_rfc3339(), "2024-03-12T01:00:00+00:00");
    let pages = g.seen("GET", "/messages");
    assert_eq!(pages.len(), 3, "11 messages at 4 per page");
    assert!(
        pages[0].query.contains("$select=id,receivedDateTime"),
        "{}",
        pages[0].query
    );
    assert!(
        pages[1].query.contains("skiptoken=opaque-4"),
        "{}",
        pages[1].query
    );
}

/// 1,479 waiting mails are listed in two pages of Graph's largest size, and the listing asks
/// only for the fields the import uses.
#[tokio::test]
async fn listing_uses_the_largest_page_and_selects_only_what_is_used() {
    let g = FakeGraph::start().await;
    for i in 0..1479 {
        g.add_message(
            INBOX,
            &format!(
                "2024-03-{:02}T{:02}:{:02}:00Z",
                1 + i / 1440,
                (i / 60) % 24,
                i % 60
            ),
            &format!("job {i}"),
        );
    }
    let mut s = GraphSource::new(&g.config(), "Inbox", "Inbox/Processed").unwrap();

    let listed = s.list().await.unwrap();

    assert_eq!(listed.len(), 1479);
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].received_at <= w[1].received_at)
    );
    let pages = g.seen("GET", "/messages");
    assert_eq!(pages.len(), 2, "1,479 mails at 1,000 per page");
    let first = &pages[0].query;
    assert!(first.contains("$top=1000"), "{first}");
    let select = first
        .split('&')
        .find_map(|p| p.strip_prefix("$select="))
        .unwrap_or_default();
    assert_eq!(select, "id,receivedDateTime,internetMessageId", "{first}");
}

/// A stalled server (it accepts the request and never answers) is given up on after a bounded
/// number of attempts; each retry is announced while it waits, and the error says what happened.
#[tokio::test]
async fn a_stalled_server_is_retried_a_bounded_number_of_times_with_notices() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 2);
    let options = GraphOptions {
        timeouts: Some(GraphTimeouts::all(Duration::from_millis(300))),
        max_backoff: Duration::from_millis(10),
        ..GraphOptions::default()
    };
    let mut s =
        GraphSource::with_options(&g.config(), "Inbox", "Inbox/Processed", options).unwrap();
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = notices.clone();
    s.set_notices(std::sync::Arc::new(move |t: &str| {
        sink.lock().unwrap().push(t.to_string())
    }));
    let listed = s.list().await.unwrap();
    g.stall("$value", 1000, Duration::from_secs(60));

    let text = source_error(s.fetch(&listed[0]).await);

    assert_eq!(g.state().stalled, 3, "three attempts, then no more");
    assert!(text.contains("did not answer the mail download"), "{text}");
    assert!(text.contains("3 attempts"), "{text}");
    let notices = notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices[0].contains("did not answer the mail download")
            && notices[0].contains("retry 2 of 3"),
        "{notices:?}"
    );
    assert!(notices[1].contains("retry 3 of 3"), "{notices:?}");

    // A stalled sign-in is bounded the same way.
    let g2 = FakeGraph::start().await;
    g2.stall("token", 1000, Duration::from_secs(60));
    let options = GraphOptions {
        timeouts: Some(GraphTimeouts::all(Duration::from_millis(300))),
        max_backoff: Duration::from_millis(10),
        ..GraphOptions::default()
    };
    let mut s2 =
        GraphSource::with_options(&g2.config(), "Inbox", "Inbox/Processed", options).unwrap();
    let text = source_error(s2.list().await);
    assert!(text.contains("did not answer the sign-in"), "{text}");
    assert_eq!(g2.state().stalled, 3);
}

/// However many attempts are allowed, no retry starts once the request's time budget is spent.
#[tokio::test(start_paused = true)]
async fn retries_stop_when_the_time_budget_is_spent() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 1);
    let mut s = GraphSource::with_options(
        &g.config(),
        "Inbox",
        "Inbox/Processed",
        GraphOptions {
            max_attempts: 100,
            give_up_after: Duration::from_secs(60),
            ..options()
        },
    )
    .unwrap();
    let listed = s.list().await.unwrap();
    g.throttle("$value", 1000, 503, Some(25));

    let start = Instant::now();
    let text = source_error(s.fetch(&listed[0]).await);

    assert!(
        start.elapsed() <= Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(g.seen("GET", "$value").len(), 3, "at 0, 25 and 50 s");
    assert!(text.contains("unavailable (HTTP 503)"), "{text}");
}

#[tokio::test]
async fn folders_resolve_by_path_case_insensitively_across_pages_and_are_cached() {
    let g = FakeGraph::start().await;
    g.state().folder_page_max = 3;
    for name in ["Alerts", "Customers", "Drafts old", "Ebay", "Finance"] {
        g.add_folder(INBOX, name);
    }
    let backups = g.add_folder(INBOX, "Backups");
    let done = g.add_folder(&backups, "Processed");
    let reports = g.add_folder(fake::ROOT, "Reports");
    let veeam = g.add_folder(&reports, "Veeam");
    g.add_message(&backups, "2024-03-12T01:00:00Z", "in backups");
    g.add_message(&veeam, "2024-03-12T01:00:00Z", "in veeam");

    let mut s = source_for(&g.config(), "inbox/BACKUPS", "Inbox / Backups / processed");
    let report = s.check().await.unwrap();
    assert!(report.contains(fake::MAILBOX), "{report}");
    let listed = s.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    s.mark_processed(&listed[0]).await.unwrap();
    assert_eq!(
        g.in_folder(&done).len(),
        1,
        "moved into Inbox/Backups/Processed"
    );
    // Inbox has 7 children (3 pages), walked once per path; Backups has one child.
    assert_eq!(g.seen("GET", "childFolders").len(), 3 + 3 + 1);
    let folder_requests = g.seen("GET", "mailFolders").len() - g.seen("GET", "/messages").len();
    s.list().await.unwrap();
    let again = g.seen("GET", "mailFolders").len() - g.seen("GET", "/messages").len();
    assert_eq!(again, folder_requests, "resolved folders are remembered");

    let mut top = source_for(&g.config(), "Reports/veeam", "Archive");
    assert_eq!(
        top.list().await.unwrap().len(),
        1,
        "a top-level folder that is not well-known"
    );
}

#[tokio::test]
async fn an_unknown_folder_names_the_path_and_the_missing_segment() {
    let g = FakeGraph::start().await;
    let backups = g.add_folder(INBOX, "Backups");
    g.add_folder(&backups, "Veeam");

    let text = source_error(
        source_for(&g.config(), "Inbox/Backups", "Inbox/Backups/Done")
            .check()
            .await,
    );
    assert!(text.contains("\"Inbox/Backups/Done\""), "{text}");
    assert!(
        text.contains("\"Inbox/Backups\" has no sub-folder \"Done\""),
        "{text}"
    );

    let text = source_error(
        source_for(&g.config(), "Nowhere/Veeam", "Archive")
            .list()
            .await,
    );
    assert!(text.contains("no top-level folder \"Nowhere\""), "{text}");
}

#[tokio::test(start_paused = true)]
async fn throttling_waits_as_long_as_retry_after_says() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 2);
    g.throttle("/messages", 1, 429, Some(7));
    g.throttle("$value", 1, 503, Some(11));
    let mut s = source(&g);

    let start = Instant::now();
    let listed = s.list().await.unwrap();
    let mime = s.fetch(&listed[0]).await.unwrap();
    let waited = start.elapsed();

    assert!(mime.starts_with(b"Message-ID:"));
    assert_eq!(listed.len(), 2);
    assert_eq!(
        g.seen("GET", "/messages").len(),
        2,
        "one throttled, one answered"
    );
    assert_eq!(g.seen("GET", "$value").len(), 2);
    assert!(
        waited >= Duration::from_secs(18) && waited < Duration::from_secs(19),
        "waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn throttling_without_retry_after_backs_off_then_gives_up() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 1);
    let mut s = source(&g);
    s.list().await.unwrap();
    g.throttle("$value", 100, 429, None);

    let start = Instant::now();
    let msg = SourceMessage {
        id: g.in_folder(INBOX)[0].id.clone(),
        received_at: None,
    };
    let text = source_error(s.fetch(&msg).await);
    let waited = start.elapsed();

    assert!(text.contains("throttling"), "{text}");
    assert_eq!(g.seen("GET", "$value").len(), 5, "five attempts");
    assert!(!text.contains("unavailable"), "429 is throttling: {text}");
    // 1 + 2 + 4 + 8 seconds between them.
    assert!(
        waited >= Duration::from_secs(15) && waited < Duration::from_secs(16),
        "waited {waited:?}"
    );
}

#[tokio::test]
async fn an_expired_token_mid_run_is_renewed_exactly_once() {
    let g = FakeGraph::start().await;
    g.state().message_page_max = 3;
    fill_inbox(&g, 9);
    // Request 1 resolves the inbox, 2-4 are the pages: expire during the listing.
    g.state().expire_tokens_at = Some(3);

    let listed = source(&g).list().await.unwrap();

    assert_eq!(listed.len(), 9);
    let st = g.state();
    assert_eq!(st.token_requests, 2);
    assert_eq!(st.seen.iter().filter(|r| r.status == 401).count(), 1);
}

#[tokio::test]
async fn a_token_refused_twice_is_an_error_not_a_loop() {
    let g = FakeGraph::start().await;
    g.state().reject_all_tokens = true;

    let text = source_error(source(&g).list().await);

    assert!(text.contains("InvalidAuthenticationToken"), "{text}");
    assert_eq!(g.state().token_requests, 2);
    assert_eq!(g.state().api_requests, 2);
}

#[tokio::test(start_paused = true)]
async fn the_token_is_reused_and_renewed_shortly_before_it_expires() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 1);
    let mut s = source(&g);

    s.list().await.unwrap();
    s.list().await.unwrap();
    assert_eq!(g.state().token_requests, 1, "cached");
    tokio::time::advance(Duration::from_secs(3000)).await;
    s.list().await.unwrap();
    assert_eq!(g.state().token_requests, 1, "still valid for ten minutes");
    tokio::time::advance(Duration::from_secs(400)).await;
    s.list().await.unwrap();
    assert_eq!(
        g.state().token_requests,
        2,
        "renewed within five minutes of expiry"
    );
    assert!(
        g.state().seen.iter().all(|r| r.status != 401),
        "renewed before Graph refused it"
    );
}

#[tokio::test]
async fn a_move_gives_a_new_id_and_the_old_one_is_gone() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 1);
    let mut s = source(&g);
    let msg = s.list().await.unwrap().remove(0);

    s.mark_processed(&msg).await.unwrap();

    let m = g.message(&msg.id).unwrap();
    assert_eq!(m.folder, PROCESSED);
    assert_ne!(m.id, msg.id, "a move changes the id");
    assert_eq!(g.seen("POST", "/move")[0].status, 201);
    match s.fetch(&msg).await {
        Err(SourceError::Message { id, message }) => {
            assert_eq!(id, msg.id);
            assert!(message.contains("moved or deleted"), "{message}");
        }
        other => panic!("expected a per-message error, got {other:?}"),
    }
    let moved = SourceMessage {
        id: m.id,
        received_at: None,
    };
    assert_eq!(s.fetch(&moved).await.unwrap(), m.mime);
}

#[tokio::test]
async fn moving_an_already_moved_message_is_done() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 1);
    let mut s = source(&g);
    let msg = s.list().await.unwrap().remove(0);

    s.mark_processed(&msg).await.unwrap();
    s.mark_processed(&msg).await.unwrap();

    let moves = g.seen("POST", "/move");
    assert_eq!(moves.len(), 2);
    assert_eq!(moves[1].status, 404);
    assert_eq!(g.message(&msg.id).unwrap().moves, 1);
}

#[tokio::test]
async fn deleted_folders_are_named_and_resolved_again() {
    let g = FakeGraph::start().await;
    fill_inbox(&g, 2);
    let mut s = source(&g);
    let listed = s.list().await.unwrap();
    s.mark_processed(&listed[0]).await.unwrap();
    g.remove_folder(PROCESSED);

    let text = source_error(s.mark_processed(&listed[1]).await);
    assert!(text.contains("\"Inbox/Processed\""), "{text}");
    assert!(text.contains("no longer exists"), "{text}");
    assert_eq!(g.in_folder(INBOX).len(), 1, "still waiting");

    let text = source_error(s.mark_processed(&listed[1]).await);
    assert!(
        text.contains("has no sub-folder \"Processed\""),
        "resolved again: {text}"
    );

    let reports = g.add_folder(fake::ROOT, "Reports");
    let mut s = source_for(&g.config(), "Reports", "Archive");
    s.list().await.unwrap();
    g.remove_folder(&reports);
    let text = source_error(s.list().await);
    assert!(
        text.contains("\"Reports\" in mailbox backups@contoso.com no longer exists"),
        "{text}"
    );
    let text = source_error(s.list().await);
    assert!(
        text.contains("no top-level folder \"Reports\""),
        "resolved again: {text}"
    );
}

#[tokio::test]
async fn sign_in_failures_read_clearly() {
    let g = FakeGraph::start().await;
    let with = |f: &dyn Fn(&mut GraphConfig)| {
        let mut c = g.config();
        f(&mut c);
        c
    };
    let cases: Vec<(GraphConfig, &str)> = vec![
        (
            with(&|c| c.client_secret = Some(Secret::new("wrong-secret-value"))),
            "secret is wrong",
        ),
        (
            with(&|c| c.client_id = Some("nope-app".into())),
            "app nope-app was not found",
        ),
        (
            with(&|c| c.tenant_id = Some("nope.example".into())),
            "tenant nope.example was not found",
        ),
    ];
    for (config, wanted) in cases {
        let text = source_error(
            source_for(&config, "Inbox", "Inbox/Processed")
                .check()
                .await,
        );
        assert!(text.contains(wanted), "{text}");
        assert!(
            !text.contains("wrong-secret-value") && !text.contains(fake::SECRET),
            "{text}"
        );
    }
    g.state().secret_expired = true;
    let text = source_error(source(&g).check().await);
    assert!(text.contains("has expired (AADSTS7000222)"), "{text}");
    assert_eq!(g.state().api_requests, 0, "no API call without a token");
}

#[tokio::test]
async fn unknown_mailbox_and_denied_access_read_clearly() {
    let g = FakeGraph::start().await;
    let mut config = g.config();
    config.mailbox = Some("nobody@contoso.com".into());
    let text = source_error(source_for(&config, "Inbox", "Inbox/Processed").list().await);
    assert!(
        text.contains("mailbox nobody@contoso.com not found"),
        "{text}"
    );

    g.state().deny_access = true;
    let text = source_error(source(&g).list().await);
    assert!(text.contains("Mail.ReadWrite"), "{text}");
    assert!(text.contains("application access policy"), "{text}");
}

#[tokio::test]
async fn missing_configuration_is_named() {
    let g = FakeGraph::start().await;
    let mut config = g.config();
    config.client_secret = None;
    match GraphSource::new(&config, "Inbox", "Inbox/Processed") {
        Err(SourceError::Source(text)) => assert_eq!(text, "graph.client_secret is not set"),
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("a source without a secret"),
    }
    let text = source_error(source_for(&g.config(), "Inbox", "inbox").check().await);
    assert!(text.contains("is the inbox folder"), "{text}");
}

/// List, fetch and move everything with paging, throttling and a token expiry on the way:
/// every message is fetched once and moved once.
#[tokio::test(start_paused = true)]
async fn a_full_drain_fetches_and_moves_every_message_once() {
    let g = FakeGraph::start().await;
    g.state().message_page_max = 5;
    fill_inbox(&g, 23);
    g.add_message(PROCESSED, "2024-03-01T00:00:00Z", "old");
    g.throttle("/messages", 1, 429, Some(2));
    g.throttle("/move", 2, 503, None);
    g.state().expire_tokens_at = Some(20);
    let mut s = source(&g);

    let listed = s.list().await.unwrap();
    assert_eq!(listed.len(), 23);
    for msg in &listed {
        let mime = s.fetch(msg).await.unwrap();
        assert_eq!(mime, g.message(&msg.id).unwrap().mime);
        s.mark_processed(msg).await.unwrap();
    }
    assert!(s.list().await.unwrap().is_empty());

    assert!(g.in_folder(INBOX).is_empty());
    let done = g.in_folder(PROCESSED);
    assert_eq!(done.len(), 24);
    for m in done.iter().filter(|m| m.subject != "old") {
        assert_eq!((m.fetches, m.moves), (1, 1), "{}", m.subject);
    }
    assert_eq!(g.state().token_requests, 2);
}
