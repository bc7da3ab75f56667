//! Single sign-on's records: the client secret and PKCE verifiers sealed at rest, attempts that
//! answer once and expire, and what a completed sign-in does to accounts and memberships.

use crate::support::*;
use chrono::{Duration, Utc};
use tenure_domain::{Grant, GroupGrant, OrgId, Permission, Role};
use tenure_store::{
    NewApiToken, SignOnAttempt, SignOnOutcome, SignOnSettings, SignUp, SignedOnIdentity, Store,
};

fn settings(password_sign_in: bool) -> SignOnSettings {
    SignOnSettings {
        issuer: "https://idp.example".into(),
        client_id: "tenure".into(),
        client_secret: "client-Secret-77".into(),
        scopes: vec!["email".into(), "groups".into()],
        allowed_domains: vec!["acme.example".into()],
        groups_claim: "groups".into(),
        manager_key_claim: "employee_number".into(),
        group_grants: vec![GroupGrant {
            group: "hr".into(),
            role: Role::Hr,
            units: vec!["Sales".into()],
        }],
        password_sign_in,
        updated_at: "2026-12-07T00:00:00.000Z".into(),
    }
}

fn grant(role: Role) -> Grant {
    Grant {
        role,
        units: vec![],
        manager_key: None,
    }
}

async fn organization_with_owner(store: &Store) -> (OrgId, i64) {
    let (org, owner) = store
        .sign_up(&SignUp {
            slug: "acme",
            name: "Acme",
            email: "owner@acme.example",
            display_name: "Owner",
            password_hash: "x",
            plan_expires_on: Utc::now().date_naive() + Duration::days(30),
        })
        .await
        .unwrap();
    (org.id, owner)
}

/// TRUST.md 25: the client secret and the PKCE verifiers are sealed like other secrets.
#[tokio::test]
async fn sign_on_secrets_are_sealed_and_attempts_answer_once_within_ten_minutes() {
    each_backend("sign_on_sealed", |store| async move {
        let (org, _) = organization_with_owner(&store).await;
        assert!(store.password_sign_in_allowed(org).await.unwrap());
        store
            .save_sign_on_settings(org, &settings(false))
            .await
            .unwrap();
        assert_eq!(
            store.sign_on_settings(org).await.unwrap(),
            Some(settings(false))
        );
        assert!(!store.password_sign_in_allowed(org).await.unwrap());
        // The operator's break glass (`tenure admin passwords-on`).
        assert!(store.allow_password_sign_in(org).await.unwrap());
        assert!(store.password_sign_in_allowed(org).await.unwrap());
        assert!(!store.allow_password_sign_in(org).await.unwrap());
        let now = Utc::now();
        let attempt = SignOnAttempt {
            org,
            nonce: "n-1".into(),
            pkce_verifier: "verifier-Secret-88".into(),
            browser_hash: "b".into(),
        };
        store.begin_sign_on("state-1", &attempt, now).await.unwrap();
        store.begin_sign_on("state-2", &attempt, now).await.unwrap();
        let pool = store.pool_for_tests();
        let secret: String = sqlx::Row::get(
            &sqlx::query("SELECT client_secret FROM sign_on_settings WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(pool)
                .await
                .unwrap(),
            0,
        );
        let verifier: String = sqlx::Row::get(
            &sqlx::query("SELECT pkce_verifier FROM sign_on_attempts WHERE state_hash = 'state-1'")
                .fetch_one(pool)
                .await
                .unwrap(),
            0,
        );
        assert!(secret.starts_with("sealed:v1:") && !secret.contains("client-Secret-77"));
        assert!(verifier.starts_with("sealed:v1:") && !verifier.contains("verifier-Secret-88"));

        assert_eq!(
            store.take_sign_on("state-1", now).await.unwrap(),
            Some(attempt.clone())
        );
        assert_eq!(
            store.take_sign_on("state-1", now).await.unwrap(),
            None,
            "once"
        );
        assert_eq!(
            store
                .take_sign_on("state-2", now + Duration::minutes(11))
                .await
                .unwrap(),
            None,
            "expired"
        );
        assert_eq!(store.take_sign_on("never", now).await.unwrap(), None);

        assert!(store.remove_sign_on_settings(org).await.unwrap());
        assert!(store.password_sign_in_allowed(org).await.unwrap());
        assert!(!store.remove_sign_on_settings(org).await.unwrap());
    })
    .await;
}

/// A first sign-in makes the account; later ones follow the provider's groups and its
/// subject (not the address); no group ends the membership with its sessions and tokens; the
/// last owner is never dropped.
#[tokio::test]
async fn completed_sign_ins_make_accounts_follow_groups_and_end_access() {
    each_backend("sign_on_completed", |store| async move {
        let (org, owner) = organization_with_owner(&store).await;
        let now = Utc::now();
        let hr = grant(Role::Hr);
        let ana = |email: &'static str, grant: Option<&'static Grant>| SignedOnIdentity {
            subject: "sub-ana",
            email,
            display_name: "Ana",
            grant,
        };
        let hr: &'static Grant = Box::leak(Box::new(hr));
        let first = store
            .complete_sign_on(org, &ana("Ana@Acme.example", Some(hr)), now)
            .await
            .unwrap();
        let SignOnOutcome::Member { user_id, created } = first else {
            panic!("{first:?}")
        };
        assert!(created);
        let member = store.member(org, user_id).await.unwrap().unwrap();
        assert_eq!(member.role, Role::Hr);
        let user = store
            .user_by_email("ana@acme.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.id, user_id);

        // The address changed at the provider: the same account, by subject.
        let auditor: &'static Grant = Box::leak(Box::new(grant(Role::Auditor)));
        let second = store
            .complete_sign_on(org, &ana("ana.lima@acme.example", Some(auditor)), now)
            .await
            .unwrap();
        assert_eq!(
            second,
            SignOnOutcome::Member {
                user_id,
                created: false
            }
        );
        assert_eq!(
            store.member(org, user_id).await.unwrap().unwrap().role,
            Role::Auditor
        );

        // No group any more: the membership, her sessions and her tokens end.
        store
            .create_session("session-ana", org, user_id, "csrf", now)
            .await
            .unwrap();
        store
            .create_api_token(
                org,
                &NewApiToken {
                    name: "ana's",
                    token_hash: "token-ana",
                    scopes: &[Permission::ReadAggregates],
                    created_by: user_id,
                    expires_at: now + Duration::days(30),
                },
            )
            .await
            .unwrap();
        let third = store
            .complete_sign_on(org, &ana("ana.lima@acme.example", None), now)
            .await
            .unwrap();
        assert_eq!(
            third,
            SignOnOutcome::NoAccess {
                user_id: Some(user_id),
                ended: true
            }
        );
        assert_eq!(store.member(org, user_id).await.unwrap(), None);
        assert!(store
            .session_credential("session-ana")
            .await
            .unwrap()
            .is_none());
        let token = store.token_credential("token-ana").await.unwrap();
        assert!(token.is_none_or(|t| t.record.revoked_at.is_some()));

        // The only owner, signing in with no owner group, stays an owner.
        let owner_login = SignedOnIdentity {
            subject: "sub-owner",
            email: "owner@acme.example",
            display_name: "Owner",
            grant: Some(hr),
        };
        assert_eq!(
            store
                .complete_sign_on(org, &owner_login, now)
                .await
                .unwrap(),
            SignOnOutcome::LastOwner
        );
        assert_eq!(
            store.member(org, owner).await.unwrap().unwrap().role,
            Role::Owner
        );
    })
    .await;
}
