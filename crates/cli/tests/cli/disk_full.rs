//! The disk holding the database fills up during an import or a scoring run: the command says
//! so in words and exits with a failure, the database stays intact with nothing half-written,
//! and once space is freed the same command succeeds.
//!
//! The database lives on a small tmpfs mounted for the test, which needs root (as the test
//! machines run); without it the test fails and says why rather than passing untested.

use crate::support::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// A tmpfs of `megabytes` mounted on a new folder; unmounted when dropped.
struct SmallDisk {
    mount: PathBuf,
    _parent: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let parent = tempfile::tempdir().unwrap();
        let mount = parent.path().join("disk");
        std::fs::create_dir(&mount).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m")])
            .arg("tmpfs")
            .arg(&mount)
            .output()
            .expect("run mount");
        assert!(
            mounted.status.success(),
            "this test mounts a small tmpfs and needs root (or CAP_SYS_ADMIN): {}",
            String::from_utf8_lossy(&mounted.stderr)
        );
        SmallDisk {
            mount,
            _parent: parent,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.mount.join(name)
    }

    /// Bytes still free.
    fn available(&self) -> u64 {
        let df = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.mount)
            .output()
            .unwrap();
        String::from_utf8_lossy(&df.stdout)
            .lines()
            .nth(1)
            .and_then(|line| line.trim().parse().ok())
            .expect("df's answer")
    }

    /// Fills the disk with a file of zeros until only `leave` bytes are free.
    fn fill_leaving(&self, leave: u64) -> PathBuf {
        let filler = self.path("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let mut left = self.available().saturating_sub(leave);
        let chunk = vec![0u8; 64 * 1024];
        while left > 0 {
            let part = left.min(chunk.len() as u64) as usize;
            file.write_all(&chunk[..part]).unwrap();
            left -= part as u64;
        }
        file.sync_all().unwrap();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

/// The command failed, saying the disk is full in words (no database library's debug text).
fn refused_for_a_full_disk(output: &std::process::Output, what: &str) {
    let said = stderr(output);
    assert!(!output.status.success(), "{what} succeeded on a full disk");
    assert!(
        said.contains("the disk holding the database is full") && said.contains("free some space"),
        "{what}: {said}"
    );
    assert!(
        !said.contains("code:") && !said.contains("Database(") && !said.contains("panicked"),
        "{what}: {said}"
    );
}

async fn scores_stored(db: &str) -> i64 {
    let store = open_store(db).await;
    let count =
        tenure_store::testing::raw::strings(&store, "SELECT CAST(COUNT(*) AS TEXT) FROM scores")
            .await
            .unwrap()[0]
            .parse()
            .unwrap();
    store.close().await;
    count
}

async fn intact(db: &str) -> bool {
    let store = open_store(db).await;
    let intact = store.is_intact().await.unwrap();
    store.close().await;
    intact
}

fn ibm(db: &str) -> std::process::Output {
    let data = shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv");
    let mapping = example("ibm_attrition.toml");
    tenure(&[
        "import",
        data.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--db",
        db,
        "--org",
        "ibm",
    ])
}

#[tokio::test]
async fn a_full_disk_during_an_import_or_a_scoring_run_is_said_plainly_and_leaves_the_database_intact(
) {
    let disk = SmallDisk::mount(8);
    let db = disk.path("tenure.db").display().to_string();
    let db = db.as_str();
    assert!(tenure(&["thresholds", "--db", db, "--org", "ibm"])
        .status
        .success());

    // An import that does not fit: nothing of it lands.
    let filler = disk.fill_leaving(512 * 1024);
    refused_for_a_full_disk(&ibm(db), "the import");
    assert!(intact(db).await, "integrity check after the failed import");
    let (snapshots, people, protected, imports) = org_counts(db, "ibm").await;
    assert_eq!((snapshots, people, protected), (0, 0, 0));
    assert!(imports.is_empty(), "{imports:?}");

    // With room again it lands whole.
    std::fs::remove_file(&filler).unwrap();
    assert!(ibm(db).status.success());
    assert_eq!(org_counts(db, "ibm").await.1, 1470);
    let trained = tenure(&["train", "--db", db, "--org", "ibm"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    switch_on_scoring(db, Some("ibm"));
    assert_eq!(scores_stored(db).await, 0);

    // A scoring run that does not fit: no score of it is kept.
    let filler = disk.fill_leaving(256 * 1024);
    refused_for_a_full_disk(&tenure(&["score", "--db", db, "--org", "ibm"]), "scoring");
    assert!(
        intact(db).await,
        "integrity check after the failed scoring run"
    );
    assert_eq!(scores_stored(db).await, 0, "a half-written scoring run");

    std::fs::remove_file(&filler).unwrap();
    let scored = tenure(&["score", "--db", db, "--org", "ibm"]);
    assert!(scored.status.success(), "{}", stderr(&scored));
    assert!(scores_stored(db).await > 1000);
    assert!(intact(db).await);
}
