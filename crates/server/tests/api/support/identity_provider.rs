//! A real OpenID Connect provider for the single sign-on tests: panva's `oidc-provider` from
//! npm (installed by `scripts/browser-prerequisites.sh`), run by Node from
//! `tests/browser/identity-provider.mjs`. It answers as `http://localhost:<port>` — another
//! site than the server under test at 127.0.0.1, as a real provider is — and reads its
//! accounts from a JSON file the test rewrites to change someone's groups.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const CLIENT_ID: &str = "tenure-test";
pub const CLIENT_SECRET: &str = "a-client-secret-for-the-test-provider";

pub struct IdentityProvider {
    child: Child,
    pub issuer: String,
    accounts: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl IdentityProvider {
    /// Starts the provider for a client sending people back to `redirect_uri`, with
    /// `accounts` (login name → claims). Fails the test when Node or the package is missing:
    /// a sign-on test that passes without a provider would prove nothing.
    pub async fn start(redirect_uri: &str, accounts: &Value) -> IdentityProvider {
        let browser_tests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
        assert!(
            browser_tests.join("node_modules/oidc-provider").exists(),
            "oidc-provider is missing: run `npm ci --prefix crates/server/tests/browser` \
             (scripts/browser-prerequisites.sh does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let accounts_file = dir.path().join("accounts.json");
        std::fs::write(&accounts_file, accounts.to_string()).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("node")
            .arg(browser_tests.join("identity-provider.mjs"))
            .current_dir(&browser_tests)
            .env("PORT", port.to_string())
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .env("ACCOUNTS", &accounts_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs (scripts/browser-prerequisites.sh installs it)");
        let provider = IdentityProvider {
            child,
            issuer: format!("http://localhost:{port}"),
            accounts: accounts_file,
            _dir: dir,
        };
        let discovery = format!("{}/.well-known/openid-configuration", provider.issuer);
        for _ in 0..100 {
            if let Ok(answer) = reqwest::get(&discovery).await {
                if answer.status().is_success() {
                    return provider;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the identity provider did not answer at {discovery} within ten seconds");
    }

    /// Replaces the accounts: the next sign-in reads them.
    pub fn set_accounts(&self, accounts: &Value) {
        std::fs::write(&self.accounts, accounts.to_string()).unwrap();
    }
}
