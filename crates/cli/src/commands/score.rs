//! `tenure score`: score everyone still employed with a stored model, store the scores, print
//! the highest risks with their drivers and the organization-wide drivers, and write CSV.

use super::import::DatabaseArgs;
use super::thousands;
use crate::progress::Bars;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use tenure_domain::RiskBand;
use tenure_ingest::Progress as _;
use tenure_monitor::{score_organization, ScoreReport, ScoreRequest};

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The model version (default: the latest).
    #[arg(long)]
    pub model: Option<i64>,
    /// Factors kept with each score, each way (raising and holding down the risk).
    #[arg(long, default_value_t = 3)]
    pub factors: usize,
    /// How many of the highest risks to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Also write every score to this CSV file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

pub async fn run(args: ScoreArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_existing_org().await?;
    let bars = Bars::default();
    let request = ScoreRequest {
        org: org.id,
        version: args.model,
        factors: args.factors,
    };
    let report = score_organization(&store, &org.slug, &request, &bars).await;
    bars.finish();
    store.close().await;
    let report = report?;
    if let Some(path) = &args.csv {
        write_csv(path, &report).with_context(|| format!("writing {}", path.display()))?;
    }
    print!("{}", describe(&report, args.top));
    if let Some(path) = &args.csv {
        println!("scores written to {}", path.display());
    }
    Ok(())
}

/// The run in words: counts by band, the highest risks with their drivers, the org's drivers.
pub fn describe(report: &ScoreReport, top: usize) -> String {
    let count = |band: RiskBand| report.people.iter().filter(|p| p.band == band).count() as u64;
    let horizon = report
        .horizon_months
        .map(|h| format!(" within {h} months"))
        .unwrap_or_default();
    let mut text = format!(
        "scored {} people with model version {} (probability of leaving voluntarily{horizon}): {} High (≥ {:.0}%), {} Medium (≥ {:.0}%), {} Low, {} not enough data\n\
         scoring with drivers took {:.3} s ({} people/s); stored: {} new or changed, {} unchanged; warnings raised: {} (`tenure warnings`)\n",
        thousands(report.people.len() as u64),
        report.version,
        thousands(count(RiskBand::High)),
        100.0 * report.thresholds.high,
        thousands(count(RiskBand::Medium)),
        100.0 * report.thresholds.medium,
        thousands(count(RiskBand::Low)),
        thousands(count(RiskBand::NotEnoughData)),
        report.scoring_seconds,
        thousands((report.people.len() as f64 / report.scoring_seconds.max(1e-9)) as u64),
        thousands(report.stored.written),
        thousands(report.stored.unchanged),
        report.warnings.len(),
    );
    text.push_str("\nhighest risks (a prompt for a supportive conversation, never a verdict):\n");
    for p in report
        .people
        .iter()
        .filter(|p| p.score.probability.is_some())
        .take(top)
    {
        let s = &p.score;
        text.push_str(&format!(
            "  {:<12} {:>5.1}%  {}\n",
            s.person.as_str(),
            100.0 * s.probability.unwrap_or_default(),
            p.band.label()
        ));
        for f in s.explanation.raising(3) {
            text.push_str(&format!("      ↑ {}\n", f.words));
        }
        for f in s.explanation.holding_down(2) {
            text.push_str(&format!("      ↓ {}\n", f.words));
        }
    }
    text.push_str("\norganization-wide drivers (mean effect on the log-odds; share of people it raises the risk for):\n");
    for d in report.drivers.iter().take(8) {
        text.push_str(&format!(
            "  {:<28} {:.3}  {:>3.0}%\n",
            d.factor,
            d.mean_abs_log_odds,
            100.0 * d.share_raising
        ));
    }
    text
}

fn write_csv(path: &std::path::Path, report: &ScoreReport) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_path(path)?;
    out.write_record([
        "person",
        "as_of",
        "model_version",
        "probability",
        "band",
        "abstained",
        "raising",
        "holding_down",
        "input_hash",
    ])?;
    for p in &report.people {
        let s = &p.score;
        let words = |fs: Vec<&tenure_model::explain::Factor>| {
            fs.iter()
                .map(|f| f.words.clone())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        out.write_record([
            s.person.to_string(),
            s.as_of.map(|d| d.to_string()).unwrap_or_default(),
            report.version.to_string(),
            s.probability.map(|p| format!("{p:.4}")).unwrap_or_default(),
            p.band.key().to_owned(),
            s.abstained.clone().unwrap_or_default(),
            words(s.explanation.raising(usize::MAX)),
            words(s.explanation.holding_down(usize::MAX)),
            s.input_hash.clone(),
        ])?;
    }
    out.flush()?;
    Ok(())
}
