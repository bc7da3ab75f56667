//! Scheduled pulls' records: the source's secret sealed at rest, a saved source unpaused,
//! the host key pinned once, the pull history newest first, and the roster pulls are
//! checked against.

use crate::support::*;
use chrono::{Duration, Utc};
use tenure_store::{DataSource, PullRecord, PullStatus, SourceAuth};

fn source(secret: &str) -> DataSource {
    DataSource {
        location: "sftp://hris.example:2222/out/report.csv".into(),
        auth: SourceAuth::Password,
        username: Some("tenure".into()),
        secret: Some(secret.into()),
        ca_certificate: None,
        host_key: None,
        file_name: "report.csv".into(),
        mapping_toml: "[columns]\nid = \"id\"\n".into(),
        every_hours: 24,
        replace_changed: true,
        next_pull_at: Utc::now() + Duration::hours(24),
        paused_at: None,
        paused_reason: None,
        updated_at: "2026-12-07T00:00:00.000Z".into(),
    }
}

#[tokio::test]
async fn sources_are_sealed_paused_pinned_and_their_pulls_listed() {
    each_backend("pull_sources", |store| async move {
        let (org, other) = two_organizations(&store).await;
        store
            .save_data_source(org, &source("sftp-Password-9"))
            .await
            .unwrap();
        let sealed: String = sqlx::Row::get(
            &sqlx::query("SELECT secret FROM data_sources WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(store.pool_for_tests())
                .await
                .unwrap(),
            0,
        );
        assert!(sealed.starts_with("sealed:v1:") && !sealed.contains("sftp-Password-9"));
        let read = store.data_source(org).await.unwrap().unwrap();
        assert_eq!(read.secret.as_deref(), Some("sftp-Password-9"));
        assert_eq!(
            store.data_source(other).await.unwrap(),
            None,
            "per organization"
        );

        let now = Utc::now();
        store
            .set_source_paused(org, Some("too many leaving"), now)
            .await
            .unwrap();
        store.pin_host_key(org, "SHA256:first").await.unwrap();
        store.pin_host_key(org, "SHA256:second").await.unwrap();
        let read = store.data_source(org).await.unwrap().unwrap();
        assert_eq!(read.paused_reason.as_deref(), Some("too many leaving"));
        assert_eq!(
            read.host_key.as_deref(),
            Some("SHA256:first"),
            "pinned once"
        );
        // Saved again, the source starts unpaused.
        store.save_data_source(org, &source("new")).await.unwrap();
        assert_eq!(
            store.data_source(org).await.unwrap().unwrap().paused_reason,
            None
        );

        for (i, status) in [PullStatus::Landed, PullStatus::Paused]
            .into_iter()
            .enumerate()
        {
            let record = PullRecord {
                started_at: format!("2026-12-07T0{i}:00:00.000Z"),
                finished_at: format!("2026-12-07T0{i}:00:01.000Z"),
                status: Some(status),
                started_by: "schedule".into(),
                rows_read: 10,
                people_leaving: i as i64 * 5,
                ..PullRecord::default()
            };
            store.record_pull(org, &record).await.unwrap();
        }
        let pulls = store.pulls(org, 10).await.unwrap();
        assert_eq!(
            pulls.iter().map(|p| p.status).collect::<Vec<_>>(),
            vec![Some(PullStatus::Paused), Some(PullStatus::Landed)]
        );
        assert!(store.pulls(other, 10).await.unwrap().is_empty());

        write(
            &store,
            org,
            &[snapshot("a", 1, 1.0, false), snapshot("b", 1, 1.0, true)],
            REFUSE,
        )
        .await
        .unwrap();
        let mut roster = store.roster(org).await.unwrap();
        roster.sort();
        assert_eq!(
            roster,
            vec![("a".to_string(), false), ("b".to_string(), true)]
        );

        assert!(store.remove_data_source(org).await.unwrap());
        assert_eq!(
            store.pulls(org, 10).await.unwrap().len(),
            2,
            "the history stays"
        );
    })
    .await;
}
