//! Safe retries: a client's `Idempotency-Key` header on a request that changes data (events,
//! event batches, imports, training), checked at the boundary and paired with a hash of what
//! the request carries, so a retry with the same body gets the first answer back and a key
//! reused for another body is refused.

use crate::error::ApiError;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use sha2::{Digest, Sha256};
use tenure_store::IdempotencyKey;

/// The header a client sends.
pub const HEADER: &str = "idempotency-key";
/// The header on an answer given again for a retried request.
const REPLAYED: &str = "idempotent-replayed";

/// The request's key, checked, with a hash of `parts` (what the request carries, in order);
/// `None` when the request has no key.
pub fn key_of(headers: &HeaderMap, parts: &[&[u8]]) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "the Idempotency-Key header takes 1 to 255 visible ASCII characters (a UUID, say)",
            )
        })?;
    let mut hash = Sha256::new();
    match parts {
        [one] => hash.update(one),
        parts => {
            for part in parts {
                // Each part's length first, so ("ab", "c") and ("a", "bc") differ.
                hash.update((part.len() as u64).to_le_bytes());
                hash.update(part);
            }
        }
    }
    Ok(Some(IdempotencyKey::new(
        key.to_owned(),
        hex::encode(hash.finalize()),
    )))
}

/// Marks `response` as the answer given again to a retried request.
pub fn mark_replayed(response: &mut Response) {
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
}

/// The header as the OpenAPI document describes it (handlers read it from the `HeaderMap`).
#[derive(Debug, utoipa::IntoParams)]
#[allow(dead_code)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyHeader {
    /// A new random value (a UUID) per request, the same one when retrying it: 1–255 visible
    /// ASCII characters. Remembered for 24 hours. Reusing a key with a different body is
    /// refused (422).
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]{1,255}$"
    )]
    pub idempotency_key: Option<String>,
}
