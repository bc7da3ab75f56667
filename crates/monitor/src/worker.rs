//! Workers: each claims the oldest runnable job from the store's queue, runs it — an import,
//! a training run, a scoring run, re-scoring after events, a delivery, a digest, a ping —
//! renews its lease while it runs, and records the outcome. A scoring job's scores, the
//! warnings they raise, a delivery job for each destination of each warning and the job's own
//! end are one write: all land, or — should the worker die or lose the lease first — none
//! does and the job runs again. Any number of workers, in `tenure worker` processes or
//! inside `tenure serve`, share one database; a job whose worker dies is claimed again once
//! its lease lapses, and a failed delivery is put back with a growing wait.

use crate::delivery::{
    attempt_delivery, attempt_first_delivery, fan_out, send_digest, Attempt, DeliverySettings,
    FanOut,
};
use crate::events::rescore_people_written;
use crate::score::score_organization_written;
use crate::{train_organization, Progress, ScoreRequest, TrainRequest};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tenure_data::Mapping;
use tenure_domain::OrgId;
use tenure_ingest::{import_file, ImportRequest};
use tenure_model::evaluate::{LearnerChoice, TrainingSettings};
use tenure_store::{
    ClaimedJob, JobEnd, LeaseLost, NewJob, RaisedWarning, ScoringWrite, Store, StoreError,
};
use tokio::sync::{Notify, Semaphore};

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
        }
    }

    /// Training and scoring use every core they are given: one at a time per process.
    fn is_heavy(&self) -> bool {
        matches!(self, JobSpec::Train { .. } | JobSpec::Score { .. })
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
}

/// Queues the organization's upkeep (at `run_after`, or now) unless one is already waiting.
pub async fn schedule_upkeep(
    store: &Store,
    org: OrgId,
    run_after: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), StoreError> {
    if store.has_queued_job(org, "upkeep").await? {
        return Ok(());
    }
    let job = NewJob {
        run_after,
        ..JobSpec::Upkeep.to_job(None)
    };
    store.enqueue_job(org, &job).await?;
    Ok(())
}

/// Puts a job in the queue and wakes this process's workers.
pub async fn enqueue(
    store: &Store,
    org: OrgId,
    spec: &JobSpec,
    created_by: Option<i64>,
    wake: &Notify,
) -> Result<i64, StoreError> {
    let id = store.enqueue_job(org, &spec.to_job(created_by)).await?;
    // One job wakes one idle worker: waking them all sends the rest to claim nothing.
    wake.notify_one();
    Ok(id)
}

/// What a process wants to hear of the jobs its workers finish (the server counts them, drops
/// its cached scores, and tells live feeds of new warnings).
pub trait JobObserver: Send + Sync {
    fn finished(
        &self,
        job: &ClaimedJob,
        spec: Option<&JobSpec>,
        outcome: &Result<serde_json::Value, String>,
    );

    /// Warnings a job just raised, before they are delivered anywhere else.
    fn warnings_raised(&self, _org: OrgId, _warnings: &[RaisedWarning]) {}
}

/// An observer that hears nothing.
pub struct NoObserver;

impl JobObserver for NoObserver {
    fn finished(&self, _: &ClaimedJob, _: Option<&JobSpec>, _: &Result<serde_json::Value, String>) {
    }
}

/// The wait before a scoring run whose deliveries could not be planned (the store did not
/// answer) runs again.
const PLANNING_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// Re-scoring jobs one worker takes together when they have piled up.
const RESCORES_PER_PASS: i64 = 31;

/// What a job produced: its result, and a scoring run's write, still open (to add the
/// warnings' deliveries and the job's end to).
struct Done {
    result: serde_json::Value,
    written: Option<OpenWrite>,
}

impl From<serde_json::Value> for Done {
    fn from(result: serde_json::Value) -> Done {
        Done {
            result,
            written: None,
        }
    }
}

impl Done {
    /// A scoring run's result, with its open write and the warnings it raised.
    fn scored(result: serde_json::Value, write: ScoringWrite, raised: Vec<RaisedWarning>) -> Done {
        Done {
            result,
            written: Some(OpenWrite { write, raised }),
        }
    }
}

/// A scoring run's open write and the warnings it raised.
struct OpenWrite {
    write: ScoringWrite,
    raised: Vec<RaisedWarning>,
}

/// How a run ended, and what it wrote that lands only with that end.
struct Ran {
    end: JobEnd,
    pending: Option<PendingWrite>,
}

