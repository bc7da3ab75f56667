//! Workers: each claims the oldest runnable job from the store's queue, runs it (see
//! [`crate::jobs`] for what each kind does), renews its lease while it runs, and records how
//! it ended. A scoring job's scores, the warnings they raise, a delivery job for each
//! destination of each warning and the job's own end are one write: all land, or — should
//! the worker die or lose the lease first — none does and the job runs again. Any number of
//! workers, in `tenure worker` processes or inside `tenure serve`, share one database; a job
//! whose worker dies is claimed again once its lease lapses, and a failed delivery is put
//! back with a growing wait.

use crate::delivery::{attempt_first_delivery, fan_out, FanOut};
use crate::jobs::{
    delivery_ending, queue_duration, report_stage, Ending, JobContext, JobError, JobOutcome,
    JobSpec, LandsWith, ScoringRun, Stage, Verdict, PASSING_FAILURE_WAIT,
};
use crate::{DeliverySettings, Monitor};
use chrono::Duration;
use std::sync::Arc;
use std::time::Instant;
use tenure_domain::OrgId;
use tenure_store::{ClaimedJob, LeaseLost, NewJob, RaisedWarning, Store, StoreError};
use tokio::sync::{watch, Notify, Semaphore};

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

/// Queues the organization's next scheduled pull for `at`, unless one is already waiting.
pub async fn schedule_pull(
    store: &Store,
    org: OrgId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    if store.has_queued_job(org, "pull").await? {
        return Ok(());
    }
    let spec = JobSpec::Pull {
        scheduled: true,
        override_safety_check: false,
        started_by: "schedule".into(),
    };
    let job = NewJob {
        run_after: Some(at),
        ..spec.to_job(None)
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

/// [`enqueue`] under a client's idempotency key, with the uploaded file the job imports
/// saved in the same transaction (`spec` gets its id): a retried request gets the first
/// one's job back and queues nothing; a job without an upload is queued once (see
/// [`Store::queue_job_under_key`]).
pub async fn enqueue_under_key(
    store: &Store,
    org: OrgId,
    upload: Option<(&str, &[u8])>,
    spec: impl FnOnce(Option<i64>) -> JobSpec,
    created_by: Option<i64>,
    key: &tenure_store::IdempotencyKey,
    wake: &Notify,
) -> Result<tenure_store::KeyedJob, StoreError> {
    let keyed = store
        .queue_job_under_key(org, upload, |upload| spec(upload).to_job(created_by), key)
        .await?;
    if let tenure_store::KeyedJob::Queued(_) = keyed {
        wake.notify_one();
    }
    Ok(keyed)
}

/// [`enqueue`], unless the same job is already queued or running for the organization
/// (then that one's id, and nobody is woken).
pub async fn enqueue_once(
    store: &Store,
    org: OrgId,
    spec: &JobSpec,
    created_by: Option<i64>,
    wake: &Notify,
) -> Result<tenure_store::Enqueued, StoreError> {
    let enqueued = store
        .enqueue_job_once(org, &spec.to_job(created_by))
        .await?;
    if let tenure_store::Enqueued::New(_) = enqueued {
        wake.notify_one();
    }
    Ok(enqueued)
}

/// What a process wants to hear of the jobs its workers finish (the server counts them, drops
/// its cached scores, and tells live feeds of new warnings).
pub trait JobObserver: Send + Sync {
    fn finished(
        &self,
        job: &ClaimedJob,
        spec: Option<&JobSpec>,
        outcome: Result<&JobOutcome, &JobError>,
    );

    /// Warnings a job just raised, before they are delivered anywhere else.
    fn warnings_raised(&self, _org: OrgId, _warnings: &[RaisedWarning]) {}
}

/// An observer that hears nothing.
pub struct NoObserver;

impl JobObserver for NoObserver {
    fn finished(&self, _: &ClaimedJob, _: Option<&JobSpec>, _: Result<&JobOutcome, &JobError>) {}
}

/// Re-scoring jobs one worker takes together when they have piled up.
const RESCORES_PER_PASS: i64 = 31;

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

/// The longest a worker waits between tries while the job queue cannot be read.
const LONGEST_BACKOFF: std::time::Duration = std::time::Duration::from_secs(15);

/// Failures to read the job queue in a row: while the database is out of reach, a worker
/// waits twice as long after each (from its poll interval up to [`LONGEST_BACKOFF`]) rather
/// than hammering a server that is restarting, and ignores wake-ups, which would undo that.
#[derive(Debug, Default)]
struct Outage {
    failures: u32,
}

impl Outage {
    /// Counts a failure; returns how long to wait before the next try.
    fn failed(&mut self, poll: std::time::Duration) -> std::time::Duration {
        self.failures = self.failures.saturating_add(1);
        let doubled = poll.saturating_mul(1 << (self.failures - 1).min(16));
        doubled.min(LONGEST_BACKOFF)
    }

    /// Ends the outage, if there was one: how many failures it lasted.
    fn ended(&mut self) -> Option<u32> {
        let lasted = std::mem::take(&mut self.failures);
        (lasted > 0).then_some(lasted)
    }

    fn is_over(&self) -> bool {
        self.failures == 0
    }
}

/// One worker: a loop of claim, run, record.
#[derive(Clone)]
pub struct Worker {
    pub monitor: Monitor,
    pub settings: WorkerSettings,
    pub observer: Arc<dyn JobObserver>,
    /// Woken when this process queues work.
    pub wake: Arc<Notify>,
    /// Shared by the workers of one process, so heavy jobs run one at a time.
    pub heavy: Arc<Semaphore>,
}

impl Worker {
    /// Works until `stop` resolves, or — with `until_idle` — until no job is queued or
    /// running anywhere. A database that cannot be reached is waited out, not a reason to
    /// stop. Once `stop` resolves, no job is claimed any more: a short job under way is
    /// finished, a long one (training, a full scoring run, an import) is handed back to the
    /// queue at once for another worker, and this returns.
    pub async fn run(&self, until_idle: bool, stop: impl std::future::Future<Output = ()>) {
        let (stop_now, stopping) = watch::channel(false);
        let work = self.work(until_idle, stopping);
        tokio::pin!(stop, work);
        tokio::select! {
            () = &mut work => return,
            () = &mut stop => {}
        }
        tracing::info!(worker = %self.settings.name, "stopping: no more jobs are claimed");
        let _ = stop_now.send(true);
        work.await;
    }

    /// Claims and runs jobs until `stopping` turns true (or, with `until_idle`, until no job
    /// is left anywhere).
    async fn work(&self, until_idle: bool, mut stopping: watch::Receiver<bool>) {
        let mut last_sweep: Option<Instant> = None;
        let mut outage = Outage::default();
        while !*stopping.borrow() {
            if last_sweep.is_none_or(|at| at.elapsed() >= DEPARTED_SWEEP) {
                last_sweep = Some(Instant::now());
                if let Err(error) = crate::oversight::delete_departed_organizations(
                    self.monitor.store(),
                    self.monitor.clock().now(),
                )
                .await
                {
                    tracing::warn!(%error, "offboarded organizations not deleted; trying again later");
                }
            }
            let wait = match self.step(until_idle, &stopping).await {
                Ok(step) => {
                    if let Some(lasted) = outage.ended() {
                        tracing::info!(worker = %self.settings.name, failures = lasted, "the job queue answers again; resuming");
                    }
                    match step {
                        Step::Worked => continue,
                        Step::Idle => self.settings.poll,
                        Step::AllDone => return,
                    }
                }
                Err(error) => {
                    let wait = outage.failed(self.settings.poll);
                    tracing::warn!(error = %error.safe_summary(), worker = %self.settings.name, wait_ms = wait.as_millis() as u64, "the job queue cannot be read; backing off");
                    wait
                }
            };
            tokio::select! {
                _ = stopping.changed() => {}
                _ = self.wake.notified(), if outage.is_over() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn step(
        &self,
        until_idle: bool,
        stopping: &watch::Receiver<bool>,
    ) -> Result<Step, StoreError> {
        let mut jobs = self
            .monitor
            .store()
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
                self.run_claimed(job, stopping.clone()).await?;
            } else {
                self.run_together(job, more).await?;
            }
            return Ok(Step::Worked);
        }
        if until_idle && self.monitor.store().unfinished_jobs().await? == 0 {
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
        let started = Instant::now();
        let jobs: Vec<ClaimedJob> = std::iter::once(first).chain(more).collect();
        let mut people: Vec<String> = Vec::new();
        for job in &jobs {
            if let Ok(JobSpec::Rescore { people: these }) = JobSpec::of(job) {
                for person in these {
                    if !people.contains(&person) {
                        people.push(person);
                    }
                }
            }
        }
        let spec = JobSpec::Rescore { people };
        let mut ending = self
            .under_lease(&jobs[0], self.execute(&jobs[0], spec.clone()))
            .await;
        if let Verdict::Succeeded(JobOutcome::Rescored(rescored)) = &mut ending.verdict {
            rescored.jobs_in_pass = Some(jobs.len());
        }
        self.finish(&jobs, Some(&spec), ending, started).await
    }

    /// Runs a claimed job under its lease and records how it ended.
    pub async fn run_one(&self, job: ClaimedJob) -> Result<(), StoreError> {
        // Never told to stop.
        let (_keep, stopping) = watch::channel(false);
        self.run_claimed(job, stopping).await
    }

    /// As [`Worker::run_one`]; should `stopping` turn true while a long job runs, the job is
    /// handed back to the queue at once instead (its work so far is let go, and its thread
    /// ends with the process; see [`JobSpec::is_long`] for what a rerun repeats).
    async fn run_claimed(
        &self,
        job: ClaimedJob,
        mut stopping: watch::Receiver<bool>,
    ) -> Result<(), StoreError> {
        let started = Instant::now();
        tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempt, worker = %self.settings.name, "job claimed");
        let (spec, ending) = match JobSpec::of(&job) {
            Ok(spec) => {
                let long = spec.is_long();
                let run = self.under_lease(&job, self.execute(&job, spec.clone()));
                let stop = async {
                    if !long || stopping.wait_for(|stop| *stop).await.is_err() {
                        std::future::pending::<()>().await;
                    }
                };
                tokio::select! {
                    ending = run => (Some(spec), ending),
                    () = stop => return self.hand_back(&job).await,
                }
            }
            Err(error) => (None, Verdict::Failed(error).into()),
        };
        self.finish(std::slice::from_ref(&job), spec.as_ref(), ending, started)
            .await
    }

    /// Gives a long job back to the queue as its worker stops.
    async fn hand_back(&self, job: &ClaimedJob) -> Result<(), StoreError> {
        let name = &self.settings.name;
        match self.monitor.store().hand_back_job(job, name).await? {
            Ok(()) => {
                tracing::info!(job = job.id, kind = %job.kind, worker = %name, "job handed back to the queue: this worker is stopping")
            }
            Err(lost) => tracing::warn!(job = job.id, worker = %name, "{lost}"),
        }
        Ok(())
    }

    /// What a job claimed by this worker runs with.
    fn context(&self, job: &ClaimedJob) -> JobContext {
        JobContext {
            monitor: self.monitor.clone(),
            org: job.org,
            job: job.clone(),
            worker: self.settings.name.clone(),
            threads: self.settings.training_threads,
            delivery: self.settings.delivery.clone(),
            stage: Stage::default(),
            wake: self.wake.clone(),
            heavy: self.heavy.clone(),
        }
    }

    /// Runs the job, writing its stage beside it, and plans the deliveries of the warnings a
    /// scoring run raised.
    async fn execute(&self, job: &ClaimedJob, spec: JobSpec) -> Ending {
        let context = self.context(job);
        let stage = context.stage.clone();
        // Beside the work in this task, not spawned: no hand-off for the many short jobs.
        let reporter = report_stage(self.monitor.store(), job.org, job.id, &stage);
        let ending = tokio::select! {
            biased;
            ending = spec.run(context) => ending,
            never = reporter => match never {},
        };
        self.plan_deliveries(job.org, ending).await
    }

    /// Runs `work` while renewing `job`'s lease beside it, in this task: a renewal spawned as
    /// a task of its own costs a hand-off between threads for every job, and most jobs (a
    /// re-score, a delivery) end long before their first renewal is due.
    async fn under_lease<T>(
        &self,
        job: &ClaimedJob,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        let renewal = renew(self.monitor.store(), job, &self.settings);
        tokio::pin!(work, renewal);
        tokio::select! {
            biased;
            done = &mut work => return done,
            // The lease is lost: the job's end will not be recorded, but it runs to its end.
            () = &mut renewal => {}
        }
        work.await
    }

    /// Records how a run of `jobs` ended, with what lands with that end, and commits it —
    /// unless this worker lost a job's lease: then nothing lands, the worker now running that
    /// job writes it all again, and the pass's other jobs run again once their leases lapse.
    async fn finish(
        &self,
        jobs: &[ClaimedJob],
        spec: Option<&JobSpec>,
        ending: Ending,
        started: Instant,
    ) -> Result<(), StoreError> {
        let name = &self.settings.name;
        let recorded = ending.recorded();
        let ends = match ending.lands_with {
            LandsWith::Nothing => self.monitor.store().end_jobs(jobs, name, &recorded).await?,
            LandsWith::Attempt { delivery, attempt } => {
                let made = attempt.recorded().map(|outcome| (delivery, outcome));
                let held = self
                    .monitor
                    .store()
                    .record_delivery_attempt_and_end_job(made, &jobs[0], name, &recorded)
                    .await?;
                vec![held]
            }
            LandsWith::Scoring(mut run) => {
                let ends = run.write.end_jobs(jobs, name, &recorded).await?;
                if let Some(lost) = ends.iter().find_map(|end| end.as_ref().err()) {
                    tracing::warn!(jobs = jobs.len(), worker = %name, "{lost}: the run's writes are let go");
                    return run.write.roll_back().await;
                }
                run.write.commit().await?;
                self.observer.warnings_raised(jobs[0].org, &run.raised);
                self.first_attempts(run.held, run.planned);
                ends
            }
        };
        for (job, held) in jobs.iter().zip(ends) {
            self.ended(job, spec, &ending.verdict, held, started);
        }
        if spec.is_some_and(JobSpec::is_long) {
            // Big writes leave a long write-ahead log that slows every later read.
            if let Err(error) = self.monitor.store().checkpoint().await {
                tracing::warn!(%error, "the write-ahead log was not checkpointed");
            }
        }
        Ok(())
    }

    /// Logs how a recorded run ended, and tells the observer of a job that finished.
    fn ended(
        &self,
        job: &ClaimedJob,
        spec: Option<&JobSpec>,
        verdict: &Verdict,
        held: Result<(), LeaseLost>,
        started: Instant,
    ) {
        let name = &self.settings.name;
        if let Err(lost) = held {
            tracing::warn!(job = job.id, worker = %name, "{lost}: its outcome is dropped");
            return;
        }
        let outcome = match verdict {
            Verdict::RetryAfter(wait, _) if job.attempt < job.max_attempts => {
                tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempt, worker = %name, wait_ms = wait.as_millis() as u64, "job put back for a retry");
                return;
            }
            Verdict::RetryAfter(_, error) | Verdict::Failed(error) => Err(error),
            Verdict::Succeeded(outcome) => Ok(outcome),
        };
        let status = if outcome.is_ok() {
            "succeeded"
        } else {
            "failed"
        };
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        tracing::info!(job = job.id, kind = %job.kind, status, worker = %name, elapsed_ms, "job finished");
        self.observer.finished(job, spec, outcome);
    }

    /// Adds to a scoring run's write a delivery for every destination of the warnings it
    /// raised, each with its job held by this worker, and the digest's job when one is due:
    /// should this worker die before an attempt is recorded, its job's lease lapses and
    /// another worker makes it. When they cannot be planned, nothing of the run lands: it
    /// runs again, its writes and deliveries together.
    async fn plan_deliveries(&self, org: OrgId, ending: Ending) -> Ending {
        let LandsWith::Scoring(run) = ending.lands_with else {
            return ending;
        };
        match self.add_deliveries(org, run).await {
            Ok(run) => Ending {
                verdict: ending.verdict,
                lands_with: LandsWith::Scoring(run),
            },
            Err(error) => {
                Ending::retry_after(PASSING_FAILURE_WAIT, JobError::PlanningDeliveries(error))
            }
        }
    }

    async fn add_deliveries(
        &self,
        org: OrgId,
        mut run: Box<ScoringRun>,
    ) -> Result<Box<ScoringRun>, StoreError> {
        let planned = fan_out(&self.monitor, org, &run.raised, &self.settings.delivery).await?;
        if let Some(at) = planned.digest_at {
            let job = NewJob {
                run_after: Some(at),
                ..JobSpec::Digest.to_job(None)
            };
            run.write.enqueue_job(&job).await?;
        }
        run.held = run
            .write
            .create_deliveries(
                &planned.deliveries,
                |delivery| JobSpec::Deliver { delivery }.to_job(None),
                &self.settings.name,
                lease(&self.settings),
            )
            .await?;
        run.planned = planned;
        Ok(run)
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
        let started = Instant::now();
        let (Ok(spec @ JobSpec::Deliver { delivery }), Some(planned_delivery)) =
            (JobSpec::of(&job), planned.deliveries.get(index))
        else {
            return;
        };
        let destination = planned.destination(planned_delivery);
        let attempt = attempt_first_delivery(
            &self.monitor,
            job.org,
            (delivery, planned_delivery),
            destination,
            &self.settings.delivery,
        )
        .await
        .map_err(JobError::from);
        let ending = delivery_ending(delivery, attempt, &self.context(&job));
        let jobs = std::slice::from_ref(&job);
        if let Err(error) = self.finish(jobs, Some(&spec), ending, started).await {
            tracing::warn!(job = job.id, %error, "first delivery attempt not recorded; its lease runs out and it is retried");
        }
    }
}

fn lease(settings: &WorkerSettings) -> Duration {
    queue_duration(settings.lease)
}

enum Step {
    Worked,
    Idle,
    /// Nothing queued or running anywhere.
    AllDone,
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_worker_backs_off_twice_as_long_after_each_failure_up_to_a_ceiling() {
        let poll = std::time::Duration::from_millis(200);
        let mut outage = super::Outage::default();
        let waits: Vec<u128> = (0..10).map(|_| outage.failed(poll).as_millis()).collect();
        assert_eq!(
            waits,
            [200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000, 15000]
        );
        assert!(!outage.is_over());
        assert_eq!(outage.ended(), Some(10));
        assert!(outage.is_over());
        assert_eq!(outage.ended(), None);
        assert_eq!(
            outage.failed(poll).as_millis(),
            200,
            "a new outage starts from the poll"
        );
    }

    use super::*;
    use crate::{train_organization, ScoreRequest};
    use tenure_domain::Clock;
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
            monitor: Monitor::new(store.clone(), Clock::system()),
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
                monitor: Monitor::new(store.clone(), Clock::system()),
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
