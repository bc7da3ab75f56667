//! Trust and people's rights: the governance record that switches scoring on, the trust
//! settings (retention, fairness release gate, smallest group shown), each model's fairness
//! audit (auditors only), the monthly accuracy re-checks, and a person's export and erasure.

use super::Shown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::scores::audit;
use crate::routes::{parse_id, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tenure_domain::Permission;
use tenure_store::{AccuracyCheck, Governance, TrustSettings};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GovernanceRecord {
    /// The legal basis of scoring, e.g. "GDPR art. 6(1)(f); works agreement 2026-03".
    pub legal_basis: String,
    /// The data-protection impact assessment's reference.
    pub impact_assessment: String,
    /// When workers were told (YYYY-MM-DD).
    pub workers_informed_on: String,
    /// The ROC AUC the organization relies on (default 0.65); the monthly re-check alerts below it.
    pub declared_min_roc_auc: Option<f64>,
    /// The largest calibration error it accepts (default 0.10).
    pub declared_max_calibration_error: Option<f64>,
    /// Who recorded it (filled in).
    #[serde(default, skip_deserializing)]
    pub recorded_by: String,
    #[serde(default, skip_deserializing)]
    pub recorded_at: String,
}

impl From<Governance> for GovernanceRecord {
    fn from(g: Governance) -> GovernanceRecord {
        GovernanceRecord {
            legal_basis: g.legal_basis,
            impact_assessment: g.impact_assessment,
            workers_informed_on: g.workers_informed_on.to_string(),
            declared_min_roc_auc: Some(g.declared_min_roc_auc),
            declared_max_calibration_error: Some(g.declared_max_calibration_error),
            recorded_by: g.recorded_by,
            recorded_at: g.recorded_at.shown(),
        }
    }
}

/// Checks a governance record and makes it the store's.
fn governance_of(record: GovernanceRecord, by: String) -> Result<Governance, ApiError> {
    let required = |name: &str, text: &str| {
        if text.trim().len() < 3 {
            Err(ApiError::bad_request(format!(
                "{name} is required: scoring can't be switched on without it"
            )))
        } else {
            Ok(text.trim().to_owned())
        }
    };
    let informed =
        NaiveDate::parse_from_str(&record.workers_informed_on, "%Y-%m-%d").map_err(|_| {
            ApiError::bad_request(format!(
                "workers_informed_on: expected a date written YYYY-MM-DD, found {:?}",
                record.workers_informed_on
            ))
        })?;
    if informed > chrono::Utc::now().date_naive() {
        return Err(ApiError::bad_request(
            "workers_informed_on is in the future: workers must be told before scoring starts",
        ));
    }
    let auc = record.declared_min_roc_auc.unwrap_or(0.65);
    let ece = record.declared_max_calibration_error.unwrap_or(0.10);
    if !(0.5..=1.0).contains(&auc) || !(0.0..=1.0).contains(&ece) {
        return Err(ApiError::bad_request(
            "declared_min_roc_auc is between 0.5 and 1, declared_max_calibration_error between 0 and 1",
        ));
    }
    Ok(Governance {
        legal_basis: required("legal_basis", &record.legal_basis)?,
        impact_assessment: required("impact_assessment", &record.impact_assessment)?,
        workers_informed_on: informed,
        declared_min_roc_auc: auc,
        declared_max_calibration_error: ece,
        recorded_by: by,
        // Set when recorded.
        recorded_at: chrono::DateTime::UNIX_EPOCH,
    })
}

#[utoipa::path(get, path = "/api/v1/governance", tag = "trust",
    responses((status = 200, description = "The governance record; null while scoring is not switched on", body = Option<GovernanceRecord>),
              (status = 403, body = ErrorBody)))]
pub async fn get_governance(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Option<GovernanceRecord>>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let record = state.store.governance(caller.org.id).await?;
    Ok(Json(record.map(GovernanceRecord::from)))
}

