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

/// Newton steps taken with one measured curvature before it is measured again. A Hessian
/// costs several passes of the gradient, and near the optimum it barely changes: reusing it
/// for a few steps (Shamanskii's method) keeps convergence fast at a fraction of the cost.
const HESSIAN_REUSE: usize = 4;

/// A step that took off more than this share of the loss the step before it did converges
/// too slowly for the curvature it used: the next step measures the curvature again.
const SLOW_PROGRESS: f64 = 0.25;

/// Steps at most; a reused curvature takes more, cheaper steps than exact Newton.
const MAX_ITERATIONS: usize = 200;

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
    let data = Rows {
        x,
        width,
        labels,
        weights,
    };
    let start = start.filter(|s| s.weights.len() == width).map(|s| Warm {
        model: s,
        curvature: None,
    });
    fit_rows(&data, lambda, start).0
}

/// Fits along the penalties `lambdas`, strongest first, each fit starting where the last
/// ended: from its coefficients and from the curvature it last measured (the data's part,
/// Xᵀ·W·X, carries over; only the penalty on its diagonal changes), which saves most fits a
/// Hessian. After each fit `go_on` (given its position in `lambdas`) says whether the next,
/// weaker penalty is worth fitting — a caller watching held-out loss stops once it rises.
/// Returns the fits made, in order.
pub fn fit_weighted_logistic_path(
    x: &[f32],
    width: usize,
    labels: &[bool],
    weights: Option<&[f32]>,
    lambdas: &[f64],
    mut go_on: impl FnMut(usize, &LogisticModel) -> bool,
) -> Vec<LogisticModel> {
    let data = Rows {
        x,
        width,
        labels,
        weights,
    };
    let mut fits: Vec<LogisticModel> = Vec::with_capacity(lambdas.len());
    let mut curvature = None;
    for (at, &lambda) in lambdas.iter().enumerate() {
        let start = fits.last().map(|model| Warm {
            model,
            curvature: curvature.take(),
        });
        let (model, measured) = fit_rows(&data, lambda, start);
        curvature = measured;
        let more = go_on(at, &model);
        fits.push(model);
        if !more {
            break;
        }
    }
    fits
}

/// Where a fit starts: a fit at a nearby penalty, and the data's curvature it last measured.
struct Warm<'m> {
    model: &'m LogisticModel,
    curvature: Option<Vec<f64>>,
}

/// Newton's method with a reused curvature (see [`HESSIAN_REUSE`]); returns the model and the
/// data's curvature (Xᵀ·W·X, without the penalty) last measured.
fn fit_rows(
    data: &Rows<'_>,
    lambda: f64,
    start: Option<Warm<'_>>,
) -> (LogisticModel, Option<Vec<f64>>) {
    let (n, width) = (data.labels.len(), data.width);
    let dim = width + 1; // intercept last
    let mut beta = vec![0.0; dim];
    let weight = |i: usize| data.weights.map_or(1.0, |w| f64::from(w[i]));
    let (positives, total) = (0..n).fold((0.0, 0.0), |(p, t), i| {
        (
            p + if data.labels[i] { weight(i) } else { 0.0 },
            t + weight(i),
        )
    });
    beta[width] = ((positives + 0.5) / (total - positives + 0.5)).ln();
    // The data's curvature last measured, and the Cholesky factor of it with the penalty.
    let mut measured: Option<Vec<f64>> = None;
    let mut factor: Option<Vec<f64>> = None;
    if let Some(start) = start {
        beta[..width].copy_from_slice(&start.model.weights);
        beta[width] = start.model.intercept;
        if let Some(curvature) = start.curvature {
            factor = Some(cholesky(penalised(&curvature, lambda, width), dim));
            measured = Some(curvature);
        }
    }
    let mut steps_with_it = 0;
    let (mut gradient, mut loss) = gradient_and_loss(data, lambda, &beta);
    let mut previous_decrease = f64::INFINITY;
    for _ in 0..MAX_ITERATIONS {
        if steps_with_it >= HESSIAN_REUSE {
            factor = None;
        }
        if factor.is_none() {
            steps_with_it = 0;
            let curvature = data_hessian(data, &beta);
            factor = Some(cholesky(penalised(&curvature, lambda, width), dim));
            measured = Some(curvature);
        }
        let step = solve_factored(factor.as_ref().expect("a factor"), dim, &gradient);
        steps_with_it += 1;
        let mut scale = 1.0;
        // Backtrack if a full step would increase the penalised loss. The gradient is worked
        // out in the same pass as the loss: an accepted step's is the next step's.
        let (next_beta, next_gradient, next_loss) = loop {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - scale * s).collect();
            let (g, l) = gradient_and_loss(data, lambda, &candidate);
            if l <= loss + 1e-12 || scale < 1e-6 {
                break (candidate, g, l);
            }
            scale *= 0.5;
        };
        let decrease = loss - next_loss;
        if scale < 1.0 || decrease > SLOW_PROGRESS * previous_decrease {
            // The curvature in use overshot, or steers no better than a gradient would:
            // measure it afresh where the fit now is.
            factor = None;
        }
        (beta, gradient, loss, previous_decrease) = (next_beta, next_gradient, next_loss, decrease);
        if decrease.abs() < 1e-10 * (1.0 + loss.abs()) {
            break;
        }
    }
    let intercept = beta.pop().expect("intercept");
    let model = LogisticModel {
        intercept,
        weights: beta,
    };
    (model, measured)
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

