//! Stored forecasts: what a model version's monthly hazard model said when it was trained —
//! its figures (as JSON the monitor writes and reads) and each person's survival curve — so
//! pages, reports and `tenure forecast` read them rather than fit again. A scoring run at a
//! newer month brings the forecast forward to it, and an HR event revises the curves of the
//! people it touches, both with the stored hazard model and in the run's own transaction.

use crate::connect::Backend;
use crate::connect::Store;
use crate::error::StoreError;
use crate::scoring_write::ScoringWrite;
use crate::sql::{batch_rows, values_list};
use crate::writer::WriteTx;
use sqlx::Row;
use tenure_domain::OrgId;

/// A forecast to store with a model version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewForecast {
    /// The month the forecast was made at (ISO date).
    pub as_of: String,
    /// The hazard model's figures, as JSON.
    pub summary: String,
    /// Each person's chance of still being here after 1, 2, … months.
    pub curves: Vec<(String, Vec<f32>)>,
    /// The monthly hazard model itself (a model artifact), kept so later months' curves are
    /// made with it rather than by fitting again.
    pub hazard_artifact: Option<String>,
}

/// A stored forecast's figures and hazard model: what bringing it forward needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastHazard {
    pub summary: String,
    pub artifact: String,
}

impl Store {
    /// Stores the forecast of `version`, replacing any it had, in one transaction.
    pub async fn save_forecast(
        &self,
        org: OrgId,
        version: i64,
        forecast: &NewForecast,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for table in ["forecast_curves", "forecasts"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE org_id = $1 AND model_version = $2"
            ))
            .bind(org.0)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO forecasts (org_id, model_version, as_of, summary, hazard_artifact) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(org.0)
        .bind(version)
        .bind(&forecast.as_of)
        .bind(&forecast.summary)
        .bind(&forecast.hazard_artifact)
        .execute(&mut *tx)
        .await?;
        insert_curves(&mut tx, self.backend(), org, version, &forecast.curves).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The hazard model the forecast of `version` was made with, with its figures;
    /// `None` without a forecast, or for one stored before hazard models were kept.
    pub async fn forecast_hazard(
        &self,
        org: OrgId,
        version: i64,
    ) -> Result<Option<ForecastHazard>, StoreError> {
        let row = sqlx::query(
            "SELECT summary, hazard_artifact FROM forecasts WHERE org_id = $1 AND model_version = $2",
        )
        .bind(org.0)
        .bind(version)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.and_then(|r| {
            let artifact: Option<String> = r.get(1);
            Some(ForecastHazard {
                summary: r.get(0),
                artifact: artifact?,
            })
        }))
    }

    /// The forecast stored with `version`: its month and figures, without the curves.
    pub async fn forecast_summary(
        &self,
        org: OrgId,
        version: i64,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT as_of, summary FROM forecasts WHERE org_id = $1 AND model_version = $2",
        )
        .bind(org.0)
        .bind(version)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// Every person's survival curve in the forecast of `version`.
    pub async fn forecast_curves(
        &self,
        org: OrgId,
        version: i64,
    ) -> Result<Vec<(String, Vec<f32>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT person_key, survival FROM forecast_curves WHERE org_id = $1 AND model_version = $2 ORDER BY person_key",
        )
        .bind(org.0)
        .bind(version)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                let survival: String = r.get(1);
                let curve = serde_json::from_str(&survival)
                    .map_err(|e| StoreError::Corrupt(format!("a stored survival curve: {e}")))?;
                Ok((r.get(0), curve))
            })
            .collect()
    }
}

impl ScoringWrite {
    /// Brings the forecast of `version` forward to `as_of`: its figures and every curve
    /// replaced. Nothing happens when the version has no forecast.
    pub async fn roll_forecast(
        &mut self,
        version: i64,
        as_of: &str,
        summary: &str,
        curves: &[(String, Vec<f32>)],
    ) -> Result<bool, StoreError> {
        let (org, backend) = (self.org(), self.backend());
        let tx = self.tx();
        let updated = sqlx::query(
            "UPDATE forecasts SET as_of = $3, summary = $4 WHERE org_id = $1 AND model_version = $2",
        )
        .bind(org.0)
        .bind(version)
        .bind(as_of)
        .bind(summary)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM forecast_curves WHERE org_id = $1 AND model_version = $2")
            .bind(org.0)
            .bind(version)
            .execute(&mut **tx)
            .await?;
        insert_curves(tx, backend, org, version, curves).await?;
        Ok(true)
    }

    /// Replaces the curves of some people in the forecast of `version` when it is still made
    /// at `as_of`, and removes those of `gone` (no longer employed then). Returns whether the
    /// forecast was at that month (a run at a newer month may have brought it forward first).
    pub async fn revise_forecast_curves(
        &mut self,
        version: i64,
        as_of: &str,
        revised: &[(String, Vec<f32>)],
        gone: &[String],
    ) -> Result<bool, StoreError> {
        let (org, backend) = (self.org(), self.backend());
        let tx = self.tx();
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT as_of FROM forecasts WHERE org_id = $1 AND model_version = $2",
        )
        .bind(org.0)
        .bind(version)
        .fetch_optional(&mut **tx)
        .await?;
        if stored.as_deref() != Some(as_of) {
            return Ok(false);
        }
        let people = revised.iter().map(|(person, _)| person).chain(gone);
        for person in people {
            sqlx::query(
                "DELETE FROM forecast_curves WHERE org_id = $1 AND model_version = $2 AND person_key = $3",
            )
            .bind(org.0)
            .bind(version)
            .bind(person)
            .execute(&mut **tx)
            .await?;
        }
        insert_curves(tx, backend, org, version, revised).await?;
        Ok(true)
    }
}

/// Inserts survival curves of a forecast, in batches.
async fn insert_curves(
    tx: &mut WriteTx,
    backend: Backend,
    org: OrgId,
    version: i64,
    curves: &[(String, Vec<f32>)],
) -> Result<(), StoreError> {
    for batch in curves.chunks(batch_rows(4)) {
        let sql = format!(
            "INSERT INTO forecast_curves (org_id, model_version, person_key, survival) VALUES {}",
            values_list(backend, batch.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for (person, survival) in batch {
            let survival = serde_json::to_string(survival).expect("numbers serialise");
            query = query.bind(org.0).bind(version).bind(person).bind(survival);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
