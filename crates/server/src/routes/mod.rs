//! The JSON API's handlers, one module per resource, and what they share: pagination and
//! JSON bodies that fail with the common error shape.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod bands;
pub mod data;
pub mod documents;
pub mod events;
pub mod members;
pub mod models;
pub mod outlook;
pub mod preview;
pub mod pulls;
pub mod scim;
pub mod scores;
pub mod sign_on;
pub mod tokens;
pub mod trust;
pub mod warnings;

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A JSON body; a malformed one answers 400 in the common error shape.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(request, state)
            .await
            .map_err(|e: JsonRejection| ApiError::bad_request(e.body_text()))?;
        serde_path_to_error::deserialize(whole_numbers_as_integers(value))
            .map(Body)
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "Failed to deserialize the JSON body into the target type: {e}"
                ))
            })
    }
}

/// JSON numbers written with a zero fraction (`91.0`) as the integers they are: JSON Schema
/// (and so the OpenAPI document) counts them as integers, and clients that only have floats
/// send them so.
fn whole_numbers_as_integers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Value::from(x as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => {
            Value::Array(items.into_iter().map(whole_numbers_as_integers).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, whole_numbers_as_integers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Query parameters; malformed ones answer 400 in the common error shape.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e: QueryRejection| ApiError::bad_request(e.body_text()))
    }
}

/// `?page=1&per_page=50` (at most 500 a page).
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based.
    #[param(minimum = 1, maximum = 2147483647)]
    #[serde(default, deserialize_with = "bounded::<_, 1, 2147483647>")]
    pub page: Option<u32>,
    /// At most 500 are shown, however many are asked for.
    #[param(minimum = 1, maximum = 2147483647)]
    #[serde(default, deserialize_with = "bounded::<_, 1, 2147483647>")]
    pub per_page: Option<u32>,
}

/// A whole number from `LOW` to `HIGH`, or a 400 saying so (the document states the range).
fn bounded<'de, D: serde::Deserializer<'de>, const LOW: u32, const HIGH: u32>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    let value = Option::<u64>::deserialize(deserializer)?;
    match value {
        None => Ok(None),
        Some(n) if (u64::from(LOW)..=u64::from(HIGH)).contains(&n) => Ok(Some(n as u32)),
        Some(n) => Err(serde::de::Error::custom(format!(
            "{n} is out of range: expected {LOW} to {HIGH}"
        ))),
    }
}

impl PageQuery {
    pub fn page(&self) -> usize {
        self.page.unwrap_or(1).max(1) as usize
    }

    pub fn per_page(&self) -> usize {
        self.per_page.unwrap_or(50).clamp(1, 500) as usize
    }

    /// The slice of `items` this page shows, and the page's envelope.
    pub fn cut<T>(&self, items: Vec<T>) -> Page<T> {
        let total = items.len();
        let items = items
            .into_iter()
            .skip((self.page() - 1) * self.per_page())
            .take(self.per_page())
            .collect();
        Page {
            items,
            page: self.page(),
            per_page: self.per_page(),
            total,
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
}

/// Parses an id from a path segment; anything that is not one is simply not found.
pub fn parse_id(text: &str, what: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found(what))
}

/// Writes one audit entry, answering 500 when the audit log cannot take it: a change that
/// cannot be audited is reported as failed.
pub(crate) async fn record_audit(
    state: &crate::state::AppState,
    entry: tenure_store::AuditEntry,
) -> Result<(), ApiError> {
    state.audit.record(vec![entry]).await.map_err(|error| {
        tracing::error!(%error, "audit write failed");
        ApiError::internal()
    })
}

/// White space as the schema's `\s` (ECMAScript's) counts it, with U+0085, which the
/// patterns also exclude: Unicode's white space and `\s` differ in U+0085 and U+FEFF.
pub(crate) fn schema_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Whether an address points at this machine (`localhost`, `127.0.0.1`, `[::1]`): the one
/// place plain http is accepted, for tests.
pub(crate) fn on_this_machine(url: &str) -> bool {
    url_host(url).is_some_and(|host| matches!(host, "localhost" | "127.0.0.1" | "[::1]"))
}

/// The host of an `http://`, `https://` or `sftp://` URL with no spaces (an IPv6 host keeps
/// its brackets).
fn url_host(url: &str) -> Option<&str> {
    let rest = ["https://", "http://", "sftp://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))?;
    if url.chars().any(char::is_whitespace) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(_) => &host[..host.find(']').map_or(host.len(), |i| i + 1)],
        None => host.split(':').next().unwrap_or(host),
    };
    (!host.is_empty()).then_some(host)
}

/// Stored times as the API shows them: RFC 3339 in UTC, to the millisecond (as stored).
pub(crate) trait Shown {
    type Text;
    fn shown(&self) -> Self::Text;
}

impl Shown for chrono::DateTime<chrono::Utc> {
    type Text = String;
    fn shown(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

impl Shown for Option<chrono::DateTime<chrono::Utc>> {
    type Text = Option<String>;
    fn shown(&self) -> Option<String> {
        self.as_ref().map(Shown::shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_urls_and_this_machine_is_recognised() {
        assert_eq!(
            url_host("https://idp.example/realms/x"),
            Some("idp.example")
        );
        assert_eq!(url_host("http://localhost:9000"), Some("localhost"));
        assert_eq!(url_host("http://[::1]:9000/"), Some("[::1]"));
        assert_eq!(url_host("https://user@idp.example"), Some("idp.example"));
        assert_eq!(url_host("ftp://idp.example"), None);
        assert_eq!(url_host("https://"), None);
        assert_eq!(url_host("https://idp.example/a b"), None);
        assert_eq!(
            url_host("sftp://127.0.0.1:2222/out/r.csv"),
            Some("127.0.0.1")
        );
        assert!(on_this_machine("http://[::1]:9000/r.csv"));
        assert!(on_this_machine("http://localhost:9000/r.csv"));
        assert!(!on_this_machine("http://hris.example/r.csv"));
    }
}
