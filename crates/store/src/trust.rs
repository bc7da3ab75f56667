//! What an organization declares and the platform watches: the governance record that must
//! exist before anyone is scored, the trust settings (retention, the fairness release gate,
//! the smallest group shown), pseudonyms for audit rows, the monthly accuracy re-checks and
//! the alerts they raise for the platform operator.

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;
use tenure_domain::OrgId;

/// Why scoring is lawful and that workers were told, recorded before scoring is switched on.
#[derive(Debug, Clone, PartialEq)]
pub struct Governance {
    /// E.g. "GDPR art. 6(1)(f) legitimate interest; works-council agreement 2026-03".
    pub legal_basis: String,
    /// The data-protection impact assessment's reference, and when it was completed.
    pub impact_assessment: String,
    pub impact_assessment_on: Option<NaiveDate>,
    pub workers_informed_on: NaiveDate,
    /// Whom people ask, object to or complain to (named in the workers' notice).
    pub contact: Option<String>,
    /// The accuracy the organization relies on; the monthly re-check alerts below it.
    pub declared_min_roc_auc: f64,
    pub declared_max_calibration_error: f64,
    pub recorded_by: String,
    /// Filled in by the store.
    pub recorded_at: DateTime<Utc>,
}

impl Governance {
    /// The record for a simulated organization (demo, benchmarks): nobody real is scored.
    pub fn for_simulated_data(recorded_by: &str) -> Governance {
        Governance {
            legal_basis: "simulated people: no personal data".into(),
            impact_assessment: "not required (simulated data)".into(),
            impact_assessment_on: None,
            workers_informed_on: chrono::Utc::now().date_naive(),
            contact: None,
            declared_min_roc_auc: 0.65,
            declared_max_calibration_error: 0.10,
            recorded_by: recorded_by.to_owned(),
            // Set when recorded.
            recorded_at: DateTime::UNIX_EPOCH,
        }
    }
}

/// The smallest group any aggregate may show. It can be raised, never lowered.
const MIN_GROUP_FLOOR: u32 = tenure_domain::MIN_GROUP_FLOOR as u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustSettings {
    /// Leavers and months older than this are purged; `None` keeps them until erased.
    pub retention_months: Option<u32>,
    /// Store but do not activate a model whose fairness audit is flagged.
    pub fairness_gate: bool,
    pub min_group_size: u32,
}

impl Default for TrustSettings {
    fn default() -> Self {
        TrustSettings {
            retention_months: None,
            fairness_gate: false,
            min_group_size: MIN_GROUP_FLOOR,
        }
    }
}

/// A monthly comparison of stored scores with what then happened.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyCheck {
    pub checked_at: DateTime<Utc>,
    pub model_version: Option<i64>,
    pub scored_from: Option<String>,
    pub scored_to: Option<String>,
    pub scores: i64,
    pub leavers: i64,
    pub roc_auc: Option<f64>,
    pub calibration_error: Option<f64>,
    pub brier: Option<f64>,
    pub below_declared: bool,
    /// In words: what was compared and how it stands against the declared level.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorAlert {
    pub id: i64,
    pub org: OrgId,
    pub at: String,
    pub kind: String,
    pub message: String,
}

/// Why an organization may not be scored right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoringBlock {
    /// The kill switch (since then).
    Suspended { since: String },
    /// No governance record yet: scoring was never switched on.
    NoGovernance,
}

/// A stored score whose outcome is known: the probability and whether the person left
/// voluntarily within the model's horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreWithOutcome {
    pub model_version: i64,
    pub as_of: String,
    pub probability: f64,
    pub left: bool,
}

/// The pseudonym a person's key gets in audit rows: HMAC-SHA256 under the organization's
/// own key, so the same person is always the same pseudonym, and nobody without the key can
/// tell who it is.
pub fn pseudonym_with(key: &str, person: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(person.as_bytes());
    format!("pseud_{}", &hex::encode(mac.finalize().into_bytes())[..24])
}

pub(crate) fn new_pseudonym_key() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS random generator is available");
    hex::encode(bytes)
}

