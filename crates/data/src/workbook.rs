//! Reading an Excel (.xlsx, .xlsm, .xlsb, .xls) or OpenDocument (.ods) workbook as a table:
//! the sheet asked for (or the first holding data), its header the first row filled at least
//! half as wide as the widest, below any report title. Cells become the text
//! a CSV export of the sheet would hold — numbers as written without a trailing `.0`, dates
//! as `YYYY-MM-DD` (`YYYY-MM-DD HH:MM:SS` with a time), Excel's error values as themselves
//! (`#N/A` reads as missing) — so everything after reading treats both alike. A problem's
//! "line" is the sheet's row number.

use crate::error::DataError;
use crate::table::{column_name, datetime_text, number_text, repeated_name_problems, Row, Table};
use calamine::{Data, DataType, Range, Reader};
use std::path::Path;

/// Whether these bytes are a workbook: a ZIP container (.xlsx, .xlsm, .xlsb, .ods) or an
/// OLE compound file (.xls).
pub(crate) fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}

/// The worksheet named `sheet` (or the first with data) in the workbook `bytes`, as a table.
/// A damaged workbook can make the decoders beneath calamine overflow (found by
/// `bench/fuzz.sh`); that is the file's fault, so the panic is caught and reported as such.
pub(crate) fn read_workbook(
    path: &Path,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, DataError> {
    std::panic::catch_unwind(|| read_sheet(path, bytes, sheet)).unwrap_or_else(|_| {
        let expected = "a workbook Excel or LibreOffice can open (this one is damaged: its parts do not decode)";
        Err(DataError::at_line(path, 1, None, expected))
    })
}

fn read_sheet(path: &Path, bytes: &[u8], sheet: Option<&str>) -> Result<Table, DataError> {
    let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| {
            DataError::at_line(
                path,
                1,
                Some(&e.to_string()),
                "a workbook Excel or LibreOffice can open (.xlsx, .xlsm, .xlsb, .xls, .ods), or a CSV file",
            )
        })?;
    let has_data = |range: &Range<Data>| range.rows().any(|row| row.iter().any(|c| !c.is_empty()));
    // A named sheet is the only one read; otherwise the first with data.
    let chosen = match sheet {
        Some(wanted) => {
            let names = workbook.sheet_names();
            if !names.iter().any(|name| name == wanted) {
                let expected = format!(
                    "the name of one of the workbook's sheets: {}",
                    names.join(", ")
                );
                return Err(DataError::at_line(path, 1, Some(wanted), expected));
            }
            let range = workbook.worksheet_range(wanted).map_err(|e| {
                DataError::at_line(path, 1, Some(&e.to_string()), "a sheet that reads")
            })?;
            if !has_data(&range) {
                let expected = "a worksheet with a header row and data (this sheet is empty)";
                return Err(DataError::at_line(path, 1, Some(wanted), expected));
            }
            range
        }
        None => workbook
            .worksheets()
            .into_iter()
            .map(|(_, range)| range)
            .find(has_data)
            .ok_or_else(|| {
                DataError::at_line(
                    path,
                    1,
                    None,
                    "a worksheet with a header row and data (every sheet is empty)",
                )
            })?,
    };
    table_of(path, &chosen)
}

/// Report titles and export dates often sit above the header: the header is the first row
/// filled at least half as wide as the widest row.
fn is_header_row(cells: &[Data], widest: usize) -> bool {
    let filled = cells.iter().filter(|c| !c.is_empty()).count();
    filled > 0 && 2 * filled >= widest
}

fn table_of(path: &Path, sheet: &Range<Data>) -> Result<Table, DataError> {
    let first_row = sheet.start().map_or(0, |(row, _)| row as u64);
    let mut rows = sheet
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i as u64 + 1, cells));
    let widest = sheet
        .rows()
        .map(|cells| cells.iter().filter(|c| !c.is_empty()).count())
        .max()
        .unwrap_or(0);
    let Some((header_line, header_cells)) = rows.find(|(_, cells)| is_header_row(cells, widest))
    else {
        unreachable!("a sheet with data has a row with data");
    };
    let header: Vec<String> = header_cells
        .iter()
        .enumerate()
        .map(|(i, c)| column_name(i, &text_of(c)))
        .collect();
    let problems = repeated_name_problems(path, header_line, &header);
    if !problems.is_empty() {
        return Err(DataError::invalid(problems, false));
    }
    let rows: Vec<Row> = rows
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .map(|(line, cells)| Row {
            line,
            cells: cells.iter().map(text_of).collect(),
        })
        .collect();
    if rows.is_empty() {
        let expected = "at least one data row after the header";
        return Err(DataError::at_line(path, header_line + 1, None, expected));
    }
    Ok(Table {
        path: path.to_owned(),
        header,
        rows,
        sha256: String::new(),
        encoding: "workbook",
        delimiter: b',',
    })
}

