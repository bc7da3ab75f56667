//! The service end to end: the real server on a random port against a fresh database (SQLite
//! always, PostgreSQL when `TENURE_TEST_DATABASE_URL` is set), driven over HTTP.

mod pages;
mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use support::receivers::{signature_is_valid, SmtpServer, WebhookReceiver};
use support::*;
use tenure_domain::{Membership, Plan};
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

/// TRUST.md 1–2: a member of A walking every route with B's ids gets 404, and B is unchanged.
#[tokio::test]
async fn every_route_answers_404_for_another_organizations_ids() {
    for database in TestDatabase::all("every_route_answers_404_for_another_organizations_ids").await
    {
        let server = TestServer::start(database, Settings::default()).await;
        let a = server.sign_up("org-a", "owner@a.example").await;
        let b = server.sign_up("org-b", "owner@b.example").await;
        for slug in ["org-a", "org-b"] {
            server.grant(slug, Plan::Member).await;
        }
        server.seed_scores("org-a", "a", 12, 1).await;
        server.seed_scores("org-b", "b", 12, 2).await;
        let b_member = server
            .invite_and_join(&b, "hr@b.example", json!({"role": "hr"}))
            .await;
        // Fairness audits are the auditor's: A's auditor walks those routes.
        let a_auditor = server
            .join_as(&a, "auditor@a.example", json!({"role": "auditor"}))
            .await;
        let b_invitation = b
            .post(
                "/api/v1/invitations",
                json!({"email": "later@b.example", "role": "auditor"}),
            )
            .await
            .expect(201)["id"]
            .clone();
        let b_token = b
            .post(
                "/api/v1/tokens",
                json!({"name": "b", "scopes": ["aggregates:read"], "expires_in_days": 5}),
            )
            .await
            .expect(201)["id"]
            .clone();
        let b_job = b
            .upload(
                "bad.csv",
                "id,left\n",
                "id = \"id\"\ntarget = \"left\"\npositive = \"yes\"\n",
            )
            .await;
        b.wait_for_job(b_job).await;
        let org_b = server.org("org-b").await;
        let b_hook = b
            .post(
                "/api/v1/webhooks",
                json!({"url": "http://127.0.0.1:9/hook"}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        let b_delivery = server
            .store
            .create_delivery(
                org_b,
                None,
                tenure_store::Channel::Webhook(b_hook),
                &json!({"type": "test"}),
            )
            .await
            .unwrap();
        let b_warning = server
            .store
            .raise_warnings(
                org_b,
                &[tenure_store::NewWarning {
                    person: Some("b-003".into()),
                    model_version: 2,
                    triggers: json!({}),
                    drivers: json!([]),
                    groups: Default::default(),
                }],
            )
            .await
            .unwrap()[0]
            .public_id
            .clone();
        let b_ids: BTreeMap<&str, String> = BTreeMap::from([
            ("user_id", b_member.to_string()),
            ("id", String::new()),
            ("version", "2".to_owned()),
            ("team", "b-team-0".to_owned()),
            ("person", "b-003".to_owned()),
        ]);
        let ids_by_route: BTreeMap<&str, String> = BTreeMap::from([
            ("/api/v1/invitations/{id}", b_invitation.to_string()),
            ("/api/v1/tokens/{id}", b_token.to_string()),
            ("/api/v1/jobs/{id}", b_job.to_string()),
            ("/api/v1/webhooks/{id}", b_hook.to_string()),
            ("/api/v1/webhooks/{id}/test", b_hook.to_string()),
            ("/api/v1/deliveries/{id}/replay", b_delivery.to_string()),
            ("/api/v1/warnings/{id}", b_warning.clone()),
            ("/api/v1/warnings/{id}/acknowledge", b_warning.clone()),
            ("/api/v1/warnings/{id}/actions", b_warning.clone()),
            ("/api/v1/warnings/{id}/close", b_warning.clone()),
            ("/api/v1/warnings/{id}/dismiss", b_warning.clone()),
        ]);
        let before = server.organization_state("org-b").await;
        let document = tenure_server::openapi();
        let mut walked = 0;
        for (path, item) in document.paths.paths.iter() {
            if !path.contains('{') {
                continue;
            }
            for method in methods_of(item) {
                let mut url = path.clone();
                for (name, value) in &b_ids {
                    let value = if *name == "id" && path.contains("{id}") {
                        ids_by_route[path.as_str()].clone()
                    } else {
                        value.clone()
                    };
                    url = url.replace(&format!("{{{name}}}"), &value);
                }
                let body = match (method, path.rsplit('/').next()) {
                    ("patch", _) => json!({"role": "auditor"}),
                    (_, Some("actions")) => json!({"what": "stay conversation"}),
                    (_, Some("close")) => json!({"decision": "kept", "reason": "talked"}),
                    (_, Some("dismiss")) => json!({"reason": "data error"}),
                    _ => json!({}),
                };
                let caller = if path.ends_with("/fairness") {
                    &a_auditor
                } else {
                    &a
                };
                let answer = caller.call(method, &url, Some(body)).await;
                assert_eq!(
                    answer.status, 404,
                    "{method} {url} as a member of A answered {}: {}",
                    answer.status, answer.body
                );
                walked += 1;
            }
        }
        assert!(walked >= 8, "only {walked} routes with ids");
        // Collections only ever list the caller's own organization.
        let scores = a.get("/api/v1/scores?per_page=500").await.expect(200);
        assert!(scores["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["person"].as_str().unwrap().starts_with("a-")));
        let members = a.get("/api/v1/members").await.expect(200);
        assert_eq!(
            members.as_array().unwrap().len(),
            2,
            "A's owner and auditor"
        );
        assert_eq!(
            a.get("/api/v1/models")
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(a.get("/api/v1/jobs").await.expect(200)["items"]
            .as_array()
            .unwrap()
            .is_empty());
        assert!(a
            .get("/api/v1/tokens")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty());
        let after = server.organization_state("org-b").await;
        assert!(
            after == before,
            "organization B changed:\nbefore {before}\nafter {after}"
        );
        server.stop().await;
    }
}

/// TRUST.md 3–4: each role × each endpoint gets the expected status; deny by default.
#[tokio::test]
async fn each_role_gets_exactly_its_permissions_on_every_endpoint() {
    for database in
        TestDatabase::all("each_role_gets_exactly_its_permissions_on_every_endpoint").await
    {
        let server = TestServer::start(database, Settings::default()).await;
        let owner = server.sign_up("roles", "owner@roles.example").await;
        server.grant("roles", Plan::Member).await;
        server.seed_scores("roles", "r", 20, 1).await;
        let hr = server
            .join_as(&owner, "hr@roles.example", json!({"role": "hr"}))
            .await;
        let manager = server
            .join_as(
                &owner,
                "manager@roles.example",
                json!({"role": "manager", "manager_key": "r-000"}),
            )
            .await;
        let auditor = server
            .join_as(&owner, "auditor@roles.example", json!({"role": "auditor"}))
            .await;
        // (method, path, body, [owner, hr, manager, auditor])
        let matrix: Vec<(&str, &str, Value, [u16; 4])> = vec![
            ("get", "/api/v1/me", json!(null), [200, 200, 200, 200]),
            (
                "put",
                "/api/v1/me/locale",
                json!({"locale": "en"}),
                [200, 200, 200, 200],
            ),
            ("get", "/api/v1/members", json!(null), [200, 403, 403, 403]),
            (
                "patch",
                "/api/v1/members/999999",
                json!({"role": "hr"}),
                [404, 403, 403, 403],
            ),
            (
                "delete",
                "/api/v1/members/999999",
                json!(null),
                [404, 403, 403, 403],
            ),
            (
                "get",
                "/api/v1/invitations",
                json!(null),
                [200, 403, 403, 403],
            ),
            (
                "post",
                "/api/v1/invitations",
                json!({"email": "not an address", "role": "hr"}),
                [400, 403, 403, 403],
            ),
            (
                "delete",
                "/api/v1/invitations/999999",
                json!(null),
                [404, 403, 403, 403],
            ),
            ("get", "/api/v1/tokens", json!(null), [200, 403, 403, 403]),
            (
                "post",
                "/api/v1/tokens",
                json!({"name": "", "scopes": ["aggregates:read"], "expires_in_days": 1}),
                [400, 403, 403, 403],
            ),
            (
                "delete",
                "/api/v1/tokens/999999",
                json!(null),
                [404, 403, 403, 403],
            ),
            ("get", "/api/v1/plan", json!(null), [200, 403, 403, 403]),
            ("get", "/api/v1/imports", json!(null), [200, 200, 403, 403]),
            (
                "post",
                "/api/v1/imports",
                json!("multipart without a file"),
                [400, 400, 403, 403],
            ),
            ("get", "/api/v1/jobs", json!(null), [200, 200, 403, 403]),
            (
                "get",
                "/api/v1/jobs/999999",
                json!(null),
                [404, 404, 403, 403],
            ),
            ("get", "/api/v1/models", json!(null), [200, 200, 403, 200]),
            (
                "post",
                "/api/v1/models",
                json!({"learner": "no such learner"}),
                [400, 400, 403, 403],
            ),
            ("get", "/api/v1/models/1", json!(null), [200, 200, 403, 200]),
            (
                "post",
                "/api/v1/scoring-runs",
                json!({"model_version": 999999}),
                [404, 404, 403, 403],
            ),
            ("get", "/api/v1/summary", json!(null), [200, 200, 200, 200]),
            ("get", "/api/v1/teams", json!(null), [200, 200, 200, 200]),
            ("get", "/api/v1/drivers", json!(null), [200, 200, 200, 200]),
            (
                "get",
                "/api/v1/teams/r-team-0",
                json!(null),
                [200, 200, 200, 200],
            ),
            ("get", "/api/v1/scores", json!(null), [200, 200, 403, 403]),
            (
                "get",
                "/api/v1/people/r-004/score",
                json!(null),
                [200, 200, 403, 403],
            ),
            (
                "post",
                "/api/v1/people/r-004/what-if",
                json!({"pay_change_percent": 500}),
                [400, 400, 403, 403],
            ),
            ("get", "/api/v1/audit", json!(null), [200, 403, 403, 200]),
            (
                "get",
                "/api/v1/audit/export",
                json!(null),
                [200, 403, 403, 200],
            ),
            (
                "get",
                "/api/v1/audit/verify",
                json!(null),
                [200, 403, 403, 200],
            ),
            (
                "post",
                "/api/v1/events",
                json!({"person": "r-000", "kind": "no_such_kind"}),
                [400, 400, 403, 403],
            ),
            (
                "post",
                "/api/v1/events/batch",
                json!({"events": []}),
                [400, 400, 403, 403],
            ),
            ("get", "/api/v1/warnings", json!(null), [200, 200, 403, 403]),
            (
                "get",
                "/api/v1/warnings/stream",
                json!(null),
                [200, 200, 403, 403],
            ),
            (
                "get",
                "/api/v1/warnings/nope",
                json!(null),
                [404, 404, 403, 403],
            ),
            (
                "post",
                "/api/v1/warnings/nope/acknowledge",
                json!({}),
                [404, 404, 403, 403],
            ),
            (
                "post",
                "/api/v1/warnings/nope/actions",
                json!({"what": "stay conversation"}),
                [404, 404, 403, 403],
            ),
            (
                "post",
                "/api/v1/warnings/nope/close",
                json!({"decision": "kept", "reason": "talked"}),
                [404, 404, 403, 403],
            ),
            (
                "post",
                "/api/v1/warnings/nope/dismiss",
                json!({"reason": "data error"}),
                [404, 404, 403, 403],
            ),
            (
                "get",
                "/api/v1/warning-policy",
                json!(null),
                [200, 200, 403, 200],
            ),
            (
                "put",
                "/api/v1/warning-policy",
                json!({"rules": [{"rule": "rises_by", "points": 15.0, "days": 90}], "cooldown_days": 30}),
                [400, 403, 403, 403],
            ),
            ("get", "/api/v1/webhooks", json!(null), [200, 403, 403, 403]),
            (
                "post",
                "/api/v1/webhooks",
                json!({"url": "ftp://example.org/hook"}),
                [400, 403, 403, 403],
            ),
            (
                "delete",
                "/api/v1/webhooks/999999",
                json!(null),
                [404, 403, 403, 403],
            ),
            (
                "post",
                "/api/v1/webhooks/999999/test",
                json!({}),
                [404, 403, 403, 403],
            ),
            (
                "get",
                "/api/v1/deliveries",
                json!(null),
                [200, 403, 403, 403],
            ),
            (
                "post",
                "/api/v1/deliveries/999999/replay",
                json!({}),
                [404, 403, 403, 403],
            ),
            (
                "get",
                "/api/v1/email-settings",
                json!(null),
                [200, 403, 403, 403],
            ),
            (
                "put",
                "/api/v1/email-settings",
                json!({"smtp_host": "", "smtp_port": 25, "from": "a@roles.example", "to": ["hr@roles.example"]}),
                [400, 403, 403, 403],
            ),
            (
                "delete",
                "/api/v1/email-settings",
                json!(null),
                [204, 403, 403, 403],
            ),
            (
                "get",
                "/api/v1/governance",
                json!(null),
                [200, 403, 403, 200],
            ),
            (
                "put",
                "/api/v1/governance",
                json!({"legal_basis": "", "impact_assessment": "DPIA-1", "workers_informed_on": "2026-01-01"}),
                [400, 403, 403, 403],
            ),
            (
                "get",
                "/api/v1/trust-settings",
                json!(null),
                [200, 403, 403, 200],
            ),
            (
                "put",
                "/api/v1/trust-settings",
                json!({"retention_months": null, "fairness_gate": false, "min_group_size": 4}),
                [400, 403, 403, 403],
            ),
            (
                "get",
                "/api/v1/models/1/fairness",
                json!(null),
                [403, 403, 403, 200],
            ),
            (
                "get",
                "/api/v1/accuracy-checks",
                json!(null),
                [200, 200, 403, 200],
            ),
            (
                "get",
                "/api/v1/people/r-004/record",
                json!(null),
                [200, 403, 403, 403],
            ),
            (
                "delete",
                "/api/v1/people/nobody-here",
                json!(null),
                [404, 403, 403, 403],
            ),
        ];
        // Every route of the document is in the matrix, so a new endpoint cannot skip it.
        let covered: std::collections::BTreeSet<(String, String)> = matrix
            .iter()
            .map(|(m, p, _, _)| (m.to_string(), template_of(p)))
            .collect();
        let public = [
            "/api/v1/signup",
            "/api/v1/login",
            "/api/v1/logout",
            "/api/v1/invitations/accept",
        ];
        for (path, item) in tenure_server::openapi().paths.paths.iter() {
            for method in methods_of(item) {
                if public.contains(&path.as_str()) {
                    continue;
                }
                assert!(
                    covered.contains(&(method.to_owned(), path.clone())),
                    "{method} {path} is missing from the role matrix"
                );
            }
        }
        for (method, path, body, expected) in &matrix {
            for (client, want) in [&owner, &hr, &manager, &auditor].into_iter().zip(expected) {
                let answer = if *path == "/api/v1/imports" && *method == "post" {
                    client.upload_form_without_file().await
                } else if path.ends_with("/stream") {
                    let status = client.status_of_stream(path).await;
                    assert_eq!(status, *want, "{method} {path} as {}", client.label);
                    continue;
                } else {
                    client
                        .call(method, path, (!body.is_null()).then(|| body.clone()))
                        .await
                };
                assert_eq!(
                    answer.status, *want,
                    "{method} {path} as {}: {}",
                    client.label, answer.body
                );
            }
        }
        // Managers never get an individual score, whatever they ask.
        for path in [
            "/api/v1/scores",
            "/api/v1/scores?band=high",
            "/api/v1/people/r-001/score",
            "/api/v1/people/r-000/score",
        ] {
            assert_eq!(manager.get(path).await.status, 403);
        }
        // A user with no membership at all has no permission anywhere.
        let nobody = server.client("nobody");
        assert_eq!(nobody.get("/api/v1/summary").await.status, 401);
        server.stop().await;
    }
}

#[tokio::test]
async fn hr_units_and_managers_reporting_lines_limit_what_they_see() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("reach", "owner@reach.example").await;
    server.grant("reach", Plan::Member).await;
    server.seed_scores("reach", "r", 30, 1).await;
    let hr_team1 = server
        .join_as(
            &owner,
            "hr1@reach.example",
            json!({"role": "hr", "units": ["r-team-1"]}),
        )
        .await;
    let everyone = owner.get("/api/v1/scores?per_page=500").await.expect(200);
    assert_eq!(everyone["total"], 30);
    let limited = hr_team1
        .get("/api/v1/scores?per_page=500")
        .await
        .expect(200);
    let teams: Vec<&str> = limited["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["team"].as_str().unwrap())
        .collect();
    assert!(
        !teams.is_empty() && teams.iter().all(|t| *t == "r-team-1"),
        "{teams:?}"
    );
    let outside = everyone["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["team"] != "r-team-1")
        .unwrap();
    let url = format!(
        "/api/v1/people/{}/score",
        outside["person"].as_str().unwrap()
    );
    assert_eq!(
        hr_team1.get(&url).await.status,
        404,
        "a person outside the units is not found"
    );
    assert_eq!(
        hr_team1.get("/api/v1/summary").await.expect(200)["reach"],
        "units"
    );

    // r-001 leads team 0: its line is the team without its lead.
    let lead = server
        .join_as(
            &owner,
            "lead@reach.example",
            json!({"role": "manager", "manager_key": "r-001"}),
        )
        .await;
    let summary = lead.get("/api/v1/summary").await.expect(200);
    assert_eq!(summary["reach"], "reporting_line");
    let line_size = summary["figures"]["people"].as_u64().unwrap();
    let team_0 = owner.get("/api/v1/teams/r-team-0").await.expect(200);
    assert_eq!(
        line_size,
        team_0["people"].as_u64().unwrap() - 1,
        "the lead's reports: the team without the lead"
    );
    let lead_teams = lead.get("/api/v1/teams").await.expect(200);
    let names: Vec<&str> = lead_teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["r-team-0"]);
    // The top of the organization sees everyone below through the leads.
    let boss = server
        .join_as(
            &owner,
            "boss@reach.example",
            json!({"role": "manager", "manager_key": "r-000"}),
        )
        .await;
    assert_eq!(
        boss.get("/api/v1/summary").await.expect(200)["figures"]["people"],
        29
    );
    server.stop().await;
}

/// TRUST.md 5: figures of groups under five people are withheld.
#[tokio::test]
async fn groups_under_five_people_are_never_shown() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("small", "owner@small.example").await;
    server.grant("small", Plan::Member).await;
    // Teams of 3, 3 and 2 people (team = index mod 3 over eight people).
    server.seed_scores("small", "s", 8, 1).await;
    let teams = owner.get("/api/v1/teams").await.expect(200);
    for team in teams["teams"].as_array().unwrap() {
        assert_eq!(team["suppressed"], true, "{team}");
        assert!(
            team["people"].is_null()
                && team["expected_leavers"].is_null()
                && team["high"].is_null(),
            "{team}"
        );
    }
    let one = owner.get("/api/v1/teams/s-team-0").await.expect(200);
    assert_eq!(one["suppressed"], true);
    let manager = server
        .join_as(
            &owner,
            "m@small.example",
            json!({"role": "manager", "manager_key": "s-001"}),
        )
        .await;
    let summary = manager.get("/api/v1/summary").await.expect(200);
    assert_eq!(summary["figures"]["suppressed"], true, "{summary}");
    assert!(summary["figures"]["people"].is_null());
    let drivers = manager.get("/api/v1/drivers").await.expect(200);
    assert_eq!(
        (
            drivers["suppressed"].as_bool(),
            drivers["drivers"].as_array().unwrap().len()
        ),
        (Some(true), 0)
    );
    let everyone = owner.get("/api/v1/drivers").await.expect(200);
    assert_eq!(
        (
            everyone["people"].as_u64(),
            everyone["drivers"][0]["factor"].as_str()
        ),
        (Some(8), Some("pay"))
    );
    server.stop().await;
}

/// TRUST.md 5–6: a lone small team would be revealed by the organization's total minus the
/// teams shown, so the next smallest is hidden with it; an organization may raise its floor
/// above five, never lower it.
#[tokio::test]
async fn a_lone_small_team_takes_another_with_it_and_the_floor_only_rises() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("comp", "owner@comp.example").await;
    server.grant("comp", Plan::Member).await;
    // Teams of 5, 5 and 4 people (team = index mod 3 over fourteen people).
    server.seed_scores("comp", "c", 14, 1).await;
    let shown = |teams: &Value| -> Vec<(String, bool)> {
        teams["teams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["suppressed"] == false,
                )
            })
            .collect()
    };
    let teams = owner.get("/api/v1/teams").await.expect(200);
    assert_eq!(
        shown(&teams),
        [
            ("c-team-0".to_owned(), false),
            ("c-team-1".to_owned(), true),
            ("c-team-2".to_owned(), false)
        ],
        "{teams}"
    );
    // One team at a time reveals no more than the list.
    let one = owner.get("/api/v1/teams/c-team-0").await.expect(200);
    assert_eq!(
        (one["suppressed"].as_bool(), one["people"].as_u64()),
        (Some(true), None)
    );
    assert_eq!(
        owner.get("/api/v1/teams/c-team-1").await.expect(200)["people"],
        5
    );
    let summary = owner.get("/api/v1/summary").await.expect(200);
    assert_eq!(summary["figures"]["people"], 14);

    let lower = owner
        .put(
            "/api/v1/trust-settings",
            json!({"retention_months": null, "fairness_gate": false, "min_group_size": 3}),
        )
        .await;
    assert_eq!(lower.status, 400);
    assert!(
        lower.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("can't be under 5"),
        "{}",
        lower.body
    );
    owner
        .put(
            "/api/v1/trust-settings",
            json!({"retention_months": null, "fairness_gate": false, "min_group_size": 15}),
        )
        .await
        .expect(200);
    let teams = owner.get("/api/v1/teams").await.expect(200);
    assert!(shown(&teams).iter().all(|(_, visible)| !visible), "{teams}");
    let summary = owner.get("/api/v1/summary").await.expect(200);
    assert_eq!(summary["figures"]["suppressed"], true, "{summary}");
    assert_eq!(
        owner.get("/api/v1/drivers").await.expect(200)["suppressed"],
        true
    );
    server.stop().await;
}

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
    let server = TestServer::start(TestDatabase::sqlite(), secure).await;
    let owner = server.sign_up("idle", "owner@idle.example").await;
    assert!(owner.set_cookie.as_deref().unwrap().contains("; Secure"));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
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
    let server = TestServer::start(TestDatabase::sqlite(), short).await;
    let owner = server.sign_up("absolute", "owner@absolute.example").await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
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
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
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
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
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
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let owner = server.sign_up("cached", "owner@cached.example").await;
    server.grant("cached", Plan::Member).await;
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
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
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

/// TRUST.md 8–9: each read of a person's score writes one audit row; the chain detects tampering.
#[tokio::test]
async fn reads_of_scores_are_audited_in_a_chain_that_detects_tampering() {
    for database in
        TestDatabase::all("reads_of_scores_are_audited_in_a_chain_that_detects_tampering").await
    {
        let server = TestServer::start(database, Settings::default()).await;
        let owner = server.sign_up("audit", "owner@audit.example").await;
        server.grant("audit", Plan::Member).await;
        server.seed_scores("audit", "p", 12, 1).await;
        let hr = server
            .join_as(&owner, "hr@audit.example", json!({"role": "hr"}))
            .await;
        let read = hr.get("/api/v1/people/p-005/score").await;
        let person = read.clone().expect(200);
        assert_eq!(person["person"], "p-005");
        assert!(person["drivers"]["raising"].is_array());
        let page = hr.get("/api/v1/scores?per_page=3").await.expect(200);
        assert_eq!(page["items"].as_array().unwrap().len(), 3);
        // Aggregates are not individual reads.
        hr.get("/api/v1/summary").await.expect(200);
        let log = owner.get("/api/v1/audit").await.expect(200);
        let rows = log["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "{log}");
        // Rows name the person by pseudonym only (erasing them later leaves the row true);
        // the log can still be searched by their key.
        let pseudonym = rows[0]["subject"].as_str().unwrap().to_owned();
        assert!(pseudonym.starts_with("pseud_") && !pseudonym.contains("p-005"));
        let theirs = owner.get("/api/v1/audit?subject=p-005").await.expect(200);
        assert_eq!(theirs["rows"].as_array().unwrap().len(), 1, "{theirs}");
        assert_eq!(theirs["rows"][0]["subject"], pseudonym.as_str());
        assert_eq!(rows[0]["action"], "score.read");
        assert_eq!(rows[0]["actor"], format!("user:{}", hr.user_id));
        assert_eq!(rows[0]["request_id"].as_str(), read.request_id.as_deref());
        assert!(rows[1..].iter().all(|r| r["action"] == "scores.list"));
        let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
        assert_eq!(
            (verdict["intact"].as_bool(), verdict["rows"].as_i64()),
            (Some(true), Some(4))
        );
        let csv = owner.get_text("/api/v1/audit/export").await;
        assert_eq!(csv.lines().count(), 5, "{csv}");
        assert!(csv.lines().nth(1).unwrap().contains(&pseudonym));
        assert!(!csv.contains("p-005"));

        // Append-only: the database itself refuses updates and deletes.
        assert!(server
            .raw_execute("UPDATE audit_log SET subject = 'p-001' WHERE seq = 1")
            .await
            .is_err());
        assert!(server
            .raw_execute("DELETE FROM audit_log WHERE seq = 2")
            .await
            .is_err());
        // Someone with the power to drop the guard edits a row: verification finds it.
        server.drop_audit_guard().await;
        server
            .raw_execute("UPDATE audit_log SET subject = 'p-001' WHERE seq = 1")
            .await
            .unwrap();
        let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
        assert_eq!(
            (verdict["intact"].as_bool(), verdict["broken_at"].as_i64()),
            (Some(false), Some(1)),
            "{verdict}"
        );
        server
            .raw_execute(&format!(
                "UPDATE audit_log SET subject = '{pseudonym}' WHERE seq = 1"
            ))
            .await
            .unwrap();
        assert_eq!(
            owner.get("/api/v1/audit/verify").await.expect(200)["intact"],
            true
        );
        // A removed row breaks the chain at the row after it.
        server
            .raw_execute("DELETE FROM audit_log WHERE seq = 2")
            .await
            .unwrap();
        let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
        assert_eq!(
            (verdict["intact"].as_bool(), verdict["broken_at"].as_i64()),
            (Some(false), Some(3)),
            "{verdict}"
        );
        server.stop().await;
    }
}

/// Concurrent reads are all audited, each once, in one unbroken chain (group commit).
#[tokio::test]
async fn concurrent_reads_are_each_audited_once() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("busy", "owner@busy.example").await;
    server.grant("busy", Plan::Member).await;
    server.seed_scores("busy", "q", 10, 1).await;
    let reads = (0..60).map(|n| {
        let owner = owner.clone();
        async move {
            owner
                .get(&format!("/api/v1/people/q-{:03}/score", n % 10))
                .await
                .status
        }
    });
    let statuses = futures_join_all(reads).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
    assert_eq!(
        (verdict["intact"].as_bool(), verdict["rows"].as_i64()),
        (Some(true), Some(60))
    );
    server.stop().await;
}

/// Plans: an expired membership turns entitlements off and keeps the data; renewal restores it.
#[tokio::test]
async fn an_expired_plan_turns_entitlements_off_and_keeps_the_data() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("lapse", "owner@lapse.example").await;
    let plan = owner.get("/api/v1/plan").await.expect(200);
    assert_eq!(
        (plan["plan"].as_str(), plan["active"].as_bool()),
        (Some("basic"), Some(true))
    );
    server.seed_scores("lapse", "l", 10, 1).await;
    let before = owner.get("/api/v1/scores").await.expect(200);
    server.grant_until("lapse", Plan::Basic, -1).await;
    let plan = owner.get("/api/v1/plan").await.expect(200);
    assert_eq!(
        (
            plan["active"].as_bool(),
            plan["entitlements"].as_array().unwrap().len()
        ),
        (Some(false), 0)
    );
    for path in [
        "/api/v1/scores",
        "/api/v1/summary",
        "/api/v1/people/l-001/score",
    ] {
        let answer = owner.get(path).await;
        assert_eq!(
            (answer.status, answer.body["error"]["code"].as_str()),
            (402, Some("plan_required")),
            "{path}"
        );
    }
    assert_eq!(owner.post("/api/v1/models", json!({})).await.status, 402);
    server.grant("lapse", Plan::Basic).await;
    assert_eq!(
        owner.get("/api/v1/scores").await.expect(200),
        before,
        "the data was kept"
    );
    server.stop().await;
}

