//! Warnings in the app: the feed (and its live stream, server-sent events) for authorised HR
//! roles — every warning read is audited like a score — each warning with its lifecycle steps,
//! the steps themselves (acknowledge, record an action, close with a named reviewer and a
//! reason, dismiss), and the organization's warning policy.

use super::Shown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::scores::audit;
use crate::routes::{Body, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::convert::Infallible;
use tenure_domain::{
    Entitlement, LifecycleStep, Permission, Role, SupportiveAction, WarningPolicy, WarningStatus,
};
use tenure_store::{WarningFilter, WarningRecord};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    /// The opaque id deliveries carry.
    pub id: String,
    /// `person` or `team`.
    pub subject: String,
    pub person: Option<String>,
    pub team: Option<String>,
    pub department: Option<String>,
    pub raised_at: String,
    /// open, acknowledged, action_recorded, closed or dismissed.
    pub status: String,
    /// stayed or left, once known.
    pub outcome: Option<String>,
    /// What changed, in words.
    pub what_changed: Vec<String>,
    /// The rules that tripped, each with its figures (`rule` names it).
    #[schema(value_type = Vec<Object>)]
    pub triggers: serde_json::Value,
    /// The top drivers, each with the supportive action it suggests.
    #[schema(value_type = Vec<WarningDriver>)]
    pub drivers: serde_json::Value,
    /// How to handle it: confidential, no confrontation, never retaliation.
    pub conduct: String,
    pub model_version: i64,
    pub closed_at: Option<String>,
    pub closed_by: Option<i64>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    /// The lifecycle so far (on a single warning's page only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<StepView>>,
}

/// One driver of a warning, in words, with the supportive step it suggests.
#[derive(ToSchema)]
#[allow(dead_code)] // The schema of the drivers a warning stores.
pub struct WarningDriver {
    /// The input behind it.
    factor: String,
    /// What changed, in English and in Chinese.
    words: String,
    words_zh: Option<String>,
    /// The step it suggests (`pay_review`, `career_path`, `stay_conversation`…), and in words.
    action: Option<String>,
    action_words: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub step: String,
    pub by_user: Option<i64>,
    pub at: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<WarningRecord> for WarningView {
    fn from(w: WarningRecord) -> WarningView {
        let triggers = w.warning.triggers;
        WarningView {
            id: w.public_id,
            subject: if w.warning.person.is_some() {
                "person"
            } else {
                "team"
            }
            .into(),
            person: w.warning.person,
            team: w.warning.groups.team,
            department: w.warning.groups.department,
            raised_at: w.raised_at.shown(),
            status: w.status.key().into(),
            outcome: w.outcome,
            what_changed: triggers["what_changed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            conduct: triggers["conduct"].as_str().unwrap_or_default().to_owned(),
            triggers: triggers["rules"].clone(),
            drivers: w.warning.drivers,
            model_version: w.warning.model_version,
            closed_at: w.closed_at.shown(),
            closed_by: w.closed_by,
            decision: w.decision,
            reason: w.reason,
            steps: None,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    /// Only warnings with this status.
    #[param(pattern = "^(open|acknowledged|action_recorded|closed|dismissed)$")]
    pub status: Option<String>,
    pub team: Option<String>,
    /// At most this many, newest first (default 100, at most 500).
    pub limit: Option<i64>,
}

/// Warnings of teams and departments outside an hr member's units are not theirs to see.
fn in_reach(caller: &Caller, w: &WarningRecord) -> bool {
    match caller.role {
        Role::Hr if !caller.scope.units.is_empty() => caller.scope.units.iter().any(|u| {
            Some(u) == w.warning.groups.team.as_ref()
                || Some(u) == w.warning.groups.department.as_ref()
        }),
        _ => true,
    }
}

fn may_read(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Permission::ReadIndividualScores)?;
    caller.require_entitlement(Entitlement::Reports)
}

/// Audits the people named by warnings about to be shown.
async fn audit_read(
    state: &AppState,
    caller: &Caller,
    shown: &[WarningRecord],
) -> Result<(), ApiError> {
    let people = shown.iter().filter_map(|w| w.warning.person.clone());
    audit(state, caller, "warning.read", people).await
}

#[utoipa::path(get, path = "/api/v1/warnings", tag = "warnings", params(WarningQuery),
    responses((status = 200, description = "Newest first; each read is audited", body = Vec<WarningView>),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<WarningQuery>,
) -> Result<Json<Vec<WarningView>>, ApiError> {
    may_read(&caller)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(WarningStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "status {s:?}: expected open, acknowledged, action_recorded, closed or dismissed"
            ))
        })?),
    };
    let filter = WarningFilter {
        status,
        after_id: None,
        team: query.team,
        limit: query.limit.unwrap_or(100).clamp(1, 500),
    };
    let found: Vec<WarningRecord> = state
        .store
        .warnings_where(caller.org.id, &filter)
        .await?
        .into_iter()
        .filter(|w| in_reach(&caller, w))
        .collect();
    audit_read(&state, &caller, &found).await?;
    Ok(Json(found.into_iter().map(WarningView::from).collect()))
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<WarningRecord, ApiError> {
    state
        .store
        .warning_by_public_id(caller.org.id, id)
        .await?
        .filter(|w| in_reach(caller, w))
        .ok_or_else(|| ApiError::not_found("warning"))
}

