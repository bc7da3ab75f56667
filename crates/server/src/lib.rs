//! tenure's HTTP service: the web dashboard, the JSON API under `/api/v1` with its OpenAPI document, sign-in by
//! session cookie or API token, roles and plans, the audit of every read of a person's score,
//! background jobs, health (`/livez`, `/readyz`, `/healthz`) and Prometheus `/metrics`. Handlers never run SQL: every
//! query goes through the store, scoped to the caller's organization.

mod audit_writer;
pub mod auth;
mod cache;
pub mod error;
mod headers;
mod health;
mod idempotency;
mod jobs;
mod metrics;
pub mod oidc;
mod rate_limit;
mod routes;
pub mod secrets;
pub mod settings;
mod state;
mod web;

pub use settings::Settings;
pub use state::AppState;

use axum::routing::get;
use axum::{Json, Router};
use routes::{
    accounts, alerts, audit, bands, data, documents, events, members, models, outlook, preview,
    pulls, scores, sign_on, tokens, trust, warnings,
};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "tenure", description = "Attrition early warning: who is likely to leave, within what horizon, and why — from an organization's own HR records."),
    tags(
        (name = "accounts", description = "Sign-up, sign-in, sessions"),
        (name = "members", description = "Members, roles, invitations and single sign-on"),
        (name = "tokens", description = "API tokens for integrations"),
        (name = "plan", description = "The organization's membership"),
        (name = "data", description = "Uploads, imports and background jobs"),
        (name = "models", description = "Training, scoring runs and model cards"),
        (name = "scores", description = "Individual scores (audited) and aggregates"),
        (name = "audit", description = "The hash-chained log of reads"),
        (name = "events", description = "HR events, each re-scoring the people it touches at once"),
        (name = "warnings", description = "Warnings (audited like scores), their live stream, lifecycle and policy"),
        (name = "alerts", description = "Webhooks, e-mail, deliveries, the dead-letter list and replays"),
        (name = "trust", description = "Governance, fairness audits, accuracy re-checks, retention, and people's rights (export, erasure)")
    )
)]
struct ApiDoc;

/// Every API route, each with its OpenAPI operation.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::sign_up))
        .routes(routes!(accounts::login))
        .routes(routes!(accounts::logout))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::set_locale))
        .routes(routes!(accounts::accept_invitation))
        .routes(routes!(members::list_members))
        .routes(routes!(members::update_member, members::remove_member))
        .routes(routes!(members::list_invitations, members::invite))
        .routes(routes!(members::revoke_invitation))
        .routes(routes!(
            sign_on::get_sign_on,
            sign_on::set_sign_on,
            sign_on::remove_sign_on
        ))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(data::plan))
        .routes(routes!(data::list_imports, data::upload))
        .routes(routes!(preview::preview))
        .routes(routes!(
            pulls::get_source,
            pulls::set_source,
            pulls::remove_source
        ))
        .routes(routes!(pulls::pull_now))
        .routes(routes!(pulls::list_pulls))
        .routes(routes!(data::list_jobs))
        .routes(routes!(data::get_job))
        .routes(routes!(models::list_models, models::train))
        .routes(routes!(models::get_model))
        .routes(routes!(models::score))
        .routes(routes!(scores::summary))
        .routes(routes!(scores::teams))
        .routes(routes!(scores::drivers))
        .routes(routes!(scores::team))
        .routes(routes!(scores::list_scores))
        .routes(routes!(scores::person_score))
        .routes(routes!(scores::what_if))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(audit::verify))
        .routes(routes!(audit::oversight_log))
        .routes(routes!(events::post_event))
        .routes(routes!(events::post_batch))
        .routes(routes!(warnings::list))
        .routes(routes!(warnings::stream))
        .routes(routes!(warnings::get_warning))
        .routes(routes!(warnings::acknowledge))
        .routes(routes!(warnings::record_action))
        .routes(routes!(warnings::close))
        .routes(routes!(warnings::dismiss))
        .routes(routes!(warnings::get_policy, warnings::set_policy))
        .routes(routes!(warnings::what_helped))
        .routes(routes!(bands::get_bands, bands::set_bands))
        .routes(routes!(outlook::outlook))
        .routes(routes!(alerts::list_webhooks, alerts::add_webhook))
        .routes(routes!(alerts::remove_webhook))
        .routes(routes!(alerts::test_webhook))
        .routes(routes!(alerts::list_deliveries))
        .routes(routes!(alerts::replay))
        .routes(routes!(
            alerts::get_email,
            alerts::set_email,
            alerts::remove_email
        ))
        .routes(routes!(trust::get_governance, trust::set_governance))
        .routes(routes!(
            trust::get_trust_settings,
            trust::set_trust_settings
        ))
        .routes(routes!(trust::model_fairness))
        .routes(routes!(trust::bias_audit))
        .routes(routes!(documents::workers_notice))
        .routes(routes!(documents::impact_assessment))
        .routes(routes!(trust::accuracy_checks))
        .routes(routes!(trust::person_record))
        .routes(routes!(trust::get_objection, trust::set_objection))
        .routes(routes!(trust::access_link))
        .routes(routes!(trust::own_objection))
        .routes(routes!(trust::erase_person))
}

