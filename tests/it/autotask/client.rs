//! The client against the contract: zone discovery with fallback and caching, paging, 429 with
//! `Retry-After`, outages, validation errors on HTTP 500, wrong credentials, and the mock's own
//! guard against emptied descriptions.

use super::*;
use crate::support::autotask::{Fault, GLOBEX};
use backupchecks::config::{AutotaskEnvironment, Secret};
use backupchecks::psa::autotask::fake::{FakeRequest, INTEGRATION_CODE, SECRET, USERNAME};
use backupchecks::psa::autotask::{AutotaskError, Filter, Ticket};
use std::time::{Duration, Instant};

#[tokio::test]
async fn zone_discovery_falls_back_to_the_other_host_and_is_cached() {
    let m = MockAutotask::start().await;
    m.state().zone_down.push("/prod".into());
    let mut config = m.config();
    config.api_url = None;
    config.environment = AutotaskEnvironment::Production;
    let c = m.client_with(&config, m.options());
    let zone = c.zone().await.unwrap();
    assert!(zone.discovered);
    assert_eq!(zone.name.as_deref(), Some("Fake Zone"));
    assert_eq!(
        zone.rest_url.as_str(),
        format!("{}/ATServicesRest/V1.0/", m.server.uri())
    );
    let _: Vec<Ticket> = c.query("Tickets", &[Filter::all()], &[]).await.unwrap();
    let _: Vec<Ticket> = c.query("Tickets", &[Filter::all()], &[]).await.unwrap();
    assert_eq!(
        m.state().count("GET zoneInformation"),
        2,
        "production, then sandbox, once"
    );

    // A user no zone knows.
    config.username = Some("nobody@example.com".into());
    let c = m.client_with(&config, m.options());
    let e = c.zone().await.unwrap_err();
    assert!(matches!(e, AutotaskError::Zone { .. }), "{e:?}");
    assert!(e.to_string().contains("nobody@example.com"), "{e}");
}

#[tokio::test]
async fn queries_follow_next_page_url_to_the_end() {
    let (m, c) = mock().await;
    {
        let mut s = m.state();
        s.page_max = 3;
        for i in 0..7 {
            s.add_ticket(ACME, &format!("t{i}"), "d");
        }
        s.add_ticket(GLOBEX, "other", "d");
    }
    let all: Vec<Ticket> = c
        .query(
            "Tickets",
            &[Filter::eq("companyID", ACME)],
            &["id", "title"],
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(all[6].title.as_deref(), Some("t6"));
    assert_eq!(all[0].description, None, "only the fields asked for");
    assert_eq!(m.state().count("POST Tickets/query"), 1);
    assert_eq!(m.state().count("GET Tickets/query"), 2, "pages 2 and 3");
    let none: Vec<Ticket> = c
        .query("Tickets", &[Filter::eq("companyID", 1)], &[])
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn throttling_is_waited_out_honouring_retry_after() {
    let (m, c) = mock().await;
    m.state().inject(
        "Tickets/query",
        1,
        Fault::Throttle {
            retry_after: Some(1),
        },
    );
    let started = Instant::now();
    let _: Vec<Ticket> = c.query("Tickets", &[Filter::all()], &[]).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited as asked"
    );
    assert_eq!(m.state().count("POST Tickets/query"), 2);

    // Throttled for good: a clear error after the configured attempts.
    m.state().inject(
        "Tickets/query",
        10,
        Fault::Throttle {
            retry_after: Some(0),
        },
    );
    let e = c
        .query::<Ticket>("Tickets", &[Filter::all()], &[])
        .await
        .unwrap_err();
    assert_eq!(
        e,
        AutotaskError::Throttled {
            status: 429,
            attempts: 4
        }
    );
}

#[tokio::test]
async fn outages_are_retried_for_reads_but_a_create_is_never_resent() {
    let (m, c) = mock().await;
    let id = m.state().add_ticket(ACME, "t", "d");
    m.state().inject("GET Tickets/*", 2, Fault::Unavailable);
    assert!(c.ticket(id).await.unwrap().is_some());
    assert_eq!(m.state().count("GET Tickets/*"), 3);

    m.state().inject("POST Tickets", 1, Fault::Unavailable);
    let new = backupchecks::psa::autotask::NewTicket {
        company_id: ACME,
        title: "x".into(),
        description: "y".into(),
        status: 1,
        priority: 2,
        queue_id: QUEUE_MONITORING,
        due: now(),
        source: None,
        issue_type: None,
        sub_issue_type: None,
    };
    let e = c.create_ticket(&new).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(m.state().count("POST Tickets"), 1);
    // 429 means "not done": a create is sent again after it.
    m.state()
        .inject("POST Tickets", 1, Fault::Throttle { retry_after: None });
    assert!(c.create_ticket(&new).await.is_ok());
    assert_eq!(m.state().tickets.len(), 2);
}

#[tokio::test]
async fn validation_errors_on_http_500_are_read_not_retried() {
    let (m, c) = mock().await;
    m.state().inject(
        "Tickets/query",
        1,
        Fault::Validation("Unable to find field named titel".into()),
    );
    let e = c
        .query::<Ticket>("Tickets", &[Filter::eq("titel", "x")], &[])
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Autotask: Unable to find field named titel (HTTP 500)"
    );
    assert_eq!(m.state().count("POST Tickets/query"), 1);
}

