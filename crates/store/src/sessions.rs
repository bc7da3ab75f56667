//! Web sessions and API tokens, both stored only as SHA-256 hashes of their secrets, and the
//! failed logins that throttle guessing.

use crate::accounts::{parse_role, parse_timestamp, timestamp, Member};
use crate::connect::Store;
use crate::error::StoreError;
use crate::organizations::{organization_from_row, Organization, ORGANIZATION_WIDTH};
use crate::sql::now;
use chrono::{DateTime, Utc};
use sqlx::Row;
use tenure_domain::{OrgId, Permission};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub org: OrgId,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a [Permission],
    pub created_by: i64,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub org: OrgId,
    pub name: String,
    pub scopes: Vec<Permission>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const TOKEN_COLUMNS: &str =
    "id, org_id, name, scopes, created_by, created_at, expires_at, revoked_at";

/// Everything a request's authentication needs, read in one query.
#[derive(Debug, Clone)]
pub struct Credential<T> {
    pub record: T,
    pub organization: Organization,
    pub member: Member,
}

const CALLER_COLUMNS: &str = "o.id, o.slug, o.name, o.plan, o.plan_expires_on, o.min_group_size, m.user_id, u.email, u.display_name, m.role, m.units, m.manager_key, m.created_at";
/// How many columns [`CALLER_COLUMNS`] names: the organization's and seven of the member's.
const CALLER_WIDTH: usize = ORGANIZATION_WIDTH + 7;

impl Store {
    /// A live session with its organization and the user's membership there (`None` when the
    /// session ended or the member was removed).
    pub async fn session_credential(
        &self,
        id_hash: &str,
    ) -> Result<Option<Credential<SessionRecord>>, StoreError> {
        let sql = format!(
            "SELECT {CALLER_COLUMNS}, s.csrf_token, s.created_at, s.last_seen_at FROM sessions s
             JOIN organizations o ON o.id = s.org_id
             JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
             JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.ended_at IS NULL"
        );
        let Some(r) = sqlx::query(&sql)
            .bind(id_hash)
            .fetch_optional(&mut *self.connection().await?)
            .await?
        else {
            return Ok(None);
        };
        let (organization, member) = caller_parts(&r)?;
        let record = SessionRecord {
            org: organization.id,
            user_id: member.user_id,
            csrf_token: r.get(CALLER_WIDTH),
            created_at: parse_timestamp(&r.get::<String, _>(CALLER_WIDTH + 1))?,
            last_seen_at: parse_timestamp(&r.get::<String, _>(CALLER_WIDTH + 2))?,
        };
        Ok(Some(Credential {
            record,
            organization,
            member,
        }))
    }