impl From<JobEnd> for Ran {
    fn from(end: JobEnd) -> Ran {
        Ran { end, pending: None }
    }
}

/// A scoring run's open write with the deliveries of its warnings added: their jobs (`held`)
/// are this worker's, for the first attempts once the write commits.
struct PendingWrite {
    write: ScoringWrite,
    raised: Vec<RaisedWarning>,
    held: Vec<ClaimedJob>,
    planned: FanOut,
}

#[derive(Clone)]
pub struct WorkerSettings {
    /// Unique among live workers: the lease is held in this name.
    pub name: String,
    /// How long a claim holds without renewal; renewed every third of it.
    pub lease: std::time::Duration,
    /// How often an idle worker looks for work (it is also woken by enqueues in-process).
    pub poll: std::time::Duration,
    /// Cores a training run may use.
    pub training_threads: usize,
    /// Links, retries and timeouts of deliveries.
    pub delivery: DeliverySettings,
}

impl WorkerSettings {
    /// A worker holding its claims for `lease_seconds` and training on `training_threads`
    /// cores (each at least one).
    pub fn new(name: String, lease_seconds: u64, training_threads: usize) -> WorkerSettings {
        WorkerSettings {
            name,
            lease: std::time::Duration::from_secs(lease_seconds.max(1)),
            poll: std::time::Duration::from_millis(200),
            training_threads: training_threads.max(1),
            delivery: DeliverySettings::default(),
        }
    }
}

/// A name no other live worker has: host, process and a counter.
pub fn worker_name(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{host}-{}-{n}", std::process::id())
}

/// How often each worker looks for offboarded organizations whose data is due for deletion.
const DEPARTED_SWEEP: std::time::Duration = std::time::Duration::from_secs(60);

/// One worker: a loop of claim, run, record.
#[derive(Clone)]
pub struct Worker {
    pub store: Store,
    pub settings: WorkerSettings,
    pub observer: Arc<dyn JobObserver>,
    /// Woken when this process queues work.
    pub wake: Arc<Notify>,
    /// Shared by the workers of one process, so heavy jobs run one at a time.
    pub heavy: Arc<Semaphore>,
}

