//! Reading a CSV export into memory as text cells with their line numbers, refusing what is
//! not a readable table (binary data, undecodable text, ragged rows, absurd cells) with the
//! exact place. Exports come as HR systems write them: UTF-8 or UTF-16 with a byte-order
//! mark, or a legacy encoding (Windows-1252, GBK, …) recognised by its bytes; separated by
//! commas, semicolons, tabs or bars; with decimal commas where fields are semicolon-separated.

use crate::error::{DataError, Location, Problem};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The longest cell accepted. Real HR cells are short; a longer one means a broken quote or a
/// file that is not a table, and is reported instead of swallowing the rest of the file.
pub const MAX_CELL_BYTES: usize = 64 * 1024;

/// A CSV file (or a workbook's sheet) as read: header names and rows of trimmed text, each
/// with its 1-based line.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    /// Column names; a nameless column is called `column_N` (1-based), which is how a
    /// mapping refers to it.
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    /// SHA-256 of the file's bytes, so an import record says exactly which file it was.
    pub sha256: String,
    /// The encoding the file was read in (`UTF-8`, `windows-1252`, `GBK`, `UTF-16LE`, …), or
    /// `workbook` for an Excel or OpenDocument file.
    pub encoding: &'static str,
    /// The field separator found in the header line.
    pub delimiter: u8,
}

impl Table {
    /// A hash of the column names, sorted: files with the same columns share it, whatever
    /// their order, rows or format — the key under which a mapping is offered again.
    pub fn header_signature(&self) -> String {
        let mut names: Vec<&str> = self.header.iter().map(String::as_str).collect();
        names.sort_unstable();
        hex::encode(Sha256::digest(names.join("\n").as_bytes()))
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

impl Table {
    pub fn location(&self, line: u64, column: Option<usize>) -> Location {
        Location {
            file: self.path.clone(),
            line,
            column: column.map(|index| (index + 1, self.header[index].clone())),
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// How to read a file where detection is not enough.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Stop after this many problems.
    pub max_errors: usize,
    /// An encoding label (`windows-1252`, `GBK`, `Shift_JIS`, `UTF-16LE`…) that overrides
    /// detection, for the rare file whose bytes fit several encodings.
    pub encoding: Option<String>,
    /// The worksheet of a workbook to read, by name; the first with data when absent.
    pub sheet: Option<String>,
}

impl ReadOptions {
    pub fn new(max_errors: usize) -> Self {
        ReadOptions {
            max_errors,
            ..Default::default()
        }
    }

    /// The encoding and sheet a mapping names for its files.
    pub fn for_mapping(mapping: &crate::Mapping, max_errors: usize) -> Self {
        ReadOptions {
            max_errors,
            encoding: mapping.encoding.clone(),
            sheet: mapping.sheet.clone(),
        }
    }
}

/// Reads a whole CSV file, workbook or Parquet file, stopping after `max_errors` problems.
pub fn read_table(path: &Path, options: &ReadOptions) -> Result<Table, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let mut table = if crate::workbook::is_workbook(&bytes) {
        crate::workbook::read_workbook(path, &bytes, options.sheet.as_deref())?
    } else if crate::parquet_file::is_parquet(&bytes) {
        crate::parquet_file::read_parquet(path, bytes)?
    } else {
        let encoding = options
            .encoding
            .as_deref()
            .map(|label| encoding_named(path, label))
            .transpose()?;
        TableReader::new(path, options.max_errors).read(&bytes, encoding)?
    };
    table.sha256 = sha256;
    Ok(table)
}

/// The encoding a label names, or a problem listing common ones.
fn encoding_named(path: &Path, label: &str) -> Result<&'static encoding_rs::Encoding, DataError> {
    encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        let expected = "an encoding name such as UTF-8, UTF-16LE, windows-1252, GBK, GB18030, Shift_JIS or windows-1251";
        DataError::at_line(path, 1, Some(label), expected)
    })
}

struct TableReader {
    path: PathBuf,
    max_errors: usize,
    problems: Vec<Problem>,
}

