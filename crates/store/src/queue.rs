//! The job queue that worker processes share: enqueueing work with its payload, claiming the
//! oldest runnable job under a lease, renewing the lease while working, and finishing — or
//! putting back for a later retry — only while the lease is still the caller's.
//!
//! A job is runnable when it is queued and its `run_after` has passed, or when it is running
//! under a lease that has lapsed (its worker died). A claim first reads whether anything is
//! runnable, then takes it in one transaction; on PostgreSQL each claim's inner SELECT takes
//! `FOR UPDATE SKIP LOCKED`, so workers never wait on each other's rows and never claim the
//! same one; SQLite runs one writer at a time anyway. Every later write names the worker, so
//! a worker that lost its lease cannot finish a job twice.
//! A suspended organization's jobs (the kill switch) wait unclaimed until it is resumed.

use crate::accounts::timestamp;
use crate::connect::{Backend, Store};
use crate::error::StoreError;
use crate::sql::now;
use chrono::{Duration, Utc};
use sqlx::Row;
use tenure_domain::OrgId;

/// Work to add to the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub created_by: Option<i64>,
    /// Claims allowed before the job fails for good (each crash or retry uses one).
    pub max_attempts: i64,
    /// Not to run before then (a daily digest's hour); `None`: at once.
    pub run_after: Option<chrono::DateTime<Utc>>,
    /// Higher runs first among the runnable (deliveries before re-scoring).
    pub priority: i64,
}

/// A job a worker holds, with what it needs to run it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: i64,
    pub org: OrgId,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This claim's number, from 1.
    pub attempt: i64,
    pub max_attempts: i64,
}

/// The worker no longer holds the job: its lease lapsed and another worker claimed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("job {0} is no longer held by this worker")]
pub struct LeaseLost(pub i64);

/// A claim by worker `$1`, under a lease until `$2`, at `$3`; its WHERE names the jobs.
const CLAIM: &str = "UPDATE jobs SET status = 'running', worker = $1, lease_until = $2, attempts = attempts + 1, started_at = COALESCE(started_at, $3), stage = ''";
/// What a claim returns, as [`claimed`] reads it.
const CLAIMED: &str = "RETURNING id, org_id, kind, payload, attempts, max_attempts";

fn claimed(r: &sqlx::any::AnyRow) -> Result<ClaimedJob, StoreError> {
    let payload: String = r.get(3);
    Ok(ClaimedJob {
        id: r.get(0),
        org: OrgId(r.get(1)),
        kind: r.get(2),
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
        attempt: r.get(4),
        max_attempts: r.get(5),
    })
}

/// Which of a claim's searches can find a job.
struct RunnableJobs {
    /// A running job's lease has lapsed: its worker died.
    lapsed: bool,
    /// A queued job of an organization not suspended is due.
    waiting: bool,
}

/// Jobs `j` whose worker died: running under a lease that lapsed before time parameter `at`.
/// The claim and its look ahead ([`Store::runnable_jobs`]) share these conditions.
fn lapsed(at: &str) -> String {
    format!("j.status = 'running' AND j.lease_until < {at}")
}

/// Jobs `j` queued to run by time parameter `at`.
fn due(at: &str) -> String {
    format!("j.status = 'queued' AND j.run_after <= {at}")
}

/// What [`Store::enqueue_job_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    New(i64),
    /// The same job was already queued or running: this one.
    AlreadyPending(i64),
}

/// Job `j`'s organization is not suspended (the kill switch).
const NOT_SUSPENDED: &str =
    "NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = j.org_id AND o.suspended_at IS NOT NULL)";

fn later(by: Duration) -> String {
    timestamp(Utc::now() + by)
}

