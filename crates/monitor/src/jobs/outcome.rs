//! What each kind of job did, as typed values; the queue stores them as JSON, where the API
//! and the pages read them (`GET /api/v1/jobs/{id}`'s `result`).

use serde::Serialize;
use tenure_domain::Shape;

/// What a job did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum JobOutcome {
    Imported(Imported),
    Trained(Trained),
    Scored(Scored),
    Rescored(Rescored),
    Delivered(Delivered),
    DigestSent(DigestSent),
    Upkeep(UpkeepDone),
    Pulled(Pulled),
    Pong(Pong),
}

impl JobOutcome {
    /// How many people the job scored.
    pub fn people_scored(&self) -> usize {
        match self {
            JobOutcome::Trained(t) => t.people_scored,
            JobOutcome::Scored(s) => s.people_scored,
            JobOutcome::Rescored(r) => r.people_scored,
            _ => 0,
        }
    }

    /// The outcome as the queue stores it.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a job's outcome is plain data")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    pub import_id: i64,
    pub shape: Shape,
    pub rows_read: u64,
    pub rows_added: u64,
    pub rows_replaced: u64,
    pub rows_unchanged: u64,
    pub people_added: u64,
}

/// A pull from the organization's HRIS: how it ended (`landed`, `paused`, `refused`,
/// `failed`, or `skipped` when there was nothing to pull) and what it read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pulled {
    pub pull_id: Option<i64>,
    pub status: String,
    pub rows_read: i64,
    pub rows_added: i64,
    pub rows_replaced: i64,
    pub people_leaving: i64,
    pub ids_changed: i64,
    pub message: String,
}

impl Pulled {
    pub(crate) fn skipped(why: &str) -> Pulled {
        Pulled {
            pull_id: None,
            status: "skipped".into(),
            rows_read: 0,
            rows_added: 0,
            rows_replaced: 0,
            people_leaving: 0,
            ids_changed: 0,
            message: why.to_owned(),
        }
    }

    pub(crate) fn of(record: &tenure_store::PullRecord) -> Pulled {
        Pulled {
            pull_id: Some(record.id),
            status: record
                .status
                .map_or("failed", tenure_store::PullStatus::key)
                .to_owned(),
            rows_read: record.rows_read,
            rows_added: record.rows_added,
            rows_replaced: record.rows_replaced,
            people_leaving: record.people_leaving,
            ids_changed: record.ids_changed,
            message: record.message.clone(),
        }
    }
}

/// A training run, and the scoring run with its model when there was one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trained {
    pub model_version: i64,
    pub people_scored: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings_raised: Option<usize>,
    /// Why the model was stored but not activated (the fairness gate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
    /// Why nobody was scored with it (scoring not yet switched on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_scored: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub model_version: i64,
    pub people_scored: usize,
    pub scores_written: u64,
    pub scores_unchanged: u64,
    pub warnings_raised: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rescored {
    pub model_version: i64,
    pub people_scored: usize,
    pub warnings_raised: usize,
    /// How many queued re-scoring jobs this one pass stood for, when more than one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs_in_pass: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivered {
    pub delivery: i64,
    pub delivered: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigestSent {
    pub warnings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpkeepDone {
    pub purged_rows: u64,
    pub accuracy_check: Option<AccuracyChecked>,
}

/// A monthly accuracy check, as the upkeep's outcome tells of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyChecked {
    pub scores: i64,
    pub leavers: i64,
    pub roc_auc: Option<f64>,
    pub calibration_error: Option<f64>,
    pub below_declared: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pong {
    pub worker: String,
}

macro_rules! outcome_from {
    ($($kind:ident => $variant:ident),* $(,)?) => {
        $(impl From<$kind> for JobOutcome {
            fn from(outcome: $kind) -> JobOutcome {
                JobOutcome::$variant(outcome)
            }
        })*
    };
}

outcome_from! {
    Imported => Imported,
    Trained => Trained,
    Scored => Scored,
    Rescored => Rescored,
    Delivered => Delivered,
    DigestSent => DigestSent,
    UpkeepDone => Upkeep,
    Pulled => Pulled,
    Pong => Pong,
}
