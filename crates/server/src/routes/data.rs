//! Uploads (imported in the background, with the CLI's exact errors), the import history,
//! jobs, and the organization's plan.

use super::Shown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency;
use crate::jobs::enqueue;
use crate::routes::accounts::PlanView;
use crate::routes::preview::UploadedForm;
use crate::routes::{parse_id, PageQuery, Query};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tenure_data::Mapping;
use tenure_domain::{Entitlement, Permission};
use tenure_monitor::JobSpec;
use tenure_store::KeyedJob;
use tenure_store::{ImportRecord, ImportStatus, JobRecord};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    pub id: i64,
    pub file_name: String,
    pub file_sha256: String,
    pub shape: String,
    /// `complete` or `failed` (a failed import wrote no rows).
    pub status: String,
    pub errors: Vec<String>,
    pub rows_read: i64,
    pub rows_added: i64,
    pub rows_replaced: i64,
    pub rows_unchanged: i64,
    pub people_added: i64,
    pub started_at: String,
    pub finished_at: String,
}

impl From<ImportRecord> for ImportView {
    fn from(r: ImportRecord) -> ImportView {
        ImportView {
            id: r.id,
            file_name: r.file_name,
            file_sha256: r.file_sha256,
            shape: r.shape,
            status: match r.status {
                ImportStatus::Complete => "complete".into(),
                ImportStatus::Failed => "failed".into(),
            },
            errors: r.errors,
            rows_read: r.rows_read,
            rows_added: r.rows_added,
            rows_replaced: r.rows_replaced,
            rows_unchanged: r.rows_unchanged,
            people_added: r.people_added,
            started_at: r.started_at.shown(),
            finished_at: r.finished_at.shown(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: i64,
    /// `import`, `train`, `score`, `rescore`, `pull` (scheduled) or `pull_now`, and the
    /// delivery and upkeep jobs.
    pub kind: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// The step it is on.
    pub stage: String,
    /// Why it failed, as precisely as the command line says it (file, line, column).
    pub error: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl From<JobRecord> for JobView {
    fn from(j: JobRecord) -> JobView {
        JobView {
            id: j.id,
            kind: j.kind,
            status: j.status.key().to_owned(),
            stage: j.stage,
            error: j.error,
            result: j.result,
            created_at: j.created_at.shown(),
            started_at: j.started_at.shown(),
            finished_at: j.finished_at.shown(),
        }
    }
}

/// A started job: poll `GET /api/v1/jobs/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobStarted {
    pub job_id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Overwrite stored rows whose values changed instead of refusing the import.
    pub replace: Option<bool>,
}

/// The multipart form of an upload: these parts and no others.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The mapping, as the TOML `tenure inspect FILE --format toml` proposes.
    mapping: String,
    /// The file: CSV (any common separator and encoding), a workbook or a Parquet file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/imports", tag = "data", params(UploadQuery, idempotency::IdempotencyHeader),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 202, description = "Import started", body = JobStarted), (status = 400, body = ErrorBody),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    caller.require(Permission::UploadData)?;
    caller.require_entitlement(Entitlement::BatchScoring)?;
    let mut form = UploadedForm::read(form, &["mapping", "file"]).await?;
    let mapping_text = form
        .fields
        .remove("mapping")
        .ok_or_else(|| ApiError::bad_request("the form needs a `mapping` part (TOML)"))?;
    // Read now, so a mapping mistake is answered at once rather than by a failed job.
    Mapping::from_toml_str(&mapping_text, std::path::Path::new("mapping"))
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let replace = query.replace.unwrap_or(false);
    let content = tokio::fs::read(form.file()?)
        .await
        .map_err(|_| ApiError::internal())?;
    let name = std::mem::take(&mut form.file_name);
    // The temporary copy goes now: the upload is kept in the database until its import.
    drop(form);
    let replace_flag: &[u8] = if replace { b"replace" } else { b"keep" };
    let parts: [&[u8]; 3] = [mapping_text.as_bytes(), replace_flag, &content];
    let key = idempotency::key_of(&headers, &parts)?;
    let import = move |upload| JobSpec::Import {
        upload,
        mapping: mapping_text,
        replace,
    };
    if let Some(key) = key {
        let keyed = tenure_monitor::enqueue_under_key(
            &state.store,
            caller.org.id,
            Some((name.as_str(), &content)),
            |upload| import(upload.expect("the upload is saved with its job")),
            Some(caller.user_id),
            &key,
            &state.job_wakeup,
        )
        .await?;
        return keyed_answer(keyed);
    }
    let upload = state
        .store
        .save_upload(caller.org.id, &name, &content)
        .await?;
    let job_id = enqueue(&state, &caller.org, caller.user_id, &import(upload)).await?;
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id })).into_response())
}

/// 202 with the job queued now, or with the job a retried request queued the first time;
/// 409 when the same job was already queued under another key.
pub(crate) fn keyed_answer(keyed: KeyedJob) -> Result<Response, ApiError> {
    let (job_id, replayed) = match keyed {
        KeyedJob::Queued(id) => (id, false),
        KeyedJob::Replayed(id) => (id, true),
        KeyedJob::AlreadyPending(id) => return Err(ApiError::already_pending(id)),
    };
    let mut response = (StatusCode::ACCEPTED, Json(JobStarted { job_id })).into_response();
    if replayed {
        idempotency::mark_replayed(&mut response);
    }
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/imports", tag = "data", params(PageQuery),
    responses((status = 200, body = inline(crate::routes::Page<ImportView>)), (status = 403, body = ErrorBody)))]
pub async fn list_imports(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> Result<Json<crate::routes::Page<ImportView>>, ApiError> {
    caller.require(Permission::UploadData)?;
    let mut imports = state.store.imports(caller.org.id).await?;
    imports.reverse();
    Ok(Json(
        page.cut(imports.into_iter().map(ImportView::from).collect()),
    ))
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "data", params(PageQuery),
    responses((status = 200, body = inline(crate::routes::Page<JobView>)), (status = 403, body = ErrorBody)))]
pub async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<PageQuery>,
) -> Result<Json<crate::routes::Page<JobView>>, ApiError> {
    require_any(&caller, &[Permission::UploadData, Permission::TrainModels])?;
    let jobs = state.store.jobs(caller.org.id, 10_000).await?;
    Ok(Json(
        page.cut(jobs.into_iter().map(JobView::from).collect()),
    ))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "data",
    params(("id" = i64, Path, description = "The job's id")),
    responses((status = 200, body = JobView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    require_any(&caller, &[Permission::UploadData, Permission::TrainModels])?;
    let id = parse_id(&id, "job")?;
    let job = state
        .store
        .job(caller.org.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(job.into()))
}

fn require_any(caller: &Caller, permissions: &[Permission]) -> Result<(), ApiError> {
    if permissions.iter().any(|p| caller.may(*p)) {
        Ok(())
    } else {
        caller.require(permissions[0])
    }
}

#[utoipa::path(get, path = "/api/v1/plan", tag = "plan",
    responses((status = 200, description = "The plan, its expiry and what it unlocks today", body = PlanView),
              (status = 403, body = ErrorBody), (status = 404, description = "No membership granted yet", body = ErrorBody)))]
pub async fn plan(caller: Caller) -> Result<Json<PlanView>, ApiError> {
    caller.require(Permission::ReadPlan)?;
    let membership = caller
        .org
        .membership
        .as_ref()
        .ok_or_else(|| ApiError::not_found("membership"))?;
    Ok(Json(PlanView::of(membership)))
}
