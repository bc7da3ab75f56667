//! Trained models and their scores: versioned model rows (artifact and model card), the
//! scores each model gave, and the organization's risk thresholds.

use crate::connect::{Backend, Store};
use crate::error::StoreError;
use crate::sql::{batch_rows, now, values_list};
use chrono::{DateTime, Utc};
use sqlx::Row;
use tenure_domain::{OrgId, RelativeBands, RiskBand, RiskThresholds};

/// A model to store; its version is assigned on saving.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModel {
    pub shape: String,
    pub horizon_months: Option<i32>,
    /// The learner and calibration in a few words.
    pub description: String,
    /// The model card, as JSON.
    pub card: serde_json::Value,
    pub artifact: String,
    /// Why the model is stored but not used to score (the fairness gate); `None` activates it.
    pub held_reason: Option<String>,
}

/// A stored model; `artifact` is only read when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredModel {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub shape: String,
    pub horizon_months: Option<i32>,
    pub description: String,
    pub card: serde_json::Value,
    pub artifact: Option<String>,
    /// Why the model scores nobody, if it was held back.
    pub held_reason: Option<String>,
}

/// One person's score to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewScore {
    pub person: String,
    /// ISO date, or '' for undated (cross-section) rows.
    pub as_of: String,
    pub probability: Option<f64>,
    pub band: RiskBand,
    pub abstained: Option<String>,
    /// The factors raising and holding down the risk, as JSON.
    pub drivers: serde_json::Value,
    pub input_hash: String,
    /// The groups the person belonged to when scored, for team and reporting-line figures.
    pub groups: ScoreGroups,
}

/// A scored person's team, department and manager (values of the mapped role columns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoreGroups {
    pub team: Option<String>,
    pub department: Option<String>,
    pub manager: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredScore {
    pub model_version: i64,
    pub score: NewScore,
    pub scored_at: DateTime<Utc>,
}

/// What saving a scoring run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScoreOutcome {
    /// New scores, or scores whose inputs changed.
    pub written: u64,
    /// Scores already stored for the same model and the same inputs.
    pub unchanged: u64,
}

