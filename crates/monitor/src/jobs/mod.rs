//! The jobs workers run, one file per kind. Each kind is a [`Job`]: what its payload holds is
//! a [`JobSpec`]; what it did, a typed [`JobOutcome`] (turned into JSON only where the queue
//! stores it); why it failed, a [`JobError`] that says whether running it again can help; and
//! how a run ends, an [`Ending`] — the one type the worker records.

mod deliver;
mod digest;
mod import;
mod outcome;
mod ping;
mod pull;
mod rescore;
mod score;
mod stage;
mod train;
mod upkeep;

pub(crate) use deliver::ending as delivery_ending;
pub use outcome::{
    AccuracyChecked, Delivered, DigestSent, Imported, JobOutcome, Pong, Pulled, Rescored, Scored,
    Trained, UpkeepDone,
};
pub(crate) use stage::{report_stage, Stage};

use crate::delivery::{Attempt, DeliveryError, DeliverySettings, FanOut};
use crate::{Monitor, MonitorError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tenure_data::DataError;
use tenure_domain::OrgId;
use tenure_ingest::IngestError;
use tenure_store::{
    ClaimedJob, JobEnd, NewJob, RaisedWarning, ScoringWrite, Store, StoreError, StoreErrorKind,
};
use tokio::sync::Notify;

/// What a queued job does, as stored in its payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Import an uploaded file (kept in the store until the job ends) with a mapping (TOML).
    Import {
        upload: i64,
        mapping: String,
        replace: bool,
    },
    /// Train the next model version, then score everyone with it.
    Train {
        learner: String,
        seed: u64,
        horizon_months: i32,
        origins: usize,
        step: usize,
        folds: usize,
    },
    /// Score everyone with a model version (default: the latest).
    Score {
        version: Option<i64>,
        factors: usize,
    },
    /// Re-score these people with the latest model (after HR events changed them).
    Rescore { people: Vec<String> },
    /// Make one attempt at a delivery (webhook or e-mail).
    Deliver { delivery: i64 },
    /// Send the organization's daily e-mail digest.
    Digest,
    /// The organization's daily upkeep: purge what its retention period expired, and re-check
    /// accuracy once a month. Queues the next day's upkeep when done.
    Upkeep,
    /// Answer with the worker's name after `pause_ms`: shows which workers take work and how
    /// fast the queue moves (`tenure admin ping-workers`).
    Ping { pause_ms: u64 },
    /// Pull the organization's HRIS report from its source, check it and import it. A
    /// scheduled pull queues the next one; one asked for may override the safety check.
    Pull {
        scheduled: bool,
        override_safety_check: bool,
        started_by: String,
    },
}

