//! L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted
//! least squares). HR designs have tens to a few hundred features, where an exact Newton step
//! is cheap and converges in a handful of iterations, with no learning rate to tune.

use crate::calibration::sigmoid;

/// A fitted logistic model: intercept plus one weight per feature.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogisticModel {
    pub intercept: f64,
    pub weights: Vec<f64>,
}

impl LogisticModel {
    /// Log-odds of one row.
    pub fn raw_score(&self, row: &[f32]) -> f64 {
        self.intercept
            + self
                .weights
                .iter()
                .zip(row)
                .map(|(w, &x)| w * f64::from(x))
                .sum::<f64>()
    }

    /// Each feature's term in the log-odds: the linear model's exact explanation.
    pub fn contributions(&self, row: &[f32]) -> Vec<f64> {
        self.weights
            .iter()
            .zip(row)
            .map(|(w, &x)| w * f64::from(x))
            .collect()
    }
}

/// Minimises Σ log-loss + (λ/2)·‖w‖² over a row-major matrix `x` of `width` columns; the
/// intercept is not penalised (as scikit-learn's `LogisticRegression(C = 1/λ)`).
pub fn fit_logistic(x: &[f32], width: usize, labels: &[bool], lambda: f64) -> LogisticModel {
    fit_logistic_from(x, width, labels, lambda, None)
}

/// As [`fit_logistic`], starting from `start` (the fit at a nearby penalty saves most of the
/// Newton steps when a path of penalties is tried on large panels).
pub fn fit_logistic_from(
    x: &[f32],
    width: usize,
    labels: &[bool],
    lambda: f64,
    start: Option<&LogisticModel>,
) -> LogisticModel {
    fit_weighted_logistic(x, width, labels, None, lambda, start)
}

/// Rows whose curvature the Newton step reads, at most. The gradient and the loss always
/// read every row, so the fit converges to the same optimum; past this many rows a sample
/// of the Hessian steers as well as the whole of it (the line search keeps every step a
/// descent), and the Hessian was nine tenths of a panel's fitting time.
const HESSIAN_ROWS: usize = 40_000;

/// As [`fit_logistic_from`], each row counting `weights[i]` times (all once when `None`):
/// rows sampled at a known rate count for the rows they stand for.
pub fn fit_weighted_logistic(
    x: &[f32],
    width: usize,
    labels: &[bool],
    weights: Option<&[f32]>,
    lambda: f64,
    start: Option<&LogisticModel>,
) -> LogisticModel {
    let n = labels.len();
    let dim = width + 1; // intercept last
    let mut beta = vec![0.0; dim];
    let weight = |i: usize| weights.map_or(1.0, |w| f64::from(w[i]));
    let (positives, total) = (0..n).fold((0.0, 0.0), |(p, t), i| {
        (p + if labels[i] { weight(i) } else { 0.0 }, t + weight(i))
    });
    beta[width] = ((positives + 0.5) / (total - positives + 0.5)).ln();
    if let Some(start) = start.filter(|s| s.weights.len() == width) {
        beta[..width].copy_from_slice(&start.weights);
        beta[width] = start.intercept;
    }
    let data = Rows {
        x,
        width,
        labels,
        weights,
    };
    let mut previous_loss = f64::INFINITY;
    for _ in 0..100 {
        let (gradient, loss) = gradient_and_loss(&data, lambda, &beta);
        let hessian = hessian(&data, lambda, &beta);
        let step = solve_cholesky(hessian, dim, &gradient);
        let mut scale = 1.0;
        // Backtrack if a full step would increase the penalised loss.
        loop {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - scale * s).collect();
            if penalised_loss(&data, lambda, &candidate) <= loss + 1e-12 || scale < 1e-6 {
                beta = candidate;
                break;
            }
            scale *= 0.5;
        }
        if (previous_loss - loss).abs() < 1e-10 * (1.0 + loss.abs()) {
            break;
        }
        previous_loss = loss;
    }
    let intercept = beta.pop().expect("intercept");
    LogisticModel {
        intercept,
        weights: beta,
    }
}

/// The rows a fit reads.
struct Rows<'a> {
    x: &'a [f32],
    width: usize,
    labels: &'a [bool],
    weights: Option<&'a [f32]>,
}

impl Rows<'_> {
    fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.width..(i + 1) * self.width]
    }

    fn weight(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| f64::from(w[i]))
    }
}

fn linear(row: &[f32], beta: &[f64], width: usize) -> f64 {
    beta[width]
        + row
            .iter()
            .zip(&beta[..width])
            .map(|(&x, b)| f64::from(x) * b)
            .sum::<f64>()
}