#[tokio::test]
async fn wrong_credentials_say_which_keys_to_check_and_never_show_the_secret() {
    let m = MockAutotask::start().await;
    let mut config = m.config();
    config.secret = Some(Secret::new("wrong-secret-value"));
    let c = m.client_with(&config, m.options());
    let e = c.ticket(1).await.unwrap_err();
    assert!(
        matches!(e, AutotaskError::Credentials { status: 401, .. }),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains(USERNAME) && text.contains("autotask.secret"),
        "{text}"
    );
    assert!(!text.contains("wrong-secret-value") && !text.contains(SECRET));
    assert!(!format!("{c:?}").contains("wrong-secret-value"));
    assert_eq!(m.state().count("GET Tickets/*"), 1, "not retried");
}

#[tokio::test]
async fn deleted_tickets_read_as_not_found_whether_null_or_404() {
    let (m, c) = mock().await;
    let id = m.state().add_ticket(ACME, "t", "d");
    m.state().delete_ticket(id);
    assert_eq!(c.ticket(id).await.unwrap(), None);
    m.state().deleted_404 = true;
    assert_eq!(c.ticket(id).await.unwrap(), None);
}

#[tokio::test]
async fn the_mock_refuses_and_records_an_update_that_empties_a_description() {
    let m = MockAutotask::start().await;
    let id = m.state().add_ticket(ACME, "t", "keep me");
    let put = FakeRequest {
        method: "PUT".into(),
        path: "/ATServicesRest/V1.0/Tickets".into(),
        query: None,
        headers: vec![
            ("ApiIntegrationCode".into(), INTEGRATION_CODE.into()),
            ("UserName".into(), USERNAME.into()),
            ("Secret".into(), SECRET.into()),
        ],
        body: serde_json::to_vec(&serde_json::json!({"id": id, "status": 5})).unwrap(),
    };
    let resp = m.fake.handle(&put);
    assert_eq!(resp.status, 500);
    assert_eq!(m.violations().len(), 1);
    assert_eq!(m.state().ticket(id).unwrap()["description"], "keep me");
    // Leave the mock clean, or dropping it fails this test.
    m.state().violations.clear();
}

#[tokio::test]
async fn doctor_reports_the_zone_and_the_accepted_user_or_what_to_fix() {
    let m = MockAutotask::start().await;
    let mut config = m.config();
    config.api_url = None;
    let line = backupchecks::psa::doctor::check(&config, m.options())
        .await
        .unwrap();
    assert_eq!(
        line,
        format!(
            "zone Fake Zone at {}/ATServicesRest/V1.0/, API user {USERNAME} accepted",
            m.server.uri()
        )
    );
    config.integration_code = Some(Secret::new("WRONG"));
    let e = backupchecks::psa::doctor::check(&config, m.options())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("autotask.integration_code"), "{e}");
}

#[tokio::test]
async fn the_loopback_stand_in_serves_the_same_contract() {
    let running = backupchecks::psa::autotask::fake::http::start()
        .await
        .unwrap();
    let c = backupchecks::psa::autotask::AutotaskClient::new(
        &running.fake.config(),
        backupchecks::psa::autotask::ClientOptions::default(),
    )
    .unwrap();
    running.fake.state().page_max = 1;
    let companies: Vec<backupchecks::psa::autotask::Company> =
        c.query("Companies", &[Filter::all()], &[]).await.unwrap();
    assert_eq!(companies.len(), 2, "two pages over HTTP");
    let id = running.fake.state().add_ticket(ACME, "t", "d");
    let mut changes = serde_json::Map::new();
    changes.insert("status".into(), serde_json::json!(5));
    c.update_ticket(id, &changes).await.unwrap();
    assert_eq!(c.ticket(id).await.unwrap().unwrap().status, Some(5));
}
