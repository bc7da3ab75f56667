//! Who is calling: a web session (cookie, with a CSRF token on anything that changes state)
//! or an API token (bearer, scoped, expiring, revocable, and only on plans with API access).
//! The resulting [`Caller`] carries the organization every query is scoped to, and the
//! permission checks: nothing is allowed unless the role grants it (and the token's scopes).

use crate::cache::CachedCredential;
use crate::error::ApiError;
use crate::metrics::RequestId;
use crate::secrets::{hash_secret, same_secret};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use chrono::{Duration, Utc};
use tenure_domain::{Entitlement, Permission, Role};
use tenure_store::{MemberScope, Organization};

pub const SESSION_COOKIE: &str = "tenure_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const TOKEN_PREFIX: &str = "tnr_";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session { id_hash: String, csrf_token: String },
    Token { id: i64, scopes: Vec<Permission> },
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub org: Organization,
    pub user_id: i64,
    pub role: Role,
    pub scope: MemberScope,
    pub via: Via,
    pub request_id: String,
}

impl Caller {
    /// Who did it, for audit rows: never a name or an address.
    pub fn actor(&self) -> String {
        match &self.via {
            Via::Session { .. } => format!("user:{}", self.user_id),
            Via::Token { id, .. } => format!("token:{id}"),
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        let scoped = match &self.via {
            Via::Session { .. } => true,
            Via::Token { scopes, .. } => scopes.contains(&permission),
        };
        scoped && self.role.allows(permission)
    }

    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {} permission, which your role or token does not have",
                permission.scope()
            )))
        }
    }

    pub fn require_entitlement(&self, entitlement: Entitlement) -> Result<(), ApiError> {
        let today = Utc::now().date_naive();
        if self
            .org
            .membership
            .is_some_and(|m| m.allows(entitlement, today))
        {
            Ok(())
        } else {
            Err(plan_required(entitlement))
        }
    }
}

fn plan_required(entitlement: Entitlement) -> ApiError {
    ApiError::new(
        StatusCode::PAYMENT_REQUIRED,
        "plan_required",
        format!(
            "the organization's membership does not include {} (expired or not in the plan); its data is kept",
            serde_json::to_value(entitlement).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        ),
    )
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        if let Some(token) = bearer_token(parts) {
            return token_caller(state, &token, request_id).await;
        }
        if let Some(session) = session_cookie(parts) {
            return session_caller(state, parts, &session, request_id).await;
        }
        Err(ApiError::unauthenticated())
    }
}

fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

/// The session id from the Cookie header, if any.
pub fn session_cookie(parts: &Parts) -> Option<String> {
    cookie_named(parts, SESSION_COOKIE)
}

/// The value of the cookie called `wanted` the request came with, if any.
pub fn cookie_named(parts: &Parts, wanted: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
}

async fn session_caller(
    state: &AppState,
    parts: &Parts,
    session: &str,
    request_id: String,
) -> Result<Caller, ApiError> {
    let id_hash = hash_secret(session);
    let credential = match state.caches.credential(&id_hash) {
        Some(CachedCredential::Session(c)) => c,
        _ => {
            let c = state
                .store
                .session_credential(&id_hash)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            state
                .caches
                .remember_credential(&id_hash, CachedCredential::Session(c.clone()));
            c
        }
    };
    let record = &credential.record;
    let now = state.clock().now();
    let settings = &state.settings;
    let idle = now - record.last_seen_at > Duration::minutes(settings.session_idle_minutes);
    let too_old = now - record.created_at > Duration::hours(settings.session_absolute_hours);
    if idle || too_old {
        state.store.end_session(&id_hash).await?;
        state.caches.forget_credential(&id_hash);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "the session has expired: sign in again",
        ));
    }
    if changes_state(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !same_secret(sent, &record.csrf_token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "missing or wrong CSRF token (send the x-csrf-token header)",
            ));
        }
    }
    // Writing on every request would make reads writers; a minute's precision is enough.
    // Nor is the request failed when the write cannot land now (a long import holds SQLite's
    // one writer past the busy timeout): the next request a minute on records it instead.
    if now - record.last_seen_at > Duration::seconds(60) {
        match state.store.touch_session(&id_hash, now).await {
            Ok(()) => state.caches.forget_credential(&id_hash),
            Err(error) => {
                tracing::warn!(%error, "the session's last request was not recorded; the next one will be")
            }
        }
    }
    let via = Via::Session {
        id_hash,
        csrf_token: credential.record.csrf_token.clone(),
    };
    Ok(caller_from(
        credential.organization,
        credential.member,
        via,
        request_id,
    ))
}

async fn token_caller(
    state: &AppState,
    token: &str,
    request_id: String,
) -> Result<Caller, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the API token is unknown, revoked or expired",
        )
    };
    let token_hash = hash_secret(token);
    let credential = match state.caches.credential(&token_hash) {
        Some(CachedCredential::Token(c)) => c,
        _ => {
            let c = state
                .store
                .token_credential(&token_hash)
                .await?
                .ok_or_else(invalid)?;
            state
                .caches
                .remember_credential(&token_hash, CachedCredential::Token(c.clone()));
            c
        }
    };
    let record = credential.record;
    if record.revoked_at.is_some() || record.expires_at <= state.clock().now() {
        return Err(invalid());
    }
    if let Err(wait) = state.rate_limits.take(record.id, state.clock().now()) {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "this API token has used its {} requests a minute: wait {wait} s (Retry-After) and try again",
                state.settings.token_requests_per_minute
            ),
        );
        error.retry_after = Some(wait);
        return Err(error);
    }
    let via = Via::Token {
        id: record.id,
        scopes: record.scopes,
    };
    let caller = caller_from(credential.organization, credential.member, via, request_id);
    caller.require_entitlement(Entitlement::ApiAccess)?;
    Ok(caller)
}

fn caller_from(
    org: Organization,
    member: tenure_store::Member,
    via: Via,
    request_id: String,
) -> Caller {
    Caller {
        org,
        user_id: member.user_id,
        role: member.role,
        scope: MemberScope {
            units: member.units,
            manager_key: member.manager_key,
        },
        via,
        request_id,
    }
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The Set-Cookie value for a new session.
pub fn session_cookie_header(id: &str, secure: bool, max_age_seconds: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

/// The Set-Cookie value that removes the session cookie.
pub fn cleared_cookie_header(secure: bool) -> String {
    session_cookie_header("", secure, 0)
}
