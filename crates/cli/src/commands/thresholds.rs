//! `tenure thresholds`: show or set the probabilities from which people are High or Medium risk.

use super::import::DatabaseArgs;
use clap::Args;
use tenure_domain::RiskThresholds;

#[derive(Args)]
pub struct ThresholdsArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Probability from which a person is High risk (e.g. 0.25).
    #[arg(long, requires = "medium")]
    high: Option<f64>,
    /// Probability from which a person is Medium risk (e.g. 0.10).
    #[arg(long, requires = "high")]
    medium: Option<f64>,
}

pub async fn run(args: ThresholdsArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_or_create_org().await?;
    if let (Some(high), Some(medium)) = (args.high, args.medium) {
        store
            .set_risk_thresholds(org.id, RiskThresholds::new(high, medium)?)
            .await?;
    }
    let t = store.risk_thresholds(org.id).await?;
    store.close().await;
    println!(
        "organization \"{}\": High from {:.1}%, Medium from {:.1}%, Low below",
        org.slug,
        100.0 * t.high,
        100.0 * t.medium
    );
    Ok(())
}
