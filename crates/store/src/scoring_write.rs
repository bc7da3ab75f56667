//! One scoring run's writes as one transaction: the scores, the warnings they trip, the
//! deliveries of those warnings with the jobs that make them, and the end of the job that ran
//! the run. The caller decides what to write between the steps (a team's warning reads the
//! team's scores just written), and nothing lands unless all of it does: a crash leaves no
//! warning without its deliveries, and a worker that lost its job's lease leaves nothing the
//! worker now running the job will write again.

use crate::connect::{Backend, Store};
use crate::delivery::{insert_delivery, NewDelivery};
use crate::error::StoreError;
use crate::models::{
    insert_scores, team_history_in, team_risk_in, NewScore, ScoreOutcome, TeamRisk,
};
use crate::queue::{end_job_in, ClaimedJob, JobEnd, LeaseLost, NewJob};
use crate::warnings::{settle_outcomes_in, NewWarning, RaisedWarning};
use crate::writer::WriteTx;
use tenure_domain::OrgId;

/// The namespace of the PostgreSQL transaction locks that make one organization's scoring
/// writes take turns (the second key is the organization).
const SCORING_LOCKS: i32 = 7_001;

/// An open scoring write of one organization (see the module's note). Dropped without
/// [`ScoringWrite::commit`], it rolls back.
pub struct ScoringWrite {
    tx: WriteTx,
    org: OrgId,
    backend: Backend,
}

impl Store {
    /// Begins a scoring run's write. On SQLite it holds the process's one writer until it
    /// commits or is dropped: read what the run needs first.
    ///
    /// The commit is redoable (it does not wait for the disk): a power cut that takes it back
    /// takes back the job's end with it, so the job runs again and writes it all again.
    ///
    /// One organization's scoring writes take turns on either backend — SQLite has one writer;
    /// on PostgreSQL each holds a transaction lock on its organization — so what a write
    /// reads of the month's warnings (HR's capacity) is not changed under it by another.
    pub async fn begin_scoring_write(&self, org: OrgId) -> Result<ScoringWrite, StoreError> {
        let mut tx = self.begin_redoable_write().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
                .bind(SCORING_LOCKS)
                .bind(org.0 as i32)
                .execute(&mut *tx)
                .await?;
        }
        Ok(ScoringWrite {
            tx,
            org,
            backend: self.backend(),
        })
    }
}

impl ScoringWrite {
    /// Stores scores: one already stored for the same model, person and date is left alone
    /// when its inputs are the same, replaced when they changed.
    pub async fn save_scores(
        &mut self,
        model_version: i64,
        scores: &[NewScore],
    ) -> Result<ScoreOutcome, StoreError> {
        insert_scores(&mut self.tx, self.backend, self.org, model_version, scores).await
    }

    pub async fn raise_warnings(
        &mut self,
        warnings: &[NewWarning],
    ) -> Result<Vec<RaisedWarning>, StoreError> {
        Store::insert_warnings(&mut self.tx, self.org, warnings).await
    }

    /// A team's people still employed with a current score from a model, and the leavers to
    /// expect among them, counting the scores written so far.
    pub async fn team_risk(
        &mut self,
        model_version: i64,
        team: &str,
    ) -> Result<TeamRisk, StoreError> {
        team_risk_in(&mut self.tx, self.org, model_version, team).await
    }

