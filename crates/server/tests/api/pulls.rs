//! Scheduled pulls from an organization's HRIS, against a local HTTPS server and OpenSSH's
//! sshd started by the test: a scheduled pull lands and re-scores; an export missing half the
//! people is held back by the sync safety check (nothing of it lands, the source pauses, the
//! data page says so); SFTP by key, with the server's host key pinned; every pull listed.

use crate::support::report_servers::*;
use crate::support::scenarios::*;
use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;
use tenure_server::Settings;

/// The export without every other person on the payroll in its latest month (every row of
/// theirs): what a broken export leaves.
fn half_of(csv: &str) -> String {
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|r| r.split(',').collect()).collect();
    let latest = rows.iter().map(|r| r[1]).max().unwrap();
    let mut current: Vec<&str> = rows
        .iter()
        .filter(|r| r[1] == latest)
        .map(|r| r[0])
        .collect();
    current.sort_unstable();
    current.dedup();
    let dropped: std::collections::HashSet<&str> = current.iter().step_by(2).copied().collect();
    let mut out = format!("{header}\n");
    for row in rows.iter().filter(|r| !dropped.contains(r[0])) {
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// How many people an export holds.
fn people_in(csv: &str) -> usize {
    let ids: std::collections::HashSet<&str> = csv
        .lines()
        .skip(1)
        .map(|r| r.split(',').next().unwrap())
        .collect();
    ids.len()
}

/// Time passes: the queued scheduled pull, and the source, fall due now.
async fn make_due(server: &TestServer) {
    server
        .raw_execute("UPDATE jobs SET run_after = '2000-01-01T00:00:00.000Z' WHERE kind = 'pull' AND status = 'queued'")
        .await
        .unwrap();
    server
        .raw_execute("UPDATE data_sources SET next_pull_at = '2000-01-01T00:00:00.000Z'")
        .await
        .unwrap();
    server.state.job_wakeup.notify_one();
}

/// The pull history once it holds `count` pulls (up to a minute).
async fn pulls_once(owner: &Client, count: usize) -> Vec<Value> {
    for _ in 0..600 {
        let pulls = owner.get("/api/v1/data-source/pulls").await.expect(200);
        let pulls = pulls.as_array().unwrap().clone();
        if pulls.len() >= count {
            return pulls;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} pulls after a minute");
}

/// The scheduled pull waiting for its time.
async fn queued_pull(owner: &Client) -> i64 {
    let jobs = owner.get("/api/v1/jobs?per_page=100").await.expect(200);
    jobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "pull" && j["status"] == "queued")
        .and_then(|j| j["id"].as_i64())
        .expect("a scheduled pull is always queued")
}

/// Waits (up to a minute) until a job of `kind` later than job `after` has finished.
async fn finished_job(owner: &Client, kind: &str, after: i64) -> Value {
    for _ in 0..600 {
        let jobs = owner.get("/api/v1/jobs?per_page=100").await.expect(200);
        let done = jobs["items"].as_array().unwrap().iter().find(|j| {
            j["kind"] == kind
                && j["id"].as_i64().unwrap() > after
                && (j["status"] == "succeeded" || j["status"] == "failed")
        });
        if let Some(job) = done {
            return job.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {kind} job finished within a minute");
}

#[tokio::test]
async fn scheduled_pulls_land_from_https_and_sftp_and_an_export_missing_half_the_people_is_held_back(
) {
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let owner = simulated_trained(&server, "hris", 200).await;
    let org = server.store.organization("hris").await.unwrap().unwrap().id;
    let (_, mapping) = simulated_panel(200, 4);
    let (grown, _) = simulated_months(200, 37, 4);
    let before = server.store.counts(org).await.unwrap();

    // HTTPS with a basic sign-in and a private CA, on a schedule (nothing pulled at once).
    let https = HttpsReport::start(&grown).await;
    let saved = owner
        .put(
            "/api/v1/data-source",
            json!({"location": https.url, "auth": "basic", "username": REPORT_USER,
                   "secret": REPORT_PASSWORD, "ca_certificate": https.certificate,
                   "mapping": mapping, "every_hours": 24, "pull_now": false}),
        )
        .await
        .expect(200);
    assert_eq!(saved["secret_set"], true);
    assert!(!saved.to_string().contains(REPORT_PASSWORD), "never shown");
    assert_eq!(saved["file_name"], "report.csv");
    assert_eq!(https.requests(), 0, "nothing pulled before it is due");

    // The day passes: the scheduled pull lands, and everyone is scored again.
    make_due(&server).await;
    let pulls = pulls_once(&owner, 1).await;
    let landed = &pulls[0];
    assert_eq!(landed["status"], "landed", "{landed}");
    assert_eq!(landed["started_by"], "schedule");
    assert!(landed["rows_added"].as_i64().unwrap() > 0, "{landed}");
    assert_eq!(landed["people_in_file"], people_in(&grown));
    let after = server.store.counts(org).await.unwrap();
    assert!(after.snapshots > before.snapshots);
    assert_eq!(after.imports, before.imports + 1);
    let rescored = finished_job(&owner, "score", 0).await;
    assert_eq!(rescored["status"], "succeeded", "{rescored}");
    let source = owner.get("/api/v1/data-source").await.expect(200);
    let next: chrono::DateTime<chrono::Utc> =
        source["next_pull_at"].as_str().unwrap().parse().unwrap();
    assert!(
        next > chrono::Utc::now() + chrono::Duration::hours(23),
        "{source}"
    );

    // The export loses half the people: held back, nothing lands, the source pauses.
    https.serve(&half_of(&grown));
    let held = owner
        .post("/api/v1/data-source/pull", json!({}))
        .await
        .expect(202)["job_id"]
        .as_i64()
        .unwrap();
    let job = owner.wait_for_job(held).await;
    assert_eq!(job["result"]["status"], "paused", "{job}");
    let pulls = pulls_once(&owner, 2).await;
    let paused = &pulls[0];
    assert_eq!(paused["status"], "paused", "{paused}");
    assert_eq!(paused["rows_added"], 0);
    assert!(paused["people_leaving"].as_i64().unwrap() >= 50, "{paused}");
    assert!(paused["message"]
        .as_str()
        .unwrap()
        .contains("more than 40%"));
    let unchanged = server.store.counts(org).await.unwrap();
    assert_eq!(
        (unchanged.snapshots, unchanged.people, unchanged.imports),
        (after.snapshots, after.people, after.imports),
        "nothing of the held-back pull landed"
    );
    let source = owner.get("/api/v1/data-source").await.expect(200);
    assert!(source["paused_reason"]
        .as_str()
        .is_some_and(|r| r.contains("more than 40%")));
    let page = owner.page("/data").await;
    let html = String::from_utf8(page.body).unwrap();
    assert!(
        html.contains("Paused by the sync safety check"),
        "the data page says so"
    );

    // While paused, the schedule pulls nothing.
    let requests = https.requests();
    let scheduled = queued_pull(&owner).await;
    make_due(&server).await;
    let skipped = owner.wait_for_job(scheduled).await;
    assert_eq!(skipped["result"]["status"], "skipped", "{skipped}");
    assert_eq!(https.requests(), requests);

    // SFTP by key, the export fixed: saved again, the pause lifts; pulled at once; the
    // server's host key is pinned.
    let sftp = SftpServer::start(&grown).await;
    let saved = owner
        .put(
            "/api/v1/data-source",
            json!({"location": sftp.location(), "auth": "key", "username": sftp.user,
                   "secret": sftp.private_key, "mapping": mapping, "every_hours": 12}),
        )
        .await
        .expect(200);
    assert_eq!(saved["paused_reason"], Value::Null);
    assert!(!saved.to_string().contains("PRIVATE KEY"));
    let pulls = pulls_once(&owner, 3).await;
    let by_sftp = &pulls[0];
    assert_eq!(by_sftp["status"], "landed", "{by_sftp}");
    assert!(by_sftp["started_by"].as_str().unwrap().starts_with("user:"));
    assert!(by_sftp["rows_read"].as_i64().unwrap() > 0);
    assert_eq!(
        by_sftp["rows_added"], 0,
        "the same export again adds nothing"
    );
    let source = owner.get("/api/v1/data-source").await.expect(200);
    assert_eq!(source["host_key"], sftp.host_key_fingerprint().as_str());

    let audit = owner.get("/api/v1/audit?limit=500").await.expect(200);
    let actions: Vec<&str> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(actions.contains(&"data_source.configured") && actions.contains(&"pull.paused"));
    server.stop().await;
}

/// A source tenure could not use is refused with what to fix, and nothing of it is saved;
/// a report the mapping does not fit is refused at the pull, and nothing of it lands.
#[tokio::test]
async fn unusable_sources_are_refused_and_a_report_that_does_not_fit_lands_nothing() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = member_organization(&server, "badsource").await;
    let org = server
        .store
        .organization("badsource")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (csv, mapping) = simulated_panel(30, 2);
    let good = json!({"location": "https://hris.example/out/report.csv", "auth": "bearer",
                      "secret": "t0ken", "mapping": mapping, "every_hours": 24, "pull_now": false});
    let with = |change: Value| {
        let mut request = good.clone();
        for (k, v) in change.as_object().unwrap() {
            request[k] = v.clone();
        }
        request
    };
    for (change, status, says) in [
        (
            json!({"location": "http://hris.example/r.csv"}),
            422,
            "https",
        ),
        (
            json!({"auth": "password", "username": "u"}),
            422,
            "an sftp:// one",
        ),
        (json!({"auth": "basic"}), 422, "needs a user name"),
        (json!({"mapping": "this is [not toml"}), 422, "mapping"),
        (
            json!({"location": "sftp://h/r.csv", "auth": "key", "username": "u", "secret": "not a key"}),
            422,
            "private key",
        ),
        (json!({"ca_certificate": "not pem"}), 422, "PEM"),
        (json!({"every_hours": 0}), 400, "every_hours"),
        (json!({"location": "hris.example/r.csv"}), 400, "location"),
        (json!({"auth": "kerberos"}), 400, "auth"),
        (json!({"file_name": "../etc/passwd"}), 400, "file_name"),
    ] {
        let answer = owner.put("/api/v1/data-source", with(change.clone())).await;
        assert_eq!(answer.status, status, "{change}: {:?}", answer.body);
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{change}: {message}");
        assert_eq!(
            owner.get("/api/v1/data-source").await.status,
            404,
            "nothing saved"
        );
    }
    let mut no_secret = good.clone();
    no_secret.as_object_mut().unwrap().remove("secret");
    let answer = owner.put("/api/v1/data-source", no_secret).await;
    assert_eq!(answer.status, 422);
    assert_eq!(owner.get("/api/v1/data-source").await.status, 404);

    // A report without the mapping's columns: refused at the pull, nothing lands.
    let https = HttpsReport::start("name,when\nAna,2026-01-01\n").await;
    owner
        .put(
            "/api/v1/data-source",
            json!({"location": https.url, "auth": "basic", "username": REPORT_USER,
                   "secret": REPORT_PASSWORD, "ca_certificate": https.certificate,
                   "mapping": mapping, "every_hours": 24}),
        )
        .await
        .expect(200);
    let refused = &pulls_once(&owner, 1).await[0];
    assert_eq!(refused["status"], "refused", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("report.csv"),
        "names the file as the source does: {refused}"
    );
    let counts = server.store.counts(org).await.unwrap();
    assert_eq!((counts.snapshots, counts.people), (0, 0), "nothing landed");
    // A wrong password: failed, saying what the server answered.
    https.serve(&csv);
    owner
        .put(
            "/api/v1/data-source",
            json!({"location": https.url, "auth": "basic", "username": REPORT_USER,
                   "secret": "wrong", "ca_certificate": https.certificate,
                   "mapping": mapping, "every_hours": 24}),
        )
        .await
        .expect(200);
    let failed = &pulls_once(&owner, 2).await[0];
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["message"].as_str().unwrap().contains("401"),
        "{failed}"
    );
    assert_eq!(server.store.counts(org).await.unwrap().snapshots, 0);
    server.stop().await;
}
