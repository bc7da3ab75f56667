//! Trust properties checked by reading the whole source tree: what the code can do at all.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every Rust file under `crates/*/src`, with its path relative to the workspace.
fn sources() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![workspace().join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "target" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.components().any(|c| c.as_os_str() == "src")
            {
                let relative = path
                    .strip_prefix(workspace())
                    .unwrap()
                    .display()
                    .to_string();
                found.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(found.len() > 50, "only {} sources found", found.len());
    found
}

/// The code outside `#[cfg(test)]` modules (tests may open sockets to their own servers).
fn without_tests(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap()
}

/// Where an outbound connection may start, and where it goes: each only where the
/// organization's own settings say — its webhooks and mail server, its own HRIS (a scheduled
/// pull of the records it already holds, issue 25), and its own identity provider.
const OUTBOUND: [&str; 3] = [
    "crates/monitor/src/delivery.rs",
    "crates/monitor/src/fetch.rs",
    "crates/server/src/oidc.rs",
];

/// TRUST 17: nothing fetches anything from outside the organization's own systems. Only
/// delivery (configured webhooks and SMTP), scheduled pulls (the organization's configured
/// HRIS source) and single sign-on (its configured identity provider) open outbound
/// connections, each to the address its settings give; no other crate depends on an HTTP
/// client, and no source names a job site, résumé or social-media service.
#[test]
fn only_delivery_pulls_and_sign_on_reach_outside_and_only_where_the_organization_says() {
    let outbound = [
        "reqwest::",
        "lettre::",
        "TcpStream::connect",
        "UdpSocket",
        "hyper::client",
        "ureq::",
        "curl::",
        "ToSocketAddrs",
    ];
    for (path, text) in sources() {
        for call in outbound {
            if without_tests(&text).contains(call) {
                assert!(
                    OUTBOUND.contains(&path.as_str()),
                    "{path} reaches outside with {call}"
                );
            }
        }
        let lower = text.to_lowercase();
        for source in [
            "linkedin",
            "indeed.com",
            "glassdoor",
            "twitter.com",
            "facebook.com",
            "xing.com",
        ] {
            assert!(!lower.contains(source), "{path} names {source}");
        }
    }
    for crate_dir in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let manifest = crate_dir.unwrap().path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let dependencies = text.split("[dev-dependencies]").next().unwrap();
        for client in ["reqwest", "lettre", "ureq", "curl", "hyper"] {
            if dependencies.lines().any(|l| l.starts_with(client)) {
                assert!(
                    manifest.ends_with("monitor/Cargo.toml"),
                    "{} depends on {client}",
                    manifest.display()
                );
            }
        }
    }
    // Delivery posts only to a webhook's stored address and sends only through the
    // organization's SMTP settings.
    let delivery =
        std::fs::read_to_string(workspace().join("crates/monitor/src/delivery.rs")).unwrap();
    let code = without_tests(&delivery);
    assert_eq!(code.matches(".post(").count(), 1, "one HTTP call");
    assert!(
        code.contains("post_webhook(\n") || code.contains("post_webhook(&hook.url"),
        "posts only through post_webhook"
    );
    assert_eq!(
        code.matches("post_webhook(").count(),
        2,
        "defined once, called once"
    );
    // A pull fetches only the source's own location: one GET to it, one SSH connection to
    // the host its location names.
    let fetch = std::fs::read_to_string(workspace().join("crates/monitor/src/fetch.rs")).unwrap();
    let code = without_tests(&fetch);
    assert_eq!(code.matches(".get(").count(), 1, "one HTTP call");
    assert!(code.contains("let url = &source.location;") && code.contains("client.get(url)"));
    assert_eq!(code.matches("russh::client::connect(").count(), 1);
    assert!(code.contains(".strip_prefix(\"sftp://\")"));
    // Sign-on talks only to the configured issuer (discovery, then the endpoints its own
    // document names).
    let oidc = std::fs::read_to_string(workspace().join("crates/server/src/oidc.rs")).unwrap();
    let code = without_tests(&oidc);
    assert_eq!(code.matches("discover_async(").count(), 1);
    assert!(code.contains("IssuerUrl::new(settings.issuer.clone())"));
}

/// TRUST 18: protected attributes are written apart from model inputs and read by one
/// query, the fairness audit's (besides a count, erasure, and a person's own export).
#[test]
fn protected_attributes_are_read_only_by_the_fairness_audit() {
    let mut readers = Vec::new();
    for (path, text) in sources() {
        let code = without_tests(&text);
        for line in code
            .lines()
            .filter(|l| l.contains("FROM protected_attributes"))
        {
            let what = if line.contains("DELETE FROM") {
                "delete"
            } else if line.contains("COUNT(*)") {
                "count"
            } else {
                "read"
            };
            readers.push((path.clone(), what));
        }
        if code.contains("protected_attributes_for_fairness_audit(") {
            assert!(
                [
                    "crates/store/src/fairness.rs",
                    "crates/monitor/src/train.rs"
                ]
                .contains(&path.as_str()),
                "{path} reads protected attributes"
            );
        }
    }
    let mut reads: Vec<&str> = readers
        .iter()
        .filter(|(_, what)| *what == "read")
        .map(|(path, _)| path.as_str())
        .collect();
    reads.sort();
    assert_eq!(
        reads,
        [
            "crates/store/src/erasure.rs",
            "crates/store/src/fairness.rs"
        ],
        "{readers:?}"
    );
    // The model crate never sees a snapshot's protected attributes.
    for (path, text) in sources() {
        if path.starts_with("crates/model/src") {
            assert!(
                !without_tests(&text).contains(".protected"),
                "{path} reads protected attributes"
            );
        }
    }
}
