//! Talking to an organization's OpenID Connect provider: the authorization request (code flow
//! with PKCE S256, a state and a nonce) and, back at the callback, the code exchanged for an
//! ID token whose signature, issuer, audience, expiry, nonce and access-token hash are checked
//! before any claim is read. Claims the ID token lacks (address, groups) are read from the
//! provider's user-info endpoint, as providers that keep ID tokens small send them there.
//!
//! The provider is discovered at each step rather than cached, so keys it rotates are picked
//! up at once; a sign-in costs two extra small requests.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tenure_store::SignOnSettings;

pub use openidconnect::reqwest::Client as HttpClient;

/// The HTTP client sign-in talks to providers with: no redirects followed (a provider that
/// redirected its token endpoint could point tenure at an internal address) and a time limit.
pub fn http_client() -> HttpClient {
    openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("an HTTP client with rustls builds")
}

/// Why talking to the provider failed. The texts name the provider and the step, for the page
/// the person sees and the log the administrator reads.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the identity provider's address is not usable: {0}")]
    Address(String),
    #[error("the identity provider at {issuer} could not be discovered ({reason}); check the issuer URL in the sign-on settings")]
    Discovery { issuer: String, reason: String },
    #[error("the identity provider did not accept the sign-in code: {0}")]
    Exchange(String),
    #[error("the identity provider's ID token failed its checks: {0}")]
    IdToken(String),
    #[error("the identity provider's user information could not be read: {0}")]
    UserInfo(String),
}

/// Where to send the browser, and what the callback must remember to check the answer.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in, as tenure reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderIdentity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub manager_key: Option<String>,
}

/// Every claim the standard ones do not cover, by name: the group claim and the reporting
/// line's are named in each organization's settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct OtherClaims {
    #[serde(flatten)]
    claims: BTreeMap<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type FullIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

async fn discover(
    settings: &SignOnSettings,
    redirect_url: &str,
    http: &HttpClient,
) -> Result<DiscoveredClient, ProviderError> {
    let issuer = IssuerUrl::new(settings.issuer.clone())
        .map_err(|e| ProviderError::Address(format!("issuer {}: {e}", settings.issuer)))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| ProviderError::Discovery {
            issuer: settings.issuer.clone(),
            reason: error_chain(&e),
        })?;
    let redirect = RedirectUrl::new(redirect_url.to_owned())
        .map_err(|e| ProviderError::Address(format!("redirect {redirect_url}: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        Some(ClientSecret::new(settings.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

/// The authorization request for `settings`' provider, answering at `redirect_url`.
pub async fn authorization(
    settings: &SignOnSettings,
    redirect_url: &str,
    http: &HttpClient,
) -> Result<Authorization, ProviderError> {
    let client = discover(settings, redirect_url, http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in settings.scopes.iter().filter(|s| s.as_str() != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.url();
    Ok(Authorization {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Exchanges the callback's `code` and reads who signed in, after every check.
pub async fn identity(
    settings: &SignOnSettings,
    redirect_url: &str,
    http: &HttpClient,
    code: &str,
    nonce: &str,
    pkce_verifier: &str,
) -> Result<ProviderIdentity, ProviderError> {
    let client = discover(settings, redirect_url, http).await?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| ProviderError::Exchange(error_chain(&e)))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
        .request_async(http)
        .await
        .map_err(|e| ProviderError::Exchange(error_chain(&e)))?;
    let sent = response
        .id_token()
        .ok_or_else(|| ProviderError::IdToken("the answer carried no ID token".into()))?;
    // The core token type drops claims it does not know; read the same token with them kept.
    let token: FullIdToken = sent
        .to_string()
        .parse()
        .map_err(|e: serde_json::Error| ProviderError::IdToken(e.to_string()))?;
    let verifier = client.id_token_verifier();
    let claims = token
        .claims(&verifier, &Nonce::new(nonce.to_owned()))
        .map_err(|e| ProviderError::IdToken(error_chain(&e)))?;
    if let Some(expected) = claims.access_token_hash() {
        let algorithm = token
            .signing_alg()
            .map_err(|e| ProviderError::IdToken(error_chain(&e)))?;
        let key = token
            .signing_key(&verifier)
            .map_err(|e| ProviderError::IdToken(error_chain(&e)))?;
        let actual = AccessTokenHash::from_token(response.access_token(), algorithm, key)
            .map_err(|e| ProviderError::IdToken(error_chain(&e)))?;
        if actual != *expected {
            return Err(ProviderError::IdToken(
                "the access token does not match the ID token's at_hash".into(),
            ));
        }
    }
    let mut identity = ProviderIdentity {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        ..ProviderIdentity::default()
    };
    read_other_claims(&mut identity, &claims.additional_claims().claims, settings);
    let incomplete = identity.email.is_none() || identity.groups.is_empty();
    if incomplete {
        if let Ok(request) = client.user_info(
            response.access_token().clone(),
            Some(claims.subject().clone()),
        ) {
            let info: UserInfoClaims<OtherClaims, CoreGenderClaim> = request
                .request_async(http)
                .await
                .map_err(|e| ProviderError::UserInfo(error_chain(&e)))?;
            identity.email = identity
                .email
                .or_else(|| info.email().map(|e| e.as_str().to_owned()));
            identity.email_verified = identity.email_verified.or(info.email_verified());
            identity.name = identity.name.or_else(|| {
                info.name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned())
            });
            if identity.groups.is_empty() || identity.manager_key.is_none() {
                read_other_claims(&mut identity, &info.additional_claims().claims, settings);
            }
        }
    }
    Ok(identity)
}

/// The groups and the reporting line from the claims the settings name, where not read yet.
/// Groups come as a list of names (or one name); a reporting line as text or a number.
fn read_other_claims(
    identity: &mut ProviderIdentity,
    claims: &BTreeMap<String, serde_json::Value>,
    settings: &SignOnSettings,
) {
    use serde_json::Value;
    if identity.groups.is_empty() {
        identity.groups = match claims.get(&settings.groups_claim) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
    }
    if identity.manager_key.is_none() {
        identity.manager_key = match claims.get(&settings.manager_key_claim) {
            Some(Value::String(key)) => Some(key.clone()),
            Some(Value::Number(key)) => Some(key.to_string()),
            _ => None,
        };
    }
}

/// An error with its causes, for a message that says what actually went wrong.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> SignOnSettings {
        SignOnSettings {
            issuer: "https://idp.example".into(),
            client_id: "tenure".into(),
            client_secret: "secret".into(),
            scopes: vec![],
            allowed_domains: vec![],
            groups_claim: "roles".into(),
            manager_key_claim: "employee_number".into(),
            group_grants: vec![],
            password_sign_in: true,
            updated_at: String::new(),
        }
    }

    #[test]
    fn groups_and_the_reporting_line_are_read_from_the_named_claims() {
        let claims: BTreeMap<String, serde_json::Value> = serde_json::from_value(json!({
            "roles": ["tenure-hr", 7, "tenure-owners"],
            "groups": ["ignored"],
            "employee_number": 1042
        }))
        .unwrap();
        let mut identity = ProviderIdentity::default();
        read_other_claims(&mut identity, &claims, &settings());
        assert_eq!(identity.groups, ["tenure-hr", "tenure-owners"]);
        assert_eq!(identity.manager_key.as_deref(), Some("1042"));
        let one: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(json!({"roles": "tenure-hr"})).unwrap();
        let mut identity = ProviderIdentity::default();
        read_other_claims(&mut identity, &one, &settings());
        assert_eq!(identity.groups, ["tenure-hr"]);
        assert_eq!(identity.manager_key, None);
    }
}
