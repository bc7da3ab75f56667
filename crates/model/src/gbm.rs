//! Gradient-boosted trees through LightGBM (the `lightgbm3` crate), wrapped so the rest of
//! the engine sees rows of numbers in and raw scores and exact TreeSHAP contributions out.

use lightgbm3::{Booster, Dataset};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
#[error("LightGBM: {0}")]
pub struct GbmError(String);

impl From<lightgbm3::Error> for GbmError {
    fn from(error: lightgbm3::Error) -> Self {
        GbmError(error.to_string())
    }
}

/// Settings for one fit. Defaults suit HR data: shallow trees, a slow learning rate and a
/// floor on leaf size, because leavers are few and small leaves memorise them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbmSettings {
    pub max_iterations: usize,
    pub learning_rate: f64,
    pub num_leaves: usize,
    pub min_data_in_leaf: usize,
    pub feature_fraction: f64,
    pub lambda_l2: f64,
    /// Always explicit: OpenMP threads spin under contention, so never more than the cores.
    pub threads: usize,
    pub seed: u64,
    /// Rounds without improvement on the validation rows before stopping.
    pub early_stopping_rounds: usize,
}

impl Default for GbmSettings {
    fn default() -> Self {
        GbmSettings {
            max_iterations: 1000,
            learning_rate: 0.03,
            num_leaves: 15,
            min_data_in_leaf: 20,
            feature_fraction: 0.8,
            lambda_l2: 1.0,
            threads: 2,
            seed: 1,
            early_stopping_rounds: 50,
        }
    }
}

/// A trained booster and the width of the rows it reads.
pub struct GbmModel {
    booster: Booster,
    width: usize,
}

impl std::fmt::Debug for GbmModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GbmModel {{ width: {}, iterations: {} }}",
            self.width,
            self.iterations()
        )
    }
}

fn labels_f32(labels: &[bool]) -> Vec<f32> {
    labels.iter().map(|&l| f32::from(u8::from(l))).collect()
}

impl GbmModel {
    /// Fits on row-major `x`; with `valid` rows, stops early at the best validation log-loss,
    /// otherwise runs exactly `settings.max_iterations` rounds.
    pub fn fit(
        x: &[f32],
        width: usize,
        labels: &[bool],
        settings: &GbmSettings,
        valid: Option<(&[f32], &[bool])>,
    ) -> Result<GbmModel, GbmError> {
        GbmModel::fit_weighted(x, width, labels, None, settings, valid)
    }

    /// As [`GbmModel::fit`], each training row counting `weights[i]` times.
    pub fn fit_weighted(
        x: &[f32],
        width: usize,
        labels: &[bool],
        weights: Option<&[f32]>,
        settings: &GbmSettings,
        valid: Option<(&[f32], &[bool])>,
    ) -> Result<GbmModel, GbmError> {
        let mut train = Dataset::from_slice(x, &labels_f32(labels), width as i32, true)?;
        if let Some(weights) = weights {
            train.set_weights(weights)?;
        }
        let valid = match valid {
            Some((vx, vy)) => Some(Dataset::from_slice_with_reference(
                vx,
                &labels_f32(vy),
                width as i32,
                true,
                Some(&train),
            )?),
            None => None,
        };
        let mut params = json!({
            "objective": "binary",
            "num_iterations": settings.max_iterations,
            "learning_rate": settings.learning_rate,
            "num_leaves": settings.num_leaves,
            "min_data_in_leaf": settings.min_data_in_leaf,
            "feature_fraction": settings.feature_fraction,
            "lambda_l2": settings.lambda_l2,
            "num_threads": threads_for(labels.len(), settings.threads),
            "seed": settings.seed,
            "deterministic": true,
            "force_row_wise": true,
            "verbosity": -1,
            "metric": "binary_logloss",
        });
        if valid.is_some() {
            params["early_stopping_rounds"] = json!(settings.early_stopping_rounds);
        }
        let booster = Booster::train_with_valid(train, valid, &params)?;
        Ok(GbmModel { booster, width })
    }

    pub fn iterations(&self) -> usize {
        self.booster.num_iterations().max(0) as usize
    }

