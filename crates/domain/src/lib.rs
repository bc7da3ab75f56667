//! tenure's domain: the types every layer shares and the rules that need no I/O.
//!
//! An organization's HR data arrives as [`Snapshot`]s — one person as of one date — with the
//! person's exit (if any) or, for exports that carry no history, a target or a duration.
//! Protected attributes travel beside a snapshot's model inputs, never among them. Many
//! snapshots at once — an organization's history, for training and scoring — are held as one
//! [`SnapshotFrame`]: typed columns instead of a map per row. Warning
//! policies say when a rise in risk becomes a warning, within how many conversations HR can hold
//! a month, and what supportive steps it suggests.

mod access;
mod capacity;
mod clock;
mod event;
mod frame;
mod group_outlook;
mod ids;
mod protected;
mod regret;
mod risk;
mod roles;
mod sign_on;
mod snapshot;
mod suppression;
mod sync_safety;
mod value;
mod warning;
mod what_helped;

pub use access::{Entitlement, Membership, Permission, Plan, Role};
pub use capacity::{Budget, Candidate, Capacity, CapacityError, Pool, DEFAULT_CAPACITY};
pub use clock::Clock;
pub use event::{EventEffect, EventError, EventKind, EventValue, HrEvent};
pub use frame::{Cell, FrameBuilder, FrameColumn, RowInputs, SnapshotFrame};
pub use group_outlook::{
    count_interval, poisson_interval, rank_outlooks, Change, GroupOutlook, Pace, PastYear,
};
pub use ids::{DomainError, OrgId, PersonKey};
pub use protected::{looks_protected, ProtectedCategory};
pub use regret::{expected_loss, regretted_people, says_yes, RegretRule, REGRET_WEIGHT};
pub use risk::{RelativeBands, RelativeBandsError, RiskBand, RiskThresholds, ThresholdError};
pub use roles::{ColumnLabel, ColumnRole, Language, RoleColumns};
pub use sign_on::{Grant, GroupGrant, SignOnRefusal, SignOnRules};
pub use snapshot::{Exit, Outcome, Shape, Snapshot};
pub use suppression::{hidden_groups, MIN_GROUP_FLOOR};
pub use sync_safety::{SyncChange, SyncHazard, MAX_CHANGED_ID_SHARE, MAX_LEAVING_SHARE};
pub use value::{ColumnKind, Value};
pub use warning::{
    held_out, LifecycleError, LifecycleStep, PastScore, PolicyError, SupportiveAction, TeamOutlook,
    Trigger, WarningPolicy, WarningRule, WarningStatus, CONDUCT, HOLD_OUT_DAYS, MIN_GROUP_SIZE,
};
pub use what_helped::{what_helped, ActionEffect, FollowedWarning, WarningsEffect, WhatHelped};
