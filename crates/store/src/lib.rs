//! tenure's database: one schema on SQLite (the embedded default, in WAL mode) or PostgreSQL
//! (for scale), migrations, and tenant-scoped access. Every method that touches tenant data
//! takes the organization's [`OrgId`] and every query filters on it, so no caller can forget.

mod connect;
mod error;
mod imports;
mod migrations;
mod models;
mod organizations;
mod snapshots;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;

pub use connect::{Backend, Store};
pub use error::{Conflict, StoreError};
pub use imports::{
    ImportMode, ImportOutcome, ImportRecord, ImportStatus, NewImport, SnapshotToWrite,
};
pub use models::{NewModel, NewScore, ScoreOutcome, StoredModel, StoredScore};
pub use organizations::Organization;
pub use snapshots::{DepartmentAttrition, OrgCounts, StoredSnapshot};
pub use tenure_domain::OrgId;
