//! Exports as seven HR systems write them (`crates/data/tests/fixtures/`): for each,
//! `tenure inspect FILE --format toml` proposes a mapping, and `tenure import` and
//! `tenure evaluate` take it unedited — the whole file lands with the right shape, id, dates,
//! outcome and protected columns, and names, contact details and leaking columns stay out.

use crate::support::{stderr, stdout, tenure};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/tests/fixtures")
        .join(name)
}

/// What a fixture must come out as.
struct Expected {
    file: &'static str,
    /// `panel`, `cross-section` or `time-to-event`, as `import` prints it.
    shape: &'static str,
    rows: &'static str,
    people: &'static str,
    /// Lines the proposed mapping must hold: the id, dates with their formats, the outcome,
    /// protected and ignored columns.
    mapping: &'static [&'static str],
    /// Columns that must not be model inputs (names, contacts, leaks).
    never_inputs: &'static [&'static str],
    /// A fragment of `evaluate --json` showing the dates were read (a panel's origin month).
    evaluated: &'static str,
}

fn lands_whole(expected: &Expected) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let file = fixture(expected.file);
    let file = file.to_str().unwrap();
    let proposed = tenure(&["inspect", file, "--format", "toml"]);
    assert!(proposed.status.success(), "{}", stderr(&proposed));
    let text = stdout(&proposed);
    for line in expected.mapping {
        assert!(text.contains(line), "`{line}` in the proposal:\n{text}");
    }
    let mapping: tenure_data::Mapping = toml::from_str(&text).unwrap();
    for column in expected.never_inputs {
        assert!(
            mapping.ignore.iter().any(|c| c == column) && !mapping.columns.contains_key(*column),
            "{column} must be ignored:\n{text}"
        );
    }
    let mapping_file = dir.path().join("mapping.toml");
    std::fs::write(&mapping_file, &text).unwrap();
    let mapping_file = mapping_file.to_str().unwrap();

    let imported = tenure(&["import", file, "--mapping", mapping_file, "--db", &db]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let summary = stdout(&imported);
    let whole = format!(
        "({}) into organization \"default\": {} rows read, {} added, 0 unchanged, 0 replaced; {} people",
        expected.shape, expected.rows, expected.rows, expected.people
    );
    assert!(summary.contains(&whole), "{whole}\nin: {summary}");

    let evaluated = tenure(&["evaluate", file, "--mapping", mapping_file, "--json"]);
    assert!(evaluated.status.success(), "{}", stderr(&evaluated));
    let report: serde_json::Value = serde_json::from_slice(&evaluated.stdout).unwrap();
    let quality = report["roc_auc"].as_f64().or(report["c_index"].as_f64());
    assert!(
        quality.is_some_and(|q| (0.0..=1.0).contains(&q)),
        "{report}"
    );
    assert!(
        report.to_string().contains(expected.evaluated),
        "{} in {report}",
        expected.evaluated
    );
}

/// Workday's worker history: UTF-8 with a byte-order mark, CRLF, quoted thousands
/// (`"80,300.00"`), the worker's name as "Last, First", voluntary and involuntary reasons.
#[test]
fn workday_worker_history() {
    lands_whole(&Expected {
        file: "workday_worker_history.csv",
        shape: "panel",
        rows: "2,945",
        people: "110",
        mapping: &[
            "id = \"Employee_ID\"",
            "as_of = \"Effective_Date\"\nas_of_format = \"%Y-%m-%d\"",
            "exit_date = \"Termination_Date\"",
            "exit_kind = \"Termination_Reason\"",
            "voluntary = [\"Resignation > Better Opportunity\", \"Terminate Employee > Voluntary > Relocation\"]",
            "protected = [\"Gender\", \"Ethnicity\"]",
            "pay = \"Annual_Base_Pay\"",
        ],
        never_inputs: &["Worker", "Email_Address"],
        evaluated: "\"as_of\":\"2023-06-30\"",
    });
}

