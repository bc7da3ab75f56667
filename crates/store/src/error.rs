//! What can go wrong in the store, worded for the person who has to act on it.

use std::fmt;

/// A row of an import that would change a row already stored for the same key.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub line: u64,
    pub person: String,
    /// `None` for undated rows.
    pub as_of: Option<String>,
    /// The first column whose value differs, with the stored and the new value.
    pub column: String,
    pub stored: String,
    pub new: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = self
            .as_of
            .as_deref()
            .map(|d| format!(" as of {d}"))
            .unwrap_or_default();
        write!(
            f,
            "line {}: person {}{when} is already stored with {} = {}; this file says {} (use --replace to overwrite)",
            self.line, self.person, self.column, self.stored, self.new
        )
    }
}

/// The database library's error, kept inside the store: callers read its [`StoreErrorKind`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DatabaseError(pub(crate) sqlx::Error);

/// A migration's failure, kept inside the store.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct MigrationError(sqlx::migrate::MigrateError);

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        if is_disk_full(&error) {
            return StoreError::DiskFull;
        }
        StoreError::Database(DatabaseError(error))
    }
}

/// SQLite's SQLITE_FULL (13, or 13 with an extended code's high bits: its journal or its
/// log could not grow), PostgreSQL's `disk_full` (53100), or the operating system's ENOSPC.
fn is_disk_full(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => match e.code().as_deref() {
            Some("53100") => true,
            // PostgreSQL's codes are five characters; SQLite's are at most four digits.
            Some(code) if code.len() < 5 => code.parse::<i32>().is_ok_and(|c| c & 0xff == 13),
            _ => false,
        },
        sqlx::Error::Io(e) => e.raw_os_error() == Some(28),
        _ => false,
    }
}

/// PostgreSQL's codes for a server that is out of reach for now: connection exceptions
/// (class 08), a server shutting down or starting up (57P01–57P03), too many connections.
fn is_passing_outage(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300"),
        _ => false,
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> StoreError {
        StoreError::Migration(MigrationError(error))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(DatabaseError),
    #[error("database migration failed: {0}")]
    Migration(MigrationError),
    #[error("unsupported database URL {0:?}: use a file path, sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("no organization {0:?}")]
    UnknownOrganization(String),
    #[error("the import changes rows already stored; nothing was written:\n{}", .0.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("\n"))]
    Conflicts(Vec<Conflict>),
    #[error("that {0} name is taken: {1:?}")]
    Taken(&'static str, String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("no person {0:?} in the organization's data")]
    UnknownPerson(String),
    #[error("person {person:?} left on {on}: their state no longer changes")]
    PersonLeft { person: String, on: String },
    /// A request the rules forbid (a group floor under five, …), said in words.
    #[error("{0}")]
    Refused(String),
    /// An idempotency key sent again with a different request than its first.
    #[error("Idempotency-Key \"{0}\" was used for a different request: send a new key with each new request, and the same key only when retrying the same request")]
    KeyReused(String),
    #[error("the disk holding the database is full; what was stored before is intact — free some space (or give the database a larger disk) and try again")]
    DiskFull,
}

/// What sort of failure a [`StoreError`] is, for callers that answer differently to each
/// (an HTTP status, a retry) without knowing the database library underneath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The caller's input is at fault: say so and let them fix it.
    BadInput,
    /// A name (an organization's slug, an e-mail address) is already taken.
    Taken,
    /// The database could not be reached or had no connection free: trying again later can
    /// help.
    Unavailable,
    /// The database refused or failed the statement.
    Database,
    /// What is stored cannot be read back.
    Corrupt,
    /// The disk holding the database has no room for the write; nothing of it landed.
    Full,
    /// Well-formed, but at odds with what was sent before (an idempotency key reused).
    Unprocessable,
}

impl StoreError {
    /// What sort of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::Taken(..) => StoreErrorKind::Taken,
            StoreError::KeyReused(_) => StoreErrorKind::Unprocessable,
            e if e.is_bad_input() => StoreErrorKind::BadInput,
            StoreError::Database(DatabaseError(e)) if is_passing_outage(e) => {
                StoreErrorKind::Unavailable
            }
            StoreError::DiskFull => StoreErrorKind::Full,
            StoreError::Corrupt(_) => StoreErrorKind::Corrupt,
            _ => StoreErrorKind::Database,
        }
    }

    /// What went wrong in words safe to log: a database's own message can quote the row it
    /// refused (PostgreSQL's "Key (email)=(…) already exists"), so only its code is kept.
    pub fn safe_summary(&self) -> String {
        match self {
            StoreError::Database(DatabaseError(sqlx::Error::Database(e))) => {
                format!("database error {}", e.code().unwrap_or_default())
            }
            StoreError::Database(DatabaseError(e)) => format!("database error: {}", sqlx_kind(e)),
            StoreError::Migration(_) => "migration failed".into(),
            StoreError::Corrupt(what) => format!(
                "corrupt stored data ({})",
                what.split(':').next().unwrap_or("")
            ),
            other => other.to_string(),
        }
    }

    /// True when the input, not the database, is at fault.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            StoreError::Conflicts(_)
                | StoreError::UnknownOrganization(_)
                | StoreError::UnsupportedUrl(_)
                | StoreError::Taken(..)
                | StoreError::UnknownPerson(_)
                | StoreError::PersonLeft { .. }
                | StoreError::Refused(_)
        )
    }
}

fn sqlx_kind(error: &sqlx::Error) -> &'static str {
    match error {
        sqlx::Error::PoolTimedOut => "pool timed out",
        sqlx::Error::PoolClosed => "pool closed",
        sqlx::Error::Io(_) => "i/o",
        sqlx::Error::RowNotFound => "row not found",
        _ => "other",
    }
}
