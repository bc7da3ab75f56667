//! Risk bands: the organization's thresholds that turn a probability of leaving into High,
//! Medium or Low — fixed, or relative: set at each run over the whole organization so that
//! chosen shares of its people are High and Medium — and the rule that a person with too
//! little data gets no band at all.

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

/// Bands by rank: the `top` share of the people scored High, the `next` share Medium. A
/// fixed 25% suits no organization's base rate; a share suits HR's capacity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RelativeBands {
    pub top: f64,
    pub next: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("relative bands need shares with 0 < top ≤ 0.5, 0 < next ≤ 0.8 and top + next < 1 (0.05 and 0.15: the top 5% High, the next 15% Medium); got top {top} and next {next}")]
pub struct RelativeBandsError {
    pub top: f64,
    pub next: f64,
}

impl RelativeBands {
    pub fn new(top: f64, next: f64) -> Result<Self, RelativeBandsError> {
        if 0.0 < top && top <= 0.5 && 0.0 < next && next <= 0.8 && top + next < 1.0 {
            Ok(RelativeBands { top, next })
        } else {
            Err(RelativeBandsError { top, next })
        }
    }

    /// The thresholds that put these shares of `probabilities` in High and Medium: the
    /// lowest probability among the top share, and among the top and next shares. Ties at a
    /// threshold all join the higher band. `None` with no probability.
    pub fn thresholds(&self, probabilities: &[f64]) -> Option<RiskThresholds> {
        let mut sorted: Vec<f64> = probabilities
            .iter()
            .copied()
            .filter(|p| p.is_finite())
            .collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(|a, b| b.total_cmp(a));
        let n = sorted.len();
        let at = |share: f64| sorted[((share * n as f64).round() as usize).clamp(1, n) - 1];
        // RiskThresholds needs 0 < medium < high < 1, whatever the scores.
        let high = at(self.top).clamp(2e-9, 1.0 - 1e-9);
        let medium = at(self.top + self.next).min(high - 1e-9).max(1e-9);
        Some(RiskThresholds { high, medium })
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
    fn relative_bands_hold_their_shares() {
        // Every size and spread: the top share is High and the next Medium, to the person.
        for n in [1usize, 7, 20, 99, 400, 2_000] {
            for (top, next) in [(0.05, 0.15), (0.1, 0.2), (0.02, 0.5)] {
                let bands = RelativeBands::new(top, next).unwrap();
                let probabilities: Vec<f64> = (0..n)
                    .map(|i| ((i * 7919) % n) as f64 / (n as f64 * 1.5) + 0.001)
                    .collect();
                let t = bands.thresholds(&probabilities).unwrap();
                let count = |band| probabilities.iter().filter(|&&p| t.band(p) == band).count();
                let share = |s: f64| ((s * n as f64).round() as usize).clamp(1, n);
                assert_eq!(count(RiskBand::High), share(top), "{n} {top}");
                assert_eq!(
                    count(RiskBand::High) + count(RiskBand::Medium),
                    share(top + next).max(share(top)),
                    "{n} {top} {next}"
                );
            }
        }
        assert_eq!(
            RelativeBands::new(0.05, 0.15).unwrap().thresholds(&[]),
            None
        );
        // Everyone at one probability: all High, and the thresholds still valid.
        let t = RelativeBands::new(0.05, 0.15)
            .unwrap()
            .thresholds(&[0.3; 50])
            .unwrap();
        assert!(RiskThresholds::new(t.high, t.medium).is_ok());
        assert!(RelativeBands::new(0.6, 0.1).is_err());
        assert!(RelativeBands::new(0.3, 0.7).is_err());
        assert!(RelativeBands::new(0.0, 0.1).is_err());
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
