//! Risk bands: the organization's thresholds that turn a probability of leaving into High,
//! Medium or Low, and the rule that a person with too little data gets no band at all.

use serde::{Deserialize, Serialize};

/// Probabilities (within the model's horizon) from which a person is Medium or High risk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskThresholds {
    pub high: f64,
    pub medium: f64,
}

impl Default for RiskThresholds {
    /// About two and five times a typical six-month voluntary attrition rate of 5–8%.
    fn default() -> Self {
        RiskThresholds {
            high: 0.25,
            medium: 0.10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("risk thresholds need 0 < medium < high < 1; got medium {medium} and high {high}")]
pub struct ThresholdError {
    pub high: f64,
    pub medium: f64,
}

impl RiskThresholds {
    pub fn new(high: f64, medium: f64) -> Result<Self, ThresholdError> {
        if 0.0 < medium && medium < high && high < 1.0 {
            Ok(RiskThresholds { high, medium })
        } else {
            Err(ThresholdError { high, medium })
        }
    }

    pub fn band(&self, probability: f64) -> RiskBand {
        if probability >= self.high {
            RiskBand::High
        } else if probability >= self.medium {
            RiskBand::Medium
        } else {
            RiskBand::Low
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskBand {
    High,
    Medium,
    Low,
    /// Too little history or too many missing inputs: reported, never guessed.
    NotEnoughData,
}

impl RiskBand {
    pub fn key(self) -> &'static str {
        match self {
            RiskBand::High => "high",
            RiskBand::Medium => "medium",
            RiskBand::Low => "low",
            RiskBand::NotEnoughData => "not_enough_data",
        }
    }

    pub fn parse(key: &str) -> Option<RiskBand> {
        [
            RiskBand::High,
            RiskBand::Medium,
            RiskBand::Low,
            RiskBand::NotEnoughData,
        ]
        .into_iter()
        .find(|b| b.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskBand::High => "High",
            RiskBand::Medium => "Medium",
            RiskBand::Low => "Low",
            RiskBand::NotEnoughData => "not enough data",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_thresholds_inclusively() {
        let t = RiskThresholds::new(0.3, 0.1).unwrap();
        assert_eq!(t.band(0.3), RiskBand::High);
        assert_eq!(t.band(0.29), RiskBand::Medium);
        assert_eq!(t.band(0.1), RiskBand::Medium);
        assert_eq!(t.band(0.05), RiskBand::Low);
    }

    #[test]
    fn thresholds_must_be_ordered_probabilities() {
        assert!(RiskThresholds::new(0.1, 0.3).is_err());
        assert!(RiskThresholds::new(1.0, 0.3).is_err());
        assert!(RiskThresholds::new(0.3, 0.0).is_err());
        for band in [
            RiskBand::High,
            RiskBand::Medium,
            RiskBand::Low,
            RiskBand::NotEnoughData,
        ] {
            assert_eq!(RiskBand::parse(band.key()), Some(band));
        }
    }
}
