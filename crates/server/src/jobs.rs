//! Background jobs started through the API — imports, training and scoring — put on the
//! store's queue for whichever worker claims them first (those inside this process, or
//! `tenure worker` processes sharing the database). Each is a row the caller can poll: status,
//! the step it is on, the result or the exact error.

use crate::error::ApiError;
use crate::metrics::JobLabels;
use crate::state::AppState;
use std::sync::Arc;
use tenure_monitor::{JobError, JobObserver, JobOutcome, JobSpec};
use tenure_store::{ClaimedJob, Organization};

/// Queues a job: an import (its upload already saved), a training or a scoring run.
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
