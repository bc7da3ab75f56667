//! `tenure evaluate FILE`: how well tenure would have predicted the file's outcomes, by
//! cross-validation, as a table or one JSON object for scripts.

use super::import::MappingArgs;
use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use tenure_domain::Shape;
use tenure_model::evaluate::{cross_validate, CrossValidation, Evaluation, Example, LearnerChoice, TrainingSettings};

#[derive(Args)]
pub struct EvaluateArgs {
    /// The CSV file to evaluate on.
    file: PathBuf,
    #[command(flatten)]
    mapping: MappingArgs,
    #[arg(long, default_value_t = 5)]
    folds: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// `auto` lets inner folds choose logistic regression, trees or their blend.
    #[arg(long, value_enum, default_value = "auto")]
    learner: Learner,
    /// Threads for training trees (default: every core). Keep it at or below the cores that
    /// are free: LightGBM's threads spin, and slow to a crawl, when the machine is oversubscribed.
    #[arg(long, env = "TENURE_THREADS")]
    threads: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Learner {
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
    let parsed = tenure_ingest::load_file(&args.file, &mapping, args.max_errors).with_context(|| format!("reading {}", args.file.display()))?;
    anyhow::ensure!(
        parsed.plan.shape == Shape::CrossSection,
        "evaluate handles cross-sections (a target column) for now; this mapping describes a {} file",
        parsed.plan.shape
    );
    let examples = Example::from_snapshots(parsed.rows.iter().map(|r| &r.snapshot));
    let evaluation = cross_validate(&examples, CrossValidation { folds: args.folds, training: TrainingSettings { learner: args.learner.into(), seed: args.seed, threads: threads(args.threads) } })?;
    if args.json {
        println!("{}", to_json(&evaluation, &args));
    } else {
        print!("{}", to_text(&evaluation, &args));
    }
    Ok(())
}

fn threads(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

fn to_json(e: &Evaluation, args: &EvaluateArgs) -> serde_json::Value {
    json!({
        "file": args.file.display().to_string(),
        "protocol": format!("stratified {}-fold cross-validation, seed {}", args.folds, args.seed),
        "n": e.n,
        "positives": e.positives,
        "roc_auc": e.roc_auc,
        "roc_auc_by_fold": e.roc_auc_by_fold,
        "roc_auc_pooled": e.roc_auc_pooled,
        "pr_auc": e.pr_auc,
        "brier": e.brier,
        "log_loss": e.log_loss,
        "expected_calibration_error": e.expected_calibration_error,
        "precision_top_10_percent": e.top_10_percent.precision,
        "recall_top_10_percent": e.top_10_percent.recall,
        "lift_top_10_percent": e.top_10_percent.lift,
        "learner": e.learner,
        "model_by_fold": e.calibrations,
        "fit_seconds": e.fit_seconds,
    })
}

fn to_text(e: &Evaluation, args: &EvaluateArgs) -> String {
    format!(
        "{}: {} people, {} left ({:.1}%)\nstratified {}-fold cross-validation, seed {}, learner {}\n\
         ROC AUC      {:.3} (folds {})\nPR AUC       {:.3}\nBrier        {:.4}\nlog-loss     {:.4}\ncalibration  ECE {:.3}\n\
         top 10%      precision {:.2}, recall {:.2}, lift {:.1}×\nfit time     {:.2} s\nmodels       {}\n",
        args.file.display(),
        e.n,
        e.positives,
        100.0 * e.positives as f64 / e.n as f64,
        args.folds,
        args.seed,
        e.learner,
        e.roc_auc,
        e.roc_auc_by_fold.iter().map(|a| format!("{a:.3}")).collect::<Vec<_>>().join(", "),
        e.pr_auc,
        e.brier,
        e.log_loss,
        e.expected_calibration_error,
        e.top_10_percent.precision,
        e.top_10_percent.recall,
        e.top_10_percent.lift,
        e.fit_seconds,
        e.calibrations.join("; "),
    )
}
