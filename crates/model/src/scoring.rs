//! Scoring the people an organization still employs: who is current, the probability of a
//! voluntary exit within the model's horizon, the factors behind it, or — with too little to
//! go on — no score at all. Every score carries a hash of exactly what went in, so re-scoring
//! the same inputs is recognisably the same.

use crate::abstention::{abstention, Evidence};
use crate::explain::{drivers, Driver, Explanation};
use crate::gbm::GbmError;
use crate::panel::{MonthRow, PersonMonth};
use crate::trained::TrainedModel;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use tenure_domain::{Outcome, PersonKey, RoleColumns, Snapshot, SnapshotFrame, Value};

/// One person to score: their inputs (derived ones included) at one date.
#[derive(Debug, Clone)]
pub struct ScoreInput<'a> {
    pub person: &'a PersonKey,
    pub as_of: Option<NaiveDate>,
    pub values: &'a BTreeMap<String, Value>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonScore {
    pub person: PersonKey,
    pub as_of: Option<NaiveDate>,
    /// `None` when the model abstained.
    pub probability: Option<f64>,
    pub abstained: Option<String>,
    pub explanation: Explanation,
    /// SHA-256 of the inputs, in a canonical form.
    pub input_hash: String,
}

/// The panel's people still employed at its latest month, at that month.
pub fn current_panel_rows<'a>(
    frame: &'a SnapshotFrame,
    months: &'a [PersonMonth],
) -> Vec<ScoreInput<'a>> {
    current(frame, months.iter().map(|m| (m.snapshot, m.as_of)))
        .into_iter()
        .map(|i| {
            let m = &months[i];
            ScoreInput {
                person: frame.person(m.snapshot),
                as_of: Some(m.as_of),
                values: &m.values,
                evidence: m.evidence,
            }
        })
        .collect()
}

/// The rows of the panel's people still employed at its latest month, at that month.
pub fn current_panel_months(frame: &SnapshotFrame, months: &[MonthRow]) -> Vec<u32> {
    current(frame, months.iter().map(|m| (m.snapshot, m.as_of)))
        .into_iter()
        .map(|i| i as u32)
        .collect()
}

/// Which of the person-months (each its snapshot and as-of date) are at the latest month and
/// of people who have not left.
fn current(
    frame: &SnapshotFrame,
    months: impl Iterator<Item = (usize, NaiveDate)> + Clone,
) -> Vec<usize> {
    let Some(latest) = months.clone().map(|(_, as_of)| as_of).max() else {
        return Vec::new();
    };
    let gone: HashSet<u32> = frame.exits().map(|(row, _)| frame.person_id(row)).collect();
    months
        .enumerate()
        .filter(|(_, (row, as_of))| *as_of == latest && !gone.contains(&frame.person_id(*row)))
        .map(|(i, _)| i)
        .collect()
}

/// A cross-section's people who have not left.
pub fn current_cross_section_rows(snapshots: &[Snapshot]) -> Vec<ScoreInput<'_>> {
    snapshots
        .iter()
        .filter(|s| s.exit.is_none() && !matches!(s.outcome, Some(Outcome::Left(true))))
        .map(|s| ScoreInput {
            person: &s.person,
            as_of: s.as_of,
            values: &s.values,
            evidence: Evidence::of_inputs(&s.values),
        })
        .collect()
}

/// A scoring run: every person's score and the organization-wide drivers behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringRun {
    pub scores: Vec<PersonScore>,
    pub drivers: Vec<Driver>,
}

/// Scores everyone given, explaining each score with its `factors` strongest factors each way.
pub fn score(
    model: &TrainedModel,
    inputs: &[ScoreInput<'_>],
    roles: &RoleColumns,
    factors: usize,
) -> Result<ScoringRun, GbmError> {
    let mut kept: Vec<&ScoreInput> = Vec::new();
    let mut abstained: Vec<(&ScoreInput, String)> = Vec::new();
    for input in inputs {
        match abstention(&input.evidence) {
            None => kept.push(input),
            Some(reason) => abstained.push((input, reason)),
        }
    }
    let rows: Vec<&BTreeMap<String, Value>> = kept.iter().map(|i| i.values).collect();
    let probabilities = model.probabilities(&rows)?;
    let explanations = model.explain(&rows, roles)?;
    let drivers = drivers(&explanations);
    let mut scores: Vec<PersonScore> = kept
        .iter()
        .zip(probabilities)
        .zip(explanations)
        .map(|((input, p), explanation)| PersonScore {
            person: input.person.clone(),
            as_of: input.as_of,
            probability: Some(p),
            abstained: None,
            explanation: explanation.strongest(factors),
            input_hash: input_hash(input.values),
        })
        .collect();
    scores.extend(abstained.into_iter().map(|(input, reason)| PersonScore {
        person: input.person.clone(),
        as_of: input.as_of,
        probability: None,
        abstained: Some(reason),
        explanation: Explanation::default(),
        input_hash: input_hash(input.values),
    }));
    scores.sort_by(|a, b| a.person.cmp(&b.person));
    Ok(ScoringRun { scores, drivers })
}

/// SHA-256 of the inputs as canonical JSON (names in order, values as stored).
pub fn input_hash(values: &BTreeMap<String, Value>) -> String {
    let canonical = serde_json::to_string(values).expect("values always serialise");
    hex::encode(Sha256::digest(canonical.as_bytes()))
}
