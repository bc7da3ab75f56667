//! What the CLI's tests share: the binary and how to run it, the shared data files and
//! examples, and set-ups (a simulated panel, an organization with scoring switched on).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tenure_store::{ImportStatus, Store};

pub const TENURE: &str = env!("CARGO_BIN_EXE_tenure");

pub fn shared_data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(file)
}

pub fn example(mapping: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(mapping)
}

/// Runs the binary. Tests run two at a time, so each fits trees on one thread: oversubscribed
/// OpenMP threads spin (a 4 s evaluation took over 4 minutes with two on two cores).
pub fn tenure(args: &[&str]) -> Output {
    Command::new(TENURE)
        .args(args)
        .env_remove("TENURE_DATABASE_URL")
        .env("TENURE_THREADS", "1")
        .output()
        .expect("run tenure")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Simulates `people` over `months` with `seed` into the folder `out`.
pub fn simulate(out: &Path, people: &str, months: &str, seed: &str) {
    let output = tenure(&[
        "simulate",
        "--people",
        people,
        "--months",
        months,
        "--seed",
        seed,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Records the governance that switches scoring on for `org` (the default org when `None`).
pub fn switch_on_scoring(db: &str, org: Option<&str>) {
    let mut args = vec![
        "governance",
        "--db",
        db,
        "--legal-basis",
        "GDPR art. 6(1)(f), works agreement 2026-01",
        "--impact-assessment",
        "DPIA-2026-004",
        "--workers-informed",
        "2026-01-15",
    ];
    if let Some(org) = org {
        args.extend(["--org", org]);
    }
    let output = tenure(&args);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// A new SQLite database in `dir` holding one empty organization, acme.
pub fn database_with_acme(dir: &Path) -> String {
    let db = dir.join("tenure.db").display().to_string();
    assert!(tenure(&["thresholds", "--db", &db, "--org", "acme"])
        .status
        .success());
    db
}

pub async fn org_counts(db: &str, org: &str) -> (i64, i64, i64, Vec<ImportStatus>) {
    let store = open_store(db).await;
    let Some(org) = store.organization(org).await.unwrap() else {
        return (0, 0, 0, vec![]);
    };
    let counts = store.counts(org.id).await.unwrap();
    let statuses = store
        .imports(org.id)
        .await
        .unwrap()
        .iter()
        .map(|i| i.status)
        .collect();
    store.close().await;
    (
        counts.snapshots,
        counts.people,
        counts.protected_rows,
        statuses,
    )
}

/// Imports `file` with `mapping` into the database `db` (into organization `org`, or the
/// default one); the import must succeed.
pub fn imported(file: &str, mapping: &str, db: &str, org: Option<&str>) -> Output {
    let mut args = vec!["import", file, "--mapping", mapping, "--db", db];
    if let Some(org) = org {
        args.extend(["--org", org]);
    }
    let output = tenure(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

/// The database at `db`, opened with the key the `tenure` binary uses for it (no
/// `TENURE_SECRET_KEY*` is set in tests).
pub async fn open_store(db: &str) -> Store {
    let key = tenure_store::testing::commands_key(db);
    Store::connect(db, &key).await.unwrap()
}