impl Store {
    /// What keeps the organization from being scored, if anything: one query, since every
    /// re-score after an event asks.
    pub async fn scoring_block(&self, org: OrgId) -> Result<Option<ScoringBlock>, StoreError> {
        let row = sqlx::query("SELECT o.suspended_at, (SELECT COUNT(*) FROM governance g WHERE g.org_id = o.id) FROM organizations o WHERE o.id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?
            .ok_or_else(|| StoreError::UnknownOrganization(org.0.to_string()))?;
        Ok(
            match (row.get::<Option<String>, _>(0), row.get::<i64, _>(1)) {
                (Some(since), _) => Some(ScoringBlock::Suspended { since }),
                (None, 0) => Some(ScoringBlock::NoGovernance),
                (None, _) => None,
            },
        )
    }

    pub async fn record_governance(
        &self,
        org: OrgId,
        record: &Governance,
    ) -> Result<Governance, StoreError> {
        let recorded_at = now();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM governance WHERE org_id = $1")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO governance (org_id, legal_basis, impact_assessment, workers_informed_on, declared_min_roc_auc, declared_max_calibration_error, recorded_by, recorded_at, impact_assessment_on, contact) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(org.0)
            .bind(&record.legal_basis)
            .bind(&record.impact_assessment)
            .bind(record.workers_informed_on.to_string())
            .bind(record.declared_min_roc_auc)
            .bind(record.declared_max_calibration_error)
            .bind(&record.recorded_by)
            .bind(&recorded_at)
            .bind(record.impact_assessment_on.map(|d| d.to_string()))
            .bind(&record.contact)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Governance {
            recorded_at: crate::accounts::parse_timestamp(&recorded_at)?,
            ..record.clone()
        })
    }

