//! Honest evaluation of a cross-section: stratified k-fold cross-validation where every
//! choice (encoding, penalty, calibration) is made inside the training folds only, and the
//! held-out fold is scored once.

use crate::calibration::{choose, Calibrator};
use crate::design::Design;
use crate::logistic::{fit_logistic, LogisticModel};
use crate::metrics::{at_top_share, brier, expected_calibration_error, log_loss, pr_auc, roc_auc, ThresholdOutcome};
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
    pub fn from_snapshots(snapshots: impl IntoIterator<Item = &'a tenure_domain::Snapshot>) -> Vec<Example<'a>> {
        snapshots
            .into_iter()
            .filter_map(|s| match s.outcome {
                Some(tenure_domain::Outcome::Left(left)) => Some(Example { values: &s.values, left }),
                _ => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossValidation {
    pub folds: usize,
    pub seed: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvaluationError {
    #[error("{folds}-fold cross-validation needs at least {folds} leavers and {folds} stayers; the data has {positives} and {negatives}")]
    TooFewOutcomes { folds: usize, positives: usize, negatives: usize },
    #[error("at least 2 folds are needed")]
    TooFewFolds,
}

/// Cross-validated figures, pooled over the held-out folds.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub n: usize,
    pub positives: usize,
    /// Mean of the folds' ROC AUCs (as scikit-learn's `cross_val_score` reports).
    pub roc_auc: f64,
    pub roc_auc_by_fold: Vec<f64>,
    /// ROC AUC of all held-out predictions pooled.
    pub roc_auc_pooled: f64,
    pub pr_auc: f64,
    pub brier: f64,
    pub log_loss: f64,
    pub expected_calibration_error: f64,
    pub top_10_percent: ThresholdOutcome,
    pub learner: String,
    pub calibrations: Vec<String>,
    pub fit_seconds: f64,
    /// Held-out calibrated probability of every example, in input order.
    pub probabilities: Vec<f64>,
}

/// A trained cross-section model: encoding, learner and calibration.
#[derive(Debug, Clone)]
pub struct CrossSectionModel {
    pub design: Design,
    pub logistic: LogisticModel,
    pub lambda: f64,
    pub calibrator: Calibrator,
}

impl CrossSectionModel {
    pub fn probability(&self, values: &BTreeMap<String, Value>) -> f64 {
        let mut row = Vec::with_capacity(self.design.width());
        self.design.encode_into(values, &mut row);
        self.calibrator.apply(self.logistic.raw_score(&row))
    }
}

/// Penalties tried by the inner folds (λ = 1/C in scikit-learn's terms).
const LAMBDAS: [f64; 5] = [0.3, 1.0, 3.0, 10.0, 30.0];
const INNER_FOLDS: usize = 4;

pub fn cross_validate(examples: &[Example<'_>], settings: CrossValidation) -> Result<Evaluation, EvaluationError> {
    let folds = stratified_folds(examples, settings)?;
    let started = Instant::now();
    let mut probabilities = vec![0.0; examples.len()];
    let mut calibrations = Vec::new();
    let mut by_fold = Vec::new();
    for held_out in &folds {
        let train: Vec<Example> = (0..examples.len()).filter(|i| !held_out.contains(i)).map(|i| examples[i]).collect();
        let model = train_cross_section(&train, settings.seed);
        calibrations.push(format!("λ={} {}", model.lambda, model.calibrator.name()));
        let labels: Vec<bool> = held_out.iter().map(|&i| examples[i].left).collect();
        let scores: Vec<f64> = held_out.iter().map(|&i| model.probability(examples[i].values)).collect();
        by_fold.push(roc_auc(&labels, &scores).unwrap_or(0.5));
        for (&i, p) in held_out.iter().zip(scores) {
            probabilities[i] = p;
        }
    }
    let labels: Vec<bool> = examples.iter().map(|e| e.left).collect();
    Ok(Evaluation {
        n: examples.len(),
        positives: labels.iter().filter(|&&l| l).count(),
        roc_auc: by_fold.iter().sum::<f64>() / by_fold.len() as f64,
        roc_auc_by_fold: by_fold,
        roc_auc_pooled: roc_auc(&labels, &probabilities).unwrap_or(0.5),
        pr_auc: pr_auc(&labels, &probabilities).unwrap_or(0.0),
        brier: brier(&labels, &probabilities),
        log_loss: log_loss(&labels, &probabilities),
        expected_calibration_error: expected_calibration_error(&labels, &probabilities, 10),
        top_10_percent: at_top_share(&labels, &probabilities, 0.10),
        learner: "logistic".into(),
        calibrations,
        fit_seconds: started.elapsed().as_secs_f64(),
        probabilities,
    })
}

/// Trains on `examples` alone: the penalty is chosen by inner folds' log-loss, the
/// calibration by the inner folds' held-out Brier score.
pub fn train_cross_section(examples: &[Example<'_>], seed: u64) -> CrossSectionModel {
    let inner = stratified_folds(examples, CrossValidation { folds: INNER_FOLDS, seed: seed.wrapping_add(1) }).unwrap_or_default();
    let mut out_of_fold: Vec<Vec<f64>> = vec![vec![0.0; examples.len()]; LAMBDAS.len()];
    for held_out in &inner {
        let train: Vec<Example> = (0..examples.len()).filter(|i| !held_out.contains(i)).map(|i| examples[i]).collect();
        let (design, x) = encode(&train);
        let labels: Vec<bool> = train.iter().map(|e| e.left).collect();
        for (l, &lambda) in LAMBDAS.iter().enumerate() {
            let model = fit_logistic(&x, design.width(), &labels, lambda);
            for &i in held_out {
                let mut row = Vec::with_capacity(design.width());
                design.encode_into(examples[i].values, &mut row);
                out_of_fold[l][i] = model.raw_score(&row);
            }
        }
    }
    let labels: Vec<bool> = examples.iter().map(|e| e.left).collect();
    let best = if inner.is_empty() {
        1
    } else {
        (0..LAMBDAS.len())
            .min_by(|&a, &b| raw_log_loss(&labels, &out_of_fold[a]).total_cmp(&raw_log_loss(&labels, &out_of_fold[b])))
            .expect("penalties")
    };
    let calibrator = if inner.is_empty() { Calibrator::Identity } else { choose(&out_of_fold[best], &labels) };
    let (design, x) = encode(examples);
    let logistic = fit_logistic(&x, design.width(), &labels, LAMBDAS[best]);
    CrossSectionModel { design, logistic, lambda: LAMBDAS[best], calibrator }
}

fn encode(examples: &[Example<'_>]) -> (Design, Vec<f64>) {
    let rows: Vec<&BTreeMap<String, Value>> = examples.iter().map(|e| e.values).collect();
    let design = Design::fit(&rows);
    let x = design.encode_all(&rows);
    (design, x)
}

fn raw_log_loss(labels: &[bool], raw: &[f64]) -> f64 {
    let p: Vec<f64> = raw.iter().map(|&z| crate::calibration::sigmoid(z)).collect();
    log_loss(labels, &p)
}

/// Folds with the same share of leavers each: leavers and stayers are shuffled separately
/// (seeded) and dealt round-robin.
pub fn stratified_folds(examples: &[Example<'_>], settings: CrossValidation) -> Result<Vec<Vec<usize>>, EvaluationError> {
    if settings.folds < 2 {
        return Err(EvaluationError::TooFewFolds);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let (mut positives, mut negatives): (Vec<usize>, Vec<usize>) = (0..examples.len()).partition(|&i| examples[i].left);
    if positives.len() < settings.folds || negatives.len() < settings.folds {
        return Err(EvaluationError::TooFewOutcomes { folds: settings.folds, positives: positives.len(), negatives: negatives.len() });
    }
    positives.shuffle(&mut rng);
    negatives.shuffle(&mut rng);
    let mut folds = vec![Vec::new(); settings.folds];
    for (k, i) in positives.into_iter().chain(negatives).enumerate() {
        folds[k % settings.folds].push(i);
    }
    for fold in &mut folds {
        fold.sort_unstable();
    }
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(values: &[BTreeMap<String, Value>], left: &[bool]) -> Vec<Example<'static>> {
        let values: &'static [BTreeMap<String, Value>] = Box::leak(values.to_vec().into_boxed_slice());
        values.iter().zip(left).map(|(v, &l)| Example { values: v, left: l }).collect()
    }

    #[test]
    fn folds_are_stratified_disjoint_and_cover_everyone() {
        let rows: Vec<BTreeMap<String, Value>> = (0..103).map(|_| BTreeMap::new()).collect();
        let left: Vec<bool> = (0..103).map(|i| i % 5 == 0).collect();
        let folds = stratified_folds(&examples(&rows, &left), CrossValidation { folds: 5, seed: 1 }).unwrap();
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
                ("dept".to_string(), Value::Category(["A", "B", "C"][i % 3].to_string())),
            ]));
            left.push(u < p);
        }
        let evaluation = cross_validate(&examples(&rows, &left), CrossValidation { folds: 5, seed: 1 }).unwrap();
        assert!(evaluation.roc_auc > 0.75, "{}", evaluation.roc_auc);
        assert!(evaluation.expected_calibration_error < 0.05, "{}", evaluation.expected_calibration_error);
        let mean_p = evaluation.probabilities.iter().sum::<f64>() / evaluation.n as f64;
        assert!((mean_p - evaluation.positives as f64 / evaluation.n as f64).abs() < 0.02);
    }

    #[test]
    fn protected_attributes_never_reach_the_learner() {
        let snapshot = tenure_domain::Snapshot {
            person: tenure_domain::PersonKey::parse("1").unwrap(),
            as_of: None,
            values: BTreeMap::from([("pay".to_string(), Value::Number(1.0))]),
            protected: BTreeMap::from([("Gender".to_string(), Value::Category("F".into())), ("Age".to_string(), Value::Number(40.0))]),
            exit: None,
            outcome: Some(tenure_domain::Outcome::Left(true)),
        };
        let snapshots = vec![snapshot; 20];
        let examples = Example::from_snapshots(&snapshots);
        let (design, _) = encode(&examples);
        assert_eq!(design.feature_names, ["pay"]);
    }

    #[test]
    fn too_few_leavers_for_the_folds_is_an_error() {
        let rows: Vec<BTreeMap<String, Value>> = (0..10).map(|_| BTreeMap::new()).collect();
        let left: Vec<bool> = (0..10).map(|i| i == 0).collect();
        let error = cross_validate(&examples(&rows, &left), CrossValidation { folds: 5, seed: 1 }).unwrap_err();
        assert_eq!(error, EvaluationError::TooFewOutcomes { folds: 5, positives: 1, negatives: 9 });
    }
}
