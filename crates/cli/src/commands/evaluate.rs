//! `tenure evaluate FILE`: how well tenure would have predicted the file's outcomes, by
//! cross-validation, as a table or one JSON object for scripts.

use super::import::MappingArgs;
use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use tenure_domain::Outcome;
use tenure_domain::Shape;
use tenure_model::backtest::{rolling_backtest, ScoredMonth};
use tenure_model::evaluate::{
    cross_validate, CrossValidation, Evaluation, Example, LearnerChoice, TrainingSettings,
};
use tenure_model::metrics::Summary;
use tenure_model::survival::evaluate::cross_validate_time_to_event;
use tenure_model::survival::hazard::FollowUp;

#[derive(Args)]
pub struct EvaluateArgs {
    /// The CSV file, workbook (.xlsx, .xls, .ods) or Parquet file to evaluate on.
    file: PathBuf,
    #[command(flatten)]
    mapping: MappingArgs,
    #[arg(long, default_value_t = 5)]
    folds: usize,
    #[command(flatten)]
    training: TrainingArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
    /// Cross-sections: write each data row's fold (`row,fold`, rows counted from 0) to this
    /// file, so other tools can be compared on the same folds.
    #[arg(long)]
    folds_out: Option<PathBuf>,
    /// Panels: write every backtest prediction (`id,as_of,probability,left`) to this file.
    #[arg(long)]
    scores_out: Option<PathBuf>,
    /// Panels: predict voluntary exits within this many months.
    #[arg(long, default_value_t = 6)]
    horizon: i32,
    /// Panels: how many origin months to backtest, the last being the latest with a known outcome.
    #[arg(long, default_value_t = 4)]
    origins: usize,
    /// Panels: months between origins.
    #[arg(long, default_value_t = 3)]
    step: usize,
}

/// How to train: shared by `evaluate`, `train` and `demo`.
#[derive(Args, Clone, Copy)]
pub struct TrainingArgs {
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `auto` lets held-out data choose logistic regression, trees or their blend.
    #[arg(long, value_enum, default_value = "auto")]
    pub learner: Learner,
    /// Threads for training trees (default: every core). Keep it at or below the cores that
    /// are free: LightGBM's threads spin, and slow to a crawl, when the machine is oversubscribed.
    #[arg(long, env = "TENURE_THREADS")]
    pub threads: Option<usize>,
}

