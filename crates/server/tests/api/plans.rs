//! Plans and members: an expired plan turns entitlements off and keeps the data; invitations are single-use and expire; members can be changed and removed.

use crate::support::*;
use serde_json::json;
use tenure_domain::Plan;
use tenure_server::Settings;

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
    // A second owner makes a token; removal later revokes it with her sessions.
    server.grant("team", Plan::Member).await;
    owner
        .patch(
            &format!("/api/v1/members/{}", hr.user_id),
            json!({"role": "owner"}),
        )
        .await
        .expect(200);
    let made = hr
        .post(
            "/api/v1/tokens",
            json!({"name": "hana's", "scopes": ["aggregates:read"], "expires_in_days": 30}),
        )
        .await
        .expect(201);
    let hr_token = server.bearer(made["token"].as_str().unwrap());
    assert_eq!(hr_token.get("/api/v1/me").await.status, 200);
    // Role change, then removal signs the member out and revokes her token.
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
        422,
        "a manager needs a line: a rule of roles, not of the schema"
    );
    assert_eq!(
        owner
            .delete(&format!("/api/v1/members/{}", hr.user_id))
            .await
            .status,
        204
    );
    assert_eq!(hr.get("/api/v1/me").await.status, 401);
    assert_eq!(
        hr_token.get("/api/v1/me").await.status,
        401,
        "a removed member's token dies with the membership"
    );
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
