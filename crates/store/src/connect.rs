//! Opening the database named by a URL or a file path, and keeping its schema current.

use crate::error::StoreError;
use crate::migrations::migrator;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to tenure's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// One audit-chain writer at a time in this process (see `append_audit`).
    pub(crate) audit_writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite: this process's writers take turns here, in order, instead of in SQLite's busy
    /// handler — which sleeps 1, 2, 5, 10… ms between tries, the tail of every burst of
    /// events. Other processes sharing the file still meet the busy timeout.
    writes: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Seals secrets stored in the database (see `sealing.rs`).
    pub(crate) sealer: crate::sealing::Sealer,
}

impl Store {
    /// Opens (creating if needed) and migrates the database. `location` is a PostgreSQL URL,
    /// a `sqlite:` URL, or a plain path to a SQLite file.
    pub async fn connect(location: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = resolve(location)?;
        let sealer = crate::sealing::Sealer::load(sqlite_file(location).as_deref())?;
        // Statements carry HR data in their parameters and can be long: never log them.
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(tracing::log::LevelFilter::Off)
            .log_slow_statements(
                tracing::log::LevelFilter::Off,
                std::time::Duration::from_secs(60),
            );
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never block the writer and a crash never loses a commit.
                        // FULL sync keeps that promise across power loss too; imports commit once.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;").await?;
                        // A person's history is spread over one page per month: with SQLite's
                        // 2 MB default cache, re-scoring after each event read most of them
                        // from the OS again. Pages are mapped instead of copied, and each
                        // connection keeps more of them.
                        conn.execute("PRAGMA mmap_size = 268435456; PRAGMA cache_size = -32768;").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        migrator(backend).run(&pool).await?;
        Ok(Store {
            pool,
            backend,
            audit_writer: Default::default(),
            writes: Default::default(),
            sealer,
        })
    }

    /// The raw pool, for tests that must reach past the store (e.g. to tamper with rows).
    #[cfg(feature = "testing")]
    pub fn pool_for_tests(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction that will write. SQLite's default (deferred) transaction takes its
    /// write lock only at the first write, and if another connection committed since this one
    /// first read, that upgrade fails at once with "database is locked" — the busy timeout is
    /// not consulted. `BEGIN IMMEDIATE` takes the lock up front, where the timeout does wait.
    /// On SQLite the transaction holds this process's turn to write until it ends.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let turn = self.write_turn().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    /// This process's turn to write (SQLite only), for a write outside a transaction. Held
    /// while the statement runs; never taken while already holding one.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writes.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Folds SQLite's write-ahead log back into the database and empties it. The automatic
    /// checkpoints starve while readers never pause (a steady stream of events), and every
    /// read gets slower as the log grows, so workers call this after big writes and now and
    /// then. PostgreSQL manages its own log: nothing to do.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend() == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction, holding (on SQLite) this process's turn to write until it commits
/// or is dropped. Statements run on it as on the connection it wraps.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

fn resolve(location: &str) -> Result<(Backend, String), StoreError> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        return Ok((Backend::Postgres, location.to_owned()));
    }
    if location.starts_with("sqlite:") {
        let url = if location.contains("mode=") {
            location.to_owned()
        } else {
            with_param(location, "mode=rwc")
        };
        return Ok((Backend::Sqlite, url));
    }
    if location.contains("://") {
        return Err(StoreError::UnsupportedUrl(location.to_owned()));
    }
    Ok((Backend::Sqlite, format!("sqlite://{location}?mode=rwc")))
}

/// The file a SQLite location names (`None` for PostgreSQL and in-memory databases).
fn sqlite_file(location: &str) -> Option<std::path::PathBuf> {
    if location.contains("://") && !location.starts_with("sqlite:") {
        return None;
    }
    let path = location
        .strip_prefix("sqlite://")
        .or_else(|| location.strip_prefix("sqlite:"))
        .unwrap_or(location);
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.into())
}

fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_sqlite_files_created_on_first_use() {
        assert_eq!(
            resolve("tenure.db").unwrap(),
            (Backend::Sqlite, "sqlite://tenure.db?mode=rwc".into())
        );
        assert_eq!(resolve("postgres://h/db").unwrap().0, Backend::Postgres);
        assert!(matches!(
            resolve("mysql://h/db"),
            Err(StoreError::UnsupportedUrl(_))
        ));
    }
}

impl Store {
    /// SQLite's own consistency check ("ok" when every page and index is sound); PostgreSQL
    /// keeps its own and always answers true here.
    pub async fn is_intact(&self) -> Result<bool, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(true);
        }
        let verdict: (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?;
        Ok(verdict.0 == "ok")
    }
}
