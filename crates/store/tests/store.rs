//! The store's integration tests, run on SQLite and — when `TENURE_TEST_DATABASE_URL` is set —
//! on PostgreSQL too. One binary keeps link time down.

use chrono::NaiveDate;
use std::collections::BTreeMap;
use tenure_domain::{ColumnKind, Exit, OrgId, PersonKey, Shape, Snapshot, Value};
use tenure_store::testing::TestDatabase;
use tenure_store::{
    Destinations, ImportMode, ImportStatus, NewImport, SnapshotToWrite, Store, StoreError,
};

fn snapshot(person: &str, month: u32, pay: f64, exit: bool) -> Snapshot {
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

fn import() -> NewImport {
    NewImport {
        file_name: "panel.csv".into(),
        file_sha256: "abc".into(),
        shape: Some(Shape::Panel),
        mapping_toml: "id = \"id\"".into(),
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
async fn stored_snapshots(store: &Store, org: OrgId) -> Vec<Snapshot> {
    store
        .snapshots(org)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.snapshot)
        .collect()
}

fn fingerprint(s: &Snapshot) -> String {
    format!("{:?}", s)
}

async fn write(
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

const REFUSE: ImportMode = ImportMode::RefuseChanges { max_conflicts: 10 };

async fn each_backend<F, Fut>(test: &str, body: F)
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

#[tokio::test]
async fn an_import_lands_and_reads_back_typed() {
    each_backend("an_import_lands_and_reads_back_typed", |store| async move {
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        let rows = vec![
            snapshot("7", 1, 100.0, false),
            snapshot("7", 2, 100.0, true),
            snapshot("8", 1, 90.5, false),
        ];
        let outcome = write(&store, org, &rows, REFUSE).await.unwrap();
        assert_eq!((outcome.rows_added, outcome.people_added), (3, 2));
        let counts = store.counts(org).await.unwrap();
        assert_eq!(
            (
                counts.people,
                counts.snapshots,
                counts.protected_rows,
                counts.as_of_dates
            ),
            (2, 3, 3, 2)
        );
        let back: Vec<Snapshot> = stored_snapshots(&store, org).await;
        let without_protected = |s: &Snapshot| Snapshot {
            protected: BTreeMap::new(),
            ..s.clone()
        };
        assert_eq!(back, rows.iter().map(without_protected).collect::<Vec<_>>());
        assert_eq!(
            store.exits_by_kind(org).await.unwrap(),
            vec![("resignation".to_string(), true, 1)]
        );
    })
    .await;
}

#[tokio::test]
async fn the_snapshot_frame_reads_back_every_row_as_the_snapshots_do() {
    each_backend(
        "the_snapshot_frame_reads_back_every_row_as_the_snapshots_do",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            let mut quoted = snapshot("9", 1, 75.25, false);
            // Text with escapes cannot be borrowed from the row's JSON: it is copied.
            quoted
                .values
                .insert("dept".into(), Value::Category("R&D \"Labs\"\n".into()));
            let rows = vec![
                snapshot("7", 1, 100.0, false),
                snapshot("7", 2, 101.5, true),
                snapshot("8", 1, 90.5, false),
                quoted,
            ];
            write(&store, org, &rows, REFUSE).await.unwrap();
            let stored: Vec<Snapshot> = stored_snapshots(&store, org).await;
            let frame = store.snapshot_frame(org).await.unwrap();
            assert_eq!(frame.to_snapshots(), stored);
            assert_eq!(frame.people().len(), 3);
            let dept = frame.column_index("dept").unwrap();
            assert_eq!(frame.text(3, dept), Some("R&D \"Labs\"\n"));
            let hired = frame.column_index("hired").unwrap();
            assert_eq!(frame.date(0, hired), NaiveDate::from_ymd_opt(2020, 5, 4));
            assert_eq!(
                frame.input_counts(0),
                (4, 1),
                "four inputs, the rating missing"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn the_history_is_summed_by_month_and_its_latest_month_read_alone() {
    each_backend(
        "the_history_is_summed_by_month_and_its_latest_month_read_alone",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            assert_eq!(store.latest_as_of(org).await.unwrap(), None);
            let rows = vec![
                snapshot("7", 1, 100.0, false),
                snapshot("7", 2, 100.0, true),
                snapshot("8", 1, 90.0, false),
                snapshot("8", 2, 90.0, false),
                snapshot("8", 3, 90.0, false),
                snapshot("9", 3, 80.0, false),
            ];
            write(&store, org, &rows, REFUSE).await.unwrap();
            let counts: Vec<(u32, u64, u64)> = store
                .monthly_counts(org)
                .await
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        chrono::Datelike::month(&c.month),
                        c.headcount,
                        c.voluntary_leavers,
                    )
                })
                .collect();
            // Person 7 resigned on 11 February: a leaver of February, counted once.
            assert_eq!(counts, [(1, 2, 0), (2, 2, 1), (3, 2, 0)]);
            let march = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
            assert_eq!(store.latest_as_of(org).await.unwrap(), Some(march));
            let month = store.snapshot_frame_at(org, march).await.unwrap();
            let people: Vec<&str> = month.people().iter().map(|p| p.as_str()).collect();
            assert_eq!(people, ["8", "9"]);
            assert_eq!(
                month.to_snapshots(),
                [rows[4].clone(), rows[5].clone()].map(|s| Snapshot {
                    protected: BTreeMap::new(),
                    ..s
                })
            );
        },
    )
    .await;
}

#[tokio::test]
async fn protected_attributes_are_read_once_per_change() {
    each_backend(
        "protected_attributes_are_read_once_per_change",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            let mut changed = snapshot("8", 3, 90.0, false);
            changed
                .protected
                .insert("sex".into(), Value::Category("M".into()));
            let rows = vec![
                snapshot("7", 1, 100.0, false),
                snapshot("7", 2, 100.0, false),
                snapshot("7", 3, 100.0, false),
                snapshot("8", 1, 90.0, false),
                snapshot("8", 2, 90.0, false),
                changed,
            ];
            write(&store, org, &rows, REFUSE).await.unwrap();
            let protected = store
                .protected_attributes_for_fairness_audit(org)
                .await
                .unwrap();
            let months = |person: &str| -> Vec<u32> {
                protected[person]
                    .iter()
                    .map(|(day, _)| chrono::Datelike::month(&day.unwrap()))
                    .collect()
            };
            assert_eq!(months("7"), [1], "three equal months are one record");
            assert_eq!(months("8"), [1, 3], "a change is a record of its own");
            assert_eq!(protected["8"][1].1["sex"], Value::Category("M".into()));
        },
    )
    .await;
}

#[tokio::test]
async fn importing_the_same_rows_twice_adds_nothing() {
    each_backend(
        "importing_the_same_rows_twice_adds_nothing",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            let rows = vec![
                snapshot("7", 1, 100.0, false),
                snapshot("8", 1, 90.0, false),
            ];
            write(&store, org, &rows, REFUSE).await.unwrap();
            let again = write(&store, org, &rows, REFUSE).await.unwrap();
            assert_eq!(
                (again.rows_added, again.rows_unchanged, again.people_added),
                (0, 2, 0)
            );
            assert_eq!(store.counts(org).await.unwrap().snapshots, 2);
            assert_eq!(store.imports(org).await.unwrap().len(), 2);
        },
    )
    .await;
}

