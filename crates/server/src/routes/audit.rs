//! The audit log for auditors and owners: listing, CSV export, and verifying the hash chain.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::Query;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tenure_domain::Permission;
use tenure_store::{AuditRecord, AuditVerdict};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    /// `user:ID` or `token:ID`.
    pub actor: String,
    pub action: String,
    /// The person whose score or drivers were read, by pseudonym (filter with `?subject=KEY`).
    pub subject: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRecord> for AuditRow {
    fn from(r: AuditRecord) -> AuditRow {
        AuditRow {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            request_id: r.request_id,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Rows after this sequence number (keyset pagination; default 0).
    pub after: Option<i64>,
    /// At most this many rows (default 100, at most 1000).
    pub limit: Option<i64>,
    /// Only reads of this person (their key; rows name them by pseudonym).
    pub subject: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Pass as `after` for the next page; null at the end.
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub intact: bool,
    pub rows: Option<i64>,
    /// The first row that does not follow from the one before it.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let subject = match &query.subject {
        Some(person) => Some(state.store.pseudonym(caller.org.id, person).await?),
        None => None,
    };
    let rows = state
        .store
        .audit_log_of(
            caller.org.id,
            query.after.unwrap_or(0),
            limit,
            subject.as_deref(),
        )
        .await?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    Ok(Json(AuditPage {
        rows: rows.into_iter().map(AuditRow::from).collect(),
        next_after,
    }))
}

#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit",
    responses((status = 200, description = "The whole log as CSV", content_type = "text/csv", body = String), (status = 403, body = ErrorBody)))]
pub async fn export(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let mut csv = String::from("seq,at,actor,action,subject,request_id,prev_hash,hash\n");
    let mut after = 0;
    loop {
        let rows = state.store.audit_log(caller.org.id, after, 5_000).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in &rows {
            let fields = [
                r.seq.to_string(),
                r.at.clone(),
                r.actor.clone(),
                r.action.clone(),
                r.subject.clone(),
                r.request_id.clone(),
                r.prev_hash.clone(),
                r.hash.clone(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            csv.push_str(&line.join(","));
            csv.push('\n');
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = Verification), (status = 403, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Verification>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    Ok(Json(
        match state.store.verify_audit(caller.org.id).await? {
            AuditVerdict::Intact { rows } => Verification {
                intact: true,
                rows: Some(rows),
                broken_at: None,
                reason: None,
            },
            AuditVerdict::Broken { seq, reason } => Verification {
                intact: false,
                rows: None,
                broken_at: Some(seq),
                reason: Some(reason),
            },
        },
    ))
}

/// One step of human oversight on a warning.
#[derive(Debug, Serialize, ToSchema)]
pub struct OversightStepView {
    /// The warning's opaque id (the person is not named here).
    pub warning: String,
    pub raised_at: String,
    /// `acknowledge`, `record_action`, `close` or `dismiss`.
    pub step: String,
    /// The member who took it (their id and current name); null for an API token.
    pub by_user: Option<i64>,
    pub by_name: Option<String>,
    pub at: String,
    /// What they recorded: a note; what was done, by whom, when and its kind; a decision and
    /// its reason.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OversightQuery {
    /// `csv` for the file an auditor keeps; JSON otherwise.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/oversight-log", tag = "audit", params(OversightQuery),
    responses((status = 200, description = "Every step a named person took on a warning, oldest first (JSON, or CSV with format=csv)",
                content((Vec<OversightStepView> = "application/json"), (String = "text/csv"))),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn oversight_log(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(query): axum::extract::Query<OversightQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let steps: Vec<OversightStepView> = state
        .store
        .oversight_log(caller.org.id)
        .await?
        .into_iter()
        .map(|s| OversightStepView {
            warning: s.warning,
            raised_at: s.raised_at,
            step: s.step,
            by_user: s.by_user,
            by_name: s.by_name,
            at: s.at,
            detail: s.detail,
        })
        .collect();
    match query.format.as_deref() {
        None | Some("json") => Ok(Json(steps).into_response()),
        Some("csv") => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"oversight.csv\"",
                ),
            ],
            oversight_csv(&steps),
        )
            .into_response()),
        Some(other) => Err(ApiError::bad_request(format!(
            "format {other:?}: expected csv or json"
        ))),
    }
}

/// The oversight log as CSV: the decision, reason and what was done in columns of their own.
fn oversight_csv(steps: &[OversightStepView]) -> String {
    let mut csv =
        String::from("warning,raised_at,step,by_user,by_name,at,what,kind,decision,reason,note\n");
    for s in steps {
        let detail = |key: &str| {
            s.detail
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
        };
        let fields = [
            s.warning.clone(),
            s.raised_at.clone(),
            s.step.clone(),
            s.by_user.map(|u| u.to_string()).unwrap_or_default(),
            s.by_name.clone().unwrap_or_default(),
            s.at.clone(),
            detail("what").to_owned(),
            detail("kind").to_owned(),
            detail("decision").to_owned(),
            detail("reason").to_owned(),
            detail("note").to_owned(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    csv
}
