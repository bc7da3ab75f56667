//! Accounts an identity provider provisions (SCIM 2.0): each organization's provisioned
//! accounts, whether the provider has them active, and the tenure group — the role — it put
//! them in. The membership that grants access is derived from them in the same transaction:
//! it exists exactly while the account is active and in a group, and when it goes, the
//! account's sessions in the organization end and the API tokens it made are revoked.

use crate::accounts::{end_membership, normalize_email, owners};
use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use sqlx::Row;
use tenure_domain::{OrgId, Role};

/// A provisioned account as its organization sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedUser {
    pub user_id: i64,
    /// The e-mail address it signs in with (SCIM `userName`).
    pub user_name: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub active: bool,
    /// The group (role) it is in, if any.
    pub role: Option<Role>,
    /// Whose reporting line it sees as a manager (SCIM enterprise `employeeNumber`).
    pub manager_key: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a provider sets on an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvisionedChange {
    pub display_name: Option<String>,
    pub external_id: Option<Option<String>>,
    pub active: Option<bool>,
    pub role: Option<Option<Role>>,
    pub manager_key: Option<Option<String>>,
}

/// A hash no password matches: provisioned accounts sign in through single sign-on.
const NO_PASSWORD: &str = "!provisioned";

const SELECT: &str = "SELECT s.user_id, u.email, u.display_name, s.external_id, s.active, s.role, s.manager_key, s.created_at, s.updated_at FROM scim_users s JOIN users u ON u.id = s.user_id";

impl Store {
    /// The organization's provisioned accounts, oldest first; only the one signing in with
    /// `user_name` when given.
    pub async fn provisioned_users(
        &self,
        org: OrgId,
        user_name: Option<&str>,
    ) -> Result<Vec<ProvisionedUser>, StoreError> {
        let rows = match user_name {
            Some(name) => {
                sqlx::query(&format!(
                    "{SELECT} WHERE s.org_id = $1 AND u.email = $2 ORDER BY s.user_id"
                ))
                .bind(org.0)
                .bind(normalize_email(name))
                .fetch_all(&mut *self.connection().await?)
                .await?
            }
            None => {
                sqlx::query(&format!("{SELECT} WHERE s.org_id = $1 ORDER BY s.user_id"))
                    .bind(org.0)
                    .fetch_all(&mut *self.connection().await?)
                    .await?
            }
        };
        rows.iter().map(provisioned_user).collect()
    }

    /// One provisioned account of the organization (another's is `None`).
    pub async fn provisioned_user(
        &self,
        org: OrgId,
        user_id: i64,
    ) -> Result<Option<ProvisionedUser>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE s.org_id = $1 AND s.user_id = $2"))
            .bind(org.0)
            .bind(user_id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.as_ref().map(provisioned_user).transpose()
    }

