//! `tenure serve`: answers health checks, and stops gracefully on SIGTERM.

use crate::support::*;
use std::process::Command;

#[test]
fn serve_answers_health_checks_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tenure.db");
    let mut server = Command::new(TENURE)
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env_remove("TENURE_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let address = first_line
        .trim()
        .strip_prefix("tenure listening on http://")
        .unwrap_or_else(|| panic!("{first_line}"))
        .to_owned();
    let mut connection = std::net::TcpStream::connect(&address).unwrap();
    write!(
        connection,
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    connection.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.ends_with(r#"{"live":true,"ready":true,"database":"reachable","stopping":false}"#),
        "{response}"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = server.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let logs = stderr(&output);
    assert!(
        logs.lines().all(|l| l.starts_with('{')),
        "JSON lines: {logs}"
    );
    assert!(
        logs.contains("\"route\":\"/healthz\"") && logs.contains("stopped"),
        "{logs}"
    );
}
