//! The digest job: the organization's daily e-mail of every warning no e-mail has carried
//! yet, as links; retried with a growing wait while its attempts last.

use super::{DigestSent, Ending, Job, JobContext, JobError, Runs};
use crate::delivery::send_digest;

pub(crate) struct DigestJob;

impl Job for DigestJob {
    const RUNS: Runs = Runs::Inline;
    type Output = DigestSent;

    async fn run(self, context: &JobContext) -> Result<DigestSent, JobError> {
        let warnings = send_digest(context.store(), context.org, &context.delivery).await?;
        Ok(DigestSent { warnings })
    }
}

/// How a digest job ends: sent, put back for a retry, or failed once its attempts are spent.
pub(crate) fn ending(sent: Result<DigestSent, JobError>, context: &JobContext) -> Ending {
    let settings = &context.delivery;
    let attempt = context.job.attempt;
    match sent {
        Ok(sent) => Ending::succeeded(sent),
        Err(error) if attempt < settings.attempts => {
            Ending::retry_after(settings.backoff(attempt), error)
        }
        Err(error) => super::Verdict::Failed(error).into(),
    }
}
