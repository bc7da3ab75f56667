//! People's own access and objections: the links HR sends a person to see what tenure holds
//! about them (only the token's hash is kept), and objections to being scored — recorded (with
//! who recorded it and when), withdrawn, and read by every scoring path. Recording one removes
//! what scoring left about the person — their scores and survival curves — and dismisses
//! their open warnings, in one transaction.

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use sqlx::Row;
use std::collections::HashSet;
use tenure_domain::OrgId;

/// How long a person's access link works.
pub const ACCESS_LINK_DAYS: i64 = 14;

/// Dismissed warnings say why.
const OBJECTED: &str = "the person objected to being scored";

impl Store {
    /// Records `person`'s objection, recorded by `by` (an actor name). Their scores and
    /// survival curves go and their open warnings are dismissed. False when the person is not
    /// known or had already objected.
    pub async fn record_objection(
        &self,
        org: OrgId,
        person: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let known = sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND person_key = $2")
            .bind(org.0)
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        let already = sqlx::query("SELECT 1 FROM objections WHERE org_id = $1 AND person_key = $2")
            .bind(org.0)
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !known || already {
            tx.rollback().await?;
            return Ok(false);
        }
        let at = now();
        sqlx::query("INSERT INTO objections (org_id, person_key, objected_at, recorded_by) VALUES ($1, $2, $3, $4)")
            .bind(org.0)
            .bind(person)
            .bind(&at)
            .bind(by)
            .execute(&mut *tx)
            .await?;
        for table in ["scores", "forecast_curves"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE org_id = $1 AND person_key = $2"
            ))
            .bind(org.0)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE warnings SET status = 'dismissed', closed_at = $1, reason = $2 WHERE org_id = $3 AND person_key = $4 AND status NOT IN ('closed', 'dismissed')")
            .bind(&at)
            .bind(OBJECTED)
            .bind(org.0)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws `person`'s objection: the next scoring run scores them again. False when
    /// there was none.
    pub async fn withdraw_objection(&self, org: OrgId, person: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query("DELETE FROM objections WHERE org_id = $1 AND person_key = $2")
            .bind(org.0)
            .bind(person)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone > 0)
    }

    /// A new link for `person` to see their record, made by `by`: the token (shown once, never
    /// stored) and when it stops working.
    pub async fn create_access_link(
        &self,
        org: OrgId,
        person: &str,
        by: &str,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>), StoreError> {
        let mut bytes = [0u8; 24];
        getrandom::getrandom(&mut bytes).expect("the OS random generator is available");
        let token = hex::encode(bytes);
        let expires = chrono::Utc::now() + chrono::Duration::days(ACCESS_LINK_DAYS);
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO access_links (token_hash, org_id, person_key, created_at, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(token_hash(&token))
            .bind(org.0)
            .bind(person)
            .bind(now())
            .bind(crate::accounts::timestamp(expires))
            .bind(by)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((token, expires))
    }

    /// Whose link `token` is, while it works.
    pub async fn access_link(&self, token: &str) -> Result<Option<(OrgId, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT org_id, person_key FROM access_links WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.map(|r| (OrgId(r.get(0)), r.get(1))))
    }

    /// Whether the organization holds anyone of this key.
    pub async fn person_exists(&self, org: OrgId, person: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND person_key = $2")
                .bind(org.0)
                .bind(person)
                .fetch_optional(&mut *self.connection().await?)
                .await?
                .is_some(),
        )
    }

    /// When `person` objected, if they have.
    pub async fn objection(&self, org: OrgId, person: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query("SELECT objected_at FROM objections WHERE org_id = $1 AND person_key = $2")
                .bind(org.0)
                .bind(person)
                .fetch_optional(&mut *self.connection().await?)
                .await?
                .map(|r| r.get(0)),
        )
    }

    /// Everyone who has objected: the people no scoring path may score.
    pub async fn objectors(&self, org: OrgId) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT person_key FROM objections WHERE org_id = $1")
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

/// Links are looked up by the SHA-256 of their token: a copy of the database opens no record.
fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}
