//! The step a running job is on, written to its row every half second while it changes, so
//! the pages and `tenure jobs` can say what a long import or training run is doing.

use std::sync::{Arc, Mutex};
use tenure_domain::OrgId;
use tenure_store::Store;

/// The step a running job is on, shared with the reporter that writes it.
#[derive(Default, Clone)]
pub(crate) struct Stage(Arc<Mutex<String>>);

impl Stage {
    fn set(&self, stage: impl Into<String>) {
        *self.0.lock().expect("stage lock") = stage.into();
    }

    fn get(&self) -> String {
        self.0.lock().expect("stage lock").clone()
    }
}

impl tenure_ingest::Progress for Stage {
    fn stage(&self, name: &'static str, _total: u64) {
        self.set(name);
    }
    fn advance_to(&self, _done: u64) {}
    fn finish(&self) {}
}

impl crate::Progress for Stage {
    fn step(&self, what: &str) {
        self.set(what);
    }
}

/// Writes job `id`'s stage to its row whenever it changed, every half second, until dropped.
pub(crate) async fn report_stage(
    store: &Store,
    org: OrgId,
    id: i64,
    stage: &Stage,
) -> std::convert::Infallible {
    let mut written = String::new();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = stage.get();
        if now != written {
            let _ = store.set_job_stage(org, id, &now).await;
            written = now;
        }
    }
}
