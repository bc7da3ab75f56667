//! The model card stored with every trained model: what it learnt from, what it reads, how
//! it was chosen and calibrated, and how right it was on data it had not seen — so anyone
//! relying on a score can see what stands behind it.

use crate::fairness::FairnessAudit;
use crate::metrics::Summary;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// RFC 3339, UTC.
    pub created_at: String,
    pub tenure_version: String,
    /// "panel" or "cross_section".
    pub shape: String,
    /// What a score means: a voluntary exit within this many months (panels), or the target.
    pub predicts: String,
    pub horizon_months: Option<i32>,
    /// The chosen learner and calibration, in a few words.
    pub model: String,
    pub learner: String,
    pub calibration: String,
    pub data: DataWindow,
    /// The export's columns the model reads (protected columns never among them).
    pub inputs: Vec<String>,
    /// Encoded features the learner sees.
    pub features: usize,
    /// Protected columns held only for fairness audits, never read by the model.
    pub protected_excluded: Vec<String>,
    /// How it was measured and what it scored on unseen data.
    pub evaluation_protocol: String,
    pub evaluation: Summary,
    pub training_seconds: f64,
    /// What the scores are for.
    #[serde(default)]
    pub intended_uses: Vec<String>,
    /// What they must not be used for.
    #[serde(default)]
    pub out_of_scope_uses: Vec<String>,
    /// What the figures cannot tell.
    #[serde(default)]
    pub known_limits: Vec<String>,
    /// Warning rates, accuracy and calibration by protected group, on the same unseen data as
    /// `evaluation`; `None` when the data names no protected attribute.
    #[serde(default)]
    pub fairness: Option<FairnessAudit>,
    /// The warning policy re-run over the backtest (panels): precision, recall and lift at
    /// the capacity HR can hold, and warnings a month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::policy::PolicyBacktest>,
}

/// The uses every tenure model is meant for.
pub fn intended_uses() -> Vec<String> {
    [
        "Finding where the organization can act early to keep people: stay conversations, pay and career reviews, workload and manager support.",
        "Aggregate forecasts of voluntary attrition by team, department and segment, with intervals, for workforce planning.",
        "Read by authorised HR roles only; managers see aggregates of 5 people or more.",
    ]
    .map(String::from)
    .to_vec()
}

/// The uses no tenure model may be put to.
pub fn out_of_scope_uses() -> Vec<String> {
    [
        "Any decision about hiring, dismissal, pay cuts, discipline, promotion denial or work allocation: a score is a prompt to support someone, never evidence against them.",
        "Confronting people about their risk, or monitoring them beyond the organization's own HR records (no job sites, social media or résumé tracking).",
        "Scoring anyone the model was not trained for (another organization, contractors, applicants).",
    ]
    .map(String::from)
    .to_vec()
}

/// Limits that hold for every model; the card adds the ones its own figures show.
pub fn known_limits(evaluation: &Summary, fairness: Option<&FairnessAudit>) -> Vec<String> {
    let mut limits = vec![
        "Probabilities describe groups of similar people; any one person may well stay or leave regardless.".to_owned(),
        "Learnt from the past: a reorganisation, a new pay policy or a labour-market shift can make it wrong until it is retrained on data after the change.".to_owned(),
        "Reads only what the HR export holds: reasons outside it (family, health, a partner's move) are invisible to it.".to_owned(),
    ];
    if evaluation.positives < 50 {
        limits.push(format!(
            "Measured on only {} leavers: its figures have wide margins.",
            evaluation.positives
        ));
    }
    match fairness {
        None => limits
            .push("No protected attribute was mapped: its fairness could not be audited.".into()),
        Some(audit) if audit.flagged => limits.extend(audit.findings.iter().cloned()),
        Some(_) => {}
    }
    limits
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataWindow {
    pub first_as_of: Option<String>,
    pub last_as_of: Option<String>,
    pub people: usize,
    /// Rows (person-months for panels) with a known outcome the model was fitted on.
    pub training_rows: usize,
    pub training_leavers: usize,
    /// People left out because they objected to being scored (none of their rows is read).
    #[serde(default)]
    pub objectors_excluded: usize,
    /// SHA-256 over the training data's inputs, so a card names exactly what it learnt from.
    pub data_sha256: String,
}