impl TableReader {
    fn new(path: &Path, max_errors: usize) -> Self {
        TableReader {
            path: path.to_owned(),
            max_errors: max_errors.max(1),
            problems: Vec::new(),
        }
    }

    fn read(
        mut self,
        raw: &[u8],
        forced: Option<&'static encoding_rs::Encoding>,
    ) -> Result<Table, DataError> {
        let (decoded, encoding) = match forced {
            Some(encoding) => (self.decode_as(raw, encoding)?, encoding),
            None => decode(raw),
        };
        let bytes: &[u8] = &decoded;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            let column = Some((1, "(empty file)".to_owned()));
            return Err(self.fatal(
                1,
                column,
                None,
                "a header line and at least one row (the file is empty)",
            ));
        }
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            let (line, field) = line_and_field(bytes, offset);
            let column = Some((field, format!("column_{field}")));
            return Err(self.fatal(
                line,
                column,
                None,
                "text (found a NUL byte: this looks like a binary file, not CSV)",
            ));
        }
        // The csv crate miscounts lines on CRLF input; with LF endings its line numbers are exact.
        let normalized;
        let bytes = if bytes.windows(2).any(|w| w == b"\r\n") {
            normalized = crlf_to_lf(bytes);
            &normalized[..]
        } else {
            bytes
        };
        let delimiter = sniff_delimiter(bytes);
        let decimal_comma = delimiter == b';';
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes);
        let mut records = reader.byte_records();
        let header = match records.next() {
            Some(Ok(record)) => self.header(&record),
            Some(Err(error)) => {
                return Err(self.fatal(csv_line(&error), None, None, "a readable CSV header"))
            }
            None => return Err(self.fatal(1, None, None, "a header line")),
        };
        let header = header.ok_or_else(|| self.finish_err())?;
        let mut rows = Vec::new();
        for record in records {
            if self.problems.len() >= self.max_errors {
                break;
            }
            match record {
                Ok(record) => {
                    if let Some(mut row) = self.row(&record, &header) {
                        if decimal_comma {
                            row.cells.iter_mut().for_each(point_the_decimal_comma);
                        }
                        rows.push(row);
                    }
                }
                Err(error) => {
                    self.push_at(csv_line(&error), None, None, "a well-formed CSV record")
                }
            }
        }
        if self.problems.is_empty() && rows.is_empty() {
            self.push_at(2, None, None, "at least one data row after the header");
        }
        if !self.problems.is_empty() {
            return Err(self.finish_err());
        }
        Ok(Table {
            path: self.path,
            header,
            rows,
            sha256: String::new(),
            encoding: encoding.name(),
            delimiter,
        })
    }

    fn header(&mut self, record: &csv::ByteRecord) -> Option<Vec<String>> {
        let mut names = Vec::with_capacity(record.len());
        for (index, raw) in record.iter().enumerate() {
            let name = self.cell_text(1, index, &column_name(index, ""), raw)?;
            names.push(column_name(index, &name));
        }
        for (index, name) in repeated_names(&names) {
            self.push_at(1, Some((index + 1, name.clone())), Some(name), UNIQUE_NAMES);
        }
        self.problems.is_empty().then_some(names)
    }

    fn row(&mut self, record: &csv::ByteRecord, header: &[String]) -> Option<Row> {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1
            && record
                .get(0)
                .is_some_and(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            return None; // a blank line, e.g. trailing newlines at the end of an export
        }
        if record.len() != header.len() {
            // Point at the first field that is missing, or the first one too many.
            let position = record.len().min(header.len()) + 1;
            let name = header
                .get(position - 1)
                .cloned()
                .unwrap_or_else(|| "(beyond the header)".to_owned());
            let expected = format!(
                "{} fields as in the header, found {}",
                header.len(),
                record.len()
            );
            self.push_at(line, Some((position, name)), None, &expected);
            return None;
        }
        let mut cells = Vec::with_capacity(record.len());
        for (index, raw) in record.iter().enumerate() {
            cells.push(self.cell_text(line, index, &header[index], raw)?);
        }
        Some(Row { line, cells })
    }

    fn cell_text(&mut self, line: u64, index: usize, name: &str, raw: &[u8]) -> Option<String> {
        // Named only when a problem is reported, not copied for every cell read.
        let column = || Some((index + 1, name.to_owned()));
        if raw.len() > MAX_CELL_BYTES {
            let found = String::from_utf8_lossy(&raw[..200.min(raw.len())]).into_owned();
            let expected = format!(
                "a cell of at most {MAX_CELL_BYTES} bytes (this one has {})",
                raw.len()
            );
            self.push_at(line, column(), Some(&found), &expected);
            return None;
        }
        match std::str::from_utf8(raw) {
            Ok(text) => Some(text.trim().to_owned()),
            Err(_) => {
                let found = String::from_utf8_lossy(raw).into_owned();
                self.push_at(line, column(), Some(&found), "UTF-8 text");
                None
            }
        }
    }

    fn push_at(
        &mut self,
        line: u64,
        column: Option<(usize, String)>,
        found: Option<&str>,
        expected: &str,
    ) {
        let location = Location {
            file: self.path.clone(),
            line,
            column,
        };
        self.problems.push(Problem::new(location, found, expected));
    }

    fn fatal(
        &mut self,
        line: u64,
        column: Option<(usize, String)>,
        found: Option<&str>,
        expected: &str,
    ) -> DataError {
        self.push_at(line, column, found, expected);
        self.finish_err()
    }

    fn finish_err(&mut self) -> DataError {
        let truncated = self.problems.len() >= self.max_errors;
        DataError::invalid(std::mem::take(&mut self.problems), truncated)
    }

    /// The file decoded in the encoding the user named, or where it is not that encoding.
    fn decode_as<'r>(
        &mut self,
        raw: &'r [u8],
        encoding: &'static encoding_rs::Encoding,
    ) -> Result<std::borrow::Cow<'r, [u8]>, DataError> {
        let (text, had_errors) = encoding.decode_with_bom_removal(raw);
        if had_errors {
            let line = 1 + text
                .find('\u{FFFD}')
                .map_or(0, |at| text[..at].matches('\n').count()) as u64;
            let expected = format!(
                "text in {} (the encoding given): this line has bytes that are not; leave the encoding out to detect it, or name the right one",
                encoding.name()
            );
            return Err(self.fatal(line, None, None, &expected));
        }
        Ok(std::borrow::Cow::Owned(text.into_owned().into_bytes()))
    }
}

