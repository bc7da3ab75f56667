//! Where warnings are delivered, for the organization's owner: webhooks (each with the secret
//! its deliveries are signed with, shown once), a test delivery, e-mail settings, and the
//! deliveries themselves — the dead-letter list and replays.

use super::Shown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::jobs::enqueue;
use crate::routes::data::JobStarted;
use crate::routes::{parse_id, Body, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tenure_domain::{Entitlement, Permission};
use tenure_monitor::{EmailSettings, JobSpec};
use tenure_store::{Channel, DeliveryRecord, Webhook};
use utoipa::{IntoParams, ToSchema};

fn may_configure(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Permission::ConfigureAlerts)?;
    caller.require_entitlement(Entitlement::PushedWarnings)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub created_at: String,
    /// Only when the webhook is created: sign checks use it (HMAC-SHA256 of
    /// `timestamp.body`, sent as `tenure-signature: v1=<hex>` with `tenure-timestamp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    fn of(hook: Webhook, with_secret: bool) -> WebhookView {
        WebhookView {
            id: hook.id,
            url: hook.url,
            created_at: hook.created_at.shown(),
            secret: with_secret.then_some(hook.secret),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An http:// or https:// address that accepts POSTs.
    #[schema(
        pattern = "^https?://[^\\s/?#\\u0000-\\u001f\\u007f-\\u009f]+[^\\s\\u0000-\\u001f\\u007f-\\u009f]*$",
        max_length = 2000
    )]
    pub url: String,
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "alerts",
    responses((status = 200, body = Vec<WebhookView>), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    may_configure(&caller)?;
    let hooks = state.store.webhooks(caller.org.id).await?;
    Ok(Json(
        hooks
            .into_iter()
            .map(|h| WebhookView::of(h, false))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "alerts", request_body = NewWebhook,
    responses((status = 201, description = "Created; the secret is shown this once", body = WebhookView),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn add_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<NewWebhook>,
) -> Result<(StatusCode, Json<WebhookView>), ApiError> {
    may_configure(&caller)?;
    let url = request.url.trim();
    let parsed = webhook_url(url)?;
    let hook = state
        .store
        .add_webhook(caller.org.id, parsed, Some(caller.user_id))
        .await?;
    Ok((StatusCode::CREATED, Json(WebhookView::of(hook, true))))
}

/// An absolute http(s) address with a host, and nothing that is not printable.
fn webhook_url(url: &str) -> Result<&str, ApiError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| ApiError::bad_request("url: expected http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty()
        || url.chars().count() > 2000
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::bad_request(
            "url: expected an address with a host",
        ));
    }
    Ok(url)
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "The webhook")),
    responses((status = 204, description = "Nothing more is sent to it"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    may_configure(&caller)?;
    let id = parse_id(&id, "webhook")?;
    if state.store.remove_webhook(caller.org.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("webhook"))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryStarted {
    pub delivery_id: i64,
    pub job_id: i64,
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "alerts",
    params(("id" = i64, Path, description = "The webhook")),
    responses((status = 202, description = "A signed test message is on its way", body = DeliveryStarted),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<DeliveryStarted>), ApiError> {
    may_configure(&caller)?;
    let id = parse_id(&id, "webhook")?;
    state
        .store
        .webhooks(caller.org.id)
        .await?
        .into_iter()
        .find(|h| h.id == id)
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    let body = serde_json::json!({"type": "test", "link": state.settings.public_url});
    let delivery_id = state
        .store
        .create_delivery(caller.org.id, None, Channel::Webhook(id), &body)
        .await?;
    let spec = JobSpec::Deliver {
        delivery: delivery_id,
    };
    let job_id = enqueue(&state, &caller.org, caller.user_id, &spec).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(DeliveryStarted {
            delivery_id,
            job_id,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// `webhook` or `email`.
    pub channel: String,
    pub webhook_id: Option<i64>,
    /// Exactly what was sent: an opaque id and a link.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// pending, delivered or dead.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

impl From<DeliveryRecord> for DeliveryView {
    fn from(d: DeliveryRecord) -> DeliveryView {
        let (channel, webhook_id) = match d.channel {
            Channel::Webhook(id) => ("webhook", Some(id)),
            Channel::Email => ("email", None),
        };
        DeliveryView {
            id: d.id,
            channel: channel.into(),
            webhook_id,
            body: d.body,
            status: d.status,
            attempts: d.attempts,
            last_error: d.last_error,
            created_at: d.created_at.shown(),
            delivered_at: d.delivered_at.shown(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `dead` for the dead-letter list; `pending` or `delivered`.
    #[param(pattern = "^(pending|delivered|dead)$")]
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/deliveries", tag = "alerts", params(DeliveryQuery),
    responses((status = 200, description = "Newest first (at most 500)", body = Vec<DeliveryView>),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DeliveryQuery>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    may_configure(&caller)?;
    let status = query.status.as_deref();
    if let Some(s) = status {
        if !["pending", "delivered", "dead"].contains(&s) {
            return Err(ApiError::bad_request(format!(
                "status {s:?}: expected pending, delivered or dead"
            )));
        }
    }
    let found = state.store.deliveries(caller.org.id, status, 500).await?;
    Ok(Json(found.into_iter().map(DeliveryView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/deliveries/{id}/replay", tag = "alerts",
    params(("id" = i64, Path, description = "A dead delivery")),
    responses((status = 202, description = "Sent again, with fresh attempts", body = JobStarted),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    may_configure(&caller)?;
    let id = parse_id(&id, "delivery")?;
    state
        .store
        .delivery(caller.org.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    if !state.store.revive_delivery(caller.org.id, id).await? {
        return Err(ApiError::conflict("only a dead delivery can be replayed"));
    }
    let job_id = enqueue(
        &state,
        &caller.org,
        caller.user_id,
        &JobSpec::Deliver { delivery: id },
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id })))
}

/// The organization's e-mail settings as written: an SMTP server, the sender and recipients.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // The schema of what `EmailSettings` reads.
pub struct EmailSettingsBody {
    #[schema(pattern = "\\S")]
    smtp_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    smtp_port: u16,
    /// `starttls` (default), `tls`, or `none` (a relay on the same network only).
    #[schema(pattern = "^(none|starttls|tls)$", nullable = false)]
    security: Option<String>,
    username: Option<String>,
    /// Sealed at rest; never shown again.
    password: Option<String>,
    #[schema(
        pattern = "^[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,20}){0,2}@[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,20})?(\\.[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,20})?){1,3}$"
    )]
    from: String,
    #[schema(min_items = 1, inline, value_type = Vec<EmailAddress>)]
    to: Vec<String>,
    /// `immediate` (default) or `daily_digest`.
    #[schema(pattern = "^(immediate|daily_digest)$", nullable = false)]
    mode: Option<String>,
    /// The hour (UTC) the daily digest goes out (default 8).
    #[schema(minimum = 0, maximum = 23, nullable = false)]
    digest_hour_utc: Option<u32>,
}

/// An e-mail address.
#[derive(ToSchema)]
#[schema(value_type = String, pattern = "^[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,20}){0,2}@[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,20})?(\\.[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,20})?){1,3}$")]
#[allow(dead_code)] // Only its schema is used.
struct EmailAddress(String);

/// The e-mail settings as shown: everything but the password, which only says it is set.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailSettingsView {
    pub smtp_host: String,
    pub smtp_port: u16,
    #[schema(value_type = String)]
    pub security: tenure_monitor::SmtpSecurity,
    pub username: Option<String>,
    pub password_set: bool,
    pub from: String,
    pub to: Vec<String>,
    #[schema(value_type = String)]
    pub mode: tenure_monitor::EmailMode,
    pub digest_hour_utc: u32,
}

impl From<EmailSettings> for EmailSettingsView {
    fn from(s: EmailSettings) -> EmailSettingsView {
        EmailSettingsView {
            smtp_host: s.smtp_host,
            smtp_port: s.smtp_port,
            security: s.security,
            username: s.username,
            password_set: s.password.is_some(),
            from: s.from,
            to: s.to,
            mode: s.mode,
            digest_hour_utc: s.digest_hour_utc,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/email-settings", tag = "alerts",
    responses((status = 200, description = "The settings (the password never shown); null when e-mail is off", body = Option<EmailSettingsView>),
              (status = 403, body = ErrorBody)))]
pub async fn get_email(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Option<EmailSettingsView>>, ApiError> {
    may_configure(&caller)?;
    let Some(stored) = state.store.email_settings(caller.org.id).await? else {
        return Ok(Json(None));
    };
    let settings: EmailSettings = serde_json::from_value(stored).map_err(|error| {
        tracing::error!(%error, "stored e-mail settings cannot be read");
        ApiError::internal()
    })?;
    Ok(Json(Some(settings.into())))
}

#[utoipa::path(put, path = "/api/v1/email-settings", tag = "alerts", request_body = EmailSettingsBody,
    responses((status = 204, description = "Saved"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_email(
    State(state): State<AppState>,
    caller: Caller,
    Body(settings): Body<EmailSettings>,
) -> Result<StatusCode, ApiError> {
    may_configure(&caller)?;
    settings
        .validate()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let value = serde_json::to_value(&settings).map_err(|_| ApiError::internal())?;
    state
        .store
        .set_email_settings(caller.org.id, Some(&value))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/email-settings", tag = "alerts",
    responses((status = 204, description = "E-mail is off"), (status = 403, body = ErrorBody)))]
pub async fn remove_email(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    may_configure(&caller)?;
    state.store.set_email_settings(caller.org.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