#[tokio::test]
async fn invitations_are_single_use_expiring_and_members_can_be_changed_and_removed() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = server.sign_up("team", "owner@team.example").await;
    let invitation = owner
        .post(
            "/api/v1/invitations",
            json!({"email": "Hr@Team.example", "role": "hr", "units": ["Sales"]}),
        )
        .await
        .expect(201);
    let token = invitation["token"].as_str().unwrap();
    let accept = json!({"token": token, "display_name": "Hana", "password": PASSWORD});
    let anonymous = server.client("anonymous");
    anonymous
        .post("/api/v1/invitations/accept", accept.clone())
        .await
        .expect(201);
    assert_eq!(
        anonymous
            .post("/api/v1/invitations/accept", accept)
            .await
            .status,
        404,
        "single use"
    );
    let short = json!({"token": "inv_nothing", "display_name": "X", "password": "short"});
    assert_eq!(
        anonymous
            .post("/api/v1/invitations/accept", short)
            .await
            .status,
        400
    );
    let hr = server.login("hr@team.example", PASSWORD).await;
    let me = hr.get("/api/v1/me").await.expect(200);
    assert_eq!(
        (me["role"].as_str(), me["units"][0].as_str()),
        (Some("hr"), Some("Sales"))
    );
    // A withdrawn invitation cannot be used.
    let second = owner
        .post(
            "/api/v1/invitations",
            json!({"email": "a@team.example", "role": "auditor"}),
        )
        .await
        .expect(201);
    assert_eq!(
        owner
            .delete(&format!("/api/v1/invitations/{}", second["id"]))
            .await
            .status,
        204
    );
    let late = json!({"token": second["token"], "display_name": "A", "password": PASSWORD});
    assert_eq!(
        anonymous
            .post("/api/v1/invitations/accept", late)
            .await
            .status,
        404
    );
    // Role change, then removal signs the member out.
    let changed = owner
        .patch(
            &format!("/api/v1/members/{}", hr.user_id),
            json!({"role": "auditor"}),
        )
        .await
        .expect(200);
    assert_eq!(changed["role"], "auditor");
    assert_eq!(
        owner
            .patch(
                &format!("/api/v1/members/{}", hr.user_id),
                json!({"role": "manager"})
            )
            .await
            .status,
        400,
        "a manager needs a line"
    );
    assert_eq!(
        owner
            .delete(&format!("/api/v1/members/{}", hr.user_id))
            .await
            .status,
        204
    );
    assert_eq!(hr.get("/api/v1/me").await.status, 401);
    // The last owner stays.
    assert_eq!(
        owner
            .delete(&format!("/api/v1/members/{}", owner.user_id))
            .await
            .status,
        409
    );
    // Sign-up validation.
    let taken = anonymous.post("/api/v1/signup", json!({"organization_slug": "team", "organization_name": "T", "email": "new@x.example", "display_name": "N", "password": PASSWORD})).await;
    assert_eq!(taken.status, 409);
    let weak = anonymous.post("/api/v1/signup", json!({"organization_slug": "new", "organization_name": "T", "email": "new@x.example", "display_name": "N", "password": "elevenchars"})).await;
    assert_eq!(weak.status, 400);
    server.stop().await;
}

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
        (400, Some("bad_request"))
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
        let job = owner
            .upload("WA_Fn-UseC_-HR-Employee-Attrition.csv", &csv, IBM_MAPPING)
            .await;
        let done = owner.wait_for_job(job).await;
        assert_eq!(done["status"], "succeeded", "{done}");
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

        owner.switch_on_scoring().await;
        let job = owner
            .post("/api/v1/models", json!({"seed": 1}))
            .await
            .expect(202)["job_id"]
            .as_i64()
            .unwrap();
        let trained = owner.wait_for_job(job).await;
        assert_eq!(trained["status"], "succeeded", "{trained}");
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
    let job = owner.upload("ibm.csv", &csv, IBM_MAPPING).await;
    assert_eq!(owner.wait_for_job(job).await["status"], "succeeded");
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

