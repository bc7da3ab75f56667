//! Gradient-boosted trees through LightGBM (the `lightgbm3` crate), wrapped so the rest of
//! the engine sees rows of numbers in and raw scores and exact TreeSHAP contributions out.

use lightgbm3::{Booster, Dataset};
use serde_json::json;
use std::borrow::Cow;

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
    /// Read only the design's tree features ([`crate::design::Design::tree_features`]), not
    /// its log scales and per-value indicators: a third of the work on large fits. Small fits
    /// read everything: on the Ola panel (about 20,000 rows a fit) the narrow trees lost 0.0015
    /// of ROC AUC and 0.008 of calibration.
    pub narrow: bool,
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
            narrow: false,
        }
    }
}

/// A trained booster, the width of the design rows it is given, and which of their features it
/// reads (`None`: all of them).
pub struct GbmModel {
    booster: Booster,
    width: usize,
    reads: Option<Vec<usize>>,
}

// SAFETY: a booster is a handle on LightGBM's C++ `Booster`, which has no tie to the thread
// that made it, and whose predictions (`LGBM_BoosterPredictForMat`, with or without
// contributions) take the booster's own shared lock: one fitted model may be moved between
// threads and predicted from several at once. Nothing here changes a booster after its fit
// (the `&mut self` methods of `lightgbm3::Booster` are never called on a stored model).
unsafe impl Send for GbmModel {}
unsafe impl Sync for GbmModel {}

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
        GbmModel::fit_reading(x, width, None, labels, weights, settings, valid)
    }

    /// As [`GbmModel::fit_weighted`], the trees reading only the features `reads` of each row
    /// (of the validation rows too), as they will when scoring.
    pub fn fit_reading(
        x: &[f32],
        width: usize,
        reads: Option<&[usize]>,
        labels: &[bool],
        weights: Option<&[f32]>,
        settings: &GbmSettings,
        valid: Option<(&[f32], &[bool])>,
    ) -> Result<GbmModel, GbmError> {
        let read_width = reads.map_or(width, <[usize]>::len);
        let x = selected(x, width, reads);
        let mut train = Dataset::from_slice(&x, &labels_f32(labels), read_width as i32, true)?;
        drop(x);
        if let Some(weights) = weights {
            train.set_weights(weights)?;
        }
        let valid = match valid {
            Some((vx, vy)) => Some(Dataset::from_slice_with_reference(
                &selected(vx, width, reads),
                &labels_f32(vy),
                read_width as i32,
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
        Ok(GbmModel {
            booster,
            width,
            reads: reads.map(<[usize]>::to_vec),
        })
    }

    /// Which features of the design rows the trees read (`None`: all).
    pub fn reads(&self) -> Option<&[usize]> {
        self.reads.as_deref()
    }

    fn read_width(&self) -> usize {
        self.reads.as_ref().map_or(self.width, Vec::len)
    }

    pub fn iterations(&self) -> usize {
        self.booster.num_iterations().max(0) as usize
    }

    /// Log-odds of each row.
    pub fn raw_scores(&self, x: &[f32]) -> Result<Vec<f64>, GbmError> {
        if x.is_empty() {
            return Ok(Vec::new());
        }
        let x = selected(x, self.width, self.reads());
        Ok(self
            .booster
            .raw_scores(&x, self.read_width() as i32, true)?)
    }

    /// Exact TreeSHAP: for each row, `width` feature contributions then the expected value;
    /// they sum to the row's raw score. Features the trees do not read contribute nothing.
    pub fn contributions(&self, x: &[f32]) -> Result<Vec<f64>, GbmError> {
        let read = self.booster.predict_contrib(
            &selected(x, self.width, self.reads()),
            self.read_width() as i32,
            true,
        )?;
        let Some(reads) = self.reads() else {
            return Ok(read);
        };
        let mut all = vec![0.0; read.len() / (reads.len() + 1) * (self.width + 1)];
        for (row, out) in read
            .chunks_exact(reads.len() + 1)
            .zip(all.chunks_exact_mut(self.width + 1))
        {
            for (&feature, &c) in reads.iter().zip(row) {
                out[feature] = c;
            }
            out[self.width] = row[reads.len()]; // the expected value
        }
        Ok(all)
    }

    /// The model as LightGBM's own text format (loadable by Python LightGBM).
    pub fn to_text(&self) -> Result<String, GbmError> {
        Ok(self.booster.save_string()?)
    }

    /// A model saved by [`GbmModel::to_text`], given rows `width` wide of which it reads
    /// `reads`.
    pub fn from_text(
        text: &str,
        width: usize,
        reads: Option<Vec<usize>>,
    ) -> Result<GbmModel, GbmError> {
        Ok(GbmModel {
            booster: Booster::from_string(text)?,
            width,
            reads,
        })
    }
}

/// The features `reads` of each row of the row-major `x` (`width` wide), or `x` itself.
fn selected<'x>(x: &'x [f32], width: usize, reads: Option<&[usize]>) -> Cow<'x, [f32]> {
    let Some(reads) = reads else {
        return Cow::Borrowed(x);
    };
    let mut out = Vec::with_capacity(x.len() / width.max(1) * reads.len());
    for row in x.chunks_exact(width.max(1)) {
        out.extend(reads.iter().map(|&f| row[f]));
    }
    Cow::Owned(out)
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
        let copy = GbmModel::from_text(&model.to_text().unwrap(), 3, None).unwrap();
        assert_eq!(
            model.raw_scores(&x[..30]).unwrap(),
            copy.raw_scores(&x[..30]).unwrap()
        );
    }

    /// Trees that read some of a row's features learn from those alone, give the unread ones
    /// no contribution, and save and load with what they read.
    #[test]
    fn trees_reading_some_features_ignore_the_others_in_scores_and_contributions() {
        let (x, y) = interaction_data(1000);
        // Two noise features around the three real ones: rows 5 wide, the trees read 0, 2, 3.
        let noisy: Vec<f32> = x
            .chunks_exact(3)
            .enumerate()
            .flat_map(|(i, r)| [r[0], (i % 7) as f32, r[1], r[2], (i % 3) as f32])
            .collect();
        let reads = [0, 2, 3];
        let settings = GbmSettings {
            max_iterations: 30,
            threads: 1,
            ..Default::default()
        };
        let model =
            GbmModel::fit_reading(&noisy, 5, Some(&reads), &y, None, &settings, None).unwrap();
        let plain = GbmModel::fit(&x, 3, &y, &settings, None).unwrap();
        let raw = model.raw_scores(&noisy[..150]).unwrap();
        assert_eq!(raw, plain.raw_scores(&x[..90]).unwrap(), "the same trees");
        let contributions = model.contributions(&noisy[..150]).unwrap();
        assert_eq!(contributions.len(), 30 * 6);
        for (row, score) in contributions.chunks_exact(6).zip(&raw) {
            assert_eq!((row[1], row[4]), (0.0, 0.0), "unread features");
            assert!((row.iter().sum::<f64>() - score).abs() < 1e-9);
        }
        let copy = GbmModel::from_text(&model.to_text().unwrap(), 5, Some(reads.to_vec())).unwrap();
        assert_eq!(copy.raw_scores(&noisy[..150]).unwrap(), raw);
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
