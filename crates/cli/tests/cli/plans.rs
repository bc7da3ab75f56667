//! The operator grants, renews and shows plans (`tenure admin plan`).

use crate::support::*;
use std::process::Command;

#[test]
fn the_operator_grants_renews_and_shows_plans() {
    let dir = tempfile::tempdir().unwrap();
    let db = &database_with_acme(dir.path());
    let shown = tenure(&["admin", "--db", db, "plan", "show"]);
    assert_eq!(stdout(&shown).trim(), "acme: no plan granted");
    let granted = tenure(&[
        "admin",
        "--db",
        db,
        "plan",
        "grant",
        "--org",
        "acme",
        "--plan",
        "member",
        "--until",
        "2099-01-31",
    ]);
    assert_eq!(
        stdout(&granted).trim(),
        "acme: member through 2099-01-31 (active)",
        "{}",
        stderr(&granted)
    );
    let lapsed = tenure(&[
        "admin",
        "--db",
        db,
        "plan",
        "grant",
        "--org",
        "acme",
        "--plan",
        "basic",
        "--until",
        "2020-01-31",
    ]);
    assert!(stdout(&lapsed).contains("expired: entitlements off, data kept"));
    // --db is taken after the admin command too, as every other command takes it.
    let renewed = tenure(&[
        "admin",
        "plan",
        "grant",
        "--db",
        db,
        "--org",
        "acme",
        "--plan",
        "member",
        "--until",
        "2099-02-28",
    ]);
    assert_eq!(
        stdout(&renewed).trim(),
        "acme: member through 2099-02-28 (active)",
        "{}",
        stderr(&renewed)
    );
    let unknown = tenure(&[
        "admin",
        "--db",
        db,
        "plan",
        "grant",
        "--org",
        "nobody",
        "--plan",
        "basic",
        "--until",
        "2030-01-01",
    ]);
    assert!(!unknown.status.success() && stderr(&unknown).contains("no organization \"nobody\""));
    let added = Command::new(TENURE)
        .args([
            "admin",
            "--db",
            db,
            "member",
            "add",
            "--org",
            "acme",
            "--email",
            "Boss@Acme.example",
            "--role",
            "owner",
        ])
        .env("TENURE_PASSWORD", "a long enough password")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&added).trim(),
        "acme: boss@acme.example is owner",
        "{}",
        stderr(&added)
    );
    let weak = Command::new(TENURE)
        .args([
            "admin",
            "--db",
            db,
            "member",
            "add",
            "--org",
            "acme",
            "--email",
            "x@acme.example",
            "--role",
            "hr",
        ])
        .env("TENURE_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!weak.status.success() && stderr(&weak).contains("at least 12 characters"));
    let bad_plan = tenure(&[
        "admin",
        "--db",
        db,
        "plan",
        "grant",
        "--org",
        "acme",
        "--plan",
        "gold",
        "--until",
        "2030-01-01",
    ]);
    assert_eq!(bad_plan.status.code(), Some(2));
    assert!(stderr(&bad_plan).contains("expected basic or member"));
}

/// Break glass: an organization that switched passwords off and lost its identity provider
/// gets passwords back from the operator (`tenure admin passwords-on`), its single sign-on
/// settings kept.
#[tokio::test]
async fn the_operator_switches_passwords_back_on_for_an_organization_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = &database_with_acme(dir.path());
    let store = open_store(db).await;
    let org = store.organization("acme").await.unwrap().unwrap().id;
    let settings = tenure_store::SignOnSettings {
        issuer: "https://idp.example".into(),
        client_id: "tenure".into(),
        client_secret: "secret".into(),
        scopes: vec!["email".into()],
        allowed_domains: vec![],
        groups_claim: "groups".into(),
        manager_key_claim: "employee_number".into(),
        group_grants: vec![],
        password_sign_in: false,
        updated_at: "2026-12-07T00:00:00.000Z".into(),
    };
    store.save_sign_on_settings(org, &settings).await.unwrap();
    store.close().await;
    let on = tenure(&["admin", "passwords-on", "--db", db, "--org", "acme"]);
    assert!(on.status.success(), "{}", stderr(&on));
    assert!(stdout(&on).contains("acme: members may sign in with passwords again"));
    let again = tenure(&["admin", "passwords-on", "--db", db, "--org", "acme"]);
    assert_eq!(
        stdout(&again).trim(),
        "acme: passwords were not switched off"
    );
    let store = open_store(db).await;
    assert!(store.password_sign_in_allowed(org).await.unwrap());
    assert_eq!(
        store.sign_on_settings(org).await.unwrap().unwrap().issuer,
        "https://idp.example",
        "single sign-on stays set up"
    );
    store.close().await;
    let unknown = tenure(&["admin", "passwords-on", "--db", db, "--org", "nobody"]);
    assert!(!unknown.status.success());
}