impl JobSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            JobSpec::Import { .. } => "import",
            JobSpec::Train { .. } => "train",
            JobSpec::Score { .. } => "score",
            JobSpec::Rescore { .. } => "rescore",
            JobSpec::Deliver { .. } => "deliver",
            JobSpec::Digest => "digest",
            JobSpec::Upkeep => "upkeep",
            JobSpec::Ping { .. } => "ping",
            // Scheduled pulls are a kind of their own: one is always waiting for its time,
            // and a pull asked for meanwhile must not be mistaken for it.
            JobSpec::Pull {
                scheduled: true, ..
            } => "pull",
            JobSpec::Pull { .. } => "pull_now",
        }
    }

    /// The spec a claimed job's payload holds.
    pub fn of(job: &ClaimedJob) -> Result<JobSpec, JobError> {
        serde_json::from_value(job.payload.clone()).map_err(JobError::Payload)
    }

    /// Whether the job is a long one — an import, a training or a full scoring run: it may
    /// run for minutes and writes much. A stopping worker hands it back to the queue rather
    /// than keep the process waiting for it (at worst the rerun repeats work: an import or a
    /// scoring run writes in one transaction as it ends, and a training run may already have
    /// stored its model, so the rerun trains the next version); and the write-ahead log is
    /// checkpointed after it.
    pub(crate) fn is_long(&self) -> bool {
        matches!(
            self,
            JobSpec::Import { .. }
                | JobSpec::Train { .. }
                | JobSpec::Score { .. }
                | JobSpec::Pull { .. }
        )
    }

    /// The job for the queue, with how many times it may be claimed. A delivery's attempts
    /// are counted by the delivery itself (which dies after its settings' attempts), so its
    /// job may be claimed as often as that takes.
    pub fn to_job(&self, created_by: Option<i64>) -> NewJob {
        let (max_attempts, priority) = match self {
            JobSpec::Deliver { .. } | JobSpec::Digest => (100, 10),
            _ => (3, 0),
        };
        NewJob {
            kind: self.kind().into(),
            payload: serde_json::to_value(self).expect("a job spec is plain data"),
            created_by,
            max_attempts,
            run_after: None,
            priority,
        }
    }

    /// Runs the job this spec describes: inline jobs in this task, CPU-bound ones on a
    /// blocking thread.
    pub(crate) async fn run(self, context: JobContext) -> Ending {
        match self {
            JobSpec::Import {
                upload,
                mapping,
                replace,
            } => {
                let job = import::ImportJob {
                    upload,
                    mapping,
                    replace,
                };
                off_the_runtime(job, context).await.into()
            }
            JobSpec::Train {
                learner,
                seed,
                horizon_months,
                origins,
                step,
                folds,
            } => {
                let job = train::TrainJob {
                    learner,
                    seed,
                    horizon_months,
                    origins,
                    step,
                    folds,
                };
                off_the_runtime(job, context).await.into()
            }
            JobSpec::Score { version, factors } => {
                let job = score::ScoreJob { version, factors };
                off_the_runtime(job, context).await.into()
            }
            JobSpec::Rescore { people } => off_the_runtime(rescore::RescoreJob { people }, context)
                .await
                .into(),
            JobSpec::Upkeep => off_the_runtime(upkeep::UpkeepJob, context).await.into(),
            JobSpec::Deliver { delivery } => {
                let attempt = deliver::DeliverJob { delivery }.run(&context).await;
                deliver::ending(delivery, attempt, &context)
            }
            JobSpec::Digest => {
                let sent = digest::DigestJob.run(&context).await;
                digest::ending(sent, &context)
            }
            JobSpec::Ping { pause_ms } => ping::PingJob { pause_ms }.run(&context).await.into(),
            JobSpec::Pull {
                scheduled,
                override_safety_check,
                started_by,
            } => {
                let job = pull::PullJob {
                    scheduled,
                    override_safety_check,
                    started_by,
                };
                off_the_runtime(job, context).await.into()
            }
        }
    }
}

/// Where a job runs, as its kind declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runs {
    /// In the worker's task: the job mostly waits (on a receiver, a timer).
    Inline,
    /// On a blocking thread: CPU work, off the runtime's threads, so leases keep being
    /// renewed, requests answered and other workers claiming.
    Blocking,
    /// On a blocking thread, one at a time per process: training and scoring use every core
    /// they are given.
    Heavy,
}

/// One kind of job: what it does when a worker runs it.
pub(crate) trait Job: Send + 'static {
    /// How the worker runs it.
    const RUNS: Runs;
    /// What a successful run gives back.
    type Output: Send + 'static;

    /// Does the job for `context`'s organization.
    fn run(
        self,
        context: &JobContext,
    ) -> impl std::future::Future<Output = Result<Self::Output, JobError>>;
}