/// A cell as a CSV export of the sheet would write it.
fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            text.trim().to_owned()
        }
        Data::Int(n) => n.to_string(),
        Data::Float(x) => number_text(*x),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(when) => match when.as_datetime() {
            Some(at) if when.is_datetime() => datetime_text(at),
            _ => number_text(when.as_f64()),
        },
        Data::Error(error) => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    /// A workbook as an HR system exports one: a title sheet left empty, then the data with
    /// numbers, dates, text, an empty cell and an Excel error.
    fn export() -> Vec<u8> {
        let mut book = Workbook::new();
        book.add_worksheet().set_name("Notes").unwrap();
        let sheet = book.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (column, name) in ["EmployeeID", "HireDate", "Salary", "Dept", "Rating"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, column as u16, *name).unwrap();
        }
        let people = [
            (1001.0, "2019-03-01", 3900.0, "Sales"),
            (1002.0, "2021-11-15", 4250.5, "R&D"),
        ];
        for (i, (id, hired, pay, dept)) in people.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_number(row, 0, *id).unwrap();
            let hired = ExcelDateTime::parse_from_str(hired).unwrap();
            sheet
                .write_datetime_with_format(row, 1, &hired, &date)
                .unwrap();
            sheet.write_number(row, 2, *pay).unwrap();
            sheet.write_string(row, 3, *dept).unwrap();
        }
        sheet.write_number(1, 4, 3.0).unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn an_excel_export_reads_as_the_csv_of_its_data_sheet_would() {
        let bytes = export();
        assert!(is_workbook(&bytes));
        let table = read_workbook(Path::new("staff.xlsx"), &bytes, None).unwrap();
        assert_eq!(
            table.header,
            ["EmployeeID", "HireDate", "Salary", "Dept", "Rating"]
        );
        assert_eq!(
            table.rows[0].cells,
            ["1001", "2019-03-01", "3900", "Sales", "3"]
        );
        assert_eq!(
            table.rows[1].cells,
            ["1002", "2021-11-15", "4250.5", "R&D", ""]
        );
        assert_eq!(
            (table.rows[0].line, table.rows[1].line),
            (2, 3),
            "sheet rows"
        );
        assert_eq!(table.encoding, "workbook");
    }

    #[test]
    fn a_file_that_only_looks_like_a_workbook_is_refused_plainly() {
        let junk = b"PK\x03\x04 not really a zip file";
        assert!(is_workbook(junk));
        let error = read_workbook(Path::new("staff.xlsx"), junk, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("staff.xlsx:1"), "{error}");
        assert!(
            error.contains("a workbook Excel or LibreOffice can open"),
            "{error}"
        );
    }

    /// A report sheet with its title and export date above the header, beside another sheet.
    fn report_with_a_title() -> Vec<u8> {
        let mut book = Workbook::new();
        let other = book.add_worksheet().set_name("Leavers").unwrap();
        other.write_string(0, 0, "id").unwrap();
        other.write_string(1, 0, "7").unwrap();
        let sheet = book.add_worksheet().set_name("Headcount").unwrap();
        sheet.write_string(0, 0, "Headcount report").unwrap();
        sheet
            .write_string(1, 0, "Exported 2023-12-31 by HR")
            .unwrap();
        for (column, name) in ["工号", "部门", "薪资"].iter().enumerate() {
            sheet.write_string(3, column as u16, *name).unwrap();
        }
        sheet.write_number(4, 0, 1001.0).unwrap();
        sheet.write_string(4, 1, "研发部").unwrap();
        sheet.write_number(4, 2, 18000.0).unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_is_chosen_by_name_and_its_header_found_below_a_title() {
        let bytes = report_with_a_title();
        let table = read_workbook(Path::new("hr.xlsx"), &bytes, Some("Headcount")).unwrap();
        assert_eq!(table.header, ["工号", "部门", "薪资"]);
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].line, 5, "sheet row of the one person");
        assert_eq!(table.rows[0].cells, ["1001", "研发部", "18000"]);
        let first = read_workbook(Path::new("hr.xlsx"), &bytes, None).unwrap();
        assert_eq!(first.header, ["id"], "the first sheet with data by default");
        let error = read_workbook(Path::new("hr.xlsx"), &bytes, Some("Staff"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the name of one of the workbook's sheets: Leavers, Headcount"),
            "{error}"
        );
    }
}
