//! The schema: every table of the design, and each uniqueness rule enforced by the database.

use crate::support::db::TestDb;
use backupchecks::db::{self, customers, jobs, mail, runs};
use chrono::{NaiveDate, TimeZone, Utc};

#[tokio::test]
async fn every_table_exists_and_schema_is_current() {
    let t = TestDb::new().await;
    let tables = db::schema::table_names(&t.pool).await.unwrap();
    for want in [
        "customers",
        "jobs",
        "mail_messages",
        "mail_objects",
        "job_runs",
        "run_objects",
        "overrides",
        "tickets",
        "ticket_scopes",
        "ticket_job_runs",
        "remarks",
        "remark_scopes",
        "remark_job_runs",
        "settings",
        "audit_log",
        "autotask_picklists",
    ] {
        assert!(
            tables.iter().any(|t| t == want),
            "missing table {want}: {tables:?}"
        );
    }
    assert_eq!(
        db::schema::applied_version(&t.pool).await.unwrap(),
        Some(db::schema::expected_version())
    );
    // Running the migrations again changes nothing.
    db::MIGRATOR.run(&t.pool).await.unwrap();
}

async fn customer_and_job(t: &TestDb) -> (customers::Customer, jobs::Job) {
    let c = customers::create(&t.pool, "Acme Dental").await.unwrap();
    let id = jobs::JobIdentity::new("Veeam@Acme.example", "Veeam", "Backup Job", "Daily VMs");
    let j = jobs::create(&t.pool, c.id, &id, false, Utc::now())
        .await
        .unwrap();
    (c, j)
}

#[tokio::test]
async fn customer_names_are_unique_regardless_of_case() {
    let t = TestDb::new().await;
    customers::create(&t.pool, "Acme Dental").await.unwrap();
    let err = customers::create(&t.pool, "  ACME dental ")
        .await
        .unwrap_err();
    assert!(err.is_duplicate(), "{err}");
    let found = customers::find_by_name(&t.pool, "acme DENTAL")
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.name), Some("Acme Dental".to_string()));
}

#[tokio::test]
async fn job_identity_is_unique() {
    let t = TestDb::new().await;
    let (c, j) = customer_and_job(&t).await;
    assert_eq!(j.from_address, "veeam@acme.example", "sender is normalised");
    // Same identity with the sender in another case: rejected.
    let same = jobs::JobIdentity::new("VEEAM@acme.example", "Veeam", "Backup Job", "Daily VMs");
    let err = jobs::create(&t.pool, c.id, &same, false, Utc::now())
        .await
        .unwrap_err();
    assert!(err.is_duplicate(), "{err}");
    // Any part different: a different job.
    let other = jobs::JobIdentity::new(
        "veeam@acme.example",
        "Veeam",
        "Backup Copy Job",
        "Daily VMs",
    );
    jobs::create(&t.pool, c.id, &other, false, Utc::now())
        .await
        .unwrap();
    let found = jobs::find_by_identity(&t.pool, &same).await.unwrap();
    assert_eq!(found.map(|f| f.id), Some(j.id));
}

fn a_mail(msgid: Option<&str>, source_id: Option<&str>) -> mail::NewMail {
    mail::NewMail {
        source: "folder".into(),
        source_id: source_id.map(str::to_string),
        internet_message_id: msgid.map(str::to_string),
        from_address: "Veeam@Acme.example".into(),
        subject: "[Success] Daily VMs (2 VMs)".into(),
        received_at: Utc.with_ymd_and_hms(2026, 11, 2, 22, 5, 0).unwrap(),
        raw_eml: Some(b"Subject: x\r\n\r\nbody".to_vec()),
        ..Default::default()
    }
}

async fn store(t: &TestDb, m: &mail::NewMail) -> mail::Stored {
    let mut conn = t.pool.acquire().await.unwrap();
    mail::store(&mut conn, m, &mail::ParseResult::default(), Utc::now())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_mail_is_stored_once_per_message_id_and_per_source_id() {
    let t = TestDb::new().await;
    let first = store(&t, &a_mail(Some("<a@x>"), Some("f1"))).await;
    assert!(matches!(first, mail::Stored::New(_)));
    // Without the unique indexes these would be new rows.
    let same_id = store(&t, &a_mail(Some("<a@x>"), Some("f2"))).await;
    assert_eq!(
        same_id,
        mail::Stored::Existing(first.id()),
        "same internet message id"
    );
    let same_source = store(&t, &a_mail(Some("<b@x>"), Some("f1"))).await;
    assert_eq!(
        same_source,
        mail::Stored::Existing(first.id()),
        "same source id"
    );
    // Mail without ids is kept too (several of them).
    assert!(matches!(
        store(&t, &a_mail(None, None)).await,
        mail::Stored::New(_)
    ));
    assert!(matches!(
        store(&t, &a_mail(None, None)).await,
        mail::Stored::New(_)
    ));
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 3);
}

