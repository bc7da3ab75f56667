//! Durability: a reopened database keeps its data and schema, and concurrent writers all land.

use crate::support::*;
use tenure_store::testing::raw;
use tenure_store::testing::TestDatabase;
use tenure_store::{Backend, SealingKey, Store};

#[tokio::test]
async fn reopening_a_database_keeps_its_data_and_schema() {
    let database = TestDatabase::sqlite();
    {
        let store = database.store().await;
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        write(&store, org, &[snapshot("7", 1, 100.0, false)], REFUSE)
            .await
            .unwrap();
        store.close().await;
    }
    let store = database.store().await;
    let org = store.organization("acme").await.unwrap().unwrap().id;
    assert_eq!(store.counts(org).await.unwrap().snapshots, 1);
}

/// Writers on separate connections — a model saved while the audit chain grows, two models
/// saved at once — all land: none fails with "database is locked" or a duplicate version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_land() {
    each_backend("concurrent_writers_all_land", |store| async move {
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        let model = tenure_store::NewModel {
            shape: "panel".into(),
            horizon_months: Some(6),
            description: "test".into(),
            card: serde_json::json!({}),
            artifact: "{}".into(),
            held_reason: None,
        };
        let save_models = |store: Store, model: tenure_store::NewModel| {
            tokio::spawn(async move {
                for _ in 0..15 {
                    store.save_model(org, &model).await.unwrap();
                }
            })
        };
        let audit = {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..30 {
                    let entry = tenure_store::AuditEntry {
                        org,
                        actor: format!("user:{i}"),
                        action: "score.read".into(),
                        subject: "7".into(),
                        request_id: format!("r{i}"),
                    };
                    store.append_audit(&[entry]).await.unwrap();
                }
            })
        };
        let first = save_models(store.clone(), model.clone());
        let second = save_models(store.clone(), model.clone());
        for task in [first, second, audit] {
            task.await.unwrap();
        }
        let versions: Vec<i64> = store
            .models(org)
            .await
            .unwrap()
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(versions, (1..=30).rev().collect::<Vec<i64>>());
        assert_eq!(store.audit_log(org, 0, 100).await.unwrap().len(), 30);
    })
    .await;
}

/// A database an older release made — the first migration's schema, holding an import's
/// organization, people, snapshots and protected attributes — migrates to the latest schema
/// with every row read back as it was.
#[tokio::test]
async fn a_database_from_the_first_release_migrates_forward_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let current = dir.path().join("current.db");
    let key = SealingKey::default_for(&current.display().to_string(), None);
    let store = Store::connect(&current.display().to_string(), &key)
        .await
        .unwrap();
    let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
    let rows = vec![
        snapshot("7", 1, 100.0, false),
        snapshot("7", 2, 100.0, true),
        snapshot("8", 1, 90.5, false),
        snapshot("8", 2, 91.0, false),
    ];
    write(&store, org, &rows, REFUSE).await.unwrap();
    let (snapshots, counts, imports) = (
        stored_snapshots(&store, org).await,
        store.counts(org).await.unwrap(),
        store.imports(org).await.unwrap(),
    );
    store.close().await;

    // The same rows in the first release's schema: its columns only, copied across.
    let old = dir.path().join("old.db");
    tenure_store::testing::sqlite_at_migration(&old, 1).await;
    let copy = |table: &str, columns: &str| {
        format!("INSERT INTO main.{table} ({columns}) SELECT {columns} FROM current.{table}")
    };
    let old_url = old.display().to_string();
    // Opening it with the store would migrate it at once: the rows go in over a raw
    // connection first.
    let attach = format!("ATTACH DATABASE '{}' AS current", current.display());
    let statements = [
        attach.as_str(),
        &copy("organizations", "id, slug, name, created_at"),
        &copy("imports", "id, org_id, file_name, file_sha256, shape, mapping, value_kinds, status, errors, rows_read, rows_added, rows_replaced, rows_unchanged, people_added, started_at, finished_at"),
        &copy("people", "org_id, person_key, first_as_of, last_as_of, exit_date, exit_kind, exit_voluntary"),
        &copy("snapshots", "org_id, person_key, as_of, import_id, fingerprint, inputs, exit_date, exit_kind, exit_voluntary, target_left, duration, event"),
        &copy("protected_attributes", "org_id, person_key, as_of, import_id, attributes"),
    ];
    tenure_store::testing::raw_sqlite(&old, &statements).await;

    let migrated = Store::connect(&old_url, &SealingKey::default_for(&old_url, None))
        .await
        .unwrap();
    let organization = migrated.organization("acme").await.unwrap().unwrap();
    assert_eq!(
        organization.min_group_size, 5,
        "later columns take their defaults"
    );
    let org = organization.id;
    assert_eq!(stored_snapshots(&migrated, org).await, snapshots);
    assert_eq!(migrated.counts(org).await.unwrap(), counts);
    assert_eq!(migrated.imports(org).await.unwrap(), imports);
    assert!(migrated.verify().await.unwrap().passed());
    migrated.close().await;
}

/// A backup goes only to a new SQLite file (PostgreSQL is told to use pg_dump); `verify`
/// passes an untouched database and names the organization and row where a tampered audit
/// chain breaks.
#[tokio::test]
async fn backups_go_to_new_files_and_verify_names_a_broken_chain() {
    each_backend("backups_and_verify", |store| async move {
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        let read = |subject: &str| tenure_store::AuditEntry {
            org,
            actor: "user:1".into(),
            action: "score.read".into(),
            subject: subject.into(),
            request_id: "verify-test".into(),
        };
        store
            .append_audit(&[read("p-1"), read("p-2")])
            .await
            .unwrap();
        assert!(store.verify().await.unwrap().passed());

        let dir = tempfile::tempdir().unwrap();
        let taken = dir.path().join("taken.db");
        std::fs::write(&taken, "").unwrap();
        let refused = store.back_up_to(&taken).await.unwrap_err().to_string();
        match store.backend() {
            Backend::Sqlite => assert!(refused.contains("already exists"), "{refused}"),
            Backend::Postgres => assert!(refused.contains("pg_dump"), "{refused}"),
        }

        let unguard: &[&str] = match store.backend() {
            Backend::Sqlite => &["DROP TRIGGER audit_log_no_update"],
            Backend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
        };
        for statement in unguard {
            raw::execute(&store, statement).await.unwrap();
        }
        raw::execute(
            &store,
            "UPDATE audit_log SET subject = 'someone else' WHERE seq = 2",
        )
        .await
        .unwrap();
        let verification = store.verify().await.unwrap();
        assert!(!verification.passed());
        assert!(
            verification
                .to_string()
                .starts_with("organization acme's audit chain breaks at row 2"),
            "{verification}"
        );
    })
    .await;
}