impl Store {
    /// Saves a model as the organization's next version, in one transaction.
    pub async fn save_model(&self, org: OrgId, model: &NewModel) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        // Two trainings finishing together would both read the same next version under
        // PostgreSQL's read-committed isolation: the organization's row lock makes the second
        // wait for the first. (SQLite's write transactions are serialised already.)
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SELECT id FROM organizations WHERE id = $1 FOR UPDATE")
                .bind(org.0)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let version: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(&mut *tx)
                .await?
                .get(0);
        sqlx::query(
            "INSERT INTO models (org_id, version, created_at, shape, horizon_months, description, card, artifact, active, held_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(org.0)
        .bind(version)
        .bind(now())
        .bind(&model.shape)
        .bind(model.horizon_months.map(i64::from))
        .bind(&model.description)
        .bind(model.card.to_string())
        .bind(&model.artifact)
        .bind(i64::from(model.held_reason.is_none()))
        .bind(&model.held_reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// A model with its artifact: the given version, or the latest active one (a model the
    /// fairness gate held back is never picked by default).
    pub async fn model(
        &self,
        org: OrgId,
        version: Option<i64>,
    ) -> Result<Option<StoredModel>, StoreError> {
        let row = match version {
            Some(v) => sqlx::query("SELECT version, created_at, shape, horizon_months, description, card, held_reason, artifact FROM models WHERE org_id = $1 AND version = $2").bind(org.0).bind(v).fetch_optional(&mut *self.connection().await?).await?,
            None => {
                sqlx::query("SELECT version, created_at, shape, horizon_months, description, card, held_reason, artifact FROM models WHERE org_id = $1 AND active = 1 ORDER BY version DESC LIMIT 1")
                    .bind(org.0)
                    .fetch_optional(&mut *self.connection().await?)
                    .await?
            }
        };
        row.map(|r| stored_model(&r, true)).transpose()
    }

    /// The latest active model (as [`Store::model`] picks it) without its artifact: its card,
    /// for what only reads that.
    pub async fn latest_model_card(&self, org: OrgId) -> Result<Option<StoredModel>, StoreError> {
        let row = sqlx::query("SELECT version, created_at, shape, horizon_months, description, card, held_reason FROM models WHERE org_id = $1 AND active = 1 ORDER BY version DESC LIMIT 1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.map(|r| stored_model(&r, false)).transpose()
    }

    /// Every model of the organization, newest first, without artifacts.
    pub async fn models(&self, org: OrgId) -> Result<Vec<StoredModel>, StoreError> {
        let rows = sqlx::query("SELECT version, created_at, shape, horizon_months, description, card, held_reason FROM models WHERE org_id = $1 ORDER BY version DESC").bind(org.0).fetch_all(&mut *self.connection().await?).await?;
        rows.iter().map(|r| stored_model(r, false)).collect()
    }

    /// The horizon of the organization's newest model version, without reading its cards.
    pub async fn latest_horizon_months(&self, org: OrgId) -> Result<Option<i32>, StoreError> {
        let row = sqlx::query(
            "SELECT horizon_months FROM models WHERE org_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(org.0)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row
            .and_then(|r| r.get::<Option<i64>, _>(0))
            .map(|h| h as i32))
    }

    pub async fn risk_thresholds(&self, org: OrgId) -> Result<RiskThresholds, StoreError> {
        let row = sqlx::query("SELECT risk_high, risk_medium FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_one(&mut *self.connection().await?)
            .await?;
        RiskThresholds::new(row.get(0), row.get(1)).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Fixed thresholds, in place of relative bands if the organization had them.
    pub async fn set_risk_thresholds(
        &self,
        org: OrgId,
        thresholds: RiskThresholds,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE organizations SET risk_high = $1, risk_medium = $2, band_top_share = NULL, band_next_share = NULL WHERE id = $3")
            .bind(thresholds.high)
            .bind(thresholds.medium)
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// The organization's relative bands, when its bands are set by rank.
    pub async fn relative_bands(&self, org: OrgId) -> Result<Option<RelativeBands>, StoreError> {
        let row =
            sqlx::query("SELECT band_top_share, band_next_share FROM organizations WHERE id = $1")
                .bind(org.0)
                .fetch_one(&mut *self.connection().await?)
                .await?;
        match (row.get::<Option<f64>, _>(0), row.get::<Option<f64>, _>(1)) {
            (Some(top), Some(next)) => RelativeBands::new(top, next)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(e.to_string())),
            _ => Ok(None),
        }
    }

    /// Bands by rank from the next run over the whole organization on (which sets the
    /// thresholds); until then, the current thresholds stay.
    pub async fn set_relative_bands(
        &self,
        org: OrgId,
        bands: RelativeBands,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE organizations SET band_top_share = $1, band_next_share = $2 WHERE id = $3",
        )
        .bind(bands.top)
        .bind(bands.next)
        .bind(org.0)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// Stores a scoring run in one transaction. A score already stored for the same model,
    /// person and date is left alone when its inputs are the same, replaced when they changed.
    pub async fn save_scores(
        &self,
        org: OrgId,
        model_version: i64,
        scores: &[NewScore],
    ) -> Result<ScoreOutcome, StoreError> {
        let mut write = self.begin_scoring_write(org).await?;
        let outcome = write.save_scores(model_version, scores).await?;
        write.commit().await?;
        Ok(outcome)
    }

    /// The scores a model gave, highest probability first (abstentions last).
    pub async fn scores(
        &self,
        org: OrgId,
        model_version: i64,
    ) -> Result<Vec<StoredScore>, StoreError> {
        let sql = format!(
            "SELECT {SCORE_COLUMNS} FROM scores
             WHERE org_id = $1 AND model_version = $2 ORDER BY CASE WHEN probability IS NULL THEN 1 ELSE 0 END, probability DESC, person_key",
        );
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(model_version)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(stored_score).collect()
    }
}

/// Of the scores `s` (org `$1`): each person's latest from the model, for people still
/// employed.
const CURRENT_OF_EMPLOYED: &str = "s.as_of = (SELECT MAX(l.as_of) FROM scores l WHERE l.org_id = s.org_id AND l.model_version = s.model_version AND l.person_key = s.person_key)
   AND s.person_key IN (SELECT p.person_key FROM people p WHERE p.org_id = $1 AND p.exit_date IS NULL)";

const SCORE_COLUMNS: &str = "model_version, person_key, as_of, probability, band, abstained, drivers, input_hash, scored_at, team, department, manager";

impl Store {
    /// The organization's newest active model version.
    pub async fn latest_model_version(&self, org: OrgId) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query("SELECT MAX(version) FROM models WHERE org_id = $1 AND active = 1")
                .bind(org.0)
                .fetch_one(&mut *self.connection().await?)
                .await?
                .get(0),
        )
    }

    /// What changes whenever a model's stored scores do — their number and the latest time
    /// one was written (a re-score that changes a score writes its time; an erasure lowers
    /// the number) — so a cache of them can tell, with one small query, whether to reload.
    pub async fn scores_stamp(
        &self,
        org: OrgId,
        model_version: i64,
    ) -> Result<ScoresStamp, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*), MAX(scored_at) FROM scores WHERE org_id = $1 AND model_version = $2",
        )
        .bind(org.0)
        .bind(model_version)
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok(ScoresStamp {
            rows: row.get(0),
            last_written: row.get(1),
        })
    }

