//! Opening the database named by a URL or a file path, and keeping its schema current.

use crate::error::StoreError;
use crate::migrations::migrator;
use crate::readers::{LentConnection, SqliteReaders};
use crate::sealing::SealingKey;
use crate::writer::SqliteWriter;
pub(crate) use crate::writer::WriteTx;
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
    /// Migrations, checkpoints and checks; on PostgreSQL every read too.
    pub(crate) pool: AnyPool,
    /// Where SQLite's statements outside write transactions run (see `readers.rs`); `None`
    /// on PostgreSQL.
    sqlite_readers: Option<SqliteReaders>,
    /// Where SQLite's write transactions run: one connection, so this process's writers
    /// queue for it in order instead of in SQLite's busy handler (which sleeps 1, 2, 5, 10… ms
    /// between tries), and a writer never waits for a connection readers hold. Other
    /// processes sharing the file still meet the busy timeout. PostgreSQL writes through the
    /// pool: `None`.
    sqlite_writer: Option<SqliteWriter>,
    backend: Backend,
    /// One audit-chain writer at a time in this process, holding each organization's chain
    /// head as this process last committed it, so appending costs no read of it (see
    /// `append_audit`; another process's rows show as a collision, and the heads are read
    /// again).
    pub(crate) audit_heads: std::sync::Arc<
        tokio::sync::Mutex<
            std::collections::HashMap<tenure_domain::OrgId, crate::audit::ChainHead>,
        >,
    >,
    /// Seals secrets stored in the database (see `sealing.rs`).
    pub(crate) sealer: crate::sealing::Sealer,
    /// Imports' column kinds, read once each (see `Store::typed_snapshots`).
    pub(crate) import_kinds: std::sync::Arc<std::sync::Mutex<crate::snapshots::ImportKinds>>,
}

/// How a write transaction's commit is kept when the machine loses power just after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Commit {
    /// On disk before the commit returns: what a user handed over (events, imports, accounts,
    /// erasures) and anything that is not done again on its own.
    Durable,
    /// Possibly lost with the last moments before a power cut — never torn, and never after a
    /// later durable commit (both logs are written in order). A process crash loses nothing.
    /// For what is done again when lost: a worker's bookkeeping (claims, leases, outcomes,
    /// delivery attempts), whose loss puts its job back to run again, and derived results
    /// (scores, the warnings they trip, their deliveries), which the job — or the next
    /// scoring, reading the same durable inputs — derives again.
    Redoable,
}