const IBM_MAPPING: &str = r#"
id = "EmployeeNumber"
target = "Attrition"
positive = "Yes"
protected = ["Age", "Gender", "MaritalStatus"]
ignore = ["EmployeeCount", "Over18", "StandardHours"]

[roles]
pay = "MonthlyIncome"
level = "JobLevel"
department = "Department"
team = "JobRole"
rating = "PerformanceRating"
"#;

/// Uploads the IBM data and trains a logistic model on it; returns the owner.
async fn ibm_trained(server: &TestServer, slug: &str) -> Client {
    let owner = server.sign_up(slug, &format!("owner@{slug}.example")).await;
    server.grant(slug, Plan::Member).await;
    let csv =
        std::fs::read_to_string(shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")).unwrap();
    let job = owner
        .upload("WA_Fn-UseC_-HR-Employee-Attrition.csv", &csv, IBM_MAPPING)
        .await;
    assert_eq!(owner.wait_for_job(job).await["status"], "succeeded");
    owner.switch_on_scoring().await;
    let job = owner
        .post("/api/v1/models", json!({"seed": 1, "learner": "logistic"}))
        .await
        .expect(202)["job_id"]
        .as_i64()
        .unwrap();
    let trained = owner.wait_for_job(job).await;
    assert_eq!(trained["status"], "succeeded", "{trained}");
    owner
}

/// Settings for delivery tests: links under a known address, quick retries.
fn delivery_settings(attempts: i64) -> Settings {
    Settings {
        training_threads: 1,
        public_url: "https://tenure.test".into(),
        delivery_retry_ms: 50,
        delivery_attempts: attempts,
        ..Settings::default()
    }
}

/// People a pay cut moves most: the best paid among those whose risk is neither negligible
/// nor already high (on the log-odds scale the same push moves a 1% risk by little).
async fn well_paid_people_at_moderate_risk(owner: &Client, count: usize) -> Vec<(String, f64)> {
    let csv =
        std::fs::read_to_string(shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, income) = (column("EmployeeNumber"), column("MonthlyIncome"));
    let pay: BTreeMap<String, f64> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|cells| (cells[id].to_owned(), cells[income].parse().unwrap()))
        .collect();
    let mut people = Vec::new();
    for page in 1..=4 {
        let scores = owner
            .get(&format!("/api/v1/scores?per_page=500&page={page}"))
            .await
            .expect(200);
        for s in scores["items"].as_array().unwrap() {
            let p = s["probability"].as_f64().unwrap_or(0.0);
            if (0.05..0.2).contains(&p) {
                let person = s["person"].as_str().unwrap().to_owned();
                people.push((pay[&person], person, p));
            }
        }
    }
    people.sort_by(|a, b| b.0.total_cmp(&a.0));
    people
        .into_iter()
        .take(count)
        .map(|(_, person, p)| (person, p))
        .collect()
}

