//! Members of the caller's organization, their roles and scopes, and invitations.

use super::Shown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::accounts::check_email;
use crate::routes::{parse_id, Body};
use crate::secrets::{hash_secret, new_secret};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use tenure_domain::{Permission, Role};
use tenure_store::{Invitation, Member, MemberScope, NewInvitation};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    /// `owner`, `hr`, `manager` or `auditor`.
    #[schema(value_type = String)]
    pub role: Role,
    pub units: Vec<String>,
    pub manager_key: Option<String>,
    pub joined_at: String,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> MemberView {
        MemberView {
            user_id: m.user_id,
            email: m.email,
            display_name: m.display_name,
            role: m.role,
            units: m.units,
            manager_key: m.manager_key,
            joined_at: m.created_at.shown(),
        }
    }
}

/// A role and what it reaches: `units` limit an hr member to departments or teams (empty: the
/// whole organization); `manager_key` is whose reporting line a manager sees.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleAssignment {
    /// `owner`, `hr`, `manager` or `auditor`.
    #[schema(value_type = String, pattern = "^(owner|hr|manager|auditor)$")]
    pub role: Role,
    #[serde(default)]
    pub units: Vec<String>,
    pub manager_key: Option<String>,
}

impl RoleAssignment {
    fn scope(&self) -> Result<MemberScope, ApiError> {
        if self.role == Role::Manager
            && self
                .manager_key
                .as_deref()
                .is_none_or(|k| k.trim().is_empty())
        {
            return Err(ApiError::unprocessable(
                "a manager needs manager_key: whose reporting line they see",
            ));
        }
        Ok(MemberScope {
            units: self
                .units
                .iter()
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty())
                .collect(),
            manager_key: self
                .manager_key
                .clone()
                .filter(|_| self.role == Role::Manager),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InvitationRequest {
    #[schema(
        pattern = "^[^@\\s\\u0085]+@[^@\\s\\u0085]+\\.[^@\\s\\u0085]+$",
        max_length = 254
    )]
    pub email: String,
    #[serde(flatten)]
    pub assignment: RoleAssignment,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: i64,
    pub email: String,
    /// `owner`, `hr`, `manager` or `auditor`.
    #[schema(value_type = String)]
    pub role: Role,
    pub units: Vec<String>,
    pub manager_key: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub accepted_at: Option<String>,
}

impl From<Invitation> for InvitationView {
    fn from(i: Invitation) -> InvitationView {
        InvitationView {
            id: i.id,
            email: i.email,
            role: i.role,
            units: i.units,
            manager_key: i.manager_key,
            created_at: i.created_at.shown(),
            expires_at: i.expires_at.shown(),
            accepted_at: i.accepted_at.shown(),
        }
    }
}

/// A new invitation, with the token to send the invitee (shown once, stored only hashed).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedInvitation {
    #[serde(flatten)]
    pub invitation: InvitationView,
    pub token: String,
}

#[utoipa::path(get, path = "/api/v1/members", tag = "members",
    responses((status = 200, body = Vec<MemberView>), (status = 403, body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    caller.require(Permission::ManageMembers)?;
    let members = state.store.members(caller.org.id).await?;
    Ok(Json(members.into_iter().map(MemberView::from).collect()))
}

#[utoipa::path(patch, path = "/api/v1/members/{user_id}", tag = "members", request_body = RoleAssignment,
    params(("user_id" = i64, Path, description = "The member's user id")),
    responses((status = 200, body = MemberView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "The organization's last owner cannot change role", body = ErrorBody)))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
    Body(assignment): Body<RoleAssignment>,
) -> Result<Json<MemberView>, ApiError> {
    caller.require(Permission::ManageMembers)?;
    let user_id = parse_id(&user_id, "member")?;
    let current = existing_member(&state, &caller, user_id).await?;
    let scope = assignment.scope()?;
    if current.role == Role::Owner
        && assignment.role != Role::Owner
        && state.store.owner_count(caller.org.id).await? == 1
    {
        return Err(ApiError::conflict(
            "the organization's last owner cannot change role",
        ));
    }
    state
        .store
        .update_member(caller.org.id, user_id, assignment.role, &scope)
        .await?;
    state.caches.forget_organization(caller.org.id);
    let member = existing_member(&state, &caller, user_id).await?;
    Ok(Json(member.into()))
}

/// A member of the caller's organization; anyone else is not found.
async fn existing_member(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
) -> Result<Member, ApiError> {
    state
        .store
        .member(caller.org.id, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))
}

#[utoipa::path(delete, path = "/api/v1/members/{user_id}", tag = "members",
    params(("user_id" = i64, Path, description = "The member's user id")),
    responses((status = 204, description = "Removed, signed out, and the API tokens they made revoked"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageMembers)?;
    let user_id = parse_id(&user_id, "member")?;
    let current = existing_member(&state, &caller, user_id).await?;
    if current.role == Role::Owner && state.store.owner_count(caller.org.id).await? == 1 {
        return Err(ApiError::conflict(
            "the organization's last owner cannot be removed",
        ));
    }
    state.store.remove_member(caller.org.id, user_id).await?;
    state.caches.forget_organization(caller.org.id);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "members",
    responses((status = 200, body = Vec<InvitationView>), (status = 403, body = ErrorBody)))]
pub async fn list_invitations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<InvitationView>>, ApiError> {
    caller.require(Permission::ManageMembers)?;
    let invitations = state.store.invitations(caller.org.id).await?;
    Ok(Json(
        invitations.into_iter().map(InvitationView::from).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/invitations", tag = "members", request_body = InvitationRequest,
    responses((status = 201, body = CreatedInvitation), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<InvitationRequest>,
) -> Result<(StatusCode, Json<CreatedInvitation>), ApiError> {
    caller.require(Permission::ManageMembers)?;
    check_email(&request.email)?;
    let scope = request.assignment.scope()?;
    let token = new_secret("inv_");
    let id = state
        .store
        .create_invitation(
            caller.org.id,
            &NewInvitation {
                email: &request.email,
                role: request.assignment.role,
                scope,
                token_hash: &hash_secret(&token),
                invited_by: caller.user_id,
                expires_at: state.clock().now() + Duration::days(state.settings.invitation_days),
            },
        )
        .await?;
    let invitation = state
        .store
        .invitations(caller.org.id)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedInvitation {
            invitation: invitation.into(),
            token,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "members",
    params(("id" = i64, Path, description = "The invitation's id")),
    responses((status = 204, description = "Withdrawn"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageMembers)?;
    let id = parse_id(&id, "invitation")?;
    if state.store.revoke_invitation(caller.org.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("invitation"))
    }
}
