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
    pub fn raw_score(&self, row: &[f64]) -> f64 {
        self.intercept
            + self
                .weights
                .iter()
                .zip(row)
                .map(|(w, x)| w * x)
                .sum::<f64>()
    }

    /// Each feature's term in the log-odds: the linear model's exact explanation.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        self.weights.iter().zip(row).map(|(w, x)| w * x).collect()
    }
}

/// Minimises Σ log-loss + (λ/2)·‖w‖² over a row-major matrix `x` of `width` columns; the
/// intercept is not penalised (as scikit-learn's `LogisticRegression(C = 1/λ)`).
pub fn fit_logistic(x: &[f64], width: usize, labels: &[bool], lambda: f64) -> LogisticModel {
    fit_logistic_from(x, width, labels, lambda, None)
}

/// As [`fit_logistic`], starting from `start` (the fit at a nearby penalty saves most of the
/// Newton steps when a path of penalties is tried on large panels).
pub fn fit_logistic_from(
    x: &[f64],
    width: usize,
    labels: &[bool],
    lambda: f64,
    start: Option<&LogisticModel>,
) -> LogisticModel {
    let n = labels.len();
    let dim = width + 1; // intercept last
    let mut beta = vec![0.0; dim];
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    beta[width] = ((positives + 0.5) / (n as f64 - positives + 0.5)).ln();
    if let Some(start) = start.filter(|s| s.weights.len() == width) {
        beta[..width].copy_from_slice(&start.weights);
        beta[width] = start.intercept;
    }
    let mut previous_loss = f64::INFINITY;
    for _ in 0..100 {
        let (gradient, hessian, loss) = newton_terms(x, width, labels, lambda, &beta);
        let step = solve_cholesky(hessian, dim, &gradient);
        let mut scale = 1.0;
        // Backtrack if a full step would increase the penalised loss.
        loop {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - scale * s).collect();
            if penalised_loss(x, width, labels, lambda, &candidate) <= loss + 1e-12 || scale < 1e-6
            {
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

fn linear(row: &[f64], beta: &[f64], width: usize) -> f64 {
    beta[width]
        + row
            .iter()
            .zip(&beta[..width])
            .map(|(x, b)| x * b)
            .sum::<f64>()
}

fn penalised_loss(x: &[f64], width: usize, labels: &[bool], lambda: f64, beta: &[f64]) -> f64 {
    let data: f64 = x
        .chunks_exact(width.max(1))
        .zip(labels)
        .map(|(row, &y)| log_loss_term(linear(row, beta, width), y))
        .sum();
    data + 0.5 * lambda * beta[..width].iter().map(|b| b * b).sum::<f64>()
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

/// Gradient, Hessian (dense, row-major) and penalised loss at `beta`.
fn newton_terms(
    x: &[f64],
    width: usize,
    labels: &[bool],
    lambda: f64,
    beta: &[f64],
) -> (Vec<f64>, Vec<f64>, f64) {
    let dim = width + 1;
    let mut gradient = vec![0.0; dim];
    let mut hessian = vec![0.0; dim * dim];
    let mut loss = 0.0;
    let mut extended = vec![0.0; dim];
    for (row, &y) in x.chunks_exact(width.max(1)).zip(labels) {
        let z = linear(row, beta, width);
        loss += log_loss_term(z, y);
        let p = sigmoid(z);
        let (residual, weight) = (p - f64::from(u8::from(y)), (p * (1.0 - p)).max(1e-12));
        extended[..width].copy_from_slice(row);
        extended[width] = 1.0;
        for i in 0..dim {
            let xi = extended[i];
            if xi == 0.0 {
                continue; // one-hot rows are mostly zeros
            }
            gradient[i] += residual * xi;
            let wxi = weight * xi;
            let hessian_row = &mut hessian[i * dim..i * dim + dim];
            for (h, xj) in hessian_row[..=i].iter_mut().zip(&extended[..=i]) {
                *h += wxi * xj;
            }
        }
    }
    for i in 0..width {
        gradient[i] += lambda * beta[i];
        hessian[i * dim + i] += lambda;
        loss += 0.5 * lambda * beta[i] * beta[i];
    }
    // Mirror the lower triangle and steady a singular intercept-only corner.
    for i in 0..dim {
        for j in 0..i {
            hessian[j * dim + i] = hessian[i * dim + j];
        }
    }
    hessian[dim * dim - 1] += 1e-9;
    (gradient, hessian, loss)
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
                    x.extend([x1, x2]);
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
        let x = vec![1.0, -1.0, 1.0, -1.0];
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
    fn separable_data_stays_finite_under_a_penalty() {
        let x = vec![-2.0, -1.0, 1.0, 2.0];
        let labels = [false, false, true, true];
        let model = fit_logistic(&x, 1, &labels, 1.0);
        assert!(model.weights[0].is_finite() && model.weights[0] > 0.5);
    }
}
