//! Background jobs started through the API — imports, training and scoring — put on the
//! store's queue for whichever worker claims them first (those inside this process, or
//! `tenure worker` processes sharing the database). Each is a row the caller can poll: status,
//! the step it is on, the result or the exact error.

use crate::error::ApiError;
use crate::metrics::JobLabels;
use crate::state::AppState;
use std::path::PathBuf;
use std::sync::Arc;
use tenure_monitor::{JobError, JobObserver, JobOutcome, JobSpec};
use tenure_store::{ClaimedJob, Organization};

/// An uploaded file on its way into the store; the folder goes with it.
pub struct Upload {
    pub folder: tempfile::TempDir,
    pub path: PathBuf,
}

pub async fn start_import(
    state: &AppState,
    org: &Organization,
    user_id: i64,
    upload: Upload,
    mapping_toml: String,
    replace: bool,
) -> Result<i64, ApiError> {
    let name = upload
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload.csv".into());
    let content = tokio::fs::read(&upload.path)
        .await
        .map_err(|_| ApiError::internal())?;
    drop(upload.folder);
    let upload = state.store.save_upload(org.id, &name, &content).await?;
    let spec = JobSpec::Import {
        upload,
        mapping: mapping_toml,
        replace,
    };
    enqueue(state, org, user_id, &spec).await
}

/// Queues a training or scoring run (or any job that needs nothing uploaded first).
pub async fn enqueue(
    state: &AppState,
    org: &Organization,
    user_id: i64,
    spec: &JobSpec,
) -> Result<i64, ApiError> {
    Ok(
        tenure_monitor::enqueue(&state.store, org.id, spec, Some(user_id), &state.job_wakeup)
            .await?,
    )
}

/// Counts the jobs this process's workers finish and, after new scores, forgets the
/// organization's cached ones.
pub struct ServerObserver(pub AppState);

impl ServerObserver {
    pub fn shared(state: &AppState) -> Arc<dyn JobObserver> {
        Arc::new(ServerObserver(state.clone()))
    }
}

impl JobObserver for ServerObserver {
    fn warnings_raised(&self, org: tenure_domain::OrgId, warnings: &[tenure_store::RaisedWarning]) {
        self.0.metrics.warnings_raised.inc_by(warnings.len() as u64);
        // Nobody listening is fine: the feed reads the store when someone connects.
        let _ = self.0.warnings_feed.send(org);
    }

    fn finished(
        &self,
        job: &ClaimedJob,
        spec: Option<&JobSpec>,
        outcome: Result<&JobOutcome, &JobError>,
    ) {
        let state = &self.0;
        let status = if outcome.is_ok() {
            "succeeded"
        } else {
            "failed"
        };
        state
            .metrics
            .jobs
            .get_or_create(&JobLabels {
                kind: job.kind.clone(),
                status: status.to_owned(),
            })
            .inc();
        if let (
            Some(JobSpec::Train { .. } | JobSpec::Score { .. } | JobSpec::Rescore { .. }),
            Ok(done),
        ) = (spec, outcome)
        {
            state
                .metrics
                .scores_written
                .inc_by(done.people_scored() as u64);
            state.caches.forget_organization(job.org);
        }
    }
}
