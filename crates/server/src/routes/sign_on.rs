//! An organization's single sign-on settings, for whoever manages its members: the OpenID
//! Connect provider and client (the secret is written, never read back), the e-mail domains
//! that may sign in, how the provider's groups map to roles, and whether passwords still work.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::{on_this_machine, record_audit, schema_space, Body};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tenure_domain::{GroupGrant, Permission, Role};
use tenure_store::{AuditEntry, SignOnSettings};
use utoipa::ToSchema;

/// One line of the group mapping.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupGrantView {
    /// The group's name (or id, as Entra ID sends object ids) in the provider's group claim.
    #[schema(min_length = 1, max_length = 256, pattern = "[^\\s\\u0085]")]
    pub group: String,
    /// `owner`, `hr`, `manager` or `auditor`. A person in several mapped groups gets the most
    /// privileged of their roles.
    #[schema(value_type = String, pattern = "^(owner|hr|manager|auditor)$")]
    pub role: Role,
    /// For `hr`: the org units the role is limited to; empty means the whole organization.
    #[serde(default)]
    pub units: Vec<String>,
}

/// What an owner sets. The client secret may be left out to keep the one stored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOnRequest {
    /// The provider's issuer URL (its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`): https, or http on this machine for tests.
    #[schema(
        pattern = "^https?://[^\\s/?#\\u0085]+[^\\s\\u0085]*$",
        max_length = 2000
    )]
    pub issuer: String,
    #[schema(min_length = 1, max_length = 512, pattern = "^[^\\s\\u0085]+$")]
    pub client_id: String,
    /// Required the first time; sealed at rest and never shown again.
    #[schema(min_length = 1, max_length = 2048)]
    pub client_secret: Option<String>,
    /// Scopes besides `openid`; `email` and `profile` when left out. Add `groups` where the
    /// provider releases groups only when asked (Okta, Keycloak).
    #[schema(max_items = 20)]
    pub scopes: Option<Vec<String>>,
    /// Only these e-mail domains may sign in; empty or left out means any.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub allowed_domains: Vec<String>,
    /// The claim listing a person's groups; `groups` when left out.
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\s\\u0085]+$")]
    pub groups_claim: Option<String>,
    /// The claim holding a manager's employee number (whose reporting line they see);
    /// `employee_number` when left out.
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\s\\u0085]+$")]
    pub manager_key_claim: Option<String>,
    #[schema(min_items = 1, max_items = 100)]
    pub group_grants: Vec<GroupGrantView>,
    /// False: members sign in only through the provider, and passwords are refused.
    #[serde(default = "yes")]
    pub password_sign_in: bool,
}

fn yes() -> bool {
    true
}

/// The settings as shown: everything but the secret, and what to give the provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignOnView {
    pub issuer: String,
    pub client_id: String,
    pub client_secret_set: bool,
    pub scopes: Vec<String>,
    pub allowed_domains: Vec<String>,
    pub groups_claim: String,
    pub manager_key_claim: String,
    pub group_grants: Vec<GroupGrantView>,
    pub password_sign_in: bool,
    /// Register this as the client's redirect URI at the provider.
    pub redirect_uri: String,
    /// Where members start signing in (the sign-in page links it too).
    pub sign_in_url: String,
    pub updated_at: String,
}

/// Where providers send people back to, for every organization.
pub fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}/sign-on/callback",
        state.settings.public_url.trim_end_matches('/')
    )
}

pub(crate) fn view_of(state: &AppState, slug: &str, settings: SignOnSettings) -> SignOnView {
    SignOnView {
        issuer: settings.issuer,
        client_id: settings.client_id,
        client_secret_set: !settings.client_secret.is_empty(),
        scopes: settings.scopes,
        allowed_domains: settings.allowed_domains,
        groups_claim: settings.groups_claim,
        manager_key_claim: settings.manager_key_claim,
        group_grants: settings
            .group_grants
            .into_iter()
            .map(|g| GroupGrantView {
                group: g.group,
                role: g.role,
                units: g.units,
            })
            .collect(),
        password_sign_in: settings.password_sign_in,
        redirect_uri: redirect_uri(state),
        sign_in_url: format!(
            "{}/sign-on/{slug}",
            state.settings.public_url.trim_end_matches('/')
        ),
        updated_at: settings.updated_at,
    }
}