#[tokio::test]
async fn raw_mail_and_bodies_are_stored_lz4_compressed_where_the_server_has_lz4() {
    let t = TestDb::new().await;
    // A server built without lz4 refuses a column that asks for it.
    let mut probe = t.pool.begin().await.unwrap();
    let has_lz4 = sqlx::query("CREATE TEMP TABLE lz4_probe (b bytea COMPRESSION lz4)")
        .execute(&mut *probe)
        .await
        .is_ok();
    probe.rollback().await.unwrap();
    // Kilobytes of repetitive headers and HTML, as delivered report mail is: compressed inline.
    let html = "<tr><td style=\"padding: 2px 3px\">fs01</td><td>Success</td></tr>\n".repeat(300);
    let m = mail::NewMail {
        html_body: Some(html.clone()),
        text_body: Some(html.replace("<tr>", "")),
        raw_eml: Some(format!("Received: from a by b\r\nSubject: x\r\n\r\n{html}").into_bytes()),
        ..a_mail(Some("<lz4@x>"), None)
    };
    let id = store(&t, &m).await.id();
    let methods: (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT pg_column_compression(raw_eml), pg_column_compression(html_body), \
         pg_column_compression(text_body) FROM mail_messages WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    let want = Some(if has_lz4 { "lz4" } else { "pglz" }.to_string());
    assert_eq!(
        methods,
        (want.clone(), want.clone(), want),
        "lz4 on this server: {has_lz4}"
    );
}

#[tokio::test]
async fn one_missed_run_per_job_and_slot_and_one_run_per_mail() {
    let t = TestDb::new().await;
    let (_, j) = customer_and_job(&t).await;
    let slot = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 3, 22, 0, 0).unwrap();
    let first = runs::insert_missed(&t.pool, j.id, slot, at).await.unwrap();
    assert!(first.is_some());
    let again = runs::insert_missed(&t.pool, j.id, slot, at).await.unwrap();
    assert_eq!(again, None, "the slot already has its Missed run");
    let next_day = runs::insert_missed(&t.pool, j.id, slot.succ_opt().unwrap(), at)
        .await
        .unwrap();
    assert!(next_day.is_some());
    assert_eq!(runs::for_job(&t.pool, j.id).await.unwrap().len(), 2);

    let mail_id = store(&t, &a_mail(Some("<r@x>"), None)).await.id();
    let run = runs::NewRun {
        job_id: j.id,
        mail_id: Some(mail_id),
        run_at: at,
        parsed_status: "Success".into(),
        effective_status: "Success".into(),
        override_applied: false,
        message: None,
        source_type: "mail",
    };
    runs::insert(&t.pool, &run).await.unwrap();
    let err = runs::insert(&t.pool, &run).await.unwrap_err();
    assert!(err.is_duplicate(), "one run per mail: {err}");
}

