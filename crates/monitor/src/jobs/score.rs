//! The scoring job: scores everyone still employed with a model version (by default the
//! latest), in a write that lands with the warnings it raises and their deliveries.

use super::{organization_slug, Job, JobContext, JobError, Runs, Scored, ScoredRun};
use crate::score::score_organization_written;
use crate::ScoreRequest;

pub(crate) struct ScoreJob {
    pub version: Option<i64>,
    pub factors: usize,
}

impl Job for ScoreJob {
    const RUNS: Runs = Runs::Heavy;
    type Output = ScoredRun<Scored>;

    async fn run(self, context: &JobContext) -> Result<ScoredRun<Scored>, JobError> {
        let slug = organization_slug(context).await?;
        let request = ScoreRequest {
            org: context.org,
            version: self.version,
            factors: self.factors,
        };
        let (scored, write) =
            score_organization_written(context.store(), &slug, &request, &context.stage).await?;
        Ok(ScoredRun {
            outcome: Scored {
                model_version: scored.version,
                people_scored: scored.people.len(),
                scores_written: scored.stored.written,
                scores_unchanged: scored.stored.unchanged,
                warnings_raised: scored.warnings.len(),
            },
            write,
            raised: scored.warnings,
        })
    }
}
