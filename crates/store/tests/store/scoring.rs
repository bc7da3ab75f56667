//! Scoring writes: a run's scores, warnings and job end land whole or not at all, and the re-
//! scoring state agrees with each separate read.

use crate::support::*;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tenure_domain::Value;
use tenure_store::Store;

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
                for_month: None,
                held_out: false,
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
                    let done = tenure_store::JobEnd::Succeeded(serde_json::json!({}));
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
            let done = tenure_store::JobEnd::Succeeded(serde_json::json!({}));
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
            capacity: None,
            holdout_share: 0.0,
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

/// One organization's scoring writes take turns on both backends — what one reads of the
/// month's warnings (HR's capacity) is not changed under it by another: a second write waits
/// until the first commits.
#[tokio::test]
async fn one_organizations_scoring_writes_take_turns() {
    each_backend(
        "one_organizations_scoring_writes_take_turns",
        |store| async move {
            let (acme, _) = two_organizations(&store).await;
            let first = store.begin_scoring_write(acme).await.unwrap();
            let waiting = tokio::spawn({
                let store = store.clone();
                async move {
                    store
                        .begin_scoring_write(acme)
                        .await
                        .unwrap()
                        .commit()
                        .await
                }
            });
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            assert!(!waiting.is_finished(), "the second write waits its turn");
            first.commit().await.unwrap();
            tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
                .await
                .expect("the second write goes once the first is done")
                .unwrap()
                .unwrap();
        },
    )
    .await;
}