#[tokio::test]
async fn a_changed_value_is_refused_with_its_line_and_column_unless_replacing() {
    each_backend("a_changed_value_is_refused", |store| async move {
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        write(&store, org, &[snapshot("7", 1, 100.0, false)], REFUSE)
            .await
            .unwrap();
        let changed = [
            snapshot("8", 1, 50.0, false),
            snapshot("7", 1, 120.0, false),
        ];
        let error = write(&store, org, &changed, REFUSE).await.unwrap_err();
        let StoreError::Conflicts(conflicts) = &error else {
            panic!("expected conflicts, got {error}")
        };
        assert_eq!(
            (
                conflicts[0].line,
                conflicts[0].column.as_str(),
                conflicts[0].stored.as_str(),
                conflicts[0].new.as_str()
            ),
            (3, "pay", "100.0", "120.0")
        );
        assert!(error.to_string().contains("--replace"));
        let counts = store.counts(org).await.unwrap();
        assert_eq!(
            (counts.snapshots, counts.people, counts.imports),
            (1, 1, 1),
            "the refused import wrote nothing, not even person 8"
        );
        let replaced = write(&store, org, &changed, ImportMode::Replace)
            .await
            .unwrap();
        assert_eq!((replaced.rows_added, replaced.rows_replaced), (1, 1));
        let pay = store.snapshots(org).await.unwrap()[0].snapshot.values["pay"].clone();
        assert_eq!(pay, Value::Number(120.0));
    })
    .await;
}

#[tokio::test]
async fn organizations_never_see_each_others_rows() {
    each_backend(
        "organizations_never_see_each_others_rows",
        |store| async move {
            let a = store.ensure_organization("a", "A").await.unwrap().id;
            let b = store.ensure_organization("b", "B").await.unwrap().id;
            write(&store, a, &[snapshot("7", 1, 100.0, false)], REFUSE)
                .await
                .unwrap();
            let in_b = write(&store, b, &[snapshot("7", 1, 999.0, false)], REFUSE)
                .await
                .unwrap();
            assert_eq!(
                in_b.rows_added, 1,
                "the same person id in another organization is another person"
            );
            assert_eq!(
                store.snapshots(a).await.unwrap()[0].snapshot.values["pay"],
                Value::Number(100.0)
            );
            assert_eq!(store.counts(b).await.unwrap().snapshots, 1);
            assert!(store
                .imports(b)
                .await
                .unwrap()
                .iter()
                .all(|i| i.rows_added == 1));
        },
    )
    .await;
}

