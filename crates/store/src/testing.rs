//! Fresh databases for tests: a SQLite file in a temporary folder, and — when
//! `TENURE_TEST_DATABASE_URL` names a PostgreSQL server — a new database created on it.

use crate::connect::Store;
use sqlx::{AnyPool, Executor};

/// The variable naming the PostgreSQL server tests may create databases on.
pub const TEST_DATABASE_URL: &str = "TENURE_TEST_DATABASE_URL";

/// A database made for one test, removed when the test is done with it.
pub struct TestDatabase {
    /// What `Store::connect` and `tenure --db` take.
    pub url: String,
    pub backend_name: &'static str,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = dir.path().join("tenure.db").display().to_string();
        TestDatabase {
            url,
            backend_name: "sqlite",
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new, empty PostgreSQL database, or `None` (with a line saying so) when no server is configured.
    pub async fn postgres(test: &str) -> Option<TestDatabase> {
        let Ok(server) = std::env::var(TEST_DATABASE_URL) else {
            announce_once(&format!(
                "PostgreSQL tests SKIPPED ({TEST_DATABASE_URL} is not set): running on SQLite only"
            ));
            println!("PostgreSQL test skipped for {test}: {TEST_DATABASE_URL} is not set");
            return None;
        };
        announce_once("PostgreSQL tests: running every database test on SQLite and on PostgreSQL");
        sqlx::any::install_default_drivers();
        let name = format!("tenure_test_{}_{}", std::process::id(), unique());
        let admin = AnyPool::connect(&server)
            .await
            .expect("connect to the PostgreSQL test server");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create a test database");
        admin.close().await;
        let url = replace_database(&server, &name);
        Some(TestDatabase {
            url,
            backend_name: "postgres",
            _dir: None,
            postgres: Some((server, name)),
        })
    }

    /// Every backend available: SQLite always, PostgreSQL when configured.
    pub async fn all(test: &str) -> Vec<TestDatabase> {
        let mut databases = vec![TestDatabase::sqlite()];
        databases.extend(TestDatabase::postgres(test).await);
        databases
    }

    /// The database opened with the key tenure's commands would use for it (no
    /// `TENURE_SECRET_KEY*` is set in tests): the key file beside a SQLite file, or the
    /// user's for PostgreSQL.
    pub async fn store(&self) -> Store {
        Store::connect(&self.url, &commands_key(&self.url))
            .await
            .expect("open the test database")
    }

    /// Drops a PostgreSQL test database (SQLite files go with their folder).
    pub async fn remove(self) {
        if let Some((server, name)) = &self.postgres {
            let admin = AnyPool::connect(server)
                .await
                .expect("connect to the PostgreSQL test server");
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
            admin.close().await;
        }
    }
}

/// Says once per test binary, past the test harness's output capture (which only catches the
/// print macros), whether PostgreSQL is being tested, so a skipped backend is never silent.
fn announce_once(message: &str) {
    use std::io::Write;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(std::io::stderr(), "\n*** {message} ***");
    });
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    NEXT.fetch_add(1, Ordering::Relaxed) * 1_000_000_000 + nanos
}

/// The server URL with its database path replaced by `name`, query string kept.
fn replace_database(server: &str, name: &str) -> String {
    let (base, query) = server
        .split_once('?')
        .map_or((server, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut url = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_only_the_database_name() {
        assert_eq!(
            super::replace_database("postgres://u@h:5432/test?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}

/// The key tenure's commands seal the database at `location` with when no
/// `TENURE_SECRET_KEY*` is set (as in tests): its default key file.
pub fn commands_key(location: &str) -> crate::SealingKey {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    crate::SealingKey::default_for(location, home.as_deref())
}

/// Raw SQL for tests that look past the store's API — at what is really on disk, or at what
/// an attacker with full database access could do — without depending on the database
/// library themselves.
pub mod raw {
    use crate::{Store, StoreError};
    use sqlx::Row;

    /// Runs one statement as it is.
    pub async fn execute(store: &Store, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(store.pool_for_tests()).await?;
        Ok(())
    }

    /// The first column of every row `sql` selects, as text.
    pub async fn strings(store: &Store, sql: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(sql).fetch_all(store.pool_for_tests()).await?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// Every non-null cell of every table (but the migrations' own), as text:
    /// `(table, column, value)`.
    pub async fn every_cell(store: &Store) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut cells = Vec::new();
        for (table, columns) in store.tables_and_columns().await? {
            if table.starts_with("_sqlx") {
                continue;
            }
            let read: Vec<String> = columns
                .iter()
                .map(|c| format!("CAST({c} AS TEXT)"))
                .collect();
            let sql = format!("SELECT {} FROM {table}", read.join(", "));
            for row in sqlx::query(&sql).fetch_all(store.pool_for_tests()).await? {
                for (i, column) in columns.iter().enumerate() {
                    if let Some(value) = row.get::<Option<String>, _>(i) {
                        cells.push((table.clone(), column.clone(), value));
                    }
                }
            }
        }
        Ok(cells)
    }
}

/// A new SQLite database at `path` with only the first `versions` migrations applied: the
/// schema an older release left, for tests that migrate it forward.
pub async fn sqlite_at_migration(path: &std::path::Path, versions: usize) {
    let url = format!("sqlite://{}?mode=rwc", path.display());
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.expect("a new SQLite file");
    let mut migrator = crate::migrations::migrator(crate::Backend::Sqlite);
    migrator.migrations = migrator.migrations[..versions].to_vec().into();
    migrator.run(&pool).await.expect("the first migrations");
    pool.close().await;
}

/// Runs `statements`, in order, on one raw connection to the SQLite file at `path` (so an
/// `ATTACH` holds for the statements after it), outside the store and its migrations.
pub async fn raw_sqlite(path: &std::path::Path, statements: &[&str]) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", path.display());
    let mut connection = sqlx::AnyConnection::connect(&url)
        .await
        .expect("the SQLite file");
    for statement in statements {
        sqlx::query(statement)
            .execute(&mut connection)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    connection.close().await.expect("closed");
}
