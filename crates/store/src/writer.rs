//! Write transactions: on SQLite, the process's one writer connection, handed to one
//! transaction at a time in arrival order; on PostgreSQL, a pooled connection's transaction.
//!
//! Why SQLite's writer is not a pool of one: sqlx 0.8's pool checks every connection it takes
//! back with a ping, a round trip to the connection's thread, and returns it from a task of
//! its own. For a file opened in-process that checks nothing, yet it sits on the one path
//! every writer of the process queues on (a third of a short transaction's hand-offs).

use sqlx::{AnyConnection, Connection, Executor};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a writer waits its turn: an import holds the writer for as long as it takes to
/// land, and the writers behind it wait rather than fail.
const TURN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// The SQLite writer connection, shared by a store's clones. Tokio's mutex is fair: writers
/// take their turns in the order they asked.
#[derive(Debug, Clone)]
pub(crate) struct SqliteWriter(Arc<Mutex<WriterConnection>>);

#[derive(Debug)]
struct WriterConnection {
    /// `None` once the store is closed.
    connection: Option<AnyConnection>,
    /// A transaction was begun and neither committed nor rolled back yet (its `WriteTx` was
    /// dropped, or its commit cancelled): the next turn rolls it back first.
    in_transaction: bool,
}

impl SqliteWriter {
    pub(crate) fn new(connection: AnyConnection) -> SqliteWriter {
        SqliteWriter(Arc::new(Mutex::new(WriterConnection {
            connection: Some(connection),
            in_transaction: false,
        })))
    }

    /// Waits for the writer, then begins a transaction with `begin` (which ends in `BEGIN …`).
    pub(crate) async fn begin(&self, begin: &'static str) -> Result<WriteTx, sqlx::Error> {
        let mut turn = tokio::time::timeout(TURN_TIMEOUT, self.0.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        let state = &mut *turn;
        let connection = state.connection.as_mut().ok_or(sqlx::Error::PoolClosed)?;
        if state.in_transaction {
            // Whatever it was, it was not committed; an error means it had ended after all.
            let _ = connection.execute("ROLLBACK").await;
            state.in_transaction = false;
        }
        connection.execute(begin).await?;
        state.in_transaction = true;
        Ok(WriteTx(Inner::Sqlite(Some(turn))))
    }

    pub(crate) async fn close(&self) {
        let mut state = self.0.lock().await;
        if let Some(connection) = state.connection.take() {
            let _ = connection.close().await;
        }
    }
}

/// A write transaction; on SQLite it holds the process's one writer connection until it
/// commits, rolls back, or is dropped (which rolls it back).
pub(crate) struct WriteTx(Inner);

enum Inner {
    Pooled(sqlx::Transaction<'static, sqlx::Any>),
    /// `None` once ended.
    Sqlite(Option<OwnedMutexGuard<WriterConnection>>),
}

impl WriteTx {
    pub(crate) fn pooled(tx: sqlx::Transaction<'static, sqlx::Any>) -> WriteTx {
        WriteTx(Inner::Pooled(tx))
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.end(true).await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.end(false).await
    }

    async fn end(mut self, commit: bool) -> Result<(), sqlx::Error> {
        match std::mem::replace(&mut self.0, Inner::Sqlite(None)) {
            Inner::Pooled(tx) if commit => tx.commit().await,
            Inner::Pooled(tx) => tx.rollback().await,
            Inner::Sqlite(turn) => {
                // Should this be cancelled or fail, the guard goes with `in_transaction` still
                // set, and the next turn rolls back.
                let mut turn = turn.expect("a transaction ends once");
                let state = &mut *turn;
                let connection = state.connection.as_mut().ok_or(sqlx::Error::PoolClosed)?;
                connection
                    .execute(if commit { "COMMIT" } else { "ROLLBACK" })
                    .await?;
                state.in_transaction = false;
                Ok(())
            }
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // A pooled transaction rolls itself back when dropped.
        let Inner::Sqlite(turn) = &mut self.0 else {
            return;
        };
        // Not ended: roll back at once, so the write lock is let go (other processes may be
        // waiting for it). Without a runtime to do it on, the next turn does.
        let (Some(mut turn), Ok(runtime)) = (turn.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        runtime.spawn(async move {
            let state = &mut *turn;
            if let Some(connection) = state.connection.as_mut() {
                if connection.execute("ROLLBACK").await.is_ok() {
                    state.in_transaction = false;
                }
            }
        });
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Inner::Pooled(tx) => tx,
            Inner::Sqlite(turn) => turn
                .as_ref()
                .and_then(|t| t.connection.as_ref())
                .expect("an open transaction on an open store"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Inner::Pooled(tx) => tx,
            Inner::Sqlite(turn) => turn
                .as_mut()
                .and_then(|t| t.connection.as_mut())
                .expect("an open transaction on an open store"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn writer_on_a_fresh_file() -> (SqliteWriter, tempfile::TempDir) {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        let mut connection = AnyConnection::connect(&url).await.unwrap();
        connection
            .execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        (SqliteWriter::new(connection), dir)
    }

    async fn rows(writer: &SqliteWriter) -> i64 {
        let mut tx = writer.begin("BEGIN IMMEDIATE").await.unwrap();
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        count
    }

    async fn insert(tx: &mut WriteTx) {
        sqlx::query("INSERT INTO t (x) VALUES (1)")
            .execute(&mut **tx)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn commits_land_and_rollbacks_and_drops_leave_nothing() {
        let (writer, _dir) = writer_on_a_fresh_file().await;
        let mut tx = writer.begin("BEGIN IMMEDIATE").await.unwrap();
        insert(&mut tx).await;
        tx.commit().await.unwrap();
        let mut tx = writer.begin("BEGIN IMMEDIATE").await.unwrap();
        insert(&mut tx).await;
        tx.rollback().await.unwrap();
        let mut tx = writer.begin("BEGIN IMMEDIATE").await.unwrap();
        insert(&mut tx).await;
        drop(tx);
        assert_eq!(rows(&writer).await, 1);
    }

    #[tokio::test]
    async fn a_transaction_dropped_where_nothing_can_roll_it_back_is_rolled_back_next_turn() {
        let (writer, _dir) = writer_on_a_fresh_file().await;
        let mut tx = writer.begin("BEGIN IMMEDIATE").await.unwrap();
        insert(&mut tx).await;
        // Dropped on a thread without a runtime: the rollback cannot be started there.
        std::thread::spawn(move || drop(tx)).join().unwrap();
        assert_eq!(rows(&writer).await, 0);
        let mut tx = writer.begin("BEGIN IMMEDIATE").await.unwrap();
        insert(&mut tx).await;
        tx.commit().await.unwrap();
        assert_eq!(rows(&writer).await, 1);
    }

    #[tokio::test]
    async fn a_closed_writer_refuses_to_begin() {
        let (writer, _dir) = writer_on_a_fresh_file().await;
        writer.close().await;
        assert!(matches!(
            writer.begin("BEGIN IMMEDIATE").await,
            Err(sqlx::Error::PoolClosed)
        ));
    }
}
