//! Warnings and the policy that raises them: each organization's rules, every person's score
//! history for the rules to read, and the warnings themselves — at most one per person per
//! episode (while one is open, and for the cooldown after it closes).

use crate::accounts::timestamp;
use crate::connect::Store;
use crate::error::StoreError;
use crate::models::ScoreGroups;
use crate::sql::now;
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use tenure_domain::{OrgId, PastScore, RiskBand, WarningPolicy};

/// A warning to raise: whom it is about, why, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWarning {
    pub person: String,
    pub model_version: i64,
    /// What changed (the rules' triggers), as JSON.
    pub triggers: serde_json::Value,
    /// The top drivers, each with the supportive action it suggests, as JSON.
    pub drivers: serde_json::Value,
    pub groups: ScoreGroups,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WarningRecord {
    pub id: i64,
    pub warning: NewWarning,
    pub raised_at: String,
    /// open, acknowledged, action_recorded, closed or dismissed.
    pub status: String,
    pub closed_at: Option<String>,
}

const WARNING_COLUMNS: &str = "id, person_key, model_version, raised_at, triggers, drivers, status, team, department, manager, closed_at";

impl Store {
    /// The organization's warning policy (the default until it sets one).
    pub async fn warning_policy(&self, org: OrgId) -> Result<WarningPolicy, StoreError> {
        let row = sqlx::query("SELECT policy FROM warning_policies WHERE org_id = $1")
            .bind(org.0)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(WarningPolicy::default()),
            Some(r) => serde_json::from_str(&r.get::<String, _>(0))
                .map_err(|e| StoreError::Corrupt(format!("warning policy: {e}"))),
        }
    }

    pub async fn set_warning_policy(
        &self,
        org: OrgId,
        policy: &WarningPolicy,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(policy).expect("a policy is plain data");
        sqlx::query("INSERT INTO warning_policies (org_id, policy, updated_at) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at")
            .bind(org.0)
            .bind(text)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every person's stored scores (abstentions left out), dated by the data they were
    /// made from — or, for undated rows, the day they were made.
    pub async fn score_history(
        &self,
        org: OrgId,
    ) -> Result<HashMap<String, Vec<PastScore>>, StoreError> {
        let rows = sqlx::query("SELECT person_key, as_of, scored_at, probability, band FROM scores WHERE org_id = $1 AND probability IS NOT NULL")
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?;
        let mut history: HashMap<String, Vec<PastScore>> = HashMap::new();
        for r in rows {
            let as_of: String = r.get(1);
            let scored_at: String = r.get(2);
            let day = if as_of.is_empty() { &scored_at } else { &as_of };
            let on = NaiveDate::parse_from_str(day.get(..10).unwrap_or(day), "%Y-%m-%d")
                .map_err(|e| StoreError::Corrupt(format!("score date {day:?}: {e}")))?;
            let band: String = r.get(4);
            history.entry(r.get(0)).or_default().push(PastScore {
                on,
                probability: r.get(3),
                band: RiskBand::parse(&band)
                    .ok_or_else(|| StoreError::Corrupt(format!("risk band {band:?}")))?,
            });
        }
        Ok(history)
    }

    /// People with a warning still open, or closed less than `cooldown_days` ago.
    pub async fn people_in_warning_episode(
        &self,
        org: OrgId,
        cooldown_days: i64,
    ) -> Result<HashSet<String>, StoreError> {
        let since = timestamp(chrono::Utc::now() - chrono::Duration::days(cooldown_days));
        let rows = sqlx::query("SELECT DISTINCT person_key FROM warnings WHERE org_id = $1 AND (closed_at IS NULL OR closed_at >= $2)")
            .bind(org.0)
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Raises warnings in one transaction; returns their ids.
    pub async fn raise_warnings(
        &self,
        org: OrgId,
        warnings: &[NewWarning],
    ) -> Result<Vec<i64>, StoreError> {
        let raised_at = now();
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(warnings.len());
        for w in warnings {
            let id: i64 = sqlx::query("INSERT INTO warnings (org_id, person_key, model_version, raised_at, triggers, drivers, status, team, department, manager) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9) RETURNING id")
                .bind(org.0)
                .bind(&w.person)
                .bind(w.model_version)
                .bind(&raised_at)
                .bind(w.triggers.to_string())
                .bind(w.drivers.to_string())
                .bind(&w.groups.team)
                .bind(&w.groups.department)
                .bind(&w.groups.manager)
                .fetch_one(&mut *tx)
                .await?
                .get(0);
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The organization's warnings, newest first.
    pub async fn warnings(&self, org: OrgId, limit: i64) -> Result<Vec<WarningRecord>, StoreError> {
        let sql = format!(
            "SELECT {WARNING_COLUMNS} FROM warnings WHERE org_id = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(warning_from_row).collect()
    }
}

fn warning_from_row(r: &sqlx::any::AnyRow) -> Result<WarningRecord, StoreError> {
    let json = |i: usize, what: &str| -> Result<serde_json::Value, StoreError> {
        serde_json::from_str(&r.get::<String, _>(i))
            .map_err(|e| StoreError::Corrupt(format!("warning {what}: {e}")))
    };
    Ok(WarningRecord {
        id: r.get(0),
        warning: NewWarning {
            person: r.get(1),
            model_version: r.get(2),
            triggers: json(4, "triggers")?,
            drivers: json(5, "drivers")?,
            groups: ScoreGroups {
                team: r.get(7),
                department: r.get(8),
                manager: r.get(9),
            },
        },
        raised_at: r.get(3),
        status: r.get(6),
        closed_at: r.get(10),
    })
}
