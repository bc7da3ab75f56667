//! Scheduled pulls from the organization's HRIS: the source (an HTTPS report URL or an SFTP
//! path, how to sign in — the secret written, never read back —, the stored mapping and how
//! often), a pull now (which may let a held-back pull land), and the history of pulls.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::jobs::enqueue;
use crate::routes::data::JobStarted;
use crate::routes::{on_this_machine, record_audit, schema_space, Body, Shown};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use tenure_data::Mapping;
use tenure_domain::{Entitlement, Permission};
use tenure_monitor::{schedule_pull, JobSpec};
use tenure_store::{AuditEntry, DataSource, PullRecord, SourceAuth};
use utoipa::ToSchema;

fn may_pull(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Permission::UploadData)?;
    caller.require_entitlement(Entitlement::BatchScoring)
}

/// What an owner or HR partner sets. The secret may be left out to keep the one stored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSourceRequest {
    /// `https://host/path/report.csv`, or `sftp://host[:port]/path/report.xlsx`. http:// only
    /// on this machine, for tests.
    #[schema(
        pattern = "^(https?|sftp)://[^\\s/?#\\u0085]+/[^\\s\\u0085]*$",
        max_length = 2000
    )]
    pub location: String,
    /// HTTPS: `none`, `basic` or `bearer`; SFTP: `password` or `key`.
    #[schema(pattern = "^(none|basic|bearer|password|key)$")]
    pub auth: String,
    #[schema(min_length = 1, max_length = 200)]
    pub username: Option<String>,
    /// The password, token or private key (OpenSSH PEM); sealed at rest, never shown again.
    #[schema(min_length = 1, max_length = 20000)]
    pub secret: Option<String>,
    /// A CA certificate (PEM) to trust for an HTTPS source behind a private CA.
    #[schema(min_length = 1, max_length = 20000)]
    pub ca_certificate: Option<String>,
    /// The name the report is read and listed as; the location's last part when left out.
    #[schema(min_length = 1, max_length = 255, pattern = "^[^/\\\\\\u0000]+$")]
    pub file_name: Option<String>,
    /// The mapping the report is read with (TOML, as for uploads).
    #[schema(min_length = 1, max_length = 200000)]
    pub mapping: String,
    /// Hours between pulls, 1–168.
    #[schema(minimum = 1, maximum = 168)]
    pub every_hours: i64,
    /// Rows whose values changed replace the stored ones (true for a current-state export).
    #[serde(default = "yes")]
    pub replace_changed: bool,
    /// Pull once at once as well (the default).
    #[serde(default = "yes")]
    pub pull_now: bool,
}

fn yes() -> bool {
    true
}

/// The source as shown: everything but the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataSourceView {
    pub location: String,
    pub auth: String,
    pub username: Option<String>,
    pub secret_set: bool,
    pub ca_certificate_set: bool,
    /// The SFTP server's host key, pinned at the first pull.
    pub host_key: Option<String>,
    pub file_name: String,
    pub mapping: String,
    pub every_hours: i64,
    pub replace_changed: bool,
    pub next_pull_at: String,
    /// Set while the sync safety check holds the source back.
    pub paused_at: Option<String>,
    pub paused_reason: Option<String>,
    pub updated_at: String,
}

impl From<DataSource> for DataSourceView {
    fn from(source: DataSource) -> DataSourceView {
        DataSourceView {
            location: source.location,
            auth: source.auth.key().to_owned(),
            username: source.username,
            secret_set: source.secret.is_some(),
            ca_certificate_set: source.ca_certificate.is_some(),
            host_key: source.host_key,
            file_name: source.file_name,
            mapping: source.mapping_toml,
            every_hours: source.every_hours,
            replace_changed: source.replace_changed,
            next_pull_at: source.next_pull_at.shown(),
            paused_at: source.paused_at,
            paused_reason: source.paused_reason,
            updated_at: source.updated_at,
        }
    }
}

/// One pull in the history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PullView {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    /// `landed`, `paused` (held back by the safety check), `refused` (the file or the
    /// mapping) or `failed` (the source could not be read).
    pub status: String,
    /// `schedule`, or who asked (`user:<id>`, `token:<id>`).
    pub started_by: String,
    pub bytes: i64,
    pub rows_read: i64,
    pub rows_added: i64,
    pub rows_replaced: i64,
    pub people_in_file: i64,
    /// Active people the pull marks as left or leaves out.
    pub people_leaving: i64,
    /// Ids that looked re-keyed.
    pub ids_changed: i64,
    pub import_id: Option<i64>,
    pub message: String,
}

