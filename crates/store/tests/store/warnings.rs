//! Warnings and events: warnings and their policy read back, events land whole, and exits settle
//! warnings' outcomes.

use crate::support::*;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tenure_domain::Value;
use tenure_store::StoreError;

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
            capacity: None,
            holdout_share: 0.0,
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
            for_month: None,
            held_out: false,
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
                    for_month: None,
                    held_out: false,
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
