//! `tenure serve`: the web service (JSON API, OpenAPI document, health and metrics) until
//! Ctrl-C or SIGTERM, finishing the requests in flight.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use tenure_server::{AppState, Settings};
use tenure_store::Store;

#[derive(Args)]
pub struct ServeArgs {
    /// A TOML settings file; `TENURE_*` variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A SQLite file path or a postgres:// URL (overrides the settings).
    #[arg(long)]
    db: Option<String>,
    /// The address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
    #[arg(long)]
    listen: Option<String>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = Settings::load(args.config.as_deref()).context("reading the settings")?;
    if let Some(db) = args.db {
        settings.database_url = db;
    }
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let key = settings.sealing_key(home.as_deref());
    let store = Store::connect(&settings.database_url, &key)
        .await
        .with_context(|| format!("opening the database {}", settings.database_url))?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let address = listener.local_addr()?;
    // Scripts and tests read this line to find the port.
    println!("tenure listening on http://{address}");
    tracing::info!(%address, backend = ?store.backend(), "serving");
    let state = AppState::new(store.clone(), settings);
    tenure_server::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

pub(crate) async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
