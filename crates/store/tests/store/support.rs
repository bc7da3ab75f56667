//! What the store's tests share: snapshots and imports made in a line, each backend to run
//! on, and two organizations with a job each.

#![allow(dead_code)]

use chrono::NaiveDate;
use std::collections::BTreeMap;
use tenure_domain::{ColumnKind, Exit, OrgId, PersonKey, Shape, Snapshot, Value};
use tenure_store::testing::TestDatabase;
use tenure_store::{ImportMode, NewImport, SnapshotToWrite, Store, StoreError};

pub fn snapshot(person: &str, month: u32, pay: f64, exit: bool) -> Snapshot {
    let as_of = NaiveDate::from_ymd_opt(2024, month, 1).unwrap();
    Snapshot {
        person: PersonKey::parse(person).unwrap(),
        as_of: Some(as_of),
        values: BTreeMap::from([
            ("pay".to_string(), Value::Number(pay)),
            ("dept".to_string(), Value::Category("Sales".into())),
            (
                "hired".to_string(),
                Value::Date(NaiveDate::from_ymd_opt(2020, 5, 4).unwrap()),
            ),
            ("rating".to_string(), Value::Missing),
        ]),
        protected: BTreeMap::from([("sex".to_string(), Value::Category("F".into()))]),
        exit: exit.then(|| Exit {
            date: as_of + chrono::Days::new(10),
            kind: Some("resignation".into()),
            voluntary: true,
        }),
        outcome: None,
    }
}

pub fn import() -> NewImport {
    NewImport {
        file_name: "panel.csv".into(),
        file_sha256: "abc".into(),
        shape: Some(Shape::Panel),
        mapping_toml: "id = \"id\"".into(),
        header_signature: "h".into(),
        value_kinds: BTreeMap::from([
            ("pay".to_string(), ColumnKind::Number),
            ("dept".to_string(), ColumnKind::Category),
            ("hired".to_string(), ColumnKind::Date),
            ("rating".to_string(), ColumnKind::Number),
            ("sex".to_string(), ColumnKind::Category),
        ]),
        rows_read: 3,
    }
}

/// The organization's snapshots as the store reads them back.
pub async fn stored_snapshots(store: &Store, org: OrgId) -> Vec<Snapshot> {
    store
        .snapshots(org)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.snapshot)
        .collect()
}

pub fn fingerprint(s: &Snapshot) -> String {
    format!("{:?}", s)
}

pub async fn write(
    store: &Store,
    org: OrgId,
    snapshots: &[Snapshot],
    mode: ImportMode,
) -> Result<tenure_store::ImportOutcome, StoreError> {
    let prints: Vec<String> = snapshots.iter().map(fingerprint).collect();
    let rows: Vec<SnapshotToWrite> = snapshots
        .iter()
        .zip(&prints)
        .enumerate()
        .map(|(i, (s, f))| SnapshotToWrite {
            line: i as u64 + 2,
            fingerprint: f,
            snapshot: s,
        })
        .collect();
    store
        .import_snapshots(org, &import(), &rows, mode, &|_| {})
        .await
}

pub const REFUSE: ImportMode = ImportMode::RefuseChanges { max_conflicts: 10 };

pub async fn each_backend<F, Fut>(test: &str, body: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for database in TestDatabase::all(test).await {
        println!("{test}: running on {}", database.backend_name);
        let store = database.store().await;
        body(store.clone()).await;
        store.close().await;
        database.remove().await;
    }
}

pub async fn two_organizations(store: &Store) -> (OrgId, OrgId) {
    let acme = store.ensure_organization("acme", "Acme").await.unwrap().id;
    let other = store
        .ensure_organization("other", "Other")
        .await
        .unwrap()
        .id;
    (acme, other)
}

pub fn job(n: i64) -> tenure_store::NewJob {
    tenure_store::NewJob {
        kind: "ping".into(),
        payload: serde_json::json!({ "n": n }),
        created_by: None,
        max_attempts: 2,
        run_after: None,
        priority: 0,
    }
}