/// SAP SuccessFactors' employee data as XLSX: report titles above the header, the status
/// Active/Terminated as the outcome, the termination date and event reason beside it.
#[test]
fn successfactors_employee_data() {
    lands_whole(&Expected {
        file: "successfactors_employee_data.xlsx",
        shape: "cross-section",
        rows: "320",
        people: "320",
        mapping: &[
            "id = \"userId\"",
            "target = \"employeeStatus\"\npositive = \"Terminated\"",
            "protected = [\"gender\", \"dateOfBirth\"]",
            "hireDate = \"%Y-%m-%d\"",
        ],
        never_inputs: &[
            "firstName",
            "lastName",
            "email",
            "terminationDate",
            "eventReason",
        ],
        evaluated: "\"n\":320",
    });
}

/// Oracle HCM's assignment extract: UTF-16 with a byte-order mark, `|`-separated, dates
/// written `31-JAN-2023`.
#[test]
fn oracle_hcm_assignments() {
    lands_whole(&Expected {
        file: "oracle_hcm_assignments.txt",
        shape: "panel",
        rows: "2,646",
        people: "110",
        mapping: &[
            "id = \"PERSON_NUMBER\"",
            "as_of = \"EFFECTIVE_DATE\"\nas_of_format = \"%d-%b-%Y\"",
            "exit_date = \"ACTUAL_TERMINATION_DATE\"\nexit_date_format = \"%d-%b-%Y\"",
            "exit_kind = \"LEAVING_REASON\"\nvoluntary = [\"Resignation\"]",
            "protected = [\"SEX\", \"NATIONALITY\"]",
        ],
        never_inputs: &["FULL_NAME"],
        evaluated: "\"as_of\":\"2023-06-30\"",
    });
}

/// BambooHR's custom report: tab-separated, US dates, pay written `$62,000.00 USD`, tenure in
/// months beside a Yes/No Terminated flag (time-to-event).
#[test]
fn bamboohr_custom_report() {
    lands_whole(&Expected {
        file: "bamboohr_custom_report.tsv",
        shape: "time-to-event",
        rows: "300",
        people: "300",
        mapping: &[
            "id = \"Employee #\"",
            "duration = \"Tenure Months\"\nevent = \"Terminated\"\nevent_value = \"Yes\"",
            "protected = [\"Gender\"]",
            "\"Pay Rate\" = \"number\"",
            "\"Hire Date\" = \"%m/%d/%Y\"",
        ],
        never_inputs: &["First Name", "Last Name", "Work Email"],
        evaluated: "\"c_index\"",
    });
}

/// Personio saved from German Excel: Windows-1252, `;`-separated, decimal commas, amounts
/// written `78.000,00 €`, dates `10.08.2017`, the status active/inactive as the outcome.
#[test]
fn personio_employees() {
    lands_whole(&Expected {
        file: "personio_employees.csv",
        shape: "cross-section",
        rows: "320",
        people: "320",
        mapping: &[
            "id = \"ID\"",
            "target = \"Status\"\npositive = \"inactive\"",
            "protected = [\"Gender\"]",
            "Salary = \"number\"",
            "\"Weekly hours\" = \"number\"",
            "\"Hire date\" = \"%d.%m.%Y\"",
        ],
        never_inputs: &[
            "First name",
            "Last name",
            "Email",
            "Termination date",
            "Termination type",
        ],
        evaluated: "\"n\":320",
    });
}

/// HiBob's history landed as Parquet by a data team: typed dates and numbers, nulls.
#[test]
fn hibob_history() {
    lands_whole(&Expected {
        file: "hibob_history.parquet",
        shape: "panel",
        rows: "2,397",
        people: "110",
        mapping: &[
            "id = \"Employee ID\"",
            "as_of = \"Snapshot date\"",
            "exit_date = \"Termination date\"",
            "exit_kind = \"Termination reason\"\nvoluntary = [\"Resigned\"]",
            "protected = [\"Gender\"]",
            "pay = \"Base salary\"",
        ],
        never_inputs: &["Display name"],
        evaluated: "\"as_of\":\"2023-06-01\"",
    });
}

