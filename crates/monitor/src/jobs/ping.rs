//! The ping job: answers with the worker's name after a pause, to show which workers take
//! work and how fast the queue moves (`tenure admin ping-workers`).

use super::{Job, JobContext, JobError, Pong, Runs};

pub(crate) struct PingJob {
    pub pause_ms: u64,
}

impl Job for PingJob {
    const RUNS: Runs = Runs::Inline;
    type Output = Pong;

    async fn run(self, context: &JobContext) -> Result<Pong, JobError> {
        tokio::time::sleep(std::time::Duration::from_millis(self.pause_ms)).await;
        Ok(Pong {
            worker: context.worker.clone(),
        })
    }
}
