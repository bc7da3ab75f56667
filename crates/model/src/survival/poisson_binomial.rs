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
/// and the smallest k with P(N ≤ k) ≥ (1 + level)/2 — who of the people leaves being the
/// only uncertainty.
pub fn count_interval(probabilities: &[f64], level: f64) -> CountInterval {
    count_interval_with_level_uncertainty(probabilities, level, 0.0)
}

/// [`count_interval`] when the probabilities share an uncertain common factor too — how high
/// the organization's level of leaving really is: a log-normal multiplier with mean 1 and
/// log-scale standard deviation `level_sd`, integrated over by 9-point Gauss–Hermite
/// quadrature.
pub fn count_interval_with_level_uncertainty(
    probabilities: &[f64],
    level: f64,
    level_sd: f64,
) -> CountInterval {
    let nodes: Vec<(f64, CountDistribution)> = if level_sd > 0.0 {
        GAUSS_HERMITE
            .iter()
            .map(|&(x, w)| {
                let z = std::f64::consts::SQRT_2 * x;
                let factor = (level_sd * z - level_sd * level_sd / 2.0).exp();
                let scaled: Vec<f64> = probabilities
                    .iter()
                    .map(|p| (p * factor).min(1.0))
                    .collect();
                (
                    w / std::f64::consts::PI.sqrt(),
                    CountDistribution::of(&scaled),
                )
            })
            .collect()
    } else {
        vec![(1.0, CountDistribution::of(probabilities))]
    };
    let cdf = |k: f64| nodes.iter().map(|(w, d)| w * d.cdf(k)).sum::<f64>();
    let n = probabilities.len();
    CountInterval {
        people: n,
        expected: probabilities.iter().sum(),
        lower: search(cdf, (1.0 - level) / 2.0 - 1e-12, n),
        upper: search(cdf, (1.0 + level) / 2.0 - 1e-12, n),
        level,
    }
}

/// Physicists' Gauss–Hermite nodes and weights, 9 points (Abramowitz & Stegun, table 25.10).
const GAUSS_HERMITE: [(f64, f64); 9] = [
    (-3.190_993_201_781_528, 3.960_697_726_326e-5),
    (-2.266_580_584_531_843, 4.943_624_275_536_9e-3),
    (-1.468_553_289_216_668, 8.847_452_739_437_66e-2),
    (-0.723_551_018_752_837_6, 0.432_651_559_002_555_8),
    (0.0, 0.720_235_215_606_051),
    (0.723_551_018_752_837_6, 0.432_651_559_002_555_8),
    (1.468_553_289_216_668, 8.847_452_739_437_66e-2),
    (2.266_580_584_531_843, 4.943_624_275_536_9e-3),
    (3.190_993_201_781_528, 3.960_697_726_326e-5),
];

/// The count's distribution: exact for modest variances, the refined normal approximation above.
enum CountDistribution {
    Exact(Vec<f64>),
    Approximate { mean: f64, sd: f64, skew: f64 },
}

impl CountDistribution {
    fn of(probabilities: &[f64]) -> CountDistribution {
        let mean: f64 = probabilities.iter().sum();
        let variance: f64 = probabilities.iter().map(|p| p * (1.0 - p)).sum();
        if variance <= EXACT_UP_TO_VARIANCE {
            return CountDistribution::Exact(cumulative(&exact_distribution(probabilities)));
        }
        let skew = probabilities
            .iter()
            .map(|p| p * (1.0 - p) * (1.0 - 2.0 * p))
            .sum::<f64>()
            / variance.powf(1.5);
        CountDistribution::Approximate {
            mean,
            sd: variance.sqrt(),
            skew,
        }
    }

    fn cdf(&self, k: f64) -> f64 {
        match self {
            CountDistribution::Exact(cdf) => cdf[(k as usize).min(cdf.len() - 1)],
            CountDistribution::Approximate { mean, sd, skew } => {
                refined_normal_cdf(k, *mean, *sd, *skew)
            }
        }
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

#[cfg(test)]
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

    #[test]
    fn an_uncertain_level_widens_the_interval_as_the_normal_mixture_says() {
        // 1,000 people at 10%, level uncertain by 10%: variance ≈ 90 + (0.1 · 100)² = 190, so the
        // 90% interval is about 100 ± 1.645 · 13.8 (a little skewed to the right).
        let p = vec![0.1; 1000];
        let plain = count_interval(&p, 0.9);
        let wide = count_interval_with_level_uncertainty(&p, 0.9, 0.1);
        assert!((wide.expected - 100.0).abs() < 1e-9);
        assert!((75..=80).contains(&wide.lower), "{wide:?}");
        assert!((121..=127).contains(&wide.upper), "{wide:?}");
        assert!(wide.lower < plain.lower && wide.upper > plain.upper);
        assert_eq!(count_interval_with_level_uncertainty(&p, 0.9, 0.0), plain);
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