    /// The governance record; `None` while scoring is not switched on.
    pub async fn governance(&self, org: OrgId) -> Result<Option<Governance>, StoreError> {
        let row = sqlx::query("SELECT legal_basis, impact_assessment, workers_informed_on, declared_min_roc_auc, declared_max_calibration_error, recorded_by, recorded_at, impact_assessment_on, contact FROM governance WHERE org_id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.map(|r| {
            let informed: String = r.get(2);
            let assessed: Option<String> = r.get(7);
            Ok(Governance {
                legal_basis: r.get(0),
                impact_assessment: r.get(1),
                workers_informed_on: NaiveDate::parse_from_str(&informed, "%Y-%m-%d")
                    .map_err(|e| StoreError::Corrupt(format!("workers_informed_on: {e}")))?,
                declared_min_roc_auc: r.get(3),
                declared_max_calibration_error: r.get(4),
                recorded_by: r.get(5),
                recorded_at: crate::sql::stamp(&r, 6)?,
                impact_assessment_on: assessed
                    .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("impact_assessment_on: {e}")))?,
                contact: r.get(8),
            })
        })
        .transpose()
    }

    pub async fn trust_settings(&self, org: OrgId) -> Result<TrustSettings, StoreError> {
        let r = sqlx::query(
            "SELECT retention_months, fairness_gate, min_group_size FROM organizations WHERE id = $1",
        )
        .bind(org.0)
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok(TrustSettings {
            retention_months: r.get::<Option<i64>, _>(0).map(|m| m as u32),
            fairness_gate: r.get::<i64, _>(1) != 0,
            min_group_size: r.get::<i64, _>(2) as u32,
        })
    }

    /// Saves the settings; a group floor under five or a retention of zero months is refused
    /// (the database refuses them too).
    pub async fn set_trust_settings(
        &self,
        org: OrgId,
        settings: &TrustSettings,
    ) -> Result<(), StoreError> {
        if settings.min_group_size < MIN_GROUP_FLOOR {
            return Err(StoreError::Refused(format!(
                "the smallest group shown can't be under {MIN_GROUP_FLOOR} people (asked {})",
                settings.min_group_size
            )));
        }
        if settings.retention_months == Some(0) {
            return Err(StoreError::Refused(
                "a retention period is at least one month".into(),
            ));
        }
        sqlx::query("UPDATE organizations SET retention_months = $1, fairness_gate = $2, min_group_size = $3 WHERE id = $4")
            .bind(settings.retention_months.map(i64::from))
            .bind(i64::from(settings.fairness_gate))
            .bind(i64::from(settings.min_group_size))
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// The pseudonym of a person in this organization's audit rows.
    pub async fn pseudonym(&self, org: OrgId, person: &str) -> Result<String, StoreError> {
        Ok(pseudonym_with(&self.pseudonym_key(org).await?, person))
    }

    pub(crate) async fn pseudonym_key(&self, org: OrgId) -> Result<String, StoreError> {
        let key: String = sqlx::query("SELECT pseudonym_key FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?
            .ok_or_else(|| StoreError::UnknownOrganization(org.0.to_string()))?
            .get(0);
        if key.is_empty() {
            return Err(StoreError::Corrupt(
                "organization without a pseudonym key".into(),
            ));
        }
        Ok(key)
    }

    /// Stored scores (with a probability) whose horizon ended by `known_until`, each with
    /// whether a voluntary exit followed within it.
    pub async fn scores_with_outcomes(
        &self,
        org: OrgId,
        known_until: NaiveDate,
    ) -> Result<Vec<ScoreWithOutcome>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.model_version, s.as_of, s.probability, m.horizon_months, p.exit_date, p.exit_voluntary
               FROM scores s
               JOIN models m ON m.org_id = s.org_id AND m.version = s.model_version
               JOIN people p ON p.org_id = s.org_id AND p.person_key = s.person_key
              WHERE s.org_id = $1 AND s.probability IS NOT NULL AND s.as_of <> '' AND m.horizon_months IS NOT NULL
              ORDER BY s.as_of, s.person_key",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut known = Vec::new();
        for r in rows {
            let as_of: String = r.get(1);
            let horizon: i64 = r.get(3);
            let Ok(day) = NaiveDate::parse_from_str(&as_of, "%Y-%m-%d") else {
                continue;
            };
            let Some(end) = day.checked_add_months(chrono::Months::new(horizon as u32)) else {
                continue;
            };
            if end > known_until {
                continue;
            }
            let exit: Option<String> = r.get(4);
            let voluntary = r.get::<Option<i64>, _>(5) == Some(1);
            let end_text = end.to_string();
            let left = voluntary
                && exit
                    .as_deref()
                    .is_some_and(|e| e > as_of.as_str() && e <= end_text.as_str());
            known.push(ScoreWithOutcome {
                model_version: r.get(0),
                as_of,
                probability: r.get(2),
                left,
            });
        }
        Ok(known)
    }

    /// How far the organization's data reaches: its last snapshot or exit, whichever is later.
    pub async fn data_reaches(&self, org: OrgId) -> Result<Option<NaiveDate>, StoreError> {
        let row = sqlx::query("SELECT (SELECT MAX(as_of) FROM snapshots WHERE org_id = $1 AND as_of <> ''), (SELECT MAX(exit_date) FROM people WHERE org_id = $1)")
            .bind(org.0)
            .fetch_one(&mut *self.connection().await?)
            .await?;
        let day = |i: usize| {
            row.get::<Option<String>, _>(i)
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        };
        Ok(day(0).max(day(1)))
    }

    pub async fn save_accuracy_check(
        &self,
        org: OrgId,
        check: &AccuracyCheck,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO accuracy_checks (org_id, checked_at, model_version, scored_from, scored_to, scores, leavers, roc_auc, calibration_error, brier, below_declared, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(org.0)
            .bind(crate::accounts::timestamp(check.checked_at))
            .bind(check.model_version)
            .bind(&check.scored_from)
            .bind(&check.scored_to)
            .bind(check.scores)
            .bind(check.leavers)
            .bind(check.roc_auc)
            .bind(check.calibration_error)
            .bind(check.brier)
            .bind(i64::from(check.below_declared))
            .bind(&check.detail)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// The organization's accuracy checks, newest first.
    pub async fn accuracy_checks(&self, org: OrgId) -> Result<Vec<AccuracyCheck>, StoreError> {
        let rows = sqlx::query("SELECT checked_at, model_version, scored_from, scored_to, scores, leavers, roc_auc, calibration_error, brier, below_declared, detail FROM accuracy_checks WHERE org_id = $1 ORDER BY id DESC")
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AccuracyCheck {
                    checked_at: crate::sql::stamp(r, 0)?,
                    model_version: r.get(1),
                    scored_from: r.get(2),
                    scored_to: r.get(3),
                    scores: r.get(4),
                    leavers: r.get(5),
                    roc_auc: r.get(6),
                    calibration_error: r.get(7),
                    brier: r.get(8),
                    below_declared: r.get::<i64, _>(9) != 0,
                    detail: r.get(10),
                })
            })
            .collect()
    }

    pub async fn raise_operator_alert(
        &self,
        org: OrgId,
        kind: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO operator_alerts (org_id, at, kind, message) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.0)
        .bind(now())
        .bind(kind)
        .bind(message)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// Alerts not yet acknowledged, for every organization, oldest first.
    pub async fn operator_alerts(&self) -> Result<Vec<OperatorAlert>, StoreError> {
        let rows = sqlx::query("SELECT id, org_id, at, kind, message FROM operator_alerts WHERE acknowledged_at IS NULL ORDER BY id")
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows
            .iter()
            .map(|r| OperatorAlert {
                id: r.get(0),
                org: OrgId(r.get(1)),
                at: r.get(2),
                kind: r.get(3),
                message: r.get(4),
            })
            .collect())
    }

    pub async fn acknowledge_operator_alert(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE operator_alerts SET acknowledged_at = $1 WHERE id = $2 AND acknowledged_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
