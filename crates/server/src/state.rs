//! What every handler shares: the store, the settings, metrics, the audit writer, and the
//! gate that keeps CPU-heavy jobs (training, scoring) to one at a time.

use crate::audit_writer::AuditWriter;
use crate::metrics::Metrics;
use crate::settings::Settings;
use std::sync::Arc;
use tenure_store::Store;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub audit: AuditWriter,
    /// One model fit at a time: LightGBM's threads spin when they compete for cores.
    pub heavy_jobs: Arc<Semaphore>,
}

impl AppState {
    /// Must be called inside a Tokio runtime (it starts the audit writer).
    pub fn new(store: Store, settings: Settings) -> AppState {
        AppState {
            audit: AuditWriter::start(store.clone()),
            store,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()),
            heavy_jobs: Arc::new(Semaphore::new(1)),
        }
    }
}