#[tokio::test]
async fn a_failed_import_is_listed_with_its_errors_and_no_rows() {
    each_backend("a_failed_import_is_listed", |store| async move {
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        store
            .record_failed_import(org, &import(), &["panel.csv:3:2: expected a number".into()])
            .await
            .unwrap();
        let imports = store.imports(org).await.unwrap();
        assert_eq!(
            (imports[0].status, imports[0].errors.len()),
            (ImportStatus::Failed, 1)
        );
        assert_eq!(store.counts(org).await.unwrap().snapshots, 0);
        assert!(store.snapshots(org).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn every_tenant_owned_table_carries_org_id() {
    each_backend(
        "every_tenant_owned_table_carries_org_id",
        |store| async move {
            let tables = store.tables_and_columns().await.unwrap();
            assert!(tables.len() >= 4, "{tables:?}");
            for (table, columns) in tables {
                // Platform-wide: the tenants themselves, accounts (one per person, across
                // organizations) and failed logins (throttling before anyone is known).
                let platform = ["organizations", "users", "login_failures"];
                if platform.contains(&table.as_str()) || table.starts_with("_sqlx") {
                    continue;
                }
                assert!(
                    columns.iter().any(|c| c == "org_id"),
                    "table {table} has no org_id column"
                );
            }
        },
    )
    .await;
}

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

async fn two_organizations(store: &Store) -> (OrgId, OrgId) {
    let acme = store.ensure_organization("acme", "Acme").await.unwrap().id;
    let other = store
        .ensure_organization("other", "Other")
        .await
        .unwrap()
        .id;
    (acme, other)
}

fn job(n: i64) -> tenure_store::NewJob {
    tenure_store::NewJob {
        kind: "ping".into(),
        payload: serde_json::json!({ "n": n }),
        created_by: None,
        max_attempts: 2,
        run_after: None,
        priority: 0,
    }
}

/// Workers claiming at once each get a different job, in the order they were queued, and a
/// worker that lost its lease can neither renew nor finish the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_claim_each_job_once_and_a_lapsed_lease_passes_it_on() {
    each_backend(
        "workers_claim_each_job_once_and_a_lapsed_lease_passes_it_on",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            for n in 0..40 {
                store.enqueue_job(org, &job(n)).await.unwrap();
            }
            let lease = chrono::Duration::seconds(60);
            let claimers: Vec<_> = (0..4)
                .map(|w| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        let name = format!("worker-{w}");
                        let mut got = Vec::new();
                        while let Some(job) = store.claim_job(&name, lease).await.unwrap() {
                            store
                                .complete_job(&job, &name, Ok(serde_json::json!({"by": name})))
                                .await
                                .unwrap()
                                .unwrap();
                            got.push(job.payload["n"].as_i64().unwrap());
                        }
                        got
                    })
                })
                .collect();
            let mut all = Vec::new();
            for claimer in claimers {
                let got = claimer.await.unwrap();
                assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
                all.extend(got);
            }
            all.sort();
            assert_eq!(all, (0..40).collect::<Vec<i64>>());

            // A lease that lapses passes the job to the next worker, once more, then fails it.
            let id = store.enqueue_job(org, &job(99)).await.unwrap();
            let gone = chrono::Duration::milliseconds(-1);
            let first = store.claim_job("first", gone).await.unwrap().unwrap();
            assert_eq!((first.id, first.attempt), (id, 1));
            let second = store.claim_job("second", gone).await.unwrap().unwrap();
            assert_eq!((second.id, second.attempt), (id, 2));
            let lost = tenure_store::LeaseLost(id);
            assert_eq!(
                store.renew_lease(&first, "first", lease).await.unwrap(),
                Err(lost)
            );
            assert_eq!(
                store
                    .complete_job(&first, "first", Ok(serde_json::json!({})))
                    .await
                    .unwrap(),
                Err(lost)
            );
            assert!(store.claim_job("third", lease).await.unwrap().is_none());
            let record = store.job(org, id).await.unwrap().unwrap();
            assert_eq!(record.status, tenure_store::JobStatus::Failed);
            assert!(record.error.unwrap().contains("worker stopped"));
        },
    )
    .await;
}

