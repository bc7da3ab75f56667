//! Fetching an HRIS report from where the organization's source says: an HTTPS URL (no
//! sign-in, basic or bearer; a private CA may be trusted per source) or a file on an SFTP
//! server (password or private key; the server's host key pinned at the first pull and
//! required after). The bytes are held in memory and capped: a pull is one report, not a
//! stream.

use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use std::sync::Arc;
use tenure_store::{DataSource, SourceAuth};
use tokio::io::AsyncReadExt;

/// The largest report a pull takes (the upload limit's order of magnitude).
pub const MAX_REPORT_BYTES: u64 = 512 * 1024 * 1024;

/// Why a source could not be read. Each names what to check.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the source's location is not an https:// or sftp:// address: {0}")]
    Location(String),
    #[error("the source's CA certificate is not PEM: {0}")]
    Certificate(String),
    #[error("{url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} answered {status}; check the address and the credentials")]
    Status { url: String, status: u16 },
    #[error("the report is larger than {MAX_REPORT_BYTES} bytes")]
    TooLarge,
    #[error("the SFTP server's host key is {seen}, not the {pinned} seen at the first pull; if the server really changed its key, save the source again to pin the new one")]
    HostKeyChanged { seen: String, pinned: String },
    #[error("the SFTP server refused the sign-in as {user}")]
    SignInRefused { user: String },
    #[error("the source's private key cannot be read: {0}")]
    Key(String),
    #[error("SFTP: {0}")]
    Sftp(String),
}

/// A fetched report, and the SFTP host key seen (to pin at the first pull).
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub host_key: Option<String>,
}

/// The client HTTPS pulls share (a source with its own CA makes its own): a few redirects at
/// most, and five minutes for a report.
pub(crate) type PullClient = reqwest::Client;

pub(crate) fn pull_client() -> PullClient {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .expect("an HTTP client with rustls builds")
}

/// Fetches the source's report.
pub async fn fetch(source: &DataSource, http: &PullClient) -> Result<Fetched, FetchError> {
    if source.location.starts_with("https://") || source.location.starts_with("http://") {
        let bytes = fetch_https(source, http).await?;
        Ok(Fetched {
            bytes,
            host_key: None,
        })
    } else if let Some(rest) = source.location.strip_prefix("sftp://") {
        fetch_sftp(source, rest).await
    } else {
        Err(FetchError::Location(source.location.clone()))
    }
}

async fn fetch_https(source: &DataSource, shared: &PullClient) -> Result<Vec<u8>, FetchError> {
    let url = &source.location;
    // A source with its own CA gets a client of its own; the rest share one.
    let client = match &source.ca_certificate {
        Some(pem) => {
            let certificate = reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| FetchError::Certificate(e.to_string()))?;
            reqwest::Client::builder()
                .add_root_certificate(certificate)
                .redirect(reqwest::redirect::Policy::limited(3))
                .timeout(std::time::Duration::from_secs(300))
                .build()
                .map_err(|e| FetchError::Certificate(e.to_string()))?
        }
        None => shared.clone(),
    };
    let mut request = client.get(url);
    let secret = source.secret.as_deref().unwrap_or_default();
    request = match source.auth {
        SourceAuth::Basic => {
            request.basic_auth(source.username.as_deref().unwrap_or_default(), Some(secret))
        }
        SourceAuth::Bearer => request.bearer_auth(secret),
        _ => request,
    };
    let unreachable = |e: reqwest::Error| FetchError::Unreachable {
        url: url.clone(),
        reason: error_chain(&e),
    };
    let mut response = request.send().await.map_err(unreachable)?;
    if !response.status().is_success() {
        return Err(FetchError::Status {
            url: url.clone(),
            status: response.status().as_u16(),
        });
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_REPORT_BYTES)
    {
        return Err(FetchError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > MAX_REPORT_BYTES {
            return Err(FetchError::TooLarge);
        }
    }
    Ok(bytes)
}

/// Checks the server's host key against the pinned one, and remembers what it saw.
struct HostKeyCheck {
    pinned: Option<String>,
    seen: Arc<std::sync::Mutex<Option<String>>>,
}

impl russh::client::Handler for HostKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
        let fine = self.pinned.as_ref().is_none_or(|p| *p == fingerprint);
        *self.seen.lock().expect("host key lock") = Some(fingerprint);
        Ok(fine)
    }
}

async fn fetch_sftp(source: &DataSource, rest: &str) -> Result<Fetched, FetchError> {
    let (authority, path) = rest
        .split_once('/')
        .ok_or_else(|| FetchError::Location(source.location.clone()))?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| FetchError::Location(source.location.clone()))?,
        ),
        None => (authority, 22),
    };
    let path = format!("/{path}");
    let seen = Arc::new(std::sync::Mutex::new(None));
    let check = HostKeyCheck {
        pinned: source.host_key.clone(),
        seen: seen.clone(),
    };
    let config = Arc::new(russh::client::Config {
        inactivity_timeout: Some(std::time::Duration::from_secs(120)),
        ..Default::default()
    });
    let url = format!("sftp://{host}:{port}");
    let connected = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        russh::client::connect(config, (host, port), check),
    )
    .await
    .map_err(|_| FetchError::Unreachable {
        url: url.clone(),
        reason: "no answer within 30 seconds".into(),
    })?;
    let seen_key = || seen.lock().expect("host key lock").clone();
    let mut session = match connected {
        Ok(session) => session,
        Err(error) => {
            if let (Some(pinned), Some(seen)) = (&source.host_key, seen_key()) {
                if *pinned != seen {
                    return Err(FetchError::HostKeyChanged {
                        seen,
                        pinned: pinned.clone(),
                    });
                }
            }
            return Err(FetchError::Unreachable {
                url,
                reason: error.to_string(),
            });
        }
    };
    let user = source.username.clone().unwrap_or_default();
    let secret = source.secret.clone().unwrap_or_default();
    let sftp_error = |e: russh::Error| FetchError::Sftp(e.to_string());
    let signed_in = match source.auth {
        SourceAuth::Key => {
            let key = russh::keys::decode_secret_key(&secret, None)
                .map_err(|e| FetchError::Key(e.to_string()))?;
            let hash = session
                .best_supported_rsa_hash()
                .await
                .map_err(sftp_error)?
                .flatten();
            session
                .authenticate_publickey(&user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
                .await
                .map_err(sftp_error)?
        }
        _ => session
            .authenticate_password(&user, secret)
            .await
            .map_err(sftp_error)?,
    };
    if !signed_in.success() {
        return Err(FetchError::SignInRefused { user });
    }
    let channel = session.channel_open_session().await.map_err(sftp_error)?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(sftp_error)?;
    let sftp = russh_sftp::client::SftpSession::new(channel.into_stream())
        .await
        .map_err(|e| FetchError::Sftp(e.to_string()))?;
    let mut file = sftp
        .open(&path)
        .await
        .map_err(|e| FetchError::Sftp(format!("{path}: {e}")))?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| FetchError::Sftp(format!("{path}: {e}")))?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(FetchError::TooLarge);
    }
    let _ = sftp.close().await;
    let _ = session
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    Ok(Fetched {
        bytes,
        host_key: seen_key(),
    })
}

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
