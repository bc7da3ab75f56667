//! Validating every row of a table against an import plan and turning it into snapshots.
//! Either every row is good and the whole file comes back, or the problems do.

use crate::cells::{date_example, is_missing, parse_date, parse_number};
use crate::error::{DataError, Problem};
use crate::mapping::{ColumnUse, ImportPlan, DEFAULT_EVENT_VALUE};
use crate::table::{Row, Table};
use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use tenure_domain::{
    Cell, ColumnKind, Exit, FrameBuilder, Outcome, PersonKey, Snapshot, SnapshotFrame, Value,
};

/// One validated row and where it came from.
#[derive(Debug, Clone)]
pub struct ImportedRow {
    pub line: u64,
    pub snapshot: Snapshot,
    /// A digest of everything the row says, so re-importing an unchanged row is recognised
    /// without comparing values column by column.
    pub fingerprint: String,
}

/// A file that passed validation, ready to be written in one transaction.
#[derive(Debug, Clone)]
pub struct ParsedImport {
    pub plan: ImportPlan,
    pub rows: Vec<ImportedRow>,
    /// Rows repeated verbatim inside the file (same person, date and values), dropped.
    pub repeated_rows: usize,
}

/// Validates the table's rows, reporting at most `max_errors` problems.
pub fn parse_snapshots(
    table: &Table,
    plan: ImportPlan,
    max_errors: usize,
) -> Result<ParsedImport, DataError> {
    let mut parser = RowParser::new(table, &plan, max_errors.max(1));
    let mut rows = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        if parser.is_full() {
            break;
        }
        if let Some(snapshot) = parser.snapshot(row) {
            rows.push(ImportedRow {
                line: row.line,
                fingerprint: fingerprint(&snapshot),
                snapshot,
            });
        }
    }
    let repeated_rows = parser.drop_repeats(&mut rows);
    parser.finish()?;
    Ok(ParsedImport {
        plan,
        rows,
        repeated_rows,
    })
}

/// A file that passed validation, as one columnar frame of its inputs: what evaluating and
/// deriving features need, without a map per row. Protected columns are validated but not
/// kept (they are never model inputs).
#[derive(Debug, Clone)]
pub struct ParsedFrame {
    pub plan: ImportPlan,
    pub frame: SnapshotFrame,
    /// The file line of each of the frame's rows.
    pub lines: Vec<u64>,
    /// Rows repeated verbatim inside the file (same person, date and values), dropped.
    pub repeated_rows: usize,
}

/// [`parse_snapshots`] streaming each valid row into a [`SnapshotFrame`]: the same checks and
/// the same problems, in the same order, and the same rows kept.
pub fn parse_frame(
    table: &Table,
    plan: ImportPlan,
    max_errors: usize,
) -> Result<ParsedFrame, DataError> {
    let mut parser = RowParser::new(table, &plan, max_errors.max(1));
    let inputs: Vec<(usize, &str)> = parser
        .cell_columns
        .iter()
        .enumerate()
        .filter(|&(_, &c)| plan.columns[c].usage == ColumnUse::Input)
        .map(|(at, &c)| (at, plan.columns[c].name.as_str()))
        .collect();
    let id_column = plan.index_of(&ColumnUse::Id);
    let mut builder = FrameBuilder::default();
    let mut lines = Vec::with_capacity(table.rows.len());
    // The first row of each person and date, by the id cell's text (the key it parses to).
    let mut first: HashMap<(&str, Option<NaiveDate>), usize> = HashMap::new();
    let mut conflicts = Vec::new();
    let mut repeated_rows = 0;
    for (at, row) in table.rows.iter().enumerate() {
        if parser.is_full() {
            break;
        }
        let Some(parsed) = parser.parse_row(row) else {
            continue;
        };
        if let Some(id) = id_column {
            let key = (row.cells[id].as_str(), parsed.head.as_of);
            if let Some(&earlier) = first.get(&key) {
                let earlier_row = &table.rows[earlier];
                if parser.parse_row(earlier_row).as_ref() == Some(&parsed) {
                    repeated_rows += 1;
                } else {
                    conflicts.push((row.line, earlier_row.line, parsed.head));
                }
                continue;
            }
            first.insert(key, at);
        }
        let head = &parsed.head;
        builder.start_row_for(&head.person, head.as_of, head.exit.clone(), head.outcome);
        for &(at, name) in &inputs {
            builder.set(name, parsed.cells[at]);
        }
        lines.push(row.line);
    }
    for (line, earlier, head) in conflicts {
        parser.conflict(line, earlier, &head.person, head.as_of);
    }
    parser.finish()?;
    Ok(ParsedFrame {
        frame: builder.finish(),
        plan,
        lines,
        repeated_rows,
    })
}