/// A Chinese HRIS roster in GBK: Chinese headers, 是/否 flags, ￥ amounts, phone and
/// national-id numbers, the leave date and reason beside 是否离职.
#[test]
fn chinese_hris_roster_gbk() {
    lands_whole(&Expected {
        file: "chinese_hris_roster_gbk.csv",
        shape: "cross-section",
        rows: "320",
        people: "320",
        mapping: &[
            "id = \"工号\"",
            "target = \"是否离职\"\npositive = \"是\"",
            "protected = [\"性别\", \"出生日期\"]",
            "\"薪资\" = \"number\"",
            "\"入职日期\" = \"%Y/%m/%d\"",
        ],
        never_inputs: &["姓名", "手机号", "身份证号", "离职日期", "离职原因"],
        evaluated: "\"n\":320",
    });
}

/// A Chinese HRIS's monthly roster as XLSX: a title above the Chinese header, the month
/// written `2023-01`.
#[test]
fn chinese_hris_monthly_workbook() {
    lands_whole(&Expected {
        file: "chinese_hris_monthly.xlsx",
        shape: "panel",
        rows: "2,912",
        people: "110",
        mapping: &[
            "id = \"工号\"",
            "as_of = \"统计月份\"\nas_of_format = \"%Y-%m\"",
            "exit_date = \"离职日期\"",
            "exit_kind = \"离职原因\"\nvoluntary = [\"辞职\"]",
            "protected = [\"性别\"]",
        ],
        never_inputs: &["姓名"],
        evaluated: "\"as_of\":\"2023-06-01\"",
    });
}

/// The leakage and identity guards on a data set shared for analysis: beside the target
/// `Termd` sit the termination date (filled only for leavers), the termination reason and the
/// employment status (each settling the outcome alone) and the person's full name. All four
/// are proposed as `ignore`, the TOML saying why, and the model is trained without them.
#[test]
fn termination_columns_and_names_beside_the_target_are_kept_out() {
    lands_whole(&Expected {
        file: "shared_dataset_terminations.csv",
        shape: "cross-section",
        rows: "320",
        people: "320",
        mapping: &[
            "id = \"EmpID\"",
            "target = \"Termd\"\npositive = \"1\"",
            "protected = [\"Sex\", \"RaceDesc\"]",
            "#   DateofTermination: leaks the outcome: filled only for leavers (80 of its 80 values)",
            "#   TermReason: leaks the outcome: predicts it almost perfectly on its own",
            "#   EmploymentStatus: leaks the outcome: predicts it almost perfectly on its own",
            "#   Employee_Name: many levels (196); direct identifier",
        ],
        never_inputs: &[
            "Employee_Name",
            "DateofTermination",
            "TermReason",
            "EmploymentStatus",
        ],
        evaluated: "\"n\":320",
    });
}

/// Workday's "All Workers" roster: a hire date, and a termination date and reason for those
/// who left, and no outcome column — time-to-event counted from the dates.
#[test]
fn workday_all_workers_roster() {
    lands_whole(&Expected {
        file: "workday_all_workers_roster.csv",
        shape: "time-to-event",
        rows: "360",
        people: "360",
        mapping: &[
            "id = \"Employee ID\"",
            "exit_date = \"Termination Date\"\nexit_date_format = \"%m/%d/%Y\"",
            "exit_kind = \"Termination Reason\"\nvoluntary = [\"Resignation > Personal\"]",
            "hire_date = \"Hire Date\"",
            "protected = [\"Gender\"]",
            "time-to-event from the hire date to the exit",
        ],
        never_inputs: &["Legal Name"],
        evaluated: "\"c_index\"",
    });
}
