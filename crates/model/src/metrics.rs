//! Metrics of a binary warning: ranking (ROC AUC, PR AUC), probability quality (Brier,
//! log-loss, expected calibration error) and what a warning threshold yields (precision,
//! recall, lift). Definitions follow scikit-learn's, so figures compare one to one.

/// Area under the ROC curve: the chance that a random leaver scores above a random stayer,
/// ties counting half. `None` when only one class is present.
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Option<f64> {
    let order = ranked(scores);
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    // Sum of the positives' mid-ranks (Mann–Whitney U).
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let end = tie_end(&order, scores, start);
        let mid_rank = (start + end + 1) as f64 / 2.0; // ranks are 1-based
        rank_sum += mid_rank * order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
        start = end;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Average precision (scikit-learn's `average_precision_score`): precision at each threshold
/// weighted by the recall it adds. `None` without positives.
pub fn pr_auc(labels: &[bool], scores: &[f64]) -> Option<f64> {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return None;
    }
    let mut order = ranked(scores);
    order.reverse();
    let (mut true_positives, mut seen, mut area, mut previous_recall) = (0usize, 0usize, 0.0, 0.0);
    let mut start = 0;
    while start < order.len() {
        let end = tie_end(&order, scores, start);
        true_positives += order[start..end].iter().filter(|&&i| labels[i]).count();
        seen += end - start;
        let recall = true_positives as f64 / positives as f64;
        area += (recall - previous_recall) * true_positives as f64 / seen as f64;
        previous_recall = recall;
        start = end;
    }
    Some(area)
}

/// Mean squared difference between probability and outcome.
pub fn brier(labels: &[bool], probabilities: &[f64]) -> f64 {
    let total: f64 = labels
        .iter()
        .zip(probabilities)
        .map(|(&l, &p)| (p - f64::from(u8::from(l))).powi(2))
        .sum();
    total / labels.len().max(1) as f64
}

/// Mean negative log-likelihood, with probabilities clipped away from 0 and 1.
pub fn log_loss(labels: &[bool], probabilities: &[f64]) -> f64 {
    let total: f64 = labels
        .iter()
        .zip(probabilities)
        .map(|(&l, &p)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -if l { p.ln() } else { (1.0 - p).ln() }
        })
        .sum();
    total / labels.len().max(1) as f64
}

/// Expected calibration error over `bins` equal-width probability bins: the gap between mean
/// probability and observed rate, weighted by each bin's share of rows.
pub fn expected_calibration_error(labels: &[bool], probabilities: &[f64], bins: usize) -> f64 {
    let mut sums = vec![(0.0, 0.0); bins];
    for (&l, &p) in labels.iter().zip(probabilities) {
        let bin = ((p * bins as f64) as usize).min(bins - 1);
        sums[bin].0 += p;
        sums[bin].1 += f64::from(u8::from(l));
    }
    let n = labels.len().max(1) as f64;
    sums.iter().map(|(p, y)| (p - y).abs() / n).sum()
}

/// The figures reported for a set of held-out probabilities.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub n: usize,
    pub positives: usize,
    pub roc_auc: f64,
    pub pr_auc: f64,
    pub brier: f64,
    pub log_loss: f64,
    pub expected_calibration_error: f64,
    pub top_10_percent: ThresholdOutcome,
    /// The probability from which a warning is raised (the High band), and what it gives.
    pub warning_threshold: f64,
    pub at_warning_threshold: ThresholdOutcome,
}

impl Summary {
    /// Figures with warnings at the default High threshold.
    pub fn of(labels: &[bool], probabilities: &[f64]) -> Summary {
        Self::with_warning_threshold(
            labels,
            probabilities,
            tenure_domain::RiskThresholds::default().high,
        )
    }

    pub fn with_warning_threshold(
        labels: &[bool],
        probabilities: &[f64],
        warning_threshold: f64,
    ) -> Summary {
        Summary {
            warning_threshold,
            at_warning_threshold: at_threshold(labels, probabilities, warning_threshold),
            n: labels.len(),
            positives: labels.iter().filter(|&&l| l).count(),
            roc_auc: roc_auc(labels, probabilities).unwrap_or(0.5),
            pr_auc: pr_auc(labels, probabilities).unwrap_or(0.0),
            brier: brier(labels, probabilities),
            log_loss: log_loss(labels, probabilities),
            expected_calibration_error: expected_calibration_error(labels, probabilities, 10),
            top_10_percent: at_top_share(labels, probabilities, 0.10),
        }
    }
}

/// What warning the top `share` of people (by score) would give.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThresholdOutcome {
    pub flagged: usize,
    pub precision: f64,
    pub recall: f64,
    /// Precision divided by the base rate: how many times better than warning at random.
    pub lift: f64,
}

