//! Models: training (a background job that also scores everyone), scoring runs, and the
//! versioned models with their model cards.

use super::Shown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency;
use crate::jobs::enqueue;
use crate::routes::data::{keyed_answer, JobStarted};
use crate::routes::{parse_id, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tenure_domain::{Entitlement, Permission};
use tenure_model::evaluate::LearnerChoice;
use tenure_monitor::JobSpec;
use tenure_store::{Enqueued, StoredModel};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelView {
    pub version: i64,
    pub created_at: String,
    pub shape: String,
    pub horizon_months: Option<i32>,
    pub description: String,
    /// Data window, inputs, excluded protected columns, learner, calibration, figures on
    /// unseen data, uses and limits. Its fairness audit's figures by group are for auditors
    /// (`/models/{version}/fairness`); others see whether it was flagged.
    #[schema(value_type = Object)]
    pub card: serde_json::Value,
    /// Why the model scores nobody (held back by the fairness gate); null when active.
    pub held_reason: Option<String>,
}

impl ModelView {
    /// The model as `caller` may see it: breakdowns by protected group only for auditors.
    fn for_caller(m: StoredModel, caller: &Caller) -> ModelView {
        let mut card = m.card;
        let mut held_reason = m.held_reason;
        if !caller.may(Permission::ReadFairness) {
            if let Some(fairness) = card.get_mut("fairness").filter(|f| !f.is_null()) {
                let flagged = fairness.get("flagged").cloned().unwrap_or_default();
                *fairness = serde_json::json!({
                    "flagged": flagged,
                    "figures": format!("by protected group, for auditors: /api/v1/models/{}/fairness", m.version),
                });
            }
            if let Some(limits) = card.get_mut("known_limits").and_then(|l| l.as_array_mut()) {
                // Flagged findings quote group rates: they stay with the audit.
                limits.retain(|l| !l.as_str().is_some_and(|t| t.contains("impact ratio")));
            }
            if held_reason.is_some() {
                held_reason =
                    Some("held back by the fairness gate (the audit is for auditors)".into());
            }
        }
        ModelView {
            version: m.version,
            created_at: m.created_at.shown(),
            shape: m.shape,
            horizon_months: m.horizon_months,
            description: m.description,
            card,
            held_reason,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingRequest {
    /// Panels: predict voluntary exits within this many months (default 6).
    #[schema(minimum = 1, maximum = 36)]
    pub horizon_months: Option<i32>,
    /// `auto` (default), `logistic` or `gbm`.
    #[schema(pattern = "^(auto|logistic|gbm)$")]
    pub learner: Option<String>,
    pub seed: Option<u64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoringRequest {
    /// The model version to score with (default: the latest).
    pub model_version: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/models", tag = "models",
    responses((status = 200, description = "Newest first", body = Vec<ModelView>), (status = 403, body = ErrorBody)))]
pub async fn list_models(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ModelView>>, ApiError> {
    caller.require(Permission::ReadModels)?;
    let models = state.store.models(caller.org.id).await?;
    Ok(Json(
        models
            .into_iter()
            .map(|m| ModelView::for_caller(m, &caller))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/models/{version}", tag = "models",
    params(("version" = i64, Path, description = "The model version")),
    responses((status = 200, body = ModelView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(version): Path<String>,
) -> Result<Json<ModelView>, ApiError> {
    caller.require(Permission::ReadModels)?;
    let version = parse_id(&version, "model")?;
    let mut model = state
        .store
        .model(caller.org.id, Some(version))
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    model.artifact = None;
    Ok(Json(ModelView::for_caller(model, &caller)))
}

#[utoipa::path(post, path = "/api/v1/models", tag = "models", request_body = TrainingRequest, params(crate::idempotency::IdempotencyHeader),
    responses((status = 202, description = "Training started; it scores everyone when done", body = JobStarted),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, description = "The same training run is already queued or running (`already_pending`; the message names its job)", body = ErrorBody)))]
pub async fn train(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(request): Body<TrainingRequest>,
) -> Result<Response, ApiError> {
    caller.require(Permission::TrainModels)?;
    caller.require_entitlement(Entitlement::BatchScoring)?;
    let learner = request.learner.as_deref().unwrap_or("auto");
    if LearnerChoice::parse(learner).is_none() {
        return Err(ApiError::bad_request(format!(
            "learner {learner:?}: expected auto, logistic or gbm"
        )));
    }
    let horizon_months = request.horizon_months.unwrap_or(6);
    if !(1..=36).contains(&horizon_months) {
        return Err(ApiError::bad_request("horizon_months: 1 to 36"));
    }
    // Threads are the worker's to give: it knows the cores it shares.
    let training = JobSpec::Train {
        learner: learner.to_owned(),
        seed: request.seed.unwrap_or(1),
        horizon_months,
        origins: 4,
        step: 3,
        folds: 5,
    };
    let payload = training.to_job(None).payload.to_string();
    if let Some(key) = idempotency::key_of(&headers, &[payload.as_bytes()])? {
        let keyed = tenure_monitor::enqueue_under_key(
            &state.store,
            caller.org.id,
            None,
            |_| training,
            Some(caller.user_id),
            &key,
            &state.job_wakeup,
        )
        .await?;
        return keyed_answer(keyed);
    }
    let enqueued = tenure_monitor::enqueue_once(
        &state.store,
        caller.org.id,
        &training,
        Some(caller.user_id),
        &state.job_wakeup,
    )
    .await?;
    match enqueued {
        Enqueued::New(job_id) => {
            Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id })).into_response())
        }
        // Training takes a minute or more and uses the data as it is when it starts: a second
        // identical request would only redo it.
        Enqueued::AlreadyPending(job) => Err(ApiError::already_pending(job)),
    }
}

#[utoipa::path(post, path = "/api/v1/scoring-runs", tag = "models", request_body = ScoringRequest,
    responses((status = 202, description = "Scoring started", body = JobStarted),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn score(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<ScoringRequest>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    caller.require(Permission::TrainModels)?;
    caller.require_entitlement(Entitlement::BatchScoring)?;
    if let Some(version) = request.model_version {
        state
            .store
            .model(caller.org.id, Some(version))
            .await?
            .ok_or_else(|| ApiError::not_found("model"))?;
    }
    let scoring = JobSpec::Score {
        version: request.model_version,
        factors: 5,
    };
    let job_id = enqueue(&state, &caller.org, caller.user_id, &scoring).await?;
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id })))
}
