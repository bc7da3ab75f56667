//! `tenure simulate`: write a synthetic organization's panel, mapping and ground truth.

use super::thousands;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use tenure_data::simulate::{simulate, SimulationConfig};

#[derive(Args)]
pub struct SimulateArgs {
    /// Headcount at the start (the organization grows about 4% a year).
    #[arg(long, default_value_t = 2000)]
    people: usize,
    /// Months of monthly snapshots.
    #[arg(long, default_value_t = 36)]
    months: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder for panel.csv, mapping.toml and ground_truth.csv.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.people >= 50, "--people must be at least 50 to staff every department");
    anyhow::ensure!((1..=600).contains(&args.months), "--months must be between 1 and 600");
    let started = Instant::now();
    let simulation = simulate(SimulationConfig { people: args.people, months: args.months, seed: args.seed });
    let files = simulation.write(&args.out).with_context(|| format!("writing the simulation to {}", args.out.display()))?;
    let s = simulation.summary();
    println!(
        "simulated {} person-months of {} people in {:.2} s → {}",
        thousands(s.rows as u64),
        thousands(s.people as u64),
        started.elapsed().as_secs_f64(),
        files.panel.display()
    );
    println!(
        "voluntary exits {} ({:.1}% a year), dismissals {}, retirements {}; median tenure {:.1} years",
        thousands(s.resignations as u64),
        100.0 * (1.0 - (1.0 - s.monthly_voluntary_rate).powi(12)),
        s.dismissals,
        s.retirements,
        s.median_tenure_years
    );
    println!("mapping: {}\nground truth: {}", files.mapping.display(), files.ground_truth.display());
    Ok(())
}
