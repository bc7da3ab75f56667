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
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key. Cookies are then
    /// Secure and answers carry Strict-Transport-Security.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let stop = shutdown_signal();
    let mut settings = Settings::load(args.config.as_deref()).context("reading the settings")?;
    if let Some(db) = args.db {
        settings.database_url = db;
    }
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        (settings.tls_cert, settings.tls_key) = (Some(cert), Some(key));
    }
    let tls = settings.tls_files()?;
    if tls.is_some() {
        settings.secure_cookies = true;
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
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("tenure listening on {scheme}://{address}");
    tracing::info!(%address, backend = ?store.backend(), "serving");
    let state = AppState::new(store.clone(), settings);
    match &tls {
        Some(files) => tenure_server::serve_tls(listener, state, stop, files)
            .await
            .with_context(|| {
                format!(
                    "serving HTTPS with {} and {}",
                    files.cert.display(),
                    files.key.display()
                )
            })?,
        None => tenure_server::serve(listener, state, stop).await?,
    }
    close(store).await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves at the first Ctrl-C or SIGTERM after the call (the handlers are in place from
/// the call on, so a signal during start-up is not lost), so the process stops gracefully —
/// bounded: long jobs are handed back, not waited for. A second signal ends the process at
/// once, with exit code 130.
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut signals = StopSignals::listen();
    async move {
        signals.next().await;
        tracing::info!("stopping; a second signal ends the process at once");
        tokio::spawn(async move {
            signals.next().await;
            eprintln!("stopped at once by a second signal");
            std::process::exit(130);
        });
    }
}

/// Ctrl-C (SIGINT) and SIGTERM, listened for from the moment this is made.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    #[cfg(unix)]
    fn listen() -> StopSignals {
        use tokio::signal::unix::{signal, SignalKind};
        StopSignals {
            interrupt: signal(SignalKind::interrupt()).expect("a SIGINT handler"),
            terminate: signal(SignalKind::terminate()).expect("a SIGTERM handler"),
        }
    }

    #[cfg(not(unix))]
    fn listen() -> StopSignals {
        StopSignals {}
    }

    /// The next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Closes the database's connections, waiting at most two seconds for them to come back: a
/// long job handed back on the way down may still hold one on its thread.
pub(crate) async fn close(store: tenure_store::Store) {
    if tokio::time::timeout(std::time::Duration::from_secs(2), store.close())
        .await
        .is_err()
    {
        tracing::warn!("the database's connections were not all back within 2 s; exiting anyway");
    }
}
