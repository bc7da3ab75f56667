//! Stored forecasts: what a model version's monthly hazard model said when it was trained —
//! its figures (as JSON the monitor writes and reads) and each person's survival curve — so
//! pages, reports and `tenure forecast` read them rather than fit again.

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::{batch_rows, values_list};
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
            "INSERT INTO forecasts (org_id, model_version, as_of, summary) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.0)
        .bind(version)
        .bind(&forecast.as_of)
        .bind(&forecast.summary)
        .execute(&mut *tx)
        .await?;
        for batch in forecast.curves.chunks(batch_rows(4)) {
            let sql = format!(
                "INSERT INTO forecast_curves (org_id, model_version, person_key, survival) VALUES {}",
                values_list(self.backend(), batch.len(), 4)
            );
            let mut query = sqlx::query(&sql);
            for (person, survival) in batch {
                let survival = serde_json::to_string(survival).expect("numbers serialise");
                query = query.bind(org.0).bind(version).bind(person).bind(survival);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
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
