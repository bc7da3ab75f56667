//! Delivery of warnings outside the app: signed webhooks and e-mail (each warning at once, or
//! a daily digest). What leaves carries an opaque warning id and a link into tenure — never a
//! name, a score or a driver — so a message read by the wrong eyes says nothing about anyone.
//! Each delivery is a queued job; a failure is retried with exponential backoff, and one that
//! used up its attempts is dead (the dead-letter list) until someone replays it.

use crate::Monitor;
use chrono::{DateTime, Timelike, Utc};
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;
use tenure_domain::OrgId;
use tenure_store::{Channel, Destinations, NewDelivery, RaisedWarning, Store, StoreError, Webhook};

/// Where links in deliveries point, and how hard to try.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// The address people open tenure at, e.g. `https://tenure.example.org`.
    pub public_url: String,
    /// The wait before the first retry; each later one waits twice as long.
    pub retry_base: Duration,
    /// Attempts before a delivery is dead.
    pub attempts: i64,
    /// How long a webhook receiver or mail server may take to answer.
    pub timeout: Duration,
}

impl Default for DeliverySettings {
    fn default() -> DeliverySettings {
        DeliverySettings {
            public_url: "http://127.0.0.1:8080".into(),
            retry_base: Duration::from_secs(30),
            attempts: 6,
            timeout: Duration::from_secs(10),
        }
    }
}

impl DeliverySettings {
    /// Settings as an operator gives them: the public address, the first retry's wait in
    /// milliseconds (at least 1) and the attempts before a delivery is dead (1 to 50).
    pub fn new(public_url: String, retry_ms: u64, attempts: i64) -> DeliverySettings {
        DeliverySettings {
            public_url,
            retry_base: Duration::from_millis(retry_ms.max(1)),
            attempts: attempts.clamp(1, 50),
            ..DeliverySettings::default()
        }
    }

    /// The wait after failed attempt `attempt` (1-based): base × 2^(attempt−1), at most a day.
    pub fn backoff(&self, attempt: i64) -> Duration {
        let factor = 2u32.saturating_pow(attempt.clamp(1, 20) as u32 - 1);
        (self.retry_base * factor).min(Duration::from_secs(86_400))
    }

    fn link(&self, public_id: &str) -> String {
        format!(
            "{}/warnings/{public_id}",
            self.public_url.trim_end_matches('/')
        )
    }
}

/// How an organization's warnings go out by e-mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub smtp_host: String,
    pub smtp_port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub from: String,
    pub to: Vec<String>,
    #[serde(default)]
    pub mode: EmailMode,
    /// The hour (UTC) the daily digest goes out.
    #[serde(default = "eight")]
    pub digest_hour_utc: u32,
}

fn eight() -> u32 {
    8
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on the same host or network.
    None,
    #[default]
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailMode {
    #[default]
    Immediate,
    DailyDigest,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmailSettingsError {
    #[error("{0:?} is not an e-mail address")]
    Address(String),
    #[error("name at least one recipient in `to`")]
    NoRecipients,
    #[error("the SMTP host and port must be given")]
    NoServer,
    #[error("the digest hour is 0 to 23 (UTC), not {0}")]
    Hour(u32),
}

impl EmailSettings {
    pub fn validate(&self) -> Result<(), EmailSettingsError> {
        if self.smtp_host.trim().is_empty() || self.smtp_port == 0 {
            return Err(EmailSettingsError::NoServer);
        }
        if self.to.is_empty() {
            return Err(EmailSettingsError::NoRecipients);
        }
        for address in std::iter::once(&self.from).chain(&self.to) {
            address
                .parse::<Mailbox>()
                .map_err(|_| EmailSettingsError::Address(address.clone()))?;
        }
        if self.digest_hour_utc > 23 {
            return Err(EmailSettingsError::Hour(self.digest_hour_utc));
        }
        Ok(())
    }
}

/// The webhook body for a raised warning: its opaque id and a link, nothing more.
pub fn warning_body(public_id: &str, settings: &DeliverySettings) -> serde_json::Value {
    json!({
        "type": "warning.raised",
        "warning": public_id,
        "link": settings.link(public_id),
    })
}

/// `v1=` and the hex HMAC-SHA256, keyed by the webhook's secret, of `timestamp.body`: the
/// receiver recomputes it, and rejects old timestamps to stop replays.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// What warnings just raised become: a delivery for each destination (every webhook, and
/// e-mail when the organization wants each warning at once), and the time of the daily
/// digest's job when the organization wants digests and none is queued yet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FanOut {
    pub deliveries: Vec<NewDelivery>,
    pub digest_at: Option<DateTime<Utc>>,
    /// The destinations read to plan them: first attempts go there without reading them again.
    pub webhooks: Vec<Webhook>,
    pub email: Option<EmailSettings>,
}

impl FanOut {
    /// Where a planned delivery goes, as read when it was planned.
    pub fn destination(&self, delivery: &NewDelivery) -> Option<Destination<'_>> {
        match delivery.channel {
            Channel::Webhook(id) => self
                .webhooks
                .iter()
                .find(|hook| hook.id == id)
                .map(Destination::Webhook),
            Channel::Email => self.email.as_ref().map(Destination::Email),
        }
    }
}

