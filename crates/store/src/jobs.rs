//! Background jobs (imports, training, scoring): what was asked, where it is, and how it ended.
//! Queueing, claiming and finishing them is `queue.rs`.

use crate::connect::Store;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
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
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Times a worker claimed it (more than one: a worker died under it, or it was retried).
    pub attempts: i64,
    /// The worker holding it, or that held it last.
    pub worker: Option<String>,
}

const JOB_COLUMNS: &str = "id, kind, status, stage, error, result, created_by, created_at, started_at, finished_at, attempts, worker";

impl Store {
    pub async fn job(&self, org: OrgId, id: i64) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .bind(id)
            .fetch_optional(&mut *self.connection().await?)
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
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// The organization's jobs among `ids`, in id order.
    pub async fn jobs_by_id(&self, org: OrgId, ids: &[i64]) -> Result<Vec<JobRecord>, StoreError> {
        let (Some(first), Some(last)) = (ids.iter().min(), ids.iter().max()) else {
            return Ok(Vec::new());
        };
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE org_id = $1 AND id >= $2 AND id <= $3 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(first)
            .bind(last)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
        rows.iter()
            .map(job_from_row)
            .filter(|j| j.as_ref().map_or(true, |j| wanted.contains(&j.id)))
            .collect()
    }

    pub async fn set_job_stage(&self, org: OrgId, id: i64, stage: &str) -> Result<(), StoreError> {
        let stage = sqlx::query("UPDATE jobs SET stage = $1 WHERE org_id = $2 AND id = $3")
            .bind(stage)
            .bind(org.0)
            .bind(id);
        self.execute_redoably(stage).await?;
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
        created_at: crate::sql::stamp(r, 7)?,
        started_at: crate::sql::stamp_opt(r, 8)?,
        finished_at: crate::sql::stamp_opt(r, 9)?,
        attempts: r.get(10),
        worker: r.get(11),
    })
}
