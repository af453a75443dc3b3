//! Customer ↔ company mappings checked against Autotask, the company picker, picklists.

use super::*;
use crate::support::autotask::GLOBEX;
use crate::support::db::TestDb;
use backupchecks::db::autotask::mapping::{self, MappingStatus};
use backupchecks::db::autotask::picklists::{self, TICKET};
use backupchecks::db::customers;
use backupchecks::psa::{company_sync, picklist_cache, ticket_flow};
use chrono::Duration;

#[tokio::test]
async fn checks_find_ok_renamed_and_invalid_and_renames_update_the_cached_name() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let acme = customers::create(&t.pool, "Acme").await.unwrap().id;
    let globex = customers::create(&t.pool, "Globex").await.unwrap().id;
    let unmapped = customers::create(&t.pool, "Initech").await.unwrap().id;
    map_and_configure(&t.pool, acme).await;
    let mut conn = t.pool.acquire().await.unwrap();
    mapping::set(&mut conn, globex, GLOBEX, "Globex", "ann", now())
        .await
        .unwrap();

    let r = company_sync::check_customer(&t.pool, &c, acme, now())
        .await
        .unwrap();
    assert_eq!(r.status, MappingStatus::Ok);

    m.state().rename_company(ACME, "Acme Holding B.V.");
    m.state().delete_company(GLOBEX);
    let all = company_sync::check_all(&t.pool, &c, day(4, 8))
        .await
        .unwrap();
    let all: Vec<_> = all.into_iter().map(Result::unwrap).collect();
    assert_eq!(all.len(), 2, "only mapped customers");
    let a = mapping::get(&t.pool, acme).await.unwrap().unwrap();
    assert_eq!(a.status(), MappingStatus::Renamed);
    assert_eq!(a.company_name.as_deref(), Some("Acme Holding B.V."));
    assert_eq!(
        a.company_id,
        Some(ACME),
        "the id leads, never changed by a check"
    );
    assert_eq!(a.customer_name, "Acme", "the customer keeps its own name");
    assert_eq!(a.last_sync_at, Some(day(4, 8)));
    let g = mapping::get(&t.pool, globex).await.unwrap().unwrap();
    assert_eq!(g.status(), MappingStatus::Invalid);
    assert_eq!(
        g.company_name.as_deref(),
        Some("Globex"),
        "last known name kept"
    );

    // Seen again with the same name: ok.
    let r = company_sync::check_customer(&t.pool, &c, acme, now())
        .await
        .unwrap();
    assert_eq!(r.status, MappingStatus::Ok);
    // An inactive company is unusable too.
    m.state()
        .companies
        .get_mut(&ACME)
        .unwrap()
        .insert("isActive".into(), serde_json::json!(false));
    let r = company_sync::check_customer(&t.pool, &c, acme, now())
        .await
        .unwrap();
    assert_eq!(r.status, MappingStatus::Invalid);

    let r = company_sync::check_customer(&t.pool, &c, unmapped, now())
        .await
        .unwrap();
    assert_eq!(r.status, MappingStatus::Missing);
    mapping::remove(&mut conn, globex, "ann").await.unwrap();
    let g = mapping::get(&t.pool, globex).await.unwrap().unwrap();
    assert_eq!((g.company_id, g.status()), (None, MappingStatus::Missing));
}

#[tokio::test]
async fn a_deleted_company_blocks_tickets_with_a_clear_reason() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    m.state().delete_company(ACME);
    company_sync::check_customer(&t.pool, &c, customer, now())
        .await
        .unwrap();
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    assert_eq!(p.mapping_status, MappingStatus::Invalid);
    assert!(p.blocked.unwrap().contains("Customers (5)"));
}

#[tokio::test]
async fn the_company_picker_searches_active_companies_by_name() {
    let (m, c) = mock().await;
    m.state().add_company(300, "Acme Logistics");
    m.state().add_company(301, "Acme Old");
    m.state()
        .companies
        .get_mut(&301)
        .unwrap()
        .insert("isActive".into(), serde_json::json!(false));
    let found = c.search_companies("acme", 25).await.unwrap();
    let names: Vec<&str> = found.iter().map(|c| c.company_name.as_str()).collect();
    assert_eq!(names, ["Acme Corporation", "Acme Logistics"]);
    assert_eq!(
        c.company(ACME).await.unwrap().unwrap().company_name,
        "Acme Corporation"
    );
    assert_eq!(c.company(999).await.unwrap(), None);

    let t = TestDb::new().await;
    let customer = customers::create(&t.pool, "Acme").await.unwrap().id;
    let mapped = company_sync::map_customer(&t.pool, &c, customer, 300, "ann", now())
        .await
        .unwrap();
    assert_eq!(mapped.company_name.as_deref(), Some("Acme Logistics"));
    assert_eq!(mapped.status(), MappingStatus::Ok);
    let e = company_sync::map_customer(&t.pool, &c, customer, 301, "ann", now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("inactive"), "{e}");
    assert!(
        company_sync::map_customer(&t.pool, &c, customer, 999, "ann", now())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn picklists_are_cached_refreshed_daily_and_label_the_preview() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    assert!(
        picklist_cache::refresh_if_stale(&t.pool, &c, now())
            .await
            .unwrap()
    );
    let queues = picklists::list(&t.pool, TICKET, "queueID", false)
        .await
        .unwrap();
    assert_eq!(queues.len(), 3);
    assert_eq!(
        queues[0].label, "Level I Support",
        "in Autotask's sort order"
    );
    assert!(
        queues
            .iter()
            .any(|q| q.value == QUEUE_MONITORING.to_string() && q.label == "Monitoring Alert")
    );
    let subs = picklists::list(&t.pool, TICKET, "subIssueType", false)
        .await
        .unwrap();
    assert_eq!(subs[0].parent_value.as_deref(), Some("10"));
    assert_eq!(
        picklists::refreshed_at(&t.pool, TICKET).await.unwrap(),
        Some(now())
    );
    let fetches = m.state().count("GET Tickets/entityInformation/fields");
    assert!(
        !picklist_cache::refresh_if_stale(&t.pool, &c, now() + Duration::hours(23))
            .await
            .unwrap()
    );
    assert!(
        picklist_cache::refresh_if_stale(&t.pool, &c, now() + Duration::hours(25))
            .await
            .unwrap()
    );
    assert_eq!(
        m.state().count("GET Tickets/entityInformation/fields"),
        fetches + 1
    );

    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    assert_eq!(p.labels.queue.as_deref(), Some("Monitoring Alert"));
    assert_eq!(p.labels.priority.as_deref(), Some("Medium"));
    assert_eq!(p.labels.status.as_deref(), Some("New"));
}
