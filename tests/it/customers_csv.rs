//! The customer list as CSV: an export imports into a fresh database as the same customers, and
//! a Dutch spreadsheet's export (`;`, BOM, accents) imports from the command line with a dry
//! run, per-row outcomes, and a rejected row that changes nothing.

use crate::support::db::TestDb;
use backupchecks::db::{self, customers_import};
use backupchecks::domain::customers_csv::{self, CustomerRecord};

async fn records(t: &TestDb) -> Vec<CustomerRecord> {
    let mut conn = t.pool.acquire().await.unwrap();
    customers_import::export(&mut conn).await.unwrap()
}

#[tokio::test]
async fn an_export_imports_into_a_fresh_database_as_the_same_customers() {
    let t = TestDb::new().await;
    let acme = db::customers::create(&t.pool, "Acme, Inc.").await.unwrap();
    sqlx::query("UPDATE customers SET autotask_company_id = 12 WHERE id = $1")
        .bind(acme.id)
        .execute(&t.pool)
        .await
        .unwrap();
    let bakker = db::customers::create(&t.pool, "Bakker \"de Bouw\" B.V.")
        .await
        .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    db::customers::set_active(&mut conn, bakker.id, false, "ann")
        .await
        .unwrap();
    let text = customers_csv::write(&records(&t).await);

    let fresh = TestDb::new().await;
    let mut conn = fresh.pool.acquire().await.unwrap();
    let rows = customers_csv::read(text.as_bytes()).unwrap();
    let reports = customers_import::import(&mut conn, rows.clone(), "ann", false)
        .await
        .unwrap();
    assert_eq!(customers_import::counts(&reports), (2, 0, 0, 0));
    assert_eq!(records(&fresh).await, records(&t).await);
    // The same file again changes nothing.
    let again = customers_import::import(&mut conn, rows, "ann", false)
        .await
        .unwrap();
    assert_eq!(customers_import::counts(&again), (0, 0, 2, 0));
}

fn backupchecks(t: &TestDb, log: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(args)
        .env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("DATABASE_URL")
        .env("BACKUPCHECKS_DATABASE_URL", t.url())
        .env("BACKUPCHECKS_LOG_FILE", log)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn a_dutch_spreadsheet_export_imports_from_the_command_line() {
    let t = TestDb::new().await;
    db::customers::create(&t.pool, "Acme Dental").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("klanten.csv");
    std::fs::write(
        &file,
        "\u{feff}Naam;Name;Active;Autotask company id\r\n\
         x;ACME DENTAL;nee;31\r\n\
         x;Tandartspraktijk Één;ja;4711\r\n\
         x;\"Café Zoë; Ede\";ja;\r\n\
         x;Garage Müller;misschien;2\r\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let log = dir.path().join("log");

    let (ok, out) = backupchecks(&t, &log, &["customers", "import", path, "--dry-run"]);
    assert!(!ok, "an invalid row makes the exit code non-zero: {out}");
    assert!(
        out.contains("dry run, nothing changed: created 2, updated 1, unchanged 0, invalid 1"),
        "{out}"
    );
    assert_eq!(records(&t).await.len(), 1, "the dry run changed nothing");

    let (_, out) = backupchecks(&t, &log, &["customers", "import", path]);
    assert!(
        out.contains("line 2: updated   ACME DENTAL (active → false, Autotask company none → 31)"),
        "{out}"
    );
    assert!(
        out.contains("line 3: created   Tandartspraktijk Één"),
        "{out}"
    );
    assert!(
        out.contains("line 5: invalid   Garage Müller: active is \"misschien\""),
        "{out}"
    );
    let now = records(&t).await;
    assert_eq!(
        now,
        vec![
            CustomerRecord {
                name: "Acme Dental".into(),
                active: false,
                autotask_company_id: Some(31)
            },
            CustomerRecord {
                name: "Café Zoë; Ede".into(),
                active: true,
                autotask_company_id: None
            },
            CustomerRecord {
                name: "Tandartspraktijk Één".into(),
                active: true,
                autotask_company_id: Some(4711)
            },
        ]
    );
    let updates: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('customer.create', 'customer.update')",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(updates, 3);

    // Exported and imported again: nothing to change.
    let out_file = dir.path().join("export.csv");
    let (ok, out) = backupchecks(
        &t,
        &log,
        &["customers", "export", out_file.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    let exported = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        exported.starts_with("name,active,autotask_company_id\r\n"),
        "{exported}"
    );
    assert!(
        exported.contains("\"Café Zoë; Ede\",true,\r\n"),
        "{exported}"
    );
    let (ok, out) = backupchecks(
        &t,
        &log,
        &["customers", "import", out_file.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("created 0, updated 0, unchanged 3, invalid 0"),
        "{out}"
    );
}
