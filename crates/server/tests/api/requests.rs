//! Bad requests are refused plainly (a status, a code and words) and start nothing.

use crate::support::*;
use serde_json::json;
use tenure_server::Settings;

/// Malformed requests get the common error shape, say what is wrong, and start nothing.
#[tokio::test]
async fn malformed_requests_are_refused_plainly_and_start_nothing() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("strict", "owner@strict.example").await;
    let bad_mapping = owner
        .upload_answer("people.csv", "id,left\n1,no\n", "id = [unclosed")
        .await;
    assert_eq!(
        (
            bad_mapping.status,
            bad_mapping.body["error"]["code"].as_str()
        ),
        (422, Some("unprocessable")),
        "a mapping that is no valid TOML is well-formed text against a rule no schema states"
    );
    let message = bad_mapping.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("mapping") && message.contains("line 1"),
        "{message}"
    );
    let not_json = owner
        .call("post", "/api/v1/invitations", Some(json!("just a string")))
        .await;
    assert_eq!(
        (not_json.status, not_json.body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let unknown_field = owner.post("/api/v1/models", json!({"horizon": 6})).await;
    assert_eq!(unknown_field.status, 400);
    assert!(
        unknown_field.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("horizon"),
        "{}",
        unknown_field.body
    );
    let bad_band = owner.get("/api/v1/scores?band=severe").await;
    assert_eq!(bad_band.status, 400);
    assert!(bad_band.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expected high, medium, low or not_enough_data"));
    assert!(
        owner.get("/api/v1/jobs").await.expect(200)["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "no job was started"
    );
    assert!(
        owner.get("/api/v1/imports").await.expect(200)["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "no import was recorded"
    );
    assert!(owner
        .get("/api/v1/invitations")
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .is_empty());
    server.stop().await;
}
