//! A trained model, of a cross-section or a panel: the encoding fitted on its training rows,
//! the learner, and the calibration. It scores, explains its scores, and saves itself as an
//! artifact that loads back to give the very same scores.

use crate::calibration::Calibrator;
use crate::design::Design;
use crate::evaluate::average;
use crate::explain::{Explainer, Explanation};
use crate::gbm::{GbmError, GbmModel};
use crate::logistic::LogisticModel;
use crate::table::{FeatureColumn, FeatureTable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tenure_domain::{RoleColumns, Value};

/// A fitted learner: log-odds from an encoded row.
#[derive(Debug)]
pub enum FittedLearner {
    Logistic(LogisticModel),
    Gbm(GbmModel),
    /// The mean of both learners' log-odds.
    Blend(LogisticModel, GbmModel),
}

impl FittedLearner {
    pub fn name(&self) -> &'static str {
        match self {
            FittedLearner::Logistic(_) => "logistic",
            FittedLearner::Gbm(_) => "gbm",
            FittedLearner::Blend(..) => "blend",
        }
    }

    /// Log-odds of many row-major rows.
    pub fn raw_scores(&self, x: &[f32], width: usize) -> Result<Vec<f64>, GbmError> {
        let linear = |m: &LogisticModel| {
            x.chunks_exact(width.max(1))
                .map(|row| m.raw_score(row))
                .collect::<Vec<f64>>()
        };
        Ok(match self {
            FittedLearner::Logistic(m) => linear(m),
            FittedLearner::Gbm(g) => g.raw_scores(x)?,
            FittedLearner::Blend(m, g) => average(&linear(m), &g.raw_scores(x)?),
        })
    }

    /// Each feature's contribution to each row's log-odds, row-major, `width` per row:
    /// exact TreeSHAP for trees, w·(x − training mean) for the linear model, so that in both
    /// a contribution says how far this person's value moves them from the typical person.
    fn contributions(
        &self,
        x: &[f32],
        width: usize,
        feature_means: &[f64],
    ) -> Result<Vec<f64>, GbmError> {
        let linear = |m: &LogisticModel| -> Vec<f64> {
            x.chunks_exact(width.max(1))
                .flat_map(|row| {
                    row.iter()
                        .zip(&m.weights)
                        .zip(feature_means)
                        .map(|((&x, w), mean)| w * (f64::from(x) - mean))
                })
                .collect()
        };
        let trees = |g: &GbmModel| -> Result<Vec<f64>, GbmError> {
            // LightGBM appends each row's expected value after its features: drop it.
            Ok(g.contributions(x)?
                .chunks_exact(width + 1)
                .flat_map(|row| row[..width].to_vec())
                .collect())
        };
        Ok(match self {
            FittedLearner::Logistic(m) => linear(m),
            FittedLearner::Gbm(g) => trees(g)?,
            FittedLearner::Blend(m, g) => average(&linear(m), &trees(g)?),
        })
    }
}