#[utoipa::path(put, path = "/api/v1/governance", tag = "trust", request_body = GovernanceRecord,
    responses((status = 200, description = "Recorded: scoring is switched on", body = GovernanceRecord),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_governance(
    State(state): State<AppState>,
    caller: Caller,
    Body(record): Body<GovernanceRecord>,
) -> Result<Json<GovernanceRecord>, ApiError> {
    caller.require(Permission::ManageGovernance)?;
    let governance = governance_of(record, caller.actor())?;
    let saved = state
        .store
        .record_governance(caller.org.id, &governance)
        .await?;
    // Upkeep (retention, monthly accuracy re-check) runs from now on.
    tenure_monitor::schedule_upkeep(&state.store, caller.org.id, None).await?;
    state.job_wakeup.notify_waiters();
    tracing::info!(
        org = caller.org.id.0,
        "scoring switched on by a governance record"
    );
    Ok(Json(saved.into()))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustSettingsView {
    /// Leavers and months older than this are purged daily; null keeps them until erased.
    pub retention_months: Option<u32>,
    /// Store but do not activate a model whose fairness audit is flagged.
    pub fairness_gate: bool,
    /// The smallest group any figure shows: 5 or more.
    pub min_group_size: u32,
}

impl From<TrustSettings> for TrustSettingsView {
    fn from(s: TrustSettings) -> TrustSettingsView {
        TrustSettingsView {
            retention_months: s.retention_months,
            fairness_gate: s.fairness_gate,
            min_group_size: s.min_group_size,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/trust-settings", tag = "trust",
    responses((status = 200, body = TrustSettingsView), (status = 403, body = ErrorBody)))]
pub async fn get_trust_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TrustSettingsView>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    Ok(Json(
        state.store.trust_settings(caller.org.id).await?.into(),
    ))
}

#[utoipa::path(put, path = "/api/v1/trust-settings", tag = "trust", request_body = TrustSettingsView,
    responses((status = 200, body = TrustSettingsView),
              (status = 400, description = "A group floor under 5, or a retention of 0 months", body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn set_trust_settings(
    State(state): State<AppState>,
    caller: Caller,
    Body(view): Body<TrustSettingsView>,
) -> Result<Json<TrustSettingsView>, ApiError> {
    caller.require(Permission::ManageGovernance)?;
    let settings = TrustSettings {
        retention_months: view.retention_months,
        fairness_gate: view.fairness_gate,
        min_group_size: view.min_group_size,
    };
    state
        .store
        .set_trust_settings(caller.org.id, &settings)
        .await?;
    if settings.retention_months.is_some() {
        // A shorter retention applies at once, not at tomorrow's upkeep.
        tenure_monitor::schedule_upkeep(&state.store, caller.org.id, None).await?;
        state.job_wakeup.notify_waiters();
    }
    state.forget_organization(caller.org.id);
    Ok(Json(settings.into()))
}

#[utoipa::path(get, path = "/api/v1/models/{version}/fairness", tag = "trust",
    params(("version" = i64, Path, description = "The model version")),
    responses((status = 200, description = "The model's fairness audit: warning rates, impact ratios, ROC AUC and calibration by protected group, with 95% intervals; null when no protected attribute was mapped", body = Object),
              (status = 403, description = "Only auditors read breakdowns by protected group", body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn model_fairness(
    State(state): State<AppState>,
    caller: Caller,
    Path(version): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Permission::ReadFairness)?;
    let version = parse_id(&version, "model")?;
    let model = state
        .store
        .model(caller.org.id, Some(version))
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    Ok(Json(serde_json::json!({
        "model_version": model.version,
        "held_reason": model.held_reason,
        "audit": model.card.get("fairness").cloned().unwrap_or(serde_json::Value::Null),
    })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccuracyCheckView {
    pub checked_at: String,
    pub model_version: Option<i64>,
    pub scored_from: Option<String>,
    pub scored_to: Option<String>,
    /// Stored scores whose horizon has passed, and how many of those people left.
    pub scores: i64,
    pub leavers: i64,
    pub roc_auc: Option<f64>,
    pub calibration_error: Option<f64>,
    pub brier: Option<f64>,
    pub below_declared: bool,
    pub detail: String,
}

impl From<AccuracyCheck> for AccuracyCheckView {
    fn from(c: AccuracyCheck) -> AccuracyCheckView {
        AccuracyCheckView {
            checked_at: c.checked_at.shown(),
            model_version: c.model_version,
            scored_from: c.scored_from,
            scored_to: c.scored_to,
            scores: c.scores,
            leavers: c.leavers,
            roc_auc: c.roc_auc,
            calibration_error: c.calibration_error,
            brier: c.brier,
            below_declared: c.below_declared,
            detail: c.detail,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/accuracy-checks", tag = "trust",
    responses((status = 200, description = "Monthly re-checks of stored scores against what happened, newest first", body = Vec<AccuracyCheckView>),
              (status = 403, body = ErrorBody)))]
pub async fn accuracy_checks(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AccuracyCheckView>>, ApiError> {
    caller.require(Permission::ReadModels)?;
    let checks = state.store.accuracy_checks(caller.org.id).await?;
    Ok(Json(
        checks.into_iter().map(AccuracyCheckView::from).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/people/{person}/record", tag = "trust",
    params(("person" = String, Path, description = "The person's key")),
    responses((status = 200, description = "Everything held about the person: inputs, protected attributes, scores with drivers and model versions, events, warnings, and who viewed their score. The read is audited.", body = Object),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
) -> Result<Json<tenure_store::PersonRecord>, ApiError> {
    caller.require(Permission::ManagePersonalData)?;
    let record = state
        .store
        .person_record(caller.org.id, &person)
        .await?
        .ok_or_else(|| ApiError::not_found("person"))?;
    audit(&state, &caller, "person.export", std::iter::once(person)).await?;
    Ok(Json(record))
}

#[utoipa::path(delete, path = "/api/v1/people/{person}", tag = "trust",
    params(("person" = String, Path, description = "The person's key")),
    responses((status = 200, description = "Erased: rows removed or pseudonymised, by table. Audit rows keep only the person's pseudonym.", body = Object),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn erase_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
) -> Result<Json<tenure_store::Removed>, ApiError> {
    caller.require(Permission::ManagePersonalData)?;
    let removed = match state.store.erase_person(caller.org.id, &person).await {
        Err(tenure_store::StoreError::UnknownPerson(_)) => {
            return Err(ApiError::not_found("person"))
        }
        other => other?,
    };
    audit(&state, &caller, "person.erase", std::iter::once(person)).await?;
    state.forget_organization(caller.org.id);
    tracing::info!(
        org = caller.org.id.0,
        rows = removed.total(),
        "a person was erased"
    );
    Ok(Json(removed))
}
