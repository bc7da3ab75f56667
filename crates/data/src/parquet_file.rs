//! Reading a Parquet file, as data teams export HR tables, into the same text table a CSV
//! export would give: numbers as written (`3900` for 3900.0), dates as `YYYY-MM-DD`,
//! timestamps at midnight as their date, nulls as empty cells. A problem's "line" is the
//! data row's number plus one, as if the file had a header line.

use crate::error::DataError;
use crate::table::{column_name, datetime_text, number_text, repeated_name_problems, Row, Table};
use chrono::{DateTime, NaiveDate};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::path::Path;

/// Parquet files begin (and end) with these four bytes.
pub(crate) fn is_parquet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1")
}

/// The Parquet file `bytes` as a table. The parquet crate's row reader panics on some damaged
/// files (an index out of bounds in its RLE decoder, found by `bench/fuzz.sh`); a damaged
/// upload must be refused like any other bad file, not take a worker down, so its panic is
/// caught here and reported as the file's fault.
pub(crate) fn read_parquet(path: &Path, bytes: Vec<u8>) -> Result<Table, DataError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_rows(path, bytes)))
        .unwrap_or_else(|_| {
            let expected = "a Parquet file pandas, Spark or DuckDB can read back (this one is damaged: its pages do not decode)";
            Err(DataError::at_line(path, 1, None, expected))
        })
}

fn read_rows(path: &Path, bytes: Vec<u8>) -> Result<Table, DataError> {
    let problem = |line: u64, found: String, expected: &str| {
        DataError::at_line(path, line, Some(&found), expected)
    };
    let unreadable = "a Parquet file pandas, Spark or DuckDB can read back";
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes))
        .map_err(|e| problem(1, e.to_string(), unreadable))?;
    let schema = reader.metadata().file_metadata().schema_descr();
    let header: Vec<String> = schema
        .root_schema()
        .get_fields()
        .iter()
        .enumerate()
        .map(|(i, field)| column_name(i, field.name()))
        .collect();
    let repeated = repeated_name_problems(path, 1, &header);
    if !repeated.is_empty() {
        return Err(DataError::invalid(repeated, false));
    }
    let mut rows = Vec::with_capacity(reader.metadata().file_metadata().num_rows().max(0) as usize);
    let iter = reader
        .get_row_iter(None)
        .map_err(|e| problem(1, e.to_string(), unreadable))?;
    for (index, row) in iter.enumerate() {
        let line = index as u64 + 2;
        let row = row.map_err(|e| problem(line, e.to_string(), unreadable))?;
        let cells = row
            .get_column_iter()
            .map(|(_, field)| text_of(field))
            .collect();
        rows.push(Row { line, cells });
    }
    if rows.is_empty() {
        return Err(problem(2, "no rows".into(), "at least one data row"));
    }
    Ok(Table {
        path: path.to_owned(),
        header,
        rows,
        sha256: String::new(),
        encoding: "parquet",
        delimiter: b',',
    })
}

/// A value as a CSV export of the table would write it.
fn text_of(field: &Field) -> String {
    match field {
        Field::Null => String::new(),
        Field::Str(text) => text.trim().to_owned(),
        Field::Float(x) => number_text(f64::from(*x)),
        Field::Double(x) => number_text(*x),
        Field::Date(days) => NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::days(i64::from(*days))))
            .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string()),
        Field::TimestampMillis(ms) => instant_text(DateTime::from_timestamp_millis(*ms)),
        Field::TimestampMicros(us) => instant_text(DateTime::from_timestamp_micros(*us)),
        Field::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        other => other.to_string(),
    }
}

/// A timestamp as its text (a date at midnight: pandas stores dates as timestamps).
fn instant_text(at: Option<DateTime<chrono::Utc>>) -> String {
    at.map_or_else(String::new, |at| datetime_text(at.naive_utc()))
}
