//! SCIM 2.0 provisioning (RFC 7643, RFC 7644) under `/scim/v2`: an identity provider (Okta,
//! Microsoft Entra ID, Google Workspace) creates, changes and deactivates an organization's
//! members. Its groups are tenure's roles — `owner`, `hr`, `manager`, `auditor` — so moving a
//! user between groups changes their role; a user in no group, or inactive, is no member, and
//! their sessions and tokens stop at once. The provider authenticates with an API token of the
//! organization carrying `members:manage`, so another organization's token sees nothing.
//!
//! Served outside the OpenAPI document: SCIM describes itself (`/ServiceProviderConfig`), and
//! providers speak it, not tenure's JSON. Bodies are `application/scim+json` (or JSON).

use crate::auth::Caller;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tenure_domain::{Permission, Role};
use tenure_store::{AuditEntry, ProvisionedChange, ProvisionedUser, StoreError};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const CONTENT_TYPE: &str = "application/scim+json";

/// The SCIM routes, to nest under `/scim/v2`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/Groups", get(list_groups).post(create_group))
        .route("/Groups/{id}", get(get_group).patch(patch_group))
}

/// A SCIM error answer: its status, `scimType` and detail.
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    fn bad(scim_type: &'static str, detail: impl Into<String>) -> ScimError {
        ScimError {
            status: StatusCode::BAD_REQUEST,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    fn not_found(what: &str) -> ScimError {
        ScimError {
            status: StatusCode::NOT_FOUND,
            scim_type: None,
            detail: format!("no such {what}"),
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(kind) = self.scim_type {
            body["scimType"] = json!(kind);
        }
        scim(self.status, &body)
    }
}

impl From<StoreError> for ScimError {
    fn from(error: StoreError) -> ScimError {
        match error {
            StoreError::Taken(_, name) => ScimError {
                status: StatusCode::CONFLICT,
                scim_type: Some("uniqueness"),
                detail: format!("{name} is already provisioned in this organization"),
            },
            StoreError::Refused(why) => ScimError::bad("invalidValue", why),
            other => {
                tracing::error!(error = %other, "SCIM request failed in the store");
                ScimError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    scim_type: None,
                    detail: "the request could not be completed; nothing was changed".into(),
                }
            }
        }
    }
}

impl From<crate::error::ApiError> for ScimError {
    fn from(error: crate::error::ApiError) -> ScimError {
        ScimError {
            status: error.status,
            scim_type: None,
            detail: error.message,
        }
    }
}

fn scim(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response()
}

/// The caller, who must be allowed to manage members.
fn provisioner(caller: &Caller) -> Result<(), ScimError> {
    caller
        .require(Permission::ManageMembers)
        .map_err(ScimError::from)
}

async fn service_provider_config(caller: Caller) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    Ok(scim(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 1000},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "API token",
                "description": "An organization's API token with the members:manage scope",
            }],
        }),
    ))
}

/// A user as a provider writes it; what tenure does not keep is ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    user_name: Option<String>,
    display_name: Option<String>,
    name: Option<NameBody>,
    external_id: Option<String>,
    active: Option<Flag>,
    #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
    enterprise: Option<EnterpriseBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NameBody {
    formatted: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnterpriseBody {
    employee_number: Option<String>,
}

/// A boolean as providers send it: `false`, or (Entra ID) `"False"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(FlagText),
}

#[derive(Debug, Clone, Copy)]
struct FlagText(bool);

impl<'de> Deserialize<'de> for FlagText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FlagText, D::Error> {
        let text = String::deserialize(d)?;
        match text.to_ascii_lowercase().as_str() {
            "true" => Ok(FlagText(true)),
            "false" => Ok(FlagText(false)),
            _ => Err(serde::de::Error::custom(format!(
                "expected true or false, found {text:?}"
            ))),
        }
    }
}

impl Flag {
    fn value(self) -> bool {
        match self {
            Flag::Bool(b) | Flag::Text(FlagText(b)) => b,
        }
    }
}

