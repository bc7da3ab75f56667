//! Imports: rows land and read back typed (as snapshots and as a frame), the same rows twice add
//! nothing, a changed value is refused with its line and column unless replacing, a failed import
//! keeps its errors and no rows, uploads stay with their organization.

use crate::support::*;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tenure_domain::{Snapshot, Value};
use tenure_store::{ImportMode, ImportStatus, StoreError};

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
