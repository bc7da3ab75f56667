//! HR events sent with an `Idempotency-Key`: a request sent again — its answer lost — is
//! answered as the first was and applied once, however many copies arrive and however close
//! together; a key reused for another request is refused.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;

async fn events_stored(server: &TestServer) -> usize {
    let org = server.org("ibm").await;
    server.store.events(org, 1_000).await.unwrap().len()
}

#[tokio::test]
async fn an_event_sent_again_with_its_idempotency_key_lands_once_and_gets_the_first_answer() {
    for database in TestDatabase::all("idempotency_keys").await {
        let server = TestServer::start(database, tenure_server::Settings::default()).await;
        let owner = ibm_trained(&server, "ibm").await;
        let person = well_paid_people_at_moderate_risk(&owner, 1).await[0]
            .0
            .clone();
        let key = ("Idempotency-Key", "5d1f0c1e-6a43-4c55-9a7e-0c2f3e1d9b01");

        let first = owner
            .post_with_header("/api/v1/events", pay_cut(&person), key)
            .await;
        assert!(!first.headers.contains_key("idempotent-replayed"));
        let first = first.expect(202);
        let again = owner
            .post_with_header("/api/v1/events", pay_cut(&person), key)
            .await;
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(again.expect(202), first, "the first answer, again");
        assert_eq!(events_stored(&server).await, 1);

        // Another request under the same key is a client's mistake, said as such.
        let other = json!({"person": person, "kind": "pay_change", "effective": "2026-11-03", "values": {"pay": 2000}});
        let refused = owner.post_with_header("/api/v1/events", other, key).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("used for a different request"));
        for bad in ["", "schlüssel", &"k".repeat(256)] {
            let answer = owner
                .post_with_header("/api/v1/events", pay_cut(&person), ("Idempotency-Key", bad))
                .await;
            assert_eq!(answer.status, 400, "key {bad:?}: {}", answer.body);
        }

        // Copies of a batch arriving together: one lands, every copy gets its answer.
        let batch = json!({"events": [
            {"person": person, "kind": "rating", "effective": "2026-11-04", "values": {"rating": 2}},
            {"person": person, "kind": "pay_change", "effective": "2026-11-05", "values": {"pay": 1500}},
        ]});
        let copies = futures_join_all((0..5).map(|_| {
            let (owner, batch) = (owner.clone(), batch.clone());
            async move {
                owner
                    .post_with_header(
                        "/api/v1/events/batch",
                        batch,
                        ("Idempotency-Key", "batch-7"),
                    )
                    .await
            }
        }))
        .await;
        let answers: Vec<_> = copies.into_iter().map(|a| a.expect(202)).collect();
        assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
        assert_eq!(answers[0]["event_ids"].as_array().unwrap().len(), 2);
        assert_eq!(events_stored(&server).await, 3);

        // Without a key, each request is its own.
        owner
            .post("/api/v1/events", pay_cut(&person))
            .await
            .expect(202);
        owner
            .post("/api/v1/events", pay_cut(&person))
            .await
            .expect(202);
        assert_eq!(events_stored(&server).await, 5);
        server.stop().await;
    }
}