    /// Log-odds of each row.
    pub fn raw_scores(&self, x: &[f32]) -> Result<Vec<f64>, GbmError> {
        if x.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.booster.raw_scores(x, self.width as i32, true)?)
    }

    /// Exact TreeSHAP: for each row, `width` feature contributions then the expected value;
    /// they sum to the row's raw score.
    pub fn contributions(&self, x: &[f32]) -> Result<Vec<f64>, GbmError> {
        Ok(self.booster.predict_contrib(x, self.width as i32, true)?)
    }

    /// The model as LightGBM's own text format (loadable by Python LightGBM).
    pub fn to_text(&self) -> Result<String, GbmError> {
        Ok(self.booster.save_string()?)
    }

    pub fn from_text(text: &str, width: usize) -> Result<GbmModel, GbmError> {
        Ok(GbmModel {
            booster: Booster::from_string(text)?,
            width,
        })
    }
}

/// Below this many rows trees are grown on one thread: splitting a few thousand rows'
/// histograms between two costs more in OpenMP's hand-overs (and its spinning) than it saves.
const ROWS_PER_EXTRA_THREAD: usize = 10_000;

/// The threads a fit of `rows` rows uses, of the `allowed`.
fn threads_for(rows: usize, allowed: usize) -> usize {
    if rows < ROWS_PER_EXTRA_THREAD {
        1
    } else {
        allowed.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::roc_auc;

    #[test]
    fn small_fits_grow_their_trees_on_one_thread() {
        assert_eq!(threads_for(1_176, 2), 1);
        assert_eq!(threads_for(300_000, 2), 2);
        assert_eq!(threads_for(300_000, 0), 1, "never no thread");
    }

    /// Leaving is likely only when x0 > 0.5 and x1 < 0.3 (an interaction a linear model
    /// misses); x2 is noise. The best possible ROC AUC is about 0.91.
    fn interaction_data(n: usize) -> (Vec<f32>, Vec<bool>) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut x = Vec::with_capacity(n * 3);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let (a, b, c): (f32, f32, f32) = (rng.gen(), rng.gen(), rng.gen());
            x.extend([a, b, c]);
            let p = if a > 0.5 && b < 0.3 { 0.9 } else { 0.03 };
            y.push(rng.gen::<f64>() < p);
        }
        (x, y)
    }

    #[test]
    fn learns_an_interaction_and_its_shap_values_sum_to_the_raw_score() {
        let (x, y) = interaction_data(4000);
        let (train_x, test_x) = x.split_at(3000 * 3);
        let (train_y, test_y) = y.split_at(3000);
        let settings = GbmSettings {
            max_iterations: 200,
            threads: 1,
            ..Default::default()
        };
        let model = GbmModel::fit(train_x, 3, train_y, &settings, Some((test_x, test_y))).unwrap();
        assert!(model.iterations() > 0 && model.iterations() <= 200);
        let raw = model.raw_scores(test_x).unwrap();
        let auc = roc_auc(test_y, &raw).unwrap();
        assert!(auc > 0.85, "ROC AUC {auc}");
        let contributions = model.contributions(&test_x[..30]).unwrap();
        for (row, raw) in contributions.chunks(4).zip(&raw) {
            assert!((row.iter().sum::<f64>() - raw).abs() < 1e-9);
            assert!(
                row[2].abs() < row[0].abs() + row[1].abs() + 1e-9,
                "the noise column matters least"
            );
        }
    }

    #[test]
    fn a_saved_model_predicts_the_same() {
        let (x, y) = interaction_data(1000);
        let model = GbmModel::fit(
            &x,
            3,
            &y,
            &GbmSettings {
                max_iterations: 30,
                threads: 1,
                ..Default::default()
            },
            None,
        )
        .unwrap();
        let copy = GbmModel::from_text(&model.to_text().unwrap(), 3).unwrap();
        assert_eq!(
            model.raw_scores(&x[..30]).unwrap(),
            copy.raw_scores(&x[..30]).unwrap()
        );
    }

    #[test]
    fn training_is_deterministic_for_a_seed() {
        let (x, y) = interaction_data(1000);
        let settings = GbmSettings {
            max_iterations: 50,
            threads: 1,
            ..Default::default()
        };
        let a = GbmModel::fit(&x, 3, &y, &settings, None)
            .unwrap()
            .raw_scores(&x[..60])
            .unwrap();
        let b = GbmModel::fit(&x, 3, &y, &settings, None)
            .unwrap()
            .raw_scores(&x[..60])
            .unwrap();
        assert_eq!(a, b);
    }
}
