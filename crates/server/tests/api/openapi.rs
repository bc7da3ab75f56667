//! The service's public face: health, metrics and the OpenAPI document, which must match its committed snapshot.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::Value;
use tenure_server::Settings;

#[tokio::test]
async fn health_metrics_and_the_openapi_document_are_served() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let http = reqwest::Client::new();
    let health = http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let owner = server.sign_up("acme", "owner@acme.example").await;
    owner.get("/api/v1/me").await.expect(200);
    let metrics = http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"tenure_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("tenure_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    let served: Value = http
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        served,
        serde_json::to_value(tenure_server::openapi()).unwrap()
    );
    let missing = http
        .get(server.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    server.stop().await;
}

/// The document is generated from the handlers; this snapshot makes every change to the API
/// visible in review. `TENURE_UPDATE_SNAPSHOTS=1` rewrites it.
#[test]
fn the_openapi_document_matches_its_snapshot() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = serde_json::to_string_pretty(&tenure_server::openapi()).unwrap() + "\n";
    if std::env::var_os("TENURE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .expect("crates/server/openapi.json (run with TENURE_UPDATE_SNAPSHOTS=1 to create it)");
    assert!(
        stored == generated,
        "the OpenAPI document changed: review it and rerun with TENURE_UPDATE_SNAPSHOTS=1"
    );
    let document: Value = serde_json::from_str(&generated).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    assert!(document["paths"]["/api/v1/people/{person}/score"]["get"].is_object());
}
