//! Signing up, in and out, accepting invitations, and who am I.

use crate::auth::{cleared_cookie_header, session_cookie, session_cookie_header, Caller, Via};
use crate::error::{ApiError, ErrorBody};
use crate::routes::Body;
use crate::secrets::{hash_password, hash_secret, new_secret, password_problem, verify_password};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tenure_domain::{Entitlement, Membership, OrgId, Permission, Role};
use tenure_store::{normalize_email, Acceptance, SignUp};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUpRequest {
    /// Lower-case letters, digits and dashes, 2–40 characters.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{1,39}$")]
    pub organization_slug: String,
    #[schema(pattern = "\\S")]
    pub organization_name: String,
    #[schema(
        pattern = "^[^@\\s\\u0085]+@[^@\\s\\u0085]+\\.[^@\\s\\u0085]+$",
        max_length = 254
    )]
    pub email: String,
    #[schema(pattern = "\\S")]
    pub display_name: String,
    /// 12–128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Which organization to sign in to, for people who belong to several.
    pub organization: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptInvitationRequest {
    pub token: String,
    #[schema(pattern = "\\S")]
    pub display_name: String,
    /// Sets the password of a new account (12–128 characters); ignored when the address
    /// already has one.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

/// The signed-in caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub organization: String,
    pub organization_name: String,
    /// `owner`, `hr`, `manager` or `auditor`.
    #[schema(value_type = String)]
    pub role: Role,
    #[schema(value_type = Vec<String>)]
    pub permissions: Vec<Permission>,
    pub units: Vec<String>,
    pub manager_key: Option<String>,
    /// Send it back as the x-csrf-token header on every POST, PUT, PATCH and DELETE.
    pub csrf_token: Option<String>,
    pub plan: Option<PlanView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub plan: String,
    pub expires_on: String,
    pub active: bool,
    #[schema(value_type = Vec<String>)]
    pub entitlements: Vec<Entitlement>,
}

impl PlanView {
    pub fn of(membership: &Membership) -> PlanView {
        let today = Utc::now().date_naive();
        PlanView {
            plan: membership.plan.key().to_owned(),
            expires_on: membership.expires_on.to_string(),
            active: membership.is_active(today),
            entitlements: membership.entitlements(today).to_vec(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    pub organization: String,
}

/// The client's address, for throttling logins per address.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        Ok(ClientAddress(address))
    }
}

/// The session cookie the request came with, if any.
pub struct PresentedSession(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for PresentedSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(PresentedSession(session_cookie(parts)))
    }
}

#[utoipa::path(post, path = "/api/v1/signup", tag = "accounts", request_body = SignUpRequest,
    responses((status = 201, description = "Organization and owner created, signed in", body = Me),
              (status = 400, body = ErrorBody), (status = 409, description = "Slug or e-mail taken", body = ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    Body(request): Body<SignUpRequest>,
) -> Result<Response, ApiError> {
    check_slug(&request.organization_slug)?;
    check_email(&request.email)?;
    if request.organization_name.trim().is_empty() || request.display_name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "organization_name and display_name cannot be empty",
        ));
    }
    if let Some(problem) = password_problem(&request.password) {
        return Err(ApiError::bad_request(problem));
    }
    let password = request.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| ApiError::internal())?;
    let expires_on = state.clock().now().date_naive() + Duration::days(state.settings.trial_days);
    let (org, user_id) = state
        .store
        .sign_up(&SignUp {
            slug: &request.organization_slug,
            name: request.organization_name.trim(),
            email: &request.email,
            display_name: request.display_name.trim(),
            password_hash: &hash,
            plan_expires_on: expires_on,
        })
        .await?;
    tracing::info!(org = org.id.0, "organization signed up");
    start_session(&state, org.id, user_id, StatusCode::CREATED).await
}