/// Where a delivery goes, when the caller has already read it.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    Webhook(&'a Webhook),
    Email(&'a EmailSettings),
}

/// Plans the deliveries of warnings just raised (see [`FanOut`]); nothing is written.
pub async fn fan_out(
    monitor: &Monitor,
    org: OrgId,
    raised: &[RaisedWarning],
    settings: &DeliverySettings,
) -> Result<FanOut, StoreError> {
    if raised.is_empty() {
        return Ok(FanOut::default());
    }
    let store = monitor.store();
    let Destinations { webhooks, email } = store.destinations(org).await?;
    let email = email.map(email_settings_from).transpose()?;
    let immediate_email = email
        .as_ref()
        .is_some_and(|e| e.mode == EmailMode::Immediate);
    let mut deliveries = Vec::new();
    for warning in raised {
        let body = warning_body(&warning.public_id, settings);
        let channels = webhooks
            .iter()
            .map(|hook| Channel::Webhook(hook.id))
            .chain(immediate_email.then_some(Channel::Email));
        for channel in channels {
            deliveries.push(NewDelivery {
                warning_id: Some(warning.id),
                channel,
                body: body.clone(),
            });
        }
    }
    let mut digest_at = None;
    if let Some(email) = email.as_ref().filter(|e| e.mode == EmailMode::DailyDigest) {
        if !store.has_queued_job(org, "digest").await? {
            digest_at = Some(next_digest(monitor.clock().now(), email.digest_hour_utc));
        }
    }
    Ok(FanOut {
        deliveries,
        digest_at,
        webhooks,
        email,
    })
}

async fn email_settings(store: &Store, org: OrgId) -> Result<Option<EmailSettings>, StoreError> {
    store
        .email_settings(org)
        .await?
        .map(email_settings_from)
        .transpose()
}

fn email_settings_from(stored: serde_json::Value) -> Result<EmailSettings, StoreError> {
    serde_json::from_value(stored).map_err(|e| StoreError::Corrupt(format!("e-mail settings: {e}")))
}

/// The next time the digest hour comes round.
fn next_digest(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let today = now
        .date_naive()
        .and_hms_opt(hour.min(23), 0, 0)
        .expect("a valid hour")
        .and_utc();
    if today > now && now.hour() < hour {
        today
    } else {
        today + chrono::Duration::days(1)
    }
}

/// How one attempt went. The caller records it on the delivery (see [`Attempt::recorded`]),
/// together with its job's end.
#[derive(Debug)]
pub enum Attempt {
    Delivered,
    /// No attempt made: an earlier one had delivered it.
    AlreadyDelivered,
    /// Not attempted: the organization is suspended (the kill switch), so nothing leaves.
    Suspended,
    /// Failed; `dead` when it was the last attempt; `attempt` counts from 1.
    Failed {
        error: String,
        dead: bool,
        attempt: i64,
    },
}

impl Attempt {
    /// What the attempt is recorded as on its delivery: delivered, or failed (for good when
    /// dead); `None` when no attempt was made.
    pub fn recorded(&self) -> Option<tenure_store::AttemptOutcome<'_>> {
        match self {
            Attempt::Delivered => Some(Ok(())),
            Attempt::Failed { error, dead, .. } => Some(Err((error.as_str(), *dead))),
            Attempt::AlreadyDelivered | Attempt::Suspended => None,
        }
    }
}