fn pay_cut(person: &str) -> Value {
    json!({"person": person, "kind": "pay_change", "effective": "2026-11-02", "values": {"pay": 1009}})
}

/// Issue 6: a pay cut posted as an event re-scores the person at once and its warning arrives
/// exactly once at a webhook receiver (signature checked with the receiver's own HMAC), at an
/// SMTP server and on the live feed — the first two with an opaque id and a link only. While
/// the organization is suspended (TRUST.md 14) nothing is scored and nothing delivered; once
/// resumed, the waiting work runs.
#[tokio::test]
async fn a_pay_cut_warns_once_by_webhook_email_and_live_feed_and_not_while_suspended() {
    for database in TestDatabase::all("a_pay_cut_warns_once").await {
        let server = TestServer::start(database, delivery_settings(3)).await;
        let owner = ibm_trained(&server, "ibm").await;
        let receiver = WebhookReceiver::start(0).await;
        let smtp = SmtpServer::start().await;
        let hook = owner
            .post("/api/v1/webhooks", json!({"url": receiver.url}))
            .await
            .expect(201);
        let secret = hook["secret"].as_str().unwrap().to_owned();
        assert!(owner.get("/api/v1/webhooks").await.expect(200)[0]["secret"].is_null());
        let email = json!({
            "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "security": "none",
            "from": "tenure@ibm.example", "to": ["hr@ibm.example"], "mode": "immediate",
        });
        assert_eq!(owner.put("/api/v1/email-settings", email).await.status, 204);
        let policy = json!({"rules": [{"rule": "rises_by", "points": 0.02, "days": 90}], "cooldown_days": 30});
        owner
            .put("/api/v1/warning-policy", policy.clone())
            .await
            .expect(200);
        assert_eq!(
            owner.get("/api/v1/warning-policy").await.expect(200),
            policy
        );
        let mut feed = owner.open_stream("/api/v1/warnings/stream").await;

        let people = well_paid_people_at_moderate_risk(&owner, 2).await;
        let (person, before) = people[0].clone();
        let accepted = owner
            .post("/api/v1/events", pay_cut(&person))
            .await
            .expect(202);
        assert_eq!(accepted["people_rescored"], 1);
        let job = owner
            .wait_for_job(accepted["job_id"].as_i64().unwrap())
            .await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["result"]["warnings_raised"], 1, "{job}");
        let after = owner
            .get(&format!("/api/v1/people/{person}/score"))
            .await
            .expect(200)["probability"]
            .as_f64()
            .unwrap();
        assert!(
            after >= before + 0.02,
            "the pay cut raised the risk: {before} → {after}"
        );

        let event = feed
            .next(10)
            .await
            .expect("the live feed carries the warning");
        assert_eq!(event.event, "warning");
        let shown: Value = serde_json::from_str(&event.data).unwrap();
        assert_eq!(shown["person"], person.as_str());
        assert!(shown["what_changed"][0]
            .as_str()
            .unwrap()
            .contains("risk rose"));
        let actions: Vec<&str> = shown["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"pay_review"), "{shown}");
        let public_id = shown["id"].as_str().unwrap().to_owned();

        let hooks = receiver.wait_for(1, 10).await;
        let mails = smtp.wait_for(1, 10).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 1, "exactly one webhook delivery");
        assert_eq!(smtp.mails().len(), 1, "exactly one e-mail");
        assert!(signature_is_valid(&hooks[0], &secret));
        assert!(!signature_is_valid(&hooks[0], "whsec_wrong"));
        let body: Value = serde_json::from_slice(&hooks[0].body).unwrap();
        assert_eq!(
            body,
            json!({"type": "warning.raised", "warning": public_id, "link": format!("https://tenure.test/warnings/{public_id}")})
        );
        let mail = &mails[0];
        assert_eq!(mail.to, ["<hr@ibm.example>"]);
        assert!(mail
            .data
            .contains(&format!("https://tenure.test/warnings/{public_id}")));
        for (what, text) in [
            (
                "webhook",
                String::from_utf8_lossy(&hooks[0].body).into_owned(),
            ),
            ("e-mail", mail.data.clone()),
        ] {
            assert!(!text.contains(&person), "the {what} names nobody: {text}");
            for score in [
                after.to_string(),
                format!("{:.0}%", after * 100.0),
                "probability".into(),
                "band".into(),
            ] {
                assert!(
                    !text.contains(&score),
                    "the {what} carries no score ({score}): {text}"
                );
            }
        }
        assert!(feed.next(1).await.is_none(), "one warning, one event");

        // The kill switch: events still land, but nothing is scored or delivered.
        let org = server.org("ibm").await;
        server.store.set_suspended(org, true).await.unwrap();
        let (second, _) = people[1].clone();
        let accepted = owner
            .post("/api/v1/events", pay_cut(&second))
            .await
            .expect(202);
        let job_id = accepted["job_id"].as_i64().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let waiting = owner
            .get(&format!("/api/v1/jobs/{job_id}"))
            .await
            .expect(200);
        assert_eq!(waiting["status"], "queued", "{waiting}");
        assert_eq!(receiver.received().len(), 1);
        assert_eq!(smtp.mails().len(), 1);
        server.store.set_suspended(org, false).await.unwrap();
        let done = owner.wait_for_job(job_id).await;
        assert_eq!(done["result"]["warnings_raised"], 1, "{done}");
        assert_eq!(receiver.wait_for(2, 10).await.len(), 2);
        assert_eq!(smtp.wait_for(2, 10).await.len(), 2);
        server.stop().await;
    }
}

