//! The upkeep job: the organization's daily purge of what its retention period expired, and
//! its monthly accuracy check; it queues the next day's upkeep when done.

use super::{organization_slug, AccuracyChecked, Job, JobContext, JobError, Runs, UpkeepDone};
use crate::worker::schedule_upkeep;

pub(crate) struct UpkeepJob;

impl Job for UpkeepJob {
    const RUNS: Runs = Runs::Blocking;
    type Output = UpkeepDone;

    async fn run(self, context: &JobContext) -> Result<UpkeepDone, JobError> {
        let (store, org) = (context.store(), context.org);
        let slug = organization_slug(context).await?;
        let now = context.monitor.clock().now();
        let report = crate::oversight::upkeep(store, org, &slug, now).await?;
        schedule_upkeep(store, org, Some(now + chrono::Duration::days(1))).await?;
        Ok(UpkeepDone {
            purged_rows: report.purged.total(),
            accuracy_check: report.check.map(|c| AccuracyChecked {
                scores: c.scores,
                leavers: c.leavers,
                roc_auc: c.roc_auc,
                calibration_error: c.calibration_error,
                below_declared: c.below_declared,
                detail: c.detail,
            }),
        })
    }
}