struct RowParser<'a> {
    table: &'a Table,
    plan: &'a ImportPlan,
    max_errors: usize,
    problems: Vec<Problem>,
    /// Distinct values seen in the target and event columns: a third one is a typo.
    outcome_values: BTreeMap<usize, Vec<String>>,
    /// The plan's input and protected columns, in the file's order.
    cell_columns: Vec<usize>,
    /// A roster's time-to-event counted from dates: the hire-date column and its format, and
    /// the day stayers are followed until.
    dated_durations: Option<DatedDurations<'a>>,
}

/// How a roster's durations are counted from its dates.
#[derive(Debug, Clone, Copy)]
struct DatedDurations<'a> {
    hire: usize,
    hire_format: &'a str,
    until: Option<NaiveDate>,
}

/// Days in an average month, for durations counted from dates.
const DAYS_A_MONTH: f64 = 30.4375;

/// A row's fields other than its inputs, validated.
#[derive(Debug, Clone, PartialEq)]
struct RowHead {
    person: PersonKey,
    as_of: Option<NaiveDate>,
    exit: Option<Exit>,
    outcome: Option<Outcome>,
}

/// A validated row: its fields, and its input and protected cells borrowed from the table.
#[derive(Debug, Clone, PartialEq)]
struct ParsedRow<'r> {
    head: RowHead,
    /// One per [`RowParser::cell_columns`].
    cells: Vec<Cell<'r>>,
}

