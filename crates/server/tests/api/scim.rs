//! SCIM 2.0 provisioning (issue 25): an identity provider creates a user, looks it up by
//! `userName`, moves it between groups (tenure's roles) and deactivates it — at which its
//! sessions and the tokens it made stop working at once; another organization's SCIM token
//! sees none of it.

use crate::support::*;
use chrono::Duration;
use serde_json::{json, Value};
use tenure_domain::Plan;
use tenure_server::Settings;

const ANA: &str = "ana@scim.example";

fn add_to(group_members: &[&str]) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members",
            "value": group_members.iter().map(|id| json!({"value": id})).collect::<Vec<_>>()}],
    })
}

async fn role_of(owner: &Client, email: &str) -> Option<String> {
    let members = owner.get("/api/v1/members").await.expect(200);
    members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .map(|m| m["role"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_identity_provider_creates_moves_and_deactivates_members_through_scim() {
    for database in TestDatabase::all("scim").await {
        provisioning_round(TestServer::start(database, Settings::default()).await).await;
    }
}

async fn provisioning_round(server: TestServer) {
    let owner = server.sign_up("scim", "owner@scim.example").await;
    // API tokens, and so SCIM, come with the member plan.
    server.grant("scim", Plan::Member).await;
    let idp = server.bearer(
        &server
            .insert_token("scim", &["members:manage"], Duration::days(30))
            .await,
    );
    let reader = server.bearer(
        &server
            .insert_token("scim", &["aggregates:read"], Duration::days(30))
            .await,
    );
    assert_eq!(reader.get("/scim/v2/Users").await.status, 403);
    let config = idp.get("/scim/v2/ServiceProviderConfig").await.expect(200);
    assert_eq!(config["patch"]["supported"], true);

    // Created as the provider sends it (application/scim+json), in no group yet: no member.
    let created = server
        .http
        .post(server.url("/scim/v2/Users"))
        .bearer_auth(idp.bearer.as_deref().unwrap())
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": ANA, "externalId": "00u1ana",
                "name": {"givenName": "Ana", "familyName": "Silva"},
                "emails": [{"value": ANA, "primary": true}], "active": true,
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(
        created.headers()["content-type"].to_str().unwrap(),
        "application/scim+json"
    );
    let created: Value = created.json().await.unwrap();
    let ana = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["displayName"], "Ana Silva");
    assert_eq!(created["groups"], json!([]));
    assert_eq!(role_of(&owner, ANA).await, None, "in no group: no member");
    let again = idp.post("/scim/v2/Users", json!({"userName": ANA})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["scimType"], "uniqueness");

    // Looked up by userName, as providers do before creating.
    let found = idp
        .get("/scim/v2/Users?filter=userName%20eq%20%22ana%40scim.example%22")
        .await
        .expect(200);
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], ana.as_str());
    let none = idp
        .get("/scim/v2/Users?filter=userName%20eq%20%22nobody%40scim.example%22")
        .await
        .expect(200);
    assert_eq!(none["totalResults"], 0);
    let bad = idp
        .get("/scim/v2/Users?filter=userName%20co%20%22ana%22")
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["scimType"], "invalidFilter");

    // Group membership is the role: into hr, then moved to owner.
    let hr = idp
        .patch("/scim/v2/Groups/hr", add_to(&[&ana]))
        .await
        .expect(200);
    assert_eq!(hr["members"][0]["value"], ana.as_str());
    assert_eq!(role_of(&owner, ANA).await.as_deref(), Some("hr"));
    idp.patch("/scim/v2/Groups/owner", add_to(&[&ana]))
        .await
        .expect(200);
    assert_eq!(role_of(&owner, ANA).await.as_deref(), Some("owner"));
    let hr = idp.get("/scim/v2/Groups/hr").await.expect(200);
    assert_eq!(hr["members"], json!([]), "moved out of hr");
    let manager = idp.patch("/scim/v2/Groups/manager", add_to(&[&ana])).await;
    assert_eq!(manager.status, 400, "a manager needs a reporting line");
    assert!(manager.body["detail"]
        .as_str()
        .unwrap()
        .contains("employeeNumber"));
    assert_eq!(role_of(&owner, ANA).await.as_deref(), Some("owner"));

    // Ana signs in (her password set here: single sign-on comes with OIDC) and makes a token.
    let user = server.store.user_by_email(ANA).await.unwrap().unwrap();
    server
        .store
        .set_password(user.id, &tenure_server::secrets::hash_password(PASSWORD))
        .await
        .unwrap();
    let session = server.login(ANA, PASSWORD).await;
    let made = session
        .post(
            "/api/v1/tokens",
            json!({"name": "ana's", "scopes": ["members:manage"], "expires_in_days": 30}),
        )
        .await
        .expect(201);
    let token = server.bearer(made["token"].as_str().unwrap());
    session.get("/api/v1/members").await.expect(200);
    token.get("/api/v1/members").await.expect(200);

    // Deactivated (as Entra ID writes it): her session and token die at once.
    let patched = idp
        .patch(
            &format!("/scim/v2/Users/{ana}"),
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
        )
        .await
        .expect(200);
    assert_eq!(patched["active"], false);
    assert_eq!(session.get("/api/v1/members").await.status, 401);
    assert_eq!(token.get("/api/v1/members").await.status, 401);
    assert_eq!(role_of(&owner, ANA).await, None);
    // Reactivated, she is back in her group; deleted, she is gone.
    let back = idp
        .patch(
            &format!("/scim/v2/Users/{ana}"),
            json!({"Operations": [{"op": "replace", "value": {"active": true}}]}),
        )
        .await
        .expect(200);
    assert_eq!(back["groups"][0]["value"], "owner");
    assert_eq!(role_of(&owner, ANA).await.as_deref(), Some("owner"));

    // Another organization's SCIM token sees and changes nothing here.
    server.sign_up("other", "owner@other.example").await;
    server.grant("other", Plan::Member).await;
    let stranger = server.bearer(
        &server
            .insert_token("other", &["members:manage"], Duration::days(30))
            .await,
    );
    assert_eq!(
        stranger.get(&format!("/scim/v2/Users/{ana}")).await.status,
        404
    );
    let theirs = stranger
        .get("/scim/v2/Users?filter=userName%20eq%20%22ana%40scim.example%22")
        .await
        .expect(200);
    assert_eq!(theirs["totalResults"], 0);
    assert_eq!(
        stranger
            .patch("/scim/v2/Groups/hr", add_to(&[&ana]))
            .await
            .status,
        404
    );
    assert_eq!(
        stranger
            .delete(&format!("/scim/v2/Users/{ana}"))
            .await
            .status,
        404
    );
    assert_eq!(role_of(&owner, ANA).await.as_deref(), Some("owner"));

    assert_eq!(
        idp.delete(&format!("/scim/v2/Users/{ana}")).await.status,
        204
    );
    assert_eq!(role_of(&owner, ANA).await, None);
    assert_eq!(idp.get(&format!("/scim/v2/Users/{ana}")).await.status, 404);
    server.stop().await;
}
