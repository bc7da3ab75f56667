//! Signing in through the organization's identity provider, in the browser. The start sends
//! the browser to the provider with a state, a nonce and a PKCE challenge, and ties the attempt
//! to this browser with a short-lived cookie (so nobody can sign a victim in to the attacker's
//! account by sending them a callback link). The callback checks all of it, applies what the
//! provider's groups grant — a just-made account, a changed role, or access ended — and opens
//! a new session, or says plainly why not.

use super::browser_locale;
use super::layout::{bare, forwarding};
use crate::auth::{cookie_named, session_cookie};
use crate::error::ApiError;
use crate::oidc::{self, ProviderError};
use crate::routes::accounts::open_session;
use crate::routes::record_audit;
use crate::routes::sign_on::redirect_uri;
use crate::secrets::{hash_secret, new_secret, same_secret};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use tenure_domain::{OrgId, SignOnRefusal, SignOnRules};
use tenure_report::{Locale, Words};
use tenure_store::{AuditEntry, SignOnAttempt, SignOnOutcome, SignedOnIdentity, SIGN_ON_MINUTES};

/// Ties a sign-in under way to the browser that started it. SameSite=Lax: it must come back
/// with the provider's cross-site redirect, which a Strict cookie would not.
const ATTEMPT_COOKIE: &str = "tenure_sign_on";

/// Why single sign-on did not sign someone in, as the person is told.
#[derive(Debug, thiserror::Error)]
enum SignOnProblem {
    #[error("the organization {0:?} has not set up single sign-on; sign in with your e-mail address and password")]
    NotSetUp(String),
    #[error(
        "this sign-in expired, was already used, or was started in another browser; start again"
    )]
    Stale,
    #[error("the identity provider did not sign you in: {0}")]
    ProviderSaid(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Refused(#[from] SignOnRefusal),
    #[error("your groups no longer make you an owner, and the organization would be left without one; another owner must be named first")]
    LastOwner,
    #[error("tenure could not complete the sign-in; try again in a moment")]
    Internal,
}

impl SignOnProblem {
    fn status(&self) -> StatusCode {
        match self {
            SignOnProblem::NotSetUp(_) => StatusCode::NOT_FOUND,
            SignOnProblem::Stale => StatusCode::BAD_REQUEST,
            SignOnProblem::ProviderSaid(_) | SignOnProblem::Refused(_) => StatusCode::FORBIDDEN,
            SignOnProblem::Provider(_) => StatusCode::BAD_GATEWAY,
            SignOnProblem::LastOwner => StatusCode::CONFLICT,
            SignOnProblem::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<ApiError> for SignOnProblem {
    fn from(error: ApiError) -> SignOnProblem {
        tracing::error!(?error, "single sign-on failed inside tenure");
        SignOnProblem::Internal
    }
}

impl From<tenure_store::StoreError> for SignOnProblem {
    fn from(error: tenure_store::StoreError) -> SignOnProblem {
        SignOnProblem::from(ApiError::from(error))
    }
}

#[derive(Deserialize)]
pub struct StartQuery {
    organization: Option<String>,
}

/// `GET /sign-on?organization=<slug>`: the sign-in page's form. It answers a page that moves
/// on to the provider rather than a redirect: the pages' `form-action 'self'` policy would
/// stop a form's navigation redirected to another site.
pub async fn start_from_form(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<StartQuery>,
) -> Response {
    let slug = query.organization.unwrap_or_default();
    let locale = browser_locale(&parts);
    match begin(&state, slug.trim()).await {
        Ok((url, browser)) => {
            let w = |words: Words| words.in_(locale);
            let page = forwarding(
                locale,
                w(Words::SignOnTitle),
                &url,
                html! {
                    div.card.narrow {
                        h1 { (w(Words::SignOnTitle)) }
                        p { a href=(url) { (w(Words::SignOnButton)) } }
                    }
                },
            );
            let cookie = attempt_cookie(&state, &browser, SIGN_ON_MINUTES * 60);
            (
                StatusCode::OK,
                [(header::SET_COOKIE, cookie)],
                Html(page.into_string()),
            )
                .into_response()
        }
        Err(problem) => refusal(locale, &problem),
    }
}

/// `GET /sign-on/{organization}`: off to the organization's identity provider (a link
/// an organization can put on its intranet).
pub async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
) -> Response {
    match begin(&state, &slug).await {
        Ok((url, browser)) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, url),
                (
                    header::SET_COOKIE,
                    attempt_cookie(&state, &browser, SIGN_ON_MINUTES * 60),
                ),
            ],
        )
            .into_response(),
        Err(problem) => refusal(browser_locale(&parts), &problem),
    }
}

/// The provider's authorization URL, and the secret the browser keeps for the callback.
async fn begin(state: &AppState, slug: &str) -> Result<(String, String), SignOnProblem> {
    let not_set_up = || SignOnProblem::NotSetUp(slug.to_owned());
    let org = state
        .store
        .organization(slug)
        .await?
        .ok_or_else(not_set_up)?;
    let settings = state
        .store
        .sign_on_settings(org.id)
        .await?
        .ok_or_else(not_set_up)?;
    let authorization =
        oidc::authorization(&settings, &redirect_uri(state), &state.sign_on_http).await?;
    let browser = new_secret("");
    let attempt = SignOnAttempt {
        org: org.id,
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        browser_hash: hash_secret(&browser),
    };
    state
        .store
        .begin_sign_on(
            &hash_secret(&authorization.state),
            &attempt,
            state.clock().now(),
        )
        .await?;
    Ok((authorization.url, browser))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    /// Which provider answered (RFC 9207), where the provider says.
    iss: Option<String>,
}

