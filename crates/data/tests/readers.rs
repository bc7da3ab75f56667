//! Property tests over the readers — CSV, workbook, Parquet and mapping — with damaged and
//! arbitrary input: each is read or refused, never a panic, and every refusal names the file
//! and line (and the column where a cell is to blame) in words, never in Rust debug output.
//!
//! `bench/fuzz.sh` runs these for ten minutes with many cases (`PROPTEST_CASES`); in the test
//! suite they run a few dozen cases each.

use proptest::prelude::*;
use std::path::Path;
use tenure_data::{
    parse_frame, parse_snapshots, read_table, DataError, ImportPlan, Mapping, ReadOptions,
};
use tenure_domain::Shape;

/// Text only Rust's debug formatting writes; a person reading an error must never see it.
const DEBUG_TOKENS: &[&str] = &["Some(", "None", "Ok(", "Err(", "kind:", "{ "];

const PANEL: &str = "id,month,pay,dept,hired,left_on,reason\n\
    1,2024-01-01,\"3,900.50\",Sales,2019-03-01,,\n\
    1,2024-02-01,3900,Sales,2019-03-01,15/02/2024,resigned\n\
    2,2024-01-01,$4100,Ops,2020-11-15,,\n\
    2,2024-02-01,4100,Ops,2020-11-15,,\n\
    3,2024-01-01,12%,R&D,2021-06-30,20/01/2024,dismissed\n";

const PANEL_MAPPING: &str = r#"
id = "id"
as_of = "month"
exit_date = "left_on"
exit_date_format = "%d/%m/%Y"
exit_kind = "reason"
voluntary = ["resigned"]
[columns]
pay = "number"
dept = "category"
hired = "date"
[date_formats]
hired = "%Y-%m-%d"
"#;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

/// Reads `bytes` as the file `name`, maps and validates it; on refusal checks the words.
fn read_map_and_check(name: &str, bytes: &[u8], mapping: &Mapping) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    // A CSV problem's line is in the file; a workbook's is a sheet row, a Parquet file's a
    // row number: no bound from the bytes.
    let lines = if name.ends_with(".csv") {
        2 + bytes.iter().filter(|&&b| b == b'\n').count() as u64
    } else {
        u64::MAX
    };
    let outcome = read_table(&path, &ReadOptions::new(5)).and_then(|table| {
        let plan = ImportPlan::new(mapping, &table)?;
        if plan.shape == Shape::Panel {
            parse_frame(&table, plan.clone(), 5)?;
        }
        parse_snapshots(&table, plan, 5).map(|_| ())
    });
    if let Err(error) = outcome {
        check_refusal(&path, &error, lines);
    }
}

fn check_refusal(path: &Path, error: &DataError, lines: u64) {
    let message = error.to_string();
    let DataError::Invalid { problems, .. } = error else {
        panic!("a damaged file is the input's fault, not an I/O error: {message}");
    };
    assert!(!problems.is_empty(), "{message}");
    for problem in problems {
        let place = &problem.location;
        assert_eq!(place.file, path, "{message}");
        assert!(
            (1..=lines).contains(&place.line),
            "line {} of {lines}: {message}",
            place.line
        );
        assert!(
            message.contains(&format!("{}:{}", path.display(), place.line)),
            "file and line in: {message}"
        );
        // A data cell to blame is named by its column too.
        if problem.found.is_some() && place.line > 1 && lines != u64::MAX {
            assert!(
                place.column.is_some(),
                "a column for {:?}: {message}",
                problem.found
            );
        }
        if let Some((position, name)) = &place.column {
            assert!(*position >= 1, "{message}");
            assert!(
                message.contains(&format!(":{position} (column \"{name}\")")),
                "{message}"
            );
        }
        for token in DEBUG_TOKENS {
            assert!(
                !problem.expected.contains(token),
                "debug output {token:?} in: {message}"
            );
        }
    }
}

/// A byte edit: insert, delete or replace at a position (taken modulo the length).
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let byte = prop_oneof![
        prop::sample::select(vec![
            b',', b';', b'"', b'\n', b'\r', b'\t', b'|', b' ', b'-', b'/', b'.', b'0', b'9', b'a',
            0u8, 0x80, 0xC3, 0xFF,
        ]),
        any::<u8>(),
    ];
    let edit = prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), byte).prop_map(|(at, b)| Edit::Replace(at, b)),
    ];
    prop::collection::vec(edit, 1..8)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match *edit {
            Edit::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Edit::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % len);
            }
            Edit::Replace(at, b) if !bytes.is_empty() => bytes[at % len] = b,
            _ => {}
        }
    }
    bytes
}

