//! The server's typed settings: defaults, then a TOML file, then `TENURE_*` variables
//! (e.g. `TENURE_LISTEN=0.0.0.0:8080`, `TENURE_SECURE_COOKIES=true`).

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tenure_store::SealingKey;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// A SQLite file path or a postgres:// URL.
    pub database_url: String,
    pub listen: String,
    /// Set whenever tenure is reached over TLS: cookies are marked Secure, and answers carry
    /// Strict-Transport-Security.
    pub secure_cookies: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Failed logins are counted over this window; past a limit, logins wait (never a permanent lock).
    pub login_window_seconds: i64,
    pub login_failures_per_account: i64,
    pub login_failures_per_address: i64,
    pub invitation_days: i64,
    /// The basic plan a new organization gets at sign-up, in days.
    pub trial_days: i64,
    pub max_token_days: i64,
    /// Requests a minute each API token may make (bursts up to a minute's worth); past it,
    /// 429 with `Retry-After`. 0 switches the limit off. Kept per `serve` process.
    pub token_requests_per_minute: u32,
    pub max_upload_megabytes: usize,
    /// Threads for training; never more than the cores left free.
    pub training_threads: usize,
    /// Workers inside `serve` running queued jobs; 0 leaves them all to `tenure worker`
    /// processes sharing the database. Two by default: heavy jobs (training, full scoring)
    /// take turns on one, so the other keeps re-scoring events and delivering warnings.
    pub workers: usize,
    /// Seconds a worker's claim on a job holds without renewal (a dead worker's job waits
    /// this long before another worker takes it).
    pub job_lease_seconds: u64,
    /// How long who-a-credential-is and an organization's current scores are reused before
    /// being read again (0 turns the caches off). Changes made through this process apply at once.
    pub cache_seconds: u64,
    /// The address people open tenure at: deliveries link to warnings under it.
    pub public_url: String,
    /// Milliseconds before a failed delivery's first retry; each later one waits twice as long.
    pub delivery_retry_ms: u64,
    /// Attempts before a delivery is dead (the dead-letter list).
    pub delivery_attempts: i64,
    /// The key that seals secrets at rest (webhook secrets, the SMTP password), as 64 hex
    /// digits (`TENURE_SECRET_KEY`); or
    pub secret_key: Option<SecretText>,
    /// the file holding it (`TENURE_SECRET_KEY_FILE`). Neither: the default key file, beside
    /// a SQLite database or `~/.config/tenure/secret.key` for PostgreSQL.
    pub secret_key_file: Option<PathBuf>,
    /// HTTPS of tenure's own: the certificate chain (`TENURE_TLS_CERT`) and its private key
    /// (`TENURE_TLS_KEY`), PEM files; both or neither. With them, cookies are Secure and
    /// answers carry Strict-Transport-Security.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// A font with Chinese glyphs for PDFs (`TENURE_PDF_FONT`, a .ttf, .otf or .ttc file);
    /// unset, the first of the system's CJK fonts found (Debian's fonts-wqy-microhei…).
    pub pdf_font: Option<PathBuf>,
}

/// Only one of the TLS settings was given.
#[derive(Debug, thiserror::Error)]
#[error("HTTPS needs both a certificate and its key: set tls_cert and tls_key (or --tls-cert and --tls-key) together")]
pub struct HalfTls;

/// A secret setting: kept out of `Debug` output (and so out of logs).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(…)")
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            database_url: "tenure.db".into(),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            login_window_seconds: 15 * 60,
            login_failures_per_account: 5,
            login_failures_per_address: 50,
            invitation_days: 7,
            trial_days: 30,
            max_token_days: 365,
            token_requests_per_minute: 600,
            max_upload_megabytes: 200,
            training_threads: 2,
            workers: 2,
            job_lease_seconds: 30,
            cache_seconds: 2,
            public_url: "http://127.0.0.1:8080".into(),
            delivery_retry_ms: 30_000,
            delivery_attempts: 6,
            secret_key: None,
            secret_key_file: None,
            tls_cert: None,
            tls_key: None,
            pdf_font: None,
        }
    }
}

impl Settings {
    /// Defaults, overridden by `file` (when given) and then by `TENURE_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("TENURE_").only(&Settings::field_names()))
            .extract()
            .map_err(Box::new)
    }

    /// Only the variables that name a setting are read, so `TENURE_TEST_DATABASE_URL` and
    /// friends are never mistaken for a misspelt setting.
    fn field_names() -> Vec<&'static str> {
        vec![
            "database_url",
            "listen",
            "secure_cookies",
            "session_idle_minutes",
            "session_absolute_hours",
            "login_window_seconds",
            "login_failures_per_account",
            "login_failures_per_address",
            "invitation_days",
            "trial_days",
            "max_token_days",
            "token_requests_per_minute",
            "max_upload_megabytes",
            "training_threads",
            "workers",
            "job_lease_seconds",
            "cache_seconds",
            "public_url",
            "delivery_retry_ms",
            "delivery_attempts",
            "secret_key",
            "secret_key_file",
            "tls_cert",
            "tls_key",
            "pdf_font",
        ]
    }

    /// The certificate and key to serve HTTPS with, if set.
    pub fn tls_files(&self) -> Result<Option<crate::TlsFiles>, HalfTls> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(crate::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            _ => Err(HalfTls),
        }
    }

    /// Where the key sealing the database's secrets comes from; `home` is the user's folder
    /// (for PostgreSQL's default key file).
    pub fn sealing_key(&self, home: Option<&Path>) -> SealingKey {
        match (&self.secret_key, &self.secret_key_file) {
            (Some(hex), _) => SealingKey::Hex(hex.0.clone()),
            (None, Some(file)) => SealingKey::File(file.clone()),
            (None, None) => SealingKey::default_for(&self.database_url, home),
        }
    }

    /// How this process's workers deliver warnings.
    pub fn delivery(&self) -> tenure_monitor::DeliverySettings {
        tenure_monitor::DeliverySettings::new(
            self.public_url.clone(),
            self.delivery_retry_ms,
            self.delivery_attempts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HTTPS needs both files; either alone is refused in words saying so.
    #[test]
    fn tls_takes_a_certificate_and_its_key_together() {
        let plain = Settings::default();
        assert!(plain.tls_files().unwrap().is_none());
        let both = Settings {
            tls_cert: Some("cert.pem".into()),
            tls_key: Some("key.pem".into()),
            ..Settings::default()
        };
        let files = both.tls_files().unwrap().unwrap();
        assert_eq!(
            (files.cert, files.key),
            ("cert.pem".into(), "key.pem".into())
        );
        let half = Settings {
            tls_key: Some("key.pem".into()),
            ..Settings::default()
        };
        let refused = half.tls_files().unwrap_err().to_string();
        assert!(
            refused.contains("both a certificate and its key"),
            "{refused}"
        );
    }

    #[test]
    fn a_file_overrides_defaults_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tenure.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\nsecure_cookies = true\n").unwrap();
        let settings = Settings::load(Some(&path)).unwrap();
        assert_eq!(settings.listen, "0.0.0.0:9000");
        assert!(settings.secure_cookies);
        assert_eq!(settings.session_idle_minutes, 30);
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let error = Settings::load(Some(&path)).unwrap_err().to_string();
        assert!(error.contains("lisen"), "{error}");
    }
}
