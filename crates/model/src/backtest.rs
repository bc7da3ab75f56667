//! Rolling-origin backtests of a panel: at each origin month t, train only on person-months
//! whose outcome was already known at t (as-of ≤ t − horizon), score the people present at t,
//! and compare with what happened in the following horizon. This is "how right would past
//! warnings have been", measured the way they would have been made.

use crate::calibration::{choose, Calibrator};
use crate::evaluate::{encode, raw_log_loss, Example, FittedLearner, LearnerChoice, TrainingSettings, LAMBDAS};
use crate::gbm::{GbmError, GbmModel, GbmSettings};
use crate::logistic::fit_logistic;
use crate::metrics::{roc_auc, Summary};
use crate::panel::{person_months, PanelRoles, PersonMonth};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::time::Instant;
use tenure_domain::{Snapshot, Value};

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("the panel spans {months} months: a backtest with a {horizon}-month horizon needs at least {needed}")]
    TooShort { months: usize, horizon: i32, needed: usize },
    #[error(transparent)]
    Gbm(#[from] GbmError),
}

/// One origin's result.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginResult {
    pub as_of: NaiveDate,
    pub trained_on: usize,
    pub scored: usize,
    pub leavers: usize,
    pub roc_auc: Option<f64>,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    pub horizon_months: i32,
    pub origins: Vec<OriginResult>,
    /// Pooled over every origin's scored people.
    pub pooled: Summary,
    pub learner: String,
    pub fit_seconds: f64,
    /// (snapshot index, calibrated probability) of every scored person-month.
    pub scored: Vec<(usize, f64)>,
}

/// Months of validation at the end of a training window, used to choose and calibrate.
const VALIDATION_MONTHS: usize = 3;
/// Minimum months of labelled history to train on.
const MIN_TRAINING_MONTHS: usize = 3;

/// Runs `origins` backtests, the last at the latest month whose outcome is known, spaced
/// `step` months apart.
pub fn rolling_backtest(
    snapshots: &[Snapshot],
    roles: &PanelRoles,
    horizon: i32,
    origins: usize,
    step: usize,
    settings: &TrainingSettings,
) -> Result<Backtest, BacktestError> {
    let started = Instant::now();
    let months_data = person_months(snapshots, roles, horizon);
    let months: Vec<NaiveDate> = {
        let mut m: Vec<NaiveDate> = months_data.iter().map(|m| m.as_of).collect();
        m.dedup();
        m
    };
    let h = horizon as usize;
    // The last origin must have a known outcome; the first must leave room to train and validate.
    let needed = MIN_TRAINING_MONTHS + VALIDATION_MONTHS + 2 * h + 1 + step * origins.saturating_sub(1);
    if months.len() < needed || months.len() <= h {
        return Err(BacktestError::TooShort { months: months.len(), horizon, needed });
    }
    let last_known = months.len() - 1 - h;
    let origin_positions: Vec<usize> = (0..origins).rev().map(|k| last_known - k * step).collect();
    let mut results = Vec::new();
    let mut scored = Vec::new();
    let mut labels = Vec::new();
    for position in origin_positions {
        let origin = months[position];
        // Known at the origin: outcomes whose window closed by then.
        let train: Vec<&PersonMonth> = months_data.iter().filter(|m| m.label.is_some() && months.binary_search(&m.as_of).map_or(false, |i| i + h <= position)).collect();
        let test: Vec<&PersonMonth> = months_data.iter().filter(|m| m.as_of == origin && m.label.is_some()).collect();
        let model = train_panel(&train, &months, position, h, settings)?;
        let rows: Vec<&BTreeMap<String, Value>> = test.iter().map(|m| &m.values).collect();
        let probabilities = model.probabilities(&rows)?;
        let origin_labels: Vec<bool> = test.iter().map(|m| m.label == Some(true)).collect();
        results.push(OriginResult {
            as_of: origin,
            trained_on: train.len(),
            scored: test.len(),
            leavers: origin_labels.iter().filter(|&&l| l).count(),
            roc_auc: roc_auc(&origin_labels, &probabilities),
            model: model.describe(),
        });
        scored.extend(test.iter().map(|m| m.snapshot).zip(probabilities));
        labels.extend(origin_labels);
    }
    let p: Vec<f64> = scored.iter().map(|(_, p)| *p).collect();
    Ok(Backtest {
        horizon_months: horizon,
        origins: results,
        pooled: Summary::of(&labels, &p),
        learner: settings.learner.name().into(),
        fit_seconds: started.elapsed().as_secs_f64(),
        scored,
    })
}

/// A panel model: the learner and calibration chosen on the training window's last months.
struct PanelModel {
    design: crate::design::Design,
    learner: FittedLearner,
    calibrator: Calibrator,
    description: String,
}