#[utoipa::path(get, path = "/api/v1/sign-on", tag = "members",
    responses((status = 200, body = SignOnView), (status = 403, body = ErrorBody),
              (status = 404, description = "Single sign-on is not set up", body = ErrorBody)))]
pub async fn get_sign_on(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SignOnView>, ApiError> {
    caller.require(Permission::ManageMembers)?;
    let settings = state
        .store
        .sign_on_settings(caller.org.id)
        .await?
        .ok_or_else(|| ApiError::not_found("single sign-on"))?;
    Ok(Json(view_of(&state, &caller.org.slug, settings)))
}

#[utoipa::path(put, path = "/api/v1/sign-on", tag = "members", request_body = SignOnRequest,
    responses((status = 200, description = "Saved", body = SignOnView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 422, description = "Well-formed but unusable: an http issuer elsewhere than this machine, no client secret yet, a group mapped twice", body = ErrorBody)))]
pub async fn set_sign_on(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<SignOnRequest>,
) -> Result<Json<SignOnView>, ApiError> {
    caller.require(Permission::ManageMembers)?;
    check_shape(&request)?;
    let stored = state.store.sign_on_settings(caller.org.id).await?;
    let settings = settings_of(request, stored, &state)?;
    state
        .store
        .save_sign_on_settings(caller.org.id, &settings)
        .await?;
    record_audit(
        &state,
        AuditEntry {
            org: caller.org.id,
            actor: caller.actor(),
            action: "sign_on.configured".into(),
            subject: format!(
                "issuer:{} passwords:{}",
                settings.issuer,
                if settings.password_sign_in {
                    "on"
                } else {
                    "off"
                }
            ),
            request_id: caller.request_id.clone(),
        },
    )
    .await?;
    Ok(Json(view_of(&state, &caller.org.slug, settings)))
}

#[utoipa::path(delete, path = "/api/v1/sign-on", tag = "members",
    responses((status = 204, description = "Single sign-on removed; passwords work again"), (status = 403, body = ErrorBody),
              (status = 404, description = "Single sign-on was not set up", body = ErrorBody)))]
