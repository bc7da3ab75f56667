//! The database out of reach: a server stays alive but says it is not ready, answers every
//! request that needs the database with a quick 503 and a Retry-After, its workers back off
//! instead of hammering the database, and everything resumes once it answers again.
//!
//! PostgreSQL is put out of reach by a TCP proxy the test cuts, as a restart would: the
//! connections open through it break, new ones are refused.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tenure_server::Settings;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// A TCP proxy to one address that can be cut (listening port closed, connections broken) and
/// restored on the same port.
struct Proxy {
    port: u16,
    target: SocketAddr,
    accepting: Mutex<Option<JoinHandle<()>>>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy {
            port,
            target,
            accepting: Mutex::new(None),
            connections: Arc::default(),
        };
        proxy.accept_on(listener);
        proxy
    }

    fn accept_on(&self, listener: TcpListener) {
        let (target, connections) = (self.target, self.connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let forwarding = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections.lock().unwrap().push(forwarding.abort_handle());
            }
        });
        *self.accepting.lock().unwrap() = Some(task);
    }

    /// Closes the port and breaks every connection through it.
    async fn cut(&self) {
        let accepting = self.accepting.lock().unwrap().take().unwrap();
        accepting.abort();
        let _ = accepting.await;
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.accept_on(listener);
    }

    /// `url` with its host and port replaced by the proxy's.
    fn in_front_of(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap();
        let credentials = authority.rsplit_once('@').map(|(c, _)| format!("{c}@"));
        format!(
            "{scheme}://{}127.0.0.1:{}/{path}",
            credentials.unwrap_or_default(),
            self.port
        )
    }
}

/// The host and port a PostgreSQL URL names.
async fn address_of(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    tokio::net::lookup_host(host_port)
        .await
        .unwrap()
        .next()
        .unwrap()
}

async fn health(server: &TestServer, path: &str) -> (u16, String) {
    let answer = reqwest::get(server.url(path)).await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// Polls `path` until it answers `status` (at most `seconds`).
async fn until_health(server: &TestServer, path: &str, status: u16, seconds: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let (now, body) = health(server, path).await;
        if now == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{path} still answers {now}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The waits (ms) workers of this test binary logged while backing off.
fn backoff_waits(logs: &CapturedLogs) -> Vec<u64> {
    logs.text()
        .lines()
        .filter(|line| line.contains("the job queue cannot be read; backing off"))
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|line| line["fields"]["wait_ms"].as_u64())
        .collect()
}

#[tokio::test]
async fn a_live_server_on_a_reachable_database_is_ready() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    assert_eq!(health(&server, "/livez").await, (200, "alive".into()));
    assert_eq!(health(&server, "/readyz").await, (200, "ready".into()));
    let (status, body) = health(&server, "/healthz").await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["live"], true);
    assert_eq!(body["ready"], true);
    assert_eq!(body["database"], "reachable");
    assert_eq!(body["stopping"], false);
    server.stop().await;
}

#[tokio::test]
async fn while_postgresql_is_out_of_reach_requests_get_a_quick_503_and_workers_back_off_then_resume(
) {
    let logs = capture_logs();
    let Some(mut database) = TestDatabase::postgres("outages").await else {
        return;
    };
    let proxy = Proxy::start(address_of(&database.url).await).await;
    database.url = proxy.in_front_of(&database.url);
    let server = TestServer::start(database, Settings::default()).await;
    let owner = member_organization(&server, "outage").await;
    owner.get("/api/v1/imports").await.expect(200);
    assert_eq!(health(&server, "/readyz").await.0, 200);

    proxy.cut().await;
    let asked = Instant::now();
    let refused = owner.get("/api/v1/imports").await;
    let waited = asked.elapsed();
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "unavailable");
    assert_eq!(refused.retry_after.as_deref(), Some("2"));
    assert!(waited < Duration::from_secs(4), "the 503 took {waited:?}");

    assert_eq!(health(&server, "/livez").await, (200, "alive".into()));
    assert_eq!(
        until_health(&server, "/readyz", 503, 10).await,
        "database unreachable"
    );
    let (status, body) = health(&server, "/healthz").await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 503);
    assert_eq!(
        (body["live"].clone(), body["ready"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(body["database"], "unreachable");

    // The workers wait longer after each failure.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !backoff_waits(&logs).iter().any(|&wait| wait >= 800) {
        assert!(
            Instant::now() < deadline,
            "no worker backed off: {:?}",
            backoff_waits(&logs)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    proxy.restore().await;
    until_health(&server, "/readyz", 200, 20).await;
    owner.get("/api/v1/imports").await.expect(200);
    // The workers resumed: a job queued now runs to its end.
    let (panel, mapping) = simulated_panel(40, 7);
    let job = owner.upload("panel.csv", &panel, &mapping).await;
    assert_eq!(owner.wait_for_job(job).await["status"], "succeeded");
    assert!(logs
        .text()
        .contains("the job queue answers again; resuming"));
    server.stop().await;
}