/// Why a delivery or a digest could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the delivery is gone")]
    DeliveryGone,
    #[error("the webhook is gone")]
    WebhookGone,
    #[error("e-mail is no longer set up for the organization")]
    EmailNotSetUp,
    /// Kept without the address: a webhook URL can itself be a secret (a chat service's hook),
    /// and this text goes to logs and to the dead-letter list.
    #[error("the receiver could not be reached: {0}")]
    Unreachable(reqwest::Error),
    #[error("the receiver answered {0}")]
    ReceiverAnswered(reqwest::StatusCode),
    #[error("{0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("{0}")]
    Message(#[from] lettre::error::Error),
    #[error("{0}")]
    Relay(lettre::transport::smtp::Error),
    #[error("the mail server refused: {0}")]
    MailRefused(lettre::transport::smtp::Error),
}

/// Makes one attempt at a delivery. Attempts are counted on the delivery, so the first one
/// (made at once by the worker that raised the warning) and the retries of its queued job add
/// up to the same limit.
pub async fn attempt_delivery(
    monitor: &Monitor,
    org: OrgId,
    delivery: i64,
    settings: &DeliverySettings,
) -> Result<Attempt, DeliveryError> {
    let record = monitor
        .store()
        .delivery(org, delivery)
        .await?
        .ok_or(DeliveryError::DeliveryGone)?;
    if record.status == "delivered" {
        return Ok(Attempt::AlreadyDelivered);
    }
    let planned = NewDelivery {
        warning_id: record.warning_id,
        channel: record.channel,
        body: record.body,
    };
    attempt(
        monitor,
        org,
        (delivery, &planned),
        record.attempts,
        None,
        settings,
    )
    .await
}

/// A delivery's first attempt, just after it was planned: to the destination read then.
pub async fn attempt_first_delivery(
    monitor: &Monitor,
    org: OrgId,
    delivery: (i64, &NewDelivery),
    destination: Option<Destination<'_>>,
    settings: &DeliverySettings,
) -> Result<Attempt, DeliveryError> {
    attempt(monitor, org, delivery, 0, destination, settings).await
}

/// One attempt at delivery `id` after `attempts` earlier ones, to `destination` (read here
/// when not given).
async fn attempt(
    monitor: &Monitor,
    org: OrgId,
    (id, delivery): (i64, &NewDelivery),
    attempts: i64,
    destination: Option<Destination<'_>>,
    settings: &DeliverySettings,
) -> Result<Attempt, DeliveryError> {
    // Read at the last moment, every time: the kill switch stops what is already queued.
    if monitor.store().suspended_since(org).await?.is_some() {
        return Ok(Attempt::Suspended);
    }
    let sent = send(monitor, org, (id, delivery), destination, settings).await;
    let attempt = attempts + 1;
    let dead = attempt >= settings.attempts;
    Ok(match sent {
        Ok(()) => Attempt::Delivered,
        Err(error) => Attempt::Failed {
            error: error.to_string(),
            dead,
            attempt,
        },
    })
}

async fn send(
    monitor: &Monitor,
    org: OrgId,
    (id, delivery): (i64, &NewDelivery),
    destination: Option<Destination<'_>>,
    settings: &DeliverySettings,
) -> Result<(), DeliveryError> {
    let read;
    let destination = match destination {
        Some(known) => known,
        None => {
            read = read_destination(monitor.store(), org, delivery.channel).await?;
            read.as_destination()
        }
    };
    match destination {
        Destination::Webhook(hook) => {
            let signed_at = monitor.clock().now().timestamp();
            let post = Post {
                url: &hook.url,
                secret: &hook.secret,
                delivery: id,
                signed_at,
            };
            post_webhook(monitor.webhooks(), post, &delivery.body, settings).await
        }
        Destination::Email(email) => {
            let (subject, text) = email_text(&delivery.body);
            send_email(email, &subject, &text, settings).await
        }
    }
}

/// A destination as read from the store.
enum ReadDestination {
    Webhook(Webhook),
    Email(EmailSettings),
}

impl ReadDestination {
    fn as_destination(&self) -> Destination<'_> {
        match self {
            ReadDestination::Webhook(hook) => Destination::Webhook(hook),
            ReadDestination::Email(email) => Destination::Email(email),
        }
    }
}

/// Where a delivery on `channel` goes now: its webhook (even if removed since, so a dead
/// delivery can be replayed), or the organization's e-mail settings.
async fn read_destination(
    store: &Store,
    org: OrgId,
    channel: Channel,
) -> Result<ReadDestination, DeliveryError> {
    Ok(match channel {
        Channel::Webhook(id) => ReadDestination::Webhook(
            store
                .webhook(org, id)
                .await?
                .ok_or(DeliveryError::WebhookGone)?,
        ),
        Channel::Email => ReadDestination::Email(
            email_settings(store, org)
                .await?
                .ok_or(DeliveryError::EmailNotSetUp)?,
        ),
    })
}