/// Issue 6: a receiver that fails every attempt gets the retries (with growing waits), then
/// the delivery is dead and on the dead-letter list; a replay once the receiver is back
/// succeeds, signed like the first.
#[tokio::test]
async fn a_failing_webhook_is_retried_then_dead_then_replayed() {
    for database in TestDatabase::all("a_failing_webhook_is_retried").await {
        let server = TestServer::start(database, delivery_settings(3)).await;
        let owner = server.sign_up("acme", "owner@acme.example").await;
        server.grant("acme", Plan::Member).await;
        let receiver = WebhookReceiver::start(3).await;
        let hook = owner
            .post("/api/v1/webhooks", json!({"url": receiver.url}))
            .await
            .expect(201);
        let secret = hook["secret"].as_str().unwrap().to_owned();
        let test = owner
            .post(&format!("/api/v1/webhooks/{}/test", hook["id"]), json!({}))
            .await
            .expect(202);
        let job = owner.wait_for_job(test["job_id"].as_i64().unwrap()).await;
        assert_eq!(job["status"], "failed", "{job}");
        assert!(
            job["error"]
                .as_str()
                .unwrap()
                .contains("dead after 3 attempts"),
            "{job}"
        );
        let seen = receiver.received();
        assert_eq!(
            seen.iter().map(|r| r.status).collect::<Vec<_>>(),
            [503, 503, 503]
        );
        let waits: Vec<u128> = seen
            .windows(2)
            .map(|w| (w[1].at - w[0].at).as_millis())
            .collect();
        assert!(
            waits[0] >= 50 && waits[1] >= 100,
            "backoff doubles from 50 ms: {waits:?}"
        );
        let dead = owner
            .get("/api/v1/deliveries?status=dead")
            .await
            .expect(200);
        let dead = dead.as_array().unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0]["attempts"], 3);
        assert!(dead[0]["last_error"].as_str().unwrap().contains("503"));
        let id = dead[0]["id"].as_i64().unwrap();

        let replay = owner
            .post(&format!("/api/v1/deliveries/{id}/replay"), json!({}))
            .await
            .expect(202);
        let job = owner.wait_for_job(replay["job_id"].as_i64().unwrap()).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        let seen = receiver.received();
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[3].status, 200);
        assert!(seen.iter().all(|r| signature_is_valid(r, &secret)));
        assert_eq!(
            seen[3].body, seen[0].body,
            "the replay sends the same message"
        );
        assert!(owner
            .get("/api/v1/deliveries?status=dead")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty());
        let delivered = owner
            .get("/api/v1/deliveries?status=delivered")
            .await
            .expect(200);
        assert_eq!(delivered[0]["id"], id);
        // Only a dead delivery can be replayed.
        assert_eq!(
            owner
                .post(&format!("/api/v1/deliveries/{id}/replay"), json!({}))
                .await
                .status,
            409
        );
        server.stop().await;
    }
}