impl Store {
    pub async fn enqueue_job(&self, org: OrgId, job: &NewJob) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = Store::insert_job(&mut tx, org, job).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Queues `job` unless the same job (kind and payload) is already queued or running for
    /// the organization: a button pressed twice, or a client retrying, runs it once.
    pub async fn enqueue_job_once(&self, org: OrgId, job: &NewJob) -> Result<Enqueued, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(id) = Store::pending_job(&mut tx, org, job).await? {
            tx.rollback().await?;
            return Ok(Enqueued::AlreadyPending(id));
        }
        let id = Store::insert_job(&mut tx, org, job).await?;
        tx.commit().await?;
        Ok(Enqueued::New(id))
    }

    /// The same job (kind and payload) queued or running for the organization, if any.
    pub(crate) async fn pending_job(
        conn: &mut sqlx::AnyConnection,
        org: OrgId,
        job: &NewJob,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query("SELECT id FROM jobs WHERE org_id = $1 AND kind = $2 AND payload = $3 AND status IN ('queued', 'running') ORDER BY id LIMIT 1")
            .bind(org.0)
            .bind(&job.kind)
            .bind(job.payload.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.get(0)))
    }

    /// Adds a queued job inside the caller's transaction.
    pub(crate) async fn insert_job(
        conn: &mut sqlx::AnyConnection,
        org: OrgId,
        job: &NewJob,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query("INSERT INTO jobs (org_id, kind, status, created_by, created_at, payload, max_attempts, run_after, priority) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(org.0)
            .bind(&job.kind)
            .bind(job.created_by)
            .bind(now())
            .bind(job.payload.to_string())
            .bind(job.max_attempts)
            .bind(job.run_after.map(timestamp).unwrap_or_default())
            .bind(job.priority)
            .fetch_one(conn)
            .await?
            .get(0))
    }

    /// Adds a job already held by `worker` for `lease`, inside the caller's transaction: work
    /// the caller starts at once, and that any worker takes over should the caller die.
    pub(crate) async fn insert_held_job(
        conn: &mut sqlx::AnyConnection,
        org: OrgId,
        job: &NewJob,
        worker: &str,
        lease: Duration,
    ) -> Result<ClaimedJob, StoreError> {
        let now = now();
        let sql = format!("INSERT INTO jobs (org_id, kind, status, created_by, created_at, payload, max_attempts, run_after, priority, worker, lease_until, attempts, started_at, stage) VALUES ($1, $2, 'running', $3, $4, $5, $6, $4, $7, $8, $9, 1, $4, '') {CLAIMED}");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .bind(&job.kind)
            .bind(job.created_by)
            .bind(&now)
            .bind(job.payload.to_string())
            .bind(job.max_attempts)
            .bind(job.priority)
            .bind(worker)
            .bind(later(lease))
            .fetch_one(conn)
            .await?;
        claimed(&row)
    }

    /// Whether a job of `kind` waits in the organization's queue.
    pub async fn has_queued_job(&self, org: OrgId, kind: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM jobs WHERE org_id = $1 AND kind = $2 AND status = 'queued' LIMIT 1",
        )
        .bind(org.0)
        .bind(kind)
        .fetch_optional(&mut *self.connection().await?)
        .await?
        .is_some())
    }

    /// Claims the oldest runnable job for `worker`, holding it for `lease`; `None` when there
    /// is nothing to do. Jobs whose worker died once too often fail here, with the reason.
    pub async fn claim_job(
        &self,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        Ok(self
            .claim_jobs(worker, lease, None)
            .await?
            .into_iter()
            .next())
    }

    /// Claims the oldest runnable job as [`Store::claim_job`] does and, when it is of the
    /// `together` kind, up to that many more queued jobs of its kind and organization, oldest
    /// first: a worker that found one small job (a re-score after an event) takes the others
    /// waiting with it and does them in one pass. One transaction: under a stream of events
    /// the claim is the queue's most frequent write. Empty when there is nothing to do.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        lease: Duration,
        together: Option<(&str, i64)>,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        let now = now();
        let runnable = self.runnable_jobs(&now).await?;
        if !runnable.lapsed && !runnable.waiting {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_redoable_write().await?;
        if runnable.lapsed {
            sqlx::query("UPDATE jobs SET status = 'failed', finished_at = $1, stage = '', lease_until = NULL, error = 'its worker stopped while running it on every attempt' WHERE status = 'running' AND lease_until < $1 AND attempts >= max_attempts")
                .bind(&now)
                .execute(&mut *tx)
                .await?;
        }
        // A job whose worker died comes first; then the waiting, by priority and age. Two
        // statements rather than one with OR, so each candidate search walks an index
        // instead of the whole (ever longer) jobs table.
        let orphaned = (lapsed("$3"), "j.id");
        let waiting = (due("$3"), "j.priority DESC, j.id");
        let searches = [(runnable.lapsed, orphaned), (runnable.waiting, waiting)];
        let mut jobs = Vec::new();
        for (condition, order) in searches.into_iter().filter_map(|(any, c)| any.then_some(c)) {
            let sql = self.claim_sql(&condition, order);
            let row = sqlx::query(&sql)
                .bind(worker)
                .bind(later(lease))
                .bind(&now)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = row {
                jobs.push(claimed(&row)?);
                break;
            }
        }
        if let (Some(first), Some((kind, limit))) = (jobs.first(), together) {
            if first.kind == kind {
                let org = first.org;
                let more = self.claim_sql_of_kind();
                let rows = sqlx::query(&more)
                    .bind(worker)
                    .bind(later(lease))
                    .bind(&now)
                    .bind(org.0)
                    .bind(kind)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut others: Vec<ClaimedJob> =
                    rows.iter().map(claimed).collect::<Result<_, _>>()?;
                others.sort_by_key(|j| j.id);
                jobs.extend(others);
            }
        }
        tx.commit().await?;
        Ok(jobs)
    }

    /// What a claim at `now` could find, read without the writer: a worker that finds the
    /// queue empty — as every worker does after its last job — neither waits its turn at the
    /// writer nor makes an empty write, and a claim skips the searches that cannot succeed.
    /// A job queued after this read wakes the workers (or is found at their next poll).
    async fn runnable_jobs(&self, now: &str) -> Result<RunnableJobs, StoreError> {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM jobs j WHERE {} LIMIT 1) lapsed),
                    (SELECT COUNT(*) FROM (SELECT 1 FROM jobs j WHERE {} AND {NOT_SUSPENDED} LIMIT 1) waiting)",
            lapsed("$1"),
            due("$1")
        );
        let row = sqlx::query(&sql)
            .bind(now)
            .fetch_one(&mut *self.connection().await?)
            .await?;
        Ok(RunnableJobs {
            lapsed: row.get::<i64, _>(0) > 0,
            waiting: row.get::<i64, _>(1) > 0,
        })
    }

    /// The claim of the first job meeting `condition`, in `order`.
    fn claim_sql(&self, condition: &str, order: &str) -> String {
        format!(
            "{CLAIM} WHERE id = (SELECT j.id FROM jobs j WHERE {condition} \
                 AND {NOT_SUSPENDED} \
                 ORDER BY {order} LIMIT 1 {}) {CLAIMED}",
            self.skip_locked()
        )
    }

    /// The claim of up to `$6` queued jobs of organization `$4` and kind `$5`.
    fn claim_sql_of_kind(&self) -> String {
        format!(
            "{CLAIM} WHERE id IN (SELECT j.id FROM jobs j WHERE j.org_id = $4 AND j.kind = $5 AND {} \
                 ORDER BY j.id LIMIT $6 {}) {CLAIMED}",
            due("$3"),
            self.skip_locked()
        )
    }

    /// PostgreSQL's claims skip rows another worker is claiming, so workers never wait on
    /// each other; SQLite has one writer at a time anyway.
    fn skip_locked(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Gives a running job back to the queue untouched, if the worker still holds it: its
    /// worker is stopping and the job would outlast the wait (a training or full scoring
    /// run, an import). The claim does not count as one of its attempts, and any worker may
    /// take it at once.
    pub async fn hand_back_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
    ) -> Result<Result<(), LeaseLost>, StoreError> {
        let hand_back = sqlx::query("UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, stage = '', attempts = attempts - 1 WHERE id = $1 AND worker = $2 AND status = 'running'")
            .bind(job.id)
            .bind(worker);
        let done = self.execute_redoably(hand_back).await?;
        Ok(held(done.rows_affected(), job.id))
    }

    /// Extends the worker's hold on a job it is still running.
    pub async fn renew_lease(
        &self,
        job: &ClaimedJob,
        worker: &str,
        lease: Duration,
    ) -> Result<Result<(), LeaseLost>, StoreError> {
        let renewal = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND worker = $3 AND status = 'running'",
        )
        .bind(later(lease))
        .bind(job.id)
        .bind(worker);
        let done = self.execute_redoably(renewal).await?;
        Ok(held(done.rows_affected(), job.id))
    }

    /// Records that the job succeeded with `result`, if the worker still holds it.
    pub async fn complete_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        result: serde_json::Value,
    ) -> Result<Result<(), LeaseLost>, StoreError> {
        self.end_job(job, worker, &JobEnd::Succeeded(result)).await
    }

    /// Records one end for jobs run together (a pass of re-scores), in one transaction: for
    /// each, in order, whether the worker still held it.
    pub async fn end_jobs(
        &self,
        jobs: &[ClaimedJob],
        worker: &str,
        end: &JobEnd,
    ) -> Result<Vec<Result<(), LeaseLost>>, StoreError> {
        let mut tx = self.begin_redoable_write().await?;
        let mut ends = Vec::with_capacity(jobs.len());
        for job in jobs {
            ends.push(end_job_in(&mut tx, job, worker, end).await?);
        }
        tx.commit().await?;
        Ok(ends)
    }

    /// Puts a job that failed for a passing reason back in the queue, to run no sooner than
    /// `after` from now — or fails it for good when it has used its last attempt.
    pub async fn retry_job_later(
        &self,
        job: &ClaimedJob,
        worker: &str,
        error: &str,
        after: Duration,
    ) -> Result<Result<(), LeaseLost>, StoreError> {
        self.end_job(job, worker, &JobEnd::RetryAfter(after, error.to_owned()))
            .await
    }

    /// Records how a run of the job ended, if the worker still holds it.
    pub async fn end_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        end: &JobEnd,
    ) -> Result<Result<(), LeaseLost>, StoreError> {
        let mut tx = self.begin_redoable_write().await?;
        let ended = end_job_in(&mut tx, job, worker, end).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// The kill switch: while an organization is suspended its jobs wait unclaimed — no
    /// scoring, no delivery — and nothing of its data changes.
    pub async fn set_suspended(&self, org: OrgId, suspended: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE organizations SET suspended_at = $1 WHERE id = $2")
            .bind(suspended.then(now))
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// When the organization was suspended, if it is.
    pub async fn suspended_since(&self, org: OrgId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT suspended_at FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.and_then(|r| r.get(0)))
    }

    /// Jobs queued or running for organizations not suspended: zero when workers may rest.
    /// Scheduled jobs (upkeep, digests, HRIS pulls) waiting for their time don't count: they
    /// are always there.
    pub async fn unfinished_jobs(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM jobs j JOIN organizations o ON o.id = j.org_id WHERE j.status IN ('queued', 'running') AND o.suspended_at IS NULL AND NOT (j.status = 'queued' AND j.kind IN ('upkeep', 'digest', 'pull') AND j.run_after > $1)")
            .bind(now())
            .fetch_one(&mut *self.connection().await?)
            .await?
            .get(0))
    }

    /// Keeps an uploaded file until its import job ends.
    pub async fn save_upload(
        &self,
        org: OrgId,
        name: &str,
        content: &[u8],
    ) -> Result<i64, StoreError> {
        Store::insert_upload(&mut *self.connection().await?, org, name, content).await
    }

    /// Saves an uploaded file inside the caller's transaction (or on its connection).
    pub(crate) async fn insert_upload(
        conn: &mut sqlx::AnyConnection,
        org: OrgId,
        name: &str,
        content: &[u8],
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query("INSERT INTO uploads (org_id, name, content, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(org.0)
            .bind(name)
            .bind(content)
            .bind(now())
            .fetch_one(&mut *conn)
            .await?
            .get(0))
    }

    /// An uploaded file's name and bytes.
    pub async fn upload(
        &self,
        org: OrgId,
        id: i64,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query("SELECT name, content FROM uploads WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// Uploaded files still waiting for (or in) their import.
    pub async fn uploads_waiting(&self, org: OrgId) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM uploads WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(&mut *self.connection().await?)
                .await?
                .get(0),
        )
    }

    pub async fn delete_upload(&self, org: OrgId, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM uploads WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }
}

