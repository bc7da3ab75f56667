//! HR events: pay changes, promotions, new managers, ratings, survey answers, leave, exits and
//! transfers, one at a time or in batches. Each batch is checked whole, lands whole, and the
//! people it touches are re-scored at once by a queued job.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::Body;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use tenure_domain::{Entitlement, HrEvent, Permission};
use tenure_monitor::Rescoring;
use utoipa::ToSchema;

/// At most this many events in one batch.
const MAX_BATCH: usize = 1_000;

/// One HR event (see `kind` for what each changes). It documents the body for the OpenAPI
/// document; handlers read each event as the domain's `HrEvent`, so a bad one in a batch is
/// refused by its index.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
#[schema(example = json!({"person": "E1042", "kind": "pay_change", "effective": "2026-11-01", "values": {"pay": 3900}}))]
pub struct EventBody {
    /// The person's id, as in the imported data.
    pub person: String,
    /// `pay_change` (pay), `promotion` (level, pay), `manager_change` (manager), `rating`,
    /// `survey_answer` (survey columns), `leave` (columns no role names, e.g. days absent),
    /// `exit` (`exit_kind`, `voluntary`), `transfer` (team, department, manager, level).
    pub kind: String,
    /// The day it took effect (default: today).
    pub effective: Option<String>,
    /// New values keyed by role (`pay`, `level`, `manager`…) or column name.
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
    pub exit_kind: Option<String>,
    pub voluntary: Option<bool>,
}

#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct EventBatch {
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

#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventBody,
    responses((status = 202, description = "Applied; the people it touches are being re-scored", body = EventsAccepted),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn post_event(
    State(state): State<AppState>,
    caller: Caller,
    Body(event): Body<serde_json::Value>,
) -> Result<(StatusCode, Json<EventsAccepted>), ApiError> {
    accept(&state, &caller, vec![event]).await
}

#[utoipa::path(post, path = "/api/v1/events/batch", tag = "events", request_body = EventBatch,
    responses((status = 202, description = "All applied (or none, with the first bad event named)", body = EventsAccepted),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn post_batch(
    State(state): State<AppState>,
    caller: Caller,
    Body(batch): Body<serde_json::Value>,
) -> Result<(StatusCode, Json<EventsAccepted>), ApiError> {
    let events = match batch.get("events") {
        Some(serde_json::Value::Array(events)) => events.clone(),
        _ => return Err(ApiError::bad_request("expected {\"events\": [...]}")),
    };
    accept(&state, &caller, events).await
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    raw: Vec<serde_json::Value>,
) -> Result<(StatusCode, Json<EventsAccepted>), ApiError> {
    caller.require(Permission::UploadData)?;
    caller.require_entitlement(Entitlement::ContinuousMonitoring)?;
    if raw.is_empty() || raw.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "send 1 to {MAX_BATCH} events at a time"
        )));
    }
    let events: Vec<HrEvent> = raw
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            serde_json::from_value(e).map_err(|e| ApiError::bad_request(format!("event {i}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let applied = tenure_monitor::apply_events(
        &state.monitor,
        caller.org.id,
        &caller.org.slug,
        &events,
        Some(caller.user_id),
        Rescoring::Queued {
            wake: &state.job_wakeup,
        },
    )
    .await
    .map_err(|e| ApiError::from_monitor(e, "events not applied"))?;
    state.metrics.events_received.inc_by(events.len() as u64);
    Ok((
        StatusCode::ACCEPTED,
        Json(EventsAccepted {
            event_ids: applied.applied.iter().map(|a| a.id).collect(),
            people_rescored: applied.affected.len(),
            job_id: applied.rescoring_job,
        }),
    ))
}
