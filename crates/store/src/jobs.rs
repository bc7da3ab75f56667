//! Background jobs (imports, training, scoring): what was asked, where it is, and how it ended.

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use sqlx::Row;
use tenure_domain::OrgId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobStatus {
    pub fn key(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<JobStatus> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.key() == text)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub status: JobStatus,
    /// The step it is on, in words.
    pub stage: String,
    pub error: Option<String>,
    pub result: Option<serde_json::Value>,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

const JOB_COLUMNS: &str =
    "id, kind, status, stage, error, result, created_by, created_at, started_at, finished_at";

impl Store {
    pub async fn create_job(
        &self,
        org: OrgId,
        kind: &str,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query("INSERT INTO jobs (org_id, kind, status, created_by, created_at) VALUES ($1, $2, 'queued', $3, $4) RETURNING id")
            .bind(org.0)
            .bind(kind)
            .bind(created_by)
            .bind(now())
            .fetch_one(&self.pool)
            .await?
            .get(0))
    }

    pub async fn job(&self, org: OrgId, id: i64) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// The organization's jobs, newest first.
    pub async fn jobs(&self, org: OrgId, limit: i64) -> Result<Vec<JobRecord>, StoreError> {
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM jobs WHERE org_id = $1 ORDER BY id DESC LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(job_from_row).collect()
    }

    pub async fn start_job(&self, org: OrgId, id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE jobs SET status = 'running', started_at = $1 WHERE org_id = $2 AND id = $3",
        )
        .bind(now())
        .bind(org.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_job_stage(&self, org: OrgId, id: i64, stage: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET stage = $1 WHERE org_id = $2 AND id = $3")
            .bind(stage)
            .bind(org.0)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records how a job ended: its result, or the error the user needs to act on.
    pub async fn finish_job(
        &self,
        org: OrgId,
        id: i64,
        outcome: Result<serde_json::Value, String>,
    ) -> Result<(), StoreError> {
        let (status, result, error) = match outcome {
            Ok(result) => ("succeeded", Some(result.to_string()), None),
            Err(error) => ("failed", None, Some(error)),
        };
        sqlx::query("UPDATE jobs SET status = $1, result = $2, error = $3, finished_at = $4, stage = '' WHERE org_id = $5 AND id = $6")
            .bind(status)
            .bind(result)
            .bind(error)
            .bind(now())
            .bind(org.0)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn job_from_row(r: &sqlx::any::AnyRow) -> Result<JobRecord, StoreError> {
    let status: String = r.get(2);
    let result: Option<String> = r.get(5);
    Ok(JobRecord {
        id: r.get(0),
        kind: r.get(1),
        status: JobStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("job status {status:?}")))?,
        stage: r.get(3),
        error: r.get(4),
        result: result
            .map(|t| {
                serde_json::from_str(&t)
                    .map_err(|e| StoreError::Corrupt(format!("job result: {e}")))
            })
            .transpose()?,
        created_by: r.get(6),
        created_at: r.get(7),
        started_at: r.get(8),
        finished_at: r.get(9),
    })
}
