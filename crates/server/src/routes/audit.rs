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