/// −log P(y | z) computed stably from the log-odds z.
fn log_loss_term(z: f64, y: bool) -> f64 {
    let z = if y { -z } else { z };
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Gradient and penalised loss at `beta`, over every row; a large fit's rows split between
/// two threads.
fn gradient_and_loss(data: &Rows<'_>, lambda: f64, beta: &[f64]) -> (Vec<f64>, f64) {
    let width = data.width;
    let ((mut gradient, mut loss), (theirs, their_loss)) =
        in_two_halves(data.labels.len(), |rows| {
            unpenalised_gradient_and_loss(data, beta, rows)
        });
    add_into(&mut gradient, &theirs);
    loss += their_loss;
    for i in 0..width {
        gradient[i] += lambda * beta[i];
        loss += 0.5 * lambda * beta[i] * beta[i];
    }
    (gradient, loss)
}

/// Rows from which a pass over them is split between two threads.
const PARALLEL_ROWS: usize = 20_000;

/// `pass` over the first and the second half of `n` rows, on two threads once there are
/// [`PARALLEL_ROWS`] of them; below that all rows in the first and none in the second.
fn in_two_halves<T: Send>(n: usize, pass: impl Fn(std::ops::Range<usize>) -> T + Sync) -> (T, T) {
    if n < PARALLEL_ROWS {
        return (pass(0..n), pass(n..n));
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(|| pass(n / 2..n));
        let mine = pass(0..n / 2);
        (
            mine,
            other
                .join()
                .expect("a pass over the other half of the rows"),
        )
    })
}

fn add_into(sums: &mut [f64], more: &[f64]) {
    for (sum, x) in sums.iter_mut().zip(more) {
        *sum += x;
    }
}

fn unpenalised_gradient_and_loss(
    data: &Rows<'_>,
    beta: &[f64],
    rows: std::ops::Range<usize>,
) -> (Vec<f64>, f64) {
    let width = data.width;
    let mut gradient = vec![0.0; width + 1];
    let mut loss = 0.0;
    for i in rows {
        let (row, y, w) = (data.row(i), data.labels[i], data.weight(i));
        let z = linear(row, beta, width);
        loss += w * log_loss_term(z, y);
        let residual = w * (sigmoid(z) - f64::from(u8::from(y)));
        for (g, &x) in gradient.iter_mut().zip(row) {
            *g += residual * f64::from(x);
        }
        gradient[width] += residual;
    }
    (gradient, loss)
}

/// The curvature of the data's loss (dense, row-major) at `beta`, over every row: Xᵀ·W·X
/// as matrix products of blocks of rows (each row scaled by the square root of its weight),
/// a large fit's blocks split between two threads.
fn data_hessian(data: &Rows<'_>, beta: &[f64]) -> Vec<f64> {
    let dim = data.width + 1;
    let (mut hessian, theirs) = in_two_halves(data.labels.len(), |rows| {
        weighted_cross_products(data, beta, rows)
    });
    add_into(&mut hessian, &theirs);
    // Mirror the lower triangle.
    for i in 0..dim {
        for j in 0..i {
            hessian[j * dim + i] = hessian[i * dim + j];
        }
    }
    hessian
}

/// The data's curvature with the penalty's: λ on the weights' diagonal, and a touch on the
/// intercept's corner to steady it when the data alone leave it singular.
fn penalised(data_hessian: &[f64], lambda: f64, width: usize) -> Vec<f64> {
    let dim = width + 1;
    let mut hessian = data_hessian.to_vec();
    for i in 0..width {
        hessian[i * dim + i] += lambda;
    }
    hessian[dim * dim - 1] += 1e-9;
    hessian
}

/// Rows per block of [`weighted_cross_products`]: large enough for the matrix kernel to run
/// at speed, small enough that a block's f32 sums stay exact to about 1e-5.
const BLOCK_ROWS: usize = 256;

