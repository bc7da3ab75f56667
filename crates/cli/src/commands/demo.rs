//! `tenure demo`: simulate an organization, import it into SQLite, summarise what landed, then
//! backtest and train a model, score everyone and show the highest risks and their drivers.

use super::import::describe;
use super::simulate::OrganizationArgs;
use super::thousands;
use super::train::describe_card;
use crate::progress::Bars;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use tenure_data::simulate::simulate;
use tenure_data::Mapping;
use tenure_ingest::{import_file, ImportRequest, Progress};
use tenure_model::evaluate::{LearnerChoice, TrainingSettings};
use tenure_monitor::{score_organization, train_organization, ScoreRequest, TrainRequest};
use tenure_store::{OrgId, Store};

#[derive(Args)]
pub struct DemoArgs {
    /// Folder for the simulated files and the database.
    #[arg(long, default_value = "tenure-demo")]
    dir: PathBuf,
    #[command(flatten)]
    organization: OrganizationArgs,
    /// The database (default: tenure.db in --dir).
    #[arg(long, env = "TENURE_DATABASE_URL")]
    db: Option<String>,
    /// Threads for training trees (default: every core).
    #[arg(long, env = "TENURE_THREADS")]
    threads: Option<usize>,
    /// How many of the highest risks to show.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

const DEMO_ORG: &str = "demo";

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let config = args.organization.config()?;
    println!(
        "tenure demo: a simulated organization of {} people over {} months (seed {})",
        thousands(config.people as u64),
        config.months,
        config.seed
    );
    let bars = Bars::default();
    bars.spinner("simulating");
    let started = Instant::now();
    let simulation = simulate(config);
    let files = simulation
        .write(&args.dir)
        .with_context(|| format!("writing the simulation to {}", args.dir.display()))?;
    bars.finish();
    println!(
        "simulated {} person-months in {:.1} s → {}",
        thousands(simulation.rows.len() as u64),
        started.elapsed().as_secs_f64(),
        files.panel.display()
    );

    let db = args
        .db
        .clone()
        .unwrap_or_else(|| args.dir.join("tenure.db").display().to_string());
    let store = Store::connect(&db)
        .await
        .with_context(|| format!("opening the database {db}"))?;
    let org = store
        .ensure_organization(DEMO_ORG, "Demo organization")
        .await?;
    let mapping = Mapping::from_toml_file(&files.mapping)?;
    let request = ImportRequest {
        path: &files.panel,
        mapping,
        org: org.id,
        max_errors: 20,
        replace: false,
    };
    let report = import_file(&store, request, &bars).await?;
    println!(
        "{}",
        describe(&files.panel.display().to_string(), DEMO_ORG, &report)
    );
    println!("database: {db}\n");
    print_summary(&store, org.id).await?;
    let result = learn_and_score(&store, &org, &args, &bars).await;
    bars.finish();
    store.close().await;
    result
}

/// Backtest and train on the imported panel, then score everyone still employed.
async fn learn_and_score(
    store: &Store,
    org: &tenure_store::Organization,
    args: &DemoArgs,
    bars: &Bars,
) -> anyhow::Result<()> {
    let request = TrainRequest {
        org: org.id,
        training: TrainingSettings {
            learner: LearnerChoice::Auto,
            seed: args.organization.seed,
            threads: super::evaluate::threads(args.threads),
        },
        horizon_months: 6,
        origins: 4,
        step: 3,
        folds: 5,
    };
    let trained = match train_organization(store, &org.slug, &request, bars).await {
        Err(tenure_monitor::MonitorError::Backtest(
            short @ tenure_model::backtest::BacktestError::TooShort { .. },
        )) => {
            println!("\nno model trained: {short} (try --months 36)");
            return Ok(());
        }
        other => other?,
    };
    bars.finish();
    println!(
        "\ntrained model version {} (how right it would have been, tested on months it never saw):",
        trained.version
    );
    print!("{}", describe_card(&trained.card));
    let scored = score_organization(
        store,
        &org.slug,
        &ScoreRequest {
            org: org.id,
            version: Some(trained.version),
            factors: 3,
        },
        bars,
    )
    .await?;
    bars.finish();
    println!();
    print!("{}", super::score::describe(&scored, args.top));
    Ok(())
}

async fn print_summary(store: &Store, org: OrgId) -> anyhow::Result<()> {
    let counts = store.counts(org).await?;
    println!("people:        {}", thousands(counts.people as u64));
    println!("months:        {}", counts.as_of_dates);
    println!("person-months: {}", thousands(counts.snapshots as u64));
    let exits = store.exits_by_kind(org).await?;
    let exits: Vec<String> = exits
        .iter()
        .map(|(kind, voluntary, n)| {
            format!(
                "{kind} {}{}",
                thousands(*n as u64),
                if *voluntary { " (voluntary)" } else { "" }
            )
        })
        .collect();
    println!("exits by kind: {}", exits.join(", "));
    println!("\nvoluntary attrition by department (people, leavers, annualised rate):");
    let mut departments = store.attrition_by(org, "department").await?;
    departments.sort_by(|a, b| b.annual_rate.total_cmp(&a.annual_rate));
    for d in departments {
        println!(
            "  {:<18} {:>6} {:>6} {:>6.1}%",
            d.department,
            thousands(d.people),
            thousands(d.voluntary_exits),
            100.0 * d.annual_rate
        );
    }
    Ok(())
}