/// A claim takes the waiting jobs of its first job's kind and organization with it (never
/// another organization's, never another kind), and deliveries are written with their jobs
/// already held: a holder that dies passes them on when the lease lapses.
#[tokio::test]
async fn a_claim_takes_its_kind_together_and_held_delivery_jobs_pass_on_when_their_lease_lapses() {
    each_backend(
        "a_claim_takes_its_kind_together_and_held_delivery_jobs_pass_on_when_their_lease_lapses",
        |store| async move {
            let (acme, other) = two_organizations(&store).await;
            let rescore = |n: i64| tenure_store::NewJob {
                kind: "rescore".into(),
                ..job(n)
            };
            let mut acme_jobs = Vec::new();
            for n in 0..3 {
                acme_jobs.push(store.enqueue_job(acme, &rescore(n)).await.unwrap());
            }
            let other_job = store.enqueue_job(other, &rescore(3)).await.unwrap();
            let ping = store.enqueue_job(acme, &job(4)).await.unwrap();
            let lease = chrono::Duration::seconds(60);
            let together = Some(("rescore", 10));
            let ids = |jobs: Vec<tenure_store::ClaimedJob>| -> Vec<i64> {
                jobs.into_iter().map(|j| j.id).collect()
            };
            let first = store.claim_jobs("w", lease, together).await.unwrap();
            assert_eq!(ids(first), acme_jobs);
            let second = store.claim_jobs("w", lease, together).await.unwrap();
            assert_eq!(ids(second), vec![other_job]);
            let third = store.claim_jobs("w", lease, together).await.unwrap();
            assert_eq!(ids(third), vec![ping], "another kind is claimed alone");
            assert!(store
                .claim_jobs("w", lease, together)
                .await
                .unwrap()
                .is_empty());

            let deliveries: Vec<tenure_store::NewDelivery> = (0..2)
                .map(|n| tenure_store::NewDelivery {
                    warning_id: None,
                    channel: tenure_store::Channel::Email,
                    body: serde_json::json!({ "n": n }),
                })
                .collect();
            let gone = chrono::Duration::milliseconds(-1);
            let mut write = store.begin_scoring_write(acme).await.unwrap();
            let held = write
                .create_deliveries(&deliveries, job, "dies", gone)
                .await
                .unwrap();
            write.commit().await.unwrap();
            assert_eq!(held.len(), 2);
            assert!(held.iter().all(|j| j.attempt == 1 && j.org == acme));
            let recorded = store.deliveries(acme, Some("pending"), 10).await.unwrap();
            assert_eq!(recorded.len(), 2);
            for held in &held {
                let taken = store.claim_job("next", lease).await.unwrap().unwrap();
                assert_eq!((taken.id, taken.attempt), (held.id, 2));
                assert_eq!(
                    store
                        .complete_job(held, "dies", Ok(serde_json::json!({})))
                        .await
                        .unwrap(),
                    Err(tenure_store::LeaseLost(held.id)),
                    "the holder that lost it cannot finish it"
                );
            }
        },
    )
    .await;
}

/// A scoring write lands whole or not at all: rolled back, none of its warnings, deliveries,
/// queued jobs or job ends stand; committed, all do. A job it ends under a lost lease is
/// reported, not ended.
#[tokio::test]
async fn a_scoring_write_lands_whole_or_not_at_all() {
    each_backend(
        "a_scoring_write_lands_whole_or_not_at_all",
        |store| async move {
            let (acme, _) = two_organizations(&store).await;
            write(&store, acme, &[snapshot("7", 1, 100.0, false)], REFUSE)
                .await
                .unwrap();
            let lease = chrono::Duration::seconds(60);
            store.enqueue_job(acme, &job(1)).await.unwrap();
            let ran = store.claim_job("w", lease).await.unwrap().unwrap();
            let warning = tenure_store::NewWarning {
                person: Some("7".into()),
                model_version: 1,
                triggers: serde_json::json!({}),
                drivers: serde_json::json!([]),
                groups: Default::default(),
            };
            let written = |store: Store| {
                let (ran, warning) = (ran.clone(), warning.clone());
                async move {
                    let mut write = store.begin_scoring_write(acme).await.unwrap();
                    let raised = write.raise_warnings(&[warning]).await.unwrap();
                    let delivery = tenure_store::NewDelivery {
                        warning_id: Some(raised[0].id),
                        channel: tenure_store::Channel::Email,
                        body: serde_json::json!({ "warning": raised[0].public_id }),
                    };
                    write
                        .create_deliveries(&[delivery], job, "w", lease)
                        .await
                        .unwrap();
                    write.enqueue_job(&job(2)).await.unwrap();
                    let done = tenure_store::JobEnd::Done(Ok(serde_json::json!({})));
                    let ends = write.end_jobs(&[ran], "w", &done).await.unwrap();
                    assert_eq!(ends, vec![Ok(())]);
                    write
                }
            };
            let jobs = |store: Store| async move {
                let mut statuses: Vec<String> = store
                    .jobs(acme, 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|j| format!("{}:{:?}", j.id, j.status))
                    .collect();
                statuses.sort();
                statuses
            };
            let before = jobs(store.clone()).await;
            written(store.clone()).await.roll_back().await.unwrap();
            assert!(store.warnings(acme, 10).await.unwrap().is_empty());
            assert!(store.deliveries(acme, None, 10).await.unwrap().is_empty());
            assert_eq!(jobs(store.clone()).await, before, "no job queued or ended");

            written(store.clone()).await.commit().await.unwrap();
            assert_eq!(store.warnings(acme, 10).await.unwrap().len(), 1);
            assert_eq!(store.deliveries(acme, None, 10).await.unwrap().len(), 1);
            let after = jobs(store.clone()).await;
            assert_eq!(after.len(), before.len() + 2, "{after:?}");
            let ended = store.job(acme, ran.id).await.unwrap().unwrap();
            assert_eq!(ended.status, tenure_store::JobStatus::Succeeded);

            let mut late = store.begin_scoring_write(acme).await.unwrap();
            let done = tenure_store::JobEnd::Done(Ok(serde_json::json!({})));
            let ends = late
                .end_jobs(std::slice::from_ref(&ran), "w", &done)
                .await
                .unwrap();
            assert_eq!(ends, vec![Err(tenure_store::LeaseLost(ran.id))]);
            late.roll_back().await.unwrap();
        },
    )
    .await;
}

