//! The shared real HR files import with their committed mappings; `inspect` proposes mappings that
//! import as they are.

use crate::support::*;
use tenure_store::testing::TestDatabase;

#[tokio::test]
async fn the_three_shared_files_import_with_their_committed_mappings() {
    let files = [
        (
            "WA_Fn-UseC_-HR-Employee-Attrition.csv",
            "ibm_attrition.toml",
            1470,
            1470,
        ),
        ("job_retention.csv", "job_retention.toml", 3770, 3770),
        ("ola_driver_scaler.csv", "ola_drivers.toml", 19104, 2381),
    ];
    for database in TestDatabase::all("the_three_shared_files_import").await {
        for (file, mapping, rows, people) in files {
            let org = mapping.trim_end_matches(".toml");
            let data = shared_data(file);
            let output = tenure(&[
                "import",
                data.to_str().unwrap(),
                "--mapping",
                example(mapping).to_str().unwrap(),
                "--db",
                &database.url,
                "--org",
                org,
            ]);
            assert!(
                output.status.success(),
                "{file} on {}: {}",
                database.backend_name,
                stderr(&output)
            );
            let (snapshots, stored_people, _, _) = org_counts(&database.url, org).await;
            assert_eq!(
                (snapshots, stored_people),
                (rows, people),
                "{file} on {}",
                database.backend_name
            );
        }
        database.remove().await;
    }
}

#[test]
fn inspect_flags_the_protected_columns_of_the_ibm_file() {
    let output = tenure(&[
        "inspect",
        shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")
            .to_str()
            .unwrap(),
    ]);
    assert!(output.status.success());
    let text = stdout(&output);
    let flagged = text
        .lines()
        .find(|l| l.starts_with("looks protected"))
        .expect("a line listing protected columns");
    for column in ["Age", "Gender", "MaritalStatus"] {
        assert!(flagged.contains(column), "{column} not flagged: {flagged}");
    }
    assert!(!flagged.contains("Department"));
}

#[test]
fn inspect_writes_a_mapping_that_imports_as_is() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "WA_Fn-UseC_-HR-Employee-Attrition.csv",
        "job_retention.csv",
        "ola_driver_scaler.csv",
    ] {
        let output = tenure(&[
            "inspect",
            shared_data(file).to_str().unwrap(),
            "--format",
            "toml",
        ]);
        assert!(output.status.success());
        let mapping = dir.path().join(format!("{file}.toml"));
        std::fs::write(&mapping, output.stdout).unwrap();
        let db = dir.path().join("t.db");
        let import = tenure(&[
            "import",
            shared_data(file).to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--org",
            file,
        ]);
        assert!(import.status.success(), "{file}: {}", stderr(&import));
    }
}

#[tokio::test]
async fn importing_the_same_file_twice_adds_nothing() {
    let database = TestDatabase::sqlite();
    let (data, mapping) = (
        shared_data("job_retention.csv"),
        example("job_retention.toml"),
    );
    let args = [
        "import",
        data.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--db",
        &database.url,
    ];
    assert!(tenure(&args).status.success());
    let second = tenure(&args);
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("0 added, 3,770 unchanged"),
        "{}",
        stdout(&second)
    );
    assert_eq!(org_counts(&database.url, "default").await.0, 3770);
}

#[test]
fn mapping_flags_work_without_a_mapping_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let data = shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv");
    let output = tenure(&[
        "import",
        data.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--id",
        "EmployeeNumber",
        "--target",
        "Attrition",
        "--positive",
        "Yes",
        "--protected",
        "Gender,Age,MaritalStatus",
        "--ignore",
        "EmployeeCount,Over18,StandardHours",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("1,470 added"));
}
