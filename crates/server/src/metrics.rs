//! Prometheus metrics (`/metrics`) and the middleware every request passes: it gives the
//! request an id, counts and times it by route, and logs it — by route pattern, never by the
//! URL itself, since a URL can carry a person's key.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Instant;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub status: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub jobs: Family<JobLabels, Counter>,
    /// Individual scores read (each also an audit row).
    pub scores_read: Counter,
    /// People scored by scoring runs.
    pub scores_written: Counter,
    /// HR events accepted through the API.
    pub events_received: Counter,
    /// Warnings raised by this process's workers.
    pub warnings_raised: Counter,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tenure");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let jobs = Family::<JobLabels, Counter>::default();
        let scores_read = Counter::default();
        let scores_written = Counter::default();
        let events_received = Counter::default();
        let warnings_raised = Counter::default();
        registry.register(
            "events_received",
            "HR events accepted through the API",
            events_received.clone(),
        );
        registry.register(
            "warnings_raised",
            "Warnings raised by this process's workers",
            warnings_raised.clone(),
        );
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route",
            latency.clone(),
        );
        registry.register("jobs", "Background jobs finished", jobs.clone());
        registry.register(
            "scores_read",
            "Individual scores read through the API",
            scores_read.clone(),
        );
        registry.register(
            "scores_written",
            "People scored by scoring runs",
            scores_written.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            jobs,
            scores_read,
            scores_written,
            events_received,
            warnings_raised,
        }
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String");
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// The id of the request being answered, for audit rows and logs.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = crate::secrets::new_secret("")[..16].to_owned();
    request.extensions_mut().insert(RequestId(id.clone()));
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(seconds);
    tracing::info!(request_id = %id, %method, %route, status, ms = seconds * 1e3, "request");
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
}
