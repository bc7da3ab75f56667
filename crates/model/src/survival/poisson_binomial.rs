//! How many of a group will leave: the sum of independent yes/no outcomes with each person's
//! own probability follows the Poisson-binomial distribution. Its quantiles give the interval
//! around the expected count — exactly by convolution for teams and departments, and by the
//! skew-corrected ("refined") normal approximation once the variance is large enough for it
//! to agree with the exact answer to well under one person.

use super::stats::normal_cdf;

/// Above this variance the refined normal approximation is used (its error in the CDF is
/// then below 1e-3 while the exact convolution would cost n × width operations).
const EXACT_UP_TO_VARIANCE: f64 = 400.0;

/// An expected count with a two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountInterval {
    pub people: usize,
    pub expected: f64,
    pub lower: u64,
    pub upper: u64,
    /// The interval's probability, e.g. 0.9.
    pub level: f64,
}

/// The central `level` interval of the count: the smallest k with P(N ≤ k) ≥ (1 − level)/2,
/// and the smallest k with P(N ≤ k) ≥ (1 + level)/2.
pub fn count_interval(probabilities: &[f64], level: f64) -> CountInterval {
    let expected: f64 = probabilities.iter().sum();
    let variance: f64 = probabilities.iter().map(|p| p * (1.0 - p)).sum();
    let (low_tail, high_tail) = ((1.0 - level) / 2.0, (1.0 + level) / 2.0);
    let (lower, upper) = if variance <= EXACT_UP_TO_VARIANCE {
        let cdf = cumulative(&exact_distribution(probabilities));
        (quantile(&cdf, low_tail), quantile(&cdf, high_tail))
    } else {
        let skew: f64 = probabilities
            .iter()
            .map(|p| p * (1.0 - p) * (1.0 - 2.0 * p))
            .sum::<f64>()
            / variance.powf(1.5);
        let cdf = |k: f64| refined_normal_cdf(k, expected, variance.sqrt(), skew);
        (
            search(cdf, low_tail, probabilities.len()),
            search(cdf, high_tail, probabilities.len()),
        )
    };
    CountInterval {
        people: probabilities.len(),
        expected,
        lower,
        upper,
        level,
    }
}

/// P(N = k) for k = 0..=n by adding one person at a time.
pub fn exact_distribution(probabilities: &[f64]) -> Vec<f64> {
    let mut pmf = vec![1.0];
    for &p in probabilities {
        pmf.push(0.0);
        for k in (1..pmf.len()).rev() {
            pmf[k] = pmf[k] * (1.0 - p) + pmf[k - 1] * p;
        }
        pmf[0] *= 1.0 - p;
    }
    pmf
}

fn cumulative(pmf: &[f64]) -> Vec<f64> {
    pmf.iter()
        .scan(0.0, |sum, p| {
            *sum += p;
            Some(*sum)
        })
        .collect()
}

fn quantile(cdf: &[f64], q: f64) -> u64 {
    // A hair of tolerance: sums of floating-point products land a few ulps short of exact.
    cdf.iter()
        .position(|&c| c >= q - 1e-12)
        .unwrap_or(cdf.len() - 1) as u64
}

/// Volkova's refined normal approximation of P(N ≤ k), with the continuity correction.
fn refined_normal_cdf(k: f64, mean: f64, sd: f64, skew: f64) -> f64 {
    let x = (k + 0.5 - mean) / sd;
    let density = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (normal_cdf(x) + skew * (1.0 - x * x) * density / 6.0).clamp(0.0, 1.0)
}

/// The smallest k in 0..=n with cdf(k) ≥ q (cdf is non-decreasing over the search range).
fn search(cdf: impl Fn(f64) -> f64, q: f64, n: usize) -> u64 {
    let (mut low, mut high) = (0u64, n as u64);
    while low < high {
        let middle = (low + high) / 2;
        if cdf(middle as f64) >= q {
            high = middle
        } else {
            low = middle + 1
        }
    }
    low
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_probabilities_give_the_binomial() {
        // Binomial(10, 0.3): P(N = 3) = 0.266827932, P(N ≤ 1) = 0.149308346.
        let pmf = exact_distribution(&[0.3; 10]);
        assert!((pmf[3] - 0.266827932).abs() < 1e-9);
        assert!((pmf[0] + pmf[1] - 0.149308346).abs() < 1e-9);
        // scipy.stats.binom(10, 0.3).interval(0.9) = (1, 5).
        let interval = count_interval(&[0.3; 10], 0.9);
        assert_eq!((interval.lower, interval.upper), (1, 5));
        assert!((interval.expected - 3.0).abs() < 1e-12);
    }

    #[test]
    fn the_approximation_agrees_with_the_exact_interval_for_large_groups() {
        // Variance ≈ 690, past the switch: checked against the exact convolution.
        let probabilities: Vec<f64> = (0..4000)
            .map(|i| 0.05 + 0.4 * (i % 10) as f64 / 10.0)
            .collect();
        let approximate = count_interval(&probabilities, 0.9);
        let cdf = cumulative(&exact_distribution(&probabilities));
        let (lower, upper) = (quantile(&cdf, 0.05), quantile(&cdf, 0.95));
        assert!(
            approximate.lower.abs_diff(lower) <= 1,
            "{} vs {lower}",
            approximate.lower
        );
        assert!(
            approximate.upper.abs_diff(upper) <= 1,
            "{} vs {upper}",
            approximate.upper
        );
    }

    proptest! {
        #[test]
        fn the_interval_holds_the_mean_and_the_pmf_sums_to_one(
            probabilities in proptest::collection::vec(0.0f64..1.0, 1..200)
        ) {
            let pmf = exact_distribution(&probabilities);
            prop_assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let interval = count_interval(&probabilities, 0.9);
            prop_assert!(interval.lower as f64 <= interval.expected.ceil());
            prop_assert!(interval.upper as f64 >= interval.expected.floor());
            prop_assert!(interval.upper as usize <= probabilities.len());
        }
    }
}