    /// Each person's most recent score from a model, highest probability first.
    pub async fn current_scores(
        &self,
        org: OrgId,
        model_version: i64,
    ) -> Result<Vec<StoredScore>, StoreError> {
        let sql = format!(
            "SELECT {SCORE_COLUMNS} FROM scores s WHERE org_id = $1 AND model_version = $2
               AND as_of = (SELECT MAX(as_of) FROM scores l WHERE l.org_id = s.org_id AND l.model_version = s.model_version AND l.person_key = s.person_key)
             ORDER BY CASE WHEN probability IS NULL THEN 1 ELSE 0 END, probability DESC, person_key"
        );
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(model_version)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(stored_score).collect()
    }
}

/// How the current scores of the people still employed fall into one band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandTally {
    pub band: RiskBand,
    pub people: usize,
    /// The sum of their probabilities: the leavers to expect among them.
    pub expected_leavers: f64,
}

impl Store {
    /// The people still employed, by the band of their latest score from a model.
    pub async fn band_tallies(
        &self,
        org: OrgId,
        model_version: i64,
    ) -> Result<Vec<BandTally>, StoreError> {
        let sql = format!(
            "SELECT s.band, COUNT(*), COALESCE(SUM(s.probability), 0.0) FROM scores s WHERE s.org_id = $1 AND s.model_version = $2 AND {CURRENT_OF_EMPLOYED} GROUP BY s.band"
        );
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(model_version)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter()
            .map(|r| {
                let band: String = r.get(0);
                Ok(BandTally {
                    band: RiskBand::parse(&band)
                        .ok_or_else(|| StoreError::Corrupt(format!("score band {band:?}")))?,
                    people: r.get::<i64, _>(1) as usize,
                    expected_leavers: r.get(2),
                })
            })
            .collect()
    }
}

/// See [`Store::scores_stamp`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScoresStamp {
    rows: i64,
    last_written: Option<String>,
}

fn stored_model(r: &sqlx::any::AnyRow, with_artifact: bool) -> Result<StoredModel, StoreError> {
    let card: String = r.get(5);
    Ok(StoredModel {
        version: r.get(0),
        created_at: crate::sql::stamp(r, 1)?,
        shape: r.get(2),
        horizon_months: r.get::<Option<i64>, _>(3).map(|h| h as i32),
        description: r.get(4),
        card: serde_json::from_str(&card)
            .map_err(|e| StoreError::Corrupt(format!("model card: {e}")))?,
        held_reason: r.get(6),
        artifact: with_artifact.then(|| r.get(7)),
    })
}

