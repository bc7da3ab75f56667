//! The re-scoring job: scores again the people HR events changed, with the latest model. The
//! most frequent job: it reads its organization with the rest of its state, and a worker
//! takes the re-scores that piled up as one pass.

use super::{Job, JobContext, JobError, Rescored, Runs, ScoredRun};
use crate::events::rescore_people_written;

pub(crate) struct RescoreJob {
    pub people: Vec<String>,
}

impl Job for RescoreJob {
    const RUNS: Runs = Runs::Blocking;
    type Output = ScoredRun<Rescored>;

    async fn run(self, context: &JobContext) -> Result<ScoredRun<Rescored>, JobError> {
        let (report, write) =
            rescore_people_written(&context.monitor, context.org, &self.people, &context.stage)
                .await?;
        Ok(ScoredRun {
            outcome: Rescored {
                model_version: report.version,
                people_scored: report.people.len(),
                warnings_raised: report.warnings.len(),
                jobs_in_pass: None,
            },
            write,
            raised: report.warnings,
        })
    }
}
