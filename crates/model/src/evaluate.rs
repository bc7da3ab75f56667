//! Honest evaluation of a cross-section: stratified k-fold cross-validation where every
//! choice (encoding, penalty, calibration) is made inside the training folds only, and the
//! held-out fold is scored once.

use crate::calibration::{choose, choose_smooth, Calibrator};
use crate::design::Design;
use crate::gbm::{GbmError, GbmModel, GbmSettings};
use crate::logistic::{fit_weighted_logistic, fit_weighted_logistic_path};
use crate::metrics::{log_loss, roc_auc, Summary};
use crate::table::FeatureTable;
use crate::trained::{FittedLearner, TrainedModel};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::time::Instant;
use tenure_domain::Value;

/// One person to learn from: their inputs and whether they left.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    pub values: &'a BTreeMap<String, Value>,
    pub left: bool,
}

impl<'a> Example<'a> {
    /// The examples of a cross-section: every snapshot with a leaver/stayer outcome.
    pub fn from_snapshots(
        snapshots: impl IntoIterator<Item = &'a tenure_domain::Snapshot>,
    ) -> Vec<Example<'a>> {
        snapshots
            .into_iter()
            .filter_map(|s| match s.outcome {
                Some(tenure_domain::Outcome::Left(left)) => Some(Example {
                    values: &s.values,
                    left,
                }),
                _ => None,
            })
            .collect()
    }
}

/// How to train: the learner, the seed of every random choice, and the threads trees may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingSettings {
    pub learner: LearnerChoice,
    pub seed: u64,
    /// Never more than the cores free: LightGBM's OpenMP threads spin when oversubscribed.
    pub threads: usize,
}

impl TrainingSettings {
    /// Trees fitted on `rows` rows; a refit passes the rows of the fit that chose its number
    /// of trees, so that both learn at the same rate.
    pub(crate) fn gbm(&self, max_iterations: usize, rows: usize) -> GbmSettings {
        let defaults = GbmSettings::default();
        GbmSettings {
            max_iterations,
            learning_rate: if rows >= MANY_ROWS {
                MANY_ROWS_LEARNING_RATE
            } else {
                defaults.learning_rate
            },
            seed: self.seed,
            threads: self.threads.max(1),
            narrow: rows >= MANY_ROWS,
            ..defaults
        }
    }
}

/// Rows from which trees learn faster. A tree's split on tens of thousands of rows is
/// seldom noise, so larger steps lose nothing, and a third of the trees cost a third of
/// the time: at 1M simulated person-months (about 100,000 rows fitted per origin) the
/// backtest's ROC AUC was 0.6880 at this rate against 0.6879 at the small-data rate, and each
/// origin's trees took about 5 s rather than 12 s (`bench/README.md`). Not lower: from 10,000
/// rows, a simulated 5,000-person panel's early origins (30,000–45,000 rows) stopped at 18
/// trees and one lost 0.011 of ROC AUC.
const MANY_ROWS: usize = 50_000;
const MANY_ROWS_LEARNING_RATE: f64 = 0.1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossValidation {
    pub folds: usize,
    pub training: TrainingSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error(transparent)]
    Gbm(#[from] GbmError),
    #[error("{folds}-fold cross-validation needs at least {folds} leavers and {folds} stayers; the data has {positives} and {negatives}")]
    TooFewOutcomes {
        folds: usize,
        positives: usize,
        negatives: usize,
    },
    #[error("at least 2 folds are needed")]
    TooFewFolds,
}

/// Cross-validated figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Every figure over all held-out predictions pooled.
    pub pooled: Summary,
    /// Mean of the folds' ROC AUCs (as scikit-learn's `cross_val_score` reports).
    pub roc_auc: f64,
    pub roc_auc_by_fold: Vec<f64>,
    pub learner: String,
    /// What each outer fold's training chose (learner, penalty or trees, calibration).
    pub models_by_fold: Vec<String>,
    pub fit_seconds: f64,
    /// Held-out calibrated probability of every example, in input order.
    pub probabilities: Vec<f64>,
    /// The held-out rows of each fold (indices into the examples), so other tools can be
    /// run on exactly the same folds.
    pub folds: Vec<Vec<usize>>,
}

/// Which learner to train. `Auto` lets held-back rows choose between the two, or their blend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnerChoice {
    Auto,
    Logistic,
    Gbm,
}