/// A run of `job_id` at `run_at` with `status` (a Success (override) was parsed as Failed).
async fn insert_run(t: &TestDb, job_id: i64, run_at: chrono::DateTime<Utc>, status: &str) {
    let parsed = if status == "Success (override)" {
        "Failed"
    } else {
        status
    };
    runs::insert(
        &t.pool,
        &runs::NewRun {
            job_id,
            mail_id: None,
            run_at,
            parsed_status: parsed.into(),
            effective_status: status.into(),
            override_applied: false,
            message: None,
            source_type: "demo",
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn every_jobs_run_points_read_as_a_copy_stream_are_the_rows_in_order() {
    use backupchecks::domain::run_status::RunStatus;
    let t = TestDb::new().await;
    let (c, a) = customer_and_job(&t).await;
    let id = jobs::JobIdentity::new("nas@acme.example", "Synology", "Hyper Backup", "Täglich");
    let b = jobs::create(&t.pool, c.id, &id, false, Utc::now())
        .await
        .unwrap();
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 11, 8, 0, 0, 0).unwrap();
    let micro = chrono::TimeDelta::microseconds(1);
    // The halves the period is read in meet here.
    let middle = from + chrono::TimeDelta::hours(84);
    // The bounds (from inclusive, to exclusive), a microsecond either side, two runs at one time
    // (ordered by id), the middle and either side of it, every status.
    let runs_at = [
        (a.id, from - micro, "Success"),
        (a.id, from, "Failed"),
        (b.id, from + micro, "Success (override)"),
        (b.id, from + chrono::TimeDelta::days(3), "Warning"),
        (a.id, from + chrono::TimeDelta::days(3), "Missed"),
        (b.id, middle, "Success"),
        (a.id, middle - micro, "Warning"),
        (a.id, middle + micro, "Failed"),
        (b.id, to - micro, "Unknown"),
        (a.id, to, "Success"),
    ];
    for (job_id, run_at, status) in runs_at {
        insert_run(&t, job_id, run_at, status).await;
    }
    let points = runs::points_between(&t.pool, from, to).await.unwrap();
    let seen: Vec<_> = points
        .iter()
        .map(|p| (p.job_id, p.run_at, p.status))
        .collect();
    assert_eq!(
        seen,
        vec![
            (a.id, from, Some(RunStatus::Failed)),
            (b.id, from + micro, Some(RunStatus::SuccessOverride)),
            (
                b.id,
                from + chrono::TimeDelta::days(3),
                Some(RunStatus::Warning)
            ),
            (
                a.id,
                from + chrono::TimeDelta::days(3),
                Some(RunStatus::Missed)
            ),
            (a.id, middle - micro, Some(RunStatus::Warning)),
            (b.id, middle, Some(RunStatus::Success)),
            (a.id, middle + micro, Some(RunStatus::Failed)),
            (b.id, to - micro, Some(RunStatus::Unknown)),
        ]
    );
    // The same rows as the query of one job gives.
    let of_a = runs::points_of_jobs(&t.pool, &[a.id], from, to)
        .await
        .unwrap();
    let a_points: Vec<_> = points
        .iter()
        .filter(|p| p.job_id == a.id)
        .cloned()
        .collect();
    assert_eq!(of_a, a_points);
    assert!(
        runs::points_between(&t.pool, to, to)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_job_list_shows_each_jobs_newest_run_whether_recent_or_old() {
    let t = TestDb::new().await;
    let (c, recent) = customer_and_job(&t).await;
    let new_job = |name: &'static str| {
        let pool = t.pool.clone();
        async move {
            let id = jobs::JobIdentity::new("nas@acme.example", "Synology", "Hyper Backup", name);
            jobs::create(&pool, c.id, &id, false, Utc::now())
                .await
                .unwrap()
        }
    };
    let old = new_job("Old").await;
    let never = new_job("Never").await;
    let now = Utc::now();
    let day = chrono::TimeDelta::days(1);
    // The recent job: an old run, two runs at one recent time (the later id wins), and an older
    // recent one. The old job: runs ten and twenty days ago only.
    for (job_id, run_at, status) in [
        (recent.id, now - day * 30, "Failed"),
        (recent.id, now - day, "Warning"),
        (recent.id, now - chrono::TimeDelta::hours(2), "Failed"),
        (recent.id, now - chrono::TimeDelta::hours(2), "Success"),
        (old.id, now - day * 20, "Success"),
        (old.id, now - day * 10, "Failed"),
    ] {
        insert_run(&t, job_id, run_at, status).await;
    }
    let list = jobs::list_with_archived(&t.pool).await.unwrap();
    let last = |id: i64| {
        let row = list.iter().find(|r| r.job.id == id).unwrap();
        (
            row.last_run_at.map(|t| t.timestamp_micros()),
            row.last_status.clone(),
        )
    };
    let micros = |t: chrono::DateTime<Utc>| Some(t.timestamp_micros());
    assert_eq!(
        last(recent.id),
        (
            micros(now - chrono::TimeDelta::hours(2)),
            Some("Success".into())
        )
    );
    assert_eq!(
        last(old.id),
        (micros(now - day * 10), Some("Failed".into()))
    );
    assert_eq!(last(never.id), (None, None));
}

#[tokio::test]
async fn statuses_outside_the_vocabulary_are_rejected() {
    let t = TestDb::new().await;
    let (_, j) = customer_and_job(&t).await;
    let run = runs::NewRun {
        job_id: j.id,
        mail_id: None,
        run_at: Utc::now(),
        parsed_status: "OK".into(),
        effective_status: "OK".into(),
        override_applied: false,
        message: None,
        source_type: "demo",
    };
    assert!(runs::insert(&t.pool, &run).await.is_err());
}

#[tokio::test]
async fn settings_round_trip_and_audit_records_database_user() {
    let t = TestDb::new().await;
    assert_eq!(
        db::settings::get::<u32>(&t.pool, "import_interval_minutes")
            .await
            .unwrap(),
        None
    );
    db::settings::set(&t.pool, "import_interval_minutes", &15u32, "ann")
        .await
        .unwrap();
    db::settings::set(&t.pool, "import_interval_minutes", &30u32, "bob")
        .await
        .unwrap();
    assert_eq!(
        db::settings::get::<u32>(&t.pool, "import_interval_minutes")
            .await
            .unwrap(),
        Some(30)
    );
    db::audit::record(
        &t.pool,
        "ann",
        "settings.changed",
        None,
        serde_json::json!({"key": "x"}),
    )
    .await
    .unwrap();
    let entries = db::audit::recent(&t.pool, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert!(!entries[0].db_user.is_empty());
    assert_eq!(entries[0].operator.as_deref(), Some("ann"));
}

#[tokio::test]
async fn policy_has_defaults_and_rejects_a_bad_timezone() {
    use backupchecks::db::settings::{keys, policy};
    let t = TestDb::new().await;
    let p = policy(&t.pool).await.unwrap();
    assert_eq!(
        p.import_interval_minutes, None,
        "import is off until configured"
    );
    assert_eq!(p.missed_grace_minutes, 240);
    db::settings::set(&t.pool, keys::TIMEZONE, &"Europe/Amsterdam", "ann")
        .await
        .unwrap();
    db::settings::set(&t.pool, keys::IMPORT_INTERVAL_MINUTES, &15, "ann")
        .await
        .unwrap();
    let p = policy(&t.pool).await.unwrap();
    assert_eq!(p.timezone, chrono_tz::Europe::Amsterdam);
    assert_eq!(p.import_interval_minutes, Some(15));
    db::settings::set(&t.pool, keys::TIMEZONE, &"Mars/Olympus", "ann")
        .await
        .unwrap();
    let err = policy(&t.pool).await.unwrap_err();
    assert!(err.to_string().contains("timezone"), "{err}");
}

#[tokio::test]
async fn leadership_is_exclusive_and_released_on_drop() {
    use backupchecks::db::locks::{Service, acquire, try_acquire};
    let t = TestDb::new().await;
    let lead = acquire(&t.pool, Service::Importer).await.unwrap();
    assert!(
        try_acquire(&t.pool, Service::Importer)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        try_acquire(&t.pool, Service::MissedRuns)
            .await
            .unwrap()
            .is_some()
    );
    drop(lead);
    // The dropped session ends asynchronously on the server; give it a moment.
    let mut got = None;
    for _ in 0..50 {
        got = try_acquire(&t.pool, Service::Importer).await.unwrap();
        if got.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let lead = got.expect("lock released after drop");
    lead.release().await.unwrap();
    assert!(
        try_acquire(&t.pool, Service::Importer)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn every_change_is_announced_to_listeners() {
    let t = TestDb::new().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let pool = t.pool.clone();
    let listener = tokio::spawn(async move {
        db::notify::listen(&pool, |table| tx.send(table.to_string()).is_ok()).await
    });
    // Give the listener a moment to subscribe, then change something from another session.
    let mut got = None;
    for _ in 0..50 {
        customers::create(&t.pool, &format!("Notify {}", rand_suffix()))
            .await
            .ok();
        if let Ok(Some(table)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await
        {
            got = Some(table);
            break;
        }
    }
    assert_eq!(got.as_deref(), Some("customers"));
    listener.abort();
}

fn rand_suffix() -> u8 {
    use std::sync::atomic::{AtomicU8, Ordering};
    static N: AtomicU8 = AtomicU8::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_release_is_refused_in_one_sentence() {
    let t = TestDb::new().await;
    let newer = db::schema::expected_version() + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from a newer release', true, '\\x00', 0)",
    )
    .bind(newer)
    .execute(&t.pool)
    .await
    .unwrap();
    let url = backupchecks::config::Secret::new(t.url());
    let err = db::Database::open_url(&url).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, db::DbError::SchemaNewer { found, .. } if found == newer),
        "{text}"
    );
    assert!(text.contains(&format!("schema version {newer}")), "{text}");
    assert!(text.contains("newer"), "{text}");
    // One sentence: one full stop, at the end, and no line break.
    assert_eq!(text.matches(". ").count(), 0, "{text}");
    assert!(text.ends_with('.') && !text.contains('\n'), "{text}");
    // Nothing was migrated or changed: the newer row is still the newest.
    assert_eq!(
        db::schema::applied_version(&t.pool).await.unwrap(),
        Some(newer)
    );
}

#[tokio::test]
async fn a_database_never_migrated_has_no_applied_version() {
    let t = TestDb::new().await;
    sqlx::query("DROP TABLE _sqlx_migrations")
        .execute(&t.pool)
        .await
        .unwrap();
    assert_eq!(
        db::schema::applied_version_if_any(&t.pool).await.unwrap(),
        None
    );
}
