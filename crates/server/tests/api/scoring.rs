//! The model's round trip through the API: upload, train, read scores — and logs of the whole run that carry no personal data or secrets.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;
use tenure_domain::Plan;
use tenure_server::Settings;

/// The whole path through the API on the real IBM file: upload (as a background job with
/// progress), train (which scores everyone), read scores, drivers, teams and the model card.
#[tokio::test]
async fn upload_train_and_read_scores_through_the_api() {
    for database in TestDatabase::all("upload_train_and_read_scores_through_the_api").await {
        let settings = Settings {
            training_threads: 1,
            ..Settings::default()
        };
        let server = TestServer::start(database, settings).await;
        let owner = server.sign_up("ibm", "owner@ibm.example").await;
        let csv =
            std::fs::read_to_string(shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")).unwrap();
        let done = owner
            .imported("WA_Fn-UseC_-HR-Employee-Attrition.csv", &csv, IBM_MAPPING)
            .await;
        assert_eq!(done["result"]["rows_added"], 1470);
        let imports = owner.get("/api/v1/imports").await.expect(200);
        assert_eq!(
            imports["items"][0]["file_name"],
            "WA_Fn-UseC_-HR-Employee-Attrition.csv"
        );

        // A broken file: the job fails with the CLI's precise error and nothing lands.
        let broken = csv.replacen("\n41,Yes,", "\nforty-one,Yes,", 1);
        assert_ne!(broken, csv, "the fixture line exists");
        let job = owner.upload("broken.csv", &broken, IBM_MAPPING).await;
        let failed = owner.wait_for_job(job).await;
        assert_eq!(failed["status"], "failed");
        let error = failed["error"].as_str().unwrap();
        assert!(
            error.starts_with("broken.csv:2:1 (column \"Age\"): expected a number"),
            "{error}"
        );
        assert_eq!(
            owner.get("/api/v1/imports").await.expect(200)["items"][0]["status"],
            "failed"
        );
        // Neither file is kept once its import has ended, landed or refused.
        let org = server.org("ibm").await;
        assert_eq!(server.store.uploads_waiting(org).await.unwrap(), 0);

        let trained = owner.trained(json!({"seed": 1})).await;
        assert_eq!(
            trained["result"]["people_scored"], 1233,
            "everyone still employed"
        );
        let model = owner.get("/api/v1/models/1").await.expect(200);
        let roc_auc = model["card"]["evaluation"]["roc_auc"]
            .as_f64()
            .unwrap_or_else(|| panic!("{model}"));
        assert!(roc_auc > 0.8, "{roc_auc}");
        let high = owner
            .get("/api/v1/scores?band=high&per_page=5")
            .await
            .expect(200);
        assert!(high["total"].as_u64().unwrap() > 0);
        let first = &high["items"][0];
        assert!(first["probability"].as_f64().unwrap() >= 0.25);
        assert!(
            !first["drivers"]["raising"].as_array().unwrap().is_empty(),
            "{first}"
        );
        let person = first["person"].as_str().unwrap();
        let one = owner
            .get(&format!("/api/v1/people/{person}/score"))
            .await
            .expect(200);
        assert_eq!(one["probability"], first["probability"]);
        let teams = owner.get("/api/v1/teams").await.expect(200);
        assert!(
            teams["teams"].as_array().unwrap().len() >= 5,
            "JobRole is the team: {teams}"
        );
        let summary = owner.get("/api/v1/summary").await.expect(200);
        assert_eq!(summary["figures"]["people"], 1233);
        // Organization-wide drivers from the stored contributions, strongest first.
        let drivers = owner.get("/api/v1/drivers").await.expect(200);
        let list = drivers["drivers"].as_array().unwrap();
        assert!(list.len() >= 5, "{drivers}");
        let strengths: Vec<f64> = list
            .iter()
            .map(|d| d["mean_abs_log_odds"].as_f64().unwrap())
            .collect();
        assert!(
            strengths.windows(2).all(|w| w[0] >= w[1]) && strengths[0] > 0.0,
            "{strengths:?}"
        );
        let top: Vec<&str> = list
            .iter()
            .take(5)
            .map(|d| d["factor"].as_str().unwrap())
            .collect();
        assert!(
            top.contains(&"OverTime"),
            "overtime drives attrition in the IBM data: {top:?}"
        );
        // Rescoring the same inputs changes nothing.
        let job = owner
            .post("/api/v1/scoring-runs", json!({}))
            .await
            .expect(202)["job_id"]
            .as_i64()
            .unwrap();
        let rescored = owner.wait_for_job(job).await;
        assert_eq!(
            (
                rescored["result"]["scores_written"].as_u64(),
                rescored["result"]["scores_unchanged"].as_u64()
            ),
            (Some(0), Some(1233)),
            "{rescored}"
        );
        server.stop().await;
    }
}

/// TRUST.md 30: a full run's logs carry no passwords, tokens, session ids, names, e-mail
/// addresses, person keys, salaries or scores.
#[tokio::test]
async fn the_logs_of_a_full_run_carry_no_personal_data_or_secrets() {
    let logs = capture_logs();
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server
        .sign_up("secretive", "olga.owner@secretive.example")
        .await;
    server.grant("secretive", Plan::Member).await;
    let csv =
        std::fs::read_to_string(shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")).unwrap();
    owner.imported("ibm.csv", &csv, IBM_MAPPING).await;
    server.seed_scores("secretive", "zq", 10, 1).await;
    let invitation = owner
        .post(
            "/api/v1/invitations",
            json!({"email": "harriet.hr@secretive.example", "role": "hr"}),
        )
        .await
        .expect(201);
    server
        .client("anonymous")
        .post("/api/v1/invitations/accept", json!({"token": invitation["token"], "display_name": "Harriet Hr", "password": "harriets secret pass"}))
        .await
        .expect(201);
    assert_eq!(
        server
            .login_status("harriet.hr@secretive.example", "a wrong guess!!")
            .await
            .0,
        401
    );
    let hr = server
        .login("harriet.hr@secretive.example", "harriets secret pass")
        .await;
    let token = owner
        .post(
            "/api/v1/tokens",
            json!({"name": "n", "scopes": ["scores:read"], "expires_in_days": 1}),
        )
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let score = server
        .bearer(&token)
        .get("/api/v1/people/zq-007/score")
        .await
        .expect(200);
    hr.get("/api/v1/scores").await.expect(200);
    server.stop().await;

    let text = logs.text();
    assert!(
        text.contains("\"route\":\"/api/v1/people/{person}/score\""),
        "the run was logged: {text}"
    );
    let mut secrets = vec![
        PASSWORD.to_owned(),
        "harriets secret pass".into(),
        "a wrong guess!!".into(),
        token.clone(),
        token[4..20].to_owned(),
        invitation["token"].as_str().unwrap().to_owned(),
        owner.cookie.clone().unwrap(),
        owner.csrf.clone().unwrap(),
        hr.cookie.clone().unwrap(),
        "olga.owner".into(),
        "harriet.hr".into(),
        "Harriet Hr".into(),
        "zq-007".into(),
        score["probability"].to_string(),
        // A salary from the uploaded file (MonthlyIncome of the first row).
        "5993".into(),
    ];
    secrets.retain(|s| s.len() >= 4);
    for secret in secrets {
        let line = text.lines().find(|line| mentions(line, &secret));
        assert!(line.is_none(), "the logs contain {secret:?}: {line:?}");
    }
}

/// Whether `text` holds `secret`; a number only where it starts a number, so that a random
/// port such as 45993 or a duration of 0.5993 ms is not taken for a salary of 5993.
fn mentions(text: &str, secret: &str) -> bool {
    if !secret.bytes().all(|b| b.is_ascii_digit()) {
        return text.contains(secret);
    }
    text.match_indices(secret).any(|(at, _)| {
        let before = text[..at].bytes().next_back();
        let after = text[at + secret.len()..].bytes().next();
        !before.is_some_and(|b| b.is_ascii_digit() || b == b'.')
            && !after.is_some_and(|b| b.is_ascii_digit())
    })
}

#[tokio::test]
async fn the_same_training_run_asked_for_twice_is_queued_once() {
    // No workers: what is queued stays queued while the test asks again.
    let settings = Settings {
        workers: 0,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let owner = member_organization(&server, "twice").await;
    let first = owner
        .post("/api/v1/models", json!({"seed": 1, "learner": "logistic"}))
        .await
        .expect(202)["job_id"]
        .as_i64()
        .unwrap();
    let again = owner
        .post("/api/v1/models", json!({"seed": 1, "learner": "logistic"}))
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.body["error"]["code"], "already_pending");
    assert!(again.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("GET /api/v1/jobs/{first}")));
    // Other settings are another run.
    owner
        .post("/api/v1/models", json!({"seed": 2, "learner": "logistic"}))
        .await
        .expect(202);
    let queued = owner.get("/api/v1/jobs").await.expect(200);
    assert_eq!(queued["total"], 2, "{queued}");
    server.stop().await;
}
