//! `tenure demo`: simulate an organization, import all but its last months into SQLite,
//! summarise what landed, backtest and train a model, score everyone and show the highest
//! risks and their drivers — then stream the last months as HR events, month by month, each
//! re-scoring the people it touches, and show the warnings they raised.

use super::import::describe;
use super::simulate::OrganizationArgs;
use super::thousands;
use super::train::describe_card;
use crate::progress::Bars;
use anyhow::Context;
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;
use tenure_data::simulate::simulate;
use tenure_data::Mapping;
use tenure_domain::{Clock, HrEvent};
use tenure_ingest::{import_file, ImportRequest, Progress};
use tenure_model::evaluate::{LearnerChoice, TrainingSettings};
use tenure_monitor::{
    apply_events, rescore_people, score_organization, train_organization, Monitor, Quiet,
    Rescoring, ScoreRequest, TrainRequest,
};
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
    /// How many of the highest risks (and of the warnings) to show.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Months at the end held back from the import and streamed as HR events instead.
    #[arg(long, default_value_t = 3)]
    event_months: u32,
    /// Where the dashboard listens once the demo has run (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// End after the run instead of serving the dashboard.
    #[arg(long)]
    no_serve: bool,
}

/// The demo organization's owner, who signs in to the dashboard.
const DEMO_OWNER: &str = "owner@demo.example";

/// Months the import keeps at least, so a model can be trained before events stream.
const MIN_IMPORTED_MONTHS: u32 = 18;

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
    let event_months = args
        .event_months
        .min(config.months.saturating_sub(MIN_IMPORTED_MONTHS));
    let imported_months = config.months - event_months;
    let events = simulation.events_from(imported_months);
    let files = simulation
        .until(imported_months)
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
    let store = super::open_store(&db).await?;
    let org = store
        .ensure_organization(DEMO_ORG, "Demo organization")
        .await?;
    if store.governance(org.id).await?.is_none() {
        // A simulated organization: nobody real is scored, so its record says so.
        store
            .record_governance(
                org.id,
                &tenure_store::Governance::for_simulated_data("tenure demo"),
            )
            .await?;
    }
    let mapping = Mapping::from_toml_file(&files.mapping)?;
    let request = ImportRequest {
        path: &files.panel,
        mapping,
        org: org.id,
        max_errors: 20,
        // The simulated file is the truth for the months it holds: a second run puts back
        // what the first run's events changed rather than refusing the file.
        replace: true,
    };
    let report = import_file(&store, request, &bars).await?;
    println!(
        "{}",
        describe(&files.panel.display().to_string(), DEMO_ORG, &report)
    );
    println!("database: {db}\n");
    print_summary(&store, org.id).await?;
    let mut result = learn_and_score(&store, &org, &args, &bars).await;
    bars.finish();
    if matches!(result, Ok(true)) && !events.is_empty() {
        result = stream_events(&store, &org, &events, args.top)
            .await
            .map(|()| true);
    }
    if result.is_ok() && !args.no_serve {
        result = serve_dashboard(&store, &org, &db, &args.listen)
            .await
            .map(|()| true);
    }
    store.close().await;
    result.map(|_| ())
}

/// Serves the dashboard on the demo organization until Ctrl-C, signed in to by its owner
/// with a password made for this run and printed once.
async fn serve_dashboard(
    store: &Store,
    org: &tenure_store::Organization,
    db: &str,
    listen: &str,
) -> anyhow::Result<()> {
    use tenure_server::secrets::{hash_password, new_secret};
    let expires_on = chrono::Utc::now().date_naive() + chrono::Duration::days(30);
    let membership = tenure_domain::Membership {
        plan: tenure_domain::Plan::Member,
        expires_on,
    };
    store.set_membership(org.id, membership).await?;
    let password = new_secret("demo-");
    let hash = tokio::task::spawn_blocking({
        let password = password.clone();
        move || hash_password(&password)
    })
    .await?;
    let owner = store
        .add_member(
            org.id,
            DEMO_OWNER,
            "Demo owner",
            &hash,
            tenure_domain::Role::Owner,
        )
        .await?;
    // An owner from an earlier run keeps their account: this run's password replaces theirs.
    store.set_password(owner, &hash).await?;
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            println!("{listen} is taken; listening on another port");
            let host = listen.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
            tokio::net::TcpListener::bind((host, 0)).await?
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("listening on {listen}"))),
    };
    let address = listener.local_addr()?;
    let settings = tenure_server::Settings {
        database_url: db.to_owned(),
        listen: address.to_string(),
        public_url: format!("http://{address}"),
        ..tenure_server::Settings::default()
    };
    println!("\ndashboard: http://{address}/");
    println!("sign in as {DEMO_OWNER} with this run's one-time password: {password}");
    println!("(Ctrl-C stops the server; the next demo run makes a new password)");
    let state = tenure_server::AppState::new(store.clone(), settings);
    tenure_server::serve(listener, state, super::serve::shutdown_signal()).await?;
    Ok(())
}

/// Applies the held-back months' events a month at a time, re-scoring whom each touches,
/// then shows the warnings they raised.
async fn stream_events(
    store: &Store,
    org: &tenure_store::Organization,
    events: &[HrEvent],
    top: usize,
) -> anyhow::Result<()> {
    if !store.events(org.id, 1).await?.is_empty() {
        println!(
            "
the event stream was applied by an earlier demo run in this database; delete it to stream again"
        );
        return Ok(());
    }
    println!(
        "
streaming the last months as HR events (each re-scores the people it touches):"
    );
    let mut months: BTreeMap<String, Vec<HrEvent>> = BTreeMap::new();
    for event in events {
        let month = event.effective.map(|d| d.format("%Y-%m").to_string());
        months
            .entry(month.unwrap_or_default())
            .or_default()
            .push(event.clone());
    }
    let monitor = Monitor::new(store.clone(), Clock::system());
    for (month, batch) in &months {
        let started = Instant::now();
        let applied = apply_events(
            &monitor,
            org.id,
            &org.slug,
            batch,
            None,
            Rescoring::ByCaller,
        )
        .await?;
        let report = rescore_people(&monitor, org.id, &applied.affected, &Quiet).await?;
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for event in batch {
            *kinds.entry(event.kind.key()).or_default() += 1;
        }
        let kinds: Vec<String> = kinds
            .iter()
            .map(|(k, n)| format!("{} {}", thousands(*n as u64), k.replace('_', " ")))
            .collect();
        println!(
            "  {month}: {} events ({}); {} people re-scored, {} warning{}, {:.2} s",
            thousands(batch.len() as u64),
            kinds.join(", "),
            thousands(report.people.len() as u64),
            report.warnings.len(),
            if report.warnings.len() == 1 { "" } else { "s" },
            started.elapsed().as_secs_f64()
        );
    }
    let warnings = store.warnings(org.id, top.max(1) as i64).await?;
    println!();
    print!("{}", super::warnings::describe(&warnings));
    Ok(())
}

/// Backtest and train on the imported panel, then score everyone still employed; false when
/// the panel was too short to train on.
async fn learn_and_score(
    store: &Store,
    org: &tenure_store::Organization,
    args: &DemoArgs,
    bars: &Bars,
) -> anyhow::Result<bool> {
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
            return Ok(false);
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
    Ok(true)
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