pub fn at_top_share(labels: &[bool], scores: &[f64], share: f64) -> ThresholdOutcome {
    let flagged = ((labels.len() as f64 * share).round() as usize).clamp(1, labels.len().max(1));
    let mut order = ranked(scores);
    order.reverse();
    outcome(labels, &order[..flagged.min(order.len())])
}

/// Warnings for everyone scoring at or above `threshold`.
pub fn at_threshold(labels: &[bool], scores: &[f64], threshold: f64) -> ThresholdOutcome {
    let flagged: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= threshold)
        .collect();
    outcome(labels, &flagged)
}

fn outcome(labels: &[bool], flagged: &[usize]) -> ThresholdOutcome {
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let hits = flagged.iter().filter(|&&i| labels[i]).count() as f64;
    let precision = if flagged.is_empty() {
        0.0
    } else {
        hits / flagged.len() as f64
    };
    let base_rate = positives / labels.len().max(1) as f64;
    ThresholdOutcome {
        flagged: flagged.len(),
        precision,
        recall: if positives > 0.0 {
            hits / positives
        } else {
            0.0
        },
        lift: if base_rate > 0.0 {
            precision / base_rate
        } else {
            0.0
        },
    }
}

/// Row indices sorted by ascending score (NaN last).
fn ranked(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order
}

fn tie_end(order: &[usize], scores: &[f64], start: usize) -> usize {
    let value = scores[order[start]];
    start
        + order[start..]
            .iter()
            .take_while(|&&i| scores[i] == value)
            .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LABELS: [bool; 4] = [false, false, true, true];
    const SCORES: [f64; 4] = [0.1, 0.4, 0.35, 0.8];

    #[test]
    fn roc_auc_matches_scikit_learn() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        assert!((roc_auc(&LABELS, &SCORES).unwrap() - 0.75).abs() < 1e-12);
        // Ties count half: roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == 0.875
        assert!(
            (roc_auc(&[false, true, false, true], &[0.5, 0.5, 0.2, 0.9]).unwrap() - 0.875).abs()
                < 1e-12
        );
        assert_eq!(roc_auc(&[true, true], &[0.1, 0.2]), None);
    }

    #[test]
    fn pr_auc_matches_scikit_learn_average_precision() {
        // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333…
        assert!((pr_auc(&LABELS, &SCORES).unwrap() - 5.0 / 6.0).abs() < 1e-12);
        // With a tie at the top: average_precision_score([1, 0, 1], [0.9, 0.9, 0.1]) == 0.5833…
        assert!(
            (pr_auc(&[true, false, true], &[0.9, 0.9, 0.1]).unwrap() - 7.0 / 12.0).abs() < 1e-12
        );
    }

    #[test]
    fn brier_and_log_loss_match_scikit_learn() {
        // brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) == 0.0375
        let labels = [false, true, true, false];
        let p = [0.1, 0.9, 0.8, 0.3];
        assert!((brier(&labels, &p) - 0.0375).abs() < 1e-12);
        // log_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) == 0.1976349..., i.e. −(2 ln 0.9 + ln 0.8 + ln 0.7) / 4
        let expected = -(2.0 * 0.9f64.ln() + 0.8f64.ln() + 0.7f64.ln()) / 4.0;
        assert!(
            (log_loss(&labels, &p) - expected).abs() < 1e-12
                && (expected - 0.197634881642).abs() < 1e-9
        );
    }

    #[test]
    fn calibration_error_is_zero_when_rates_match_probabilities() {
        let labels = [true, false, false, false, true, true, true, false];
        let p = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
        assert!(expected_calibration_error(&labels, &p, 10).abs() < 1e-12);
        assert!((expected_calibration_error(&[true, true], &[0.5, 0.5], 10) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn top_share_precision_recall_and_lift() {
        let outcome = at_top_share(&LABELS, &SCORES, 0.5);
        assert_eq!(outcome.flagged, 2);
        assert!(
            (outcome.precision - 0.5).abs() < 1e-12
                && (outcome.recall - 0.5).abs() < 1e-12
                && (outcome.lift - 1.0).abs() < 1e-12
        );
        let at = at_threshold(&LABELS, &SCORES, 0.35);
        assert_eq!(at.flagged, 3);
    }

    proptest! {
        #[test]
        fn roc_auc_is_a_probability_and_flips_with_the_scores(scores in proptest::collection::vec(0.0f64..1.0, 4..60)) {
            let labels: Vec<bool> = (0..scores.len()).map(|i| i % 3 == 0).collect();
            let auc = roc_auc(&labels, &scores).unwrap();
            prop_assert!((0.0..=1.0).contains(&auc));
            let flipped: Vec<f64> = scores.iter().map(|s| -s).collect();
            prop_assert!((roc_auc(&labels, &flipped).unwrap() - (1.0 - auc)).abs() < 1e-9);
        }
    }
}