#[utoipa::path(post, path = "/api/v1/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, description = "Signed in: a new session cookie", body = Me),
              (status = 401, body = ErrorBody),
              (status = 403, description = "The organization signs in through its identity provider only (`password_sign_in_off`)", body = ErrorBody),
              (status = 429, description = "Too many failed logins; see Retry-After", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PresentedSession(presented): PresentedSession,
    Body(request): Body<LoginRequest>,
) -> Result<Response, ApiError> {
    let account_key = format!("account:{}", normalize_email(&request.email));
    let address_key = format!("address:{address}");
    throttle(
        &state,
        &account_key,
        state.settings.login_failures_per_account,
    )
    .await?;
    throttle(
        &state,
        &address_key,
        state.settings.login_failures_per_address,
    )
    .await?;
    let user = state.store.user_by_email(&request.email).await?;
    let stored = user
        .as_ref()
        .map_or_else(|| state.decoy.get().to_owned(), |u| u.password_hash.clone());
    let password = request.password.clone();
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|_| ApiError::internal())?;
    let refused = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong e-mail address or password",
        )
    };
    let Some(user) = user.filter(|_| verified) else {
        state
            .store
            .record_login_failure(&[&account_key, &address_key], state.clock().now())
            .await?;
        return Err(refused());
    };
    let memberships = state.store.memberships_of(user.id).await?;
    let chosen = match &request.organization {
        Some(slug) => memberships.iter().find(|(o, _)| &o.slug == slug),
        None if memberships.len() == 1 => memberships.first(),
        None if memberships.is_empty() => None,
        None => {
            return Err(ApiError::bad_request(format!(
                "you belong to several organizations; name one of: {}",
                memberships
                    .iter()
                    .map(|(o, _)| o.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    };
    let Some((org, _)) = chosen else {
        return Err(refused());
    };
    if !state.store.password_sign_in_allowed(org.id).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "password_sign_in_off",
            format!(
                "{} signs in through its identity provider only: continue at /sign-on/{}",
                org.name, org.slug
            ),
        ));
    }
    state.store.clear_login_failures(&account_key).await?;
    // Session fixation: whatever session id came in is ended; the caller gets a fresh one.
    if let Some(old) = presented {
        let old = hash_secret(&old);
        state.store.end_session(&old).await?;
        state.caches.forget_credential(&old);
    }
    start_session(&state, org.id, user.id, StatusCode::OK).await
}

async fn throttle(state: &AppState, key: &str, limit: i64) -> Result<(), ApiError> {
    let window = Duration::seconds(state.settings.login_window_seconds);
    let now = state.clock().now();
    let (failures, oldest) = state.store.login_failures_since(key, now - window).await?;
    if failures < limit {
        return Ok(());
    }
    let reopens = oldest.map_or(window, |t| t + window - now);
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "throttled",
        "too many failed logins: wait before trying again",
    );
    error.retry_after = Some(reopens.num_seconds().max(1) as u64);
    Err(error)
}

async fn start_session(
    state: &AppState,
    org: OrgId,
    user_id: i64,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let (cookie, me) = open_session(state, org, user_id).await?;
    Ok((status, [(header::SET_COOKIE, cookie)], Json(me)).into_response())
}