/// The HTTP client webhooks are posted with: one connection pool for the process (kept by the
/// [`Monitor`] handle). Timeouts are set per request, from each caller's delivery settings.
pub(crate) struct WebhookClient(reqwest::Client);

impl WebhookClient {
    pub(crate) fn new() -> WebhookClient {
        WebhookClient(
            reqwest::Client::builder()
                .user_agent(concat!("tenure/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("an HTTP client with rustls"),
        )
    }
}

/// Where a webhook post goes, signed with what, when.
struct Post<'a> {
    url: &'a str,
    secret: &'a str,
    delivery: i64,
    /// Seconds since the epoch: signed with the body, so receivers can refuse replays.
    signed_at: i64,
}

/// Posts a delivery's body to a webhook, signed. The timeout is this request's own (from the
/// caller's settings); the client, and its connection pool, are the process's.
async fn post_webhook(
    client: &WebhookClient,
    post: Post<'_>,
    body: &serde_json::Value,
    settings: &DeliverySettings,
) -> Result<(), DeliveryError> {
    let bytes = body.to_string().into_bytes();
    let timestamp = post.signed_at;
    let response = client
        .0
        .post(post.url)
        .timeout(settings.timeout)
        .header("content-type", "application/json")
        .header("tenure-delivery", post.delivery.to_string())
        .header("tenure-timestamp", timestamp.to_string())
        .header(
            "tenure-signature",
            signature(post.secret, timestamp, &bytes),
        )
        .body(bytes)
        .send()
        .await
        .map_err(|e| DeliveryError::Unreachable(e.without_url()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(DeliveryError::ReceiverAnswered(status))
    }
}

/// A message's subject and text from what a delivery carries: ids and links only.
fn email_text(body: &serde_json::Value) -> (String, String) {
    const FOOTER: &str = "This message carries no names or scores. Open the link and sign in to read it; what you see there is confidential and every view is recorded.";
    match body.get("type").and_then(|t| t.as_str()) {
        Some("digest") => {
            let links: Vec<String> = body["links"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str().map(|l| format!("  {l}")))
                .collect();
            (
                format!("tenure: {} new warnings", links.len()),
                format!(
                    "{} warnings were raised since the last digest:\n\n{}\n\n{FOOTER}\n",
                    links.len(),
                    links.join("\n")
                ),
            )
        }
        _ => {
            let id = body["warning"].as_str().unwrap_or_default();
            let link = body["link"].as_str().unwrap_or_default();
            (
                "tenure: a new warning needs your attention".into(),
                format!("A warning was raised (id {id}).\n\n  {link}\n\n{FOOTER}\n"),
            )
        }
    }
}

async fn send_email(
    email: &EmailSettings,
    subject: &str,
    text: &str,
    settings: &DeliverySettings,
) -> Result<(), DeliveryError> {
    let mut message = Message::builder()
        .from(email.from.parse::<Mailbox>()?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for to in &email.to {
        message = message.to(to.parse::<Mailbox>()?);
    }
    let message = message.body(text.to_owned())?;
    let builder = match email.security {
        SmtpSecurity::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&email.smtp_host)
        }
        SmtpSecurity::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&email.smtp_host)
                .map_err(DeliveryError::Relay)?
        }
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&email.smtp_host)
            .map_err(DeliveryError::Relay)?,
    };
    let mut builder = builder
        .port(email.smtp_port)
        .timeout(Some(settings.timeout));
    if let (Some(user), Some(password)) = (&email.username, &email.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(DeliveryError::MailRefused)
}

/// E-mails a notice about the organization itself (not about anyone in it) to its alert
/// recipients; false when it has no e-mail set up.
pub async fn send_notice(
    store: &Store,
    org: OrgId,
    subject: &str,
    text: &str,
    settings: &DeliverySettings,
) -> Result<bool, DeliveryError> {
    let Some(email) = email_settings(store, org).await? else {
        return Ok(false);
    };
    send_email(&email, subject, text, settings).await?;
    Ok(true)
}

