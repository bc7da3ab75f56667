//! tenure's monitoring layer: scoring runs over an organization's stored data. Training
//! measures a model honestly (rolling backtest or cross-validation), fits it on everything
//! known, and stores it as the next version with its model card; scoring applies a stored
//! model to everyone still employed and stores each score with its model version, band,
//! drivers and input hash. Forecasting trains a monthly hazard model and turns everyone's
//! survival curve into expected leavers per group with intervals and cost; survival curves
//! by group come with the log-rank test. Workers run these as jobs from the store's queue.
//! HR events change people's current state and re-score everyone they touch at once; every
//! scoring run raises the warnings the organization's policy calls for, and delivery takes
//! them out — signed webhooks and e-mail, with retries and a dead-letter list.

mod columns;
mod context;
mod delivery;
pub mod documents;
mod events;
mod fairness;
mod fetch;
mod forecast;
mod handle;
mod jobs;
mod outlook;
mod oversight;
pub mod report;
mod score;
mod survival;
#[cfg(test)]
mod testing;
mod train;
mod warnings;
mod what_helped;
mod what_if;
mod worker;

pub use delivery::{
    signature, warning_body, DeliveryError, DeliverySettings, EmailMode, EmailSettings,
    EmailSettingsError, SmtpSecurity,
};
pub use events::{
    apply_events, apply_events_once, rescore_people, EventBatch, EventRefused, EventsApplied,
    EventsOutcome, RescoreReport, Rescoring,
};
pub use fairness::{bias_audit_report, BiasAuditReport};
pub use fetch::{FetchError, MAX_REPORT_BYTES};
pub use forecast::{
    cut_at, fit_outlooks, forecast_from, forecast_organization, forecast_snapshots, ForecastReport,
    ForecastRequest, Grouping, Outlooks,
};
pub use handle::Monitor;
pub use jobs::{
    AccuracyChecked, Delivered, DigestSent, Imported, JobError, JobOutcome, JobSpec, Pong, Pulled,
    Rescored, Scored, Trained, UpkeepDone,
};
pub use outlook::{
    group_outlooks, GroupOutlooks, OutlookRequest, RankedGroup, Reports, SharedDriver,
};
pub use oversight::{delete_departed_organizations, recheck_accuracy, upkeep, UpkeepReport};
pub use report::{attrition_report, ReportFigures, ReportRequest};
pub use score::{score_organization, ScoreReport, ScoreRequest, ScoredPerson};
pub use survival::{
    survival_by_group, survival_of_snapshots, GroupCurve, SurvivalReport, CURVE_CONFIDENCE,
};
pub use train::{train_organization, TrainReport, TrainRequest};
pub use what_helped::{what_helped_report, WhatHelpedReport};
pub use what_if::{what_if, WhatIfChanges, WhatIfOutcome};
pub use worker::{
    enqueue, enqueue_once, enqueue_under_key, schedule_pull, schedule_upkeep, worker_name,
    JobObserver, NoObserver, Worker, WorkerSettings,
};

use tenure_model::backtest::BacktestError;
use tenure_model::evaluate::EvaluationError;
use tenure_model::gbm::GbmError;
use tenure_model::trained::ArtifactError;
use tenure_store::StoreError;

/// What can go wrong in the monitoring layer. Messages say what is wrong; what to do about it
/// (which command, which request) is added where the user is — the CLI, the API.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("organization {0} has no imported data to learn from: import an HR file first")]
    NoData(String),
    #[error("the stored mapping cannot be read: {0}")]
    Mapping(String),
    #[error("{0} data cannot be scored yet: tenure trains on panels and cross-sections")]
    UnsupportedShape(String),
    #[error("a cross-section has no dates to forecast over: forecasting needs a panel (monthly snapshots) or time-to-event data")]
    NothingToForecastOver,
    #[error("cannot group by `{0}`: name a mapped role (department, team, manager, level), hire-year or entry-tenure (both need a mapped hire date), or a column of the data")]
    UnknownGrouping(String),
    #[error("organization {org} has no trained model{}", .version.map(|v| format!(" version {v}")).unwrap_or_default())]
    NoModel { org: String, version: Option<i64> },
    #[error("organization {org} is suspended (since {since}): nothing is scored or delivered until it is resumed")]
    Suspended { org: String, since: String },
    #[error("scoring is not switched on for organization {0}: record its legal basis, impact-assessment reference and the date workers were informed first")]
    NoGovernance(String),
    #[error("person {0} objected to being scored: nothing is scored or tried about them until the objection is withdrawn")]
    Objected(String),
    #[error(transparent)]
    Event(EventRefused),
    #[error(transparent)]
    Backtest(#[from] BacktestError),
    #[error(transparent)]
    Evaluation(#[from] EvaluationError),
    #[error(transparent)]
    Gbm(#[from] GbmError),
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
}

impl MonitorError {
    /// True when the user has to act (import data, train first, fix the data) rather than a failure.
    pub fn is_bad_input(&self) -> bool {
        match self {
            MonitorError::NoData(_)
            | MonitorError::UnsupportedShape(_)
            | MonitorError::NothingToForecastOver
            | MonitorError::UnknownGrouping(_)
            | MonitorError::NoModel { .. }
            | MonitorError::Suspended { .. }
            | MonitorError::NoGovernance(_)
            | MonitorError::Event(_)
            | MonitorError::Objected(_)
            | MonitorError::Evaluation(_) => true,
            MonitorError::Backtest(e) => matches!(e, BacktestError::TooShort { .. }),
            MonitorError::Store(e) => e.is_bad_input(),
            _ => false,
        }
    }
}

/// Refuses to score a suspended organization, or one whose scoring was never switched on.
pub(crate) async fn ensure_scoring_allowed(
    store: &tenure_store::Store,
    org: tenure_domain::OrgId,
    slug: &str,
) -> Result<(), MonitorError> {
    scoring_allowed(store.scoring_block(org).await?, slug)
}

/// [`ensure_scoring_allowed`] with the organization's block already read.
pub(crate) fn scoring_allowed(
    block: Option<tenure_store::ScoringBlock>,
    slug: &str,
) -> Result<(), MonitorError> {
    match block {
        None => Ok(()),
        Some(tenure_store::ScoringBlock::Suspended { since }) => Err(MonitorError::Suspended {
            org: slug.to_owned(),
            since,
        }),
        Some(tenure_store::ScoringBlock::NoGovernance) => {
            Err(MonitorError::NoGovernance(slug.to_owned()))
        }
    }
}

/// A snapshot's value in `column` as text, unless it is missing.
pub(crate) fn text_of(snapshot: &tenure_domain::Snapshot, column: &str) -> Option<String> {
    snapshot
        .values
        .get(column)
        .filter(|v| !v.is_missing())
        .map(|v| v.to_string())
}

/// Reports the step a long run is on (a spinner in the CLI).
pub trait Progress {
    fn step(&self, what: &str);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn step(&self, _: &str) {}
}
