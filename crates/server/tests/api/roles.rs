//! Roles and reach: each role gets exactly its permissions, HR units and managers see their lines only, and groups under the floor are never shown.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::{json, Value};
use tenure_server::Settings;

/// TRUST.md 3–4: each role × each endpoint gets the expected status; deny by default.
#[tokio::test]
async fn each_role_gets_exactly_its_permissions_on_every_endpoint() {
    for database in
        TestDatabase::all("each_role_gets_exactly_its_permissions_on_every_endpoint").await
    {
        let server = TestServer::start(database, Settings::default()).await;
        let owner = member_organization(&server, "roles").await;
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
                "/api/v1/data-source",
                json!(null),
                [404, 404, 403, 403],
            ),
            (
                "put",
                "/api/v1/data-source",
                json!({"location": "http://hris.example/r.csv", "auth": "none",
                       "mapping": "[columns]\nid = \"id\"", "every_hours": 24}),
                [422, 422, 403, 403],
            ),
            (
                "delete",
                "/api/v1/data-source",
                json!(null),
                [404, 404, 403, 403],
            ),
            (
                "post",
                "/api/v1/data-source/pull",
                json!({}),
                [404, 404, 403, 403],
            ),
            (
                "get",
                "/api/v1/data-source/pulls",
                json!(null),
                [200, 200, 403, 403],
            ),
            ("get", "/api/v1/sign-on", json!(null), [404, 403, 403, 403]),
            (
                "put",
                "/api/v1/sign-on",
                json!({"issuer": "http://idp.example", "client_id": "tenure", "client_secret": "s",
                       "group_grants": [{"group": "g", "role": "hr"}]}),
                [422, 403, 403, 403],
            ),
            (
                "delete",
                "/api/v1/sign-on",
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
            (
                "post",
                "/api/v1/imports/preview",
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
            ("get", "/api/v1/outlook", json!(null), [200, 200, 200, 200]),
            (
                "get",
                "/api/v1/what-helped",
                json!(null),
                [200, 200, 403, 403],
            ),
            (
                "get",
                "/api/v1/oversight-log",
                json!(null),
                [200, 403, 403, 200],
            ),
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
                "get",
                "/api/v1/risk-bands",
                json!(null),
                [200, 200, 403, 200],
            ),
            (
                "put",
                "/api/v1/risk-bands",
                json!({"relative": {"top": 0.9, "next": 0.05}}),
                [400, 403, 403, 403],
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
                "/api/v1/models/1/bias-audit",
                json!(null),
                [403, 403, 403, 200],
            ),
            (
                "get",
                "/api/v1/documents/workers-notice",
                json!(null),
                [200, 200, 200, 200],
            ),
            (
                "get",
                "/api/v1/documents/impact-assessment",
                json!(null),
                [200, 403, 403, 200],
            ),
            (
                "get",
                "/api/v1/accuracy-checks",
                json!(null),
                [200, 200, 403, 200],
            ),
            (
                "post",
                "/api/v1/people/r-004/access-link",
                json!(null),
                [200, 403, 403, 403],
            ),
            (
                "get",
                "/api/v1/people/r-004/objection",
                json!(null),
                [200, 403, 403, 403],
            ),
            (
                "put",
                "/api/v1/people/r-004/objection",
                json!({"objected": false}),
                [200, 403, 403, 403],
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
            "/api/v1/me/objection",
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
                let answer = if path.starts_with("/api/v1/imports") && *method == "post" {
                    client.upload_form_without_file(path).await
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
    let owner = member_organization(&server, "reach").await;
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
    let owner = member_organization(&server, "small").await;
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
    let owner = member_organization(&server, "comp").await;
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
