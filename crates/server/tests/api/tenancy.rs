//! Per-tenant isolation: no route answers anything about another organization's ids.

use crate::support::*;
use serde_json::json;
use std::collections::BTreeMap;
use tenure_domain::Plan;
use tenure_server::Settings;

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
                    for_month: None,
                    held_out: false,
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
                    (_, Some("objection")) => json!({"objected": true}),
                    _ => json!({}),
                };
                let caller = if path.ends_with("/fairness") || path.ends_with("/bias-audit") {
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
