//! People's objections to being scored: recorded (with who recorded it and when), withdrawn,
//! and read by every scoring path. Recording one removes what scoring left about the person —
//! their scores and survival curves — and dismisses their open warnings, in one transaction.

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use sqlx::Row;
use std::collections::HashSet;
use tenure_domain::OrgId;

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