impl Worker {
    /// Works until `stop` resolves (a job under way is finished first), or — with
    /// `until_idle` — until no job is queued or running anywhere.
    /// A database that cannot be reached is waited out, not a reason to stop.
    pub async fn run(&self, until_idle: bool, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut last_sweep: Option<std::time::Instant> = None;
        loop {
            if last_sweep.is_none_or(|at| at.elapsed() >= DEPARTED_SWEEP) {
                last_sweep = Some(std::time::Instant::now());
                if let Err(error) =
                    crate::oversight::delete_departed_organizations(&self.store, chrono::Utc::now())
                        .await
                {
                    tracing::warn!(%error, "offboarded organizations not deleted; trying again later");
                }
            }
            match self.step(until_idle).await {
                Ok(Step::Worked) => continue,
                Ok(Step::Idle) => {}
                Ok(Step::AllDone) => return,
                Err(error) => {
                    tracing::warn!(%error, worker = %self.settings.name, "the job queue cannot be read; trying again")
                }
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    async fn step(&self, until_idle: bool) -> Result<Step, StoreError> {
        let mut jobs = self
            .store
            .claim_jobs(
                &self.settings.name,
                lease(&self.settings),
                Some(("rescore", RESCORES_PER_PASS)),
            )
            .await?
            .into_iter();
        if let Some(job) = jobs.next() {
            let more: Vec<ClaimedJob> = jobs.collect();
            if more.is_empty() {
                self.run_one(job).await?;
            } else {
                self.run_together(job, more).await?;
            }
            return Ok(Step::Worked);
        }
        if until_idle && self.store.unfinished_jobs().await? == 0 {
            return Ok(Step::AllDone);
        }
        Ok(Step::Idle)
    }

    /// Runs re-scoring jobs of one organization as one pass over all their people, and
    /// records the shared outcome on each: under a burst of events, the fixed cost of a
    /// scoring pass is paid once, not per event.
    async fn run_together(
        &self,
        first: ClaimedJob,
        more: Vec<ClaimedJob>,
    ) -> Result<(), StoreError> {
        let clock = std::time::Instant::now();
        let jobs: Vec<ClaimedJob> = std::iter::once(first).chain(more).collect();
        let mut people: Vec<String> = Vec::new();
        for job in &jobs {
            if let Ok(JobSpec::Rescore { people: these }) =
                serde_json::from_value(job.payload.clone())
            {
                for person in these {
                    if !people.contains(&person) {
                        people.push(person);
                    }
                }
            }
        }
        let spec = JobSpec::Rescore { people };
        let mut ran = self
            .under_lease(&jobs[0], self.execute(&jobs[0], &spec))
            .await;
        if let JobEnd::Done(Ok(result)) = &mut ran.end {
            result["jobs_in_pass"] = jobs.len().into();
        }
        self.finish(&jobs, Some(&spec), ran, clock).await
    }

    /// Runs a claimed job under its lease and records how it ended.
    pub async fn run_one(&self, job: ClaimedJob) -> Result<(), StoreError> {
        let name = &self.settings.name;
        let clock = std::time::Instant::now();
        tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempt, worker = %name, "job claimed");
        let spec: Result<JobSpec, String> = serde_json::from_value(job.payload.clone())
            .map_err(|e| format!("the job's payload cannot be read: {e}"));
        let ran = match &spec {
            Ok(JobSpec::Deliver { delivery }) => {
                let settings = &self.settings.delivery;
                let attempt = attempt_delivery(&self.store, job.org, *delivery, settings);
                let attempt = self.under_lease(&job, attempt).await;
                return self.settle_delivery(&job, *delivery, attempt, clock).await;
            }
            Ok(spec) => {
                // Waiting for the heavy turn is under the lease too: a training job may wait
                // for minutes, and a lapsed lease would hand it to another worker.
                let run = async {
                    let _turn = if spec.is_heavy() {
                        Some(self.heavy.clone().acquire_owned().await)
                    } else {
                        None
                    };
                    self.execute(&job, spec).await
                };
                self.under_lease(&job, run).await
            }
            Err(e) => JobEnd::Done(Err(e.clone())).into(),
        };
        self.finish(std::slice::from_ref(&job), spec.as_ref().ok(), ran, clock)
            .await
    }

    /// Runs `work` while renewing `job`'s lease beside it, in this task: a renewal spawned as
    /// a task of its own costs a hand-off between threads for every job, and most jobs (a
    /// re-score, a delivery) end long before their first renewal is due.
    async fn under_lease<T>(
        &self,
        job: &ClaimedJob,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        let renewal = renew(&self.store, job, &self.settings);
        tokio::pin!(work, renewal);
        tokio::select! {
            biased;
            done = &mut work => return done,
            // The lease is lost: the job's end will not be recorded, but it runs to its end.
            () = &mut renewal => {}
        }
        work.await
    }

    /// Records how a run of `jobs` ended (its outcome, or the jobs put back for a retry after
    /// the wait), in its pending write when it made one, and commits it — unless this worker
    /// lost a job's lease: then nothing lands, the worker now running that job writes it all
    /// again, and the pass's other jobs run again once their leases lapse.
    async fn finish(
        &self,
        jobs: &[ClaimedJob],
        spec: Option<&JobSpec>,
        ran: Ran,
        clock: std::time::Instant,
    ) -> Result<(), StoreError> {
        let name = &self.settings.name;
        let Some(mut pending) = ran.pending else {
            let ends = self.store.end_jobs(jobs, name, &ran.end).await?;
            return self.finished(jobs, spec, ran.end, ends, clock).await;
        };
        let ends = pending.write.end_jobs(jobs, name, &ran.end).await?;
        if let Some(lost) = ends.iter().find_map(|end| end.as_ref().err()) {
            tracing::warn!(jobs = jobs.len(), worker = %name, "{lost}: the run's writes are let go");
            return pending.write.roll_back().await;
        }
        pending.write.commit().await?;
        let org = jobs[0].org;
        self.observer.warnings_raised(org, &pending.raised);
        self.first_attempts(pending.held, pending.planned);
        self.finished(jobs, spec, ran.end, ends, clock).await
    }

    /// Tells of each recorded end, then checkpoints after the runs that write much.
    async fn finished(
        &self,
        jobs: &[ClaimedJob],
        spec: Option<&JobSpec>,
        end: JobEnd,
        ends: Vec<Result<(), LeaseLost>>,
        clock: std::time::Instant,
    ) -> Result<(), StoreError> {
        for (job, held) in jobs.iter().zip(ends) {
            self.ended(job, spec, end.clone(), held, clock);
        }
        if matches!(
            spec,
            Some(JobSpec::Import { .. } | JobSpec::Train { .. } | JobSpec::Score { .. })
        ) {
            // Big writes leave a long write-ahead log that slows every later read.
            if let Err(error) = self.store.checkpoint().await {
                tracing::warn!(%error, "the write-ahead log was not checkpointed");
            }
        }
        Ok(())
    }

    /// Records a delivery job's attempt and its end in one write, then as [`Worker::finish`].
    async fn settle_delivery(
        &self,
        job: &ClaimedJob,
        delivery: i64,
        attempt: Result<Attempt, String>,
        clock: std::time::Instant,
    ) -> Result<(), StoreError> {
        let end = self.delivery_end(job, delivery, &attempt);
        let made = attempt
            .as_ref()
            .ok()
            .and_then(Attempt::recorded)
            .map(|outcome| (delivery, outcome));
        let held = self
            .store
            .record_delivery_attempt_and_end_job(made, job, &self.settings.name, &end)
            .await?;
        self.ended(job, Some(&JobSpec::Deliver { delivery }), end, held, clock);
        Ok(())
    }

    /// Logs how a recorded run ended, and tells the observer of a job that finished.
    fn ended(
        &self,
        job: &ClaimedJob,
        spec: Option<&JobSpec>,
        end: JobEnd,
        held: Result<(), LeaseLost>,
        clock: std::time::Instant,
    ) {
        let name = &self.settings.name;
        let puts_back = end.puts_back(job);
        let outcome = match (end, held) {
            (_, Err(lost)) => {
                tracing::warn!(job = job.id, worker = %name, "{lost}: its outcome is dropped");
                return;
            }
            (JobEnd::RetryAfter(wait, _), Ok(())) if puts_back => {
                tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempt, worker = %name, wait_ms = wait.num_milliseconds(), "job put back for a retry");
                return;
            }
            (JobEnd::RetryAfter(_, error), Ok(())) => Err(error),
            (JobEnd::Done(outcome), Ok(())) => outcome,
        };
        let status = if outcome.is_ok() {
            "succeeded"
        } else {
            "failed"
        };
        let elapsed_ms = clock.elapsed().as_secs_f64() * 1e3;
        tracing::info!(job = job.id, kind = %job.kind, status, worker = %name, elapsed_ms, "job finished");
        self.observer.finished(job, spec, &outcome);
    }

    async fn execute(&self, job: &ClaimedJob, spec: &JobSpec) -> Ran {
        if let JobSpec::Digest = spec {
            return self.digest(job).await.into();
        }
        let done = match self.compute(job, spec).await {
            Ok(done) => done,
            Err(error) => return JobEnd::Done(Err(error)).into(),
        };
        if let JobSpec::Import { .. } = spec {
            if let Err(error) = self.rescore_after_import(job.org).await {
                tracing::error!(job = job.id, %error, "imported, but the organization's re-scoring could not be queued");
            }
        }
        let pending = match done.written {
            Some(written) => match self.add_deliveries(job.org, written).await {
                Ok(pending) => Some(pending),
                // Nothing of the run lands: it runs again, its writes and deliveries together.
                Err(error) => {
                    let error = format!("the warnings' deliveries could not be planned: {error}");
                    return retry_after(PLANNING_RETRY, error).into();
                }
            },
            None => None,
        };
        Ran {
            end: JobEnd::Done(Ok(done.result)),
            pending,
        }
    }

    /// A new import changes everyone's inputs: once a model exists, the whole organization is
    /// scored again (and warned about) with it.
    async fn rescore_after_import(&self, org: OrgId) -> Result<(), StoreError> {
        if self.store.latest_model_version(org).await?.is_some() {
            let spec = JobSpec::Score {
                version: None,
                factors: 5,
            };
            enqueue(&self.store, org, &spec, None, &self.wake).await?;
        }
        Ok(())
    }

    /// Adds to a run's write a delivery for every destination of the warnings it raised, each
    /// with its job held by this worker, and the digest's job when one is due: should this
    /// worker die before an attempt is recorded, its job's lease lapses and another worker
    /// makes it.
    async fn add_deliveries(
        &self,
        org: OrgId,
        written: OpenWrite,
    ) -> Result<PendingWrite, StoreError> {
        let OpenWrite { mut write, raised } = written;
        let planned = fan_out(&self.store, org, &raised, &self.settings.delivery).await?;
        if let Some(at) = planned.digest_at {
            let job = NewJob {
                run_after: Some(at),
                ..JobSpec::Digest.to_job(None)
            };
            write.enqueue_job(&job).await?;
        }
        let held = write
            .create_deliveries(
                &planned.deliveries,
                |delivery| JobSpec::Deliver { delivery }.to_job(None),
                &self.settings.name,
                lease(&self.settings),
            )
            .await?;
        Ok(PendingWrite {
            write,
            raised,
            held,
            planned,
        })
    }

    /// Makes the first attempt of each delivery whose job this worker holds, as soon as its
    /// warning is raised, beside the queue.
    fn first_attempts(&self, held: Vec<ClaimedJob>, planned: FanOut) {
        let planned = Arc::new(planned);
        for (index, job) in held.into_iter().enumerate() {
            let (worker, planned) = (self.clone(), planned.clone());
            tokio::spawn(async move { worker.first_attempt(job, &planned, index).await });
        }
    }

    /// A delivery's first attempt (the `index`th `planned`), made as soon as its warning is
    /// raised, on the job this worker holds for it; recorded as any run of the job — done, or
    /// put back for its retry.
    async fn first_attempt(&self, job: ClaimedJob, planned: &FanOut, index: usize) {
        let clock = std::time::Instant::now();
        let spec = serde_json::from_value::<JobSpec>(job.payload.clone()).ok();
        let (Some(JobSpec::Deliver { delivery }), Some(planned_delivery)) =
            (spec, planned.deliveries.get(index))
        else {
            return;
        };
        let destination = planned.destination(planned_delivery);
        let settings = &self.settings.delivery;
        let attempt = attempt_first_delivery(
            &self.store,
            job.org,
            (delivery, planned_delivery),
            destination,
            settings,
        )
        .await;
        if let Err(error) = self.settle_delivery(&job, delivery, attempt, clock).await {
            tracing::warn!(job = job.id, %error, "first delivery attempt not recorded; its lease runs out and it is retried");
        }
    }

    /// How a delivery job ends after an attempt: done, dead, or put back for its retry.
    fn delivery_end(
        &self,
        job: &ClaimedJob,
        delivery: i64,
        attempt: &Result<Attempt, String>,
    ) -> JobEnd {
        let settings = &self.settings.delivery;
        match attempt {
            Ok(Attempt::Delivered | Attempt::AlreadyDelivered) => {
                JobEnd::Done(Ok(json!({"delivery": delivery, "delivered": true})))
            }
            Ok(Attempt::Suspended) => {
                retry_after(settings.retry_base, "the organization is suspended".into())
            }
            Ok(Attempt::Failed {
                error,
                dead: true,
                attempt,
            }) => JobEnd::Done(Err(format!(
                "delivery {delivery} is dead after {attempt} attempts: {error}"
            ))),
            Ok(Attempt::Failed {
                error,
                dead: false,
                attempt,
            }) => retry_after(settings.backoff(*attempt), error.clone()),
            Err(error) => retry_after(settings.backoff(job.attempt), error.clone()),
        }
    }

    async fn digest(&self, job: &ClaimedJob) -> JobEnd {
        let settings = &self.settings.delivery;
        match send_digest(&self.store, job.org, settings).await {
            Ok(count) => JobEnd::Done(Ok(json!({"warnings": count}))),
            Err(error) if job.attempt < settings.attempts => {
                retry_after(settings.backoff(job.attempt), error)
            }
            Err(error) => JobEnd::Done(Err(error)),
        }
    }

    async fn compute(&self, job: &ClaimedJob, spec: &JobSpec) -> Result<Done, String> {
        let stage = Stage::default();
        let computed = async {
            match spec.clone() {
                JobSpec::Ping { pause_ms } => {
                    tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
                    Ok(json!({"worker": self.settings.name}).into())
                }
                spec => {
                    // Imports, training and scoring are CPU work: off the runtime's threads, so
                    // leases keep being renewed, requests answered and other workers claiming.
                    let store = self.store.clone();
                    let threads = self.settings.training_threads;
                    let org = job.org;
                    let handle = tokio::runtime::Handle::current();
                    let stage = stage.clone();
                    tokio::task::spawn_blocking(move || {
                        handle.block_on(work(&store, org, spec, threads, &stage))
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("the job stopped: {e}")))
                }
            }
        };
        // Beside the work in this task, not spawned: no hand-off for the many short jobs.
        let reporter = report_stage(&self.store, job.org, job.id, &stage);
        tokio::select! {
            biased;
            outcome = computed => outcome,
            never = reporter => match never {},
        }
    }
}

/// A run that failed for a passing reason: to run again after `wait`.
fn retry_after(wait: std::time::Duration, error: String) -> JobEnd {
    JobEnd::RetryAfter(
        Duration::from_std(wait).unwrap_or(Duration::seconds(30)),
        error,
    )
}

fn lease(settings: &WorkerSettings) -> Duration {
    Duration::from_std(settings.lease).unwrap_or(Duration::seconds(30))
}

/// Imports an uploaded file, then lets it go whether the import landed or was refused (a
/// refused file is not retried): personal data is kept no longer than its use. Only a worker
/// that dies mid-import leaves it, for the next claim.
async fn import(
    store: &Store,
    org: OrgId,
    upload: i64,
    mapping: &str,
    replace: bool,
    stage: &Stage,
) -> Result<serde_json::Value, String> {
    let outcome = import_upload(store, org, upload, mapping, replace, stage).await;
    store
        .delete_upload(org, upload)
        .await
        .map_err(|e| e.to_string())?;
    outcome
}

async fn import_upload(
    store: &Store,
    org: OrgId,
    upload: i64,
    mapping: &str,
    replace: bool,
    stage: &Stage,
) -> Result<serde_json::Value, String> {
    let mapping = Mapping::from_toml_str(mapping, std::path::Path::new("mapping"))
        .map_err(|e| e.to_string())?;
    let (name, content) = store
        .upload(org, upload)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the uploaded file is gone: upload it again")?;
    let folder = tempfile::tempdir().map_err(|e| format!("no room for the upload: {e}"))?;
    let path = folder.path().join(&name);
    std::fs::write(&path, &content).map_err(|e| format!("no room for the upload: {e}"))?;
    let request = ImportRequest {
        path: &path,
        mapping,
        org,
        max_errors: 20,
        replace,
    };
    // Errors name the file as the user sent it, not the worker's temporary copy.
    let prefix = format!("{}{}", folder.path().display(), std::path::MAIN_SEPARATOR);
    let report = import_file(store, request, stage)
        .await
        .map_err(|e| e.to_string().replace(&prefix, ""))?;
    Ok(json!({
        "import_id": report.outcome.import_id,
        "shape": report.shape,
        "rows_read": report.rows_read,
        "rows_added": report.outcome.rows_added,
        "rows_replaced": report.outcome.rows_replaced,
        "rows_unchanged": report.outcome.rows_unchanged,
        "people_added": report.outcome.people_added,
    }))
}

enum Step {
    Worked,
    Idle,
    /// Nothing queued or running anywhere.
    AllDone,
}

/// Runs an import, training or scoring job.
async fn work(
    store: &Store,
    org: OrgId,
    spec: JobSpec,
    threads: usize,
    stage: &Stage,
) -> Result<Done, String> {
    match spec {
        JobSpec::Import {
            upload,
            mapping,
            replace,
        } => {
            return import(store, org, upload, &mapping, replace, stage)
                .await
                .map(Done::from)
        }
        // The most frequent job reads its organization with the rest of its state.
        JobSpec::Rescore { people } => return rescore(store, org, &people, stage).await,
        _ => {}
    }
    let slug = store
        .organization_by_id(org)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the organization is gone")?
        .slug;
    match spec {
        JobSpec::Train {
            learner,
            seed,
            horizon_months,
            origins,
            step,
            folds,
        } => {
            let learner =
                LearnerChoice::parse(&learner).ok_or_else(|| format!("learner {learner:?}"))?;
            let request = TrainRequest {
                org,
                training: TrainingSettings {
                    learner,
                    seed,
                    threads: threads.max(1),
                },
                horizon_months,
                origins,
                step,
                folds,
            };
            let trained = train_organization(store, &slug, &request, stage)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(reason) = trained.held_reason {
                return Ok(
                    json!({"model_version": trained.version, "people_scored": 0, "held": reason})
                        .into(),
                );
            }
            let scoring = ScoreRequest {
                org,
                version: Some(trained.version),
                factors: 5,
            };
            match score_organization_written(store, &slug, &scoring, stage).await {
                Ok((scored, write)) => Ok(Done::scored(
                    json!({"model_version": trained.version, "people_scored": scored.people.len(), "warnings_raised": scored.warnings.len()}),
                    write,
                    scored.warnings,
                )),
                // A model may be trained and measured before scoring is switched on.
                Err(e @ crate::MonitorError::NoGovernance(_)) => Ok(json!({"model_version": trained.version, "people_scored": 0, "not_scored": e.to_string()}).into()),
                Err(e) => Err(e.to_string()),
            }
        }
        JobSpec::Score { version, factors } => {
            let request = ScoreRequest {
                org,
                version,
                factors,
            };
            let (scored, write) = score_organization_written(store, &slug, &request, stage)
                .await
                .map_err(|e| e.to_string())?;
            let result = json!({
                "model_version": scored.version,
                "people_scored": scored.people.len(),
                "scores_written": scored.stored.written,
                "scores_unchanged": scored.stored.unchanged,
                "warnings_raised": scored.warnings.len(),
            });
            Ok(Done::scored(result, write, scored.warnings))
        }
        JobSpec::Upkeep => {
            let now = chrono::Utc::now();
            let report = crate::oversight::upkeep(store, org, &slug, now)
                .await
                .map_err(|e| e.to_string())?;
            schedule_upkeep(store, org, Some(now + chrono::Duration::days(1)))
                .await
                .map_err(|e| e.to_string())?;
            Ok(json!({
                "purged_rows": report.purged.total(),
                "accuracy_check": report.check.map(|c| json!({
                    "scores": c.scores,
                    "leavers": c.leavers,
                    "roc_auc": c.roc_auc,
                    "calibration_error": c.calibration_error,
                    "below_declared": c.below_declared,
                    "detail": c.detail,
                })),
            })
            .into())
        }
        other => Err(format!("{} is not a model job", other.kind())),
    }
}

/// Re-scores people after events: a job whose organization is read with its state.
async fn rescore(
    store: &Store,
    org: OrgId,
    people: &[String],
    stage: &Stage,
) -> Result<Done, String> {
    let (report, write) = rescore_people_written(store, org, people, stage)
        .await
        .map_err(|e| e.to_string())?;
    let result = json!({
        "model_version": report.version,
        "people_scored": report.people.len(),
        "warnings_raised": report.warnings.len(),
    });
    Ok(Done::scored(result, write, report.warnings))
}

/// Renews the lease every third of its length until dropped (or lost).
async fn renew(store: &Store, job: &ClaimedJob, settings: &WorkerSettings) {
    loop {
        tokio::time::sleep(settings.lease / 3).await;
        match store
            .renew_lease(job, &settings.name, lease(settings))
            .await
        {
            Ok(Ok(())) => {}
            Ok(Err(lost)) => {
                tracing::warn!(job = job.id, "{lost}");
                return;
            }
            Err(error) => tracing::warn!(job = job.id, %error, "lease not renewed; trying again"),
        }
    }
}

/// The step a running job is on, written to its row every half second while it changes.
#[derive(Default, Clone)]
struct Stage(Arc<Mutex<String>>);

impl Stage {
    fn set(&self, stage: impl Into<String>) {
        *self.0.lock().expect("stage lock") = stage.into();
    }

