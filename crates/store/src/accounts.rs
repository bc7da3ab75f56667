//! People who sign in: users (platform-wide, one per e-mail address), their memberships in
//! organizations with a role, and invitations that turn an e-mail address into a member.

use crate::connect::Store;
use crate::error::StoreError;
use crate::organizations::{
    organization_from_row, Organization, ORGANIZATION_COLUMNS, ORGANIZATION_WIDTH,
};
use crate::sql::now;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tenure_domain::{OrgId, Role};

/// A user as stored, with the password hash the server verifies against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
}

/// A user's place in one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Departments or teams an hr member is limited to; empty means the whole organization.
    pub units: Vec<String>,
    /// Whose reporting line a manager sees.
    pub manager_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a member may see beyond their role: units for hr, a reporting line for managers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberScope {
    pub units: Vec<String>,
    pub manager_key: Option<String>,
}

/// The organization and owner a sign-up creates.
#[derive(Debug, Clone)]
pub struct SignUp<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    /// The trial membership's last day.
    pub plan_expires_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub email: &'a str,
    pub role: Role,
    pub scope: MemberScope,
    pub token_hash: &'a str,
    pub invited_by: i64,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub units: Vec<String>,
    pub manager_key: Option<String>,
    pub invited_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// How accepting an invitation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    Joined {
        org: OrgId,
        user_id: i64,
    },
    /// Unknown, already used or expired: the same answer for each, so tokens can't be probed.
    Invalid,
}

const MEMBER_COLUMNS: &str =
    "m.user_id, u.email, u.display_name, m.role, m.units, m.manager_key, m.created_at";
const INVITATION_COLUMNS: &str =
    "id, email, role, units, manager_key, invited_by, created_at, expires_at, accepted_at";

