//! Delivery under failure: retries with growing waits, the dead-letter list, and replay.

use crate::support::receivers::{signature_is_valid, WebhookReceiver};
use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;

/// Issue 6: a receiver that fails every attempt gets the retries (with growing waits), then
/// the delivery is dead and on the dead-letter list; a replay once the receiver is back
/// succeeds, signed like the first.
#[tokio::test]
async fn a_failing_webhook_is_retried_then_dead_then_replayed() {
    for database in TestDatabase::all("a_failing_webhook_is_retried").await {
        let server = TestServer::start(database, delivery_settings(3)).await;
        let owner = member_organization(&server, "acme").await;
        let receiver = WebhookReceiver::start(3).await;
        let hook = owner
            .post("/api/v1/webhooks", json!({"url": receiver.url}))
            .await
            .expect(201);
        let secret = hook["secret"].as_str().unwrap().to_owned();
        let test = owner
            .post(&format!("/api/v1/webhooks/{}/test", hook["id"]), json!({}))
            .await
            .expect(202);
        let job = owner.wait_for_job(test["job_id"].as_i64().unwrap()).await;
        assert_eq!(job["status"], "failed", "{job}");
        assert!(
            job["error"]
                .as_str()
                .unwrap()
                .contains("dead after 3 attempts"),
            "{job}"
        );
        let seen = receiver.received();
        assert_eq!(
            seen.iter().map(|r| r.status).collect::<Vec<_>>(),
            [503, 503, 503]
        );
        let waits: Vec<u128> = seen
            .windows(2)
            .map(|w| (w[1].at - w[0].at).as_millis())
            .collect();
        assert!(
            waits[0] >= 50 && waits[1] >= 100,
            "backoff doubles from 50 ms: {waits:?}"
        );
        let dead = owner
            .get("/api/v1/deliveries?status=dead")
            .await
            .expect(200);
        let dead = dead.as_array().unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0]["attempts"], 3);
        assert!(dead[0]["last_error"].as_str().unwrap().contains("503"));
        let id = dead[0]["id"].as_i64().unwrap();

        let replay = owner
            .post(&format!("/api/v1/deliveries/{id}/replay"), json!({}))
            .await
            .expect(202);
        let job = owner.wait_for_job(replay["job_id"].as_i64().unwrap()).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        let seen = receiver.received();
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[3].status, 200);
        assert!(seen.iter().all(|r| signature_is_valid(r, &secret)));
        assert_eq!(
            seen[3].body, seen[0].body,
            "the replay sends the same message"
        );
        assert!(owner
            .get("/api/v1/deliveries?status=dead")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty());
        let delivered = owner
            .get("/api/v1/deliveries?status=delivered")
            .await
            .expect(200);
        assert_eq!(delivered[0]["id"], id);
        // Only a dead delivery can be replayed.
        assert_eq!(
            owner
                .post(&format!("/api/v1/deliveries/{id}/replay"), json!({}))
                .await
                .status,
            409
        );
        server.stop().await;
    }
}
