//! `tenure train`: measure and train a model on an organization's stored data, and store it
//! as the next version with its model card.

use super::evaluate::TrainingArgs;
use super::import::DatabaseArgs;
use crate::progress::Bars;
use clap::Args;
use tenure_ingest::Progress as _;
use tenure_model::card::ModelCard;
use tenure_monitor::{train_organization, TrainRequest};

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub training: TrainingArgs,
    /// Panels: predict voluntary exits within this many months.
    #[arg(long, default_value_t = 6)]
    pub horizon: i32,
    /// Panels: backtest origins for the model card's figures, and months between them.
    #[arg(long, default_value_t = 4)]
    pub origins: usize,
    #[arg(long, default_value_t = 3)]
    pub step: usize,
    /// Cross-sections: folds of the cross-validation for the model card's figures.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Print the model card as JSON.
    #[arg(long)]
    pub json: bool,
}

impl TrainArgs {
    pub fn request(&self, org: tenure_domain::OrgId) -> TrainRequest {
        TrainRequest {
            org,
            training: self.training.settings(),
            horizon_months: self.horizon,
            origins: self.origins,
            step: self.step,
            folds: self.folds,
        }
    }
}

pub async fn run(args: TrainArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_existing_org().await?;
    let bars = Bars::default();
    let report = train_organization(&store, &org.slug, &args.request(org.id), &bars).await;
    bars.finish();
    store.close().await;
    let report = report?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"version": report.version, "card": report.card})
        );
    } else {
        println!(
            "stored model version {} for organization \"{}\"",
            report.version, org.slug
        );
        print!("{}", describe_card(&report.card));
    }
    Ok(())
}

/// The model card as a person reads it.
pub fn describe_card(card: &ModelCard) -> String {
    let e = &card.evaluation;
    let d = &card.data;
    let window = match (&d.first_as_of, &d.last_as_of) {
        (Some(first), Some(last)) => format!("{first} to {last}, "),
        _ => String::new(),
    };
    format!(
        "  predicts      {}\n  model         {} ({} features)\n  data          {window}{} people; trained on {} rows with {} leavers{}\n  \
         protected     {} (never model inputs)\n  measured by   {}\n  on unseen data ROC AUC {:.3}, PR AUC {:.3}, Brier {:.4}, calibration error {:.3}\n  \
         top 10%       precision {:.2}, recall {:.2}, lift {:.1}×\n  warnings ≥{:.0}%  {} flagged, precision {:.2}, recall {:.2}\n  took          {:.1} s\n",
        card.predicts,
        card.model,
        card.features,
        d.people,
        d.training_rows,
        d.training_leavers,
        match d.objectors_excluded {
            0 => String::new(),
            n => format!(" ({n} who objected left out)"),
        },
        if card.protected_excluded.is_empty() { "none mapped".to_owned() } else { card.protected_excluded.join(", ") },
        card.evaluation_protocol,
        e.roc_auc,
        e.pr_auc,
        e.brier,
        e.expected_calibration_error,
        e.top_10_percent.precision,
        e.top_10_percent.recall,
        e.top_10_percent.lift,
        100.0 * e.warning_threshold,
        e.at_warning_threshold.flagged,
        e.at_warning_threshold.precision,
        e.at_warning_threshold.recall,
        card.training_seconds,
    ) + &fairness_line(card)
}

/// One line on the card's fairness audit; its figures by group are `tenure fairness`'s.
fn fairness_line(card: &ModelCard) -> String {
    match &card.fairness {
        None => "  fairness      not audited: no protected attribute mapped
".to_owned(),
        Some(audit) if audit.flagged => format!(
            "  fairness      FLAGGED: {} (details: `tenure fairness`)
",
            audit.findings.len()
        ),
        Some(audit) => format!(
            "  fairness      no warning-rate impact ratio under {:.2} across {} groupings (`tenure fairness`)
",
            audit.impact_floor,
            audit.attributes.len()
        ),
    }
}
