//! A killed import leaves the database clean: an import lands whole or not at all.

use crate::support::*;
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_sigkilled_import_leaves_a_clean_database_without_any_of_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    simulate(&sim, "4000", "36", "5");
    let db = dir.path().join("t.db");
    let wal = dir.path().join("t.db-wal");
    let mut child = Command::new(TENURE)
        .args([
            "import",
            sim.join("panel.csv").to_str().unwrap(),
            "--mapping",
            sim.join("mapping.toml").to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    // Midway: rows are being written once the write-ahead log grows past a few megabytes.
    let started = Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 4 << 20 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never started writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let store = open_store(db.to_str().unwrap()).await;
    assert!(
        store.is_intact().await.unwrap(),
        "integrity_check after the crash"
    );
    let org = store
        .organization("default")
        .await
        .unwrap()
        .expect("the organization was committed before the import");
    let counts = store.counts(org.id).await.unwrap();
    assert_eq!(
        (
            counts.snapshots,
            counts.people,
            counts.protected_rows,
            counts.imports
        ),
        (0, 0, 0, 0)
    );
}
