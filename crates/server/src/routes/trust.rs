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

/// The governance record as an owner writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GovernanceRecord {
    /// The legal basis of scoring, e.g. "GDPR art. 6(1)(f); works agreement 2026-03".
    #[schema(pattern = "^\\s*\\S[\\s\\S]+\\S\\s*$")]
    pub legal_basis: String,
    /// The data-protection impact assessment's reference.
    #[schema(pattern = "^\\s*\\S[\\s\\S]+\\S\\s*$")]
    pub impact_assessment: String,
    /// When the impact assessment was completed (YYYY-MM-DD).
    #[serde(default)]
    #[schema(format = Date)]
    pub impact_assessment_on: Option<String>,
    /// When workers were told (YYYY-MM-DD), not after today (a later date is a 422).
    #[schema(format = Date)]
    pub workers_informed_on: String,
    /// Whom people ask, object to or complain to, as the workers' notice names them.
    #[serde(default)]
    pub contact: Option<String>,
    /// The ROC AUC the organization relies on (default 0.65); the monthly re-check alerts below it.
    #[schema(minimum = 0.5, maximum = 1.0)]
    pub declared_min_roc_auc: Option<f64>,
    /// The largest calibration error it accepts (default 0.10).
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub declared_max_calibration_error: Option<f64>,
}

/// The governance record as stored: what was written, by whom and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct GovernanceView {
    pub legal_basis: String,
    pub impact_assessment: String,
    /// When the impact assessment was completed (YYYY-MM-DD).
    pub impact_assessment_on: Option<String>,
    /// When workers were told (YYYY-MM-DD).
    pub workers_informed_on: String,
    pub contact: Option<String>,
    pub declared_min_roc_auc: f64,
    pub declared_max_calibration_error: f64,
    /// Who recorded it.
    pub recorded_by: String,
    pub recorded_at: String,
}

impl From<Governance> for GovernanceView {
    fn from(g: Governance) -> GovernanceView {
        GovernanceView {
            legal_basis: g.legal_basis,
            impact_assessment: g.impact_assessment,
            impact_assessment_on: g.impact_assessment_on.map(|d| d.to_string()),
            workers_informed_on: g.workers_informed_on.to_string(),
            contact: g.contact,
            declared_min_roc_auc: g.declared_min_roc_auc,
            declared_max_calibration_error: g.declared_max_calibration_error,
            recorded_by: g.recorded_by,
            recorded_at: g.recorded_at.shown(),
        }
    }
}

/// Checks a governance record and makes it the store's.
fn governance_of(record: GovernanceRecord, by: String) -> Result<Governance, ApiError> {
    let required = |name: &str, text: &str| {
        if text.trim().chars().count() < 3 {
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
        return Err(ApiError::unprocessable(
            "workers_informed_on is in the future: workers must be told before scoring starts",
        ));
    }
    let assessed = record
        .impact_assessment_on
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                ApiError::bad_request(format!(
                    "impact_assessment_on: expected a date written YYYY-MM-DD, found {d:?}"
                ))
            })
        })
        .transpose()?;
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
        impact_assessment_on: assessed,
        workers_informed_on: informed,
        contact: record
            .contact
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        declared_min_roc_auc: auc,
        declared_max_calibration_error: ece,
        recorded_by: by,
        // Set when recorded.
        recorded_at: chrono::DateTime::UNIX_EPOCH,
    })
}

#[utoipa::path(get, path = "/api/v1/governance", tag = "trust",
    responses((status = 200, description = "The governance record; null while scoring is not switched on", body = Option<GovernanceView>),
              (status = 403, body = ErrorBody)))]
pub async fn get_governance(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Option<GovernanceView>>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let record = state.store.governance(caller.org.id).await?;
    Ok(Json(record.map(GovernanceView::from)))
}

