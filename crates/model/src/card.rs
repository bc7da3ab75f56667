//! The model card stored with every trained model: what it learnt from, what it reads, how
//! it was chosen and calibrated, and how right it was on data it had not seen — so anyone
//! relying on a score can see what stands behind it.

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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataWindow {
    pub first_as_of: Option<String>,
    pub last_as_of: Option<String>,
    pub people: usize,
    /// Rows (person-months for panels) with a known outcome the model was fitted on.
    pub training_rows: usize,
    pub training_leavers: usize,
    /// SHA-256 over the training data's inputs, so a card names exactly what it learnt from.
    pub data_sha256: String,
}
