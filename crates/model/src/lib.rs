//! tenure's model engine: panel features and labels, encoding them for learners (design), the
//! learners (logistic regression, LightGBM), probabilities that mean what they say
//! (calibration), explanations in plain words, abstention, scoring, model cards, and honest
//! measurement (metrics, cross-validation, rolling backtests).
//! Pure computation: callers bring the data and store the results.

pub mod abstention;
pub mod backtest;
pub mod bias_audit;
pub mod calibration;
pub mod card;
pub mod design;
pub mod evaluate;
pub mod explain;
pub mod fairness;
pub mod gbm;
pub mod logistic;
pub mod metrics;
pub mod panel;
pub mod policy;
pub mod scoring;
pub mod survival;
pub mod table;
pub mod trained;
mod wording;