impl PanelModel {
    fn probabilities(&self, rows: &[&BTreeMap<String, Value>]) -> Result<Vec<f64>, GbmError> {
        let x = self.design.encode_all(rows);
        Ok(self.learner.raw_scores(&x, self.design.width())?.into_iter().map(|z| self.calibrator.apply(z)).collect())
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

/// Chooses on a later time slice: fit on months whose outcome was known before the
/// validation months began, validate on the last [`VALIDATION_MONTHS`] of the window, then
/// refit the choice on the whole window.
fn train_panel(train: &[&PersonMonth], months: &[NaiveDate], origin: usize, h: usize, settings: &TrainingSettings) -> Result<PanelModel, GbmError> {
    let window_end = origin - h; // last trainable month position
    let validation_start = window_end + 1 - VALIDATION_MONTHS.min(window_end);
    let position = |m: &PersonMonth| months.binary_search(&m.as_of).unwrap_or(0);
    let inner_train: Vec<&PersonMonth> = train.iter().copied().filter(|m| position(m) + h < validation_start).collect();
    let validation: Vec<&PersonMonth> = train.iter().copied().filter(|m| position(m) >= validation_start).collect();
    let examples = |rows: &[&PersonMonth]| -> Vec<(BTreeMap<String, Value>, bool)> { rows.iter().map(|m| (m.values.clone(), m.label == Some(true))).collect() };
    let (fit_rows, check_rows) = (examples(&inner_train), examples(&validation));
    let fit_examples: Vec<Example> = fit_rows.iter().map(|(v, l)| Example { values: v, left: *l }).collect();
    let check_examples: Vec<Example> = check_rows.iter().map(|(v, l)| Example { values: v, left: *l }).collect();
    let all_rows = examples(train);
    let all_examples: Vec<Example> = all_rows.iter().map(|(v, l)| Example { values: v, left: *l }).collect();
    let check_labels: Vec<bool> = check_examples.iter().map(|e| e.left).collect();

    let (design, x) = encode(&fit_examples);
    let fit_labels: Vec<bool> = fit_examples.iter().map(|e| e.left).collect();
    let check_x = design.encode_all(&check_examples.iter().map(|e| e.values).collect::<Vec<_>>());
    let width = design.width();
    let mut candidates: Vec<(String, Vec<f64>)> = Vec::new();
    let mut best_lambda = LAMBDAS[1];
    if settings.learner != LearnerChoice::Gbm {
        let mut best: Option<(f64, f64, Vec<f64>)> = None;
        for &lambda in &LAMBDAS[1..4] {
            let model = fit_logistic(&x, width, &fit_labels, lambda);
            let raw: Vec<f64> = check_x.chunks_exact(width.max(1)).map(|r| model.raw_score(r)).collect();
            let loss = raw_log_loss(&check_labels, &raw);
            if best.as_ref().is_none_or(|b| loss < b.0) {
                best = Some((loss, lambda, raw));
            }
        }
        let (_, lambda, raw) = best.expect("penalties");
        best_lambda = lambda;
        candidates.push(("logistic".into(), raw));
    }
    let mut iterations = 100;
    if settings.learner != LearnerChoice::Logistic {
        let gbm_settings = GbmSettings { seed: settings.seed, threads: settings.threads.max(1), ..Default::default() };
        let model = GbmModel::fit(&x, width, &fit_labels, &gbm_settings, Some((&check_x, &check_labels)))?;
        iterations = model.iterations().max(10);
        candidates.push(("gbm".into(), model.raw_scores(&check_x)?));
    }
    if candidates.len() == 2 {
        let blend: Vec<f64> = candidates[0].1.iter().zip(&candidates[1].1).map(|(a, b)| (a + b) / 2.0).collect();
        candidates.push(("blend".into(), blend));
    }
    let (chosen, raw) = candidates
        .into_iter()
        .min_by(|a, b| raw_log_loss(&check_labels, &a.1).total_cmp(&raw_log_loss(&check_labels, &b.1)))
        .expect("a candidate");
    let calibrator = choose(&raw, &check_labels);

    let (design, x) = encode(&all_examples);
    let labels: Vec<bool> = all_examples.iter().map(|e| e.left).collect();
    let gbm = || GbmModel::fit(&x, design.width(), &labels, &GbmSettings { max_iterations: iterations, seed: settings.seed, threads: settings.threads.max(1), ..Default::default() }, None);
    let learner = match chosen.as_str() {
        "logistic" => FittedLearner::Logistic(fit_logistic(&x, design.width(), &labels, best_lambda)),
        "gbm" => FittedLearner::Gbm(gbm()?),
        _ => FittedLearner::Blend(fit_logistic(&x, design.width(), &labels, best_lambda), gbm()?),
    };
    let description = match &learner {
        FittedLearner::Logistic(_) => format!("logistic λ={best_lambda}"),
        FittedLearner::Gbm(g) => format!("gbm {} trees", g.iterations()),
        FittedLearner::Blend(_, g) => format!("blend of logistic λ={best_lambda} and gbm {} trees", g.iterations()),
    };
    Ok(PanelModel { design, learner, calibrator: calibrator.clone(), description: format!("{description}, calibration {}", calibrator.name()) })
}