fn stored_score(r: &sqlx::any::AnyRow) -> Result<StoredScore, StoreError> {
    let band: String = r.get(4);
    let drivers: String = r.get(6);
    Ok(StoredScore {
        model_version: r.get(0),
        score: NewScore {
            person: r.get(1),
            as_of: r.get(2),
            probability: r.get(3),
            band: RiskBand::parse(&band)
                .ok_or_else(|| StoreError::Corrupt(format!("risk band {band:?}")))?,
            abstained: r.get(5),
            drivers: serde_json::from_str(&drivers)
                .map_err(|e| StoreError::Corrupt(format!("drivers: {e}")))?,
            input_hash: r.get(7),
            groups: ScoreGroups {
                team: r.get(9),
                department: r.get(10),
                manager: r.get(11),
            },
        },
        scored_at: crate::sql::stamp(r, 8)?,
    })
}

/// Stores scores inside the caller's transaction (see [`Store::save_scores`]).
pub(crate) async fn insert_scores(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    org: OrgId,
    model_version: i64,
    scores: &[NewScore],
) -> Result<ScoreOutcome, StoreError> {
    const COLUMNS: usize = 13;
    let scored_at = now();
    let mut outcome = ScoreOutcome::default();
    for batch in scores.chunks(batch_rows(COLUMNS)) {
        let sql = format!(
            "INSERT INTO scores (org_id, model_version, person_key, as_of, probability, band, abstained, drivers, input_hash, scored_at, team, department, manager) VALUES {}
             ON CONFLICT (org_id, model_version, person_key, as_of) DO UPDATE SET
               probability = excluded.probability, band = excluded.band, abstained = excluded.abstained,
               drivers = excluded.drivers, input_hash = excluded.input_hash, scored_at = excluded.scored_at,
               team = excluded.team, department = excluded.department, manager = excluded.manager
             WHERE scores.input_hash <> excluded.input_hash OR scores.band <> excluded.band",
            values_list(backend, batch.len(), COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for s in batch {
            query = query
                .bind(org.0)
                .bind(model_version)
                .bind(&s.person)
                .bind(&s.as_of)
                .bind(s.probability)
                .bind(s.band.key())
                .bind(&s.abstained)
                .bind(s.drivers.to_string())
                .bind(&s.input_hash)
                .bind(&scored_at)
                .bind(&s.groups.team)
                .bind(&s.groups.department)
                .bind(&s.groups.manager);
        }
        let written = query.execute(&mut *conn).await?.rows_affected();
        outcome.written += written;
        outcome.unchanged += batch.len() as u64 - written;
    }
    Ok(outcome)
}

/// A team's people still employed with a current score from a model, and the sum of their
/// probabilities (the leavers to expect within the model's horizon), inside the caller's
/// transaction.
pub(crate) async fn team_risk_in(
    conn: &mut sqlx::AnyConnection,
    org: OrgId,
    model_version: i64,
    team: &str,
) -> Result<TeamRisk, StoreError> {
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(probability), 0.0) FROM scores s WHERE s.org_id = $1 AND s.model_version = $2 AND s.team = $3 AND s.probability IS NOT NULL AND {CURRENT_OF_EMPLOYED}"
    );
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(model_version)
        .bind(team)
        .fetch_one(conn)
        .await?;
    Ok(TeamRisk {
        people: row.get::<i64, _>(0) as usize,
        expected: row.get(1),
    })
}

/// A team's current scores in sum: see [`crate::ScoringWrite::team_risk`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeamRisk {
    pub people: usize,
    /// The sum of their probabilities: the leavers to expect.
    pub expected: f64,
}

/// A team's scores from a model at each date from `since` on: the people scored in it then
/// and the sum of their probabilities, inside the caller's transaction.
pub(crate) async fn team_history_in(
    conn: &mut sqlx::AnyConnection,
    org: OrgId,
    model_version: i64,
    team: &str,
    since: &str,
) -> Result<Vec<(String, usize, f64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT as_of, COUNT(*), COALESCE(SUM(probability), 0.0) FROM scores WHERE org_id = $1 AND model_version = $2 AND team = $3 AND probability IS NOT NULL AND as_of >= $4 GROUP BY as_of ORDER BY as_of",
    )
    .bind(org.0)
    .bind(model_version)
    .bind(team)
    .bind(since)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get::<i64, _>(1) as usize, r.get(2)))
        .collect())
}