pub async fn remove_sign_on(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageMembers)?;
    if !state.store.remove_sign_on_settings(caller.org.id).await? {
        return Err(ApiError::not_found("single sign-on"));
    }
    record_audit(
        &state,
        AuditEntry {
            org: caller.org.id,
            actor: caller.actor(),
            action: "sign_on.removed".into(),
            subject: "sign_on".into(),
            request_id: caller.request_id.clone(),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the schema states, enforced (a request the schema refuses answers 400).
fn check_shape(request: &SignOnRequest) -> Result<(), ApiError> {
    let bad = |what: &str| Err(ApiError::bad_request(what.to_owned()));
    let no_space = |text: &str| !text.is_empty() && !text.chars().any(schema_space);
    let chars = |text: &str| text.chars().count();
    let issuer_fine = ["https://", "http://"].iter().any(|scheme| {
        request.issuer.strip_prefix(scheme).is_some_and(|rest| {
            rest.chars()
                .next()
                .is_some_and(|c| !matches!(c, '/' | '?' | '#'))
                && no_space(rest)
        })
    });
    if !issuer_fine || chars(&request.issuer) > 2000 {
        return bad("issuer: expected an https:// URL");
    }
    if !no_space(&request.client_id) || chars(&request.client_id) > 512 {
        return bad("client_id: 1–512 characters without spaces");
    }
    if let Some(secret) = &request.client_secret {
        if secret.is_empty() || chars(secret) > 2048 {
            return bad("client_secret: 1–2048 characters");
        }
    }
    if request.scopes.as_ref().is_some_and(|s| s.len() > 20) {
        return bad("scopes: at most 20");
    }
    if request.allowed_domains.len() > 50 {
        return bad("allowed_domains: at most 50");
    }
    for claim in [&request.groups_claim, &request.manager_key_claim]
        .into_iter()
        .flatten()
    {
        if !no_space(claim) || chars(claim) > 100 {
            return bad("groups_claim and manager_key_claim: 1–100 characters without spaces");
        }
    }
    if request.group_grants.is_empty() || request.group_grants.len() > 100 {
        return bad("group_grants: 1–100 lines mapping a provider group to a role");
    }
    if request
        .group_grants
        .iter()
        .any(|g| g.group.chars().all(schema_space) || chars(&g.group) > 256)
    {
        return bad("group_grants: each group is 1–256 characters, not only spaces");
    }
    Ok(())
}

/// The settings to store: the request checked against the rules no schema states, with the
/// stored secret kept when none is sent.
fn settings_of(
    request: SignOnRequest,
    stored: Option<SignOnSettings>,
    state: &AppState,
) -> Result<SignOnSettings, ApiError> {
    if request.issuer.starts_with("http://") && !on_this_machine(&request.issuer) {
        return Err(ApiError::unprocessable(
            "issuer: an identity provider is reached over https (http only on this machine, for tests)",
        ));
    }
    let client_secret = match (request.client_secret, stored) {
        (Some(secret), _) => secret,
        (None, Some(stored)) => stored.client_secret,
        (None, None) => {
            return Err(ApiError::unprocessable(
                "client_secret: the provider's client secret is needed the first time",
            ))
        }
    };
    let scope_fine = |s: &String| {
        !s.is_empty()
            && s.bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    };
    if let Some(bad) = request.scopes.iter().flatten().find(|s| !scope_fine(s)) {
        return Err(ApiError::unprocessable(format!(
            "scopes: {bad:?} is no OAuth scope name (printable ASCII without spaces, quotes or backslashes)"
        )));
    }
    if let Some(bad) = request.allowed_domains.iter().find(|d| !is_domain(d)) {
        return Err(ApiError::unprocessable(format!(
            "allowed_domains: {bad:?} is no domain; write it like example.org"
        )));
    }
    let mut groups: Vec<&str> = request
        .group_grants
        .iter()
        .map(|g| g.group.as_str())
        .collect();
    groups.sort();
    if let Some(twice) = groups.windows(2).find(|w| w[0] == w[1]) {
        return Err(ApiError::unprocessable(format!(
            "group_grants: the group {:?} is mapped twice; give each group one role",
            twice[0]
        )));
    }
    if request
        .group_grants
        .iter()
        .any(|g| g.role != Role::Hr && !g.units.is_empty())
    {
        return Err(ApiError::unprocessable(
            "group_grants: only hr lines are limited to units",
        ));
    }
    Ok(SignOnSettings {
        issuer: request.issuer.trim_end_matches('/').to_owned(),
        client_id: request.client_id,
        client_secret,
        scopes: request.scopes.map_or_else(
            || vec!["email".into(), "profile".into()],
            |s| s.into_iter().collect(),
        ),
        allowed_domains: request
            .allowed_domains
            .into_iter()
            .map(|d| d.to_lowercase())
            .collect(),
        groups_claim: request.groups_claim.unwrap_or_else(|| "groups".into()),
        manager_key_claim: request
            .manager_key_claim
            .unwrap_or_else(|| "employee_number".into()),
        group_grants: request
            .group_grants
            .into_iter()
            .map(|g| GroupGrant {
                group: g.group,
                role: g.role,
                units: g.units,
            })
            .collect(),
        password_sign_in: request.password_sign_in,
        updated_at: crate::routes::Shown::shown(&state.clock().now()),
    })
}

fn is_domain(text: &str) -> bool {
    text.len() <= 253
        && text.contains('.')
        && text.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_have_labels_and_a_dot() {
        assert!(is_domain("example.org"));
        assert!(is_domain("mail.example-co.cn"));
        assert!(!is_domain("localhost"));
        assert!(!is_domain("example..org"));
        assert!(!is_domain("exa mple.org"));
    }
}