impl UserBody {
    fn display_name(&self) -> Option<String> {
        self.display_name.clone().or_else(|| {
            let name = self.name.as_ref()?;
            name.formatted.clone().or_else(|| {
                let parts: Vec<&str> = [&name.given_name, &name.family_name]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
        })
    }

    /// What the body sets: a full replacement when `replace` (absent fields cleared).
    fn change(&self, replace: bool) -> ProvisionedChange {
        let employee = self
            .enterprise
            .as_ref()
            .and_then(|e| e.employee_number.clone());
        ProvisionedChange {
            display_name: self.display_name(),
            external_id: (replace || self.external_id.is_some()).then(|| self.external_id.clone()),
            active: Some(self.active.is_none_or(Flag::value)),
            role: None,
            manager_key: (replace || employee.is_some()).then_some(employee),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ScimError> {
    serde_json::from_slice(body).map_err(|e| {
        ScimError::bad(
            "invalidSyntax",
            format!("the body is not the SCIM resource expected: {e}"),
        )
    })
}

fn user_json(state: &AppState, user: &ProvisionedUser) -> Value {
    let groups: Vec<Value> = user
        .role
        .map(|r| json!({"value": r.key(), "display": r.key(), "$ref": format!("{}/scim/v2/Groups/{}", state.settings.public_url, r.key())}))
        .into_iter()
        .collect();
    let mut body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": user.user_id.to_string(),
        "userName": user.user_name,
        "displayName": user.display_name,
        "name": {"formatted": user.display_name},
        "emails": [{"value": user.user_name, "primary": true, "type": "work"}],
        "active": user.active,
        "groups": groups,
        "meta": {
            "resourceType": "User",
            "created": user.created_at,
            "lastModified": user.updated_at,
            "location": format!("{}/scim/v2/Users/{}", state.settings.public_url, user.user_id),
        },
    });
    if let Some(id) = &user.external_id {
        body["externalId"] = json!(id);
    }
    if let Some(key) = &user.manager_key {
        body[ENTERPRISE] = json!({"employeeNumber": key});
    }
    body
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<usize>,
    count: Option<usize>,
}

/// `attribute eq "value"`, the filter providers send to look a user or group up.
fn equality_filter(filter: &str) -> Result<(String, String), ScimError> {
    let invalid = || {
        ScimError::bad(
            "invalidFilter",
            format!("filter {filter:?}: tenure filters by one equality, such as userName eq \"ana@example.com\""),
        )
    };
    let mut parts = filter.trim().splitn(3, char::is_whitespace);
    let (attribute, operator, value) = (
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?.trim(),
    );
    if !operator.eq_ignore_ascii_case("eq") {
        return Err(invalid());
    }
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(invalid)?;
    Ok((attribute.to_ascii_lowercase(), value.replace("\\\"", "\"")))
}

fn list(resources: Vec<Value>, query: &ListQuery) -> Response {
    let total = resources.len();
    let start = query.start_index.unwrap_or(1).max(1);
    let page: Vec<Value> = resources
        .into_iter()
        .skip(start - 1)
        .take(query.count.unwrap_or(1000).min(1000))
        .collect();
    scim(
        StatusCode::OK,
        &json!({
            "schemas": [LIST],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": page.len(),
            "Resources": page,
        }),
    )
}

async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let org = caller.org.id;
    let users = match query.filter.as_deref().map(equality_filter).transpose()? {
        None => state.store.provisioned_users(org, None).await?,
        Some((attribute, value)) => match attribute.as_str() {
            "username" | "emails.value" | "emails" => {
                state.store.provisioned_users(org, Some(&value)).await?
            }
            "externalid" => state
                .store
                .provisioned_users(org, None)
                .await?
                .into_iter()
                .filter(|u| u.external_id.as_deref() == Some(value.as_str()))
                .collect(),
            _ => {
                return Err(ScimError::bad(
                    "invalidFilter",
                    format!("users filter by userName or externalId, not {attribute}"),
                ))
            }
        },
    };
    Ok(list(
        users.iter().map(|u| user_json(&state, u)).collect(),
        &query,
    ))
}

fn user_id(id: &str) -> Result<i64, ScimError> {
    id.parse().map_err(|_| ScimError::not_found("user"))
}

async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let user = state
        .store
        .provisioned_user(caller.org.id, user_id(&id)?)
        .await?
        .ok_or_else(|| ScimError::not_found("user"))?;
    Ok(scim(StatusCode::OK, &user_json(&state, &user)))
}

async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let body: UserBody = parse(&body)?;
    let user_name = body
        .user_name
        .clone()
        .filter(|n| n.contains('@') && n.trim().len() >= 3 && n.len() <= 254)
        .ok_or_else(|| {
            ScimError::bad(
                "invalidValue",
                "userName is required: the e-mail address the user signs in with",
            )
        })?;
    let user = state
        .store
        .provision_user(caller.org.id, &user_name, &body.change(false))
        .await?;
    forget_and_audit(&state, &caller, "scim.user_created", user.user_id).await?;
    Ok(scim(StatusCode::CREATED, &user_json(&state, &user)))
}

async fn replace_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let body: UserBody = parse(&body)?;
    update_user(&state, &caller, user_id(&id)?, body.change(true)).await
}

