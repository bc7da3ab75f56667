//! Where scheduled pulls fetch from in the tests: an HTTPS server (rustls, a self-signed
//! certificate for `localhost` that the source trusts as its CA) asking for a basic sign-in,
//! and OpenSSH's own `sshd` from Debian (started by the test on a free port, signing in by
//! key, serving files with `internal-sftp`). Each serves a report the test changes.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const REPORT_USER: &str = "tenure-pull";
pub const REPORT_PASSWORD: &str = "a report password";

/// An HTTPS report URL with basic sign-in.
pub struct HttpsReport {
    pub url: String,
    /// The certificate to trust (PEM).
    pub certificate: String,
    report: Arc<Mutex<String>>,
    requests: Arc<Mutex<usize>>,
}

impl HttpsReport {
    pub async fn start(report: &str) -> HttpsReport {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            certified.cert.pem().into_bytes(),
            certified.key_pair.serialize_pem().into_bytes(),
        )
        .await
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(Mutex::new(report.to_owned()));
        let requests = Arc::new(Mutex::new(0));
        let (text, count) = (served.clone(), requests.clone());
        let app = axum::Router::new().route(
            "/hris/report.csv",
            axum::routing::get(move |headers: HeaderMap| {
                let (text, count) = (text.clone(), count.clone());
                async move {
                    *count.lock().unwrap() += 1;
                    let expected = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{REPORT_USER}:{REPORT_PASSWORD}"))
                    );
                    let signed_in = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        == Some(expected.as_str());
                    if !signed_in {
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    let body = text.lock().unwrap().clone();
                    ([(header::CONTENT_TYPE, "text/csv")], body).into_response()
                }
            }),
        );
        let server = axum_server::from_tcp_rustls(listener, config).unwrap();
        tokio::spawn(async move {
            let _ = server.serve(app.into_make_service()).await;
        });
        HttpsReport {
            url: format!("https://localhost:{port}/hris/report.csv"),
            certificate: certified.cert.pem(),
            report: served,
            requests,
        }
    }

    pub fn serve(&self, report: &str) {
        *self.report.lock().unwrap() = report.to_owned();
    }

    pub fn requests(&self) -> usize {
        *self.requests.lock().unwrap()
    }
}

/// OpenSSH's sshd on a free port, serving SFTP to one key: the report is a file in its folder.
pub struct SftpServer {
    child: Child,
    pub port: u16,
    /// The user to sign in as (whoever runs the test: sshd can only let them in).
    pub user: String,
    /// The private key that signs in (OpenSSH format).
    pub private_key: String,
    /// The report's absolute path on the server.
    pub report_path: PathBuf,
    dir: tempfile::TempDir,
}

impl Drop for SftpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SSHD: &str = "/usr/sbin/sshd";

impl SftpServer {
    /// Starts sshd. Fails the test when it is not installed: an SFTP test that passes
    /// without an SFTP server proves nothing (`scripts/prerequisites.sh` installs it).
    pub async fn start(report: &str) -> SftpServer {
        assert!(
            std::path::Path::new(SSHD).exists(),
            "{SSHD} is missing: install Debian's openssh-server (scripts/prerequisites.sh does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let keygen = |file: &str| {
            let done = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(dir.path().join(file))
                .status()
                .unwrap();
            assert!(done.success(), "ssh-keygen {file}");
        };
        keygen("host_key");
        keygen("client_key");
        std::fs::copy(
            dir.path().join("client_key.pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        let report_path = dir.path().join("report.csv");
        std::fs::write(&report_path, report).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\n\
                 AuthorizedKeysFile {keys}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                 PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n",
                host = dir.path().join("host_key").display(),
                pid = dir.path().join("sshd.pid").display(),
                keys = dir.path().join("authorized_keys").display(),
            ),
        )
        .unwrap();
        // sshd insists on its privilege-separation folder.
        let _ = std::fs::create_dir_all("/run/sshd");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_owned();
        SftpServer {
            child,
            port,
            user,
            private_key: std::fs::read_to_string(dir.path().join("client_key")).unwrap(),
            report_path,
            dir,
        }
    }

    pub fn location(&self) -> String {
        format!(
            "sftp://127.0.0.1:{}{}",
            self.port,
            self.report_path.display()
        )
    }

    pub fn serve(&self, report: &str) {
        std::fs::write(&self.report_path, report).unwrap();
    }

    /// The server's host key as `SHA256:…`, as ssh-keygen prints it.
    pub fn host_key_fingerprint(&self) -> String {
        let out = Command::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(self.dir.path().join("host_key.pub"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_owned()
    }
}