    /// An API token (any state: the caller checks expiry and revocation) with its organization
    /// and its creator's membership (`None` when unknown or the creator left).
    pub async fn token_credential(
        &self,
        token_hash: &str,
    ) -> Result<Option<Credential<ApiTokenRecord>>, StoreError> {
        let sql = format!(
            "SELECT {CALLER_COLUMNS}, t.id, t.org_id, t.name, t.scopes, t.created_by, t.created_at, t.expires_at, t.revoked_at FROM api_tokens t
             JOIN organizations o ON o.id = t.org_id
             JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.created_by
             JOIN users u ON u.id = t.created_by
             WHERE t.token_hash = $1"
        );
        let Some(r) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&mut *self.connection().await?)
            .await?
        else {
            return Ok(None);
        };
        let (organization, member) = caller_parts(&r)?;
        let record = token_from_columns(&r, CALLER_WIDTH)?;
        Ok(Some(Credential {
            record,
            organization,
            member,
        }))
    }

    /// A session begun at `at`.
    pub async fn create_session(
        &self,
        id_hash: &str,
        org: OrgId,
        user_id: i64,
        csrf_token: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = timestamp(at);
        sqlx::query("INSERT INTO sessions (id_hash, org_id, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(id_hash)
            .bind(org.0)
            .bind(user_id)
            .bind(csrf_token)
            .bind(&at)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    pub async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(timestamp(at))
            .bind(id_hash)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    pub async fn end_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL")
            .bind(now())
            .bind(id_hash)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        org: OrgId,
        token: &NewApiToken<'_>,
    ) -> Result<i64, StoreError> {
        let scopes: Vec<&str> = token.scopes.iter().map(|p| p.scope()).collect();
        Ok(sqlx::query("INSERT INTO api_tokens (org_id, name, token_hash, scopes, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(org.0)
            .bind(token.name)
            .bind(token.token_hash)
            .bind(serde_json::to_string(&scopes).expect("scopes are JSON"))
            .bind(token.created_by)
            .bind(now())
            .bind(timestamp(token.expires_at))
            .fetch_one(&mut *self.connection().await?)
            .await?
            .get(0))
    }

    pub async fn api_tokens(&self, org: OrgId) -> Result<Vec<ApiTokenRecord>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE org_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// False when `org` has no token with this id.
    pub async fn revoke_api_token(&self, org: OrgId, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL")
            .bind(now())
            .bind(org.0)
            .bind(id)
            .execute(&mut *self.connection().await?)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        let exists = sqlx::query("SELECT 1 FROM api_tokens WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(exists.is_some())
    }

    /// Notes a failed login at `at` under each key (an account, an address).
    pub async fn record_login_failure(
        &self,
        keys: &[&str],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = timestamp(at);
        for key in keys {
            sqlx::query("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2)")
                .bind(*key)
                .bind(&at)
                .execute(&mut *self.connection().await?)
                .await?;
        }
        Ok(())
    }

    /// Failed logins under `key` since `since`, and the oldest of them (when the window reopens).
    pub async fn login_failures_since(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE throttle_key = $1 AND at > $2",
        )
        .bind(key)
        .bind(timestamp(since))
        .fetch_one(&mut *self.connection().await?)
        .await?;
        let oldest: Option<String> = row.get(1);
        Ok((
            row.get(0),
            oldest.as_deref().map(parse_timestamp).transpose()?,
        ))
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }
}

fn caller_parts(r: &sqlx::any::AnyRow) -> Result<(Organization, Member), StoreError> {
    let organization = organization_from_row(r)?;
    let at = |i: usize| ORGANIZATION_WIDTH + i;
    let member = Member {
        user_id: r.get(at(0)),
        email: r.get(at(1)),
        display_name: r.get(at(2)),
        role: parse_role(&r.get::<String, _>(at(3)))?,
        units: serde_json::from_str(&r.get::<String, _>(at(4)))
            .map_err(|e| StoreError::Corrupt(format!("member units: {e}")))?,
        manager_key: r.get(at(5)),
        created_at: crate::sql::stamp(r, at(6))?,
    };
    Ok((organization, member))
}

fn token_from_row(r: &sqlx::any::AnyRow) -> Result<ApiTokenRecord, StoreError> {
    token_from_columns(r, 0)
}

/// A token from eight columns starting at `first`, in [`TOKEN_COLUMNS`] order.
fn token_from_columns(r: &sqlx::any::AnyRow, first: usize) -> Result<ApiTokenRecord, StoreError> {
    let c = |i: usize| first + i;
    let scopes: String = r.get(c(3));
    let scopes: Vec<String> = serde_json::from_str(&scopes)
        .map_err(|e| StoreError::Corrupt(format!("token scopes: {e}")))?;
    Ok(ApiTokenRecord {
        id: r.get(c(0)),
        org: OrgId(r.get(c(1))),
        name: r.get(c(2)),
        scopes: scopes
            .iter()
            .map(|s| {
                Permission::parse_scope(s)
                    .ok_or_else(|| StoreError::Corrupt(format!("scope {s:?}")))
            })
            .collect::<Result<_, _>>()?,
        created_by: r.get(c(4)),
        created_at: crate::sql::stamp(r, c(5))?,
        expires_at: parse_timestamp(&r.get::<String, _>(c(6)))?,
        revoked_at: crate::sql::stamp_opt(r, c(7))?,
    })
}