impl From<PullRecord> for PullView {
    fn from(pull: PullRecord) -> PullView {
        PullView {
            id: pull.id,
            started_at: pull.started_at,
            finished_at: pull.finished_at,
            status: pull.status.map_or("failed", |s| s.key()).to_owned(),
            started_by: pull.started_by,
            bytes: pull.bytes,
            rows_read: pull.rows_read,
            rows_added: pull.rows_added,
            rows_replaced: pull.rows_replaced,
            people_in_file: pull.people_in_file,
            people_leaving: pull.people_leaving,
            ids_changed: pull.ids_changed,
            import_id: pull.import_id,
            message: pull.message,
        }
    }
}

/// A pull asked for now.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// Let the pull land even if the sync safety check would hold it back (after checking
    /// the export: the change is real). Lifts the pause once it lands.
    #[serde(default)]
    pub override_safety_check: bool,
}

#[utoipa::path(get, path = "/api/v1/data-source", tag = "data",
    responses((status = 200, body = DataSourceView), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "No source is set up", body = ErrorBody)))]
pub async fn get_source(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DataSourceView>, ApiError> {
    may_pull(&caller)?;
    let source = state
        .store
        .data_source(caller.org.id)
        .await?
        .ok_or_else(|| ApiError::not_found("data source"))?;
    Ok(Json(source.into()))
}

#[utoipa::path(put, path = "/api/v1/data-source", tag = "data", request_body = DataSourceRequest,
    responses((status = 200, description = "Saved and scheduled (and a pull queued when asked)", body = DataSourceView),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, description = "Well-formed but unusable: a sign-in the location cannot take, no secret yet, a mapping that is no mapping, plain http elsewhere than this machine", body = ErrorBody)))]
pub async fn set_source(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<DataSourceRequest>,
) -> Result<Json<DataSourceView>, ApiError> {
    may_pull(&caller)?;
    check_shape(&request)?;
    let stored = state.store.data_source(caller.org.id).await?;
    let now = state.clock().now();
    let pull_now = request.pull_now;
    let source = source_of(request, stored, now)?;
    state.store.save_data_source(caller.org.id, &source).await?;
    schedule_pull(&state.store, caller.org.id, source.next_pull_at).await?;
    if pull_now {
        queue_pull(&state, &caller, false).await?;
    }
    audit(&state, &caller, "data_source.configured", &source.location).await?;
    Ok(Json(source.into()))
}

#[utoipa::path(delete, path = "/api/v1/data-source", tag = "data",
    responses((status = 204, description = "Removed: no more pulls (the history stays)"), (status = 402, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_source(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    may_pull(&caller)?;
    if !state.store.remove_data_source(caller.org.id).await? {
        return Err(ApiError::not_found("data source"));
    }
    audit(&state, &caller, "data_source.removed", "data_source").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/data-source/pull", tag = "data", request_body = PullRequest,
    responses((status = 202, description = "A pull is queued", body = JobStarted), (status = 400, body = ErrorBody),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "No source is set up", body = ErrorBody)))]
pub async fn pull_now(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<PullRequest>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    may_pull(&caller)?;
    if state.store.data_source(caller.org.id).await?.is_none() {
        return Err(ApiError::not_found("data source"));
    }
    let job_id = queue_pull(&state, &caller, request.override_safety_check).await?;
    if request.override_safety_check {
        audit(
            &state,
            &caller,
            "pull.safety_check_overridden",
            "data_source",
        )
        .await?;
    }
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id })))
}

#[utoipa::path(get, path = "/api/v1/data-source/pulls", tag = "data",
    responses((status = 200, description = "The latest 100 pulls, newest first", body = Vec<PullView>),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_pulls(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PullView>>, ApiError> {
    may_pull(&caller)?;
    let pulls = state.store.pulls(caller.org.id, 100).await?;
    Ok(Json(pulls.into_iter().map(PullView::from).collect()))
}

async fn queue_pull(
    state: &AppState,
    caller: &Caller,
    override_safety_check: bool,
) -> Result<i64, ApiError> {
    let spec = JobSpec::Pull {
        scheduled: false,
        override_safety_check,
        started_by: caller.actor(),
    };
    enqueue(state, &caller.org, caller.user_id, &spec).await
}

async fn audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    subject: &str,
) -> Result<(), ApiError> {
    record_audit(
        state,
        AuditEntry {
            org: caller.org.id,
            actor: caller.actor(),
            action: action.to_owned(),
            subject: subject.to_owned(),
            request_id: caller.request_id.clone(),
        },
    )
    .await
}

/// What the schema states, enforced (400).
fn check_shape(request: &DataSourceRequest) -> Result<(), ApiError> {
    let bad = |what: &str| Err(ApiError::bad_request(what.to_owned()));
    let chars = |text: &str| text.chars().count();
    let location_fine = ["https://", "http://", "sftp://"].iter().any(|scheme| {
        request
            .location
            .strip_prefix(scheme)
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(authority, _)| !authority.is_empty() && !authority.contains(['?', '#']))
    }) && !request.location.chars().any(schema_space);
    if !location_fine || chars(&request.location) > 2000 {
        return bad("location: expected https://host/path or sftp://host[:port]/path");
    }
    if SourceAuth::parse(&request.auth).is_none() {
        return bad("auth: none, basic, bearer, password or key");
    }
    let sized = |text: &Option<String>, most: usize| {
        text.as_ref()
            .is_none_or(|t| !t.is_empty() && chars(t) <= most)
    };
    if !sized(&request.username, 200)
        || !sized(&request.secret, 20000)
        || !sized(&request.ca_certificate, 20000)
    {
        return bad("username (1–200), secret and ca_certificate (1–20000 characters)");
    }
    if let Some(name) = &request.file_name {
        if name.is_empty() || chars(name) > 255 || name.contains(['/', '\\', '\0']) {
            return bad("file_name: 1–255 characters, no slashes");
        }
    }
    if request.mapping.is_empty() || chars(&request.mapping) > 200_000 {
        return bad("mapping: the TOML mapping, 1–200000 characters");
    }
    if !(1..=168).contains(&request.every_hours) {
        return bad("every_hours: 1–168");
    }
    Ok(())
}

