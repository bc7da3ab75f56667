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

/// Exports as HR systems write them, imported with flags and no hand-editing: a GBK file
/// with Chinese headers and a 0.0/1.0 flag, and a Windows-1252 file separated by semicolons
/// with decimal commas.
#[tokio::test]
async fn gbk_and_windows_1252_exports_import_in_their_own_characters_and_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let mut chinese = String::from("工号,部门,职级,薪资,是否离职\n");
    let mut german = String::from("Personalnummer;Abteilung;Gehalt;Ausgeschieden\n");
    for i in 0..40 {
        let department = ["研发部", "销售部", "人力资源部"][i % 3];
        chinese.push_str(&format!(
            "{},{department},P{},{},{}.0\n",
            1000 + i,
            3 + i % 4,
            9000 + 250 * i,
            i % 5 / 4
        ));
        let abteilung = ["Vertrieb", "Geschäftsführung", "Lager"][i % 3];
        german.push_str(&format!(
            "{};{abteilung};{},50;{}\n",
            2000 + i,
            3000 + 40 * i,
            ["nein", "ja"][i % 4 / 3]
        ));
    }
    let gbk = dir.path().join("员工.csv");
    std::fs::write(&gbk, encoding_rs::GBK.encode(&chinese).0).unwrap();
    let cp1252 = dir.path().join("personal.csv");
    std::fs::write(&cp1252, encoding_rs::WINDOWS_1252.encode(&german).0).unwrap();

    let imported = tenure(&[
        "import",
        gbk.to_str().unwrap(),
        "--db",
        &db,
        "--org",
        "cn",
        "--id",
        "工号",
        "--target",
        "是否离职",
        "--positive",
        "1",
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("40 added"),
        "{}",
        stdout(&imported)
    );
    let imported = tenure(&[
        "import",
        cp1252.to_str().unwrap(),
        "--db",
        &db,
        "--org",
        "de",
        "--id",
        "Personalnummer",
        "--target",
        "Ausgeschieden",
        "--positive",
        "ja",
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));

    let store = open_store(&db).await;
    let cn = store.organization("cn").await.unwrap().unwrap().id;
    let kinds = store.column_kinds(cn).await.unwrap();
    assert_eq!(
        kinds["薪资"],
        tenure_domain::ColumnKind::Number,
        "{kinds:?}"
    );
    assert_eq!(kinds["部门"], tenure_domain::ColumnKind::Category);
    let de = store.organization("de").await.unwrap().unwrap().id;
    let kinds = store.column_kinds(de).await.unwrap();
    assert_eq!(
        kinds["Gehalt"],
        tenure_domain::ColumnKind::Number,
        "decimal commas read as numbers: {kinds:?}"
    );
    store.close().await;
}

/// An Excel export, imported as its CSV would be: found by its bytes, the data sheet read,
/// dates, numbers and text each as themselves.
#[tokio::test]
async fn an_excel_workbook_imports_as_its_csv_would() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    for (column, name) in ["EmployeeID", "HireDate", "Salary", "Dept", "Left"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *name).unwrap();
    }
    for i in 0..40u32 {
        let row = i + 1;
        sheet.write_number(row, 0, 1000.0 + f64::from(i)).unwrap();
        let hired = ExcelDateTime::from_ymd(
            2015 + (i % 8) as u16,
            1 + (i % 12) as u8,
            1 + (i % 28) as u8,
        )
        .unwrap();
        sheet
            .write_datetime_with_format(row, 1, &hired, &date)
            .unwrap();
        sheet
            .write_number(row, 2, 3000.0 + 37.5 * f64::from(i))
            .unwrap();
        sheet
            .write_string(row, 3, ["Sales", "R&D", "HR"][(i % 3) as usize])
            .unwrap();
        sheet
            .write_string(row, 4, if i % 4 == 0 { "Yes" } else { "No" })
            .unwrap();
    }
    let workbook = dir.path().join("staff.xlsx");
    book.save(&workbook).unwrap();

    let proposed = tenure(&["inspect", workbook.to_str().unwrap(), "--format", "toml"]);
    assert!(proposed.status.success(), "{}", stderr(&proposed));
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, &proposed.stdout).unwrap();
    let imported = tenure(&[
        "import",
        workbook.to_str().unwrap(),
        "--db",
        &db,
        "--org",
        "xl",
        "--mapping",
        mapping.to_str().unwrap(),
        "--id",
        "EmployeeID",
        "--target",
        "Left",
        "--positive",
        "Yes",
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("40 added"),
        "{}",
        stdout(&imported)
    );
    let store = open_store(&db).await;
    let xl = store.organization("xl").await.unwrap().unwrap().id;
    let kinds = store.column_kinds(xl).await.unwrap();
    assert_eq!(
        kinds["Salary"],
        tenure_domain::ColumnKind::Number,
        "{kinds:?}"
    );
    assert_eq!(
        kinds["HireDate"],
        tenure_domain::ColumnKind::Date,
        "{kinds:?}"
    );
    assert_eq!(
        kinds["Dept"],
        tenure_domain::ColumnKind::Category,
        "{kinds:?}"
    );
    store.close().await;
}

/// A Chinese HRIS's monthly export in GBK — staff number, name, period written 202301,
/// department, grade, pay, hire date, leave date and leave reason — is understood by
/// `tenure inspect` and imported with its proposal unedited.
#[tokio::test]
async fn a_chinese_monthly_export_imports_with_the_proposed_mapping_unedited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let mut export = String::from("工号,姓名,统计月份,部门,职级,薪资,入职日期,离职日期,离职原因\n");
    let reasons = ["主动离职", "辞职", "被动离职", "退休"];
    for person in 0..30u32 {
        let department = ["研发部", "销售部", "财务部"][(person % 3) as usize];
        let leaves_in = (person % 5 == 0).then_some(3 + person % 9);
        for month in 1..=12u32 {
            let (left_on, reason) = match leaves_in {
                Some(m) if m == month => (
                    format!("2023-{month:02}-20"),
                    reasons[(person % 4) as usize],
                ),
                _ => (String::new(), ""),
            };
            export.push_str(&format!(
                "{},员工{person},2023{month:02},{department},P{},{},2019-0{}-15,{left_on},{reason}\n",
                1000 + person,
                3 + person % 4,
                9000 + 300 * person,
                1 + person % 9,
            ));
            if leaves_in == Some(month) {
                break;
            }
        }
    }
    let file = dir.path().join("花名册.csv");
    std::fs::write(&file, encoding_rs::GBK.encode(&export).0).unwrap();

    let proposed = tenure(&["inspect", file.to_str().unwrap(), "--format", "toml"]);
    assert!(proposed.status.success(), "{}", stderr(&proposed));
    let mapping_text = String::from_utf8(proposed.stdout.clone()).unwrap();
    for line in [
        "id = \"工号\"",
        "as_of_format = \"%Y%m\"",
        "exit_kind = \"离职原因\"",
        "voluntary = [\"主动离职\", \"辞职\"]",
        "ignore = [\"姓名\"]",
    ] {
        assert!(mapping_text.contains(line), "{line} in:\n{mapping_text}");
    }
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, &proposed.stdout).unwrap();
    let imported = tenure(&[
        "import",
        file.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--db",
        &db,
        "--org",
        "cn",
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("(panel)"),
        "{}",
        stdout(&imported)
    );
    assert!(
        stdout(&imported).contains("30 people"),
        "{}",
        stdout(&imported)
    );
}
