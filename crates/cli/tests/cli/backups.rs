//! Backups: an online copy of a SQLite database restores into a new database whose audit
//! chains verify and whose scores read as they did; neither command overwrites anything.

use crate::support::*;
use tenure_domain::OrgId;
use tenure_store::{AuditEntry, Store};

/// acme simulated (200 people), imported into `db`, trained and scored, with an audited
/// score read of each of `read`: its store and id.
async fn scored_acme(dir: &std::path::Path, db: &str, read: &[&str]) -> (Store, OrgId) {
    let sim = dir.join("sim");
    simulate(&sim, "200", "36", "3");
    imported(
        sim.join("panel.csv").to_str().unwrap(),
        sim.join("mapping.toml").to_str().unwrap(),
        db,
        Some("acme"),
    );
    switch_on_scoring(db, Some("acme"));
    let trained = tenure(&["train", "--db", db, "--org", "acme"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let scored = tenure(&["score", "--db", db, "--org", "acme"]);
    assert!(scored.status.success(), "{}", stderr(&scored));
    let store = open_store(db).await;
    let org = store.organization("acme").await.unwrap().unwrap().id;
    let reads: Vec<AuditEntry> = read
        .iter()
        .map(|person| AuditEntry {
            org,
            actor: "user:1".into(),
            action: "score.read".into(),
            subject: (*person).into(),
            request_id: "backup-test".into(),
        })
        .collect();
    store.append_audit(&reads).await.unwrap();
    (store, org)
}

/// `tenure admin verify` on `db`, which must pass: acme's audit chain verdict and rows.
fn acme_chain_verified(db: &str) -> (serde_json::Value, serde_json::Value) {
    let verified = tenure(&["admin", "--db", db, "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(report["passed"], true, "{report}");
    let acme = report["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["org"] == "acme")
        .unwrap();
    (acme["audit_chain"].clone(), acme["rows"].clone())
}

/// The database at `restored` reads acme's latest scores as `original` does.
async fn reads_the_same_scores(original: &Store, org: OrgId, restored: &str) {
    let from_backup = open_store(restored).await;
    let version = original.latest_model_version(org).await.unwrap().unwrap();
    let scores = original.scores(org, version).await.unwrap();
    assert!(scores.len() > 100, "{} scores", scores.len());
    assert_eq!(from_backup.scores(org, version).await.unwrap(), scores);
    from_backup.close().await;
}

#[tokio::test]
async fn a_backup_restores_into_a_database_that_verifies_and_reads_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (db, copy, restored) = (path("tenure.db"), path("backup.db"), path("restored.db"));
    let (store, org) = scored_acme(dir.path(), &db, &["p-001", "p-002", "p-003"]).await;

    let admin = |db: &str, args: &[&str]| {
        let mut all = vec!["admin", "--db", db];
        all.extend(args);
        tenure(&all)
    };
    let backed_up = admin(&db, &["backup", "--out", &copy]);
    assert!(backed_up.status.success(), "{}", stderr(&backed_up));
    assert!(stdout(&backed_up).contains("every audit chain intact"));
    let again = admin(&db, &["backup", "--out", &copy]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    let restoring = admin(&restored, &["restore", "--from", &copy]);
    assert!(restoring.status.success(), "{}", stderr(&restoring));
    let onto_a_database = admin(&restored, &["restore", "--from", &copy]);
    assert!(!onto_a_database.status.success());
    assert!(stderr(&onto_a_database).contains("already exists"));

    assert_eq!(acme_chain_verified(&restored), ("intact".into(), 3.into()));

    // A file that is no database restores into nothing: the half-made database is removed.
    let (junk, nowhere) = (path("junk.db"), path("nowhere.db"));
    std::fs::write(
        &junk,
        "not a database, but long enough to be read as one's first page",
    )
    .unwrap();
    let refused = admin(&nowhere, &["restore", "--from", &junk]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("is not a SQLite database"),
        "{}",
        stderr(&refused)
    );
    assert!(
        !std::path::Path::new(&nowhere).exists(),
        "nothing left behind"
    );

    reads_the_same_scores(&store, org, &restored).await;
    store.close().await;
}

/// PostgreSQL's backup is the documented `pg_dump` / `pg_restore`, then `tenure admin verify`:
/// this runs exactly that, so the documentation cannot drift from what works.
#[tokio::test]
async fn the_documented_postgresql_backup_restores_into_a_database_that_verifies() {
    let Some(original) = tenure_store::testing::TestDatabase::postgres("pg_backup").await else {
        return;
    };
    let Some(restored) = tenure_store::testing::TestDatabase::postgres("pg_restore").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = original.url.as_str();
    let (store, org) = scored_acme(dir.path(), db, &["p-001", "p-002"]).await;

    let dump = dir.path().join("tenure.dump");
    let dumped = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(db)
        .output()
        .expect("pg_dump (Debian's postgresql-client)");
    assert!(
        dumped.status.success(),
        "{}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    let loaded = std::process::Command::new("pg_restore")
        .args(["--dbname", &restored.url])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );

    assert_eq!(
        acme_chain_verified(&restored.url),
        ("intact".into(), 2.into())
    );
    reads_the_same_scores(&store, org, &restored.url).await;
    store.close().await;
    original.remove().await;
    restored.remove().await;
}