/// The source to store: the request checked against the rules no schema states.
fn source_of(
    request: DataSourceRequest,
    stored: Option<DataSource>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<DataSource, ApiError> {
    let auth = SourceAuth::parse(&request.auth).ok_or_else(ApiError::internal)?;
    let sftp = request.location.starts_with("sftp://");
    let fits = match auth {
        SourceAuth::None | SourceAuth::Basic | SourceAuth::Bearer => !sftp,
        SourceAuth::Password | SourceAuth::Key => sftp,
    };
    if !fits {
        return Err(ApiError::unprocessable(
            "auth: an https:// source signs in with none, basic or bearer; an sftp:// one with password or key",
        ));
    }
    if request.location.starts_with("http://") && !on_this_machine(&request.location) {
        return Err(ApiError::unprocessable(
            "location: reports are pulled over https (http only on this machine, for tests)",
        ));
    }
    if matches!(
        auth,
        SourceAuth::Basic | SourceAuth::Password | SourceAuth::Key
    ) && request.username.is_none()
    {
        return Err(ApiError::unprocessable(format!(
            "username: {} sign-in needs a user name",
            auth.key()
        )));
    }
    if let Err(error) = Mapping::from_toml_str(&request.mapping, std::path::Path::new("mapping")) {
        return Err(ApiError::unprocessable(error.to_string()));
    }
    let same_place = stored
        .as_ref()
        .is_some_and(|s| s.location == request.location);
    let secret = match (auth, request.secret, stored.as_ref()) {
        (SourceAuth::None, _, _) => None,
        (_, Some(secret), _) => Some(secret),
        (_, None, Some(stored)) if same_place && stored.secret.is_some() => stored.secret.clone(),
        (_, None, _) => {
            return Err(ApiError::unprocessable(format!(
                "secret: {} sign-in needs its password, token or key the first time",
                auth.key()
            )))
        }
    };
    if auth == SourceAuth::Key {
        let key = secret.as_deref().unwrap_or_default();
        if !key.contains("PRIVATE KEY") && !key.starts_with("PuTTY-User-Key-File-") {
            return Err(ApiError::unprocessable(
                "secret: a key sign-in takes the private key, as OpenSSH writes it (-----BEGIN OPENSSH PRIVATE KEY-----)",
            ));
        }
    }
    if let Some(pem) = &request.ca_certificate {
        if !looks_like_pem_certificate(pem) {
            return Err(ApiError::unprocessable(
                "ca_certificate: expected a PEM certificate (-----BEGIN CERTIFICATE-----)",
            ));
        }
    }
    let file_name = request.file_name.unwrap_or_else(|| {
        request
            .location
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .map(|n| n.split(['?', '#']).next().unwrap_or(n).to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "report.csv".into())
    });
    Ok(DataSource {
        // A pinned host key stays only while the server is the same.
        host_key: stored.filter(|_| same_place).and_then(|s| s.host_key),
        location: request.location,
        auth,
        username: request.username,
        secret,
        ca_certificate: request.ca_certificate,
        file_name,
        mapping_toml: request.mapping,
        every_hours: request.every_hours,
        replace_changed: request.replace_changed,
        next_pull_at: now + Duration::hours(request.every_hours),
        paused_at: None,
        paused_reason: None,
        updated_at: now.shown(),
    })
}

/// A PEM certificate block, at least in shape (the pull reads it and says if it cannot).
fn looks_like_pem_certificate(pem: &str) -> bool {
    pem.contains("-----BEGIN CERTIFICATE-----") && pem.contains("-----END CERTIFICATE-----")
}
