//! API tokens: hashed, scoped, expiring, revocable; and how long a cached credential or plan may be believed.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;
use tenure_domain::{Clock, Membership, Plan};
use tenure_server::Settings;

/// TRUST.md 29: API tokens are hashed, scoped, expiring, revocable, and need API access.
#[tokio::test]
async fn api_tokens_are_scoped_expiring_revocable_and_stored_hashed() {
    for database in
        TestDatabase::all("api_tokens_are_scoped_expiring_revocable_and_stored_hashed").await
    {
        let server = TestServer::start(database, Settings::default()).await;
        let owner = server.sign_up("tokens", "owner@tokens.example").await;
        server.seed_scores("tokens", "t", 10, 1).await;
        let refused = owner
            .post(
                "/api/v1/tokens",
                json!({"name": "ci", "scopes": ["aggregates:read"], "expires_in_days": 30}),
            )
            .await;
        assert_eq!(
            (refused.status, refused.body["error"]["code"].as_str()),
            (402, Some("plan_required")),
            "basic has no API access"
        );
        server.grant("tokens", Plan::Member).await;
        let created = owner
            .post(
                "/api/v1/tokens",
                json!({"name": "ci", "scopes": ["aggregates:read"], "expires_in_days": 30}),
            )
            .await
            .expect(201);
        let token = created["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("tnr_"));
        let bearer = server.bearer(&token);
        bearer.get("/api/v1/summary").await.expect(200);
        assert_eq!(
            bearer.get("/api/v1/scores").await.status,
            403,
            "out of scope"
        );
        assert_eq!(
            bearer.get("/api/v1/members").await.status,
            403,
            "out of scope"
        );
        // No CSRF for bearer tokens, but still only their scopes.
        assert_eq!(bearer.post("/api/v1/models", json!({})).await.status, 403);
        // Stored as a hash only.
        let stored = server
            .raw_strings("SELECT token_hash FROM api_tokens")
            .await;
        assert_eq!(stored, vec![tenure_server::secrets::hash_secret(&token)]);
        assert!(!server.raw_strings("SELECT scopes FROM api_tokens").await[0].contains(&token));
        // A scope the creator's role lacks is refused at creation.
        let hr = server
            .join_as(&owner, "hr@tokens.example", json!({"role": "hr"}))
            .await;
        assert_eq!(
            hr.post(
                "/api/v1/tokens",
                json!({"name": "x", "scopes": ["audit:read"], "expires_in_days": 1})
            )
            .await
            .status,
            403
        );
        assert_eq!(
            owner
                .post(
                    "/api/v1/tokens",
                    json!({"name": "x", "scopes": ["everything"], "expires_in_days": 1})
                )
                .await
                .status,
            400
        );
        assert_eq!(
            owner
                .post(
                    "/api/v1/tokens",
                    json!({"name": "x", "scopes": ["scores:read"], "expires_in_days": 9999})
                )
                .await
                .status,
            400
        );
        // Revoked: at once.
        let id = created["id"].as_i64().unwrap();
        assert_eq!(
            owner.delete(&format!("/api/v1/tokens/{id}")).await.status,
            204
        );
        let revoked = bearer.get("/api/v1/summary").await;
        assert_eq!(
            (revoked.status, revoked.body["error"]["code"].as_str()),
            (401, Some("invalid_token"))
        );
        // Expired.
        let expired = server
            .insert_token(
                "tokens",
                &["aggregates:read"],
                chrono::Duration::seconds(-1),
            )
            .await;
        assert_eq!(
            server.bearer(&expired).get("/api/v1/summary").await.status,
            401
        );
        let live = server
            .insert_token("tokens", &["aggregates:read"], chrono::Duration::hours(1))
            .await;
        server
            .bearer(&live)
            .get("/api/v1/summary")
            .await
            .expect(200);
        // A token stops with its plan: an expired membership turns API access off.
        server.grant_until("tokens", Plan::Member, -1).await;
        assert_eq!(
            server.bearer(&live).get("/api/v1/summary").await.status,
            402
        );
        server.stop().await;
    }
}

/// Credentials and scores are cached briefly: changes through the server apply at once,
/// changes from elsewhere (another process, `tenure admin`) within `cache_seconds`.
#[tokio::test]
async fn cached_reads_see_changes_from_elsewhere_within_the_cache_period() {
    let settings = Settings {
        cache_seconds: 1,
        ..Settings::default()
    };
    let clock = Clock::fake(chrono::Utc::now());
    let server = TestServer::start_with_clock(TestDatabase::sqlite(), settings, clock).await;
    let owner = member_organization(&server, "cached").await;
    server.seed_scores("cached", "c", 10, 1).await;
    let token = owner
        .post(
            "/api/v1/tokens",
            json!({"name": "t", "scopes": ["scores:read"], "expires_in_days": 1}),
        )
        .await
        .expect(201);
    let bearer = server.bearer(token["token"].as_str().unwrap());
    let before = bearer.get("/api/v1/people/c-004/score").await.expect(200);
    // Another process lets the plan lapse: not seen yet…
    let org = server.store.organization("cached").await.unwrap().unwrap();
    let lapsed = Membership {
        plan: Plan::Member,
        expires_on: chrono::Utc::now().date_naive() - chrono::Duration::days(1),
    };
    server.store.set_membership(org.id, lapsed).await.unwrap();
    assert_eq!(
        bearer.get("/api/v1/people/c-004/score").await.expect(200),
        before
    );
    // …and seen once the cache period has passed.
    server
        .clock()
        .advance(chrono::Duration::milliseconds(1_100));
    assert_eq!(bearer.get("/api/v1/people/c-004/score").await.status, 402);
    // A revocation through the server applies at once, cache or not.
    server.grant("cached", Plan::Member).await;
    bearer.get("/api/v1/people/c-004/score").await.expect(200);
    assert_eq!(
        owner
            .delete(&format!("/api/v1/tokens/{}", token["id"]))
            .await
            .status,
        204
    );
    assert_eq!(bearer.get("/api/v1/people/c-004/score").await.status, 401);
    server.stop().await;
}

/// Fair use: each token has its own budget of requests a minute; past it, 429 with
/// `Retry-After`, and the budget refills as the (fake) clock moves on. A session is not
/// limited by a token's budget.
#[tokio::test]
async fn each_token_gets_a_budget_of_requests_and_429_with_retry_after_past_it() {
    let settings = Settings {
        token_requests_per_minute: 5,
        ..Settings::default()
    };
    let clock = Clock::fake(chrono::Utc::now());
    let server = TestServer::start_with_clock(TestDatabase::sqlite(), settings, clock).await;
    let owner = member_organization(&server, "budget").await;
    server.seed_scores("budget", "b", 10, 1).await;
    let token = |name: &str| {
        let owner = &owner;
        let name = name.to_owned();
        async move {
            owner
                .post(
                    "/api/v1/tokens",
                    json!({"name": name, "scopes": ["aggregates:read"], "expires_in_days": 30}),
                )
                .await
                .expect(201)["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let first = server.bearer(&token("first").await);
    let second = server.bearer(&token("second").await);
    for _ in 0..5 {
        first.get("/api/v1/summary").await.expect(200);
    }
    let refused = first.get("/api/v1/summary").await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(
        refused.retry_after.as_deref(),
        Some("12"),
        "one request a 12 s at 5 a minute"
    );
    second.get("/api/v1/summary").await.expect(200);
    for _ in 0..10 {
        owner.get("/api/v1/summary").await.expect(200);
    }
    server.clock().advance(chrono::Duration::seconds(12));
    first.get("/api/v1/summary").await.expect(200);
    assert_eq!(first.get("/api/v1/summary").await.status, 429);
    server.stop().await;
}