#[utoipa::path(get, path = "/api/v1/warnings/{id}", tag = "warnings",
    params(("id" = String, Path, description = "The warning's opaque id")),
    responses((status = 200, description = "The warning and its lifecycle; the read is audited", body = WarningView),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_warning(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WarningView>, ApiError> {
    may_read(&caller)?;
    let warning = find(&state, &caller, &id).await?;
    view_with_steps(&state, &caller, warning).await.map(Json)
}

async fn view_with_steps(
    state: &AppState,
    caller: &Caller,
    warning: WarningRecord,
) -> Result<WarningView, ApiError> {
    let steps = state.store.warning_steps(caller.org.id, warning.id).await?;
    audit_read(state, caller, std::slice::from_ref(&warning)).await?;
    let mut view = WarningView::from(warning);
    view.steps = Some(
        steps
            .into_iter()
            .map(|s| StepView {
                step: s.step,
                by_user: s.by_user,
                at: s.at,
                detail: s.detail,
            })
            .collect(),
    );
    Ok(view)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeRequest {
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// What was done: "stay conversation held", "pay review requested"…
    #[schema(pattern = "\\S", max_length = 500)]
    pub what: String,
    /// Who did it (default: the member recording it).
    #[schema(pattern = "\\S", max_length = 200)]
    pub who: Option<String>,
    /// When (YYYY-MM-DD; default today).
    #[schema(format = Date)]
    pub when: Option<String>,
    /// The kind of action, for "what helped": `stay_conversation`, `pay_review`,
    /// `career_path`, `workload` or `manager_coaching`.
    #[schema(pattern = "^(stay_conversation|pay_review|career_path|workload|manager_coaching)$")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// The reviewer's decision: "retained after pay review", "no further action"…
    #[schema(pattern = "\\S", max_length = 200)]
    pub decision: String,
    #[schema(pattern = "\\S", max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    /// Why the warning is overridden: "known secondment ending", "data error"…
    #[schema(pattern = "\\S", max_length = 2000)]
    pub reason: String,
}

fn required(text: &str, what: &str, max: usize) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(ApiError::bad_request(format!(
            "{what}: 1 to {max} characters"
        )));
    }
    Ok(text.to_owned())
}

/// Takes a step on a warning the caller may act on, and answers with the warning as it now is.
async fn take_step(
    state: &AppState,
    caller: &Caller,
    id: &str,
    step: LifecycleStep,
    detail: serde_json::Value,
    closing: Option<(String, String)>,
) -> Result<Json<WarningView>, ApiError> {
    caller.require(Permission::ActOnWarnings)?;
    may_read(caller)?;
    let warning = find(state, caller, id).await?;
    let to = warning
        .status
        .after(step)
        .map_err(|e| ApiError::conflict(e.to_string()))?;
    let moved = state
        .store
        .step_warning(
            caller.org.id,
            warning.id,
            warning.status,
            step,
            to,
            Some(caller.user_id),
            &detail,
            closing.as_ref().map(|(d, r)| (d.as_str(), r.as_str())),
        )
        .await?;
    if !moved {
        return Err(ApiError::conflict(
            "the warning changed while you were acting on it: reload it",
        ));
    }
    let warning = find(state, caller, id).await?;
    view_with_steps(state, caller, warning).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/warnings/{id}/acknowledge", tag = "warnings", request_body = AcknowledgeRequest,
    params(("id" = String, Path, description = "The warning's opaque id")),
    responses((status = 200, body = WarningView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(request): Body<AcknowledgeRequest>,
) -> Result<Json<WarningView>, ApiError> {
    let detail = serde_json::json!({"note": request.note});
    take_step(
        &state,
        &caller,
        &id,
        LifecycleStep::Acknowledge,
        detail,
        None,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/warnings/{id}/actions", tag = "warnings", request_body = ActionRequest,
    params(("id" = String, Path, description = "The warning's opaque id")),
    responses((status = 200, body = WarningView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn record_action(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(request): Body<ActionRequest>,
) -> Result<Json<WarningView>, ApiError> {
    let what = required(&request.what, "what", 500)?;
    let when = match request.when.as_deref() {
        None => state.clock().now().date_naive(),
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::bad_request(format!("when {d:?}: expected YYYY-MM-DD")))?,
    };
    let who = match request.who.as_deref() {
        Some(who) => required(who, "who", 200)?,
        None => caller.actor(),
    };
    let kind = match request.kind.as_deref() {
        None => None,
        Some(k) => Some(SupportiveAction::parse(k).ok_or_else(|| {
            ApiError::bad_request(format!(
                "kind {k:?}: expected one of {}, or leave it out",
                SupportiveAction::ALL.map(|a| a.key()).join(", ")
            ))
        })?),
    };
    let mut detail = serde_json::json!({"what": what, "who": who, "when": when.to_string()});
    if let Some(kind) = kind {
        detail["kind"] = kind.key().into();
    }
    take_step(
        &state,
        &caller,
        &id,
        LifecycleStep::RecordAction,
        detail,
        None,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/warnings/{id}/close", tag = "warnings", request_body = CloseRequest,
    params(("id" = String, Path, description = "The warning's opaque id")),
    responses((status = 200, description = "Closed, with the caller as the named reviewer", body = WarningView),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(request): Body<CloseRequest>,
) -> Result<Json<WarningView>, ApiError> {
    let decision = required(&request.decision, "decision", 200)?;
    let reason = required(&request.reason, "reason", 2000)?;
    let detail = serde_json::json!({"decision": decision, "reason": reason});
    take_step(
        &state,
        &caller,
        &id,
        LifecycleStep::Close,
        detail,
        Some((decision, reason)),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/warnings/{id}/dismiss", tag = "warnings", request_body = DismissRequest,
    params(("id" = String, Path, description = "The warning's opaque id")),
    responses((status = 200, description = "Dismissed (an override), with the caller as reviewer", body = WarningView),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn dismiss(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(request): Body<DismissRequest>,
) -> Result<Json<WarningView>, ApiError> {
    let reason = required(&request.reason, "reason", 2000)?;
    let detail = serde_json::json!({"reason": reason});
    let closing = Some(("dismissed".to_owned(), reason));
    take_step(
        &state,
        &caller,
        &id,
        LifecycleStep::Dismiss,
        detail,
        closing,
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/warnings/stream", tag = "warnings",
    responses((status = 200, description = "Server-sent events: one `warning` event (a WarningView) per new warning, as it is raised; each audited", content_type = "text/event-stream"),
              (status = 403, body = ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    may_read(&caller)?;
    // Resume after the last event the client saw, or start from now.
    let cursor = match headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
    {
        Some(seen) => seen,
        None => state
            .store
            .warnings(caller.org.id, 1)
            .await?
            .first()
            .map_or(0, |w| w.id),
    };
    let feed = Feed {
        rx: state.warnings_feed.subscribe(),
        stopping: state.stopping.subscribe(),
        state,
        caller,
        cursor,
        ready: VecDeque::new(),
    };
    let events = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(event), feed))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// A live feed's position: what it has sent, what is read but not yet sent.
struct Feed {
    state: AppState,
    caller: Caller,
    cursor: i64,
    ready: VecDeque<WarningRecord>,
    rx: tokio::sync::broadcast::Receiver<tenure_domain::OrgId>,
    stopping: tokio::sync::watch::Receiver<bool>,
}

impl Feed {
    /// The next warning to send; `None` ends the stream (the server is stopping, or the
    /// database failed).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if *self.stopping.borrow() {
                return None;
            }
            if let Some(warning) = self.ready.pop_front() {
                self.cursor = self.cursor.max(warning.id);
                if !in_reach(&self.caller, &warning) {
                    continue;
                }
                audit_read(&self.state, &self.caller, std::slice::from_ref(&warning))
                    .await
                    .ok()?;
                let id = warning.id;
                let view = WarningView::from(warning);
                return Event::default()
                    .event("warning")
                    .id(id.to_string())
                    .json_data(view)
                    .ok();
            }
            let filter = WarningFilter {
                after_id: Some(self.cursor),
                limit: 100,
                ..WarningFilter::default()
            };
            let mut found = self
                .state
                .store
                .warnings_where(self.caller.org.id, &filter)
                .await
                .ok()?;
            if !found.is_empty() {
                found.reverse();
                self.ready.extend(found);
                continue;
            }
            // Woken by this process's workers at once; other processes' warnings are seen
            // within the poll.
            let org = self.caller.org.id;
            let wait = async {
                loop {
                    match self.rx.recv().await {
                        Ok(raised_for) if raised_for == org => return,
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            std::future::pending::<()>().await
                        }
                    }
                }
            };
            let mut stopping = self.stopping.clone();
            tokio::select! {
                _ = wait => {}
                _ = stopping.wait_for(|stop| *stop) => return None,
                _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            }
        }
    }
}

#[utoipa::path(get, path = "/api/v1/warning-policy", tag = "warnings",
    responses((status = 200, body = WarningPolicyDoc, description = "The rules (highest_risks, enters_high, rises_by, team_expected_leavers, team_worsens), the cooldown, the capacity HR can act on a month (absent: every trip warns) and the hold-out share"),
              (status = 403, body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WarningPolicy>, ApiError> {
    caller.require(Permission::ReadModels)?;
    Ok(Json(state.store.warning_policy(caller.org.id).await?))
}

#[utoipa::path(put, path = "/api/v1/warning-policy", tag = "warnings", request_body = WarningPolicyDoc,
    responses((status = 200, body = WarningPolicyDoc, description = "The policy now in force"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_policy(
    State(state): State<AppState>,
    caller: Caller,
    Body(policy): Body<WarningPolicy>,
) -> Result<Json<WarningPolicy>, ApiError> {
    caller.require(Permission::ConfigureAlerts)?;
    // Ranges are in the schema (400); a rule needing a capacity without one is not (422).
    policy.validate().map_err(|e| match e {
        tenure_domain::PolicyError::NoCapacity => ApiError::unprocessable(e.to_string()),
        other => ApiError::bad_request(other.to_string()),
    })?;
    state
        .store
        .set_warning_policy(caller.org.id, &policy)
        .await?;
    Ok(Json(policy))
}

/// The schema of the domain's `WarningPolicy` as JSON, with the ranges its validation checks
/// (a rule that needs a capacity without one is a 422).
#[derive(Deserialize, ToSchema)]
#[schema(as = WarningPolicy)]
#[allow(dead_code)]
pub struct WarningPolicyDoc {
    rules: Vec<WarningRuleDoc>,
    /// Days after a warning closes before the same person can be warned again.
    #[schema(minimum = 0, maximum = 365)]
    cooldown_days: i64,
    /// The conversations HR can hold a month; absent or null, every trip warns.
    capacity: Option<CapacityDoc>,
    /// A share of person warnings kept back at random, to measure the warnings' own effect.
    #[schema(minimum = 0.0, maximum = 0.5, nullable = false)]
    holdout_share: Option<f64>,
}

/// One warning rule, named by `rule`.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[schema(as = WarningRule)]
#[allow(dead_code)]
enum WarningRuleDoc {
    /// The highest expected regretted losses, within the capacity (needs one).
    HighestRisks,
    /// A person's risk enters the High band.
    EntersHigh,
    /// A person's probability rose by `points` over its lowest in the last `days`.
    RisesBy {
        #[schema(minimum = 0.01, maximum = 1.0)]
        points: f64,
        #[schema(minimum = 1, maximum = 730)]
        days: i64,
    },
    /// A team's expected leavers reach `leavers`.
    TeamExpectedLeavers {
        #[schema(minimum = 0.5, maximum = 10000.0)]
        leavers: f64,
    },
    /// A team's expected leavers reached `ratio` times their best in `days`, up `leavers`.
    TeamWorsens {
        #[schema(minimum = 1, maximum = 730)]
        days: i64,
        #[schema(minimum = 1.1, maximum = 10.0)]
        ratio: f64,
        #[schema(minimum = 0.5, maximum = 10000.0)]
        leavers: f64,
    },
}

/// How many conversations HR can hold a month.
#[derive(Deserialize, ToSchema)]
#[schema(as = Capacity)]
#[allow(dead_code)]
struct CapacityDoc {
    /// As a share of the people scored (0.0275: under three in a hundred).
    #[schema(minimum = 0.001, maximum = 0.5)]
    share_per_month: f64,
    /// Or a fixed number a month, which overrides the share.
    #[schema(minimum = 1, maximum = 100000)]
    conversations_per_month: Option<u32>,
    /// Each department holds its own share.
    #[schema(nullable = false)]
    per_department: Option<bool>,
    /// The share kept for people whose risk rises during the month.
    #[schema(minimum = 0.0, maximum = 0.9, nullable = false)]
    reserve_for_rises: Option<f64>,
}

/// What helped: each action kind recorded on warnings against comparable warnings with none.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatHelpedView {
    /// The months after a warning its outcome is read over (the latest model's horizon).
    pub horizon_months: u32,
    /// The data's latest month: outcomes are known up to it.
    pub as_of: Option<String>,
    /// Warnings whose outcome is known, pending (horizon not passed), whose person left
    /// involuntarily, and with actions recorded without a kind.
    pub followed: usize,
    pub pending: usize,
    pub involuntary: usize,
    pub unclassified: usize,
    /// Warnings with no action recorded, and how many of their people stayed.
    pub no_action_warned: usize,
    pub no_action_stayed: usize,
    /// Each action kind, the likeliest to have helped first.
    pub effects: Vec<ActionEffectView>,
    /// With a hold-out share in the policy: everyone warned against those held out at random.
    pub warnings_effect: Option<WarningsEffectView>,
    /// Always shown with the figures: they are observational.
    pub caveat: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionEffectView {
    /// `stay_conversation`, `pay_review`, `career_path`, `workload` or `manager_coaching`.
    pub action: String,
    pub warned: usize,
    pub stayed: usize,
    pub stay_rate: f64,
    /// The stay rate of warned people with no action, in the action's mix of risk.
    pub comparable_stay_rate: f64,
    /// `stay_rate` − `comparable_stay_rate` within bands of risk, with its 90% interval.
    pub difference: f64,
    pub low: f64,
    pub high: f64,
    /// Its warnings in risk bands with no comparable warning, left out of the comparison.
    pub without_comparison: usize,
}

/// The warnings' own effect, measured by the random hold-out.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningsEffectView {
    pub warned: usize,
    pub stayed: usize,
    pub held_out: usize,
    pub held_out_stayed: usize,
    /// Stay rate of the warned less that of the held out, within bands of risk, with its 90%
    /// interval.
    pub difference: f64,
    pub low: f64,
    pub high: f64,
}

pub(crate) const OBSERVATIONAL: &str = "Observational, not an experiment: HR chose whom to act for and how, so a difference can come from that choice as much as from the action. A lead to look into, not proof.";

#[utoipa::path(get, path = "/api/v1/what-helped", tag = "warnings",
    responses((status = 200, body = WhatHelpedView), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn what_helped(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WhatHelpedView>, ApiError> {
    caller.require(Permission::ReadIndividualScores)?;
    caller.require_entitlement(Entitlement::Reports)?;
    let report = tenure_monitor::what_helped_report(&state.store, caller.org.id)
        .await
        .map_err(|e| ApiError::from_monitor(e, "what helped not read"))?;
    Ok(Json(WhatHelpedView {
        horizon_months: report.horizon_months,
        as_of: report.as_of.map(|d| d.to_string()),
        followed: report.followed,
        pending: report.pending,
        involuntary: report.involuntary,
        unclassified: report.unclassified,
        no_action_warned: report.helped.no_action_warned,
        no_action_stayed: report.helped.no_action_stayed,
        effects: report
            .helped
            .effects
            .iter()
            .map(|e| ActionEffectView {
                action: e.action.key().to_owned(),
                warned: e.warned,
                stayed: e.stayed,
                stay_rate: e.stay_rate,
                comparable_stay_rate: e.comparable_stay_rate,
                difference: e.difference,
                low: e.low,
                high: e.high,
                without_comparison: e.without_comparison,
            })
            .collect(),
        warnings_effect: report.helped.warnings_effect.map(|e| WarningsEffectView {
            warned: e.warned,
            stayed: e.stayed,
            held_out: e.held_out,
            held_out_stayed: e.held_out_stayed,
            difference: e.difference,
            low: e.low,
            high: e.high,
        }),
        caveat: OBSERVATIONAL.to_owned(),
    }))
}
