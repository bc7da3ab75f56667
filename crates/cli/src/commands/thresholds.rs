//! `tenure thresholds`: show or set how people are banded High, Medium or Low — fixed
//! probabilities, or shares of the people by rank.

use super::import::DatabaseArgs;
use clap::Args;
use tenure_domain::{RelativeBands, RiskThresholds};

#[derive(Args)]
pub struct ThresholdsArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Probability from which a person is High risk (e.g. 0.25).
    #[arg(long, requires = "medium", conflicts_with_all = ["top", "next"])]
    high: Option<f64>,
    /// Probability from which a person is Medium risk (e.g. 0.10).
    #[arg(long, requires = "high")]
    medium: Option<f64>,
    /// Band by rank instead: this share of the people is High (e.g. 0.05, the top 5%),
    /// set afresh by every scoring run.
    #[arg(long, requires = "next")]
    top: Option<f64>,
    /// With --top: the share after it that is Medium (e.g. 0.15, the next 15%).
    #[arg(long, requires = "top")]
    next: Option<f64>,
}

pub async fn run(args: ThresholdsArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_or_create_org().await?;
    if let (Some(high), Some(medium)) = (args.high, args.medium) {
        store
            .set_risk_thresholds(org.id, RiskThresholds::new(high, medium)?)
            .await?;
    }
    if let (Some(top), Some(next)) = (args.top, args.next) {
        store
            .set_relative_bands(org.id, RelativeBands::new(top, next)?)
            .await?;
    }
    let t = store.risk_thresholds(org.id).await?;
    let relative = store.relative_bands(org.id).await?;
    store.close().await;
    let cutoffs = format!(
        "High from {:.1}%, Medium from {:.1}%, Low below",
        100.0 * t.high,
        100.0 * t.medium
    );
    match relative {
        Some(bands) => println!(
            "organization \"{}\": the top {}% High and the next {}% Medium, by rank at each scoring run; now {cutoffs}",
            org.slug,
            100.0 * bands.top,
            100.0 * bands.next
        ),
        None => println!("organization \"{}\": {cutoffs}", org.slug),
    }
    Ok(())
}
