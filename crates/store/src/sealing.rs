//! Secrets at rest: webhook signing secrets and e-mail settings (with the SMTP password) are
//! stored sealed with ChaCha20-Poly1305 under a key kept outside the database — given as 64
//! hex digits, or in a key file created readable by its owner only on first use (by default
//! `<database file>.key` beside a SQLite file, `~/.config/tenure/secret.key` for PostgreSQL).
//! The caller says which ([`SealingKey`]: the binaries take it from `TENURE_SECRET_KEY` or
//! `TENURE_SECRET_KEY_FILE`). A copy of the database alone reveals no secret.

use crate::connect::sqlite_file;
use crate::error::StoreError;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::path::{Path, PathBuf};

const PREFIX: &str = "sealed:v1:";

/// Where the key that seals secrets at rest comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SealingKey {
    /// The key itself: 64 hex digits.
    Hex(String),
    /// A file holding it, created (readable by its owner only) when missing.
    File(PathBuf),
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealingKey::Hex(_) => f.write_str("SealingKey::Hex(…)"),
            SealingKey::File(path) => write!(f, "SealingKey::File({})", path.display()),
        }
    }
}

impl SealingKey {
    /// The key file used unless one is named: `<file>.key` beside a SQLite database, or
    /// `.config/tenure/secret.key` under the user's `home` for PostgreSQL.
    pub fn default_for(location: &str, home: Option<&Path>) -> SealingKey {
        SealingKey::File(match sqlite_file(location) {
            Some(file) => PathBuf::from(format!("{}.key", file.display())),
            None => home.map_or_else(
                || PathBuf::from("tenure-secret.key"),
                |home| home.join(".config/tenure/secret.key"),
            ),
        })
    }
}

/// The key secrets are sealed with.
#[derive(Clone)]
pub(crate) struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(…)")
    }
}

impl Sealer {
    /// The key as given, or read from its key file (created when missing).
    pub(crate) fn load(key: &SealingKey) -> Result<Sealer, StoreError> {
        let path = match key {
            SealingKey::Hex(hex_key) => {
                return Sealer::from_hex(hex_key).ok_or_else(|| {
                    StoreError::Refused("the secret key must be 64 hex digits".into())
                })
            }
            SealingKey::File(path) => path,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Sealer::from_hex(text.trim()).ok_or_else(|| {
                StoreError::Refused(format!("{}: expected 64 hex digits", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
            Err(e) => Err(StoreError::Refused(format!(
                "the secret key file {} can't be read: {e}",
                path.display()
            ))),
        }
    }

    fn from_hex(text: &str) -> Option<Sealer> {
        let bytes = hex::decode(text).ok().filter(|b| b.len() == 32)?;
        Some(Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }

    /// `sealed:v1:<nonce>:<ciphertext>`, hex; a fresh random nonce each time.
    pub(crate) fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce).expect("the OS random generator is available");
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("sealing a short text cannot fail");
        format!("{PREFIX}{}:{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// The plaintext of a sealed value (a value stored before sealing existed is returned
    /// as it is).
    pub(crate) fn open(&self, stored: &str) -> Result<String, StoreError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let wrong = || {
            StoreError::Corrupt("a sealed secret does not open with this key (is TENURE_SECRET_KEY the one it was sealed with?)".into())
        };
        let (nonce, sealed) = rest.split_once(':').ok_or_else(wrong)?;
        let nonce = hex::decode(nonce)
            .ok()
            .filter(|n| n.len() == 12)
            .ok_or_else(wrong)?;
        let sealed = hex::decode(sealed).map_err(|_| wrong())?;
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&nonce), sealed.as_slice())
            .map_err(|_| wrong())?;
        String::from_utf8(plain).map_err(|_| wrong())
    }
}

/// Writes a fresh key to `path` whole or not at all: written beside it first, then linked
/// into place, so a process starting at the same moment never reads half a key — if another
/// got there first, its key is the one used.
fn create_key_file(path: &Path) -> Result<Sealer, StoreError> {
    let refused = |e: std::io::Error| {
        StoreError::Refused(format!(
            "the secret key file {} can't be written: {e}",
            path.display()
        ))
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(refused)?;
    }
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).expect("the OS random generator is available");
    let text = hex::encode(key);
    let draft = PathBuf::from(format!("{}.{}.new", path.display(), hex::encode(&key[..4])));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&draft).map_err(refused)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(refused)?;
    file.sync_all().map_err(refused)?;
    let linked = std::fs::hard_link(&draft, path);
    let _ = std::fs::remove_file(&draft);
    match linked {
        Ok(()) => Ok(Sealer::from_hex(&text).expect("64 hex digits")),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(refused)?;
            Sealer::from_hex(text.trim()).ok_or_else(|| {
                StoreError::Refused(format!("{}: expected 64 hex digits", path.display()))
            })
        }
        Err(e) => Err(refused(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_differs_every_time() {
        let a = Sealer::from_hex(&"11".repeat(32)).unwrap();
        let b = Sealer::from_hex(&"22".repeat(32)).unwrap();
        let (one, two) = (a.seal("whsec_abc"), a.seal("whsec_abc"));
        assert_ne!(one, two);
        assert!(!one.contains("whsec_abc"));
        assert_eq!(a.open(&one).unwrap(), "whsec_abc");
        assert!(b.open(&one).is_err());
        assert_eq!(a.open("plain, from before").unwrap(), "plain, from before");
    }
}
