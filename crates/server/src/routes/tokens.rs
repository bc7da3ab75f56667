//! API tokens for integrations: scoped to permissions the creator's role has, expiring,
//! revocable, shown once and stored only hashed. The organization's plan must include API access.

use super::Shown;
use crate::auth::{Caller, TOKEN_PREFIX};
use crate::error::{ApiError, ErrorBody};
use crate::routes::{parse_id, Body};
use crate::secrets::{hash_secret, new_secret};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use tenure_domain::{Entitlement, Permission};
use tenure_store::{ApiTokenRecord, NewApiToken};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(pattern = "\\S")]
    pub name: String,
    /// Scopes such as `scores:read`, `aggregates:read`, `data:write`; each must be allowed to your role.
    #[schema(min_items = 1, inline, value_type = Vec<TokenScope>)]
    pub scopes: Vec<String>,
    /// Days until it stops working (1 to the server's maximum, 365 by default).
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: i64,
}

/// A token's scope: one permission.
#[derive(ToSchema)]
#[schema(as = TokenScope)]
#[allow(dead_code)] // Only its schema is used: the scopes' names.
enum TokenScope {
    #[schema(rename = "scores:read")]
    ScoresRead,
    #[schema(rename = "aggregates:read")]
    AggregatesRead,
    #[schema(rename = "models:read")]
    ModelsRead,
    #[schema(rename = "data:write")]
    DataWrite,
    #[schema(rename = "models:train")]
    ModelsTrain,
    #[schema(rename = "members:manage")]
    MembersManage,
    #[schema(rename = "tokens:manage")]
    TokensManage,
    #[schema(rename = "audit:read")]
    AuditRead,
    #[schema(rename = "plan:read")]
    PlanRead,
    #[schema(rename = "warnings:act")]
    WarningsAct,
    #[schema(rename = "alerts:configure")]
    AlertsConfigure,
    #[schema(rename = "governance:manage")]
    GovernanceManage,
    #[schema(rename = "people:manage")]
    PeopleManage,
    #[schema(rename = "fairness:read")]
    FairnessRead,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_by: i64,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

impl From<ApiTokenRecord> for TokenView {
    fn from(t: ApiTokenRecord) -> TokenView {
        TokenView {
            id: t.id,
            name: t.name,
            scopes: t.scopes.iter().map(|p| p.scope().to_owned()).collect(),
            created_by: t.created_by,
            created_at: t.created_at.shown(),
            expires_at: t.expires_at.to_rfc3339(),
            revoked_at: t.revoked_at.shown(),
        }
    }
}

/// A new token; `token` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenView,
    pub token: String,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenView>), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    caller.require(Permission::ManageTokens)?;
    let tokens = state.store.api_tokens(caller.org.id).await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenRequest,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<TokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    caller.require(Permission::ManageTokens)?;
    caller.require_entitlement(Entitlement::ApiAccess)?;
    if request.name.trim().is_empty() {
        return Err(ApiError::bad_request("name cannot be empty"));
    }
    if !(1..=state.settings.max_token_days).contains(&request.expires_in_days) {
        return Err(ApiError::bad_request(format!(
            "expires_in_days: 1 to {}",
            state.settings.max_token_days
        )));
    }
    let scopes = parse_scopes(&caller, &request.scopes)?;
    let token = new_secret(TOKEN_PREFIX);
    let id = state
        .store
        .create_api_token(
            caller.org.id,
            &NewApiToken {
                name: request.name.trim(),
                token_hash: &hash_secret(&token),
                scopes: &scopes,
                created_by: caller.user_id,
                expires_at: state.clock().now() + Duration::days(request.expires_in_days),
            },
        )
        .await?;
    let info = state
        .store
        .api_tokens(caller.org.id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            info: info.into(),
            token,
        }),
    ))
}

fn parse_scopes(caller: &Caller, scopes: &[String]) -> Result<Vec<Permission>, ApiError> {
    if scopes.is_empty() {
        return Err(ApiError::bad_request("scopes: name at least one"));
    }
    let mut parsed = Vec::new();
    for scope in scopes {
        let permission = Permission::parse_scope(scope).ok_or_else(|| {
            let known: Vec<&str> = Permission::ALL.iter().map(|p| p.scope()).collect();
            ApiError::bad_request(format!(
                "unknown scope {scope:?}; expected one of {}",
                known.join(", ")
            ))
        })?;
        if !caller.may(permission) {
            return Err(ApiError::forbidden(format!(
                "a token cannot carry {scope}: your role does not have it"
            )));
        }
        if !parsed.contains(&permission) {
            parsed.push(permission);
        }
    }
    Ok(parsed)
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked: it stops working at once"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageTokens)?;
    let id = parse_id(&id, "token")?;
    if state.store.revoke_api_token(caller.org.id, id).await? {
        state.caches.forget_organization(caller.org.id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("token"))
    }
}
