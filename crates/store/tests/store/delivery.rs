//! Delivery's destinations: webhook secrets and SMTP passwords sealed at rest, and the destinations
//! read together agree with each separate read.

use crate::support::*;
use tenure_store::{Destinations, Store};

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