fn penalised_loss(data: &Rows<'_>, lambda: f64, beta: &[f64]) -> f64 {
    let width = data.width;
    let loss: f64 = (0..data.labels.len())
        .map(|i| data.weight(i) * log_loss_term(linear(data.row(i), beta, width), data.labels[i]))
        .sum();
    loss + 0.5 * lambda * beta[..width].iter().map(|b| b * b).sum::<f64>()
}

/// −log P(y | z) computed stably from the log-odds z.
fn log_loss_term(z: f64, y: bool) -> f64 {
    let z = if y { -z } else { z };
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Gradient and penalised loss at `beta`, over every row.
fn gradient_and_loss(data: &Rows<'_>, lambda: f64, beta: &[f64]) -> (Vec<f64>, f64) {
    let width = data.width;
    let mut gradient = vec![0.0; width + 1];
    let mut loss = 0.0;
    for i in 0..data.labels.len() {
        let (row, y, w) = (data.row(i), data.labels[i], data.weight(i));
        let z = linear(row, beta, width);
        loss += w * log_loss_term(z, y);
        let residual = w * (sigmoid(z) - f64::from(u8::from(y)));
        for (g, &x) in gradient.iter_mut().zip(row) {
            *g += residual * f64::from(x);
        }
        gradient[width] += residual;
    }
    for i in 0..width {
        gradient[i] += lambda * beta[i];
        loss += 0.5 * lambda * beta[i] * beta[i];
    }
    (gradient, loss)
}

/// The Hessian (dense, row-major) of the penalised loss at `beta`, from every row or, past
/// [`HESSIAN_ROWS`], from evenly spaced rows counted for the rows between them; split
/// between two threads.
fn hessian(data: &Rows<'_>, lambda: f64, beta: &[f64]) -> Vec<f64> {
    let (n, width) = (data.labels.len(), data.width);
    let dim = width + 1;
    let stride = n.div_ceil(HESSIAN_ROWS).max(1);
    let sampled: Vec<usize> = (0..n).step_by(stride).collect();
    let scale = n as f64 / sampled.len().max(1) as f64;
    let half = sampled.len() / 2;
    let (first, second) = sampled.split_at(half);
    let part = |rows: &[usize]| {
        let mut hessian = vec![0.0; dim * dim];
        let mut extended = vec![0.0; dim];
        for &i in rows {
            let row = data.row(i);
            let p = sigmoid(linear(row, beta, width));
            let weight = scale * data.weight(i) * (p * (1.0 - p)).max(1e-12);
            for (e, &x) in extended[..width].iter_mut().zip(row) {
                *e = f64::from(x);
            }
            extended[width] = 1.0;
            for k in 0..dim {
                let xk = extended[k];
                if xk == 0.0 {
                    continue; // one-hot rows are mostly zeros
                }
                let wxk = weight * xk;
                let hessian_row = &mut hessian[k * dim..k * dim + dim];
                for (h, xj) in hessian_row[..=k].iter_mut().zip(&extended[..=k]) {
                    *h += wxk * xj;
                }
            }
        }
        hessian
    };
    let mut hessian = if sampled.len() < 2_000 {
        part(&sampled)
    } else {
        std::thread::scope(|scope| {
            let other = scope.spawn(|| part(second));
            let mut mine = part(first);
            let theirs = other.join().expect("the Hessian's other half");
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
            mine
        })
    };
    for i in 0..width {
        hessian[i * dim + i] += lambda;
    }
    // Mirror the lower triangle and steady a singular intercept-only corner.
    for i in 0..dim {
        for j in 0..i {
            hessian[j * dim + i] = hessian[i * dim + j];
        }
    }
    hessian[dim * dim - 1] += 1e-9;
    hessian
}

/// Solves `a·x = b` for symmetric positive-definite `a` (row-major, `dim`×`dim`).
fn solve_cholesky(mut a: Vec<f64>, dim: usize, b: &[f64]) -> Vec<f64> {
    for j in 0..dim {
        let mut diagonal =
            a[j * dim + j] - (0..j).map(|k| a[j * dim + k] * a[j * dim + k]).sum::<f64>();
        diagonal = diagonal.max(1e-12).sqrt();
        a[j * dim + j] = diagonal;
        for i in j + 1..dim {
            let dot: f64 = (0..j).map(|k| a[i * dim + k] * a[j * dim + k]).sum();
            a[i * dim + j] = (a[i * dim + j] - dot) / diagonal;
        }
    }
    let mut y = vec![0.0; dim];
    for i in 0..dim {
        y[i] = (b[i] - (0..i).map(|k| a[i * dim + k] * y[k]).sum::<f64>()) / a[i * dim + i];
    }
    let mut x = vec![0.0; dim];
    for i in (0..dim).rev() {
        x[i] = (y[i] - (i + 1..dim).map(|k| a[k * dim + i] * x[k]).sum::<f64>()) / a[i * dim + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_known_weights_on_generated_data() {
        // y ~ Bernoulli(sigmoid(0.5 + 2·x1 − 1·x2)), drawn deterministically on a grid.
        let mut x = Vec::new();
        let mut labels = Vec::new();
        for i in 0..60 {
            for j in 0..60 {
                let (x1, x2) = (-1.5 + 3.0 * i as f64 / 59.0, -1.5 + 3.0 * j as f64 / 59.0);
                let p = sigmoid(0.5 + 2.0 * x1 - x2);
                for k in 0..20 {
                    x.extend([x1 as f32, x2 as f32]);
                    labels.push((k as f64 + 0.5) / 20.0 < p);
                }
            }
        }
        let model = fit_logistic(&x, 2, &labels, 1e-6);
        assert!((model.intercept - 0.5).abs() < 0.05, "{model:?}");
        assert!(
            (model.weights[0] - 2.0).abs() < 0.08 && (model.weights[1] + 1.0).abs() < 0.05,
            "{model:?}"
        );
    }

    #[test]
    fn the_penalty_shrinks_weights_but_not_the_intercept() {
        let x: Vec<f32> = vec![1.0, -1.0, 1.0, -1.0];
        let labels = [true, false, true, true];
        let loose = fit_logistic(&x, 1, &labels, 1e-6);
        let tight = fit_logistic(&x, 1, &labels, 100.0);
        assert!(tight.weights[0].abs() < loose.weights[0].abs() / 10.0);
        assert!(
            tight.intercept > 0.5,
            "the intercept still reflects 3 of 4 positives: {}",
            tight.intercept
        );
    }

    #[test]
    fn a_sampled_hessian_reaches_the_same_optimum() {
        // More rows than the Hessian reads: the gradient still sees them all.
        let (mut x, mut labels) = (Vec::new(), Vec::new());
        for i in 0..(3 * HESSIAN_ROWS) {
            let x1 = ((i * 7919) % 1000) as f64 / 500.0 - 1.0;
            let x2 = ((i * 104729) % 997) as f64 / 498.5 - 1.0;
            let u = ((i * 15485863) % 1009) as f64 / 1009.0;
            x.extend([x1 as f32, x2 as f32]);
            labels.push(u < sigmoid(-1.0 + 1.5 * x1 - 0.5 * x2));
        }
        let model = fit_logistic(&x, 2, &labels, 1.0);
        assert!((model.weights[0] - 1.5).abs() < 0.1, "{model:?}");
        assert!((model.weights[1] + 0.5).abs() < 0.1, "{model:?}");
        let data = Rows {
            x: &x,
            width: 2,
            labels: &labels,
            weights: None,
        };
        let beta = [model.weights[0], model.weights[1], model.intercept];
        let (gradient, _) = gradient_and_loss(&data, 1.0, &beta);
        assert!(
            gradient.iter().all(|g| g.abs() < 1e-3),
            "at the optimum of every row: {gradient:?}"
        );
    }

    #[test]
    fn a_row_weighted_twice_counts_as_two_rows() {
        let x = vec![1.0, -1.0, 0.5, -0.5, 0.2];
        let labels = [true, false, true, false, false];
        let twice =
            fit_weighted_logistic(&x, 1, &labels, Some(&[2.0, 1.0, 1.0, 1.0, 1.0]), 0.5, None);
        let repeated = fit_logistic(
            &[1.0, 1.0, -1.0, 0.5, -0.5, 0.2],
            1,
            &[true, true, false, true, false, false],
            0.5,
        );
        assert!((twice.weights[0] - repeated.weights[0]).abs() < 1e-9);
        assert!((twice.intercept - repeated.intercept).abs() < 1e-9);
    }

    #[test]
    fn separable_data_stays_finite_under_a_penalty() {
        let x = vec![-2.0, -1.0, 1.0, 2.0];
        let labels = [false, false, true, true];
        let model = fit_logistic(&x, 1, &labels, 1.0);
        assert!(model.weights[0].is_finite() && model.weights[0] > 0.5);
    }
}
