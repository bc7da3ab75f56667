//! `tenure worker`: runs queued jobs (imports, training, scoring, re-scoring after events,
//! deliveries, digests, pings) from the database until Ctrl-C or SIGTERM, finishing the job under way first. Run as many as the machine
//! has room for: on PostgreSQL they share the queue, each job claimed by exactly one.

use clap::Args;
use std::sync::Arc;
use tenure_domain::Clock;
use tenure_monitor::{worker_name, DeliverySettings, Monitor, NoObserver, Worker, WorkerSettings};

#[derive(Args)]
pub struct WorkerArgs {
    /// A SQLite file path or a postgres:// URL.
    #[arg(long, env = "TENURE_DATABASE_URL", default_value = "tenure.db")]
    db: String,
    /// The name the worker holds jobs in (default: host, process id and a number).
    #[arg(long)]
    name: Option<String>,
    /// Seconds a claim holds without renewal: a worker that dies leaves its job this long.
    #[arg(long, default_value_t = 30)]
    lease_seconds: u64,
    /// Cores a training run may use.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Stop once no job is queued or running anywhere (for batch runs and cron).
    #[arg(long)]
    until_idle: bool,
    /// The address people open tenure at: deliveries link to warnings under it.
    #[arg(
        long,
        env = "TENURE_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// Milliseconds before a failed delivery's first retry (each later one waits twice as long).
    #[arg(long, env = "TENURE_DELIVERY_RETRY_MS", default_value_t = 30_000)]
    delivery_retry_ms: u64,
    /// Attempts before a delivery is dead (the dead-letter list).
    #[arg(long, env = "TENURE_DELIVERY_ATTEMPTS", default_value_t = 6)]
    delivery_attempts: i64,
}

pub async fn run(args: WorkerArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.db).await?;
    let mut settings = WorkerSettings::new(
        args.name.unwrap_or_else(|| worker_name("worker")),
        args.lease_seconds,
        args.threads,
    );
    settings.delivery = DeliverySettings::new(
        args.public_url,
        args.delivery_retry_ms,
        args.delivery_attempts,
    );
    tracing::info!(worker = %settings.name, backend = ?store.backend(), "working");
    let worker = Worker {
        monitor: Monitor::new(store.clone(), Clock::system()),
        settings,
        observer: Arc::new(NoObserver),
        wake: Arc::new(tokio::sync::Notify::new()),
        heavy: Arc::new(tokio::sync::Semaphore::new(1)),
    };
    worker
        .run(args.until_idle, super::serve::shutdown_signal())
        .await;
    super::serve::close(store).await;
    tracing::info!("stopped");
    Ok(())
}
