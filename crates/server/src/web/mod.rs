//! The web dashboard: server-rendered pages (HTML with inline SVG charts), one stylesheet and
//! one small script, all served by this process — nothing comes from elsewhere. Pages read
//! through the same handlers and store calls as the JSON API, so a page shows exactly what the
//! API would answer the same person; forms send JSON to the API with the session's CSRF token.

mod bias_audit;
mod data;
mod layout;
mod me;
mod overview;
mod people;
mod reports;
mod settings;
mod sign_on;
mod signin;
mod teams;
mod warnings;
mod what_helped;

use crate::auth::{Caller, Via};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
pub use reports::ReportCache;
use tenure_report::Locale;

/// The pages and their assets.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/signin", get(signin::page))
        .route("/invitation", get(signin::invitation))
        .route("/sign-on", get(sign_on::start_from_form))
        // The callback is matched before an organization called "callback" would be.
        .route("/sign-on/callback", get(sign_on::callback))
        .route("/sign-on/{organization}", get(sign_on::start))
        .route("/me", get(me::page))
        .route("/data", get(data::page))
        .route("/teams", get(teams::page))
        .route("/people", get(people::list))
        .route("/people/{person}", get(people::person))
        .route("/warnings", get(warnings::inbox))
        .route("/warnings/{id}", get(warnings::detail))
        .route("/what-helped", get(what_helped::page))
        .route("/bias-audit", get(bias_audit::page))
        .route("/reports", get(reports::page))
        .route("/settings", get(settings::page))
        .route("/reports/attrition.html", get(reports::html))
        .route("/reports/attrition.pdf", get(reports::pdf))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/app.js", get(script))
}

/// A signed-in person looking at a page: their API caller, language and CSRF token. Anyone
/// else is sent to the sign-in page, which brings them back.
pub struct Viewer {
    pub caller: Caller,
    pub locale: Locale,
    pub csrf: String,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let path = parts
            .uri
            .path_and_query()
            .map_or("/".to_owned(), |p| p.as_str().to_owned());
        let to_sign_in =
            || Redirect::to(&format!("/signin?next={}", percent_encode(&path))).into_response();
        let caller = Caller::from_request_parts(parts, state)
            .await
            .map_err(|_| to_sign_in())?;
        let Via::Session { csrf_token, .. } = &caller.via else {
            return Err(to_sign_in());
        };
        let csrf = csrf_token.clone();
        let chosen = state
            .store
            .user_locale(caller.user_id)
            .await
            .ok()
            .flatten()
            .and_then(|tag| Locale::parse(&tag));
        let locale = chosen.unwrap_or_else(|| browser_locale(parts));
        Ok(Viewer {
            caller,
            locale,
            csrf,
        })
    }
}

/// The language the browser asks for, English when it asks for none we speak.
pub fn browser_locale(parts: &Parts) -> Locale {
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::parse)
        .unwrap_or_default()
}

/// An API error shown as a page, in the page's look.
pub struct PageError {
    pub error: ApiError,
    pub locale: Locale,
}

impl PageError {
    pub fn new(error: ApiError, locale: Locale) -> PageError {
        PageError { error, locale }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.error.status;
        let body = layout::bare(
            self.locale,
            status.canonical_reason().unwrap_or("Error"),
            maud::html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                p role="alert" { (self.error.message) }
                p { a href="/" { "tenure" } }
            },
        );
        (status, Html(body.into_string())).into_response()
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("assets/app.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("assets/app.js"),
    )
}

/// Everything but unreserved characters escaped, for a path carried in a query string.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A same-site path to return to after signing in; anything else goes to the overview.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A stored instant (RFC 3339) as the viewer's language writes it; anything else as it is.
pub fn moment_text(text: &str, locale: Locale) -> String {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| locale.moment(t.to_utc()))
        .unwrap_or_else(|_| text.to_owned())
}

/// A stored time, as the viewer's locale writes it.
pub fn moment(at: &chrono::DateTime<chrono::Utc>, locale: Locale) -> String {
    locale.moment(*at)
}

/// The roles (pay, level, team…) the organization's latest mapping names; none before any
/// import.
pub async fn roles_of(
    state: &AppState,
    org: tenure_domain::OrgId,
) -> Result<tenure_domain::RoleColumns, ApiError> {
    state
        .monitor
        .roles(org)
        .await
        .map_err(|e| ApiError::from_monitor(e, "the mapping's roles not read"))
}

/// A difference with its sign, to one decimal: +1.2, −0.4 (and +0.0 for what rounds to zero).
pub fn signed(value: f64, locale: Locale) -> String {
    let text = locale.number(value.abs(), 1);
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{text}")
    } else {
        format!("+{text}")
    }
}

/// The status an HTML answer takes for a page that exists.
/// Links to a published document in each language and `formats`: `href(language, format)`
/// is where each is served.
pub fn document_links(href: impl Fn(Locale, &str) -> String, formats: &[&str]) -> maud::Markup {
    maud::html! {
        @for lang in Locale::ALL {
            (lang.name()) " "
            @for format in formats {
                a href=(href(lang, format)) hreflang=(lang.tag()) { (format.to_uppercase()) }
                " "
            }
        }
    }
}

pub fn ok(markup: maud::Markup) -> Response {
    (StatusCode::OK, Html(markup.into_string())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_returned_to_after_signing_in() {
        assert_eq!(safe_next(Some("/reports?x=1")), "/reports?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(percent_encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