#[derive(Debug)]
pub struct TrainedModel {
    pub design: Design,
    pub learner: FittedLearner,
    pub lambda: f64,
    pub calibrator: Calibrator,
    /// Mean of every encoded feature over the training rows: the linear model's baseline.
    pub feature_means: Vec<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("the model artifact is not valid: {0}")]
    Format(#[from] serde_json::Error),
    #[error("the model artifact has format {found}; this tenure reads format {ARTIFACT_FORMAT}")]
    Version { found: u32 },
    #[error(transparent)]
    Gbm(#[from] GbmError),
}

/// Rows explained at once: their contributions are `width` numbers each.
const EXPLAIN_CHUNK: usize = 4096;

/// Every row of `table`, in order.
pub(crate) fn all_rows(table: &FeatureTable) -> Vec<u32> {
    (0..table.len() as u32).collect()
}

/// Bumped whenever the artifact's layout changes.
pub const ARTIFACT_FORMAT: u32 = 1;

/// What a saved model holds; trees in LightGBM's own text format (Python LightGBM loads it).
#[derive(Serialize, Deserialize)]
struct Artifact {
    format: u32,
    design: Design,
    learner: LearnerArtifact,
    lambda: f64,
    calibrator: Calibrator,
    feature_means: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum LearnerArtifact {
    Logistic {
        logistic: LogisticModel,
    },
    Gbm {
        lightgbm: String,
        /// The design features the trees read; absent in artifacts saved before trees read
        /// fewer features than the design has (they read them all).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reads: Option<Vec<usize>>,
    },
    Blend {
        logistic: LogisticModel,
        lightgbm: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reads: Option<Vec<usize>>,
    },
}

impl TrainedModel {
    /// Calibrated probabilities of many people.
    pub fn probabilities(&self, rows: &[&BTreeMap<String, Value>]) -> Result<Vec<f64>, GbmError> {
        let table = FeatureTable::from_maps(rows);
        self.probabilities_of(&table, &all_rows(&table))
    }

    /// Calibrated probabilities of the rows `rows` of `table`.
    pub fn probabilities_of(
        &self,
        table: &FeatureTable,
        rows: &[u32],
    ) -> Result<Vec<f64>, GbmError> {
        Ok(self
            .raw_scores_of(table, rows)?
            .into_iter()
            .map(|z| self.calibrator.apply(z))
            .collect())
    }

    /// The learner's log-odds (before calibration) of the rows `rows` of `table`.
    pub fn raw_scores_of(&self, table: &FeatureTable, rows: &[u32]) -> Result<Vec<f64>, GbmError> {
        let x = self.design.encode_table(table, rows);
        self.learner.raw_scores(&x, self.design.width())
    }

    /// Every row's factors, in plain words, from the learner's exact contributions summed
    /// back to the user's columns. The contributions are in the learner's log-odds, before the
    /// (monotone) calibration.
    pub fn explain(
        &self,
        rows: &[&BTreeMap<String, Value>],
        roles: &RoleColumns,
    ) -> Result<Vec<Explanation>, GbmError> {
        let table = FeatureTable::from_maps(rows);
        self.explain_of(&table, &all_rows(&table), roles)
    }

    /// [`TrainedModel::explain`] of the rows `rows` of `table`, in chunks, so the
    /// contributions of a whole organization's rows are never all held at once.
    pub fn explain_of(
        &self,
        table: &FeatureTable,
        rows: &[u32],
        roles: &RoleColumns,
    ) -> Result<Vec<Explanation>, GbmError> {
        let width = self.design.width();
        let columns = self.design.columns.len();
        let explainer = Explainer::new(&self.design, roles);
        // Each design column's cells in the table, found once (a column it lacks is missing).
        let cells: Vec<Option<&FeatureColumn>> = (0..columns)
            .map(|c| table.column(self.design.column_name(c)))
            .collect();
        let mut explanations = Vec::with_capacity(rows.len());
        let mut by_column = vec![0.0; columns];
        for chunk in rows.chunks(EXPLAIN_CHUNK) {
            let x = self.design.encode_table(table, chunk);
            let contributions = self.learner.contributions(&x, width, &self.feature_means)?;
            for (row, &at) in contributions.chunks_exact(width.max(1)).zip(chunk) {
                by_column.fill(0.0);
                for (feature, c) in row.iter().enumerate() {
                    by_column[self.design.feature_column[feature]] += c;
                }
                let value =
                    |c: usize| cells[c].map_or(Value::Missing, |cells| cells.value(at as usize));
                explanations.push(explainer.explain(&by_column, value));
            }
        }
        Ok(explanations)
    }

    /// What the model is, in a few words ("gbm 180 trees, calibration isotonic").
    pub fn describe(&self) -> String {
        let learner = match &self.learner {
            FittedLearner::Logistic(_) => format!("logistic λ={}", self.lambda),
            FittedLearner::Gbm(g) => format!("gbm {} trees", g.iterations()),
            FittedLearner::Blend(_, g) => format!(
                "blend of logistic λ={} and gbm {} trees",
                self.lambda,
                g.iterations()
            ),
        };
        format!("{learner}, calibration {}", self.calibrator.name())
    }

    /// The model as one JSON document.
    pub fn to_artifact(&self) -> Result<String, ArtifactError> {
        let learner = match &self.learner {
            FittedLearner::Logistic(m) => LearnerArtifact::Logistic {
                logistic: m.clone(),
            },
            FittedLearner::Gbm(g) => LearnerArtifact::Gbm {
                lightgbm: g.to_text()?,
                reads: g.reads().map(<[usize]>::to_vec),
            },
            FittedLearner::Blend(m, g) => LearnerArtifact::Blend {
                logistic: m.clone(),
                lightgbm: g.to_text()?,
                reads: g.reads().map(<[usize]>::to_vec),
            },
        };
        let artifact = Artifact {
            format: ARTIFACT_FORMAT,
            design: self.design.clone(),
            learner,
            lambda: self.lambda,
            calibrator: self.calibrator.clone(),
            feature_means: self.feature_means.clone(),
        };
        Ok(serde_json::to_string(&artifact)?)
    }

    pub fn from_artifact(text: &str) -> Result<TrainedModel, ArtifactError> {
        let found: serde_json::Value = serde_json::from_str(text)?;
        let format = found
            .get("format")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as u32;
        if format != ARTIFACT_FORMAT {
            return Err(ArtifactError::Version { found: format });
        }
        let artifact: Artifact = serde_json::from_value(found)?;
        let width = artifact.design.width();
        let learner = match artifact.learner {
            LearnerArtifact::Logistic { logistic } => FittedLearner::Logistic(logistic),
            LearnerArtifact::Gbm { lightgbm, reads } => {
                FittedLearner::Gbm(GbmModel::from_text(&lightgbm, width, reads)?)
            }
            LearnerArtifact::Blend {
                logistic,
                lightgbm,
                reads,
            } => FittedLearner::Blend(logistic, GbmModel::from_text(&lightgbm, width, reads)?),
        };
        Ok(TrainedModel {
            design: artifact.design,
            learner,
            lambda: artifact.lambda,
            calibrator: artifact.calibrator,
            feature_means: artifact.feature_means,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{train_cross_section, Example, LearnerChoice, TrainingSettings};

    /// Leaving follows low pay and overtime; the department is noise.
    fn rows() -> (Vec<BTreeMap<String, Value>>, Vec<bool>) {
        let mut rows = Vec::new();
        let mut left = Vec::new();
        for i in 0..900 {
            let pay = 30.0 + ((i * 7919) % 900) as f64 / 10.0;
            let overtime = if i % 3 == 0 { "Yes" } else { "No" };
            let z = -1.0 - 0.05 * (pay - 75.0) + if overtime == "Yes" { 1.2 } else { 0.0 };
            let u = ((i * 104729) % 1000) as f64 / 1000.0;
            rows.push(BTreeMap::from([
                ("pay".to_string(), Value::Number(pay)),
                ("overtime".to_string(), Value::Category(overtime.into())),
                (
                    "dept".to_string(),
                    Value::Category(["A", "B", "C"][(i / 7) % 3].into()),
                ),
            ]));
            left.push(u < crate::calibration::sigmoid(z));
        }
        (rows, left)
    }

    fn trained(learner: LearnerChoice) -> (TrainedModel, Vec<BTreeMap<String, Value>>) {
        let (rows, left) = rows();
        let examples: Vec<Example> = rows
            .iter()
            .zip(&left)
            .map(|(values, &left)| Example { values, left })
            .collect();
        let model = train_cross_section(
            &examples,
            &TrainingSettings {
                learner,
                seed: 1,
                threads: 1,
            },
        )
        .unwrap();
        (model, rows)
    }

    #[test]
    fn a_saved_model_loads_back_and_scores_the_same() {
        for learner in [LearnerChoice::Logistic, LearnerChoice::Gbm] {
            let (model, rows) = trained(learner);
            let refs: Vec<&BTreeMap<String, Value>> = rows.iter().take(50).collect();
            let loaded = TrainedModel::from_artifact(&model.to_artifact().unwrap()).unwrap();
            assert_eq!(
                model.probabilities(&refs).unwrap(),
                loaded.probabilities(&refs).unwrap(),
                "{}",
                learner.name()
            );
        }
        assert!(matches!(
            TrainedModel::from_artifact(r#"{"format": 99}"#),
            Err(ArtifactError::Version { found: 99 })
        ));
    }

    #[test]
    fn explanations_add_up_to_the_score_and_name_the_real_causes() {
        let roles = RoleColumns {
            pay: Some("pay".into()),
            ..Default::default()
        };
        for learner in [LearnerChoice::Logistic, LearnerChoice::Gbm] {
            let (model, rows) = trained(learner);
            let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
            let explanations = model.explain(&refs, &roles).unwrap();
            let raw = model
                .learner
                .raw_scores(&model.design.encode_all(&refs), model.design.width())
                .unwrap();
            // Contributions are differences from a baseline shared by every row: their sums
            // must differ from the raw scores by one constant.
            let offsets: Vec<f64> = explanations
                .iter()
                .zip(&raw)
                .map(|(e, r)| r - e.factors.iter().map(|f| f.log_odds).sum::<f64>())
                .collect();
            assert!(
                offsets.iter().all(|o| (o - offsets[0]).abs() < 1e-6),
                "{}: {:?}",
                learner.name(),
                &offsets[..3]
            );
            let drivers = crate::explain::drivers(&explanations);
            let top: Vec<&str> = drivers.iter().take(2).map(|d| d.factor.as_str()).collect();
            assert!(
                top.contains(&"pay") && top.contains(&"overtime"),
                "{}: {drivers:?}",
                learner.name()
            );
            let low_paid = explanations
                .iter()
                .zip(&rows)
                .find(|(_, r)| r["pay"] == Value::Number(30.0))
                .unwrap()
                .0;
            assert_eq!(low_paid.raising(1)[0].words, "pay 30");
        }
    }
}