/// A PATCH request (RFC 7644 §3.5.2).
#[derive(Debug, Deserialize)]
struct PatchBody {
    #[serde(rename = "Operations")]
    operations: Vec<PatchOperation>,
}

#[derive(Debug, Deserialize)]
struct PatchOperation {
    op: String,
    path: Option<String>,
    value: Option<Value>,
}

async fn patch_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let patch: PatchBody = parse(&body)?;
    let mut change = ProvisionedChange::default();
    for operation in &patch.operations {
        let op = operation.op.to_ascii_lowercase();
        if op != "replace" && op != "add" {
            return Err(ScimError::bad(
                "invalidValue",
                format!(
                    "users take replace and add operations, not {}",
                    operation.op
                ),
            ));
        }
        let value = operation.value.clone().unwrap_or(Value::Null);
        let fields: Vec<(String, Value)> = match &operation.path {
            Some(path) => vec![(path.clone(), value)],
            None => match value {
                Value::Object(map) => map.into_iter().collect(),
                _ => {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "an operation without a path takes an object of attributes",
                    ))
                }
            },
        };
        for (path, value) in fields {
            set_user_field(&mut change, &path, value)?;
        }
    }
    update_user(&state, &caller, user_id(&id)?, change).await
}

/// One attribute a PATCH sets.
fn set_user_field(
    change: &mut ProvisionedChange,
    path: &str,
    value: Value,
) -> Result<(), ScimError> {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    match path.to_ascii_lowercase().as_str() {
        "active" => {
            let flag: Flag = serde_json::from_value(value)
                .map_err(|e| ScimError::bad("invalidValue", format!("active: {e}")))?;
            change.active = Some(flag.value());
        }
        "displayname" | "name.formatted" => change.display_name = text(&value),
        "externalid" => change.external_id = Some(text(&value)),
        p if p.ends_with("employeenumber") => change.manager_key = Some(text(&value)),
        p if p == ENTERPRISE.to_ascii_lowercase() => {
            change.manager_key = Some(
                value
                    .get("employeeNumber")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
            );
        }
        // Attributes tenure does not keep (titles, phone numbers…) are accepted and ignored.
        "username" => {
            return Err(ScimError::bad(
                "mutability",
                "userName is the address the user signs in with: provision a new user instead",
            ))
        }
        _ => {}
    }
    Ok(())
}

async fn update_user(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    change: ProvisionedChange,
) -> Result<Response, ScimError> {
    let user = state
        .store
        .change_provisioned_user(caller.org.id, user_id, &change)
        .await?
        .ok_or_else(|| ScimError::not_found("user"))?;
    forget_and_audit(state, caller, "scim.user_changed", user.user_id).await?;
    Ok(scim(StatusCode::OK, &user_json(state, &user)))
}

async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let id = user_id(&id)?;
    if !state.store.deprovision_user(caller.org.id, id).await? {
        return Err(ScimError::not_found("user"));
    }
    forget_and_audit(&state, &caller, "scim.user_deleted", id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// After a change: cached credentials are dropped (a deactivated user's session must fail on
/// its next request, not after the cache's few seconds) and the change is audited.
async fn forget_and_audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    user_id: i64,
) -> Result<(), ScimError> {
    state.forget_organization(caller.org.id);
    let entry = AuditEntry {
        org: caller.org.id,
        actor: caller.actor(),
        action: action.to_owned(),
        subject: format!("user:{user_id}"),
        request_id: caller.request_id.clone(),
    };
    state.audit.record(vec![entry]).await.map_err(|error| {
        tracing::error!(%error, "audit write failed for a SCIM change");
        ScimError::from(crate::error::ApiError::internal())
    })
}

fn group_json(state: &AppState, role: Role, users: &[ProvisionedUser]) -> Value {
    let members: Vec<Value> = users
        .iter()
        .filter(|u| u.role == Some(role))
        .map(|u| json!({"value": u.user_id.to_string(), "display": u.user_name, "$ref": format!("{}/scim/v2/Users/{}", state.settings.public_url, u.user_id)}))
        .collect();
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": role.key(),
        "displayName": role.key(),
        "members": members,
        "meta": {
            "resourceType": "Group",
            "location": format!("{}/scim/v2/Groups/{}", state.settings.public_url, role.key()),
        },
    })
}

fn group(id: &str) -> Result<Role, ScimError> {
    Role::parse(&id.to_ascii_lowercase()).ok_or_else(|| ScimError::not_found("group"))
}