impl Store {
    /// Opens (creating if needed) and migrates the database. `location` is a PostgreSQL URL,
    /// a `sqlite:` URL, or a plain path to a SQLite file; secrets stored in it are sealed
    /// with `key`.
    pub async fn connect(location: &str, key: &SealingKey) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = resolve(location)?;
        let sealer = crate::sealing::Sealer::load(key)?;
        // Statements carry HR data in their parameters and can be long: never log them.
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(tracing::log::LevelFilter::Off)
            .log_slow_statements(
                tracing::log::LevelFilter::Off,
                std::time::Duration::from_secs(60),
            );
        let pool = sqlite_tuned(AnyPoolOptions::new(), backend)
            .max_connections(if backend == Backend::Sqlite { 2 } else { 8 })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        migrator(backend).run(&pool).await?;
        let (sqlite_readers, sqlite_writer) = match backend {
            Backend::Sqlite => {
                let mut readers = Vec::with_capacity(SQLITE_READERS);
                for _ in 0..SQLITE_READERS {
                    readers.push(open_sqlite(&options).await?);
                }
                let writer = open_sqlite(&options).await?;
                (
                    Some(SqliteReaders::new(readers)),
                    Some(SqliteWriter::new(writer)),
                )
            }
            Backend::Postgres => (None, None),
        };
        Ok(Store {
            pool,
            sqlite_readers,
            sqlite_writer,
            backend,
            audit_heads: Default::default(),
            sealer,
            import_kinds: Default::default(),
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

    /// Begins a transaction that will write, committed durably. SQLite's default (deferred)
    /// transaction takes its write lock only at the first write, and if another connection
    /// committed since this one first read, that upgrade fails at once with "database is
    /// locked" — the busy timeout is not consulted. `BEGIN IMMEDIATE` takes the lock up front,
    /// where the timeout does wait.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        self.begin_writing(Commit::Durable).await
    }

    /// Begins a write transaction whose commit may be lost to a power cut (see
    /// [`Commit::Redoable`]): it does not wait for the disk. A commit that waits costs an
    /// fsync — 1.5 ms on the benchmark machine, most of an event's write time.
    pub(crate) async fn begin_redoable_write(&self) -> Result<WriteTx, sqlx::Error> {
        self.begin_writing(Commit::Redoable).await
    }

    /// Runs one redoable write statement in a transaction of its own.
    pub(crate) async fn execute_redoably<'q>(
        &self,
        statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
        let mut tx = self.begin_redoable_write().await?;
        let done = statement.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn begin_writing(&self, commit: Commit) -> Result<WriteTx, sqlx::Error> {
        match &self.sqlite_writer {
            // The level is set on every transaction: the writer connection serves both kinds.
            Some(writer) => {
                let begin = match commit {
                    Commit::Durable => "PRAGMA synchronous = FULL; BEGIN IMMEDIATE",
                    Commit::Redoable => "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE",
                };
                writer.begin(begin).await
            }
            None => {
                let mut tx = self.pool.begin().await?;
                if commit == Commit::Redoable {
                    (&mut *tx)
                        .execute("SET LOCAL synchronous_commit TO OFF")
                        .await?;
                }
                Ok(WriteTx::pooled(tx))
            }
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

    /// A connection for statements outside a write transaction — reads, and the few
    /// one-statement writes that need no turn at the writer — held until dropped.
    pub(crate) async fn connection(&self) -> Result<LentConnection, sqlx::Error> {
        match &self.sqlite_readers {
            Some(readers) => readers.lend().await,
            None => LentConnection::pooled(&self.pool).await,
        }
    }

    pub async fn close(&self) {
        if let Some(writer) = &self.sqlite_writer {
            writer.close().await;
        }
        if let Some(readers) = &self.sqlite_readers {
            readers.close().await;
        }
        self.pool.close().await;
    }
}

/// Pool options whose SQLite connections are set up for tenure: WAL, durable commits by
/// default, foreign keys, a busy timeout, and pages mapped and cached.
fn sqlite_tuned(options: AnyPoolOptions, backend: Backend) -> AnyPoolOptions {
    // A SQLite connection is a file opened in this process: nothing can break it between
    // uses, so the pool's ping before each use — a round trip to the connection's thread,
    // a third of every statement's hand-offs — checks nothing.
    //
    // On PostgreSQL sqlx also pings every connection as it goes back to the pool, so one
    // that broke in use is dropped there; pinging again before each use would add a round
    // trip to every statement (a quarter of an audit batch's) to catch only a connection that
    // broke while idle — after a database restart, at most one failed statement per pooled
    // connection, answered as unavailable (503) and retried.
    let options = options.test_before_acquire(false);
    options.after_connect(move |conn, _| {
        Box::pin(async move {
            if backend == Backend::Sqlite {
                set_up_sqlite(conn).await?;
            }
            Ok(())
        })
    })
}

/// How long a statement waits for a connection before failing as unavailable. The pool
/// retries a refused connection until then, so this is how long a request takes to say
/// "the database is out of reach" (503) while PostgreSQL is down or restarting; a busy
/// pool under load hands a connection over in milliseconds.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// SQLite connections reading at once: a re-scoring pass, an event and a page view or two.
const SQLITE_READERS: usize = 4;

/// Opens a SQLite connection outside the pool, set up as the pool's are.
async fn open_sqlite(options: &AnyConnectOptions) -> Result<sqlx::AnyConnection, sqlx::Error> {
    let mut connection = options.connect().await?;
    set_up_sqlite(&mut connection).await?;
    Ok(connection)
}

/// How every SQLite connection of tenure's is set up.
async fn set_up_sqlite(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    // WAL: readers never block the writer and a crash never loses a commit. FULL sync keeps
    // that promise across power loss too.
    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;").await?;
    // A person's history is spread over one page per month: with SQLite's 2 MB default cache,
    // re-scoring after each event read most of them from the OS again. Pages are mapped
    // instead of copied, and each connection keeps more of them.
    conn.execute("PRAGMA mmap_size = 268435456; PRAGMA cache_size = -32768;")
        .await?;
    Ok(())
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
/// The SQLite file a database location names (a path, or a `sqlite:` URL); `None` for a
/// PostgreSQL URL or an in-memory database.
pub fn sqlite_file(location: &str) -> Option<std::path::PathBuf> {
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

impl Store {
    /// Whether the database answers a trivial statement now: readiness, cheap enough to ask
    /// every few seconds (unlike [`Store::is_intact`], which reads every page).
    pub async fn answers(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .fetch_one(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

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
