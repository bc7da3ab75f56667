//! `tenure simulate`: write a synthetic organization's panel, mapping and ground truth.

use super::thousands;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use tenure_data::simulate::{simulate, SimulationConfig};

/// The simulated organization's size, length and seed, shared with `demo`.
#[derive(Args, Clone, Copy)]
pub struct OrganizationArgs {
    /// Headcount at the start (the organization grows about 4% a year).
    #[arg(long, default_value_t = 2000)]
    pub people: usize,
    /// Months of monthly snapshots.
    #[arg(long, default_value_t = 36)]
    pub months: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl OrganizationArgs {
    pub fn config(&self) -> anyhow::Result<SimulationConfig> {
        anyhow::ensure!(
            self.people >= 50,
            "--people must be at least 50 to staff every department"
        );
        anyhow::ensure!(
            (1..=600).contains(&self.months),
            "--months must be between 1 and 600"
        );
        Ok(SimulationConfig {
            people: self.people,
            months: self.months,
            seed: self.seed,
        })
    }
}

#[derive(Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    organization: OrganizationArgs,
    /// Folder for panel.csv, mapping.toml and ground_truth.csv.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let config = args.organization.config()?;
    let started = Instant::now();
    let simulation = simulate(config);
    let files = simulation
        .write(&args.out)
        .with_context(|| format!("writing the simulation to {}", args.out.display()))?;
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
    println!(
        "mapping: {}\nground truth: {}",
        files.mapping.display(),
        files.ground_truth.display()
    );
    Ok(())
}