impl LearnerChoice {
    pub fn name(self) -> &'static str {
        match self {
            LearnerChoice::Auto => "auto",
            LearnerChoice::Logistic => "logistic",
            LearnerChoice::Gbm => "gbm",
        }
    }

    /// The choice a name stands for: auto, logistic or gbm.
    pub fn parse(name: &str) -> Option<LearnerChoice> {
        [
            LearnerChoice::Auto,
            LearnerChoice::Logistic,
            LearnerChoice::Gbm,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }
}

/// The learner that won the held-out comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Candidate {
    Logistic,
    Gbm,
    Blend,
}

/// The candidates `choice` allows, each with its held-out log-odds; the blend averages the
/// first two when both learners ran.
pub(crate) fn candidates<'s>(
    choice: LearnerChoice,
    logistic: &'s [f64],
    gbm: &'s [f64],
    blend: &'s [f64],
) -> Vec<(Candidate, &'s [f64])> {
    match choice {
        LearnerChoice::Logistic => vec![(Candidate::Logistic, logistic)],
        LearnerChoice::Gbm => vec![(Candidate::Gbm, gbm)],
        LearnerChoice::Auto => vec![
            (Candidate::Logistic, logistic),
            (Candidate::Gbm, gbm),
            (Candidate::Blend, blend),
        ],
    }
}

/// The candidate with the lowest held-out log-loss.
pub(crate) fn best_candidate<'s>(
    labels: &[bool],
    candidates: Vec<(Candidate, &'s [f64])>,
) -> (Candidate, &'s [f64]) {
    candidates
        .into_iter()
        .min_by(|a, b| raw_log_loss(labels, a.1).total_cmp(&raw_log_loss(labels, b.1)))
        .expect("a candidate")
}

/// Fits the chosen learner on every training row, with the penalty and tree count the
/// held-out rows settled on.
pub(crate) fn refit(
    training: Training<'_>,
    chosen: Candidate,
    lambda: f64,
    trees: GbmSettings,
    calibrator: Calibrator,
) -> Result<TrainedModel, GbmError> {
    let (design, x) = encode(training.table, training.rows);
    let (labels, weights, width) = (training.labels, training.weights, design.width());
    let reads = tree_reads(&design, &trees);
    let gbm = || GbmModel::fit_reading(&x, width, reads.as_deref(), labels, weights, &trees, None);
    let logistic = || fit_weighted_logistic(&x, width, labels, weights, lambda, None);
    let learner = match chosen {
        Candidate::Logistic => FittedLearner::Logistic(logistic()),
        Candidate::Gbm => FittedLearner::Gbm(gbm()?),
        Candidate::Blend => FittedLearner::Blend(logistic(), gbm()?),
    };
    let feature_means = column_means(&x, width);
    Ok(TrainedModel {
        design,
        learner,
        lambda,
        calibrator,
        feature_means,
    })
}

/// Rows of a feature table to train on, and whether each was followed by an exit.
#[derive(Debug, Clone, Copy)]
pub struct Training<'t> {
    pub table: &'t FeatureTable,
    pub rows: &'t [u32],
    /// One per row.
    pub labels: &'t [bool],
    /// How many rows each row stands for, when they were sampled (one per row).
    pub weights: Option<&'t [f32]>,
}

impl Training<'_> {
    /// The examples' rows (in order) as a table, with their labels.
    fn table_of(examples: &[Example<'_>]) -> (FeatureTable, Vec<u32>, Vec<bool>) {
        let maps: Vec<&BTreeMap<String, Value>> = examples.iter().map(|e| e.values).collect();
        let table = FeatureTable::from_maps(&maps);
        let rows = (0..examples.len() as u32).collect();
        let labels = examples.iter().map(|e| e.left).collect();
        (table, rows, labels)
    }
}

fn column_means(x: &[f32], width: usize) -> Vec<f64> {
    let mut sums = vec![0.0; width];
    let rows = x.len() / width.max(1);
    for row in x.chunks_exact(width.max(1)) {
        for (sum, &v) in sums.iter_mut().zip(row) {
            *sum += f64::from(v);
        }
    }
    sums.into_iter().map(|s| s / rows.max(1) as f64).collect()
}

pub(crate) fn average(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| (a + b) / 2.0).collect()
}