    /// Provisions `user_name` in the organization (creating the account, without a password,
    /// when the address has none) with `change` applied. Refused when the organization has
    /// already provisioned it.
    pub async fn provision_user(
        &self,
        org: OrgId,
        user_name: &str,
        change: &ProvisionedChange,
    ) -> Result<ProvisionedUser, StoreError> {
        let email = normalize_email(user_name);
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.get(0));
        let user_id = match existing {
            Some(id) => id,
            None => {
                let name = change.display_name.clone().unwrap_or_else(|| email.clone());
                sqlx::query("INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                    .bind(&email)
                    .bind(name)
                    .bind(NO_PASSWORD)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?
                    .get(0)
            }
        };
        if provisioned(&mut tx, org, user_id).await? {
            return Err(StoreError::Taken("user", email));
        }
        let at = now();
        sqlx::query("INSERT INTO scim_users (org_id, user_id, external_id, active, role, manager_key, created_at, updated_at) VALUES ($1, $2, NULL, 1, NULL, NULL, $3, $3)")
            .bind(org.0)
            .bind(user_id)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        apply(&mut tx, org, user_id, change).await?;
        tx.commit().await?;
        self.provisioned_user(org, user_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a provisioned user vanished".into()))
    }

    /// Applies `change` to a provisioned account and brings its membership in line; `None`
    /// when the organization has not provisioned it.
    pub async fn change_provisioned_user(
        &self,
        org: OrgId,
        user_id: i64,
        change: &ProvisionedChange,
    ) -> Result<Option<ProvisionedUser>, StoreError> {
        let mut tx = self.begin_write().await?;
        if !provisioned(&mut tx, org, user_id).await? {
            return Ok(None);
        }
        apply(&mut tx, org, user_id, change).await?;
        tx.commit().await?;
        self.provisioned_user(org, user_id).await
    }

    /// Deprovisions an account: its membership, sessions and tokens go with it. False when
    /// the organization had not provisioned it.
    pub async fn deprovision_user(&self, org: OrgId, user_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let change = ProvisionedChange {
            active: Some(false),
            ..ProvisionedChange::default()
        };
        if !provisioned(&mut tx, org, user_id).await? {
            return Ok(false);
        }
        apply(&mut tx, org, user_id, &change).await?;
        sqlx::query("DELETE FROM scim_users WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Writes `change`, then derives the membership: active and in a group, a member with that
/// role; otherwise none, with the account's sessions in the organization ended and its tokens
/// revoked. Refuses to leave the organization without an owner.
async fn apply(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    user_id: i64,
    change: &ProvisionedChange,
) -> Result<(), StoreError> {
    let at = now();
    if let Some(name) = &change.display_name {
        sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
            .bind(name)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let row = sqlx::query(
        "SELECT external_id, active, role, manager_key FROM scim_users WHERE org_id = $1 AND user_id = $2",
    )
    .bind(org.0)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    let external_id: Option<String> = change.external_id.clone().unwrap_or_else(|| row.get(0));
    let active = change.active.unwrap_or(row.get::<i64, _>(1) != 0);
    let role: Option<Role> = match &change.role {
        Some(role) => *role,
        None => row
            .get::<Option<String>, _>(2)
            .as_deref()
            .and_then(Role::parse),
    };
    let manager_key: Option<String> = change.manager_key.clone().unwrap_or_else(|| row.get(3));
    if role == Some(Role::Manager) && manager_key.is_none() {
        return Err(StoreError::Refused(
            "a manager sees one reporting line: give the user an employeeNumber (the enterprise extension's) naming whose line it is".into(),
        ));
    }
    sqlx::query("UPDATE scim_users SET external_id = $1, active = $2, role = $3, manager_key = $4, updated_at = $5 WHERE org_id = $6 AND user_id = $7")
        .bind(&external_id)
        .bind(i64::from(active))
        .bind(role.map(|r| r.key()))
        .bind(&manager_key)
        .bind(&at)
        .bind(org.0)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    match role.filter(|_| active) {
        Some(role) => {
            let line = manager_key.filter(|_| role == Role::Manager);
            sqlx::query("INSERT INTO memberships (org_id, user_id, role, units, manager_key, created_at) VALUES ($1, $2, $3, '[]', $4, $5) ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role, manager_key = excluded.manager_key")
                .bind(org.0)
                .bind(user_id)
                .bind(role.key())
                .bind(line)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            end_membership(&mut *tx, org, user_id, &at).await?;
        }
    }
    if owners(&mut *tx, org).await? == 0 {
        return Err(StoreError::Refused(
            "that would leave the organization without an owner: put another user in the owner group first".into(),
        ));
    }
    Ok(())
}

/// Whether the organization has provisioned `user_id`.
async fn provisioned(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    user_id: i64,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("SELECT 1 FROM scim_users WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some(),
    )
}

fn provisioned_user(row: &sqlx::any::AnyRow) -> Result<ProvisionedUser, StoreError> {
    let role: Option<String> = row.get(5);
    Ok(ProvisionedUser {
        user_id: row.get(0),
        user_name: row.get(1),
        display_name: row.get(2),
        external_id: row.get(3),
        active: row.get::<i64, _>(4) != 0,
        role: role
            .map(|r| {
                Role::parse(&r)
                    .ok_or_else(|| StoreError::Corrupt(format!("provisioned role {r:?}")))
            })
            .transpose()?,
        manager_key: row.get(6),
        created_at: row.get(7),
        updated_at: row.get(8),
    })
}