/// Runs a CPU-bound job on a blocking thread, after taking the process's heavy turn when its
/// kind is heavy. Waiting for the turn is under the lease too: a training job may wait for
/// minutes, and a lapsed lease would hand it to another worker.
async fn off_the_runtime<J: Job>(job: J, context: JobContext) -> Result<J::Output, JobError> {
    debug_assert_ne!(
        J::RUNS,
        Runs::Inline,
        "inline jobs are awaited where they are"
    );
    let _turn = match J::RUNS {
        Runs::Heavy => Some(context.heavy.clone().acquire_owned().await),
        _ => None,
    };
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(job.run(&context)))
        .await
        .map_err(JobError::Stopped)?
}

/// What a running job is given: its organization and claim, the worker's settings and the
/// process's shared handles.
#[derive(Clone)]
pub(crate) struct JobContext {
    pub monitor: Monitor,
    pub org: OrgId,
    /// The claim the job runs under.
    pub job: ClaimedJob,
    /// The worker's name.
    pub worker: String,
    /// Cores a training run may use.
    pub threads: usize,
    pub delivery: DeliverySettings,
    /// The step the job is on, written to its row while it runs.
    pub stage: Stage,
    /// Woken when the job queues more work.
    pub wake: Arc<Notify>,
    /// Held while a heavy job runs.
    pub heavy: Arc<tokio::sync::Semaphore>,
}