fn panel_mapping() -> Mapping {
    Mapping::from_toml_str(PANEL_MAPPING, Path::new("mapping.toml")).unwrap()
}

/// A small workbook as HR systems export one: a title row, then the panel above.
fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Headcount report").unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(PANEL.as_bytes());
    for (r, record) in rows.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            let row = r as u32 + 2;
            match cell.parse::<f64>() {
                Ok(x) => sheet.write_number(row, c as u16, x).unwrap(),
                Err(_) => sheet.write_string(row, c as u16, cell).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

fn parquet() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hibob_history.parquet"),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_csv_is_read_or_refused_with_its_place(edits in edits()) {
        let bytes = apply(PANEL.as_bytes().to_vec(), &edits);
        read_map_and_check("staff.csv", &bytes, &panel_mapping());
    }

    #[test]
    fn a_damaged_workbook_is_read_or_refused_plainly(edits in edits()) {
        let bytes = apply(workbook(), &edits);
        read_map_and_check("staff.xlsx", &bytes, &panel_mapping());
    }

    #[test]
    fn a_damaged_parquet_file_is_read_or_refused_plainly(edits in edits()) {
        let mapping = Mapping {
            id: Some("Employee ID".into()),
            as_of: Some("Snapshot date".into()),
            protected: vec!["Gender".into()],
            ignore: vec!["Display name".into(), "Termination reason".into(), "Termination date".into()],
            ..Mapping::default()
        };
        let bytes = apply(parquet(), &edits);
        read_map_and_check("history.parquet", &bytes, &mapping);
    }

    /// Mappings as people write them, right and wrong: any field, any column name (real or
    /// misspelt), any value.
    #[test]
    fn any_mapping_is_applied_or_refused_plainly(
        fields in prop::collection::vec(
            (
                prop::sample::select(vec![
                    "id", "as_of", "as_of_format", "exit_date", "exit_date_format", "exit_kind",
                    "target", "positive", "duration", "event", "event_value", "shape", "encoding",
                    "sheet", "colour",
                ]),
                prop::sample::select(vec![
                    "id", "month", "pay", "dept", "hired", "left_on", "reason", "Month", "salary",
                    "%Y-%m-%d", "%d/%m/%Y", "%Y%m", "%q", "panel", "cross-section", "GBK", "latin9",
                    "", "1",
                ]),
            ),
            0..7,
        ),
        lists in prop::collection::vec(
            (
                prop::sample::select(vec!["voluntary", "protected", "ignore"]),
                prop::collection::vec(prop::sample::select(vec!["dept", "pay", "resigned", "gender", "x"]), 0..3),
            ),
            0..3,
        ),
    ) {
        let mut text = String::new();
        let mut seen = std::collections::HashSet::new();
        for (key, value) in fields.iter().filter(|(k, _)| seen.insert(*k)) {
            text.push_str(&format!("{key} = \"{value}\"\n"));
        }
        for (key, values) in lists.iter().filter(|(k, _)| seen.insert(*k)) {
            let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            text.push_str(&format!("{key} = [{}]\n", quoted.join(", ")));
        }
        match Mapping::from_toml_str(&text, Path::new("mapping.toml")) {
            Ok(mapping) => read_map_and_check("staff.csv", PANEL.as_bytes(), &mapping),
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.starts_with("mapping mapping.toml: "), "{}", message);
                prop_assert!(!message.contains("Some(") && !message.contains("Err("), "{}", message);
            }
        }
    }
}

/// The undamaged inputs import, so the properties above test damage and not a broken base.
#[test]
fn the_undamaged_inputs_import() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("staff.csv", PANEL.as_bytes().to_vec()),
        ("staff.xlsx", workbook()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let table = read_table(&path, &ReadOptions::new(5)).unwrap();
        let plan = ImportPlan::new(&panel_mapping(), &table).unwrap();
        let parsed = parse_snapshots(&table, plan, 5).unwrap();
        assert_eq!(parsed.rows.len(), 5, "{name}");
    }
}
