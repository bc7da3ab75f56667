//! The one error body every endpoint answers with — `{"error": {"code", "message"}}` — and the
//! mapping from the layers' errors to HTTP statuses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tenure_store::{StoreError, StoreErrorKind};
use utoipa::ToSchema;

/// Seconds a 503 asks a client to wait while the database is out of reach.
const RETRY_WHEN_UNAVAILABLE: u64 = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable: `not_found`, `forbidden`, `csrf`, `plan_required`, …
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait, for 429 and 503 answers.
    pub retry_after: Option<u64>,
}

/// The body of every error answer.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Also what another organization's ids get: their existence is never confirmed.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }

    /// The database is out of reach for now: answered at once, with when to try again, so
    /// clients and load balancers back off instead of piling up requests.
    pub fn unavailable() -> ApiError {
        ApiError {
            retry_after: Some(RETRY_WHEN_UNAVAILABLE),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database cannot be reached just now; nothing was changed — try again shortly",
            )
        }
    }

    /// Well-formed and as the document describes, but against a rule no schema can state (a
    /// person not in the data, a date after today, a key reused for another request).
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in or send a valid API token",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 409: the same job is already queued or running.
    pub fn already_pending(job: i64) -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            "already_pending",
            format!("the same job is already queued or running (job {job}): follow it at GET /api/v1/jobs/{job}"),
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }
}

impl ApiError {
    /// A monitor's refusal as an answer: the store's own mapping, 400 for input the caller can
    /// fix, otherwise a 500 with the cause logged as `failed` (what did not happen).
    pub fn from_monitor(error: tenure_monitor::MonitorError, failed: &str) -> ApiError {
        use tenure_monitor::MonitorError;
        let remedy = match &error {
            MonitorError::NoModel { .. } => " (train one first: POST /api/v1/models)",
            MonitorError::NoGovernance(_) => " (PUT /api/v1/governance)",
            _ => "",
        };
        match error {
            MonitorError::Store(e) => ApiError::from(e),
            e @ MonitorError::Objected(_) => ApiError::conflict(e.to_string()),
            e @ MonitorError::Event(_) => ApiError::unprocessable(e.to_string()),
            e if e.is_bad_input() => ApiError::bad_request(format!("{e}{remedy}")),
            e => {
                tracing::error!(error = %e, "{failed}");
                ApiError::internal()
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Taken(what, _) => {
                ApiError::conflict(format!("that {what} is already registered"))
            }
            other if other.kind() == StoreErrorKind::Unprocessable => {
                ApiError::unprocessable(other.to_string())
            }
            other if other.kind() == StoreErrorKind::BadInput => {
                ApiError::bad_request(other.to_string())
            }
            other if other.kind() == StoreErrorKind::Unavailable => {
                tracing::warn!(kind = %other.safe_summary(), "database out of reach");
                ApiError::unavailable()
            }
            other if other.kind() == StoreErrorKind::Full => {
                tracing::error!("the database's disk is full");
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "disk_full",
                    other.to_string(),
                )
            }
            other => {
                tracing::error!(kind = %other.safe_summary(), "store error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
