//! The training job: trains the organization's next model version, then scores everyone with
//! it — unless the fairness gate held the model back, or scoring is not yet switched on (a
//! model may be trained and measured before that).

use super::{organization_slug, Job, JobContext, JobError, Runs, ScoredRun, Trained, TrainedRun};
use crate::score::score_organization_written;
use crate::{train_organization, MonitorError, ScoreRequest, TrainRequest};
use tenure_model::evaluate::{LearnerChoice, TrainingSettings};

pub(crate) struct TrainJob {
    pub learner: String,
    pub seed: u64,
    pub horizon_months: i32,
    pub origins: usize,
    pub step: usize,
    pub folds: usize,
}

impl Job for TrainJob {
    const RUNS: Runs = Runs::Heavy;
    type Output = TrainedRun;

    async fn run(self, context: &JobContext) -> Result<TrainedRun, JobError> {
        let (store, org, stage) = (context.store(), context.org, &context.stage);
        let slug = organization_slug(context).await?;
        let learner = LearnerChoice::parse(&self.learner)
            .ok_or_else(|| JobError::UnknownLearner(self.learner.clone()))?;
        let request = TrainRequest {
            org,
            training: TrainingSettings {
                learner,
                seed: self.seed,
                threads: context.threads.max(1),
            },
            horizon_months: self.horizon_months,
            origins: self.origins,
            step: self.step,
            folds: self.folds,
        };
        let trained = train_organization(store, &slug, &request, stage).await?;
        let unscored = |why: Option<String>, not_scored: Option<String>| Trained {
            model_version: trained.version,
            people_scored: 0,
            warnings_raised: None,
            held: why,
            not_scored,
        };
        if let Some(reason) = trained.held_reason.clone() {
            return Ok(TrainedRun::Unscored(unscored(Some(reason), None)));
        }
        let scoring = ScoreRequest {
            org,
            version: Some(trained.version),
            factors: 5,
        };
        match score_organization_written(store, &slug, &scoring, stage).await {
            Ok((scored, write)) => Ok(TrainedRun::Scored(ScoredRun {
                outcome: Trained {
                    model_version: trained.version,
                    people_scored: scored.people.len(),
                    warnings_raised: Some(scored.warnings.len()),
                    held: None,
                    not_scored: None,
                },
                write,
                raised: scored.warnings,
            })),
            Err(e @ MonitorError::NoGovernance(_)) => {
                Ok(TrainedRun::Unscored(unscored(None, Some(e.to_string()))))
            }
            Err(e) => Err(e.into()),
        }
    }
}