    /// A team's scores from a model at each date from `since` on, counting the scores written
    /// so far: the date, the people scored in the team then and the leavers expected.
    pub async fn team_history(
        &mut self,
        model_version: i64,
        team: &str,
        since: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, usize, f64)>, StoreError> {
        let rows = team_history_in(
            &mut self.tx,
            self.org,
            model_version,
            team,
            &since.to_string(),
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(on, people, expected)| {
                let day = chrono::NaiveDate::parse_from_str(on.get(..10)?, "%Y-%m-%d").ok()?;
                Some((day, people, expected))
            })
            .collect())
    }

    /// The person warnings already raised for `month` (its first day), by department: what
    /// of the month's capacity is spent, counting what this write raised so far.
    pub async fn person_warnings_in_month(
        &mut self,
        month: chrono::NaiveDate,
    ) -> Result<Vec<(Option<String>, usize)>, StoreError> {
        let rows = sqlx::query("SELECT department, COUNT(*) FROM warnings WHERE org_id = $1 AND subject = 'person' AND for_month = $2 GROUP BY department")
            .bind(self.org.0)
            .bind(month.to_string())
            .fetch_all(&mut *self.tx)
            .await?;
        Ok(counts_by_department(&rows))
    }

    /// The people with a score from `model_version` at its latest date, by department:
    /// whom the month's capacity is counted over, when a run scores only a few of them.
    pub async fn scored_headcount(
        &mut self,
        model_version: i64,
    ) -> Result<Vec<(Option<String>, usize)>, StoreError> {
        let rows = sqlx::query("SELECT department, COUNT(*) FROM scores WHERE org_id = $1 AND model_version = $2 AND probability IS NOT NULL AND as_of = (SELECT MAX(as_of) FROM scores WHERE org_id = $1 AND model_version = $2) GROUP BY department")
            .bind(self.org.0)
            .bind(model_version)
            .fetch_all(&mut *self.tx)
            .await?;
        Ok(counts_by_department(&rows))
    }

    /// The thresholds a run over the whole organization set from its relative bands, for
    /// the re-scores after it to band by.
    pub async fn set_band_thresholds(
        &mut self,
        thresholds: tenure_domain::RiskThresholds,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE organizations SET risk_high = $1, risk_medium = $2 WHERE id = $3")
            .bind(thresholds.high)
            .bind(thresholds.medium)
            .bind(self.org.0)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// As [`Store::settle_warning_outcomes`].
    pub async fn settle_warning_outcomes(
        &mut self,
        horizon_months: i32,
    ) -> Result<u64, StoreError> {
        settle_outcomes_in(&mut self.tx, self.org, horizon_months).await
    }

    /// Records deliveries and a job for each (`job_for` makes it from the delivery's id),
    /// every job held by `worker` for `lease` from now: the caller makes the first attempts
    /// once this commits, and should it die first, the lapsed leases hand them to any worker.
    /// Returns the held jobs, in `deliveries`' order.
    pub async fn create_deliveries(
        &mut self,
        deliveries: &[NewDelivery],
        job_for: impl Fn(i64) -> NewJob,
        worker: &str,
        lease: chrono::Duration,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        let mut jobs = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            let id = insert_delivery(&mut self.tx, self.org, delivery).await?;
            let job = job_for(id);
            jobs.push(Store::insert_held_job(&mut self.tx, self.org, &job, worker, lease).await?);
        }
        Ok(jobs)
    }

    /// Queues a job of the organization.
    pub async fn enqueue_job(&mut self, job: &NewJob) -> Result<i64, StoreError> {
        Store::insert_job(&mut self.tx, self.org, job).await
    }

    /// Records how the run of each of `jobs` ended, for those `worker` still holds.
    pub async fn end_jobs(
        &mut self,
        jobs: &[ClaimedJob],
        worker: &str,
        end: &JobEnd,
    ) -> Result<Vec<Result<(), LeaseLost>>, StoreError> {
        let mut ends = Vec::with_capacity(jobs.len());
        for job in jobs {
            ends.push(end_job_in(&mut self.tx, job, worker, end).await?);
        }
        Ok(ends)
    }

    pub(crate) fn org(&self) -> OrgId {
        self.org
    }

    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// The open transaction, for the other modules' parts of a scoring run.
    pub(crate) fn tx(&mut self) -> &mut WriteTx {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }

    /// Lets it all go (as dropping it does, but waiting until the writer is free again).
    pub async fn roll_back(self) -> Result<(), StoreError> {
        Ok(self.tx.rollback().await?)
    }
}

fn counts_by_department(rows: &[sqlx::any::AnyRow]) -> Vec<(Option<String>, usize)> {
    use sqlx::Row;
    rows.iter()
        .map(|r| (r.get(0), r.get::<i64, _>(1) as usize))
        .collect()
}
