//! HR events: pay changes, promotions, new managers, ratings, survey answers, leave, exits and
//! transfers, one at a time or in batches. Each batch is checked whole, lands whole, and the
//! people it touches are re-scored at once by a queued job. A request with an
//! `Idempotency-Key` lands once however often it is sent.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency;
use crate::routes::Body;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tenure_domain::{Entitlement, HrEvent, Permission};
use tenure_monitor::{EventsOutcome, Rescoring};
use utoipa::ToSchema;

/// At most this many events in one batch.
const MAX_BATCH: usize = 1_000;

/// One HR event (see `kind` for what each changes). It documents the body for the OpenAPI
/// document; handlers read each event as the domain's `HrEvent`, so a bad one in a batch is
/// refused by its index.
/// A value an event sets: a number or a text.
#[derive(serde::Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Only its schema is used.
enum EventValueDoc {
    Number(f64),
    Text(String),
}

#[allow(dead_code)]
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person": "E1042", "kind": "pay_change", "effective": "2026-11-01", "values": {"pay": 3900}}))]
pub struct EventBody {
    /// The person's id, as in the imported data.
    pub person: String,
    /// `pay_change` (pay), `promotion` (level, pay), `manager_change` (manager), `rating`,
    /// `survey_answer` (survey columns), `leave` (columns no role names, e.g. days absent),
    /// `exit` (`exit_kind`, `voluntary`), `transfer` (team, department, manager, level).
    #[schema(
        pattern = "^(pay_change|promotion|manager_change|rating|survey_answer|leave|exit|transfer)$"
    )]
    pub kind: String,
    /// The day it took effect (default: today).
    #[schema(format = Date)]
    pub effective: Option<String>,
    /// New values keyed by role (`pay`, `level`, `manager`…) or column name: numbers or texts.
    #[schema(value_type = std::collections::HashMap<String, EventValueDoc>)]
    pub values: serde_json::Map<String, serde_json::Value>,
    pub exit_kind: Option<String>,
    pub voluntary: Option<bool>,
}

#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct EventBatch {
    #[schema(min_items = 1, max_items = 1000)]
    pub events: Vec<EventBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventsAccepted {
    /// The stored events' ids, in the order given.
    pub event_ids: Vec<i64>,
    /// How many people are being re-scored.
    pub people_rescored: usize,
    /// The re-scoring job (null when nobody needed it).
    pub job_id: Option<i64>,
}

/// The `Idempotency-Key` header: a request sent again with the same key and body (its
/// answer lost to a timeout or a dropped connection) is answered as the first was, with
/// `Idempotent-Replayed: true`, and its events are not applied twice.
#[allow(dead_code)] // documents the header; `accept` reads it from the request's headers
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventBody, params(idempotency::IdempotencyHeader),
    responses((status = 202, description = "Applied; the people it touches are being re-scored (or, with `Idempotent-Replayed: true`, applied by an earlier request with the same key)", body = EventsAccepted),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn post_event(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(event): Body<serde_json::Value>,
) -> Result<Response, ApiError> {
    accept(&state, &caller, &headers, vec![event]).await
}

#[utoipa::path(post, path = "/api/v1/events/batch", tag = "events", request_body = EventBatch, params(idempotency::IdempotencyHeader),
    responses((status = 202, description = "All applied (or none, with the first bad event named); with `Idempotent-Replayed: true`, applied by an earlier request with the same key", body = EventsAccepted),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn post_batch(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(batch): Body<serde_json::Value>,
) -> Result<Response, ApiError> {
    let events = match batch.get("events") {
        Some(serde_json::Value::Array(events)) => events.clone(),
        _ => return Err(ApiError::bad_request("expected {\"events\": [...]}")),
    };
    accept(&state, &caller, &headers, events).await
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw: Vec<serde_json::Value>,
) -> Result<Response, ApiError> {
    caller.require(Permission::UploadData)?;
    caller.require_entitlement(Entitlement::ContinuousMonitoring)?;
    if raw.is_empty() || raw.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "send 1 to {MAX_BATCH} events at a time"
        )));
    }
    let body = serde_json::to_vec(&raw).map_err(|_| ApiError::internal())?;
    let key = idempotency::key_of(headers, &[&body])?;
    let events: Vec<HrEvent> = raw
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            serde_json::from_value(e).map_err(|e| ApiError::bad_request(format!("event {i}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let batch = tenure_monitor::EventBatch {
        org: caller.org.id,
        slug: &caller.org.slug,
        events: &events,
        created_by: Some(caller.user_id),
    };
    let rescoring = Rescoring::Queued {
        wake: &state.job_wakeup,
    };
    let outcome = tenure_monitor::apply_events_once(&state.monitor, batch, rescoring, key)
        .await
        .map_err(|e| ApiError::from_monitor(e, "events not applied"))?;
    let (accepted, replayed) = match outcome {
        EventsOutcome::Applied(applied) => {
            state.metrics.events_received.inc_by(events.len() as u64);
            let accepted = EventsAccepted {
                event_ids: applied.applied.iter().map(|a| a.id).collect(),
                people_rescored: applied.affected.len(),
                job_id: applied.rescoring_job,
            };
            (accepted, false)
        }
        EventsOutcome::Replayed(answer) => {
            let accepted = EventsAccepted {
                event_ids: answer.event_ids,
                people_rescored: answer.people_rescored,
                job_id: answer.job_id,
            };
            (accepted, true)
        }
    };
    let mut response = (StatusCode::ACCEPTED, Json(accepted)).into_response();
    if replayed {
        idempotency::mark_replayed(&mut response);
    }
    Ok(response)
}