impl<'a> RowParser<'a> {
    fn new(table: &'a Table, plan: &'a ImportPlan, max_errors: usize) -> Self {
        RowParser {
            table,
            plan,
            max_errors,
            problems: Vec::new(),
            outcome_values: BTreeMap::new(),
            dated_durations: dated_durations(table, plan),
            cell_columns: plan
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(c.usage, ColumnUse::Input | ColumnUse::Protected))
                .map(|(i, _)| i)
                .collect(),
        }
    }

    fn is_full(&self) -> bool {
        self.problems.len() >= self.max_errors
    }

    /// Every problem found, if there was one: the file is refused whole.
    fn finish(self) -> Result<(), DataError> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let truncated = self.is_full();
        Err(DataError::invalid(self.problems, truncated))
    }

    fn problem(&mut self, row: &Row, column: Option<usize>, found: Option<&str>, expected: String) {
        if !self.is_full() {
            self.problems.push(Problem::new(
                self.table.location(row.line, column),
                found,
                expected,
            ));
        }
    }

    fn snapshot(&mut self, row: &Row) -> Option<Snapshot> {
        let parsed = self.parse_row(row)?;
        let mut values = BTreeMap::new();
        let mut protected = BTreeMap::new();
        for (&index, &cell) in self.cell_columns.iter().zip(&parsed.cells) {
            let column = &self.plan.columns[index];
            let target = match column.usage {
                ColumnUse::Protected => &mut protected,
                _ => &mut values,
            };
            target.insert(column.name.clone(), Value::from(cell));
        }
        let head = parsed.head;
        Some(Snapshot {
            person: head.person,
            as_of: head.as_of,
            values,
            protected,
            exit: head.exit,
            outcome: head.outcome,
        })
    }

    /// A row's fields and its input and protected cells, every problem of the row recorded
    /// (none returned when there was one).
    fn parse_row<'r>(&mut self, row: &'r Row) -> Option<ParsedRow<'r>> {
        let before = self.problems.len();
        let person = self.person(row);
        let as_of = self.dated(row, &ColumnUse::AsOf, true);
        let exit = self.exit(row);
        let outcome = match (self.dated_durations, &exit) {
            (Some(dated), Some(exit)) => self.dated_outcome(row, dated, exit.as_ref()),
            _ => self.outcome(row),
        };
        let mut cells = Vec::with_capacity(self.cell_columns.len());
        for i in 0..self.cell_columns.len() {
            if let Some(cell) = self.cell(row, self.cell_columns[i]) {
                cells.push(cell);
            }
        }
        if self.problems.len() > before {
            return None;
        }
        Some(ParsedRow {
            head: RowHead {
                person: person?,
                as_of: as_of.flatten(),
                exit: exit?,
                outcome: outcome?,
            },
            cells,
        })
    }

    fn person(&mut self, row: &Row) -> Option<PersonKey> {
        let Some(index) = self.plan.index_of(&ColumnUse::Id) else {
            return PersonKey::parse(&(row.line - 1).to_string()).ok();
        };
        let cell = &row.cells[index];
        match PersonKey::parse(cell) {
            Ok(key) if !is_missing(cell) => Some(key),
            Ok(_) | Err(tenure_domain::DomainError::EmptyPersonKey) => {
                self.problem(
                    row,
                    Some(index),
                    Some(cell),
                    "a person id (it is missing)".into(),
                );
                None
            }
            Err(error) => {
                self.problem(
                    row,
                    Some(index),
                    Some(cell),
                    format!("a person id: {error}"),
                );
                None
            }
        }
    }

    /// A date column's value: `Some(None)` when the column is absent or (if allowed) empty.
    fn dated(&mut self, row: &Row, usage: &ColumnUse, required: bool) -> Option<Option<NaiveDate>> {
        let Some(index) = self.plan.index_of(usage) else {
            return Some(None);
        };
        let cell = &row.cells[index];
        if is_missing(cell) && !required {
            return Some(None);
        }
        self.date(row, index).map(Some)
    }

    fn date(&mut self, row: &Row, index: usize) -> Option<NaiveDate> {
        let format = self.plan.columns[index]
            .date_format
            .clone()
            .unwrap_or_default();
        let cell = &row.cells[index];
        let parsed = parse_date(cell, &format);
        if parsed.is_none() {
            let expected = format!("a date written {format} (like {})", date_example(&format));
            self.problem(row, Some(index), Some(cell), expected);
        }
        parsed
    }

    fn exit(&mut self, row: &Row) -> Option<Option<Exit>> {
        let date = self.dated(row, &ColumnUse::ExitDate, false)?;
        let kind_index = self.plan.index_of(&ColumnUse::ExitKind);
        let kind = kind_index
            .map(|i| row.cells[i].clone())
            .filter(|k| !is_missing(k));
        let Some(date) = date else {
            if let (Some(index), Some(kind)) = (kind_index, &kind) {
                self.problem(
                    row,
                    Some(index),
                    Some(kind),
                    "no exit kind on a row without an exit date".into(),
                );
                return None;
            }
            return Some(None);
        };
        let voluntary = match (&kind, kind_index) {
            (Some(kind), _) => self
                .plan
                .mapping
                .voluntary
                .iter()
                .any(|v| v.eq_ignore_ascii_case(kind)),
            // With no exit-kind column at all every exit is taken as voluntary (documented).
            (None, None) => true,
            (None, Some(_)) => false,
        };
        Some(Some(Exit {
            date,
            kind,
            voluntary,
        }))
    }

    fn outcome(&mut self, row: &Row) -> Option<Option<Outcome>> {
        if let Some(index) = self.plan.index_of(&ColumnUse::Target) {
            let positive = self.plan.mapping.positive.clone().unwrap_or_default();
            let left = self.binary(row, index, &positive)?;
            return Some(Some(Outcome::Left(left)));
        }
        let Some(duration_index) = self.plan.index_of(&ColumnUse::Duration) else {
            return Some(None);
        };
        let cell = &row.cells[duration_index];
        let duration = parse_number(cell).filter(|d| *d >= 0.0);
        if duration.is_none() {
            self.problem(
                row,
                Some(duration_index),
                Some(cell),
                "a duration: a number ≥ 0".into(),
            );
        }
        let event_index = self.plan.index_of(&ColumnUse::Event)?;
        let event_value = self
            .plan
            .mapping
            .event_value
            .clone()
            .unwrap_or_else(|| DEFAULT_EVENT_VALUE.into());
        let event = self.binary(row, event_index, &event_value)?;
        Some(Some(Outcome::Duration {
            duration: duration?,
            event,
        }))
    }

    /// A roster row's time-to-event: months from the hire date to the exit (a voluntary one
    /// is the event) or, for someone still employed, to the day the export was taken.
    fn dated_outcome(
        &mut self,
        row: &Row,
        dated: DatedDurations,
        exit: Option<&Exit>,
    ) -> Option<Option<Outcome>> {
        let cell = &row.cells[dated.hire];
        let Some(hired) = parse_date(cell, dated.hire_format) else {
            let expected = format!(
                "a hire date written {} (like {}): how long someone stayed is counted from it",
                dated.hire_format,
                date_example(dated.hire_format)
            );
            self.problem(row, Some(dated.hire), Some(cell), expected);
            return None;
        };
        let end = match (exit, dated.until) {
            (Some(exit), _) => exit.date,
            (None, Some(until)) => until,
            (None, None) => return Some(None),
        };
        if end < hired {
            let expected = format!(
                "a hire date on or before {end} (the exit, or the day the export was taken)"
            );
            self.problem(row, Some(dated.hire), Some(cell), expected);
            return None;
        }
        Some(Some(Outcome::Duration {
            duration: (end - hired).num_days() as f64 / DAYS_A_MONTH,
            event: exit.is_some_and(|e| e.voluntary),
        }))
    }

    /// A two-valued outcome cell: true when it equals `positive`. A third distinct value is
    /// almost always a typo ("Yes " vs "yes"), so it is refused, not read as negative.
    fn binary(&mut self, row: &Row, index: usize, positive: &str) -> Option<bool> {
        let cell = row.cells[index].clone();
        if is_missing(&cell) {
            self.problem(
                row,
                Some(index),
                Some(&cell),
                format!("an outcome value (\"{positive}\" or the other value)"),
            );
            return None;
        }
        let is_positive = same_outcome(&cell, positive);
        let seen = self.outcome_values.entry(index).or_default();
        if !seen.iter().any(|v| same_outcome(v, &cell)) {
            let negative_seen = seen.iter().find(|v| !same_outcome(v, positive)).cloned();
            if seen.len() == 2 || (negative_seen.is_some() && !is_positive) {
                let other =
                    negative_seen.map_or_else(|| "the other value".into(), |v| format!("\"{v}\""));
                let expected = format!("one of two outcome values: \"{positive}\" or {other}");
                self.problem(row, Some(index), Some(&cell), expected);
                return None;
            }
            seen.push(cell.clone());
        }
        Some(is_positive)
    }

    fn cell<'r>(&mut self, row: &'r Row, index: usize) -> Option<Cell<'r>> {
        let cell = &row.cells[index];
        if is_missing(cell) {
            return Some(Cell::Missing);
        }
        let column = &self.plan.columns[index];
        match column.kind {
            ColumnKind::Category => Some(Cell::Text(cell)),
            ColumnKind::Date => self.date(row, index).map(Cell::Date),
            ColumnKind::Number => {
                let number = parse_number(cell);
                if number.is_none() {
                    let expected = if column.inferred {
                        "a number (the column is numeric in nearly every other row; declare it `category` under [columns] if text is meant)"
                    } else {
                        "a number"
                    };
                    self.problem(row, Some(index), Some(cell), expected.into());
                }
                number.map(Cell::Number)
            }
        }
    }

    /// Drops rows repeated verbatim and reports keys that appear twice with different values.
    fn drop_repeats(&mut self, rows: &mut Vec<ImportedRow>) -> usize {
        let mut first_line: HashMap<(PersonKey, Option<NaiveDate>), (u64, String)> =
            HashMap::with_capacity(rows.len());
        let before = rows.len();
        let mut conflicts = Vec::new();
        rows.retain(|row| {
            let key = (row.snapshot.person.clone(), row.snapshot.as_of);
            match first_line.get(&key) {
                None => {
                    first_line.insert(key, (row.line, row.fingerprint.clone()));
                    true
                }
                Some((_, fingerprint)) if *fingerprint == row.fingerprint => false,
                Some((line, _)) => {
                    conflicts.push((row.line, *line, key));
                    false
                }
            }
        });
        for (line, first, (person, as_of)) in conflicts {
            self.conflict(line, first, &person, as_of);
        }
        before - rows.len()
    }

    /// Reports a person and date already on an earlier line with different values.
    fn conflict(&mut self, line: u64, first: u64, person: &PersonKey, as_of: Option<NaiveDate>) {
        let when = as_of.map(|d| format!(" as of {d}")).unwrap_or_default();
        let expected = format!("one row per person and as-of date: person {person}{when} is already on line {first} with different values");
        let row = Row {
            line,
            cells: Vec::new(),
        };
        let id_column = self.plan.index_of(&ColumnUse::Id);
        self.problem(&row, id_column, Some(person.as_str()), expected);
    }
}

