//! What re-scoring people after an event must know about their organization — may it be
//! scored, with which model, against which thresholds and warning policy, and how current the
//! data is — read in one statement: a re-score runs for every event, and these were six.

use crate::connect::Store;
use crate::error::StoreError;
use crate::trust::ScoringBlock;
use sqlx::Row;
use tenure_domain::{OrgId, RiskThresholds, WarningPolicy};

/// An organization's state as re-scoring reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RescoringState {
    /// The organization's slug, for what is said about it.
    pub slug: String,
    /// What keeps it from being scored, if anything (see [`Store::scoring_block`]).
    pub block: Option<ScoringBlock>,
    /// Its newest active model.
    pub model_version: Option<i64>,
    /// Its latest complete import: whose mapping says what the columns mean.
    pub latest_import: Option<i64>,
    /// What its data was last changed by (see [`Store::data_stamp`]).
    pub data_stamp: (i64, i64),
    pub thresholds: RiskThresholds,
    pub policy: WarningPolicy,
    /// Whether any score is stored: before the first, nothing can rise.
    pub has_scores: bool,
}

impl Store {
    /// The organization's [`RescoringState`], in one statement.
    pub async fn rescoring_state(&self, org: OrgId) -> Result<RescoringState, StoreError> {
        let row = sqlx::query(
            "SELECT o.suspended_at,
                (SELECT COUNT(*) FROM governance g WHERE g.org_id = o.id),
                (SELECT MAX(version) FROM models m WHERE m.org_id = o.id AND m.active = 1),
                (SELECT MAX(id) FROM imports i WHERE i.org_id = o.id AND i.status = 'complete'),
                COALESCE(o.data_epoch, 0),
                COALESCE((SELECT MAX(id) FROM events e WHERE e.org_id = o.id), 0),
                o.risk_high, o.risk_medium,
                (SELECT policy FROM warning_policies w WHERE w.org_id = o.id),
                (SELECT COUNT(*) FROM (SELECT 1 FROM scores s WHERE s.org_id = o.id LIMIT 1) one),
                o.slug
             FROM organizations o WHERE o.id = $1",
        )
        .bind(org.0)
        .fetch_optional(&mut *self.connection().await?)
        .await?
        .ok_or_else(|| StoreError::UnknownOrganization(org.0.to_string()))?;
        let block = match (row.get::<Option<String>, _>(0), row.get::<i64, _>(1)) {
            (Some(since), _) => Some(ScoringBlock::Suspended { since }),
            (None, 0) => Some(ScoringBlock::NoGovernance),
            (None, _) => None,
        };
        let latest_import: Option<i64> = row.get(3);
        let epoch: i64 = row.get(4);
        let thresholds = RiskThresholds::new(row.get(6), row.get(7))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let policy = match row.get::<Option<String>, _>(8) {
            None => WarningPolicy::default(),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("warning policy: {e}")))?,
        };
        Ok(RescoringState {
            slug: row.get(10),
            block,
            model_version: row.get(2),
            latest_import,
            data_stamp: (latest_import.unwrap_or(0) + epoch, row.get(5)),
            thresholds,
            policy,
            has_scores: row.get::<i64, _>(9) > 0,
        })
    }
}