/// A job put back for later waits until then, and fails for good after its last attempt.
#[tokio::test]
async fn a_retried_job_waits_its_turn_and_fails_after_its_last_attempt() {
    each_backend(
        "a_retried_job_waits_its_turn_and_fails_after_its_last_attempt",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            let id = store.enqueue_job(org, &job(1)).await.unwrap();
            let lease = chrono::Duration::seconds(60);
            let claimed = store.claim_job("w", lease).await.unwrap().unwrap();
            store
                .retry_job_later(
                    &claimed,
                    "w",
                    "receiver said 503",
                    chrono::Duration::seconds(30),
                )
                .await
                .unwrap()
                .unwrap();
            assert!(
                store.claim_job("w", lease).await.unwrap().is_none(),
                "not yet"
            );
            let record = store.job(org, id).await.unwrap().unwrap();
            assert_eq!(record.status, tenure_store::JobStatus::Queued);
            assert_eq!(record.error.as_deref(), Some("receiver said 503"));

            let id = store.enqueue_job(org, &job(2)).await.unwrap();
            let mut attempt = store.claim_job("w", lease).await.unwrap().unwrap();
            assert_eq!(attempt.id, id);
            store
                .retry_job_later(&attempt, "w", "503", chrono::Duration::zero())
                .await
                .unwrap()
                .unwrap();
            attempt = store.claim_job("w", lease).await.unwrap().unwrap();
            assert_eq!((attempt.id, attempt.attempt), (id, 2));
            store
                .retry_job_later(&attempt, "w", "503 again", chrono::Duration::zero())
                .await
                .unwrap()
                .unwrap();
            let record = store.job(org, id).await.unwrap().unwrap();
            assert_eq!(record.status, tenure_store::JobStatus::Failed);
            assert_eq!(record.error.as_deref(), Some("503 again"));
        },
    )
    .await;
}

#[tokio::test]
async fn an_upload_is_kept_for_its_own_organization_until_deleted() {
    each_backend(
        "an_upload_is_kept_for_its_own_organization_until_deleted",
        |store| async move {
            let (acme, other) = two_organizations(&store).await;
            let bytes = b"id,left\n1,yes\n\xff".to_vec();
            let id = store.save_upload(acme, "people.csv", &bytes).await.unwrap();
            assert_eq!(
                store.upload(acme, id).await.unwrap(),
                Some(("people.csv".to_owned(), bytes))
            );
            assert_eq!(store.upload(other, id).await.unwrap(), None);
            store.delete_upload(other, id).await.unwrap();
            assert!(store.upload(acme, id).await.unwrap().is_some());
            store.delete_upload(acme, id).await.unwrap();
            assert_eq!(store.upload(acme, id).await.unwrap(), None);
        },
    )
    .await;
}

/// The kill switch: a suspended organization's jobs wait unclaimed; others' go on.
#[tokio::test]
async fn a_suspended_organizations_jobs_wait_until_it_is_resumed() {
    each_backend(
        "a_suspended_organizations_jobs_wait_until_it_is_resumed",
        |store| async move {
            let (acme, other) = two_organizations(&store).await;
            let held = store.enqueue_job(acme, &job(1)).await.unwrap();
            let free = store.enqueue_job(other, &job(2)).await.unwrap();
            store.set_suspended(acme, true).await.unwrap();
            assert!(store.suspended_since(acme).await.unwrap().is_some());
            let lease = chrono::Duration::seconds(60);
            let claimed = store.claim_job("w", lease).await.unwrap().unwrap();
            assert_eq!(claimed.id, free);
            store
                .complete_job(&claimed, "w", Ok(serde_json::json!({})))
                .await
                .unwrap()
                .unwrap();
            assert!(store.claim_job("w", lease).await.unwrap().is_none());
            assert_eq!(store.unfinished_jobs().await.unwrap(), 0);
            store.set_suspended(acme, false).await.unwrap();
            assert_eq!(store.suspended_since(acme).await.unwrap(), None);
            assert_eq!(store.claim_job("w", lease).await.unwrap().unwrap().id, held);
        },
    )
    .await;
}