/// Sends the daily digest: every warning no e-mail has carried yet, as links.
pub async fn send_digest(
    store: &Store,
    org: OrgId,
    settings: &DeliverySettings,
) -> Result<usize, DeliveryError> {
    let email = email_settings(store, org)
        .await?
        .ok_or(DeliveryError::EmailNotSetUp)?;
    let waiting = store.warnings_not_emailed(org).await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let body = json!({
        "type": "digest",
        "warnings": waiting.iter().map(|(_, p)| p).collect::<Vec<_>>(),
        "links": waiting.iter().map(|(_, p)| settings.link(p)).collect::<Vec<_>>(),
    });
    let (subject, text) = email_text(&body);
    send_email(&email, &subject, &text, settings).await?;
    let id = store
        .create_delivery(org, None, Channel::Email, &body)
        .await?;
    store.record_delivery_attempt(org, id, Ok(())).await?;
    Ok(waiting.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231-style check against an independent computation: key "key", message
        // "1700000000.{}".
        let signed = signature("key", 1_700_000_000, b"{}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"key").unwrap();
        mac.update(b"1700000000.{}");
        assert_eq!(
            signed,
            format!("v1={}", hex::encode(mac.finalize().into_bytes()))
        );
        assert_ne!(signed, signature("other", 1_700_000_000, b"{}"));
        assert_ne!(signed, signature("key", 1_700_000_001, b"{}"));
    }

    /// Each delivery waits as long as its own settings say, whoever posted first: the client
    /// once took the first caller's timeout for every later one.
    #[tokio::test]
    async fn each_webhook_post_keeps_its_own_timeout() {
        let answering = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (answering_url, silent_url) = (
            format!("http://{}/", answering.local_addr().unwrap()),
            format!("http://{}/", silent.local_addr().unwrap()),
        );
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = answering.accept().await {
                let mut request = vec![0; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        // Accepts and never answers (the connection is held open).
        let held = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                held.push(socket);
            }
        });
        let patient = DeliverySettings {
            timeout: Duration::from_secs(120),
            ..DeliverySettings::default()
        };
        let body = json!({"type": "test"});
        let client = WebhookClient::new();
        let post = |url, delivery| Post {
            url,
            secret: "secret",
            delivery,
            signed_at: 1_700_000_000,
        };
        post_webhook(&client, post(&answering_url, 1), &body, &patient)
            .await
            .unwrap();
        let hasty = DeliverySettings {
            timeout: Duration::from_millis(300),
            ..DeliverySettings::default()
        };
        let started = std::time::Instant::now();
        let refused = post_webhook(&client, post(&silent_url, 2), &body, &hasty).await;
        assert!(refused.is_err());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "gave up after {:?}",
            started.elapsed()
        );
        held.abort();
    }

    #[test]
    fn backoff_doubles_from_the_base() {
        let settings = DeliverySettings {
            retry_base: Duration::from_millis(100),
            ..DeliverySettings::default()
        };
        let waits: Vec<u128> = (1..=4).map(|a| settings.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800]);
        assert_eq!(
            DeliverySettings::default().backoff(60),
            Duration::from_secs(86_400)
        );
    }

    #[test]
    fn what_leaves_carries_an_id_and_a_link_only() {
        let settings = DeliverySettings {
            public_url: "https://hr.example.org/".into(),
            ..DeliverySettings::default()
        };
        let body = warning_body("9f2c", &settings);
        assert_eq!(
            body,
            json!({"type": "warning.raised", "warning": "9f2c", "link": "https://hr.example.org/warnings/9f2c"})
        );
        let (subject, text) = email_text(&body);
        assert!(!subject.contains("9f2c"));
        assert!(text.contains("https://hr.example.org/warnings/9f2c"));
    }

    #[test]
    fn digests_go_out_at_the_next_digest_hour() {
        let at = |h, m| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
                .and_utc()
        };
        assert_eq!(next_digest(at(6, 30), 8), at(8, 0));
        assert_eq!(
            next_digest(at(8, 30), 8),
            at(8, 0) + chrono::Duration::days(1)
        );
    }

    #[test]
    fn email_settings_are_checked() {
        let settings = EmailSettings {
            smtp_host: "mail.example.org".into(),
            smtp_port: 587,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from: "tenure@example.org".into(),
            to: vec!["hr@example.org".into()],
            mode: EmailMode::Immediate,
            digest_hour_utc: 8,
        };
        assert_eq!(settings.validate(), Ok(()));
        let bad = EmailSettings {
            to: vec!["not an address".into()],
            ..settings.clone()
        };
        assert_eq!(
            bad.validate(),
            Err(EmailSettingsError::Address("not an address".into()))
        );
        let none = EmailSettings {
            to: vec![],
            ..settings
        };
        assert_eq!(none.validate(), Err(EmailSettingsError::NoRecipients));
    }
}