/// A stable digest of a snapshot's content: names, kinds and values in name order.
pub fn fingerprint(snapshot: &Snapshot) -> String {
    let mut hasher = Sha256::new();
    let mut put = |tag: u8, part: &[u8]| {
        hasher.update([tag]);
        hasher.update(part);
        hasher.update([0x1f]);
    };
    for (section, values) in [(b'v', &snapshot.values), (b'p', &snapshot.protected)] {
        for (name, value) in values {
            put(section, name.as_bytes());
            match value {
                Value::Number(x) => put(b'n', &x.to_bits().to_le_bytes()),
                Value::Category(s) => put(b'c', s.as_bytes()),
                Value::Date(d) => put(b'd', &d.num_days_from_ce().to_le_bytes()),
                Value::Missing => put(b'm', &[]),
            }
        }
    }
    if let Some(exit) = &snapshot.exit {
        put(
            b'x',
            format!("{} {:?} {}", exit.date, exit.kind, exit.voluntary).as_bytes(),
        );
    }
    if let Some(outcome) = &snapshot.outcome {
        put(b'o', format!("{outcome:?}").as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

/// How a roster's durations are counted, when its mapping counts them from dates: the
/// hire-date column, its format, and the day stayers are followed until (`observed_until`,
/// else the latest exit date in the file).
fn dated_durations<'a>(table: &Table, plan: &'a ImportPlan) -> Option<DatedDurations<'a>> {
    let mapping = &plan.mapping;
    if !mapping.durations_from_dates() {
        return None;
    }
    let hire = table.column_index(mapping.roles.hire_date.as_deref()?)?;
    let hire_format = plan.columns[hire]
        .date_format
        .as_deref()
        .unwrap_or(crate::mapping::DEFAULT_DATE_FORMAT);
    let until = match &mapping.observed_until {
        Some(day) => parse_date(day, crate::mapping::DEFAULT_DATE_FORMAT),
        None => {
            let exit = plan.index_of(&ColumnUse::ExitDate)?;
            let format = plan.columns[exit].date_format.as_deref()?;
            table
                .rows
                .iter()
                .filter_map(|r| parse_date(&r.cells[exit], format))
                .max()
        }
    };
    Some(DatedDurations {
        hire,
        hire_format,
        until,
    })
}

/// Whether two outcome cells say the same: equal text, or equal numbers however written
/// (`1`, `1.0`, `1.00`), as exports from statistics tools write flags.
pub(crate) fn same_outcome(a: &str, b: &str) -> bool {
    a == b
        || match (parse_number(a), parse_number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Mapping;
    use crate::table::test_table as table;

    fn panel_mapping() -> Mapping {
        Mapping {
            id: Some("id".into()),
            as_of: Some("month".into()),
            as_of_format: Some("%m/%d/%y".into()),
            exit_date: Some("left_on".into()),
            exit_date_format: Some("%d/%m/%y".into()),
            columns: [("pay".to_string(), ColumnKind::Number)].into(),
            ..Default::default()
        }
    }

    fn parse(t: &Table, mapping: &Mapping) -> Result<ParsedImport, DataError> {
        parse_snapshots(t, ImportPlan::new(mapping, t)?, 10)
    }

    fn problems(t: &Table, mapping: &Mapping) -> Vec<String> {
        match parse(t, mapping) {
            Err(DataError::Invalid { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn panel_rows_become_dated_snapshots_with_exits() {
        let t = table(
            &["id", "month", "pay", "left_on"],
            &[
                &["7", "01/01/19", "100", ""],
                &["7", "02/01/19", "", "15/02/19"],
            ],
        );
        let parsed = parse(&t, &panel_mapping()).unwrap();
        let last = &parsed.rows[1].snapshot;
        assert_eq!(last.as_of, NaiveDate::from_ymd_opt(2019, 2, 1));
        assert_eq!(last.values["pay"], Value::Missing);
        let exit = last.exit.as_ref().unwrap();
        assert_eq!(exit.date, NaiveDate::from_ymd_opt(2019, 2, 15).unwrap());
        assert!(
            exit.voluntary,
            "without an exit-kind column every exit counts as voluntary"
        );
    }

    #[test]
    fn wrong_date_format_names_line_column_value_and_format() {
        let t = table(
            &["id", "month", "pay", "left_on"],
            &[&["7", "2019-01-01", "100", ""]],
        );
        let found = problems(&t, &panel_mapping());
        assert_eq!(found[0], "t.csv:2:2 (column \"month\"): expected a date written %m/%d/%y (like 03/31/24), found \"2019-01-01\"");
    }

    #[test]
    fn text_in_a_numeric_column_and_a_missing_id_are_both_reported() {
        let t = table(
            &["id", "month", "pay", "left_on"],
            &[&["7", "01/01/19", "abc", ""], &["", "01/01/19", "1", ""]],
        );
        let found = problems(&t, &panel_mapping());
        assert!(
            found[0].starts_with("t.csv:2:3 (column \"pay\"): expected a number"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("t.csv:3:1 (column \"id\"): expected a person id"),
            "{found:?}"
        );
    }

    #[test]
    fn conflicting_duplicate_keys_name_both_lines_and_verbatim_repeats_are_dropped() {
        let rows: &[&[&str]] = &[
            &["7", "01/01/19", "1", ""],
            &["7", "01/01/19", "1", ""],
            &["7", "01/01/19", "2", ""],
        ];
        let found = problems(
            &table(&["id", "month", "pay", "left_on"], rows),
            &panel_mapping(),
        );
        assert!(
            found[0].starts_with("t.csv:4:1 (column \"id\")")
                && found[0].contains("already on line 2"),
            "{found:?}"
        );
        let parsed = parse(
            &table(&["id", "month", "pay", "left_on"], &rows[..2]),
            &panel_mapping(),
        )
        .unwrap();
        assert_eq!((parsed.rows.len(), parsed.repeated_rows), (1, 1));
    }

    #[test]
    fn a_third_target_value_is_a_typo_not_a_negative() {
        let t = table(
            &["id", "Attrition"],
            &[&["1", "Yes"], &["2", "No"], &["3", "yes"]],
        );
        let mapping = Mapping {
            id: Some("id".into()),
            target: Some("Attrition".into()),
            positive: Some("Yes".into()),
            ..Default::default()
        };
        assert!(problems(&t, &mapping)[0].starts_with("t.csv:4:2"));
    }

    #[test]
    fn a_flag_written_as_decimals_matches_its_positive_value_written_plainly() {
        let t = table(
            &["id", "left"],
            &[
                &["1", "0.0"],
                &["2", "1.0"],
                &["3", "1"],
                &["4", "0"],
                &["5", "2.0"],
            ],
        );
        let mapping = Mapping {
            id: Some("id".into()),
            target: Some("left".into()),
            positive: Some("1".into()),
            ..Default::default()
        };
        let found = problems(&t, &mapping);
        assert_eq!(
            found,
            ["t.csv:6:2 (column \"left\"): expected one of two outcome values: \"1\" or \"0.0\", found \"2.0\""],
            "only the third value is refused, in words (no debug text)"
        );
        let t = table(
            &["id", "left"],
            &[&["1", "0.0"], &["2", "1.0"], &["3", "1"]],
        );
        let parsed = parse(&t, &mapping).unwrap();
        let left: Vec<_> = parsed.rows.iter().map(|r| r.snapshot.outcome).collect();
        assert_eq!(
            left,
            [
                Some(Outcome::Left(false)),
                Some(Outcome::Left(true)),
                Some(Outcome::Left(true))
            ]
        );
    }

    #[test]
    fn a_monthly_panel_dated_by_year_and_month_reads_each_month_as_its_first_day() {
        let t = table(
            &["id", "month", "pay", "left_on"],
            &[&["7", "202301", "100", ""], &["7", "202302", "100", ""]],
        );
        let mapping = Mapping {
            as_of_format: Some("%Y%m".into()),
            ..panel_mapping()
        };
        let parsed = parse(&t, &mapping).unwrap();
        assert_eq!(
            parsed.rows[1].snapshot.as_of,
            NaiveDate::from_ymd_opt(2023, 2, 1)
        );
    }

    /// A roster without a duration column: months from hire to a voluntary exit are the
    /// event's; an involuntary exit and a stayer are censored, the stayer at `observed_until`.
    #[test]
    fn a_rosters_durations_are_counted_from_its_dates() {
        let rows: &[&[&str]] = &[
            &["1", "2020-01-01", "2021-01-01", "resigned"],
            &["2", "2020-01-01", "2020-07-01", "dismissed"],
            &["3", "2022-01-01", "", ""],
        ];
        let t = table(&["id", "hired", "left_on", "why"], rows);
        let mapping = Mapping {
            id: Some("id".into()),
            exit_date: Some("left_on".into()),
            exit_kind: Some("why".into()),
            voluntary: vec!["resigned".into()],
            observed_until: Some("2023-01-01".into()),
            date_formats: [("hired".to_string(), "%Y-%m-%d".to_string())].into(),
            columns: [("hired".to_string(), ColumnKind::Date)].into(),
            roles: tenure_domain::RoleColumns {
                hire_date: Some("hired".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            mapping.resolved_shape(),
            Some(tenure_domain::Shape::TimeToEvent)
        );
        let plan = ImportPlan::new(&mapping, &t).unwrap();
        let parsed = parse_snapshots(&t, plan, 10).unwrap();
        let outcomes: Vec<(f64, bool)> = parsed
            .rows
            .iter()
            .map(|r| match r.snapshot.outcome {
                Some(Outcome::Duration { duration, event }) => {
                    ((duration * 10.0).round() / 10.0, event)
                }
                ref other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(outcomes, [(12.0, true), (6.0, false), (12.0, false)]);
        // A hire date after the exit is refused on its line and column.
        let late: &[&[&str]] = &[&["1", "2022-01-01", "2021-01-01", "resigned"]];
        let t = table(&["id", "hired", "left_on", "why"], late);
        let plan = ImportPlan::new(&mapping, &t).unwrap();
        let error = parse_snapshots(&t, plan, 10).unwrap_err().to_string();
        assert!(
            error.contains(":2:2 (column \"hired\"): expected a hire date on or before 2021-01-01"),
            "{error}"
        );
    }

    #[test]
    fn time_to_event_rows_carry_duration_and_event() {
        let t = table(
            &["month", "left", "level"],
            &[&["5", "1", "High"], &["12", "0", "Low"]],
        );
        let mapping = Mapping {
            duration: Some("month".into()),
            event: Some("left".into()),
            ..Default::default()
        };
        let parsed = parse(&t, &mapping).unwrap();
        assert_eq!(
            parsed.rows[0].snapshot.outcome,
            Some(Outcome::Duration {
                duration: 5.0,
                event: true
            })
        );
        assert_eq!(
            parsed.rows[1].snapshot.person.as_str(),
            "2",
            "the row number is the id"
        );
    }

    #[test]
    fn fingerprints_change_with_any_value() {
        let t = table(
            &["id", "month", "pay", "left_on"],
            &[&["7", "01/01/19", "1", ""], &["8", "01/01/19", "1.5", ""]],
        );
        let parsed = parse(&t, &panel_mapping()).unwrap();
        assert_ne!(parsed.rows[0].fingerprint, parsed.rows[1].fingerprint);
        let mut same = parsed.rows[0].snapshot.clone();
        assert_eq!(fingerprint(&same), parsed.rows[0].fingerprint);
        same.values.insert("pay".into(), Value::Number(1.0000001));
        assert_ne!(fingerprint(&same), parsed.rows[0].fingerprint);
    }

    /// Both parsers of one table: the same problems, or the same rows kept.
    fn assert_frame_matches_snapshots(t: &Table, mapping: &Mapping) {
        let plan = ImportPlan::new(mapping, t).unwrap();
        let by_rows = parse_snapshots(t, plan.clone(), 10);
        let by_frame = parse_frame(t, plan, 10);
        match (by_rows, by_frame) {
            (Ok(rows), Ok(frame)) => {
                // A frame holds no protected columns (they are never model inputs).
                let inputs: Vec<Snapshot> = rows
                    .rows
                    .iter()
                    .map(|r| Snapshot {
                        protected: BTreeMap::new(),
                        ..r.snapshot.clone()
                    })
                    .collect();
                assert_eq!(frame.frame.to_snapshots(), inputs);
                let lines: Vec<u64> = rows.rows.iter().map(|r| r.line).collect();
                assert_eq!(frame.lines, lines);
                assert_eq!(frame.repeated_rows, rows.repeated_rows);
            }
            (
                Err(DataError::Invalid { problems: a, .. }),
                Err(DataError::Invalid { problems: b, .. }),
            ) => {
                let text = |p: &[Problem]| p.iter().map(|p| p.to_string()).collect::<Vec<_>>();
                assert_eq!(text(&a), text(&b));
            }
            (a, b) => panic!("the parsers disagree: {a:?} against {b:?}"),
        }
    }

    #[test]
    fn a_frame_keeps_the_rows_and_reports_the_problems_that_snapshots_do() {
        let rows: &[&[&str]] = &[
            &["7", "01/01/19", "1", ""],
            &["7", "01/01/19", "1", ""],
            &["8", "01/01/19", "", "15/02/19"],
        ];
        let t = table(&["id", "month", "pay", "left_on"], rows);
        assert_frame_matches_snapshots(&t, &panel_mapping());
        let parsed = parse_frame(&t, ImportPlan::new(&panel_mapping(), &t).unwrap(), 10).unwrap();
        assert_eq!((parsed.frame.len(), parsed.repeated_rows), (2, 1));
        assert_eq!(parsed.lines, [2, 4]);
    }

    proptest::proptest! {
        #[test]
        fn frames_and_snapshots_agree_on_any_panel(
            rows in proptest::collection::vec(
                (0..3usize, 0..2usize, 0..4usize, 0..3usize, 0..3usize),
                1..12,
            )
        ) {
            let ids = ["7", "8", ""];
            let months = ["01/01/19", "02/01/19"];
            let pays = ["1", "2", "", "abc"];
            let grades = ["A", "B", ""];
            let exits = ["", "15/02/19", "2019"];
            let cells: Vec<[&str; 5]> = rows
                .iter()
                .map(|&(i, m, p, g, e)| [ids[i], months[m], pays[p], grades[g], exits[e]])
                .collect();
            let refs: Vec<&[&str]> = cells.iter().map(|r| &r[..]).collect();
            let t = table(&["id", "month", "pay", "grade", "left_on"], &refs);
            let mut mapping = panel_mapping();
            mapping.protected = vec!["grade".into()];
            assert_frame_matches_snapshots(&t, &mapping);
            mapping.protected.clear();
            assert_frame_matches_snapshots(&t, &mapping);
        }
    }
}
