//! Single sign-on's records: each organization's OpenID Connect settings (the client secret
//! sealed at rest), the sign-ins under way, which account a provider's subject is, and what
//! a completed sign-in changes — the account made just in time, the role its groups grant,
//! or, when they grant none any more, the membership ended with its sessions and tokens.

use crate::accounts::{end_membership, normalize_email, owners, parse_timestamp, timestamp};
use crate::connect::Store;
use crate::error::StoreError;
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use tenure_domain::{Grant, GroupGrant, OrgId};

/// How long a sign-in may take at the provider before it must start again.
pub const SIGN_ON_MINUTES: i64 = 10;

/// A hash no password matches: accounts made at sign-on sign in through the provider.
const NO_PASSWORD: &str = "!single-sign-on";

/// An organization's OpenID Connect provider and what signing in through it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOnSettings {
    /// The provider's issuer URL; its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Stored sealed; opened only to talk to the provider.
    pub client_secret: String,
    /// Scopes asked for besides `openid` (`email`, `profile`, and often `groups`).
    pub scopes: Vec<String>,
    /// E-mail domains that may sign in; none means any.
    pub allowed_domains: Vec<String>,
    /// The claim listing a person's groups (`groups` at Okta, Entra ID and Keycloak).
    pub groups_claim: String,
    /// The claim naming a manager's reporting line.
    pub manager_key_claim: String,
    pub group_grants: Vec<GroupGrant>,
    /// False: members sign in only through the provider.
    pub password_sign_in: bool,
    pub updated_at: String,
}

/// A sign-in under way, as the callback needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOnAttempt {
    pub org: OrgId,
    pub nonce: String,
    pub pkce_verifier: String,
    pub browser_hash: String,
}

/// Who the provider says signed in, and what their groups grant (`None`: nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOnIdentity<'a> {
    pub subject: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub grant: Option<&'a Grant>,
}

/// What a completed sign-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOnOutcome {
    /// A member now, with the granted role: `created` when the account was made just now.
    Member { user_id: i64, created: bool },
    /// No group grants access: any membership has ended (sessions and tokens with it).
    NoAccess { user_id: Option<i64>, ended: bool },
    /// The change would leave the organization without an owner: nothing changed.
    LastOwner,
}

