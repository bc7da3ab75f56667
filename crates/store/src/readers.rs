//! Connections for statements outside write transactions — reads, and the few one-statement
//! writes that need no turn at the writer: on SQLite, a few connections opened once, lent out
//! one caller at a time and taken back as they are; on PostgreSQL, the pool's.
//!
//! Why SQLite's are not sqlx's pool: sqlx 0.8 takes every connection back from a task of its
//! own, after a ping — a round trip to the connection's thread. For a file opened in-process
//! that checks nothing (a statement whose caller went away leaves the connection ready for the
//! next: its thread finishes each statement before the next), yet it doubled the thread
//! hand-offs of every one-statement read, and hand-offs are most of an event's cost.

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// SQLite's connections for statements outside write transactions, shared by a store's
/// clones.
#[derive(Debug, Clone)]
pub(crate) struct SqliteReaders(Arc<Readers>);

#[derive(Debug)]
struct Readers {
    /// Connections not lent out; a caller holding a permit always finds one.
    idle: Mutex<Vec<AnyConnection>>,
    permits: Arc<Semaphore>,
    count: usize,
}

impl SqliteReaders {
    /// Lends out `connections`, one caller at a time each.
    pub(crate) fn new(connections: Vec<AnyConnection>) -> SqliteReaders {
        let count = connections.len();
        SqliteReaders(Arc::new(Readers {
            idle: Mutex::new(connections),
            permits: Arc::new(Semaphore::new(count)),
            count,
        }))
    }

    /// Waits for a free connection.
    pub(crate) async fn lend(&self) -> Result<LentConnection, sqlx::Error> {
        let permit = self
            .0
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let connection = self
            .0
            .idle
            .lock()
            .expect("the idle list is never left half-changed")
            .pop()
            .expect("a permit always finds an idle connection");
        Ok(LentConnection(Lent::Sqlite {
            connection: Some(connection),
            readers: self.0.clone(),
            _permit: permit,
        }))
    }

    /// Waits until every connection is back, then closes them; lending stops.
    pub(crate) async fn close(&self) {
        let Ok(all) = self.0.permits.acquire_many(self.0.count as u32).await else {
            return;
        };
        self.0.permits.close();
        let connections = std::mem::take(
            &mut *self
                .0
                .idle
                .lock()
                .expect("the idle list is never left half-changed"),
        );
        drop(all);
        for connection in connections {
            let _ = connection.close().await;
        }
    }
}

/// A connection lent for statements outside a write transaction.
pub(crate) struct LentConnection(Lent);

enum Lent {
    Pooled(PoolConnection<Any>),
    Sqlite {
        /// Taken back on drop.
        connection: Option<AnyConnection>,
        readers: Arc<Readers>,
        _permit: OwnedSemaphorePermit,
    },
}

impl LentConnection {
    pub(crate) async fn pooled(pool: &AnyPool) -> Result<LentConnection, sqlx::Error> {
        Ok(LentConnection(Lent::Pooled(pool.acquire().await?)))
    }
}

impl Drop for LentConnection {
    fn drop(&mut self) {
        if let Lent::Sqlite {
            connection,
            readers,
            ..
        } = &mut self.0
        {
            if let Some(connection) = connection.take() {
                // Back before the permit is let go (fields drop after this).
                readers
                    .idle
                    .lock()
                    .expect("the idle list is never left half-changed")
                    .push(connection);
            }
        }
    }
}

impl Deref for LentConnection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Lent::Pooled(connection) => connection,
            Lent::Sqlite { connection, .. } => connection.as_ref().expect("lent until dropped"),
        }
    }
}

impl DerefMut for LentConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Lent::Pooled(connection) => connection,
            Lent::Sqlite { connection, .. } => connection.as_mut().expect("lent until dropped"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Executor;

    async fn readers_on_a_fresh_file(count: usize) -> (SqliteReaders, tempfile::TempDir) {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
        let mut connections = Vec::new();
        for _ in 0..count {
            connections.push(AnyConnection::connect(&url).await.unwrap());
        }
        (SqliteReaders::new(connections), dir)
    }

    #[tokio::test]
    async fn a_connection_is_lent_to_one_caller_at_a_time() {
        let (readers, _dir) = readers_on_a_fresh_file(1).await;
        let mut first = readers.lend().await.unwrap();
        first.execute("SELECT 1").await.unwrap();
        let second = tokio::time::timeout(std::time::Duration::from_millis(50), readers.lend());
        assert!(second.await.is_err(), "lent twice at once");
        drop(first);
        let mut again = readers.lend().await.unwrap();
        again.execute("SELECT 1").await.unwrap();
    }

    #[tokio::test]
    async fn a_read_abandoned_midway_leaves_its_connection_ready_for_the_next() {
        let (readers, _dir) = readers_on_a_fresh_file(1).await;
        {
            let mut connection = readers.lend().await.unwrap();
            // Counting ten million takes SQLite about a second: given up after 20 ms.
            let long = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) SELECT COUNT(*) FROM n";
            let given_up = tokio::time::timeout(
                std::time::Duration::from_millis(20),
                sqlx::query(long).fetch_one(&mut *connection),
            )
            .await;
            assert!(given_up.is_err(), "the long count finished within 20 ms");
        }
        let mut connection = readers.lend().await.unwrap();
        let (one,): (i64,) = sqlx::query_as("SELECT 1")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        assert_eq!(one, 1);
    }

    #[tokio::test]
    async fn closing_waits_for_lent_connections_then_lends_no_more() {
        let (readers, _dir) = readers_on_a_fresh_file(2).await;
        let lent = readers.lend().await.unwrap();
        let closing = {
            let readers = readers.clone();
            tokio::spawn(async move { readers.close().await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!closing.is_finished(), "closed under a lent connection");
        drop(lent);
        closing.await.unwrap();
        assert!(matches!(readers.lend().await, Err(sqlx::Error::PoolClosed)));
    }
}
