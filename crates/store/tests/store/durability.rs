//! Durability: a reopened database keeps its data and schema, and concurrent writers all land.

use crate::support::*;
use tenure_store::testing::TestDatabase;
use tenure_store::Store;

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