/// Issue 6 and TRUST.md 13: a warning goes open → acknowledged → action recorded → closed by
/// a named reviewer with a decision and a reason; nothing moves a closed warning; dismissing
/// is always there until then; each step is kept with who and when.
#[tokio::test]
async fn a_warning_is_acknowledged_acted_on_and_closed_with_a_reviewer_and_reason() {
    for database in TestDatabase::all("a_warning_lifecycle").await {
        let server = TestServer::start(database, delivery_settings(3)).await;
        let owner = ibm_trained(&server, "ibm").await;
        let hr = server
            .join_as(&owner, "hr@ibm.example", json!({"role": "hr"}))
            .await;
        let policy = json!({"rules": [{"rule": "rises_by", "points": 0.02, "days": 90}], "cooldown_days": 30});
        owner
            .put("/api/v1/warning-policy", policy)
            .await
            .expect(200);
        let people = well_paid_people_at_moderate_risk(&owner, 2).await;
        let batch: Vec<Value> = people.iter().map(|(p, _)| pay_cut(p)).collect();
        let accepted = hr
            .post("/api/v1/events/batch", json!({"events": batch}))
            .await
            .expect(202);
        assert_eq!(accepted["event_ids"].as_array().unwrap().len(), 2);
        let job = hr.wait_for_job(accepted["job_id"].as_i64().unwrap()).await;
        assert_eq!(job["result"]["warnings_raised"], 2, "{job}");
        let open = hr.get("/api/v1/warnings?status=open").await.expect(200);
        let ids: Vec<String> = open
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 2);
        let path = |id: &str, step: &str| format!("/api/v1/warnings/{id}/{step}");

        // Closing needs a decision and a reason.
        assert_eq!(
            hr.post(
                &path(&ids[0], "close"),
                json!({"decision": "", "reason": "x"})
            )
            .await
            .status,
            400
        );
        let acked = hr
            .post(&path(&ids[0], "acknowledge"), json!({}))
            .await
            .expect(200);
        assert_eq!(acked["status"], "acknowledged");
        assert_eq!(
            hr.post(&path(&ids[0], "acknowledge"), json!({}))
                .await
                .status,
            409
        );
        let acted = hr
            .post(&path(&ids[0], "actions"), json!({"what": "stay conversation held", "who": "HR partner", "when": "2026-11-20"}))
            .await
            .expect(200);
        assert_eq!(acted["status"], "action_recorded");
        let closed = hr
            .post(&path(&ids[0], "close"), json!({"decision": "pay review booked", "reason": "pay fell well below band after the cut"}))
            .await
            .expect(200);
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["closed_by"], hr.user_id);
        assert_eq!(closed["decision"], "pay review booked");
        let steps: Vec<&str> = closed["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["acknowledge", "record_action", "close"]);
        assert_eq!(closed["steps"][1]["detail"]["when"], "2026-11-20");
        for (step, body) in [
            ("acknowledge", json!({})),
            ("dismiss", json!({"reason": "late"})),
        ] {
            let answer = hr.post(&path(&ids[0], step), body).await;
            assert_eq!(
                answer.status, 409,
                "{step} on a closed warning: {}",
                answer.body
            );
        }
        // Dismissing (an override) straight from open, with a reason.
        let dismissed = hr
            .post(
                &path(&ids[1], "dismiss"),
                json!({"reason": "the pay change was a data error"}),
            )
            .await
            .expect(200);
        assert_eq!(dismissed["status"], "dismissed");
        assert_eq!(dismissed["reason"], "the pay change was a data error");
        // A manager never sees or moves a warning; each read by HR was audited.
        let manager = server
            .join_as(
                &owner,
                "manager@ibm.example",
                json!({"role": "manager", "manager_key": "1"}),
            )
            .await;
        assert_eq!(manager.get("/api/v1/warnings").await.status, 403);
        assert_eq!(
            manager
                .post(&path(&ids[1], "acknowledge"), json!({}))
                .await
                .status,
            403
        );
        let mut warning_reads = 0;
        let mut after = 0;
        loop {
            let page = owner
                .get(&format!("/api/v1/audit?limit=1000&after={after}"))
                .await
                .expect(200);
            warning_reads += page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["action"] == "warning.read")
                .count();
            match page["next_after"].as_i64() {
                Some(next) => after = next,
                None => break,
            }
        }
        assert!(warning_reads >= 6, "{warning_reads} warning reads audited");
        // Events about unknown people, or columns the data lacks, are refused whole.
        let bad = hr
            .post(
                "/api/v1/events/batch",
                json!({"events": [pay_cut(&people[0].0), pay_cut("no-such-person")]}),
            )
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(
            bad.body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("no-such-person")
                || bad.body.to_string().contains("no-such-person"),
            "{}",
            bad.body
        );
        let wrong = hr
            .post(
                "/api/v1/events",
                json!({"person": people[0].0, "kind": "pay_change", "values": {"pay": "a lot"}}),
            )
            .await;
        assert_eq!(wrong.status, 400);
        assert!(
            wrong.body.to_string().contains("MonthlyIncome"),
            "{}",
            wrong.body
        );
        server.stop().await;
    }
}