impl Store {
    pub async fn sign_on_settings(&self, org: OrgId) -> Result<Option<SignOnSettings>, StoreError> {
        let row = sqlx::query("SELECT issuer, client_id, client_secret, scopes, allowed_domains, groups_claim, manager_key_claim, group_grants, password_sign_in, updated_at FROM sign_on_settings WHERE org_id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.map(|r| {
            Ok(SignOnSettings {
                issuer: r.get(0),
                client_id: r.get(1),
                client_secret: self.sealer.open(&r.get::<String, _>(2))?,
                scopes: from_json(&r.get::<String, _>(3), "sign-on scopes")?,
                allowed_domains: from_json(&r.get::<String, _>(4), "sign-on domains")?,
                groups_claim: r.get(5),
                manager_key_claim: r.get(6),
                group_grants: from_json(&r.get::<String, _>(7), "sign-on group grants")?,
                password_sign_in: r.get::<i64, _>(8) != 0,
                updated_at: r.get(9),
            })
        })
        .transpose()
    }

    /// Saves the organization's settings (the secret sealed), replacing earlier ones.
    pub async fn save_sign_on_settings(
        &self,
        org: OrgId,
        settings: &SignOnSettings,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sign_on_settings (org_id, issuer, client_id, client_secret, scopes, allowed_domains, groups_claim, manager_key_claim, group_grants, password_sign_in, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id, client_secret = excluded.client_secret, scopes = excluded.scopes, allowed_domains = excluded.allowed_domains, groups_claim = excluded.groups_claim, manager_key_claim = excluded.manager_key_claim, group_grants = excluded.group_grants, password_sign_in = excluded.password_sign_in, updated_at = excluded.updated_at")
            .bind(org.0)
            .bind(&settings.issuer)
            .bind(&settings.client_id)
            .bind(self.sealer.seal(&settings.client_secret))
            .bind(to_json(&settings.scopes))
            .bind(to_json(&settings.allowed_domains))
            .bind(&settings.groups_claim)
            .bind(&settings.manager_key_claim)
            .bind(to_json(&settings.group_grants))
            .bind(i64::from(settings.password_sign_in))
            .bind(&settings.updated_at)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// Removes single sign-on (and so switches passwords back on); false when there was none.
    pub async fn remove_sign_on_settings(&self, org: OrgId) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_on_attempts WHERE org_id = $1")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM sign_on_settings WHERE org_id = $1")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Switches password sign-in back on, keeping single sign-on; false when it was not off.
    pub async fn allow_password_sign_in(&self, org: OrgId) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE sign_on_settings SET password_sign_in = 1 WHERE org_id = $1 AND password_sign_in = 0")
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether members of `org` may sign in with a password.
    pub async fn password_sign_in_allowed(&self, org: OrgId) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT password_sign_in FROM sign_on_settings WHERE org_id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.is_none_or(|r| r.get::<i64, _>(0) != 0))
    }

    /// Remembers a sign-in sent to the provider, keyed by its state's hash, and forgets
    /// attempts older than [`SIGN_ON_MINUTES`].
    pub async fn begin_sign_on(
        &self,
        state_hash: &str,
        attempt: &SignOnAttempt,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_on_attempts WHERE created_at < $1")
            .bind(timestamp(at - Duration::minutes(SIGN_ON_MINUTES)))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sign_on_attempts (state_hash, org_id, nonce, pkce_verifier, browser_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(state_hash)
            .bind(attempt.org.0)
            .bind(&attempt.nonce)
            .bind(self.sealer.seal(&attempt.pkce_verifier))
            .bind(&attempt.browser_hash)
            .bind(timestamp(at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The attempt with this state, used up: a state answers once, and not after
    /// [`SIGN_ON_MINUTES`].
    pub async fn take_sign_on(
        &self,
        state_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<SignOnAttempt>, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT org_id, nonce, pkce_verifier, browser_hash, created_at FROM sign_on_attempts WHERE state_hash = $1")
            .bind(state_hash)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sign_on_attempts WHERE state_hash = $1")
            .bind(state_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let started = parse_timestamp(&row.get::<String, _>(4))?;
        if at - started > Duration::minutes(SIGN_ON_MINUTES) {
            return Ok(None);
        }
        Ok(Some(SignOnAttempt {
            org: OrgId(row.get(0)),
            nonce: row.get(1),
            pkce_verifier: self.sealer.open(&row.get::<String, _>(2))?,
            browser_hash: row.get(3),
        }))
    }

    /// Applies a completed sign-in in one transaction: finds the account by the provider's
    /// subject, else by address (making it when there is none and a group grants access),
    /// links the subject to it, and makes the membership what the groups grant — or ends it,
    /// with its sessions and tokens, when they grant nothing. Leaves everything as it was
    /// rather than leave the organization without an owner.
    pub async fn complete_sign_on(
        &self,
        org: OrgId,
        identity: &SignedOnIdentity<'_>,
        at: DateTime<Utc>,
    ) -> Result<SignOnOutcome, StoreError> {
        let at = timestamp(at);
        let mut tx = self.begin_write().await?;
        let linked: Option<i64> = sqlx::query(
            "SELECT user_id FROM sign_on_identities WHERE org_id = $1 AND subject = $2",
        )
        .bind(org.0)
        .bind(identity.subject)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get(0));
        let email = normalize_email(identity.email);
        let existing = match linked {
            Some(id) => Some(id),
            None => sqlx::query("SELECT id FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.get(0)),
        };
        let Some(grant) = identity.grant else {
            let ended = match existing {
                Some(user_id) => end_membership(&mut tx, org, user_id, &at).await?,
                None => false,
            };
            if owners(&mut tx, org).await? == 0 {
                return Ok(SignOnOutcome::LastOwner);
            }
            tx.commit().await?;
            return Ok(SignOnOutcome::NoAccess {
                user_id: existing,
                ended,
            });
        };
        let (user_id, created) = match existing {
            Some(id) => (id, false),
            None => {
                let id = sqlx::query("INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                    .bind(&email)
                    .bind(identity.display_name)
                    .bind(NO_PASSWORD)
                    .bind(&at)
                    .fetch_one(&mut *tx)
                    .await?
                    .get(0);
                (id, true)
            }
        };
        sqlx::query("INSERT INTO sign_on_identities (org_id, subject, user_id, last_sign_in_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, subject) DO UPDATE SET user_id = excluded.user_id, last_sign_in_at = excluded.last_sign_in_at")
            .bind(org.0)
            .bind(identity.subject)
            .bind(user_id)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO memberships (org_id, user_id, role, units, manager_key, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role, units = excluded.units, manager_key = excluded.manager_key")
            .bind(org.0)
            .bind(user_id)
            .bind(grant.role.key())
            .bind(to_json(&grant.units))
            .bind(&grant.manager_key)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        if owners(&mut tx, org).await? == 0 {
            return Ok(SignOnOutcome::LastOwner);
        }
        tx.commit().await?;
        Ok(SignOnOutcome::Member { user_id, created })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("lists of strings and grants are JSON")
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