/// A worker looking at an empty queue only reads it: while another writer holds the database
/// (an import's long transaction), its claim answers "nothing to do" at once instead of
/// queueing behind the writer. Once a job is queued, the claim takes it.
#[tokio::test]
async fn a_claim_on_an_empty_queue_does_not_wait_for_the_writer() {
    each_backend(
        "a_claim_on_an_empty_queue_does_not_wait_for_the_writer",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            let lease = chrono::Duration::seconds(60);
            let mut writer = store.pool_for_tests().begin().await.unwrap();
            let hold = match store.backend() {
                tenure_store::Backend::Sqlite => "UPDATE organizations SET name = name",
                tenure_store::Backend::Postgres => "LOCK TABLE jobs IN EXCLUSIVE MODE",
            };
            sqlx::query(hold).execute(&mut *writer).await.unwrap();
            let claim = store.claim_jobs("w", lease, Some(("rescore", 8)));
            let claimed = tokio::time::timeout(std::time::Duration::from_secs(3), claim)
                .await
                .expect("an empty queue's claim waited for the writer")
                .unwrap();
            assert!(claimed.is_empty());
            writer.rollback().await.unwrap();
            let id = store.enqueue_job(org, &job(1)).await.unwrap();
            assert_eq!(store.claim_job("w", lease).await.unwrap().unwrap().id, id);
            assert!(store.claim_job("w", lease).await.unwrap().is_none());
        },
    )
    .await;
}

/// A policy reads back as set (the default before); warnings land whole, list newest first,
/// and an open warning keeps its person in the episode.
#[tokio::test]
async fn warnings_and_their_policy_read_back() {
    each_backend("warnings_and_their_policy_read_back", |store| async move {
        let (acme, other) = two_organizations(&store).await;
        assert_eq!(
            store.warning_policy(acme).await.unwrap(),
            tenure_domain::WarningPolicy::default()
        );
        let policy = tenure_domain::WarningPolicy {
            rules: vec![tenure_domain::WarningRule::EntersHigh],
            cooldown_days: 7,
        };
        store.set_warning_policy(acme, &policy).await.unwrap();
        store.set_warning_policy(acme, &policy).await.unwrap();
        assert_eq!(store.warning_policy(acme).await.unwrap(), policy);
        assert_eq!(
            store.warning_policy(other).await.unwrap(),
            tenure_domain::WarningPolicy::default()
        );

        write(
            &store,
            acme,
            &[
                snapshot("7", 1, 100.0, false),
                snapshot("8", 1, 100.0, false),
            ],
            REFUSE,
        )
        .await
        .unwrap();
        let warning = |person: &str| tenure_store::NewWarning {
            person: Some(person.into()),
            model_version: 1,
            triggers: serde_json::json!({"what_changed": ["risk rose from medium to high"]}),
            drivers: serde_json::json!([{"factor": "pay", "action": "pay_review"}]),
            groups: Default::default(),
        };
        let ids = store
            .raise_warnings(acme, &[warning("7"), warning("8")])
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        let listed = store.warnings(acme, 10).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].id, ids[1].id, "newest first");
        assert_eq!(listed[1].warning, warning("7"));
        assert_eq!(listed[1].status, tenure_domain::WarningStatus::Open);
        assert_eq!(listed[1].public_id, ids[0].public_id);
        assert_eq!(ids[0].public_id.len(), 24, "96 random bits");
        assert_ne!(ids[0].public_id, ids[1].public_id);
        // Another organization cannot find it by its public id.
        assert!(store
            .warning_by_public_id(other, &ids[0].public_id)
            .await
            .unwrap()
            .is_none());
        assert!(store.warnings(other, 10).await.unwrap().is_empty());
        let busy = store.people_in_warning_episode(acme, 7).await.unwrap();
        assert_eq!(busy.len(), 2);
        assert!(store
            .people_in_warning_episode(other, 7)
            .await
            .unwrap()
            .is_empty());
        assert!(store.score_history(acme).await.unwrap().is_empty());
    })
    .await;
}

