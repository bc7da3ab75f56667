//! Writes audit rows with group commit: concurrent reads hand their rows to one writer task,
//! which appends everything waiting in one transaction and then releases them all. A read is
//! answered only after its row is committed, yet a busy server pays one commit per batch
//! rather than one per read.

use tenure_store::{AuditEntry, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

type Batch = (
    Vec<AuditEntry>,
    oneshot::Sender<Result<(), AuditNotWritten>>,
);

/// Audit rows that were not committed: the read they record must not be answered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditNotWritten {
    #[error("the audit writer has stopped")]
    WriterStopped,
    /// The store's failure, shown in words safe to log.
    #[error("{}", .0.safe_summary())]
    Store(std::sync::Arc<StoreError>),
}

#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<Batch>,
}

/// Rows committed together at most.
const MAX_BATCH_ROWS: usize = 4_096;

impl AuditWriter {
    pub fn start(store: Store) -> AuditWriter {
        let (queue, receiver) = mpsc::channel(8_192);
        tokio::spawn(write_batches(store, receiver));
        AuditWriter { queue }
    }

    /// Returns once the rows are committed.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), AuditNotWritten> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.queue
            .send((entries, done))
            .await
            .map_err(|_| AuditNotWritten::WriterStopped)?;
        wait.await.map_err(|_| AuditNotWritten::WriterStopped)?
    }
}

async fn write_batches(store: Store, mut receiver: mpsc::Receiver<Batch>) {
    while let Some(first) = receiver.recv().await {
        let mut waiting = vec![first.1];
        let mut rows = first.0;
        while rows.len() < MAX_BATCH_ROWS {
            match receiver.try_recv() {
                Ok((more, done)) => {
                    rows.extend(more);
                    waiting.push(done);
                }
                Err(_) => break,
            }
        }
        let outcome = store
            .append_audit(&rows)
            .await
            .map_err(|e| AuditNotWritten::Store(std::sync::Arc::new(e)));
        if let Err(error) = &outcome {
            tracing::error!(%error, rows = rows.len(), "audit rows not written");
        }
        for done in waiting {
            let _ = done.send(outcome.clone());
        }
    }
}