async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let wanted = match query.filter.as_deref().map(equality_filter).transpose()? {
        None => None,
        Some((attribute, value)) if attribute == "displayname" || attribute == "id" => {
            Some(value.to_ascii_lowercase())
        }
        Some((attribute, _)) => {
            return Err(ScimError::bad(
                "invalidFilter",
                format!("groups filter by displayName, not {attribute}"),
            ))
        }
    };
    let users = state.store.provisioned_users(caller.org.id, None).await?;
    let groups = Role::ALL
        .into_iter()
        .filter(|r| wanted.as_deref().is_none_or(|w| w == r.key()))
        .map(|r| group_json(&state, r, &users))
        .collect();
    Ok(list(groups, &query))
}

async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let role = group(&id)?;
    let users = state.store.provisioned_users(caller.org.id, None).await?;
    Ok(scim(StatusCode::OK, &group_json(&state, role, &users)))
}

/// Groups are tenure's four roles: a provider pushing one of them gets it; any other name is
/// refused, saying which there are.
async fn create_group(caller: Caller, body: Bytes) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct GroupBody {
        display_name: String,
    }
    let body: GroupBody = parse(&body)?;
    match Role::parse(&body.display_name.to_ascii_lowercase()) {
        Some(role) => Err(ScimError {
            status: StatusCode::CONFLICT,
            scim_type: Some("uniqueness"),
            detail: format!(
                "the group {} exists: tenure's groups are its roles; add members to it",
                role.key()
            ),
        }),
        None => Err(ScimError::bad(
            "invalidValue",
            format!(
                "tenure's groups are its roles — owner, hr, manager, auditor — not {:?}",
                body.display_name
            ),
        )),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct MemberRef {
    value: String,
}

/// Adds, removes or replaces a group's members: each user added moves into the group's role
/// (out of any other), each removed is left in no group (no member until added again).
async fn patch_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    provisioner(&caller)?;
    let role = group(&id)?;
    let patch: PatchBody = parse(&body)?;
    let org = caller.org.id;
    for operation in &patch.operations {
        let op = operation.op.to_ascii_lowercase();
        let path = operation.path.as_deref().unwrap_or("members");
        let listed = || -> Result<Vec<i64>, ScimError> {
            let refs: Vec<MemberRef> = match &operation.value {
                Some(Value::Object(map)) if map.contains_key("members") => {
                    serde_json::from_value(map["members"].clone())
                }
                Some(value) => serde_json::from_value(value.clone()),
                None => Ok(Vec::new()),
            }
            .map_err(|e| ScimError::bad("invalidValue", format!("members: {e}")))?;
            refs.iter().map(|r| user_id(&r.value)).collect()
        };
        let (to_add, to_remove): (Vec<i64>, Vec<i64>) = match (op.as_str(), path) {
            ("add", "members") => (listed()?, Vec::new()),
            ("remove", "members") => (Vec::new(), listed()?),
            ("remove", filtered) if filtered.starts_with("members[") => {
                let inner = filtered
                    .trim_start_matches("members[")
                    .trim_end_matches(']');
                let (_, value) = equality_filter(inner)?;
                (Vec::new(), vec![user_id(&value)?])
            }
            ("replace", "members") => {
                let keep = listed()?;
                let current: Vec<i64> = state
                    .store
                    .provisioned_users(org, None)
                    .await?
                    .into_iter()
                    .filter(|u| u.role == Some(role) && !keep.contains(&u.user_id))
                    .map(|u| u.user_id)
                    .collect();
                (keep, current)
            }
            // Renaming a group (Entra sends displayName replaces): tenure's names are fixed.
            ("replace", "displayName") => (Vec::new(), Vec::new()),
            _ => {
                return Err(ScimError::bad(
                    "invalidPath",
                    format!(
                        "groups take add, remove and replace of members, not {} {path}",
                        operation.op
                    ),
                ))
            }
        };
        for (users, assigned) in [(to_add, Some(role)), (to_remove, None)] {
            for user in users {
                let current = state
                    .store
                    .provisioned_user(org, user)
                    .await?
                    .ok_or_else(|| ScimError::not_found("user"))?;
                // Removing someone from a group they are not in changes nothing.
                if assigned.is_none() && current.role != Some(role) {
                    continue;
                }
                let change = ProvisionedChange {
                    role: Some(assigned),
                    ..ProvisionedChange::default()
                };
                state
                    .store
                    .change_provisioned_user(org, user, &change)
                    .await?;
                forget_and_audit(&state, &caller, "scim.group_changed", user).await?;
            }
        }
    }
    let users = state.store.provisioned_users(org, None).await?;
    Ok(scim(StatusCode::OK, &group_json(&state, role, &users)))
}