/// Events change the person's latest snapshot and keep what they changed; a batch with an
/// unknown person lands nothing; an exit closes the record and settles warnings as `left`;
/// a lifecycle step applies only from the status the caller saw.
#[tokio::test]
async fn events_land_whole_and_exits_settle_warning_outcomes() {
    use tenure_domain::{EventEffect, LifecycleStep, WarningStatus};
    use tenure_store::NewEvent;
    each_backend("events_land_whole", |store| async move {
        let (acme, other) = two_organizations(&store).await;
        write(
            &store,
            acme,
            &[
                snapshot("7", 1, 100.0, false),
                snapshot("7", 2, 100.0, false),
                snapshot("8", 2, 100.0, false),
            ],
            REFUSE,
        )
        .await
        .unwrap();
        let on = NaiveDate::from_ymd_opt(2024, 2, 20).unwrap();
        let pay = |person: &str, pay: f64| NewEvent {
            person: person.into(),
            kind: "pay_change",
            effective: on,
            effect: EventEffect::Values(BTreeMap::from([("pay".into(), Value::Number(pay))])),
            created_by: None,
        };
        let refused = store
            .apply_events(acme, &[pay("7", 80.0), pay("nobody", 1.0)])
            .await;
        assert!(matches!(refused, Err(StoreError::UnknownPerson(ref p)) if p == "nobody"));
        // Another organization's person is unknown too.
        assert!(store.apply_events(other, &[pay("7", 80.0)]).await.is_err());
        assert!(
            store.events(acme, 10).await.unwrap().is_empty(),
            "nothing landed"
        );

        let applied = store.apply_events(acme, &[pay("7", 80.0)]).await.unwrap();
        assert_eq!(
            applied[0].as_of, "2024-02-01",
            "the latest snapshot changed"
        );
        assert_eq!(
            applied[0].changes,
            serde_json::json!({"pay": [100.0, 80.0]})
        );
        let rows = store.histories_of(acme, &["7".into()]).await.unwrap();
        let pays: Vec<Option<f64>> = rows
            .iter()
            .map(|r| r.snapshot.values["pay"].as_number())
            .collect();
        assert_eq!(
            pays,
            [Some(100.0), Some(80.0)],
            "history before it is untouched"
        );
        assert_eq!(store.data_stamp(acme).await.unwrap().1, applied[0].id);
        let changed = store.latest_snapshots_changed_since(acme, 0).await.unwrap();
        let changed: Vec<_> = changed
            .iter()
            .map(|s| {
                (
                    s.snapshot.person.to_string(),
                    s.snapshot.values["pay"].as_number(),
                )
            })
            .collect();
        assert_eq!(changed, [("7".to_string(), Some(80.0))], "the latest only");
        let after = applied[0].id;
        assert!(store
            .latest_snapshots_changed_since(acme, after)
            .await
            .unwrap()
            .is_empty());

        let raised = store
            .raise_warnings(
                acme,
                &[tenure_store::NewWarning {
                    person: Some("7".into()),
                    model_version: 1,
                    triggers: serde_json::json!({}),
                    drivers: serde_json::json!([]),
                    groups: Default::default(),
                }],
            )
            .await
            .unwrap();
        let id = raised[0].id;
        let step = |from, step, to| {
            let store = store.clone();
            async move {
                store
                    .step_warning(
                        acme,
                        id,
                        from,
                        step,
                        to,
                        Some(1),
                        &serde_json::json!({}),
                        None,
                    )
                    .await
                    .unwrap()
            }
        };
        assert!(
            step(
                WarningStatus::Open,
                LifecycleStep::Acknowledge,
                WarningStatus::Acknowledged
            )
            .await
        );
        assert!(
            !step(
                WarningStatus::Open,
                LifecycleStep::Acknowledge,
                WarningStatus::Acknowledged
            )
            .await,
            "a second reviewer acting on the old status moves nothing"
        );
        assert_eq!(store.warning_steps(acme, id).await.unwrap().len(), 1);
        assert!(store.warning_steps(other, id).await.unwrap().is_empty());

        let exit = NewEvent {
            person: "7".into(),
            kind: "exit",
            effective: on,
            effect: EventEffect::Exit {
                kind: Some("resignation".into()),
                voluntary: true,
            },
            created_by: None,
        };
        store
            .apply_events(acme, std::slice::from_ref(&exit))
            .await
            .unwrap();
        assert!(matches!(
            store.apply_events(acme, &[pay("7", 90.0)]).await,
            Err(StoreError::PersonLeft { .. })
        ));
        assert_eq!(store.settle_warning_outcomes(acme, 6).await.unwrap(), 1);
        let warning = store.warning(acme, id).await.unwrap().unwrap();
        assert_eq!(warning.outcome.as_deref(), Some("left"));
        assert_eq!(store.settle_warning_outcomes(acme, 6).await.unwrap(), 0);
    })
    .await;
}

