//! Turning scores into probabilities that mean what they say: isotonic regression (pool
//! adjacent violators) and Platt scaling, each fitted on out-of-fold scores.

use crate::metrics::brier;

/// A fitted map from raw score to calibrated probability.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Calibrator {
    /// The learner's own probability, sigmoid(raw score): kept when it is already honest.
    Identity,
    /// Step function through the pooled blocks: (upper score of block, probability).
    Isotonic {
        thresholds: Vec<f64>,
        values: Vec<f64>,
    },
    /// p = 1 / (1 + exp(−(a·score + b))).
    Platt { a: f64, b: f64 },
}

impl Calibrator {
    pub fn apply(&self, score: f64) -> f64 {
        match self {
            Calibrator::Identity => sigmoid(score),
            Calibrator::Platt { a, b } => sigmoid(a * score + b),
            Calibrator::Isotonic { thresholds, values } => interpolate(thresholds, values, score),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Calibrator::Identity => "none",
            Calibrator::Isotonic { .. } => "isotonic",
            Calibrator::Platt { .. } => "platt",
        }
    }
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Isotonic regression of outcomes on scores, as scikit-learn's `IsotonicRegression`
/// (increasing, with ties pooled, predictions interpolated linearly and clipped at the ends).
pub fn fit_isotonic(scores: &[f64], labels: &[bool]) -> Calibrator {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Blocks of (score, mean outcome, weight); equal scores start pooled.
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    for &i in &order {
        let y = f64::from(u8::from(labels[i]));
        match blocks.last_mut() {
            Some(last) if last.0 == scores[i] => {
                last.1 = (last.1 * last.2 + y) / (last.2 + 1.0);
                last.2 += 1.0;
            }
            _ => blocks.push((scores[i], y, 1.0)),
        }
    }
    let (x, y, w): (Vec<f64>, Vec<f64>, Vec<f64>) =
        blocks
            .into_iter()
            .fold((vec![], vec![], vec![]), |mut acc, (x, y, w)| {
                acc.0.push(x);
                acc.1.push(y);
                acc.2.push(w);
                acc
            });
    let fitted = pool_adjacent_violators(&y, &w);
    Calibrator::Isotonic {
        thresholds: x,
        values: fitted,
    }
}

/// The increasing sequence closest to `y` in weighted least squares.
pub fn pool_adjacent_violators(y: &[f64], w: &[f64]) -> Vec<f64> {
    // Stack of pooled blocks: (mean, weight, count).
    let mut stack: Vec<(f64, f64, usize)> = Vec::with_capacity(y.len());
    for (&value, &weight) in y.iter().zip(w) {
        stack.push((value, weight, 1));
        while stack.len() > 1 && stack[stack.len() - 2].0 > stack[stack.len() - 1].0 {
            let (m2, w2, c2) = stack.pop().expect("two blocks");
            let (m1, w1, c1) = stack.pop().expect("two blocks");
            stack.push(((m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2));
        }
    }
    stack
        .into_iter()
        .flat_map(|(mean, _, count)| std::iter::repeat_n(mean, count))
        .collect()
}

fn interpolate(x: &[f64], y: &[f64], at: f64) -> f64 {
    if x.is_empty() {
        return 0.5;
    }
    if at <= x[0] {
        return y[0];
    }
    let last = x.len() - 1;
    if at >= x[last] {
        return y[last];
    }
    let upper = x.partition_point(|&v| v < at);
    let (x0, x1, y0, y1) = (x[upper - 1], x[upper], y[upper - 1], y[upper]);
    if x1 == x0 {
        y1
    } else {
        y0 + (y1 - y0) * (at - x0) / (x1 - x0)
    }
}

/// Platt scaling: logistic regression of the outcome on the score, with Platt's smoothed
/// targets so a perfectly separable fold does not give infinite slopes.
pub fn fit_platt(scores: &[f64], labels: &[bool]) -> Calibrator {
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    let high = (positives + 1.0) / (positives + 2.0);
    let low = 1.0 / (negatives + 2.0);
    let targets: Vec<f64> = labels.iter().map(|&l| if l { high } else { low }).collect();
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..100 {
        // Newton step on the cross-entropy in (a, b).
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for (&s, &t) in scores.iter().zip(&targets) {
            let p = sigmoid(a * s + b);
            let (d, v) = (p - t, p * (1.0 - p));
            ga += d * s;
            gb += d;
            haa += v * s * s;
            hab += v * s;
            hbb += v;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-300 {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        a -= da;
        b -= db;
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            break;
        }
    }
    Calibrator::Platt { a, b }
}

/// Picks the calibration of out-of-fold raw scores with the lowest held-out Brier score —
/// none, isotonic or Platt — by fitting on one half of the rows and checking on the other,
/// both ways round, then refits the winner on all rows.
pub fn choose(scores: &[f64], labels: &[bool]) -> Calibrator {
    choose_among(
        scores,
        labels,
        &[|_, _| Calibrator::Identity, fit_isotonic, fit_platt],
    )
}

/// [`choose`] between the strictly increasing calibrations only — none or Platt. Survival
/// curves multiply many monthly hazards: isotonic steps would give people with different
/// scores the same hazard, month after month, and erase their ranking.
pub fn choose_smooth(scores: &[f64], labels: &[bool]) -> Calibrator {
    choose_among(scores, labels, &[|_, _| Calibrator::Identity, fit_platt])
}

type Fit = fn(&[f64], &[bool]) -> Calibrator;

fn choose_among(scores: &[f64], labels: &[bool], candidates: &[Fit]) -> Calibrator {
    let (a, b): (Vec<usize>, Vec<usize>) = (0..scores.len()).partition(|i| i % 2 == 0);
    let pick = |rows: &[usize]| -> (Vec<f64>, Vec<bool>) {
        (
            rows.iter().map(|&i| scores[i]).collect(),
            rows.iter().map(|&i| labels[i]).collect(),
        )
    };
    let (halves_a, halves_b) = (pick(&a), pick(&b));
    let held_out_brier = |fit: Fit| -> f64 {
        let mut total = 0.0;
        for (train, check) in [(&halves_a, &halves_b), (&halves_b, &halves_a)] {
            let calibrator = fit(&train.0, &train.1);
            let p: Vec<f64> = check.0.iter().map(|&s| calibrator.apply(s)).collect();
            total += brier(&check.1, &p) * check.1.len() as f64;
        }
        total
    };
    let best = candidates
        .iter()
        .min_by(|x, y| held_out_brier(**x).total_cmp(&held_out_brier(**y)))
        .expect("a candidate");
    best(scores, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_adjacent_violators_matches_scikit_learn() {
        // IsotonicRegression().fit_transform(range(6), [1, 3, 2, 4, 3, 5]) == [1, 2.5, 2.5, 3.5, 3.5, 5]
        let fitted = pool_adjacent_violators(&[1.0, 3.0, 2.0, 4.0, 3.0, 5.0], &[1.0; 6]);
        assert_eq!(fitted, vec![1.0, 2.5, 2.5, 3.5, 3.5, 5.0]);
    }

    #[test]
    fn isotonic_interpolates_between_blocks_and_clips_outside() {
        let scores = [0.1, 0.2, 0.3, 0.4];
        let labels = [false, true, false, true];
        let c = fit_isotonic(&scores, &labels);
        // Blocks: 0 at 0.1, 0.5 at 0.2 and 0.3 (pooled), 1 at 0.4.
        assert_eq!(c.apply(0.0), 0.0);
        assert!((c.apply(0.25) - 0.5).abs() < 1e-12);
        assert!((c.apply(0.35) - 0.75).abs() < 1e-12);
        assert_eq!(c.apply(0.9), 1.0);
    }

    #[test]
    fn platt_recovers_a_known_logistic_relation() {
        // Outcomes drawn deterministically from p = sigmoid(2s − 1) over a fine grid.
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        for i in 0..400 {
            let s = -3.0 + 6.0 * i as f64 / 400.0;
            let p = sigmoid(2.0 * s - 1.0);
            for k in 0..200 {
                scores.push(s);
                labels.push((k as f64 + 0.5) / 200.0 < p);
            }
        }
        let Calibrator::Platt { a, b } = fit_platt(&scores, &labels) else {
            unreachable!()
        };
        assert!(
            (a - 2.0).abs() < 0.05 && (b + 1.0).abs() < 0.05,
            "a {a}, b {b}"
        );
    }
}