impl Store {
    /// Creates an organization and its owner in one transaction. A taken slug or e-mail
    /// address is refused and nothing is written.
    pub async fn sign_up(&self, request: &SignUp<'_>) -> Result<(Organization, i64), StoreError> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("SELECT 1 FROM organizations WHERE slug = $1")
            .bind(request.slug)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Taken("organization", request.slug.to_owned()));
        }
        let email = normalize_email(request.email);
        let user_taken = sqlx::query("SELECT 1 FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
        if user_taken.is_some() {
            return Err(StoreError::Taken("account", email));
        }
        let created = now();
        let org_id: i64 = sqlx::query("INSERT INTO organizations (slug, name, created_at, plan, plan_expires_on, pseudonym_key) VALUES ($1, $2, $3, 'basic', $4, $5) RETURNING id")
            .bind(request.slug)
            .bind(request.name)
            .bind(&created)
            .bind(request.plan_expires_on.to_string())
            .bind(crate::trust::new_pseudonym_key())
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        let user_id =
            insert_user(&mut tx, &email, request.display_name, request.password_hash).await?;
        sqlx::query("INSERT INTO memberships (org_id, user_id, role, units, manager_key, created_at) VALUES ($1, $2, 'owner', '[]', NULL, $3)")
            .bind(org_id)
            .bind(user_id)
            .bind(&created)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let org = self
            .organization_by_id(OrgId(org_id))
            .await?
            .ok_or_else(|| StoreError::Corrupt("organization vanished after sign-up".into()))?;
        Ok((org, user_id))
    }

    /// Makes `email` a member of `org` with `role`, creating the account (with
    /// `password_hash`) when the address has none; an existing account keeps its password.
    pub async fn add_member(
        &self,
        org: OrgId,
        email: &str,
        display_name: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let email = normalize_email(email);
        let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
        let user_id = match existing {
            Some(r) => r.get(0),
            None => insert_user(&mut tx, &email, display_name, password_hash).await?,
        };
        sqlx::query("INSERT INTO memberships (org_id, user_id, role, units, manager_key, created_at) VALUES ($1, $2, $3, '[]', NULL, $4) ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role")
            .bind(org.0)
            .bind(user_id)
            .bind(role.key())
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(user_id)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, display_name, password_hash FROM users WHERE email = $1",
        )
        .bind(normalize_email(email))
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.map(|r| User {
            id: r.get(0),
            email: r.get(1),
            display_name: r.get(2),
            password_hash: r.get(3),
        }))
    }

    /// Replaces a user's password hash (the demo's fresh password on every run).
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// The user's chosen language tag, if they chose one.
    pub async fn user_locale(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT locale FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.and_then(|r| r.get(0)))
    }

    /// Records the user's language (a tag the caller has checked).
    pub async fn set_user_locale(&self, user_id: i64, locale: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale)
            .bind(user_id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// The organizations a user belongs to, with their role in each.
    pub async fn memberships_of(
        &self,
        user_id: i64,
    ) -> Result<Vec<(Organization, Role)>, StoreError> {
        let sql = format!(
            "SELECT {ORGANIZATION_COLUMNS}, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.slug"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    organization_from_row(r)?,
                    parse_role(&r.get::<String, _>(ORGANIZATION_WIDTH))?,
                ))
            })
            .collect()
    }

    pub async fn member(&self, org: OrgId, user_id: i64) -> Result<Option<Member>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .bind(user_id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.as_ref().map(member_from_row).transpose()
    }

    pub async fn members(&self, org: OrgId) -> Result<Vec<Member>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.user_id");
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(member_from_row).collect()
    }

    /// Changes a member's role and scope; false when the user is not a member of `org`.
    pub async fn update_member(
        &self,
        org: OrgId,
        user_id: i64,
        role: Role,
        scope: &MemberScope,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE memberships SET role = $1, units = $2, manager_key = $3 WHERE org_id = $4 AND user_id = $5")
            .bind(role.key())
            .bind(units_json(&scope.units))
            .bind(&scope.manager_key)
            .bind(org.0)
            .bind(user_id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes a member, ends their sessions in `org` and revokes the API tokens they made
    /// there; false when not a member.
    pub async fn remove_member(&self, org: OrgId, user_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = end_membership(&mut tx, org, user_id, &now()).await?;
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn owner_count(&self, org: OrgId) -> Result<i64, StoreError> {
        owners(&mut *self.connection().await?, org).await
    }

    pub async fn create_invitation(
        &self,
        org: OrgId,
        invitation: &NewInvitation<'_>,
    ) -> Result<i64, StoreError> {
        let id: i64 = sqlx::query("INSERT INTO invitations (org_id, email, role, units, manager_key, token_hash, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(org.0)
            .bind(normalize_email(invitation.email))
            .bind(invitation.role.key())
            .bind(units_json(&invitation.scope.units))
            .bind(&invitation.scope.manager_key)
            .bind(invitation.token_hash)
            .bind(invitation.invited_by)
            .bind(now())
            .bind(timestamp(invitation.expires_at))
            .fetch_one(&mut *self.connection().await?)
            .await?
            .get(0);
        Ok(id)
    }

    pub async fn invitations(&self, org: OrgId) -> Result<Vec<Invitation>, StoreError> {
        let sql =
            format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE org_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    /// Withdraws an invitation not yet accepted; false when there is none with this id in `org`.
    pub async fn revoke_invitation(&self, org: OrgId, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE invitations SET expires_at = $1 WHERE org_id = $2 AND id = $3 AND accepted_at IS NULL")
            .bind(now())
            .bind(org.0)
            .bind(id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Accepts an invitation: an existing account joins with its own password; a new address
    /// becomes an account with `password_hash`. One use only, before it expires.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        display_name: &str,
        password_hash: &str,
    ) -> Result<Acceptance, StoreError> {
        let mut tx = self.begin_write().await?;
        let sql =
            format!("SELECT {INVITATION_COLUMNS}, org_id FROM invitations WHERE token_hash = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(Acceptance::Invalid);
        };
        let invitation = invitation_from_row(&row)?;
        let org = OrgId(row.get(9));
        let expired = invitation.expires_at <= Utc::now();
        if invitation.accepted_at.is_some() || expired {
            return Ok(Acceptance::Invalid);
        }
        let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(&invitation.email)
            .fetch_optional(&mut *tx)
            .await?;
        let user_id = match existing {
            Some(r) => r.get(0),
            None => insert_user(&mut tx, &invitation.email, display_name, password_hash).await?,
        };
        let created = now();
        sqlx::query("INSERT INTO memberships (org_id, user_id, role, units, manager_key, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role, units = excluded.units, manager_key = excluded.manager_key")
            .bind(org.0)
            .bind(user_id)
            .bind(invitation.role.key())
            .bind(units_json(&invitation.units))
            .bind(&invitation.manager_key)
            .bind(&created)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE invitations SET accepted_at = $1 WHERE id = $2")
            .bind(&created)
            .bind(invitation.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Acceptance::Joined { org, user_id })
    }
}

/// Deletes `user_id`'s membership of `org`, ends their sessions and revokes the API tokens
/// they made there, at `at`; false when they were no member. Shared by removing a member and
/// deprovisioning one.
pub(crate) async fn end_membership(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    user_id: i64,
    at: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org.0)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE sessions SET ended_at = $1 WHERE org_id = $2 AND user_id = $3 AND ended_at IS NULL",
    )
    .bind(at)
    .bind(org.0)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    // A token outlives no membership: what someone made while a member stops with it.
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND created_by = $3 AND revoked_at IS NULL")
        .bind(at)
        .bind(org.0)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many owners `org` has, read on `connection` (inside a transaction, its own view).
pub(crate) async fn owners(
    connection: &mut sqlx::AnyConnection,
    org: OrgId,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'owner'")
            .bind(org.0)
            .fetch_one(&mut *connection)
            .await?
            .get(0),
    )
}

async fn insert_user(
    tx: &mut sqlx::AnyConnection,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query("INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(email)
        .bind(display_name)
        .bind(password_hash)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?
        .get(0))
}

/// E-mail addresses compare case-insensitively and without surrounding spaces.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {text:?}: {e}")))
}

fn units_json(units: &[String]) -> String {
    serde_json::to_string(units).expect("a list of strings is JSON")
}

fn parse_units(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("member units: {e}")))
}

pub(crate) fn parse_role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("role {text:?}")))
}

fn member_from_row(r: &sqlx::any::AnyRow) -> Result<Member, StoreError> {
    Ok(Member {
        user_id: r.get(0),
        email: r.get(1),
        display_name: r.get(2),
        role: parse_role(&r.get::<String, _>(3))?,
        units: parse_units(&r.get::<String, _>(4))?,
        manager_key: r.get(5),
        created_at: crate::sql::stamp(r, 6)?,
    })
}

fn invitation_from_row(r: &sqlx::any::AnyRow) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: r.get(0),
        email: r.get(1),
        role: parse_role(&r.get::<String, _>(2))?,
        units: parse_units(&r.get::<String, _>(3))?,
        manager_key: r.get(4),
        invited_by: r.get(5),
        created_at: crate::sql::stamp(r, 6)?,
        expires_at: crate::sql::stamp(r, 7)?,
        accepted_at: crate::sql::stamp_opt(r, 8)?,
    })
}
