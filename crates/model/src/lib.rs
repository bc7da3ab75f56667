//! tenure's model engine: encoding snapshots for learners (design), the learners themselves
//! (logistic regression), turning raw scores into probabilities that mean what they say
//! (calibration), and measuring both honestly (metrics, cross-validated evaluation).
//! Pure computation: callers bring the data and store the results.

pub mod calibration;
pub mod metrics;
pub mod design;
pub mod logistic;
pub mod evaluate;
pub mod gbm;
pub mod panel;
pub mod backtest;
