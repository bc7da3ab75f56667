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

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
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
}

impl StoreError {
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
