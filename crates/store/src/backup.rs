//! Backups and their checks: an online, consistent copy of a SQLite database, and the
//! verification a copy (or any database) must pass before it is trusted — the storage
//! engine's own integrity check and every organization's audit chain. PostgreSQL databases
//! are copied with `pg_dump`, then checked the same way.

use crate::audit::AuditVerdict;
use crate::connect::{Backend, Store};
use crate::error::StoreError;
use std::path::Path;

/// What checking a database found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The storage engine's own consistency check passed.
    pub intact: bool,
    /// Each organization's slug and its audit chain's verdict.
    pub chains: Vec<(String, AuditVerdict)>,
}

/// What failed, in words: the integrity check, and each broken chain with where it breaks.
impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut problems = Vec::new();
        if !self.intact {
            problems.push("the storage engine's integrity check failed".to_owned());
        }
        for (org, verdict) in &self.chains {
            if let AuditVerdict::Broken { seq, reason } = verdict {
                problems.push(format!(
                    "organization {org}'s audit chain breaks at row {seq}: {reason}"
                ));
            }
        }
        if problems.is_empty() {
            problems.push("intact, every audit chain unbroken".to_owned());
        }
        f.write_str(&problems.join("; "))
    }
}

impl Verification {
    /// Whether the database can be trusted: intact, and every chain unbroken.
    pub fn passed(&self) -> bool {
        self.intact
            && self
                .chains
                .iter()
                .all(|(_, verdict)| matches!(verdict, AuditVerdict::Intact { .. }))
    }
}

impl Store {
    /// Writes a consistent copy of the whole SQLite database to the new file `path` while the
    /// database stays in use: SQLite's `VACUUM INTO` reads it in one transaction, so a write
    /// landing meanwhile is wholly in the copy or wholly not.
    pub async fn back_up_to(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Refused(
                "a PostgreSQL database is backed up with its own tools: pg_dump --format=custom --file FILE URL (and restored with pg_restore), then checked with `tenure admin verify`".into(),
            ));
        }
        if path.exists() {
            return Err(StoreError::Refused(format!(
                "{} already exists: back up to a new file",
                path.display()
            )));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// The storage engine's integrity check and every organization's audit chain.
    pub async fn verify(&self) -> Result<Verification, StoreError> {
        let intact = self.is_intact().await?;
        let mut chains = Vec::new();
        for organization in self.organizations().await? {
            chains.push((organization.slug, self.verify_audit(organization.id).await?));
        }
        Ok(Verification { intact, chains })
    }
}