/// A new session for `user_id` in `org` (a fresh id, never one the browser brought): the
/// Set-Cookie value that carries it, and who the caller now is.
pub(crate) async fn open_session(
    state: &AppState,
    org: OrgId,
    user_id: i64,
) -> Result<(String, Me), ApiError> {
    let id = new_secret("");
    let csrf = new_secret("");
    state
        .store
        .create_session(&hash_secret(&id), org, user_id, &csrf, state.clock().now())
        .await?;
    let member = state
        .store
        .member(org, user_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let caller = Caller {
        org: state
            .store
            .organization_by_id(org)
            .await?
            .ok_or_else(ApiError::internal)?,
        user_id,
        role: member.role,
        scope: Default::default(),
        via: Via::Session {
            id_hash: hash_secret(&id),
            csrf_token: csrf,
        },
        request_id: String::new(),
    };
    let cookie = session_cookie_header(
        &id,
        state.settings.secure_cookies,
        state.settings.session_absolute_hours * 3600,
    );
    Ok((cookie, me_of(&caller, member.units, member.manager_key)))
}

fn me_of(caller: &Caller, units: Vec<String>, manager_key: Option<String>) -> Me {
    Me {
        user_id: caller.user_id,
        organization: caller.org.slug.clone(),
        organization_name: caller.org.name.clone(),
        role: caller.role,
        permissions: Permission::ALL
            .into_iter()
            .filter(|p| caller.may(*p))
            .collect(),
        units,
        manager_key,
        csrf_token: match &caller.via {
            Via::Session { csrf_token, .. } => Some(csrf_token.clone()),
            Via::Token { .. } => None,
        },
        plan: caller.org.membership.as_ref().map(PlanView::of),
    }
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts",
    responses((status = 204, description = "The session is ended on the server and the cookie cleared"), (status = 401, body = ErrorBody),
              (status = 403, description = "Called with an API token, which is no session: revoke the token instead", body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let Via::Session { id_hash, .. } = &caller.via else {
        return Err(ApiError::forbidden(
            "API tokens are not sessions: revoke the token instead",
        ));
    };
    state.store.end_session(id_hash).await?;
    state.caches.forget_credential(id_hash);
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            cleared_cookie_header(state.settings.secure_cookies),
        )],
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Json<Me> {
    let units = caller.scope.units.clone();
    let manager_key = caller.scope.manager_key.clone();
    Json(me_of(&caller, units, manager_key))
}

/// The language pages and reports are shown in.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct LocaleChoice {
    /// `en` or `zh-CN`.
    #[schema(pattern = "^(en|zh-CN)$")]
    pub locale: String,
}

#[utoipa::path(put, path = "/api/v1/me/locale", tag = "accounts", request_body = LocaleChoice,
    responses((status = 200, description = "Saved for every later page", body = LocaleChoice),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn set_locale(
    State(state): State<AppState>,
    caller: Caller,
    Body(choice): Body<LocaleChoice>,
) -> Result<Json<LocaleChoice>, ApiError> {
    let locale = tenure_report::Locale::parse(&choice.locale)
        .filter(|l| l.tag().eq_ignore_ascii_case(choice.locale.trim()))
        .ok_or_else(|| ApiError::bad_request("locale is `en` or `zh-CN`"))?;
    state
        .store
        .set_user_locale(caller.user_id, locale.tag())
        .await?;
    Ok(Json(LocaleChoice {
        locale: locale.tag().to_owned(),
    }))
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "members", request_body = AcceptInvitationRequest,
    responses((status = 201, description = "Joined; sign in next", body = Joined),
              (status = 400, body = ErrorBody), (status = 404, description = "Unknown, used or expired invitation", body = ErrorBody)))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    Body(request): Body<AcceptInvitationRequest>,
) -> Result<(StatusCode, Json<Joined>), ApiError> {
    if let Some(problem) = password_problem(&request.password) {
        return Err(ApiError::bad_request(problem));
    }
    if request.display_name.trim().is_empty() {
        return Err(ApiError::bad_request("display_name cannot be empty"));
    }
    let password = request.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| ApiError::internal())?;
    match state
        .store
        .accept_invitation(
            &hash_secret(&request.token),
            request.display_name.trim(),
            &hash,
        )
        .await?
    {
        Acceptance::Joined { org, .. } => {
            let org = state
                .store
                .organization_by_id(org)
                .await?
                .ok_or_else(ApiError::internal)?;
            Ok((
                StatusCode::CREATED,
                Json(Joined {
                    organization: org.slug,
                }),
            ))
        }
        Acceptance::Invalid => Err(ApiError::not_found("invitation")),
    }
}

fn check_slug(slug: &str) -> Result<(), ApiError> {
    let fine = (2..=40).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-');
    if fine {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "organization_slug: 2–40 lower-case letters, digits and dashes",
        ))
    }
}

/// The rule the OpenAPI document states as `^[^@\s]+@[^@\s]+\.[^@\s]+$`, at most 254
/// characters: one `@`, no spaces, a dot inside the domain.
pub fn check_email(email: &str) -> Result<(), ApiError> {
    let fine = email.chars().count() <= 254
        // Unicode's white space and the schema's \s differ only in U+0085 and U+FEFF.
        && !email.chars().any(super::schema_space)
        && email.split_once('@').is_some_and(|(local, domain)| {
            let dot_inside = domain
                .char_indices()
                .any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len());
            !local.is_empty() && !domain.contains('@') && dot_inside
        });
    if fine {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "email: expected an e-mail address like name@example.org",
        ))
    }
}
