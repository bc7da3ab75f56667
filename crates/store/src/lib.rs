//! tenure's database: one schema on SQLite (the embedded default, in WAL mode) or PostgreSQL
//! (for scale), migrations, and tenant-scoped access. Every method that touches tenant data
//! takes the organization's [`OrgId`] and every query filters on it, so no caller can forget.

mod accounts;
mod audit;
mod backup;
mod connect;
mod data_sources;
pub use data_sources::{DataSource, PullRecord, PullStatus, SourceAuth};
mod delivery;
mod erasure;
mod error;
mod events;
mod fairness;
mod forecasts;
mod frames;
mod imports;
mod jobs;
mod migrations;
mod models;
mod objections;
pub use objections::ACCESS_LINK_DAYS;
mod organizations;
mod queue;
mod readers;
mod rescoring;
mod scim;
mod scoring_write;
pub use scim::{ProvisionedChange, ProvisionedUser};
mod sealing;
pub use sealing::SealingKey;
mod sessions;
mod sign_on;
pub use sign_on::{
    SignOnAttempt, SignOnOutcome, SignOnSettings, SignedOnIdentity, SIGN_ON_MINUTES,
};
mod snapshots;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;
mod trust;
mod warnings;
mod writer;

pub use accounts::{
    normalize_email, Acceptance, Invitation, Member, MemberScope, NewInvitation, SignUp, User,
};
pub use audit::{AuditEntry, AuditRecord, AuditVerdict, GENESIS_HASH};
pub use backup::Verification;
pub use connect::{sqlite_file, Backend, Store};
pub use delivery::{AttemptOutcome, Channel, DeliveryRecord, Destinations, NewDelivery, Webhook};
pub use erasure::{PersonRecord, Removed};
pub use error::{Conflict, DatabaseError, MigrationError, StoreError, StoreErrorKind};
pub use events::{
    AppliedEvent, EventRecord, EventsLanding, IdempotencyKey, KeyedJob, NewEvent, RememberedEvents,
};
pub use fairness::ProtectedAsOf;
pub use forecasts::{ForecastHazard, NewForecast};
pub use imports::{
    ImportMode, ImportOutcome, ImportRecord, ImportStatus, NewImport, SnapshotToWrite,
};
pub use jobs::{JobRecord, JobStatus};
pub use models::{
    BandTally, NewModel, NewScore, ScoreGroups, ScoreOutcome, ScoresStamp, StoredModel,
    StoredScore, TeamRisk,
};
pub use organizations::Organization;
pub use queue::{ClaimedJob, Enqueued, JobEnd, LeaseLost, NewJob};
pub use rescoring::RescoringState;
pub use scoring_write::ScoringWrite;
pub use sessions::{ApiTokenRecord, Credential, NewApiToken, SessionRecord};
pub use snapshots::{DepartmentAttrition, MonthCount, OrgCounts, StoredSnapshot};
pub use tenure_domain::OrgId;
pub use trust::{
    pseudonym_with, AccuracyCheck, Governance, OperatorAlert, ScoreWithOutcome, ScoringBlock,
    TrustSettings,
};
pub use warnings::{
    NewWarning, OversightStep, RaisedWarning, WarningFilter, WarningFollowUp, WarningRecord,
    WarningStepRecord,
};