/// How a run of a job ended, as the queue records it.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEnd {
    /// Finished: what it did, kept as the job's result.
    Succeeded(serde_json::Value),
    /// Failed for good: why, in words for the people who queued it.
    Failed(String),
    /// Failed for a passing reason: back to the queue to run again after the wait — or failed
    /// for good when that was its last attempt.
    RetryAfter(Duration, String),
}

impl JobEnd {
    /// Whether this end puts `job` back in the queue: a retry, with attempts left.
    pub fn puts_back(&self, job: &ClaimedJob) -> bool {
        matches!(self, JobEnd::RetryAfter(..)) && job.attempt < job.max_attempts
    }
}

/// Records, in `tx`, how a run of `job` ended, if `worker` still holds it.
pub(crate) async fn end_job_in(
    tx: &mut sqlx::AnyConnection,
    job: &ClaimedJob,
    worker: &str,
    end: &JobEnd,
) -> Result<Result<(), LeaseLost>, StoreError> {
    let done = match end {
        JobEnd::RetryAfter(after, error) if end.puts_back(job) => {
            sqlx::query("UPDATE jobs SET status = 'queued', error = $1, run_after = $2, stage = '', lease_until = NULL WHERE id = $3 AND worker = $4 AND status = 'running'")
                .bind(error)
                .bind(later(*after))
                .bind(job.id)
                .bind(worker)
                .execute(&mut *tx)
                .await?
        }
        JobEnd::RetryAfter(_, error) => finish_job(tx, job, worker, None, Some(error)).await?,
        JobEnd::Succeeded(result) => {
            finish_job(tx, job, worker, Some(result.to_string()), None).await?
        }
        JobEnd::Failed(error) => finish_job(tx, job, worker, None, Some(error)).await?,
    };
    Ok(held(done.rows_affected(), job.id))
}

/// Marks the job succeeded (with its `result`) or failed (with its `error`).
async fn finish_job(
    tx: &mut sqlx::AnyConnection,
    job: &ClaimedJob,
    worker: &str,
    result: Option<String>,
    error: Option<&str>,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let status = if error.is_none() {
        "succeeded"
    } else {
        "failed"
    };
    sqlx::query("UPDATE jobs SET status = $1, result = $2, error = $3, finished_at = $4, stage = '', lease_until = NULL WHERE id = $5 AND worker = $6 AND status = 'running'")
        .bind(status)
        .bind(result)
        .bind(error)
        .bind(now())
        .bind(job.id)
        .bind(worker)
        .execute(tx)
        .await
}

fn held(rows: u64, id: i64) -> Result<(), LeaseLost> {
    if rows == 1 {
        Ok(())
    } else {
        Err(LeaseLost(id))
    }
}