    fn get(&self) -> String {
        self.0.lock().expect("stage lock").clone()
    }
}

impl tenure_ingest::Progress for Stage {
    fn stage(&self, name: &'static str, _total: u64) {
        self.set(name);
    }
    fn advance_to(&self, _done: u64) {}
    fn finish(&self) {}
}

impl Progress for Stage {
    fn step(&self, what: &str) {
        self.set(what);
    }
}

async fn report_stage(
    store: &Store,
    org: OrgId,
    id: i64,
    stage: &Stage,
) -> std::convert::Infallible {
    let mut written = String::new();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = stage.get();
        if now != written {
            let _ = store.set_job_stage(org, id, &now).await;
            written = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenure_store::testing::TestDatabase;
    use tenure_store::JobStatus;

    /// A heavy job claimed while another holds the heavy turn keeps its lease renewed as it
    /// waits: no other worker can take it over, and it runs once the turn is free.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_heavy_job_waiting_for_its_turn_keeps_its_lease() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
        let heavy = Arc::new(Semaphore::new(1));
        let training_elsewhere = heavy.clone().acquire_owned().await.unwrap();
        let spec = JobSpec::Score {
            version: None,
            factors: 5,
        };
        let id = store.enqueue_job(org, &spec.to_job(None)).await.unwrap();
        let mut settings = WorkerSettings::new("first".into(), 1, 1);
        settings.lease = std::time::Duration::from_millis(300);
        let worker = Worker {
            store: store.clone(),
            settings: settings.clone(),
            observer: Arc::new(NoObserver),
            wake: Arc::default(),
            heavy,
        };
        let job = store
            .claim_job("first", lease(&settings))
            .await
            .unwrap()
            .unwrap();
        let running = tokio::spawn(async move { worker.run_one(job).await });
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        let taken = store
            .claim_job("second", Duration::seconds(60))
            .await
            .unwrap();
        assert_eq!(taken, None, "the waiting job's lease lapsed");
        drop(training_elsewhere);
        running.await.unwrap().unwrap();
        let record = store.job(org, id).await.unwrap().unwrap();
        // Never governed, the organization cannot be scored: the job ran, once, and failed.
        assert_eq!(record.status, JobStatus::Failed);
        assert_eq!(
            (record.attempts, record.worker.as_deref()),
            (1, Some("first"))
        );
        store.close().await;
        database.remove().await;
    }

    /// A worker that lost a re-scoring job's lease before recording its end leaves nothing
    /// behind: no score, warning or delivery of its run lands. The worker now holding the job
    /// raises the warning once, with its delivery, in the same write as the job's end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_that_lost_its_lease_leaves_no_warning_behind() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let simulation = tenure_data::simulate::simulate(crate::testing::small(150, 30, 3));
        let org = crate::testing::import_simulation(&store, &simulation, dir.path(), None)
            .await
            .id;
        store
            .record_governance(org, &crate::testing::governance())
            .await
            .unwrap();
        let training = crate::testing::logistic_training(org, 2);
        train_organization(&store, "acme", &training, &crate::Quiet)
            .await
            .unwrap();
        let everyone = ScoreRequest {
            org,
            version: None,
            factors: 5,
        };
        let baseline = crate::score_organization(&store, "acme", &everyone, &crate::Quiet)
            .await
            .unwrap();
        // Everyone is High from now on: whoever is re-scored enters it.
        let everyone_high = tenure_domain::RiskThresholds::new(1e-6, 1e-7).unwrap();
        store.set_risk_thresholds(org, everyone_high).await.unwrap();
        // Nothing listens there: the first attempt fails, and the delivery waits for a retry.
        store
            .add_webhook(org, "http://127.0.0.1:9/hook", None)
            .await
            .unwrap();
        let person = baseline.people[0].score.person.to_string();
        let spec = JobSpec::Rescore {
            people: vec![person.clone()],
        };
        let id = store.enqueue_job(org, &spec.to_job(None)).await.unwrap();
        let worker = |name: &str| {
            let mut settings = WorkerSettings::new(name.into(), 60, 1);
            settings.lease = std::time::Duration::from_millis(200);
            Worker {
                store: store.clone(),
                settings,
                observer: Arc::new(NoObserver),
                wake: Arc::default(),
                heavy: Arc::new(Semaphore::new(1)),
            }
        };
        let (first, second) = (worker("first"), worker("second"));
        let job = store
            .claim_job("first", lease(&first.settings))
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let taken = store
            .claim_job("second", Duration::seconds(60))
            .await
            .unwrap()
            .expect("the lapsed job is taken over");
        first.run_one(job).await.unwrap();
        assert!(store.warnings(org, 10).await.unwrap().is_empty());
        assert!(store.deliveries(org, None, 10).await.unwrap().is_empty());
        let record = store.job(org, id).await.unwrap().unwrap();
        assert_eq!(
            (record.status, record.worker.as_deref()),
            (JobStatus::Running, Some("second"))
        );

        second.run_one(taken).await.unwrap();
        let warnings = store.warnings(org, 10).await.unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].warning.person.as_deref(), Some(person.as_str()));
        let deliveries = store.deliveries(org, None, 10).await.unwrap();
        assert_eq!(deliveries.len(), 1, "{deliveries:?}");
        assert_eq!(deliveries[0].warning_id, Some(warnings[0].id));
        let record = store.job(org, id).await.unwrap().unwrap();
        assert_eq!(
            (record.status, record.worker.as_deref()),
            (JobStatus::Succeeded, Some("second"))
        );
        store.close().await;
        database.remove().await;
    }
}
