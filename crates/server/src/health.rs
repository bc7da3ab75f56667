//! Health for orchestrators and load balancers: liveness (the process answers), readiness
//! (it can serve: the database answers and it is not stopping), and both at once.
//!
//! They differ on purpose. While PostgreSQL is down or restarting, a server is alive but not
//! ready: restarting it would not help, sending it traffic would only earn 503s.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::time::Duration;

/// How long readiness waits for the database before calling it out of reach.
const DATABASE_PATIENCE: Duration = Duration::from_secs(2);

/// The database as readiness found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Database {
    Reachable,
    Unreachable,
}

/// `/healthz`'s answer.
#[derive(Debug, Serialize)]
pub(crate) struct Health {
    /// Always true when anything answers at all.
    live: bool,
    /// True when requests can be served: the database answers and the server is not stopping.
    ready: bool,
    database: Database,
    stopping: bool,
}

/// Liveness: 200 whenever the process can answer. Never touches the database.
pub(crate) async fn livez() -> &'static str {
    "alive"
}

/// Readiness: 200 "ready", or 503 saying why not.
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let health = check(&state).await;
    match (health.ready, health.database) {
        (true, _) => (StatusCode::OK, "ready"),
        (false, Database::Unreachable) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
        (false, Database::Reachable) => (StatusCode::SERVICE_UNAVAILABLE, "stopping"),
    }
}

/// Both, as JSON: 200 when ready, 503 when not.
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let health = check(&state).await;
    let status = if health.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}

async fn check(state: &AppState) -> Health {
    let answered = tokio::time::timeout(DATABASE_PATIENCE, state.store.answers()).await;
    let database = match answered {
        Ok(Ok(())) => Database::Reachable,
        Ok(Err(error)) => {
            tracing::warn!(kind = %error.safe_summary(), "readiness: the database does not answer");
            Database::Unreachable
        }
        Err(_) => Database::Unreachable,
    };
    let stopping = *state.stopping.borrow();
    Health {
        live: true,
        ready: database == Database::Reachable && !stopping,
        database,
        stopping,
    }
}