/// A table built in memory, for tests of the layers that read tables.
#[cfg(test)]
pub(crate) fn test_table(header: &[&str], rows: &[&[&str]]) -> Table {
    Table {
        path: "t.csv".into(),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| Row {
                line: i as u64 + 2,
                cells: r.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
        sha256: String::new(),
        encoding: "UTF-8",
        delimiter: b',',
    }
}

/// A header cell's column name: as written, or `column_N` (1-based) when it is empty.
pub(crate) fn column_name(index: usize, written: &str) -> String {
    if written.is_empty() {
        format!("column_{}", index + 1)
    } else {
        written.to_owned()
    }
}

/// What a header with a name twice is refused for.
pub(crate) const UNIQUE_NAMES: &str = "unique column names";

/// A header's repeated names as problems on its `line`, each naming its column.
pub(crate) fn repeated_name_problems(path: &Path, line: u64, names: &[String]) -> Vec<Problem> {
    repeated_names(names)
        .map(|(index, name)| {
            let location = Location {
                file: path.to_owned(),
                line,
                column: Some((index + 1, name.clone())),
            };
            Problem::new(location, Some(name), UNIQUE_NAMES)
        })
        .collect()
}

/// A number as a CSV export writes it: `3900` for 3900.0 (workbooks and Parquet files store
/// many whole numbers as floats), the shortest exact text otherwise, nothing for NaN.
pub(crate) fn number_text(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A date and time as a CSV export writes it: the date alone at midnight (dates are often
/// stored as date-times), else `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn datetime_text(at: chrono::NaiveDateTime) -> String {
    if at.time() == chrono::NaiveTime::MIN {
        at.date().format("%Y-%m-%d").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// Each column (0-based) whose name an earlier column already has.
pub(crate) fn repeated_names(names: &[String]) -> impl Iterator<Item = (usize, &String)> {
    names
        .iter()
        .enumerate()
        .filter(|(index, name)| names[..*index].contains(name))
}

/// The file's text as UTF-8, and the encoding it was written in: by its byte-order mark
/// (UTF-8, UTF-16LE/BE, removed); UTF-8 when it is valid UTF-8; otherwise the legacy encoding
/// its bytes point to (chardetng, as Firefox guesses an unlabelled page's). Bytes no decoder
/// takes cleanly are left as they are, for the cells to report where they are.
fn decode(raw: &[u8]) -> (std::borrow::Cow<'_, [u8]>, &'static encoding_rs::Encoding) {
    use std::borrow::Cow;
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(raw) {
        let (text, _) = encoding.decode_without_bom_handling(&raw[bom..]);
        return (Cow::Owned(text.into_owned().into_bytes()), encoding);
    }
    // Valid UTF-8 — or broken UTF-8: text that is UTF-8 in places (a damaged file, two files
    // pasted together) is reported where it breaks, not re-read in another encoding.
    if std::str::from_utf8(raw).is_ok() || has_utf8_beyond_ascii(raw) {
        return (Cow::Borrowed(raw), encoding_rs::UTF_8);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(raw, true);
    let (encoding, confident) = detector.guess_assess(None, true);
    match encoding.decode_without_bom_handling_and_without_replacement(raw) {
        Some(text) if confident => (Cow::Owned(text.into_owned().into_bytes()), encoding),
        _ => (Cow::Borrowed(raw), encoding_rs::UTF_8),
    }
}

/// Whether the file reads mostly as UTF-8 beyond ASCII: more of its non-ASCII bytes form
/// UTF-8 characters than do not. (A legacy encoding's bytes form a UTF-8 character now and
/// then by chance; a damaged UTF-8 file is the other way round.)
fn has_utf8_beyond_ascii(raw: &[u8]) -> bool {
    let (mut utf8, mut invalid) = (0usize, 0usize);
    for chunk in raw.utf8_chunks() {
        utf8 += chunk.valid().bytes().filter(|b| !b.is_ascii()).count();
        invalid += chunk.invalid().len();
    }
    utf8 > invalid
}

/// The separator the header line uses most outside quotes: `,` `;` tab or `|` (`,` when
/// none; the earlier in that list on a tie).
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(count) = counts.iter_mut().find(|(d, _)| *d == b) {
                count.1 += 1;
            }
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    counts
        .iter()
        .find(|(_, n)| *n == best && best > 0)
        .map_or(b',', |(d, _)| *d)
}

/// `1,5` → `1.5` (a number with one decimal comma, as semicolon-separated exports write them);
/// anything else is left alone.
fn point_the_decimal_comma(cell: &mut String) {
    // The number sits between any currency sign or code and the end: `52.000,00 €`.
    let Some(start) = cell.find(|c: char| c.is_ascii_digit()) else {
        return;
    };
    let end = cell
        .rfind(|c: char| c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let number = &cell[start..end];
    let Some((whole, fraction)) = number.split_once(',') else {
        return;
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    // `52.000,00`: points group thousands where the comma marks decimals.
    let mut groups = whole.split('.');
    let first = groups.next().unwrap_or_default();
    let grouped = all_digits(first)
        && (!whole.contains('.') || first.len() <= 3)
        && groups.all(|g| g.len() == 3 && all_digits(g));
    if grouped && all_digits(fraction) {
        let pointed = format!("{}.{fraction}", whole.replace('.', ""));
        *cell = format!("{}{pointed}{}", &cell[..start], &cell[end..]);
    }
}

/// The 1-based line and comma-separated field of a byte offset, for pointing at binary junk.
fn line_and_field(bytes: &[u8], offset: usize) -> (u64, usize) {
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count() as u64;
    let field = 1 + before[line_start..].iter().filter(|&&b| b == b',').count();
    (line, field)
}

fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

fn csv_line(error: &csv::Error) -> u64 {
    error.position().map_or(1, |p| p.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<Table, DataError> {
        TableReader::new(Path::new("t.csv"), 10).read(text, None)
    }

    fn first_problem(text: &[u8]) -> Problem {
        match read(text) {
            Err(DataError::Invalid { problems, .. }) => problems[0].clone(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn reads_bom_crlf_quotes_and_a_nameless_first_column() {
        let table =
            read(b"\xEF\xBB\xBF,id,\"name, full\"\r\n0,7,\"Doe, J\"\r\n1,8,\"x \"\"y\"\"\"\r\n")
                .unwrap();
        assert_eq!(table.header, ["column_1", "id", "name, full"]);
        assert_eq!(table.rows[0].cells, ["0", "7", "Doe, J"]);
        assert_eq!(table.rows[1].cells[2], "x \"y\"");
        assert_eq!(table.rows[1].line, 3);
    }

    #[test]
    fn a_windows_1252_export_with_semicolons_and_decimal_commas_reads_as_numbers() {
        let text = "Personalnummer;Gehalt;Abteilung;Stunden\n7;3900,50;Vertrieb;38,5\n8;4100;Geschäftsführung;40\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        assert!(std::str::from_utf8(&bytes).is_err(), "the ä is one byte");
        let table = read(&bytes).unwrap();
        assert_eq!(table.encoding, "windows-1252");
        assert_eq!(table.delimiter, b';');
        assert_eq!(
            table.header,
            ["Personalnummer", "Gehalt", "Abteilung", "Stunden"]
        );
        assert_eq!(table.rows[0].cells, ["7", "3900.50", "Vertrieb", "38.5"]);
        assert_eq!(table.rows[1].cells[2], "Geschäftsführung");
    }

    #[test]
    fn a_gbk_export_with_chinese_headers_reads_in_its_own_characters() {
        let text = "工号,部门,职级,薪资,入职日期,离职日期,离职原因\n\
                    1001,研发部,P5,18000,2019-03-01,,\n\
                    1002,销售部,P4,12000,2020-07-15,2023-02-28,主动离职\n\
                    1003,人力资源部,P6,21000,2018-11-20,2022-09-30,辞职\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let table = read(&bytes).unwrap();
        assert_eq!(table.encoding, "GBK");
        assert_eq!(table.header[0], "工号");
        assert_eq!(table.header[6], "离职原因");
        assert_eq!(table.rows[1].cells[6], "主动离职");
        assert_eq!(table.rows[2].cells[1], "人力资源部");
    }

    /// Japanese exports in Shift_JIS and Russian ones in Windows-1251 are recognised by their
    /// bytes, and `--encoding` overrides the guess.
    /// An encoding name that names none is refused before the file is read, with the
    /// names to choose from.
    #[test]
    fn an_unknown_encoding_name_is_refused_with_the_names_to_choose_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("staff.csv");
        std::fs::write(&path, "id,pay\n7,3900\n").unwrap();
        let options = ReadOptions {
            max_errors: 5,
            encoding: Some("latin-9000".into()),
            sheet: None,
        };
        let error = read_table(&path, &options).unwrap_err().to_string();
        assert!(
            error.contains("staff.csv:1: expected an encoding name such as UTF-8"),
            "{error}"
        );
        assert!(error.contains("found \"latin-9000\""), "{error}");
    }

    #[test]
    fn shift_jis_and_windows_1251_exports_are_recognised_and_the_guess_can_be_overridden() {
        let japanese = "社員番号,氏名,部署,給与,入社日,退職日,退職理由\n\
                        1001,山田太郎,営業部,350000,2019-04-01,,\n\
                        1002,佐藤花子,開発部,420000,2018-10-01,2023-03-31,自己都合退職\n\
                        1003,鈴木一郎,人事部,380000,2020-07-01,,\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(japanese);
        let table = read(&bytes).unwrap();
        assert_eq!(table.encoding, "Shift_JIS");
        assert_eq!(table.header[2], "部署");
        assert_eq!(table.rows[1].cells[6], "自己都合退職");
        let russian = "Табельный номер;ФИО;Отдел;Оклад;Дата приёма;Дата увольнения\n\
                       1;Иванов Иван Иванович;Продажи;85000,50;01.02.2019;\n\
                       2;Петрова Анна Сергеевна;Разработка;120000;15.06.2020;31.03.2023\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(russian);
        let table = read(&bytes).unwrap();
        assert_eq!(table.encoding, "windows-1251");
        assert_eq!(table.header[1], "ФИО");
        assert_eq!(table.rows[0].cells[3], "85000.50");
        // Read as Windows-1252 when told so: the same bytes, other letters, no error.
        let table = TableReader::new(Path::new("t.csv"), 10)
            .read(&bytes, Some(encoding_rs::WINDOWS_1252))
            .unwrap();
        assert_eq!(table.encoding, "windows-1252");
        assert_ne!(table.header[1], "ФИО");
    }

    #[test]
    fn a_utf16_export_with_its_byte_order_mark_and_tabs_reads() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "id\tpay\n7\t3900\n".encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        let table = read(&bytes).unwrap();
        assert_eq!(table.encoding, "UTF-16LE");
        assert_eq!(table.delimiter, b'\t');
        assert_eq!(table.rows[0].cells, ["7", "3900"]);
    }

    #[test]
    fn commas_stay_the_separator_and_decimal_commas_are_only_read_with_semicolons() {
        let table = read(b"id,name\n7,\"1,5\"\n").unwrap();
        assert_eq!(table.delimiter, b',');
        assert_eq!(table.rows[0].cells, ["7", "1,5"]);
        let table = read(b"id;note;pay\n7;a,b;-2,25\n").unwrap();
        assert_eq!(table.rows[0].cells, ["7", "a,b", "-2.25"]);
        let table =
            read("id;pay;bonus;date\n7;52.000,00 €;-1.234.567,5;31.01.2023\n".as_bytes()).unwrap();
        assert_eq!(
            table.rows[0].cells,
            ["7", "52000.00 €", "-1234567.5", "31.01.2023"]
        );
    }

    #[test]
    fn ragged_row_names_its_line() {
        let problem = first_problem(b"a,b\n1,2\n3\n");
        assert_eq!(problem.location.line, 3);
        assert_eq!(
            problem.location.column,
            Some((2, "b".into())),
            "the first missing field"
        );
        assert!(problem.expected.contains("2 fields"), "{problem}");
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        // UTF-8 text ("café crème") with one damaged byte: reported where it breaks.
        let problem = first_problem(b"a,b\n1,caf\xc3\xa9 cr\xc3\xa8me\n3,\xff\n");
        assert_eq!(problem.location.line, 3);
        assert_eq!(problem.location.column, Some((2, "b".into())));
    }

    #[test]
    fn empty_and_binary_files_are_refused() {
        assert!(first_problem(b"").expected.contains("empty"));
        let binary = first_problem(b"a,b\n1,\x00\x01\n");
        assert!(binary.expected.contains("binary"));
        assert_eq!(
            (binary.location.line, binary.location.column.map(|c| c.0)),
            (2, Some(2))
        );
        assert!(first_problem(b"a,b\n").expected.contains("data row"));
    }

    #[test]
    fn overlong_cell_is_refused_with_its_size() {
        let mut text = b"a,b\n1,".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_CELL_BYTES + 1));
        let problem = first_problem(&text);
        assert_eq!(problem.location.line, 2);
        assert_eq!(problem.location.column, Some((2, "b".into())));
        assert!(problem.found.unwrap().len() < 200);
    }
}