/// `GET /sign-on/callback`: where the provider sends the browser back.
pub async fn callback(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let locale = browser_locale(&parts);
    let browser = cookie_named(&parts, ATTEMPT_COOKIE);
    let cleared = attempt_cookie(&state, "", 0);
    match finish(&state, &query, browser.as_deref()).await {
        Ok(session_cookie_value) => {
            // Whatever session the browser brought ends: the new one has a new id.
            if let Some(old) = session_cookie(&parts) {
                let old = hash_secret(&old);
                if state.store.end_session(&old).await.is_ok() {
                    state.caches.forget_credential(&old);
                }
            }
            let w = |words: Words| words.in_(locale);
            let page = forwarding(
                locale,
                w(Words::SignOnTitle),
                "/",
                html! {
                    div.card.narrow {
                        h1 { "tenure" }
                        p role="status" { (w(Words::SignedOnContinue)) }
                        p { a href="/" { (w(Words::Overview)) } }
                    }
                },
            );
            let mut response = (StatusCode::OK, Html(page.into_string())).into_response();
            let headers = response.headers_mut();
            for cookie in [session_cookie_value, cleared] {
                if let Ok(value) = cookie.parse() {
                    headers.append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(problem) => {
            let mut response = refusal(locale, &problem);
            if let Ok(value) = cleared.parse() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
    }
}

/// Checks the callback and applies it; the new session's cookie when someone is signed in.
async fn finish(
    state: &AppState,
    query: &CallbackQuery,
    browser: Option<&str>,
) -> Result<String, SignOnProblem> {
    let now = state.clock().now();
    let attempt = match &query.state {
        Some(sent) => state.store.take_sign_on(&hash_secret(sent), now).await?,
        None => None,
    };
    if let Some(error) = &query.error {
        return Err(SignOnProblem::ProviderSaid(
            query
                .error_description
                .clone()
                .unwrap_or_else(|| error.clone()),
        ));
    }
    let attempt = attempt
        .filter(|a| browser.is_some_and(|b| same_secret(&hash_secret(b), &a.browser_hash)))
        .ok_or(SignOnProblem::Stale)?;
    let code = query.code.as_deref().ok_or(SignOnProblem::Stale)?;
    let org = attempt.org;
    let settings = state
        .store
        .sign_on_settings(org)
        .await?
        .ok_or_else(|| SignOnProblem::NotSetUp(org.0.to_string()))?;
    // A mix-up attack answers with another provider's code: refuse what names another issuer.
    if let Some(iss) = &query.iss {
        if iss.trim_end_matches('/') != settings.issuer {
            return Err(SignOnProblem::ProviderSaid(format!(
                "the answer names another identity provider ({iss})"
            )));
        }
    }
    let identity = oidc::identity(
        &settings,
        &redirect_uri(state),
        &state.sign_on_http,
        code,
        &attempt.nonce,
        &attempt.pkce_verifier,
    )
    .await?;
    let rules = SignOnRules {
        allowed_domains: settings.allowed_domains.clone(),
        grants: settings.group_grants.clone(),
        manager_key_claim: settings.manager_key_claim.clone(),
    };
    let email = rules.admit(identity.email.as_deref(), identity.email_verified)?;
    let grant = rules.grant(&identity.groups, identity.manager_key.as_deref());
    let signed_on = SignedOnIdentity {
        subject: &identity.subject,
        email: &email,
        display_name: identity.name.as_deref().unwrap_or(&email),
        grant: grant.as_ref().ok(),
    };
    let outcome = state.store.complete_sign_on(org, &signed_on, now).await?;
    state.forget_organization(org);
    match outcome {
        SignOnOutcome::Member { user_id, created } => {
            let action = if created {
                "sign_on.account_created"
            } else {
                "sign_on.signed_in"
            };
            audit(state, org, user_id, action).await?;
            let (cookie, _) = open_session(state, org, user_id).await?;
            Ok(cookie)
        }
        SignOnOutcome::NoAccess { user_id, ended } => {
            if let (Some(user_id), true) = (user_id, ended) {
                audit(state, org, user_id, "sign_on.access_ended").await?;
            }
            Err(grant
                .err()
                .map_or(SignOnProblem::Internal, SignOnProblem::Refused))
        }
        SignOnOutcome::LastOwner => Err(SignOnProblem::LastOwner),
    }
}

async fn audit(state: &AppState, org: OrgId, user_id: i64, action: &str) -> Result<(), ApiError> {
    record_audit(
        state,
        AuditEntry {
            org,
            actor: format!("user:{user_id}"),
            action: action.to_owned(),
            subject: format!("user:{user_id}"),
            request_id: String::new(),
        },
    )
    .await
}

fn attempt_cookie(state: &AppState, value: &str, max_age_seconds: i64) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{ATTEMPT_COOKIE}={value}; Path=/sign-on; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
}

fn refusal(locale: Locale, problem: &SignOnProblem) -> Response {
    if let SignOnProblem::Provider(error) = problem {
        tracing::warn!(%error, "single sign-on: the identity provider failed");
    }
    let w = |words: Words| words.in_(locale);
    let page = bare(
        locale,
        w(Words::SignOnRefused),
        html! {
            div.card.narrow {
                h1 { (w(Words::SignOnRefused)) }
                p.error role="alert" { (sentence(&problem.to_string())) }
                p { a href="/signin" { (w(Words::BackToSignIn)) } }
            }
        },
    );
    (problem.status(), Html(page.into_string())).into_response()
}

/// An error's text as a sentence: a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut sentence: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}