/// The OpenAPI document, generated from the handlers the router serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut document) = api_routes().split_for_parts();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    document_common_answers(&mut document);
    document
}

/// Answers API operations can give whatever they do: 429 when an API token has used its
/// budget (signed-in operations), 503 while the database is out of reach. Written once here rather than on
/// each handler, so no operation can leave them out.
fn document_common_answers(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("tnr_…")
                .description(Some("An API token of the organization (`POST /api/v1/tokens`), with the scopes the operation needs"))
                .build(),
        ),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            auth::SESSION_COOKIE,
            "A signed-in session (`POST /api/v1/login`); POST, PUT, PATCH and DELETE also send the login answer's csrf_token as the x-csrf-token header",
        ))),
    );
    const PUBLIC: [&str; 5] = [
        "/api/v1/signup",
        "/api/v1/login",
        "/api/v1/logout",
        "/api/v1/invitations/accept",
        "/api/v1/me/objection",
    ];
    let answer = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in document.paths.paths.iter_mut() {
        // Health and metrics answer for themselves; every API operation reads the database.
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let signed_in = !PUBLIC.contains(&path.as_str());
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let takes_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let in_path = path.contains('{');
            if signed_in {
                operation.security = Some(vec![
                    SecurityRequirement::new("bearer", Vec::<String>::new()),
                    SecurityRequirement::new("session", Vec::<String>::new()),
                ]);
            }
            let responses = &mut operation.responses.responses;
            if takes_input {
                responses.entry("400".into()).or_insert_with(|| {
                    answer("The request is malformed (`bad_request`): the message names the field, what was expected and how to fix it").into()
                });
            }
            if takes_input {
                responses.entry("422".into()).or_insert_with(|| {
                    answer("Well-formed, but against a rule no schema can state (`unprocessable`): a person not in the data, a date after today, an Idempotency-Key reused for another request, a mapping that is not valid TOML").into()
                });
            }
            if in_path {
                responses.entry("404".into()).or_insert_with(|| {
                    answer("No such resource in the caller's organization (`not_found`)").into()
                });
            }
            if signed_in {
                responses.entry("401".into()).or_insert_with(|| {
                    answer("No credentials, an expired session or a revoked or expired token (`unauthenticated`, `session_expired`): sign in again").into()
                });
                responses.entry("429".into()).or_insert_with(|| {
                    answer("This API token has used its requests for the minute (`rate_limited`): wait the seconds in Retry-After").into()
                });
            }
            responses.entry("503".into()).or_insert_with(|| {
                answer("The database is out of reach (`unavailable`): retry after the seconds in Retry-After").into()
            });
        }
    }
}

/// The whole application: the API, health, metrics and the OpenAPI document.
pub fn router(state: AppState) -> Router {
    let max_upload = state.settings.max_upload_megabytes * 1024 * 1024;
    let (api, _) = api_routes().split_for_parts();
    let document = openapi();
    Router::new()
        .merge(api)
        .merge(web::routes())
        .nest("/scim/v2", routes::scim::router())
        .route("/healthz", get(health::healthz))
        .route("/livez", get(health::livez))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(document) }),
        )
        .fallback(|| async { error::ApiError::not_found("route") })
        .layer(axum::extract::DefaultBodyLimit::max(max_upload))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            headers::OverTls(state.settings.secure_cookies),
            headers::security_headers,
        ))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight and the jobs this
/// process's workers are running (a long one is handed back to the queue).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_on(listener, state, shutdown, None).await
}

/// The certificate chain and private key HTTPS is served with, as PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

/// As [`serve`], over HTTPS (rustls) with the certificate and key in `tls`.
pub async fn serve_tls(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    tls: &TlsFiles,
) -> std::io::Result<()> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key).await?;
    serve_on(listener, state, shutdown, Some(config)).await
}

/// How long requests in flight may take to finish once the server is told to stop.
const GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
) -> std::io::Result<()> {
    let (stop_workers, stopped) = tokio::sync::watch::channel(false);
    let workers = start_workers(&state, stopped);
    let stopping = state.stopping.clone();
    let shutdown = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = match tls {
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        Some(config) => {
            let handle = axum_server::Handle::new();
            let stop = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stop.graceful_shutdown(Some(GRACE));
            });
            axum_server::from_tcp_rustls(listener.into_std()?, config)?
                .handle(handle)
                .serve(app)
                .await
        }
    };
    let _ = stop_workers.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    served
}

fn start_workers(
    state: &AppState,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..state.settings.workers)
        .map(|_| {
            let mut settings = tenure_monitor::WorkerSettings::new(
                tenure_monitor::worker_name("serve"),
                state.settings.job_lease_seconds,
                state.settings.training_threads,
            );
            settings.delivery = state.settings.delivery();
            let worker = tenure_monitor::Worker {
                monitor: state.monitor.clone(),
                settings,
                observer: jobs::ServerObserver::shared(state),
                wake: state.job_wakeup.clone(),
                heavy: state.heavy_jobs.clone(),
            };
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let stop = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                worker.run(false, stop).await;
            })
        })
        .collect()
}
