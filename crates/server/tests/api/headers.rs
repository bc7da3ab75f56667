//! Security headers on every answer — pages, assets, the API, errors — and
//! Strict-Transport-Security only when tenure is reached over TLS.

use crate::support::scenarios::*;
use crate::support::*;
use tenure_server::Settings;

/// The headers of a plain GET of `path` (no session: pages answer with the sign-in redirect).
async fn headers_of(server: &TestServer, path: &str) -> reqwest::header::HeaderMap {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap()
        .headers()
        .clone()
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    for path in [
        "/",
        "/signin",
        "/assets/app.js",
        "/assets/app.css",
        "/api/v1/openapi.json",
        "/api/v1/me",
        "/no-such-page",
    ] {
        let headers = headers_of(&server, path).await;
        let policy = headers["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(policy.contains(part), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(
            !headers.contains_key("strict-transport-security"),
            "{path}: no HSTS over plain HTTP"
        );
    }
    server.stop().await;

    let over_tls = Settings {
        secure_cookies: true,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), over_tls).await;
    let headers = headers_of(&server, "/signin").await;
    assert_eq!(
        headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    server.stop().await;
}

/// The report's standalone HTML keeps a policy of its own: its inline styles and charts,
/// nothing fetched, nothing framing it.
#[tokio::test]
async fn the_report_download_has_a_policy_for_its_inline_styles_only() {
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let owner = simulated_trained(&server, "headers", 200).await;
    let report = owner.page("/reports/attrition.html").await;
    assert_eq!(report.status, 200);
    assert!(report.content_type.starts_with("text/html"));
    assert_eq!(
        report.policy.as_deref(),
        Some(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        )
    );
    let page = owner.page("/reports").await;
    assert_eq!(page.status, 200);
    assert!(!page.policy.unwrap().contains("unsafe-inline"));
    server.stop().await;
}

/// `serve_tls` answers HTTPS with the certificate it is given (a client trusting only that
/// certificate connects), with Strict-Transport-Security; plain HTTP on its port gets no
/// answer.
#[tokio::test]
async fn https_is_served_with_the_given_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["tenure.test".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = tenure_server::TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, certified.cert.pem()).unwrap();
    std::fs::write(&files.key, certified.key_pair.serialize_pem()).unwrap();
    let database = TestDatabase::sqlite();
    let store = database.store().await;
    let settings = Settings {
        secure_cookies: true,
        workers: 0,
        ..Settings::default()
    };
    let state = tenure_server::AppState::new(store.clone(), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        tenure_server::serve_tls(listener, state, stopped, &files).await
    });

    let trusted = reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(trusted)
        .resolve("tenure.test", address)
        .build()
        .unwrap();
    let url = format!("https://tenure.test:{}/healthz", address.port());
    let answer = client.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let plain = reqwest::get(format!("http://{address}/healthz")).await;
    assert!(
        plain.as_ref().map_or(true, |a| !a.status().is_success()),
        "{plain:?}"
    );
    // A client that does not trust the certificate is refused.
    assert!(reqwest::Client::builder()
        .resolve("tenure.test", address)
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .is_err());

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    store.close().await;
}