impl TrainingArgs {
    pub fn settings(&self) -> TrainingSettings {
        TrainingSettings {
            learner: self.learner.into(),
            seed: self.seed,
            threads: threads(self.threads),
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Learner {
    Auto,
    Logistic,
    Gbm,
}

impl From<Learner> for LearnerChoice {
    fn from(learner: Learner) -> Self {
        match learner {
            Learner::Auto => LearnerChoice::Auto,
            Learner::Logistic => LearnerChoice::Logistic,
            Learner::Gbm => LearnerChoice::Gbm,
        }
    }
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    let mapping = args.mapping.resolve()?;
    let reading = || format!("reading {}", args.file.display());
    let (table, plan) =
        tenure_ingest::read_planned(&args.file, &mapping, args.max_errors).with_context(reading)?;
    let training = args.training.settings();
    if plan.shape == Shape::Panel {
        let parsed =
            tenure_data::parse_frame(&table, plan, args.max_errors).with_context(reading)?;
        drop(table);
        return backtest(&args, &parsed, &training);
    }
    let parsed =
        tenure_data::parse_snapshots(&table, plan, args.max_errors).with_context(reading)?;
    drop(table);
    if parsed.plan.shape == Shape::TimeToEvent {
        return survival(&args, &parsed, &training);
    }
    let examples = Example::from_snapshots(parsed.rows.iter().map(|r| &r.snapshot));
    let evaluation = cross_validate(
        &examples,
        CrossValidation {
            folds: args.folds,
            training,
        },
    )?;
    if let Some(path) = &args.folds_out {
        write_folds(path, &evaluation.folds)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!("{}", to_json(&evaluation, &args));
    } else {
        print!("{}", to_text(&evaluation, &args));
    }
    Ok(())
}

fn backtest(
    args: &EvaluateArgs,
    parsed: &tenure_data::ParsedFrame,
    training: &TrainingSettings,
) -> anyhow::Result<()> {
    let result = rolling_backtest(
        &parsed.frame,
        &parsed.plan.mapping.roles,
        args.horizon,
        args.origins,
        args.step,
        training,
    )?;
    if let Some(path) = &args.scores_out {
        write_backtest_scores(path, &parsed.frame, &result.scored)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let origins: Vec<serde_json::Value> = result
        .origins
        .iter()
        .map(|o| json!({"as_of": o.as_of.to_string(), "trained_on": o.trained_on, "scored": o.scored, "leavers": o.leavers, "roc_auc": o.roc_auc, "model": o.model}))
        .collect();
    let mut report = summary_json(&result.pooled);
    let extra = json!({
        "file": args.file.display().to_string(),
        "protocol": format!("rolling-origin backtest, {} origins {} months apart, horizon {} months", args.origins, args.step, args.horizon),
        "learner": result.learner,
        "origins": origins,
        "fit_seconds": result.fit_seconds,
    });
    if let serde_json::Value::Object(extra) = extra {
        report.extend(extra);
    }
    let report = serde_json::Value::Object(report);
    if args.json {
        println!("{report}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

/// Time-to-event data: the monthly hazard model cross-validated over people.
fn survival(
    args: &EvaluateArgs,
    parsed: &tenure_data::ParsedImport,
    training: &TrainingSettings,
) -> anyhow::Result<()> {
    let people: Vec<FollowUp> = parsed
        .rows
        .iter()
        .filter_map(|r| match r.snapshot.outcome {
            Some(Outcome::Duration { duration, event }) => Some(FollowUp {
                values: &r.snapshot.values,
                duration,
                event,
            }),
            _ => None,
        })
        .collect();
    let e = cross_validate_time_to_event(
        &people,
        CrossValidation {
            folds: args.folds,
            training: *training,
        },
    )?;
    let report = json!({
        "file": args.file.display().to_string(),
        "protocol": format!("stratified {}-fold cross-validation over people, seed {}; discrete-time hazard on person-months", args.folds, args.training.seed),
        "n": e.n,
        "events": e.events,
        "c_index": e.c_index,
        "c_index_by_fold": e.c_index_by_fold,
        "integrated_brier": e.integrated_brier,
        "horizon_months": e.horizon_months,
        "learner": e.learner,
        "model_by_fold": e.models_by_fold,
        "fit_seconds": e.fit_seconds,
    });
    if args.json {
        println!("{report}");
    } else {
        print!(
            "{}: {} people, {} left\nstratified {}-fold cross-validation over people, seed {}, learner {}\n\
             C-index           {:.3} (folds {})\nintegrated Brier  {:.4} (months 1–{})\nfit time          {:.2} s\nmodels            {}\n",
            args.file.display(),
            e.n,
            e.events,
            args.folds,
            args.training.seed,
            e.learner,
            e.c_index,
            e.c_index_by_fold.iter().map(|c| format!("{c:.3}")).collect::<Vec<_>>().join(", "),
            e.integrated_brier,
            e.horizon_months - 1,
            e.fit_seconds,
            e.models_by_fold.join("; "),
        );
    }
    Ok(())
}

fn write_folds(path: &std::path::Path, folds: &[Vec<usize>]) -> std::io::Result<()> {
    let mut rows: Vec<(usize, usize)> = folds
        .iter()
        .enumerate()
        .flat_map(|(fold, rows)| rows.iter().map(move |&row| (row, fold)))
        .collect();
    rows.sort_unstable();
    let text: String = std::iter::once("row,fold\n".to_string())
        .chain(rows.iter().map(|(row, fold)| format!("{row},{fold}\n")))
        .collect();
    std::fs::write(path, text)
}

fn write_backtest_scores(
    path: &std::path::Path,
    frame: &tenure_domain::SnapshotFrame,
    scored: &[ScoredMonth],
) -> std::io::Result<()> {
    let mut text = String::from("id,as_of,probability,left\n");
    for s in scored {
        let as_of = frame
            .as_of(s.snapshot)
            .map(|d| d.to_string())
            .unwrap_or_default();
        text.push_str(&format!(
            "{},{as_of},{:.6},{}\n",
            frame.person(s.snapshot),
            s.probability,
            u8::from(s.left)
        ));
    }
    std::fs::write(path, text)
}

pub fn threads(requested: Option<usize>) -> usize {
    requested
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// The figures every evaluation reports, as JSON fields.
fn summary_json(s: &Summary) -> serde_json::Map<String, serde_json::Value> {
    let value = json!({
        "n": s.n,
        "positives": s.positives,
        "roc_auc": s.roc_auc,
        "pr_auc": s.pr_auc,
        "brier": s.brier,
        "log_loss": s.log_loss,
        "expected_calibration_error": s.expected_calibration_error,
        "precision_top_10_percent": s.top_10_percent.precision,
        "recall_top_10_percent": s.top_10_percent.recall,
        "lift_top_10_percent": s.top_10_percent.lift,
        "warning_threshold": s.warning_threshold,
        "flagged_at_warning_threshold": s.at_warning_threshold.flagged,
        "precision_at_warning_threshold": s.at_warning_threshold.precision,
        "recall_at_warning_threshold": s.at_warning_threshold.recall,
    });
    match value {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

fn to_json(e: &Evaluation, args: &EvaluateArgs) -> serde_json::Value {
    let mut report = summary_json(&e.pooled);
    report.insert("roc_auc_pooled".into(), json!(e.pooled.roc_auc));
    let extra = json!({
        "file": args.file.display().to_string(),
        "protocol": format!("stratified {}-fold cross-validation, seed {}", args.folds, args.training.seed),
        "roc_auc": e.roc_auc,
        "roc_auc_by_fold": e.roc_auc_by_fold,
        "learner": e.learner,
        "model_by_fold": e.models_by_fold,
        "fit_seconds": e.fit_seconds,
    });
    if let serde_json::Value::Object(extra) = extra {
        report.extend(extra);
    }
    serde_json::Value::Object(report)
}

fn to_text(e: &Evaluation, args: &EvaluateArgs) -> String {
    format!(
        "{}: {} people, {} left ({:.1}%)\nstratified {}-fold cross-validation, seed {}, learner {}\n\
         ROC AUC      {:.3} (folds {})\nPR AUC       {:.3}\nBrier        {:.4}\nlog-loss     {:.4}\ncalibration  ECE {:.3}\n\
         top 10%      precision {:.2}, recall {:.2}, lift {:.1}×\nwarnings     at ≥ {:.0}%: {} flagged, precision {:.2}, recall {:.2}\nfit time     {:.2} s\nmodels       {}\n",
        args.file.display(),
        e.pooled.n,
        e.pooled.positives,
        100.0 * e.pooled.positives as f64 / e.pooled.n as f64,
        args.folds,
        args.training.seed,
        e.learner,
        e.roc_auc,
        e.roc_auc_by_fold.iter().map(|a| format!("{a:.3}")).collect::<Vec<_>>().join(", "),
        e.pooled.pr_auc,
        e.pooled.brier,
        e.pooled.log_loss,
        e.pooled.expected_calibration_error,
        e.pooled.top_10_percent.precision,
        e.pooled.top_10_percent.recall,
        e.pooled.top_10_percent.lift,
        100.0 * e.pooled.warning_threshold,
        e.pooled.at_warning_threshold.flagged,
        e.pooled.at_warning_threshold.precision,
        e.pooled.at_warning_threshold.recall,
        e.fit_seconds,
        e.models_by_fold.join("; "),
    )
}
