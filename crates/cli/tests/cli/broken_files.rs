//! Broken files are refused with the line, the column, what was expected and exit code 2, and write
//! nothing.

use crate::support::*;
use std::process::Command;
use tenure_store::testing::TestDatabase;
use tenure_store::ImportStatus;

const MAPPING: &str = r#"
id = "id"
as_of = "month"
as_of_format = "%Y-%m-%d"
exit_date = "left_on"
exit_date_format = "%d/%m/%Y"
[columns]
pay = "number"
dept = "category"
"#;

const GOOD: &str = "id,month,pay,dept,left_on\n1,2024-01-01,100,Sales,\n1,2024-02-01,100,Sales,15/02/2024\n2,2024-01-01,90,Ops,\n";

/// Imports `contents` and checks the refusal: exit code 2, the expected place in the
/// message, and no data row of the import in the database.
async fn assert_refused(db: &str, name: &str, contents: &[u8], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.csv"));
    std::fs::write(&file, contents).unwrap();
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    let org = name.replace(' ', "-");
    let output = tenure(&[
        "import",
        file.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--db",
        db,
        "--org",
        &org,
    ]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{name}: {message}");
    for part in expected {
        assert!(
            message.contains(part),
            "{name}: expected {part:?} in:\n{message}"
        );
    }
    assert!(
        message.len() < 4000,
        "{name}: the message stays short ({} bytes)",
        message.len()
    );
    let (snapshots, people, protected, imports) = org_counts(db, &org).await;
    assert_eq!(
        (snapshots, people, protected),
        (0, 0, 0),
        "{name}: no row of the refused import"
    );
    assert!(
        imports.iter().all(|s| *s == ImportStatus::Failed),
        "{name}: only a failed import record"
    );
}

fn broken_cases() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    let mut long_line = b"id,".to_vec();
    long_line.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    let mut garbage: Vec<u8> = b"\x89PNG\r\n\x1a\n".to_vec();
    garbage.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    vec![
        (
            "wrong date format",
            GOOD.replace("1,2024-02-01", "1,02/01/2024").into_bytes(),
            vec![
                ".csv:3:2 (column \"month\")",
                "expected a date written %Y-%m-%d",
                "\"02/01/2024\"",
            ],
        ),
        (
            "missing id",
            GOOD.replace("2,2024-01-01,90", ",2024-01-01,90")
                .into_bytes(),
            vec![".csv:4:1 (column \"id\")", "person id"],
        ),
        (
            "text in a numeric column",
            GOOD.replace("100,Sales,\n", "abc,Sales,\n").into_bytes(),
            vec![".csv:2:3 (column \"pay\")", "expected a number", "\"abc\""],
        ),
        (
            "ragged row",
            GOOD.replace("2,2024-01-01,90,Ops,", "2,2024-01-01,90")
                .into_bytes(),
            vec![
                ".csv:4:4 (column \"dept\")",
                "5 fields as in the header, found 3",
            ],
        ),
        (
            "conflicting duplicate key",
            format!("{GOOD}1,2024-01-01,120,Sales,\n").into_bytes(),
            vec![".csv:5:1 (column \"id\")", "already on line 2"],
        ),
        ("empty file", Vec::new(), vec![".csv:1:1", "empty"]),
        ("binary garbage", garbage, vec![".csv:", "binary"]),
        (
            "a 10 MB single line",
            long_line,
            vec![".csv:1:2 (column \"column_2\")", "at most 65536 bytes"],
        ),
    ]
}

#[tokio::test]
async fn broken_files_are_refused_with_line_column_and_exit_code_2_and_write_nothing() {
    for database in TestDatabase::all("broken_files_are_refused").await {
        for (name, contents, expected) in broken_cases() {
            assert_refused(&database.url, name, &contents, &expected).await;
        }
        database.remove().await;
    }
}

#[tokio::test]
async fn a_changed_value_for_a_stored_key_is_refused_unless_replace() {
    for database in TestDatabase::all("a_changed_value_is_refused").await {
        let dir = tempfile::tempdir().unwrap();
        let (file, mapping) = (dir.path().join("a.csv"), dir.path().join("m.toml"));
        std::fs::write(&mapping, MAPPING).unwrap();
        std::fs::write(&file, GOOD).unwrap();
        let args = |extra: &[&'static str]| {
            let mut args = vec![
                "import".to_string(),
                file.display().to_string(),
                "--mapping".into(),
                mapping.display().to_string(),
                "--db".into(),
                database.url.clone(),
            ];
            args.extend(extra.iter().map(|s| s.to_string()));
            args
        };
        let run = |args: Vec<String>| Command::new(TENURE).args(args).output().unwrap();
        assert!(run(args(&[])).status.success());
        std::fs::write(&file, GOOD.replace("2,2024-01-01,90", "2,2024-01-01,95")).unwrap();
        let refused = run(args(&[]));
        assert_eq!(refused.status.code(), Some(2));
        assert!(stderr(&refused).contains("line 4: person 2 as of 2024-01-01 is already stored with pay = 90.0; this file says 95.0"), "{}", stderr(&refused));
        let replaced = run(args(&["--replace"]));
        assert!(replaced.status.success(), "{}", stderr(&replaced));
        assert!(stdout(&replaced).contains("1 replaced"));
        database.remove().await;
    }
}

#[test]
fn max_errors_reports_that_many_problems_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (file, mapping) = (dir.path().join("a.csv"), dir.path().join("m.toml"));
    std::fs::write(&mapping, MAPPING).unwrap();
    let rows: String = (1..=10)
        .map(|i| format!("{i},2024-01-01,oops,Sales,\n"))
        .collect();
    std::fs::write(&file, format!("id,month,pay,dept,left_on\n{rows}")).unwrap();
    let db = dir.path().join("t.db");
    let base = [
        "import",
        file.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ];
    let three = tenure(&[&base[..], &["--max-errors", "3"]].concat());
    assert_eq!(
        stderr(&three).matches("expected a number").count(),
        3,
        "{}",
        stderr(&three)
    );
    assert!(stderr(&three).contains("raise --max-errors"));
    let all = tenure(&[&base[..], &["--max-errors", "50"]].concat());
    assert_eq!(stderr(&all).matches("expected a number").count(), 10);
    assert!(stderr(&all).contains(".csv:11:3 (column \"pay\")"));
}

#[test]
fn an_unmapped_protected_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (file, mapping) = (dir.path().join("a.csv"), dir.path().join("m.toml"));
    std::fs::write(&mapping, MAPPING).unwrap();
    std::fs::write(
        &file,
        "id,month,pay,dept,left_on,Gender\n1,2024-01-01,100,Sales,,F\n",
    )
    .unwrap();
    let db = dir.path().join("t.db");
    let output = tenure(&[
        "import",
        file.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("column \"Gender\" looks like sex or gender"),
        "{}",
        stderr(&output)
    );
}
