//! The test harness: a real server on a random port over a fresh database, HTTP clients that
//! hold a session (cookie + CSRF token) or an API token, and fixtures.

#![allow(dead_code)]

pub mod identity_provider;
pub mod receivers;
pub mod report_servers;
pub mod scenarios;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tenure_data::Mapping;
use tenure_domain::{Clock, Membership, OrgId, Permission, Plan, RiskThresholds};
use tenure_ingest::{import_file, ImportRequest, Silent};
use tenure_server::secrets::{hash_secret, new_secret};
use tenure_server::{AppState, Settings};
use tenure_store::testing::raw;
pub use tenure_store::testing::TestDatabase;
use tenure_store::{Backend, NewApiToken, NewModel, NewScore, ScoreGroups, Store, StoreError};

pub const PASSWORD: &str = "correct horse battery staple";

pub fn shared_data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(file)
}

pub struct TestServer {
    pub base: String,
    pub store: Store,
    /// The server's state, to flush its caches after changing the store behind its back.
    pub state: AppState,
    database: Option<TestDatabase>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    pub http: reqwest::Client,
}

impl TestServer {
    pub async fn start(database: TestDatabase, settings: Settings) -> TestServer {
        TestServer::start_with_clock(database, settings, Clock::system()).await
    }

    /// A server reading the time from `clock`: a test moves a fake one on (`server.clock()`)
    /// instead of sleeping through a window.
    pub async fn start_with_clock(
        database: TestDatabase,
        mut settings: Settings,
        clock: Clock,
    ) -> TestServer {
        let store = database.store().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // Links the server writes (access links, sign-on's redirect URI) point at itself,
        // unless the test names an address of its own.
        if settings.public_url == Settings::default().public_url {
            settings.public_url = base.clone();
        }
        let state = AppState::with_clock(store.clone(), settings, clock);
        let served = state.clone();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            tenure_server::serve(listener, served, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            base,
            store,
            state,
            database: Some(database),
            shutdown: Some(shutdown),
            task: Some(task),
            // Pages redirect to the sign-in page: tests look at the redirect itself.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Waits (up to ten seconds) until no delivery of `org` is still pending.
    pub async fn wait_for_deliveries(&self, org: OrgId) {
        for _ in 0..200 {
            let pending = self
                .store
                .deliveries(org, Some("pending"), 1)
                .await
                .unwrap();
            if pending.is_empty() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("deliveries still pending after ten seconds");
    }

    /// Queues a ping for an organization of its own and waits (up to ten seconds) until a
    /// worker has run it: workers take the oldest runnable job first, so any job queued before
    /// it that still waits was passed over, not merely not reached yet.
    pub async fn a_later_job_runs(&self) {
        let bystander = self
            .store
            .ensure_organization("bystander", "Bystander")
            .await
            .unwrap()
            .id;
        let ping = tenure_monitor::JobSpec::Ping { pause_ms: 0 }.to_job(None);
        let id = self.store.enqueue_job(bystander, &ping).await.unwrap();
        self.state.job_wakeup.notify_one();
        for _ in 0..200 {
            let job = self
                .store
                .job(bystander, id)
                .await
                .unwrap()
                .expect("the ping");
            if job.status == tenure_store::JobStatus::Succeeded {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("a ping queued for another organization did not run within ten seconds");
    }

    pub fn clock(&self) -> &Clock {
        self.state.clock()
    }

    /// Graceful shutdown, then the database goes.
    pub async fn stop(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap();
        self.store.close().await;
        self.database.take().unwrap().remove().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn client(&self, label: &str) -> Client {
        Client {
            http: self.http.clone(),
            base: self.base.clone(),
            label: label.to_owned(),
            cookie: None,
            csrf: None,
            bearer: None,
            user_id: 0,
            set_cookie: None,
        }
    }

    pub fn bearer(&self, token: &str) -> Client {
        Client {
            bearer: Some(token.to_owned()),
            ..self.client("token")
        }
    }

    pub async fn sign_up(&self, slug: &str, email: &str) -> Client {
        let body = json!({
            "organization_slug": slug, "organization_name": format!("{slug} Ltd"),
            "email": email, "display_name": format!("Owner of {slug}"), "password": PASSWORD,
        });
        let answer = self.client("owner").post("/api/v1/signup", body).await;
        let me = answer.clone().expect(201);
        signed_in(self.client("owner"), &answer, &me)
    }

    pub async fn login(&self, email: &str, password: &str) -> Client {
        self.login_with_cookie(email, password, None).await
    }

    /// Logs in, presenting `cookie` as an existing session id.
    pub async fn login_with_cookie(
        &self,
        email: &str,
        password: &str,
        cookie: Option<&str>,
    ) -> Client {
        let mut client = self.client(email);
        client.cookie = cookie.map(str::to_owned);
        let answer = client
            .post(
                "/api/v1/login",
                json!({"email": email, "password": password}),
            )
            .await;
        let me = answer.clone().expect(200);
        signed_in(self.client(email), &answer, &me)
    }

    /// The status of a login attempt and its Retry-After.
    pub async fn login_status(&self, email: &str, password: &str) -> (u16, Option<u64>) {
        let response = self
            .http
            .post(self.url("/api/v1/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        let retry = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse().ok());
        (response.status().as_u16(), retry)
    }

    /// Invites `email` with `assignment` and accepts; returns the new member's user id.
    pub async fn invite_and_join(&self, inviter: &Client, email: &str, assignment: Value) -> i64 {
        let mut body = assignment;
        body["email"] = json!(email);
        let invitation = inviter.post("/api/v1/invitations", body).await.expect(201);
        let accept =
            json!({"token": invitation["token"], "display_name": "Member", "password": PASSWORD});
        self.client("anonymous")
            .post("/api/v1/invitations/accept", accept)
            .await
            .expect(201);
        let user = self.store.user_by_email(email).await.unwrap().unwrap();
        user.id
    }

    /// A signed-in member with this role and scope.
    pub async fn join_as(&self, inviter: &Client, email: &str, assignment: Value) -> Client {
        self.invite_and_join(inviter, email, assignment).await;
        self.login(email, PASSWORD).await
    }

    pub async fn org(&self, slug: &str) -> OrgId {
        self.store.organization(slug).await.unwrap().unwrap().id
    }

    /// A plan active for a year.
    pub async fn grant(&self, slug: &str, plan: Plan) {
        self.grant_until(slug, plan, 365).await;
    }

    /// A plan whose last day is `days` from today (negative: already expired).
    pub async fn grant_until(&self, slug: &str, plan: Plan, days: i64) {
        let org = self.org(slug).await;
        let expires_on = Utc::now().date_naive() + Duration::days(days);
        self.store
            .set_membership(org, Membership { plan, expires_on })
            .await
            .unwrap();
        self.state.forget_organization(org);
    }

    /// `people` people named `{prefix}-000`… in a small hierarchy — person 0 at the top,
    /// persons 1–3 leading teams 0–2, everyone else in team `i % 3` under its lead — imported
    /// as a cross-section and scored by `versions` stored models.
    pub async fn seed_scores(&self, slug: &str, prefix: &str, people: usize, versions: i64) {
        let org = self.org(slug).await;
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("people.csv");
        let mut csv = String::from("id,team,department,manager,pay,left\n");
        for i in 0..people {
            let (team, manager) = placement(prefix, i);
            csv.push_str(&format!(
                "{},{},dept-{},{},{},{}\n",
                key(prefix, i),
                team.unwrap_or_default(),
                i % 2,
                manager.unwrap_or_default(),
                3000 + 37 * i,
                if i % 4 == 0 { "yes" } else { "no" }
            ));
        }
        std::fs::write(&path, csv).unwrap();
        let mapping = Mapping::from_toml_str(
            "id = \"id\"\ntarget = \"left\"\npositive = \"yes\"\n[roles]\nteam = \"team\"\ndepartment = \"department\"\nmanager = \"manager\"\npay = \"pay\"\n",
            Path::new("mapping"),
        )
        .unwrap();
        let request = ImportRequest {
            path: &path,
            mapping,
            org,
            max_errors: 5,
            replace: false,
        };
        import_file(&self.store, request, &Silent).await.unwrap();
        for _ in 0..versions {
            let model = NewModel {
                shape: "cross_section".into(),
                horizon_months: None,
                description: "fixture".into(),
                card: json!({"fixture": true}),
                artifact: "{}".into(),
                held_reason: None,
            };
            let version = self.store.save_model(org, &model).await.unwrap();
            let scores: Vec<NewScore> = (0..people).map(|i| fixture_score(prefix, i)).collect();
            self.store.save_scores(org, version, &scores).await.unwrap();
        }
        self.state.forget_organization(org);
    }

    /// An API token made directly in the store (so its expiry can be anything).
    pub async fn insert_token(&self, slug: &str, scopes: &[&str], expires_in: Duration) -> String {
        let org = self.org(slug).await;
        let owner = self
            .store
            .members(org)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.role == tenure_domain::Role::Owner)
            .unwrap();
        let token = new_secret("tnr_");
        let scopes: Vec<Permission> = scopes
            .iter()
            .map(|s| Permission::parse_scope(s).unwrap())
            .collect();
        let new = NewApiToken {
            name: "direct",
            token_hash: &hash_secret(&token),
            scopes: &scopes,
            created_by: owner.user_id,
            expires_at: Utc::now() + expires_in,
        };
        self.store.create_api_token(org, &new).await.unwrap();
        token
    }

    /// Everything an organization holds, as text, to compare before and after.
    /// Every cell of every table that names `needle` as a whole word: "table.column = value".
    pub async fn rows_mentioning(&self, needle: &str) -> Vec<String> {
        raw::every_cell(&self.store)
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, _, value)| names_word(value, needle))
            .map(|(table, column, value)| format!("{table}.{column} = {value}"))
            .collect()
    }

    pub async fn organization_state(&self, slug: &str) -> String {
        let org = self.org(slug).await;
        let s = &self.store;
        let mut scores = Vec::new();
        for model in s.models(org).await.unwrap() {
            scores.push(s.scores(org, model.version).await.unwrap());
        }
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            s.organization(slug).await.unwrap(),
            s.members(org).await.unwrap(),
            s.invitations(org).await.unwrap(),
            s.api_tokens(org).await.unwrap(),
            s.jobs(org, 1000).await.unwrap(),
            s.models(org).await.unwrap(),
            scores,
            s.audit_log(org, 0, 100_000).await.unwrap(),
        )
    }

    pub async fn raw_execute(&self, sql: &str) -> Result<(), StoreError> {
        raw::execute(&self.store, sql).await
    }

    pub async fn raw_strings(&self, sql: &str) -> Vec<String> {
        raw::strings(&self.store, sql).await.unwrap()
    }

    /// Removes the database's append-only guard, as an attacker with full access could.
    pub async fn drop_audit_guard(&self) {
        let statements: &[&str] = match self.store.backend() {
            Backend::Sqlite => &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
            Backend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
        };
        for sql in statements {
            self.raw_execute(sql).await.unwrap();
        }
    }
}

fn key(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i:03}")
}

/// A person's team and manager in the fixture hierarchy.
fn placement(prefix: &str, i: usize) -> (Option<String>, Option<String>) {
    match i {
        0 => (None, None),
        1..=3 => (
            Some(format!("{prefix}-team-{}", i - 1)),
            Some(key(prefix, 0)),
        ),
        _ => (
            Some(format!("{prefix}-team-{}", i % 3)),
            Some(key(prefix, i % 3 + 1)),
        ),
    }
}

fn fixture_score(prefix: &str, i: usize) -> NewScore {
    // The odd last digits make each probability a string no log line carries by chance
    // (a bare "0.11" matched a latency once), so the log scan can look for it.
    let probability = 0.023_917 + ((i * 37) % 50) as f64 / 100.0;
    let (team, manager) = placement(prefix, i);
    NewScore {
        person: key(prefix, i),
        as_of: String::new(),
        probability: Some(probability),
        band: RiskThresholds::default().band(probability),
        abstained: None,
        drivers: json!({"raising": [{"factor": "pay", "log_odds": 0.4, "words": "pay 10% below the peer median"}], "holding_down": []}),
        input_hash: format!("fixture-{i}"),
        groups: ScoreGroups {
            team,
            department: Some(format!("dept-{}", i % 2)),
            manager,
        },
    }
}

fn signed_in(mut client: Client, answer: &Answer, me: &Value) -> Client {
    let header = answer.set_cookie.clone().expect("a session cookie");
    let value = header
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    client.cookie = Some(value);
    client.set_cookie = Some(header);
    client.csrf = me["csrf_token"].as_str().map(str::to_owned);
    client.user_id = me["user_id"].as_i64().unwrap();
    client
}

/// Someone calling the API: by session cookie (with its CSRF token), by bearer token, or anonymously.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    pub label: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub user_id: i64,
    /// The Set-Cookie header that made the session.
    pub set_cookie: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub set_cookie: Option<String>,
    pub request_id: Option<String>,
    pub retry_after: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

/// A page's answer: status, the headers pages care about, and the bytes.
#[derive(Debug, Clone)]
pub struct PageAnswer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub disposition: Option<String>,
    /// The Content-Security-Policy it came with.
    pub policy: Option<String>,
    pub body: Vec<u8>,
}

impl PageAnswer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Answer {
    /// The body, after checking the status.
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self.body
    }
}

impl Client {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", format!("tenure_session={cookie}"));
        }
        if let Some(csrf) = &self.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        request
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.unwrap()).await
    }

    /// A POST of `body` with one more header.
    pub async fn post_with_header(&self, path: &str, body: Value, header: (&str, &str)) -> Answer {
        let request = self
            .request(Method::POST, path)
            .header(header.0, header.1)
            .json(&body);
        answer(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("get", path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call("put", path, Some(body)).await
    }

    /// Records the governance that switches scoring on (an owner's call).
    pub async fn switch_on_scoring(&self) {
        self.put(
            "/api/v1/governance",
            serde_json::json!({
                "legal_basis": "GDPR art. 6(1)(f); works agreement 2026-01",
                "impact_assessment": "DPIA-2026-004",
                "workers_informed_on": "2026-01-15",
            }),
        )
        .await
        .expect(200);
    }

    /// The status of a GET whose body is a stream (server-sent events), without reading it.
    pub async fn status_of_stream(&self, path: &str) -> u16 {
        self.request(Method::GET, path)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Opens a server-sent event stream.
    pub async fn open_stream(&self, path: &str) -> EventStream {
        let response = self
            .request(Method::GET, path)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// A page or download, as the browser would get it.
    pub async fn page(&self, path: &str) -> PageAnswer {
        let response = self.request(Method::GET, path).send().await.unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (content_type, location, disposition, policy) = (
            header("content-type").unwrap_or_default(),
            header("location"),
            header("content-disposition"),
            header("content-security-policy"),
        );
        PageAnswer {
            status: response.status().as_u16(),
            content_type,
            location,
            disposition,
            policy,
            body: response.bytes().await.unwrap().to_vec(),
        }
    }

    pub async fn get_text(&self, path: &str) -> String {
        let response = self.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.text().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("post", path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call("patch", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call("delete", path, None).await
    }

    /// Uploads a file; returns the import job's id.
    pub async fn upload(&self, file_name: &str, content: &str, mapping: &str) -> i64 {
        self.upload_answer(file_name, content, mapping)
            .await
            .expect(202)["job_id"]
            .as_i64()
            .unwrap()
    }

    /// The answer to an upload, whatever it is.
    pub async fn upload_answer(&self, file_name: &str, content: &str, mapping: &str) -> Answer {
        let form = reqwest::multipart::Form::new()
            .text("mapping", mapping.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::text(content.to_owned()).file_name(file_name.to_owned()),
            );
        let response = self
            .request(Method::POST, "/api/v1/imports")
            .multipart(form)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// A form to `path` (an upload or its preview) with a mapping but no file.
    /// Sends `parts` (name, file name for the file part, bytes) as a multipart form to `path`.
    pub async fn multipart(&self, path: &str, parts: Vec<(&str, Option<&str>, Vec<u8>)>) -> Answer {
        self.multipart_with_headers(path, parts, &[]).await
    }

    /// [`Client::multipart`] with extra request headers.
    pub async fn multipart_with_headers(
        &self,
        path: &str,
        parts: Vec<(&str, Option<&str>, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut form = reqwest::multipart::Form::new();
        for (name, file_name, bytes) in parts {
            let mut part = reqwest::multipart::Part::bytes(bytes);
            if let Some(file_name) = file_name {
                part = part.file_name(file_name.to_owned());
            }
            form = form.part(name.to_owned(), part);
        }
        let mut request = self.request(Method::POST, path).multipart(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.unwrap()).await
    }

    /// A form to `path` (an upload or its preview) with a mapping but no file.
    pub async fn upload_form_without_file(&self, path: &str) -> Answer {
        let form = reqwest::multipart::Form::new().text("mapping", "id = \"id\"\n");
        answer(
            self.request(Method::POST, path)
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Polls a job until it ends (at most five minutes).
    pub async fn wait_for_job(&self, id: i64) -> Value {
        for _ in 0..1_500 {
            let job = self.get(&format!("/api/v1/jobs/{id}")).await.expect(200);
            if job["status"] == "succeeded" || job["status"] == "failed" {
                return job;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("job {id} did not finish");
    }
}

/// A server-sent event stream being read.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

/// One server-sent event: its name, id and data.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerEvent {
    pub event: String,
    pub id: String,
    pub data: String,
}

impl EventStream {
    /// The next event (comments and keep-alives skipped), or `None` after `seconds`.
    pub async fn next(&mut self, seconds: u64) -> Option<ServerEvent> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = ServerEvent {
                    event: String::new(),
                    id: String::new(),
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        event.id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        event.data.push_str(v.trim_start());
                    }
                }
                if !event.event.is_empty() || !event.data.is_empty() {
                    return Some(event);
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let set_cookie = header("set-cookie");
    let request_id = header("x-request-id");
    let retry_after = header("retry-after");
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        body,
        set_cookie,
        request_id,
        retry_after,
        headers,
    }
}

/// The HTTP methods an OpenAPI path item defines.
pub fn methods_of(item: &utoipa::openapi::PathItem) -> Vec<&'static str> {
    let mut methods = Vec::new();
    for (present, name) in [
        (item.get.is_some(), "get"),
        (item.post.is_some(), "post"),
        (item.put.is_some(), "put"),
        (item.patch.is_some(), "patch"),
        (item.delete.is_some(), "delete"),
    ] {
        if present {
            methods.push(name);
        }
    }
    methods
}

/// `/api/v1/people/r-004/score` → `/api/v1/people/{person}/score`, by matching the document's paths.
pub fn template_of(path: &str) -> String {
    let path = path.split('?').next().unwrap();
    let document = tenure_server::openapi();
    let parts: Vec<&str> = path.split('/').collect();
    for template in document.paths.paths.keys() {
        let pattern: Vec<&str> = template.split('/').collect();
        let same = pattern.len() == parts.len()
            && pattern
                .iter()
                .zip(&parts)
                .all(|(p, actual)| p == actual || (p.starts_with('{') && p.ends_with('}')));
        if same && (template == path || template.contains('{')) {
            return template.clone();
        }
    }
    path.to_owned()
}

/// Runs the futures concurrently on the runtime and collects their outputs in order.
pub async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

/// Everything logged by this test binary (all tests), as JSON lines.
#[derive(Clone)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once) a subscriber that records every log line at `debug` and above, in the
/// server's own JSON format.
pub fn capture_logs() -> CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = CapturedLogs(Arc::default());
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(move || writer.clone())
            .init();
        logs
    })
    .clone()
}

/// Whether `text` holds `word` with no letter, digit, `-` or `_` on either side.
fn names_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(part)
            && !text[at + word.len()..].chars().next().is_some_and(part)
    })
}