#[utoipa::path(put, path = "/api/v1/governance", tag = "trust", request_body = GovernanceRecord,
    responses((status = 200, description = "Recorded: scoring is switched on", body = GovernanceView),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_governance(
    State(state): State<AppState>,
    caller: Caller,
    Body(record): Body<GovernanceRecord>,
) -> Result<Json<GovernanceView>, ApiError> {
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
    #[schema(minimum = 1, maximum = 1200)]
    pub retention_months: Option<u32>,
    /// Store but do not activate a model whose fairness audit is flagged.
    pub fairness_gate: bool,
    /// The smallest group any figure shows: 5 or more.
    #[schema(minimum = 5, maximum = 100000)]
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
    if view.retention_months.is_some_and(|m| m > 1200) || view.min_group_size > 100_000 {
        return Err(ApiError::bad_request(
            "retention_months is 1 to 1,200 (a hundred years), min_group_size 5 to 100,000",
        ));
    }
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

/// A model version's bias audit in Local Law 144's form.
#[derive(Debug, Serialize, ToSchema)]
pub struct BiasAuditView {
    pub model_version: i64,
    /// The period the scores audited cover (snapshot dates; null for undated exports).
    pub scored_from: Option<String>,
    pub scored_to: Option<String>,
    /// Scores at or above this count as scored above (the High band's threshold).
    pub threshold: f64,
    pub people: usize,
    pub scored_above: usize,
    /// Categories under this share of the data are reported but left out of impact ratios.
    pub small_category_share: f64,
    pub dimensions: Vec<BiasDimensionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BiasDimensionView {
    /// "Gender", or an intersection: "Gender × MaritalStatus".
    pub name: String,
    pub categories: Vec<BiasCategoryView>,
    /// People without a value for the dimension.
    pub unknown: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BiasCategoryView {
    pub category: String,
    pub people: usize,
    pub share_of_data: f64,
    pub scored_above: usize,
    /// The share of the category scored above the threshold.
    pub scoring_rate: f64,
    /// Scoring rate over the highest category's; null for a category left out.
    pub impact_ratio: Option<f64>,
    /// Under 2% of the data: left out of the impact ratios.
    pub excluded: bool,
}

impl From<tenure_monitor::BiasAuditReport> for BiasAuditView {
    fn from(r: tenure_monitor::BiasAuditReport) -> BiasAuditView {
        BiasAuditView {
            model_version: r.model_version,
            scored_from: r.scored_from,
            scored_to: r.scored_to,
            threshold: r.audit.threshold,
            people: r.audit.people,
            scored_above: r.audit.scored_above,
            small_category_share: tenure_model::bias_audit::SMALL_CATEGORY_SHARE,
            dimensions: r
                .audit
                .dimensions
                .into_iter()
                .map(|d| BiasDimensionView {
                    name: d.name,
                    unknown: d.unknown,
                    categories: d
                        .categories
                        .into_iter()
                        .map(|c| BiasCategoryView {
                            category: c.category,
                            people: c.people,
                            share_of_data: c.share_of_data,
                            scored_above: c.scored_above,
                            scoring_rate: c.scoring_rate,
                            impact_ratio: c.impact_ratio,
                            excluded: c.excluded,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl BiasAuditView {
    /// The audit as the CSV file an organization publishes: one row per category.
    pub fn to_csv(&self) -> String {
        use crate::routes::audit::csv_field;
        let mut csv = format!(
            "# Bias audit (NYC Local Law 144 form), model version {}, scores {} to {}, {} people, threshold {:.4}; categories under 2% of the data are excluded from impact ratios\n",
            self.model_version,
            self.scored_from.as_deref().unwrap_or("-"),
            self.scored_to.as_deref().unwrap_or("-"),
            self.people,
            self.threshold
        );
        csv.push_str("dimension,category,people,share_of_data,scored_above,scoring_rate,impact_ratio,excluded\n");
        for d in &self.dimensions {
            for c in &d.categories {
                let fields = [
                    csv_field(&d.name),
                    csv_field(&c.category),
                    c.people.to_string(),
                    format!("{:.4}", c.share_of_data),
                    c.scored_above.to_string(),
                    format!("{:.4}", c.scoring_rate),
                    c.impact_ratio
                        .map(|r| format!("{r:.4}"))
                        .unwrap_or_default(),
                    c.excluded.to_string(),
                ];
                csv.push_str(&fields.join(","));
                csv.push('\n');
            }
        }
        csv
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BiasAuditQuery {
    /// `json` (default), `csv` (the table to publish), or the document to publish: `html`,
    /// `markdown` or `pdf`.
    #[param(pattern = "^(json|csv|html|markdown|pdf)$")]
    pub format: Option<String>,
    /// The document's language: `en` (default) or `zh-CN`.
    #[param(pattern = "^(en|zh-CN)$")]
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/models/{version}/bias-audit", tag = "trust",
    params(("version" = i64, Path, description = "The model version"), BiasAuditQuery),
    responses((status = 200, description = "Scoring rates and impact ratios by protected category and intersection: JSON, CSV with format=csv, or the document to publish (format=html, markdown or pdf, in lang=en or zh-CN)",
                content((BiasAuditView = "application/json"), (String = "text/csv"), (String = "text/html"), (String = "text/markdown"), (Vec<u8> = "application/pdf"))),
              (status = 400, body = ErrorBody),
              (status = 403, description = "Only those who read fairness audits", body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 503, description = "A PDF needs a font the server does not have", body = ErrorBody)))]
pub async fn bias_audit(
    State(state): State<AppState>,
    caller: Caller,
    Path(version): Path<String>,
    axum::extract::Query(query): axum::extract::Query<BiasAuditQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    caller.require(Permission::ReadFairness)?;
    let version = parse_id(&version, "model")?;
    let locale = crate::routes::documents::requested_locale(query.lang.as_deref())?;
    let document = query
        .format
        .as_deref()
        .filter(|f| matches!(*f, "html" | "markdown" | "pdf"))
        .and_then(|f| crate::routes::documents::DocumentFormat::parse(Some(f)));
    if let Some(format) = document {
        let report = bias_audit_report(&state, &caller, version).await?;
        let facts =
            tenure_monitor::documents::bias_audit_facts(&state.store, caller.org.id, report)
                .await
                .map_err(|e| ApiError::from_monitor(e, "the bias audit not made"))?;
        let stem = format!("bias-audit-v{version}");
        return crate::routes::documents::document_response(
            &state,
            &facts.document(locale),
            format,
            &stem,
        );
    }
    let view = bias_audit_view(&state, &caller, version).await?;
    match query.format.as_deref() {
        Some("csv") => {
            let disposition = format!(
                "attachment; filename=\"bias-audit-v{}.csv\"",
                view.model_version
            );
            Ok((
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        "text/csv; charset=utf-8".to_owned(),
                    ),
                    (axum::http::header::CONTENT_DISPOSITION, disposition),
                ],
                view.to_csv(),
            )
                .into_response())
        }
        None | Some("json") => Ok(Json(view).into_response()),
        Some(other) => Err(ApiError::bad_request(format!(
            "format {other:?}: expected json, csv, html, markdown or pdf"
        ))),
    }
}

/// The bias audit of model `version` of the caller's organization.
pub(crate) async fn bias_audit_view(
    state: &AppState,
    caller: &Caller,
    version: i64,
) -> Result<BiasAuditView, ApiError> {
    Ok(bias_audit_report(state, caller, version).await?.into())
}

async fn bias_audit_report(
    state: &AppState,
    caller: &Caller,
    version: i64,
) -> Result<tenure_monitor::BiasAuditReport, ApiError> {
    state
        .store
        .model(caller.org.id, Some(version))
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    tenure_monitor::bias_audit_report(&state.store, caller.org.id, version)
        .await
        .map_err(|e| ApiError::from_monitor(e, "the bias audit not made"))
}

/// A person's objection to being scored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionView {
    pub person: String,
    pub objected: bool,
    /// When they objected (while they object).
    pub objected_at: Option<String>,
}

/// Record (`true`) or withdraw (`false`) the person's objection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionChange {
    pub objected: bool,
}

#[utoipa::path(get, path = "/api/v1/people/{person}/objection", tag = "trust",
    params(("person" = String, Path, description = "The person's key")),
    responses((status = 200, body = ObjectionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_objection(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
) -> Result<Json<ObjectionView>, ApiError> {
    caller.require(Permission::ManagePersonalData)?;
    objection_view(&state, &caller, person).await.map(Json)
}

#[utoipa::path(put, path = "/api/v1/people/{person}/objection", tag = "trust", request_body = ObjectionChange,
    params(("person" = String, Path, description = "The person's key")),
    responses((status = 200, description = "Objecting: the person's scores and survival curves are gone, their open warnings dismissed, and no scoring path scores them (what-if answers 409) until they withdraw it; withdrawn: the next scoring run scores them again", body = ObjectionView),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_objection(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
    Body(change): Body<ObjectionChange>,
) -> Result<Json<ObjectionView>, ApiError> {
    caller.require(Permission::ManagePersonalData)?;
    let view = objection_view(&state, &caller, person.clone()).await?;
    if change.objected != view.objected {
        let org = caller.org.id;
        let action = if change.objected {
            state
                .store
                .record_objection(org, &person, &caller.actor())
                .await?;
            "person.objection"
        } else {
            state.store.withdraw_objection(org, &person).await?;
            "person.objection_withdrawn"
        };
        audit(&state, &caller, action, std::iter::once(person.clone())).await?;
        // The scores just removed must not be served from the cache.
        state.forget_organization(org);
    }
    objection_view(&state, &caller, person).await.map(Json)
}

async fn objection_view(
    state: &AppState,
    caller: &Caller,
    person: String,
) -> Result<ObjectionView, ApiError> {
    if !state.store.person_exists(caller.org.id, &person).await? {
        return Err(ApiError::not_found("person"));
    }
    let objected_at = state.store.objection(caller.org.id, &person).await?;
    Ok(ObjectionView {
        person,
        objected: objected_at.is_some(),
        objected_at,
    })
}

/// A link for the person to see what tenure holds about them and to object.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLinkView {
    /// Shown once: send it to the person. Only its hash is kept.
    pub url: String,
    pub expires_at: String,
}

#[utoipa::path(post, path = "/api/v1/people/{person}/access-link", tag = "trust",
    params(("person" = String, Path, description = "The person's key")),
    responses((status = 200, description = "A link, valid for 14 days, to the person's own view: what is held, whether and when they were scored, the main factors, the model version, who viewed their record, and their objection", body = AccessLinkView),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn access_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
) -> Result<Json<AccessLinkView>, ApiError> {
    caller.require(Permission::ManagePersonalData)?;
    if !state.store.person_exists(caller.org.id, &person).await? {
        return Err(ApiError::not_found("person"));
    }
    let (token, expires) = state
        .store
        .create_access_link(caller.org.id, &person, &caller.actor())
        .await?;
    audit(
        &state,
        &caller,
        "person.access_link",
        std::iter::once(person),
    )
    .await?;
    Ok(Json(AccessLinkView {
        url: format!(
            "{}/me?token={token}",
            state.settings.public_url.trim_end_matches('/')
        ),
        expires_at: expires.to_rfc3339(),
    }))
}

/// The person's own objection, through their link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnObjection {
    /// The token of the link HR sent.
    pub token: String,
    pub objected: bool,
}

#[utoipa::path(post, path = "/api/v1/me/objection", tag = "trust", request_body = OwnObjection,
    responses((status = 200, description = "The person's objection as it now stands", body = ObjectionView),
              (status = 404, description = "The link is unknown or has expired", body = ErrorBody)))]
pub async fn own_objection(
    State(state): State<AppState>,
    Body(request): Body<OwnObjection>,
) -> Result<Json<ObjectionView>, ApiError> {
    let (org, person) = state
        .store
        .access_link(&request.token)
        .await?
        .ok_or_else(|| ApiError::not_found("link"))?;
    let objected = state.store.objection(org, &person).await?.is_some();
    let action = match (request.objected, objected) {
        (true, false) => {
            state
                .store
                .record_objection(org, &person, "the person")
                .await?;
            Some("person.objection")
        }
        (false, true) => {
            state.store.withdraw_objection(org, &person).await?;
            Some("person.objection_withdrawn")
        }
        _ => None,
    };
    if let Some(action) = action {
        audit_self(&state, org, &person, action).await?;
        state.forget_organization(org);
    }
    let objected_at = state.store.objection(org, &person).await?;
    Ok(Json(ObjectionView {
        person,
        objected: objected_at.is_some(),
        objected_at,
    }))
}

/// Audits what a person did or read about themselves through their link (actor `person:self`).
pub(crate) async fn audit_self(
    state: &AppState,
    org: tenure_domain::OrgId,
    person: &str,
    action: &str,
) -> Result<(), ApiError> {
    let entry = tenure_store::AuditEntry {
        org,
        actor: "person:self".to_owned(),
        action: action.to_owned(),
        subject: person.to_owned(),
        request_id: String::new(),
    };
    super::record_audit(state, entry).await
}