/// Σ wᵢ·pᵢ(1 − pᵢ)·x̃ᵢ·x̃ᵢᵀ over `rows`, x̃ being a row with the intercept's 1 appended. Each
/// block is summed in f32 (the curvature only steers Newton's steps: the optimum is set by
/// the gradient, summed in f64) and the blocks in f64.
fn weighted_cross_products(
    data: &Rows<'_>,
    beta: &[f64],
    rows: std::ops::Range<usize>,
) -> Vec<f64> {
    let width = data.width;
    let dim = width + 1;
    let mut sums = vec![0.0f64; dim * dim];
    let mut block = vec![0.0f32; BLOCK_ROWS * dim];
    let mut product = vec![0.0f32; dim * dim];
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + BLOCK_ROWS).min(rows.end);
        for (scaled, i) in block.chunks_exact_mut(dim).zip(start..end) {
            let row = data.row(i);
            let p = sigmoid(linear(row, beta, width));
            let scale = (data.weight(i) * (p * (1.0 - p)).max(1e-12)).sqrt() as f32;
            for (z, &x) in scaled[..width].iter_mut().zip(row) {
                *z = scale * x;
            }
            scaled[width] = scale;
        }
        let k = end - start;
        let step = dim as isize;
        // SAFETY: `block` holds k·dim values read as Zᵀ (dim × k) and Z (k × dim), and
        // `product` holds the dim × dim result; the strides stay within both.
        unsafe {
            matrixmultiply::sgemm(
                dim,
                k,
                dim,
                1.0,
                block.as_ptr(),
                1,
                step,
                block.as_ptr(),
                step,
                1,
                0.0,
                product.as_mut_ptr(),
                step,
                1,
            );
        }
        for (sum, &p) in sums.iter_mut().zip(&product) {
            *sum += f64::from(p);
        }
        start = end;
    }
    sums
}

/// The Cholesky factor (lower triangle, row-major) of symmetric positive-definite `a`.
fn cholesky(mut a: Vec<f64>, dim: usize) -> Vec<f64> {
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
    a
}

/// Solves `L·Lᵀ·x = b` for the factor `L` [`cholesky`] made.
fn solve_factored(a: &[f64], dim: usize, b: &[f64]) -> Vec<f64> {
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
    fn a_large_fit_split_between_threads_reaches_the_optimum() {
        let (mut x, mut labels) = (Vec::new(), Vec::new());
        for i in 0..(3 * PARALLEL_ROWS + 77) {
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

    /// A path of penalties, each fit starting from the last one's coefficients and
    /// curvature, ends where each penalty fitted alone ends, and stops when told to.
    #[test]
    fn a_warm_path_reaches_each_penalty_s_own_optimum_and_stops_when_told() {
        let width = 4;
        let n = 2000;
        let x: Vec<f32> = (0..n * width)
            .map(|i| ((i * 7919 + 13) % 211) as f32 / 100.0 - 1.0)
            .collect();
        let labels: Vec<bool> = x
            .chunks_exact(width)
            .enumerate()
            .map(|(i, r)| r[0] - 0.5 * r[1] + 0.3 * ((i % 5) as f32 - 2.0) > 0.2)
            .collect();
        let lambdas = [30.0, 10.0, 3.0, 1.0];
        let path = fit_weighted_logistic_path(&x, width, &labels, None, &lambdas, |_, _| true);
        assert_eq!(path.len(), 4);
        for (fit, &lambda) in path.iter().zip(&lambdas) {
            let alone = fit_logistic(&x, width, &labels, lambda);
            for (a, b) in fit.weights.iter().zip(&alone.weights) {
                assert!(
                    (a - b).abs() < 1e-5,
                    "λ={lambda}: {a} on the path, {b} alone"
                );
            }
            assert!((fit.intercept - alone.intercept).abs() < 1e-5);
        }
        let stopped =
            fit_weighted_logistic_path(&x, width, &labels, None, &lambdas, |at, _| at < 1);
        assert_eq!(stopped.len(), 2);
        assert_eq!(stopped[1], path[1]);
    }

    #[test]
    fn the_blocked_hessian_is_the_sum_over_rows() {
        let width = 5;
        let n = 3 * BLOCK_ROWS + 41;
        let x: Vec<f32> = (0..n * width)
            .map(|i| {
                if i % 3 == 0 {
                    0.0
                } else {
                    ((i * 7919) % 101) as f32 / 50.0 - 1.0
                }
            })
            .collect();
        let labels: Vec<bool> = (0..n).map(|i| i % 4 == 0).collect();
        let weights: Vec<f32> = (0..n).map(|i| 1.0 + (i % 3) as f32).collect();
        let data = Rows {
            x: &x,
            width,
            labels: &labels,
            weights: Some(&weights),
        };
        let beta = [0.3, -0.2, 0.1, 0.0, 0.5, -1.0];
        let blocked = weighted_cross_products(&data, &beta, 0..n);
        let dim = width + 1;
        for j in 0..dim {
            for k in 0..dim {
                let plain: f64 = (0..n)
                    .map(|i| {
                        let row = data.row(i);
                        let p = sigmoid(linear(row, &beta, width));
                        let at = |c: usize| if c == width { 1.0 } else { f64::from(row[c]) };
                        data.weight(i) * p * (1.0 - p) * at(j) * at(k)
                    })
                    .sum();
                let got = blocked[j * dim + k];
                assert!(
                    (got - plain).abs() <= 1e-5 * (1.0 + plain.abs()),
                    "H[{j}][{k}] = {got}, summed row by row {plain}"
                );
            }
        }
    }
}