/// Penalties tried on the validation rows (λ = 1/C in scikit-learn's terms).
pub(crate) const LAMBDAS: [f64; 5] = [0.3, 1.0, 3.0, 10.0, 30.0];
/// One row (or group of rows) in this many is held back to choose the learner.
const VALIDATION_SHARE: usize = 4;
/// Share of a fit's rows held back to stop the trees early.
const EARLY_STOPPING_SHARE: usize = 7; // one row in seven

pub fn cross_validate(
    examples: &[Example<'_>],
    settings: CrossValidation,
) -> Result<Evaluation, EvaluationError> {
    let folds = stratified_folds(examples, settings.folds, settings.training.seed)?;
    let started = Instant::now();
    let (table, _, labels) = Training::table_of(examples);
    let mut probabilities = vec![0.0; examples.len()];
    let mut models_by_fold = Vec::new();
    let mut by_fold = Vec::new();
    for held_out in &folds {
        let train: Vec<u32> = (0..examples.len() as u32)
            .filter(|&i| held_out.binary_search(&(i as usize)).is_err())
            .collect();
        let train_labels: Vec<bool> = train.iter().map(|&i| labels[i as usize]).collect();
        let training = Training {
            table: &table,
            rows: &train,
            labels: &train_labels,
            weights: None,
        };
        let model = train_rows(training, &settings.training)?;
        models_by_fold.push(model.describe());
        let held_labels: Vec<bool> = held_out.iter().map(|&i| labels[i]).collect();
        let held: Vec<u32> = held_out.iter().map(|&i| i as u32).collect();
        let scores = model.probabilities_of(&table, &held)?;
        by_fold.push(roc_auc(&held_labels, &scores).unwrap_or(0.5));
        for (&i, p) in held_out.iter().zip(scores) {
            probabilities[i] = p;
        }
    }
    Ok(Evaluation {
        pooled: Summary::of(&labels, &probabilities),
        roc_auc: by_fold.iter().sum::<f64>() / by_fold.len() as f64,
        roc_auc_by_fold: by_fold,
        learner: settings.training.learner.name().into(),
        models_by_fold,
        fit_seconds: started.elapsed().as_secs_f64(),
        probabilities,
        folds,
    })
}

/// Log-odds of the candidate learners over the validation rows, fitted without them.
struct ValidationScores {
    /// One column per penalty in [`LAMBDAS`]; `None` for those not fitted (weaker than one
    /// whose held-out loss was already worse than a stronger one's).
    logistic: Vec<Option<Vec<f64>>>,
    gbm: Vec<f64>,
    /// Where early stopping stopped the trees, when they ran.
    gbm_iterations: Option<usize>,
}

/// Trains on `examples` alone. A stratified quarter of them, held back, gives every candidate
/// validation scores: the penalty is chosen by their log-loss, then the learner (logistic,
/// trees or their blend) by log-loss, then the calibration by held-out Brier score.
pub fn train_cross_section(
    examples: &[Example<'_>],
    settings: &TrainingSettings,
) -> Result<TrainedModel, EvaluationError> {
    let (table, rows, labels) = Training::table_of(examples);
    let training = Training {
        table: &table,
        rows: &rows,
        labels: &labels,
        weights: None,
    };
    train_rows(training, settings)
}

/// [`train_cross_section`] of rows of a table.
pub fn train_rows(
    training: Training<'_>,
    settings: &TrainingSettings,
) -> Result<TrainedModel, EvaluationError> {
    let validation = stratified_label_folds(
        training.labels,
        VALIDATION_SHARE,
        settings.seed.wrapping_add(1),
    )
    .map(first_fold)
    .unwrap_or_default();
    train_with_validation(training, &validation, settings, choose)
}

/// [`train_cross_section`] for rows that come in groups — a person's months — which must not
/// be split between the fit and the validation rows, or the choice would be made on rows it
/// had half seen. Meant for monthly hazards, so calibration is strictly increasing (see
/// [`choose_smooth`]). `groups[i]` is row i's group number (0..number of groups).
pub fn train_grouped(
    training: Training<'_>,
    groups: &[usize],
    settings: &TrainingSettings,
) -> Result<TrainedModel, EvaluationError> {
    let validation = first_fold(grouped_folds(
        training.labels,
        groups,
        VALIDATION_SHARE,
        settings.seed.wrapping_add(1),
    ));
    train_with_validation(training, &validation, settings, choose_smooth)
}

/// The first of some folds (none when there are none).
fn first_fold(folds: Vec<Vec<usize>>) -> Vec<usize> {
    folds.into_iter().next().unwrap_or_default()
}

/// Folds that keep each group whole, stratified by whether the group has a positive row.
/// Empty (no folds) when there are too few groups of either kind.
fn grouped_folds(labels: &[bool], groups: &[usize], folds: usize, seed: u64) -> Vec<Vec<usize>> {
    let count = groups.iter().max().map_or(0, |g| g + 1);
    let mut positive = vec![false; count];
    for (&left, &g) in labels.iter().zip(groups) {
        positive[g] |= left;
    }
    let Ok(group_folds) = stratified_label_folds(&positive, folds, seed) else {
        return Vec::new();
    };
    let mut fold_of_group = vec![0; count];
    for (fold, members) in group_folds.iter().enumerate() {
        for &g in members {
            fold_of_group[g] = fold;
        }
    }
    let mut dealt = vec![Vec::new(); folds];
    for (i, &g) in groups.iter().enumerate() {
        dealt[fold_of_group[g]].push(i);
    }
    dealt
}

/// Fits every candidate once on the rows outside `validation` (positions in
/// `training.rows`, sorted), chooses the penalty, the learner and the calibration by the
/// validation rows' scores, and refits the choice on every row. One split rather than inner
/// folds: the choice costs about one fit more than the model itself. With no validation rows
/// the defaults stand (the middle penalty, no calibration).
fn train_with_validation(
    training: Training<'_>,
    validation: &[usize],
    settings: &TrainingSettings,
    calibrate: fn(&[f64], &[bool]) -> Calibrator,
) -> Result<TrainedModel, EvaluationError> {
    let choice = settings.learner;
    let labels: Vec<bool> = validation.iter().map(|&i| training.labels[i]).collect();
    let scores = validation_scores(training, validation, settings)?;
    let untried = vec![0.0; validation.len()];
    let logistic = |l: usize| scores.logistic[l].as_deref().unwrap_or(&untried);
    let best_lambda = (0..LAMBDAS.len())
        .filter(|&l| scores.logistic[l].is_some())
        .min_by(|&a, &b| {
            raw_log_loss(&labels, logistic(a)).total_cmp(&raw_log_loss(&labels, logistic(b)))
        })
        .filter(|_| !validation.is_empty())
        .unwrap_or(1);
    let blend = average(logistic(best_lambda), &scores.gbm);
    let (chosen, held_out) = best_candidate(
        &labels,
        candidates(choice, logistic(best_lambda), &scores.gbm, &blend),
    );
    let calibrator = if validation.is_empty() {
        Calibrator::Identity
    } else {
        calibrate(held_out, &labels)
    };
    // The refit sees a third more rows than the fit that stopped: a few more trees.
    let iterations = scores
        .gbm_iterations
        .map_or(10, |i| (i + i / VALIDATION_SHARE).max(10));
    let fitted_on = training.rows.len() - validation.len();
    Ok(refit(
        training,
        chosen,
        LAMBDAS[best_lambda],
        settings.gbm(iterations, fitted_on),
        calibrator,
    )?)
}

fn validation_scores(
    training: Training<'_>,
    validation: &[usize],
    settings: &TrainingSettings,
) -> Result<ValidationScores, GbmError> {
    let choice = settings.learner;
    let n = validation.len();
    let mut scores = ValidationScores {
        logistic: vec![None; LAMBDAS.len()],
        gbm: vec![0.0; n],
        gbm_iterations: None,
    };
    if validation.is_empty() {
        return Ok(scores);
    }
    let fit_at: Vec<usize> = (0..training.rows.len())
        .filter(|i| validation.binary_search(i).is_err())
        .collect();
    let fit_rows: Vec<u32> = fit_at.iter().map(|&i| training.rows[i]).collect();
    let labels: Vec<bool> = fit_at.iter().map(|&i| training.labels[i]).collect();
    let weights: Option<Vec<f32>> = training
        .weights
        .map(|w| fit_at.iter().map(|&i| w[i]).collect());
    let (design, x) = encode(training.table, &fit_rows);
    let held: Vec<u32> = validation.iter().map(|&i| training.rows[i]).collect();
    let held_x = design.encode_table(training.table, &held);
    let width = design.width();
    if choice != LearnerChoice::Gbm {
        // Strongest penalty first, each fit warm from the last; once the held-out loss rises,
        // weaker penalties (which fit the training rows ever more closely) are not tried.
        let path: Vec<f64> = LAMBDAS.iter().rev().copied().collect();
        let held_labels: Vec<bool> = validation.iter().map(|&i| training.labels[i]).collect();
        let mut best_loss = f64::INFINITY;
        fit_weighted_logistic_path(
            &x,
            width,
            &labels,
            weights.as_deref(),
            &path,
            |at, model| {
                let raw: Vec<f64> = held_x
                    .chunks_exact(width.max(1))
                    .map(|row| model.raw_score(row))
                    .collect();
                let loss = raw_log_loss(&held_labels, &raw);
                scores.logistic[LAMBDAS.len() - 1 - at] = Some(raw);
                let improved = loss < best_loss;
                best_loss = best_loss.min(loss);
                improved
            },
        );
    }
    if choice != LearnerChoice::Logistic {
        let model =
            fit_gbm_with_early_stopping(&x, &design, &labels, weights.as_deref(), settings)?;
        scores.gbm_iterations = Some(model.iterations());
        scores.gbm = model.raw_scores(&held_x)?;
    }
    Ok(scores)
}

/// Trees stopped early on every seventh training row, which they do not train on.
fn fit_gbm_with_early_stopping(
    x: &[f32],
    design: &Design,
    labels: &[bool],
    weights: Option<&[f32]>,
    settings: &TrainingSettings,
) -> Result<GbmModel, GbmError> {
    let width = design.width();
    let (mut fit_x, mut fit_y, mut fit_w, mut stop_x, mut stop_y) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, (row, &y)) in x.chunks_exact(width.max(1)).zip(labels).enumerate() {
        if i % EARLY_STOPPING_SHARE == EARLY_STOPPING_SHARE - 1 {
            stop_x.extend_from_slice(row);
            stop_y.push(y);
        } else {
            fit_x.extend_from_slice(row);
            fit_y.push(y);
            if let Some(w) = weights {
                fit_w.push(w[i]);
            }
        }
    }
    let trees = settings.gbm(GbmSettings::default().max_iterations, labels.len());
    GbmModel::fit_reading(
        &fit_x,
        width,
        tree_reads(design, &trees).as_deref(),
        &fit_y,
        weights.map(|_| fit_w.as_slice()),
        &trees,
        Some((&stop_x, &stop_y)),
    )
}

/// The design features trees fitted with `trees` read: the narrow set on large fits, all of
/// them (`None`) on small ones.
pub(crate) fn tree_reads(design: &Design, trees: &GbmSettings) -> Option<Vec<usize>> {
    trees.narrow.then(|| design.tree_features())
}

/// The design fitted on `rows` of `table`, and those rows encoded.
pub(crate) fn encode(table: &FeatureTable, rows: &[u32]) -> (Design, Vec<f32>) {
    let design = Design::fit_table(table, rows);
    let x = design.encode_table(table, rows);
    (design, x)
}

pub(crate) fn raw_log_loss(labels: &[bool], raw: &[f64]) -> f64 {
    let p: Vec<f64> = raw
        .iter()
        .map(|&z| crate::calibration::sigmoid(z))
        .collect();
    log_loss(labels, &p)
}

/// Folds with the same share of leavers each: leavers and stayers are shuffled separately
/// (seeded) and dealt round-robin. Each fold's indices are sorted.
pub fn stratified_folds(
    examples: &[Example<'_>],
    folds: usize,
    seed: u64,
) -> Result<Vec<Vec<usize>>, EvaluationError> {
    let labels: Vec<bool> = examples.iter().map(|e| e.left).collect();
    stratified_label_folds(&labels, folds, seed)
}

/// [`stratified_folds`] of bare outcomes (rows of any kind, people, groups of rows).
pub fn stratified_label_folds(
    labels: &[bool],
    folds: usize,
    seed: u64,
) -> Result<Vec<Vec<usize>>, EvaluationError> {
    if folds < 2 {
        return Err(EvaluationError::TooFewFolds);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut positives, mut negatives): (Vec<usize>, Vec<usize>) =
        (0..labels.len()).partition(|&i| labels[i]);
    if positives.len() < folds || negatives.len() < folds {
        return Err(EvaluationError::TooFewOutcomes {
            folds,
            positives: positives.len(),
            negatives: negatives.len(),
        });
    }
    positives.shuffle(&mut rng);
    negatives.shuffle(&mut rng);
    let mut dealt = vec![Vec::new(); folds];
    for (k, i) in positives.into_iter().chain(negatives).enumerate() {
        dealt[k % folds].push(i);
    }
    for fold in &mut dealt {
        fold.sort_unstable();
    }
    Ok(dealt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(values: &[BTreeMap<String, Value>], left: &[bool]) -> Vec<Example<'static>> {
        let values: &'static [BTreeMap<String, Value>] =
            Box::leak(values.to_vec().into_boxed_slice());
        values
            .iter()
            .zip(left)
            .map(|(v, &l)| Example { values: v, left: l })
            .collect()
    }

    #[test]
    fn folds_are_stratified_disjoint_and_cover_everyone() {
        let rows: Vec<BTreeMap<String, Value>> = (0..103).map(|_| BTreeMap::new()).collect();
        let left: Vec<bool> = (0..103).map(|i| i % 5 == 0).collect();
        let folds = stratified_folds(&examples(&rows, &left), 5, 1).unwrap();
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        for fold in &folds {
            let positives = fold.iter().filter(|&&i| left[i]).count();
            assert!((4..=5).contains(&positives), "{positives}");
        }
    }

    #[test]
    fn a_learnable_signal_is_found_and_calibrated() {
        // Leaving depends on pay alone: p = sigmoid(−1.5 − 1.2·pay_z); department is noise.
        let mut rows = Vec::new();
        let mut left = Vec::new();
        for i in 0..1200 {
            let pay = -2.0 + 4.0 * ((i * 7919) % 1200) as f64 / 1200.0;
            let p = crate::calibration::sigmoid(-1.5 - 1.2 * pay);
            let u = ((i * 104729) % 1000) as f64 / 1000.0;
            rows.push(BTreeMap::from([
                ("pay".to_string(), Value::Number(pay)),
                (
                    "dept".to_string(),
                    Value::Category(["A", "B", "C"][i % 3].to_string()),
                ),
            ]));
            left.push(u < p);
        }
        let settings = CrossValidation {
            folds: 5,
            training: TrainingSettings {
                learner: LearnerChoice::Auto,
                seed: 1,
                threads: 1,
            },
        };
        let evaluation = cross_validate(&examples(&rows, &left), settings).unwrap();
        assert!(evaluation.roc_auc > 0.75, "{}", evaluation.roc_auc);
        let pooled = &evaluation.pooled;
        assert!(
            pooled.expected_calibration_error < 0.05,
            "{}",
            pooled.expected_calibration_error
        );
        let mean_p = evaluation.probabilities.iter().sum::<f64>() / pooled.n as f64;
        assert!((mean_p - pooled.positives as f64 / pooled.n as f64).abs() < 0.02);
    }

    #[test]
    fn protected_attributes_never_reach_the_learner() {
        let snapshot = tenure_domain::Snapshot {
            person: tenure_domain::PersonKey::parse("1").unwrap(),
            as_of: None,
            values: BTreeMap::from([("pay".to_string(), Value::Number(1.0))]),
            protected: BTreeMap::from([
                ("Gender".to_string(), Value::Category("F".into())),
                ("Age".to_string(), Value::Number(40.0)),
            ]),
            exit: None,
            outcome: Some(tenure_domain::Outcome::Left(true)),
        };
        let snapshots = vec![snapshot; 20];
        let examples = Example::from_snapshots(&snapshots);
        let (table, rows, _) = Training::table_of(&examples);
        let (design, _) = encode(&table, &rows);
        assert_eq!(design.feature_names, ["pay"]);
    }

    #[test]
    fn too_few_leavers_for_the_folds_is_an_error() {
        let rows: Vec<BTreeMap<String, Value>> = (0..10).map(|_| BTreeMap::new()).collect();
        let left: Vec<bool> = (0..10).map(|i| i == 0).collect();
        let error = cross_validate(
            &examples(&rows, &left),
            CrossValidation {
                folds: 5,
                training: TrainingSettings {
                    learner: LearnerChoice::Logistic,
                    seed: 1,
                    threads: 1,
                },
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                EvaluationError::TooFewOutcomes {
                    folds: 5,
                    positives: 1,
                    negatives: 9
                }
            ),
            "{error}"
        );
    }
}
