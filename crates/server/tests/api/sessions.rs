//! Sign-in sessions: renewal at login, logout, expiry (on a fake clock), CSRF protection and the throttling of failed logins.

use crate::support::*;
use serde_json::json;
use tenure_domain::Clock;
use tenure_server::Settings;

/// TRUST.md 26, 28: a fresh session id at login, logout ends it on the server, timeouts, cookie flags.
#[tokio::test]
async fn sessions_are_renewed_at_login_ended_at_logout_and_expire() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("sess", "owner@sess.example").await;
    let signed_up_cookie = owner.cookie.clone().unwrap();
    // Session fixation: log in presenting an existing session id; a different one comes back
    // and the presented one no longer works.
    let again = server
        .login_with_cookie("owner@sess.example", PASSWORD, Some(&signed_up_cookie))
        .await;
    assert_ne!(again.cookie, owner.cookie);
    assert_eq!(owner.get("/api/v1/me").await.status, 401);
    again.get("/api/v1/me").await.expect(200);
    // Planted: an id the attacker made up is never adopted.
    let planted = server
        .login_with_cookie("owner@sess.example", PASSWORD, Some("attacker-chosen-id"))
        .await;
    assert_ne!(planted.cookie.as_deref(), Some("attacker-chosen-id"));
    // Logout kills the session server-side: replaying the cookie fails.
    let logout = again.post("/api/v1/logout", json!({})).await;
    assert_eq!(logout.status, 204);
    assert!(logout.set_cookie.as_deref().unwrap().contains("Max-Age=0"));
    assert_eq!(again.get("/api/v1/me").await.status, 401);
    planted.get("/api/v1/me").await.expect(200);
    // Cookie flags (Secure only behind TLS, set by the operator).
    let header = planted.set_cookie.clone().unwrap();
    assert!(
        header.contains("HttpOnly")
            && header.contains("SameSite=Strict")
            && !header.contains("Secure"),
        "{header}"
    );
    server.stop().await;

    let secure = Settings {
        secure_cookies: true,
        session_idle_minutes: 0,
        ..Settings::default()
    };
    let clock = Clock::fake(chrono::Utc::now());
    let server = TestServer::start_with_clock(TestDatabase::sqlite(), secure, clock).await;
    let owner = server.sign_up("idle", "owner@idle.example").await;
    assert!(owner.set_cookie.as_deref().unwrap().contains("; Secure"));
    server.clock().advance(chrono::Duration::milliseconds(50));
    let idle = owner.get("/api/v1/me").await;
    assert_eq!(
        (idle.status, idle.body["error"]["code"].as_str()),
        (401, Some("session_expired"))
    );
    server.stop().await;

    let short = Settings {
        session_absolute_hours: 0,
        ..Settings::default()
    };
    let clock = Clock::fake(chrono::Utc::now());
    let server = TestServer::start_with_clock(TestDatabase::sqlite(), short, clock).await;
    let owner = server.sign_up("absolute", "owner@absolute.example").await;
    server.clock().advance(chrono::Duration::milliseconds(50));
    assert_eq!(owner.get("/api/v1/me").await.status, 401);
    server.stop().await;
}

/// TRUST.md 29: state-changing requests by cookie need the CSRF token; tokens don't use cookies.
#[tokio::test]
async fn state_changing_requests_without_the_csrf_token_are_refused() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("csrf", "owner@csrf.example").await;
    let body = json!({"email": "x@csrf.example", "role": "hr"});
    let mut forged = owner.clone();
    forged.csrf = None;
    let answer = forged.post("/api/v1/invitations", body.clone()).await;
    assert_eq!(
        (answer.status, answer.body["error"]["code"].as_str()),
        (403, Some("csrf"))
    );
    forged.csrf = Some("0".repeat(64));
    assert_eq!(
        forged
            .post("/api/v1/invitations", body.clone())
            .await
            .status,
        403
    );
    assert_eq!(forged.post("/api/v1/logout", json!({})).await.status, 403);
    assert!(
        owner
            .get("/api/v1/invitations")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing was created"
    );
    owner.post("/api/v1/invitations", body).await.expect(201);
    server.stop().await;
}

/// TRUST.md 27: failed logins are throttled per account and per address, and the wait ends.
#[tokio::test]
async fn failed_logins_are_throttled_per_account_and_per_address() {
    let settings = Settings {
        login_failures_per_account: 3,
        login_failures_per_address: 6,
        login_window_seconds: 2,
        ..Settings::default()
    };
    let clock = Clock::fake(chrono::Utc::now());
    let server = TestServer::start_with_clock(TestDatabase::sqlite(), settings, clock).await;
    server.sign_up("throttle", "owner@throttle.example").await;
    for _ in 0..3 {
        assert_eq!(
            server
                .login_status("owner@throttle.example", "wrong password!")
                .await
                .0,
            401
        );
    }
    let (status, retry_after) = server
        .login_status("owner@throttle.example", PASSWORD)
        .await;
    assert_eq!(status, 429, "even the right password waits");
    assert!(
        retry_after.is_some_and(|s| (1..=2).contains(&s)),
        "{retry_after:?}"
    );
    // Not a permanent lockout: after the window the right password works.
    server
        .clock()
        .advance(chrono::Duration::milliseconds(2_100));
    assert_eq!(
        server
            .login_status("owner@throttle.example", PASSWORD)
            .await
            .0,
        200
    );
    // Per address: guessing across many accounts from one address is throttled too.
    for n in 0..6 {
        assert_eq!(
            server
                .login_status(&format!("nobody{n}@throttle.example"), "wrong password!")
                .await
                .0,
            401
        );
    }
    assert_eq!(
        server
            .login_status("owner@throttle.example", PASSWORD)
            .await
            .0,
        429
    );
    server.stop().await;
}

/// A signed-in read while an import holds SQLite's one writer past the busy timeout: the
/// session's last-request time cannot be written, and the read is answered all the same (it
/// answered 500, now and then, when an import ran long under load).
#[tokio::test]
async fn a_read_is_answered_while_a_long_write_holds_the_database() {
    let clock = Clock::fake(chrono::Utc::now());
    let server =
        TestServer::start_with_clock(TestDatabase::sqlite(), Settings::default(), clock).await;
    let owner = server.sign_up("busy", "owner@busy.example").await;
    let org = server.store.organization("busy").await.unwrap().unwrap().id;
    // The session was last seen over a minute ago: this request records it.
    server.clock().advance(chrono::Duration::seconds(61));
    let holding = server.store.begin_scoring_write(org).await.unwrap();
    let started = std::time::Instant::now();
    let me = owner.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(5),
        "the write really waited on the held database"
    );
    drop(holding);
    server.stop().await;
}
