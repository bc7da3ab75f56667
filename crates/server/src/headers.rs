//! Security headers on every answer: a Content-Security-Policy that allows no inline script
//! or style and no framing, `X-Content-Type-Options`, `Referrer-Policy`, `X-Frame-Options`,
//! and — when the service is reached over TLS — `Strict-Transport-Security`. A route that
//! must differ (the report's standalone HTML, with its own styles) sets its own policy,
//! which is kept.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Pages and the API: scripts, styles and images from tenure itself only; nothing framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The report's standalone HTML file: its own inline styles and charts, nothing else.
pub const REPORT_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/// A year, and every subdomain: browsers that once reached tenure over TLS never fall back.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Whether answers carry `Strict-Transport-Security`: the service is reached over TLS.
#[derive(Clone, Copy)]
pub struct OverTls(pub bool);

pub async fn security_headers(
    State(OverTls(over_tls)): State<OverTls>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut keep_or_set = |name: header::HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    keep_or_set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    keep_or_set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    keep_or_set(header::REFERRER_POLICY, "no-referrer");
    keep_or_set(header::X_FRAME_OPTIONS, "DENY");
    if over_tls {
        keep_or_set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    response
}