/// TRUST.md 10 and 24: everything held about a person can be handed to them (inputs,
/// protected attributes, scores with drivers and model versions, events, who viewed them);
/// once erased, no table names them — audit rows keep only their pseudonym, their chain
/// intact — and where others' rows named them as manager, the name is a pseudonym too.
#[tokio::test]
async fn an_erased_person_leaves_no_trace_but_pseudonymous_audit_rows() {
    for database in TestDatabase::all("an_erased_person_leaves_no_trace").await {
        let settings = Settings {
            training_threads: 1,
            ..Settings::default()
        };
        let server = TestServer::start(database, settings).await;
        let owner = server.sign_up("forget", "owner@forget.example").await;
        server.grant("forget", Plan::Member).await;
        let simulation = tenure_data::simulate::simulate(tenure_data::simulate::SimulationConfig {
            people: 150,
            months: 36,
            seed: 9,
        });
        let dir = tempfile::tempdir().unwrap();
        let files = simulation.write(dir.path()).unwrap();
        let csv = std::fs::read_to_string(&files.panel).unwrap();
        let mapping = std::fs::read_to_string(&files.mapping).unwrap();
        let job = owner.upload("panel.csv", &csv, &mapping).await;
        let imported = owner.wait_for_job(job).await;
        assert_eq!(imported["status"], "succeeded", "{imported}");
        owner.switch_on_scoring().await;
        let job = owner
            .post("/api/v1/models", json!({"seed": 1, "learner": "logistic"}))
            .await
            .expect(202)["job_id"]
            .as_i64()
            .unwrap();
        let trained = owner.wait_for_job(job).await;
        assert_eq!(trained["status"], "succeeded", "{trained}");
        // A manager still employed: others' rows name them too.
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let manager_column = header.iter().position(|h| *h == "manager_id").unwrap();
        let managers: std::collections::HashSet<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(manager_column).unwrap())
            .collect();
        let scores = owner.get("/api/v1/scores?per_page=500").await.expect(200);
        let person = scores["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["person"].as_str().unwrap().to_owned())
            .find(|p| managers.contains(p.as_str()))
            .expect("a scored manager");
        owner
            .get(&format!("/api/v1/people/{person}/score"))
            .await
            .expect(200);
        owner
            .post(
                "/api/v1/events",
                json!({"person": person, "kind": "pay_change", "values": {"pay": 1009}}),
            )
            .await
            .expect(202);
        let record = owner
            .get(&format!("/api/v1/people/{person}/record"))
            .await
            .expect(200);
        for section in [
            "snapshots",
            "protected_attributes",
            "scores",
            "events",
            "viewed_by",
        ] {
            assert!(
                !record[section].as_array().unwrap().is_empty(),
                "{section} is empty: {record}"
            );
        }
        assert!(record["scores"][0]["model_version"].is_i64());
        assert!(
            record["scores"][0]["drivers"].is_object() || record["scores"][0]["drivers"].is_array()
        );
        let viewed: Vec<&str> = record["viewed_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(viewed, ["scores.list", "score.read"]);
        assert!(record["protected_attributes"][0]["attributes"]["sex"].is_string());
        assert!(!server.rows_mentioning(&person).await.is_empty());

        let erased = owner
            .delete(&format!("/api/v1/people/{person}"))
            .await
            .expect(200);
        assert!(
            erased["rows"]["snapshots"].as_u64().unwrap() > 0,
            "{erased}"
        );
        let left = server.rows_mentioning(&person).await;
        assert!(left.is_empty(), "{person} is still named: {left:#?}");
        assert_eq!(
            owner
                .get(&format!("/api/v1/people/{person}/record"))
                .await
                .status,
            404
        );
        assert_eq!(
            owner
                .get(&format!("/api/v1/people/{person}/score"))
                .await
                .status,
            404
        );
        assert_eq!(
            owner
                .delete(&format!("/api/v1/people/{person}"))
                .await
                .status,
            404
        );
        // The audit rows stay, by pseudonym, and the chain is intact.
        let theirs = owner
            .get(&format!("/api/v1/audit?subject={person}"))
            .await
            .expect(200);
        let actions: Vec<&str> = theirs["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["scores.list", "score.read", "person.export", "person.erase"]
        );
        assert_eq!(
            owner.get("/api/v1/audit/verify").await.expect(200)["intact"],
            true
        );
        server.stop().await;
    }
}

/// A simulated organization uploaded, switched on and trained through the API.
async fn simulated_trained(server: &TestServer, slug: &str, people: usize) -> Client {
    let owner = server.sign_up(slug, &format!("owner@{slug}.example")).await;
    server.grant(slug, Plan::Member).await;
    let simulation = tenure_data::simulate::simulate(tenure_data::simulate::SimulationConfig {
        people,
        months: 36,
        seed: 4,
    });
    let dir = tempfile::tempdir().unwrap();
    let files = simulation.write(dir.path()).unwrap();
    let csv = std::fs::read_to_string(&files.panel).unwrap();
    let mapping = std::fs::read_to_string(&files.mapping).unwrap();
    let job = owner.upload("panel.csv", &csv, &mapping).await;
    assert_eq!(owner.wait_for_job(job).await["status"], "succeeded");
    owner.switch_on_scoring().await;
    let job = owner
        .post("/api/v1/models", json!({"seed": 1, "learner": "logistic"}))
        .await
        .expect(202)["job_id"]
        .as_i64()
        .unwrap();
    let trained = owner.wait_for_job(job).await;
    assert_eq!(trained["status"], "succeeded", "{trained}");
    owner
}

#[tokio::test]
async fn the_dashboard_shows_real_figures_in_the_viewers_language_and_exports_the_report() {
    let database = TestDatabase::sqlite();
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(database, settings).await;
    // Nobody signed in is sent to sign in, and brought back.
    let anonymous = server.client("anonymous");
    let answer = anonymous.page("/reports").await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/signin?next=/reports"));
    let signin = anonymous.page("/signin?next=/reports").await;
    assert_eq!(signin.status, 200);
    assert!(signin.text().contains(r#"data-next="/reports""#));
    assert!(anonymous
        .page("/signin?next=//evil.example")
        .await
        .text()
        .contains(r#"data-next="/""#));
    let owner = simulated_trained(&server, "pages", 300).await;
    let summary = owner.get("/api/v1/summary").await.expect(200);
    let headcount = summary["figures"]["people"].as_u64().unwrap() as usize;
    let high = summary["figures"]["high"].as_u64().unwrap() as usize;

    let overview = owner.page("/").await;
    assert_eq!(overview.status, 200);
    assert!(overview.content_type.starts_with("text/html"));
    let html = overview.text();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("pages Ltd"));
    // The figures are the API's: headcount and high band, and a forecast at 3, 6, 12 months.
    let headcount_shown = format!(
        "<dt>Headcount</dt><dd>{}</dd>",
        tenure_report::Locale::En.count(headcount)
    );
    assert!(
        html.contains(&headcount_shown),
        "{headcount_shown} in {html}"
    );
    assert!(html.contains(&format!("<dt>High</dt><dd>{high}</dd>")));
    for months in [3, 6, 12] {
        assert!(
            html.contains(&format!(
                "<dt>Expected voluntary leavers, {months} months</dt>"
            )),
            "{months}"
        );
    }
    assert!(html.contains("Attrition trend") && html.contains("<svg"));
    for fetched in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "src=\"//",
        "href=\"//",
    ] {
        assert!(!html.contains(fetched), "nothing from elsewhere: {fetched}");
    }

    // The report downloads as HTML and PDF.
    let report = owner.page("/reports/attrition.html").await;
    assert_eq!(report.status, 200);
    assert!(report
        .disposition
        .clone()
        .unwrap()
        .starts_with("attachment; filename=\"attrition-pages-"));
    let text = report.text();
    assert!(text.contains("<style>") && text.contains("Departments") && text.contains("Managers"));
    let pdf = owner.page("/reports/attrition.pdf").await;
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-"));

    // What-if: changes the caller can get wrong are refused plainly, and nothing is saved.
    let person = owner.get("/api/v1/scores?per_page=1").await.expect(200)["items"][0]["person"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/people/{person}/what-if");
    let stored = owner
        .get(&format!("/api/v1/people/{person}/score"))
        .await
        .expect(200);
    let refused = owner
        .post(&path, json!({"set": {"no_such_column": 1}}))
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no_such_column is not a numeric column without a role"),
        "{}",
        refused.body
    );
    let refused = owner.post(&path, json!({"set": {"annual_pay": 1}})).await;
    assert_eq!(
        refused.status, 400,
        "a role's column goes through its own change"
    );
    let refused = owner.post(&path, json!({})).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no change given"));
    let tried = owner
        .post(
            &path,
            json!({"pay_change_percent": 10, "set": {"overtime_hours": 5}}),
        )
        .await
        .expect(200);
    assert_eq!(tried["before"], stored["probability"]);
    assert_eq!(tried["applied"].as_array().unwrap().len(), 2, "{tried}");
    let after = owner
        .get(&format!("/api/v1/people/{person}/score"))
        .await
        .expect(200);
    assert_eq!(after["probability"], stored["probability"], "nothing saved");
    assert_eq!(after["input_hash"], stored["input_hash"]);

    // The owner chooses Chinese: every later page is in Chinese.
    assert_eq!(
        owner
            .put("/api/v1/me/locale", json!({"locale": "fr"}))
            .await
            .status,
        400
    );
    owner
        .put("/api/v1/me/locale", json!({"locale": "zh-CN"}))
        .await
        .expect(200);
    let html = owner.page("/").await.text();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("概览") && html.contains("在职人数"));
    let html = owner.page("/reports/attrition.html").await.text();
    assert!(html.contains("离职分析报告"));

    // A manager sees their reach's figures, and no organization-wide report.
    let manager = server
        .join_as(
            &owner,
            "boss@pages.example",
            json!({"role": "manager", "manager_key": "E00001"}),
        )
        .await;
    let page = manager.page("/").await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("Attrition trend"));
    assert!(
        !page.text().contains(r#"href="/reports""#),
        "no link to what they may not open"
    );
    assert_eq!(manager.page("/reports").await.status, 403);
    // Their team view is over their own reporting line, without a way down to individuals.
    let teams = manager.page("/teams").await;
    assert_eq!(teams.status, 200);
    assert!(
        !teams.text().contains("href=\"/people"),
        "managers see aggregates only"
    );
    let teams = owner.page("/teams").await.text();
    assert!(teams.contains("id=\"heatmap\"") && teams.contains("Engineering"));
    // Department totals are the people list's, and each drill-down lists only that department.
    let listed = owner
        .get("/api/v1/scores?department=Engineering&per_page=500")
        .await
        .expect(200);
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["department"] == "Engineering"));
    assert!(listed["total"].as_u64().unwrap() > 0);
    assert_eq!(manager.page("/reports/attrition.pdf").await.status, 403);
    server.stop().await;
}
