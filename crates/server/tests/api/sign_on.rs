//! Single sign-on's settings through the API: the client secret written but never shown,
//! the rules a schema cannot state answered 422, password sign-in switched off and on, and a
//! callback that was never started refused. The sign-in itself, through a real provider in a
//! real browser, is in `pages`.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;
use tenure_server::Settings;

#[tokio::test]
async fn owners_set_up_single_sign_on_and_can_switch_passwords_off() {
    for database in TestDatabase::all("owners_set_up_single_sign_on").await {
        let server = TestServer::start(database, Settings::default()).await;
        let owner = member_organization(&server, "sso").await;
        let org = server.store.organization("sso").await.unwrap().unwrap().id;
        assert_eq!(owner.get("/api/v1/sign-on").await.status, 404);
        let body = json!({
            "issuer": "https://idp.example/",
            "client_id": "tenure",
            "client_secret": "s3cret-Value",
            "scopes": ["email", "profile", "groups"],
            "allowed_domains": ["SSO.example"],
            "group_grants": [
                {"group": "tenure-hr", "role": "hr", "units": ["Sales"]},
                {"group": "tenure-owners", "role": "owner"}
            ]
        });
        let saved = owner.put("/api/v1/sign-on", body.clone()).await.expect(200);
        assert_eq!(saved["issuer"], "https://idp.example");
        assert_eq!(saved["client_secret_set"], true);
        assert!(
            !saved.to_string().contains("s3cret-Value"),
            "the secret is never shown"
        );
        assert_eq!(saved["allowed_domains"], json!(["sso.example"]));
        assert_eq!(saved["groups_claim"], "groups");
        assert_eq!(saved["redirect_uri"], server.url("/sign-on/callback"));
        assert_eq!(saved["sign_in_url"], server.url("/sign-on/sso"));
        assert_eq!(saved["password_sign_in"], true);
        assert_eq!(owner.get("/api/v1/sign-on").await.expect(200), saved);

        // Sent again without the secret, with passwords off: the stored secret stays.
        let mut again = body.clone();
        again.as_object_mut().unwrap().remove("client_secret");
        again["password_sign_in"] = json!(false);
        let saved = owner.put("/api/v1/sign-on", again).await.expect(200);
        assert_eq!(saved["password_sign_in"], false);
        let stored = server.store.sign_on_settings(org).await.unwrap().unwrap();
        assert_eq!(stored.client_secret, "s3cret-Value");

        // The settings page shows what to register at the provider, and that passwords are off.
        let page = owner.page("/settings").await;
        assert_eq!(page.status, 200);
        let html = String::from_utf8(page.body).unwrap();
        assert!(html.contains("https://idp.example") && html.contains("/sign-on/callback"));
        assert!(html.contains("off: only through the identity provider"));

        // Rules no schema states answer 422; shapes the schema refuses, 400.
        let with = |change: serde_json::Value| {
            let mut request = body.clone();
            for (k, v) in change.as_object().unwrap() {
                request[k] = v.clone();
            }
            request
        };
        for (change, status) in [
            (json!({"issuer": "http://idp.example"}), 422),
            (
                json!({"group_grants": [{"group": "g", "role": "hr"}, {"group": "g", "role": "owner"}]}),
                422,
            ),
            (
                json!({"group_grants": [{"group": "g", "role": "owner", "units": ["Sales"]}]}),
                422,
            ),
            (json!({"allowed_domains": ["not a domain"]}), 422),
            (json!({"scopes": ["has space"]}), 422),
            (json!({"group_grants": []}), 400),
            (json!({"issuer": "idp.example"}), 400),
            (
                json!({"group_grants": [{"group": "g", "role": "boss"}]}),
                400,
            ),
            (json!({"unknown": 1}), 400),
        ] {
            let answer = owner.put("/api/v1/sign-on", with(change.clone())).await;
            assert_eq!(answer.status, status, "{change}: {:?}", answer.body);
        }
        let first_time = server.sign_up("fresh", "owner@fresh.example").await;
        let mut no_secret = body.clone();
        no_secret.as_object_mut().unwrap().remove("client_secret");
        assert_eq!(
            first_time.put("/api/v1/sign-on", no_secret).await.status,
            422,
            "the secret is needed the first time"
        );

        // Passwords are refused while off, and the answer says where to sign in; sessions
        // already open go on.
        let refused = server
            .client("anonymous")
            .post(
                "/api/v1/login",
                json!({"email": "owner@sso.example", "password": PASSWORD}),
            )
            .await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.body["error"]["code"], "password_sign_in_off");
        assert!(refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/sign-on/sso"));
        assert_eq!(
            server
                .login_status("owner@sso.example", "a wrong password")
                .await
                .0,
            401,
            "a wrong password is still just wrong"
        );
        owner.get("/api/v1/me").await.expect(200);
        // Another organization's passwords are untouched.
        server.login("owner@fresh.example", PASSWORD).await;

        // A callback nobody started, and an organization without single sign-on.
        let stray = server
            .http
            .get(server.url("/sign-on/callback?code=x&state=never-started"))
            .send()
            .await
            .unwrap();
        assert_eq!(stray.status(), 400);
        assert!(stray.text().await.unwrap().contains("start again"));
        let none = server
            .http
            .get(server.url("/sign-on?organization=fresh"))
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), 404);

        // Removed: passwords work again; both changes are in the audit log.
        assert_eq!(owner.delete("/api/v1/sign-on").await.status, 204);
        assert_eq!(owner.delete("/api/v1/sign-on").await.status, 404);
        server.login("owner@sso.example", PASSWORD).await;
        let audit = owner.get("/api/v1/audit?limit=100").await.expect(200);
        let actions: Vec<&str> = audit["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(
            actions.contains(&"sign_on.configured") && actions.contains(&"sign_on.removed"),
            "{actions:?}"
        );
        server.stop().await;
    }
}