/// TRUST.md 25: webhook signing secrets and e-mail settings (with the SMTP password) are
/// sealed in the database; only the store, holding the key kept outside it, reads them back.
#[tokio::test]
async fn webhook_secrets_and_smtp_passwords_are_sealed_at_rest() {
    each_backend("secrets_sealed_at_rest", |store| async move {
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        let hook = store
            .add_webhook(org, "https://hooks.example/abc", None)
            .await
            .unwrap();
        let settings =
            serde_json::json!({"smtp_host": "mail.example", "password": "smtp-Password-42"});
        store
            .set_email_settings(org, Some(&settings))
            .await
            .unwrap();
        let pool = store.pool_for_tests();
        let stored_secret: String = sqlx::Row::get(
            &sqlx::query("SELECT secret FROM webhooks WHERE id = $1")
                .bind(hook.id)
                .fetch_one(pool)
                .await
                .unwrap(),
            0,
        );
        let stored_settings: String = sqlx::Row::get(
            &sqlx::query("SELECT settings FROM email_settings WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(pool)
                .await
                .unwrap(),
            0,
        );
        assert!(stored_secret.starts_with("sealed:v1:"), "{stored_secret}");
        assert!(!stored_secret.contains(&hook.secret));
        assert!(
            !stored_settings.contains("smtp-Password-42")
                && !stored_settings.contains("mail.example")
        );
        assert_eq!(store.webhooks(org).await.unwrap()[0].secret, hook.secret);
        assert_eq!(store.email_settings(org).await.unwrap(), Some(settings));
    })
    .await;
}

/// Delivery planning's one statement reads what the separate readers read: the webhooks
/// still in use, in order, with their secrets opened, and the e-mail settings — of its own
/// organization only.
#[tokio::test]
async fn the_destinations_agree_with_each_separate_read() {
    each_backend("the_destinations_agree", |store| async move {
        let (acme, globex) = two_organizations(&store).await;
        assert_eq!(
            store.destinations(acme).await.unwrap(),
            Destinations::default()
        );
        let agrees = |store: Store, org| async move {
            let destinations = store.destinations(org).await.unwrap();
            assert_eq!(destinations.webhooks, store.webhooks(org).await.unwrap());
            assert_eq!(destinations.email, store.email_settings(org).await.unwrap());
            destinations
        };
        let first = store
            .add_webhook(acme, "https://a.example/1", None)
            .await
            .unwrap();
        let second = store
            .add_webhook(acme, "https://a.example/2", None)
            .await
            .unwrap();
        store
            .add_webhook(globex, "https://g.example/1", None)
            .await
            .unwrap();
        let found = agrees(store.clone(), acme).await;
        assert_eq!(found.webhooks, vec![first.clone(), second.clone()]);
        assert_eq!(found.email, None);
        let settings = serde_json::json!({"smtp_host": "mail.example", "to": ["hr@a.example"]});
        store
            .set_email_settings(acme, Some(&settings))
            .await
            .unwrap();
        assert!(store.remove_webhook(acme, first.id).await.unwrap());
        let found = agrees(store.clone(), acme).await;
        assert_eq!(
            (found.webhooks, found.email),
            (vec![second], Some(settings))
        );
        let theirs = agrees(store.clone(), globex).await;
        assert_eq!((theirs.webhooks.len(), theirs.email), (1, None));
    })
    .await;
}

/// Re-scoring's one statement reads what the separate readers read, before and after each
/// thing it reads changes.
#[tokio::test]
async fn the_rescoring_state_agrees_with_each_separate_read() {
    use tenure_domain::{EventEffect, RiskThresholds, WarningPolicy, WarningRule};
    each_backend("the_rescoring_state_agrees", |store| async move {
        let (acme, _) = two_organizations(&store).await;
        let agrees = |state: tenure_store::RescoringState| {
            let store = store.clone();
            async move {
                assert_eq!(state.block, store.scoring_block(acme).await.unwrap());
                assert_eq!(
                    state.model_version,
                    store.latest_model_version(acme).await.unwrap()
                );
                assert_eq!(state.data_stamp, store.data_stamp(acme).await.unwrap());
                assert_eq!(state.thresholds, store.risk_thresholds(acme).await.unwrap());
                assert_eq!(state.policy, store.warning_policy(acme).await.unwrap());
                assert_eq!(state.has_scores, store.has_scores(acme).await.unwrap());
            }
        };
        let empty = store.rescoring_state(acme).await.unwrap();
        assert_eq!((empty.latest_import, empty.has_scores), (None, false));
        assert_eq!(empty.block, Some(tenure_store::ScoringBlock::NoGovernance));
        agrees(empty.clone()).await;

        write(&store, acme, &[snapshot("7", 1, 100.0, false)], REFUSE)
            .await
            .unwrap();
        let policy = WarningPolicy {
            rules: vec![WarningRule::EntersHigh],
            cooldown_days: 9,
        };
        store.set_warning_policy(acme, &policy).await.unwrap();
        store
            .set_risk_thresholds(acme, RiskThresholds::new(0.4, 0.2).unwrap())
            .await
            .unwrap();
        let event = tenure_store::NewEvent {
            person: "7".into(),
            kind: "pay_change",
            effective: NaiveDate::from_ymd_opt(2024, 1, 20).unwrap(),
            effect: EventEffect::Values(BTreeMap::from([("pay".into(), Value::Number(90.0))])),
            created_by: None,
        };
        store.apply_events(acme, &[event]).await.unwrap();
        let changed = store.rescoring_state(acme).await.unwrap();
        assert_eq!(changed.policy, policy);
        assert!(changed.latest_import.is_some());
        assert_ne!(changed.data_stamp, empty.data_stamp);
        agrees(changed).await;
    })
    .await;
}
