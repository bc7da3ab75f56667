//! The delivery job: one attempt at a warning's webhook or e-mail. The attempt is recorded on
//! the delivery in the same write as the job's end; a failure goes back to the queue with a
//! growing wait until the delivery's attempts are used up, and then it is dead (the
//! dead-letter list) until someone replays it.

use super::{Delivered, Ending, Job, JobContext, JobError, LandsWith, Runs, Verdict};
use crate::delivery::{attempt_delivery, Attempt};

pub(crate) struct DeliverJob {
    pub delivery: i64,
}

impl Job for DeliverJob {
    const RUNS: Runs = Runs::Inline;
    type Output = Attempt;

    async fn run(self, context: &JobContext) -> Result<Attempt, JobError> {
        let settings = &context.delivery;
        Ok(attempt_delivery(&context.monitor, context.org, self.delivery, settings).await?)
    }
}

/// How a delivery job ends after an attempt: done, dead, or put back for its retry — with
/// the attempt to record on the delivery when one was made.
pub(crate) fn ending(
    delivery: i64,
    attempt: Result<Attempt, JobError>,
    context: &JobContext,
) -> Ending {
    let settings = &context.delivery;
    let attempt = match attempt {
        Ok(attempt) => attempt,
        Err(error) => return Ending::retry_after(settings.backoff(context.job.attempt), error),
    };
    let verdict = match &attempt {
        Attempt::Delivered | Attempt::AlreadyDelivered => Verdict::Succeeded(
            Delivered {
                delivery,
                delivered: true,
            }
            .into(),
        ),
        Attempt::Suspended => Verdict::RetryAfter(settings.retry_base, JobError::Suspended),
        Attempt::Failed {
            error,
            dead: true,
            attempt,
        } => Verdict::Failed(JobError::DeliveryDead {
            delivery,
            attempts: *attempt,
            reason: error.clone(),
        }),
        Attempt::Failed {
            error,
            dead: false,
            attempt,
        } => Verdict::RetryAfter(
            settings.backoff(*attempt),
            JobError::DeliveryFailed {
                reason: error.clone(),
            },
        ),
    };
    Ending {
        verdict,
        lands_with: LandsWith::Attempt { delivery, attempt },
    }
}