impl JobContext {
    pub fn store(&self) -> &Store {
        self.monitor.store()
    }
}

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("the job's payload cannot be read: {0}")]
    Payload(serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Monitor(#[from] MonitorError),
    #[error(transparent)]
    Mapping(DataError),
    /// An import the data or the mapping refused, worded with the file's name as the user
    /// sent it (not the worker's temporary copy).
    #[error("{shown}")]
    Import { error: IngestError, shown: String },
    #[error("the uploaded file is gone: upload it again")]
    UploadGone,
    #[error("no room for the upload: {0}")]
    NoRoom(std::io::Error),
    #[error("the organization is gone")]
    OrganizationGone,
    #[error("learner {0:?}")]
    UnknownLearner(String),
    #[error("the job stopped: {0}")]
    Stopped(tokio::task::JoinError),
    #[error("the warnings' deliveries could not be planned: {0}")]
    PlanningDeliveries(StoreError),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    /// An attempt at a delivery failed; the delivery records why.
    #[error("{reason}")]
    DeliveryFailed { reason: String },
    #[error("delivery {delivery} is dead after {attempts} attempts: {reason}")]
    DeliveryDead {
        delivery: i64,
        attempts: i64,
        reason: String,
    },
    #[error("the organization is suspended")]
    Suspended,
}

impl JobError {
    /// Whether running the job again later can help: the failure passes (a database out of
    /// reach, a receiver down, a suspension lifted), rather than lying in the data, the
    /// request or the code.
    pub fn retry_can_help(&self) -> bool {
        match self {
            JobError::Store(e) | JobError::Monitor(MonitorError::Store(e)) => {
                e.kind() == StoreErrorKind::Unavailable
            }
            JobError::PlanningDeliveries(_)
            | JobError::Delivery(_)
            | JobError::DeliveryFailed { .. }
            | JobError::Suspended => true,
            _ => false,
        }
    }
}

/// The wait before a job that failed for a passing reason (the database out of reach, its
/// warnings' deliveries not planned) runs again.
pub(crate) const PASSING_FAILURE_WAIT: Duration = Duration::from_secs(1);

/// How a run of a job ends — the one type for it: the verdict the worker records on the
/// job, and what lands with it in the same write.
pub(crate) struct Ending {
    pub verdict: Verdict,
    pub lands_with: LandsWith,
}

/// What the queue is told of a run.
pub(crate) enum Verdict {
    Succeeded(JobOutcome),
    /// Failed for good.
    Failed(JobError),
    /// Failed for a passing reason: back to the queue after the wait (or failed for good when
    /// it was the job's last attempt).
    RetryAfter(Duration, JobError),
}

/// What a run wrote that lands only with its recorded end.
pub(crate) enum LandsWith {
    Nothing,
    /// A scoring run's scores and warnings, still open.
    Scoring(Box<ScoringRun>),
    /// A delivery's attempt, recorded on the delivery.
    Attempt {
        delivery: i64,
        attempt: Attempt,
    },
}

/// A scoring run's open write, the warnings it raised and — once planned — their deliveries,
/// whose jobs (`held`) are this worker's, for the first attempts once the write commits.
pub(crate) struct ScoringRun {
    pub write: ScoringWrite,
    pub raised: Vec<RaisedWarning>,
    pub held: Vec<ClaimedJob>,
    pub planned: FanOut,
}

impl Ending {
    pub fn succeeded(outcome: impl Into<JobOutcome>) -> Ending {
        Verdict::Succeeded(outcome.into()).into()
    }

    /// A failed run: put back for a retry when one can help, failed for good otherwise.
    pub fn failed(error: JobError) -> Ending {
        if error.retry_can_help() {
            Ending::retry_after(PASSING_FAILURE_WAIT, error)
        } else {
            Verdict::Failed(error).into()
        }
    }

    /// A job the caller's run should make again after `wait`.
    pub fn retry_after(wait: Duration, error: JobError) -> Ending {
        Verdict::RetryAfter(wait, error).into()
    }

    /// What the queue stores of this end.
    pub fn recorded(&self) -> JobEnd {
        match &self.verdict {
            Verdict::Succeeded(outcome) => JobEnd::Succeeded(outcome.to_json()),
            Verdict::Failed(error) => JobEnd::Failed(error.to_string()),
            Verdict::RetryAfter(wait, error) => {
                JobEnd::RetryAfter(queue_duration(*wait), error.to_string())
            }
        }
    }
}

impl From<Verdict> for Ending {
    fn from(verdict: Verdict) -> Ending {
        Ending {
            verdict,
            lands_with: LandsWith::Nothing,
        }
    }
}

/// A run that gives back only its outcome.
impl<T: Into<JobOutcome>> From<Result<T, JobError>> for Ending {
    fn from(result: Result<T, JobError>) -> Ending {
        match result {
            Ok(outcome) => Ending::succeeded(outcome),
            Err(error) => Ending::failed(error),
        }
    }
}

/// A scoring run's outcome and its open write.
pub(crate) struct ScoredRun<T> {
    pub outcome: T,
    pub write: ScoringWrite,
    pub raised: Vec<RaisedWarning>,
}

impl<T: Into<JobOutcome>> From<Result<ScoredRun<T>, JobError>> for Ending {
    fn from(result: Result<ScoredRun<T>, JobError>) -> Ending {
        match result {
            Ok(run) => Ending {
                verdict: Verdict::Succeeded(run.outcome.into()),
                lands_with: LandsWith::Scoring(Box::new(ScoringRun {
                    write: run.write,
                    raised: run.raised,
                    held: Vec::new(),
                    planned: FanOut::default(),
                })),
            },
            Err(error) => Ending::failed(error),
        }
    }
}

/// A training run's outcome, with the scoring run it was followed by when there was one.
pub(crate) enum TrainedRun {
    Scored(ScoredRun<Trained>),
    Unscored(Trained),
}

impl From<Result<TrainedRun, JobError>> for Ending {
    fn from(result: Result<TrainedRun, JobError>) -> Ending {
        match result {
            Ok(TrainedRun::Scored(run)) => Ok(run).into(),
            Ok(TrainedRun::Unscored(trained)) => Ok(trained).into(),
            Err(error) => Ending::failed(error),
        }
    }
}

/// A wait or a lease as the queue takes it (30 s for one too long to say).
pub(crate) fn queue_duration(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(30))
}

/// The slug of the job's organization, which the monitor's errors name.
async fn organization_slug(context: &JobContext) -> Result<String, JobError> {
    Ok(context
        .store()
        .organization_by_id(context.org)
        .await?
        .ok_or(JobError::OrganizationGone)?
        .slug)
}
