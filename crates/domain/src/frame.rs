//! An organization's snapshots as typed columns: what the panel builder and training read.
//!
//! A [`Snapshot`] holds its inputs as a map of named values, which costs about 3 KB per
//! person-month once every name and category is its own allocation. A [`SnapshotFrame`]
//! holds the same rows as one array per column: numbers as `f64` (NaN where missing; exact,
//! since derived features are differences and ratios of them), categories as `u32` codes into
//! one dictionary per column, dates as day numbers; people as `u32` ids into one list of keys.
//! The simulated organization's 13 inputs take about 100 bytes a person-month here.
//!
//! Rows stream in through [`FrameBuilder`] without an allocation per cell, in whatever order
//! they come; row `i` of a frame made from a slice of snapshots is that slice's `i`-th.

use crate::{DomainError, Exit, Outcome, PersonKey, Snapshot, Value};
use chrono::{Datelike, NaiveDate};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::{BTreeMap, HashMap};

/// The code of a missing category.
const MISSING_CODE: u32 = u32::MAX;
/// The day number of a missing date.
const MISSING_DAY: i32 = i32::MIN;

/// One cell as it streams in, borrowed from wherever it was read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Number(f64),
    Text(&'a str),
    Date(NaiveDate),
    Missing,
}

impl<'a> From<&'a Value> for Cell<'a> {
    fn from(value: &'a Value) -> Cell<'a> {
        match value {
            Value::Number(x) => Cell::Number(*x),
            Value::Category(text) => Cell::Text(text),
            Value::Date(date) => Cell::Date(*date),
            Value::Missing => Cell::Missing,
        }
    }
}

/// A cell as an owned value (a text copied).
impl From<Cell<'_>> for Value {
    fn from(cell: Cell<'_>) -> Value {
        match cell {
            Cell::Number(x) => Value::Number(x),
            Cell::Text(text) => Value::Category(text.to_owned()),
            Cell::Date(date) => Value::Date(date),
            Cell::Missing => Value::Missing,
        }
    }
}

/// One column's cells. A column holds one kind: one that ever held text is categorical (its
/// numbers and dates become their text, as [`Value`]'s display writes them).
#[derive(Debug, Clone, PartialEq)]
pub enum FrameColumn {
    /// Only ever missing.
    Empty,
    /// NaN where missing.
    Numbers(Vec<f64>),
    /// Codes index `dictionary`; `u32::MAX` where missing.
    Categories {
        codes: Vec<u32>,
        dictionary: Vec<String>,
    },
    /// Days from the common era; `i32::MIN` where missing.
    Dates(Vec<i32>),
}

/// A column and the rows whose snapshot had no such input at all (as opposed to a missing
/// value): rare, since an import writes every mapped column, but the counts tell them apart.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    cells: FrameColumn,
    /// Sorted.
    absent: Vec<u32>,
    /// Rows the column has covered so far (set or absent), while building.
    len: usize,
}

/// How many inputs a row has, and how many of them are missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct InputCounts {
    present: u16,
    missing: u16,
}

/// Snapshots as columns, sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnapshotFrame {
    people: Vec<PersonKey>,
    person_of_row: Vec<u32>,
    as_of: Vec<Option<NaiveDate>>,
    counts: Vec<InputCounts>,
    /// Sparse, by row: few rows record an exit or an outcome of a panel.
    exits: Vec<(u32, Exit)>,
    outcomes: Vec<(u32, Outcome)>,
    names: Vec<String>,
    columns: Vec<Column>,
}

impl SnapshotFrame {
    /// The frame of these snapshots, row for row.
    pub fn from_snapshots(snapshots: &[Snapshot]) -> SnapshotFrame {
        let mut builder = FrameBuilder::default();
        for snapshot in snapshots {
            builder.start_row_of(snapshot);
            for (name, value) in &snapshot.values {
                builder.set(name, value.into());
            }
        }
        builder.finish()
    }

    pub fn len(&self) -> usize {
        self.person_of_row.len()
    }

    pub fn is_empty(&self) -> bool {
        self.person_of_row.is_empty()
    }

    /// Every person, by id.
    pub fn people(&self) -> &[PersonKey] {
        &self.people
    }

    /// The id of row `row`'s person (an index into [`SnapshotFrame::people`]).
    pub fn person_id(&self, row: usize) -> u32 {
        self.person_of_row[row]
    }

    pub fn person(&self, row: usize) -> &PersonKey {
        &self.people[self.person_of_row[row] as usize]
    }

    pub fn as_of(&self, row: usize) -> Option<NaiveDate> {
        self.as_of[row]
    }

    /// Every row's as-of date, in row order.
    pub fn as_of_dates(&self) -> &[Option<NaiveDate>] {
        &self.as_of
    }

    /// Each person's latest row (the last of equal dates), by person id.
    pub fn latest_rows(&self) -> Vec<Option<usize>> {
        let mut latest: Vec<Option<usize>> = vec![None; self.people.len()];
        for row in 0..self.len() {
            let seen = &mut latest[self.person_of_row[row] as usize];
            if seen.is_none_or(|seen| self.as_of[seen] <= self.as_of[row]) {
                *seen = Some(row);
            }
        }
        latest
    }

    pub fn exit(&self, row: usize) -> Option<&Exit> {
        sparse(&self.exits, row)
    }

    /// The rows recording an exit, in row order.
    pub fn exits(&self) -> impl Iterator<Item = (usize, &Exit)> {
        self.exits.iter().map(|(row, exit)| (*row as usize, exit))
    }

    pub fn outcome(&self, row: usize) -> Option<Outcome> {
        sparse(&self.outcomes, row).copied()
    }

    /// The column names, sorted.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.binary_search_by(|n| n.as_str().cmp(name)).ok()
    }

    pub fn column(&self, column: usize) -> &FrameColumn {
        &self.columns[column].cells
    }

    /// Row `row`'s number in `column`, if it holds one.
    pub fn number(&self, row: usize, column: usize) -> Option<f64> {
        match &self.columns[column].cells {
            FrameColumn::Numbers(xs) => Some(xs[row]).filter(|x| !x.is_nan()),
            _ => None,
        }
    }

    /// Row `row`'s category code in `column` (`None` when missing or not categorical): equal
    /// codes are equal texts.
    pub fn code(&self, row: usize, column: usize) -> Option<u32> {
        match &self.columns[column].cells {
            FrameColumn::Categories { codes, .. } => {
                Some(codes[row]).filter(|&c| c != MISSING_CODE)
            }
            _ => None,
        }
    }

    /// Row `row`'s text in `column`, if it holds a category.
    pub fn text(&self, row: usize, column: usize) -> Option<&str> {
        match &self.columns[column].cells {
            FrameColumn::Categories { codes, dictionary } => match codes[row] {
                MISSING_CODE => None,
                code => Some(&dictionary[code as usize]),
            },
            _ => None,
        }
    }

    /// Row `row`'s date in `column`, if it holds one.
    pub fn date(&self, row: usize, column: usize) -> Option<NaiveDate> {
        match &self.columns[column].cells {
            FrameColumn::Dates(days) => day_date(days[row]),
            _ => None,
        }
    }

    /// Row `row`'s cell in `column`, borrowed.
    pub fn cell(&self, row: usize, column: usize) -> Cell<'_> {
        match &self.columns[column].cells {
            FrameColumn::Empty => Cell::Missing,
            FrameColumn::Numbers(xs) => Some(xs[row])
                .filter(|x| !x.is_nan())
                .map_or(Cell::Missing, Cell::Number),
            FrameColumn::Categories { .. } => {
                self.text(row, column).map_or(Cell::Missing, Cell::Text)
            }
            FrameColumn::Dates(days) => day_date(days[row]).map_or(Cell::Missing, Cell::Date),
        }
    }

    /// Row `row`'s cell in `column` written as [`Value`]'s display writes it, unless missing.
    pub fn cell_text(&self, row: usize, column: usize) -> Option<String> {
        cell_text(self.cell(row, column))
    }

    /// Row `row`'s cell in `column` as a value (missing where the row has no such input).
    pub fn value(&self, row: usize, column: usize) -> Value {
        self.cell(row, column).into()
    }

    /// Whether row `row`'s snapshot had the input `column` (perhaps missing).
    pub fn has_input(&self, row: usize, column: usize) -> bool {
        self.columns[column]
            .absent
            .binary_search(&(row as u32))
            .is_err()
    }

    /// How many inputs row `row` has, and how many of them are missing.
    pub fn input_counts(&self, row: usize) -> (usize, usize) {
        let counts = self.counts[row];
        (usize::from(counts.present), usize::from(counts.missing))
    }

    /// Row `row`'s inputs as named values: exactly its snapshot's map.
    pub fn values(&self, row: usize) -> BTreeMap<String, Value> {
        (0..self.columns.len())
            .filter(|&c| self.has_input(row, c))
            .map(|c| (self.names[c].clone(), self.value(row, c)))
            .collect()
    }

    /// Row `row`'s inputs, serialised as its snapshot's map of values is (a JSON object).
    pub fn inputs_json(&self, row: usize) -> RowInputs<'_> {
        RowInputs { frame: self, row }
    }

    /// Row `row` as a snapshot (protected attributes are never in a frame).
    pub fn snapshot(&self, row: usize) -> Snapshot {
        Snapshot {
            person: self.person(row).clone(),
            as_of: self.as_of(row),
            values: self.values(row),
            protected: BTreeMap::new(),
            exit: self.exit(row).cloned(),
            outcome: self.outcome(row),
        }
    }

    /// Every row as a snapshot (for the small data of a cross-section).
    pub fn to_snapshots(&self) -> Vec<Snapshot> {
        (0..self.len()).map(|row| self.snapshot(row)).collect()
    }

    /// The frame without the rows of people `left_out` names, the rest in their order (so a
    /// person who objected is in no training data). Rebuilt row by row, cell by cell: called
    /// once a training run, and only when someone is left out. A column keeps its kind: one
    /// that held text anywhere stays categorical.
    pub fn without_people(&self, left_out: impl Fn(&PersonKey) -> bool) -> SnapshotFrame {
        let mut builder = FrameBuilder::default();
        for row in 0..self.len() {
            let person = self.person(row);
            if left_out(person) {
                continue;
            }
            builder.start_row_for(
                person,
                self.as_of[row],
                self.exit(row).cloned(),
                self.outcome(row),
            );
            for (column, name) in self.names.iter().enumerate() {
                if self.has_input(row, column) {
                    builder.set(name, self.cell(row, column));
                }
            }
        }
        builder.finish()
    }

    /// The frame's own memory in bytes (its arrays; keys and dictionaries by their text).
    pub fn heap_bytes(&self) -> usize {
        let rows = self.len();
        let per_row = 4 + std::mem::size_of::<Option<NaiveDate>>() + 4;
        let cells: usize = self.columns.iter().map(|c| c.cells.heap_bytes()).sum();
        let people: usize = self.people.iter().map(|p| p.as_str().len() + 24).sum();
        let exits = self.exits.len() * std::mem::size_of::<(u32, Exit)>()
            + self.outcomes.len() * std::mem::size_of::<(u32, Outcome)>();
        rows * per_row + cells + people + exits
    }
}

impl FrameColumn {
    fn heap_bytes(&self) -> usize {
        match self {
            FrameColumn::Empty => 0,
            FrameColumn::Numbers(xs) => xs.len() * 8,
            FrameColumn::Categories { codes, dictionary } => {
                codes.len() * 4 + dictionary.iter().map(|d| d.len() + 24).sum::<usize>()
            }
            FrameColumn::Dates(days) => days.len() * 4,
        }
    }
}

/// A row's inputs for serialising: see [`SnapshotFrame::inputs_json`].
pub struct RowInputs<'f> {
    frame: &'f SnapshotFrame,
    row: usize,
}

impl Serialize for RowInputs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let frame = self.frame;
        let mut map = serializer.serialize_map(None)?;
        for (c, name) in frame.names.iter().enumerate() {
            if !frame.has_input(self.row, c) {
                continue;
            }
            // Texts are written borrowed; the other kinds as `Value` writes them.
            match frame.cell(self.row, c) {
                Cell::Text(text) => map.serialize_entry(name, text)?,
                other => map.serialize_entry(name, &Value::from(other))?,
            }
        }
        map.end()
    }
}

fn sparse<T>(entries: &[(u32, T)], row: usize) -> Option<&T> {
    entries
        .binary_search_by_key(&(row as u32), |(r, _)| *r)
        .ok()
        .map(|i| &entries[i].1)
}

fn day_date(day: i32) -> Option<NaiveDate> {
    (day != MISSING_DAY)
        .then(|| NaiveDate::from_num_days_from_ce_opt(day))
        .flatten()
}

/// Builds a frame row by row: [`FrameBuilder::start_row`], then [`FrameBuilder::set`] for
/// each input of the row.
#[derive(Debug, Default)]
pub struct FrameBuilder {
    frame: SnapshotFrame,
    person_ids: HashMap<String, u32>,
    column_ids: HashMap<String, usize>,
    /// Per column: text → code, while building.
    codes: Vec<HashMap<String, u32>>,
}

impl FrameBuilder {
    /// Starts the next row, of the person whose key is `person` (checked the first time the
    /// person is seen, as [`PersonKey::parse`] checks it).
    pub fn start_row(
        &mut self,
        person: &str,
        as_of: Option<NaiveDate>,
        exit: Option<Exit>,
        outcome: Option<Outcome>,
    ) -> Result<(), DomainError> {
        let id = match self.person_ids.get(person) {
            Some(&id) => id,
            None => self.add_person(PersonKey::parse(person)?),
        };
        self.push_row(id, as_of, exit, outcome);
        Ok(())
    }

    /// [`FrameBuilder::start_row`] of a key already parsed.
    pub fn start_row_for(
        &mut self,
        person: &PersonKey,
        as_of: Option<NaiveDate>,
        exit: Option<Exit>,
        outcome: Option<Outcome>,
    ) {
        let id = match self.person_ids.get(person.as_str()) {
            Some(&id) => id,
            None => self.add_person(person.clone()),
        };
        self.push_row(id, as_of, exit, outcome);
    }

    fn start_row_of(&mut self, snapshot: &Snapshot) {
        self.start_row_for(
            &snapshot.person,
            snapshot.as_of,
            snapshot.exit.clone(),
            snapshot.outcome,
        );
    }

    fn add_person(&mut self, key: PersonKey) -> u32 {
        let id = self.frame.people.len() as u32;
        self.person_ids.insert(key.as_str().to_owned(), id);
        self.frame.people.push(key);
        id
    }

    fn push_row(
        &mut self,
        person: u32,
        as_of: Option<NaiveDate>,
        exit: Option<Exit>,
        outcome: Option<Outcome>,
    ) {
        let row = self.frame.len() as u32;
        self.frame.person_of_row.push(person);
        self.frame.as_of.push(as_of);
        self.frame.counts.push(InputCounts::default());
        if let Some(exit) = exit {
            self.frame.exits.push((row, exit));
        }
        if let Some(outcome) = outcome {
            self.frame.outcomes.push((row, outcome));
        }
    }

    /// Sets the current row's input `name` (once per name and row).
    pub fn set(&mut self, name: &str, cell: Cell<'_>) {
        let row = self.frame.len() - 1;
        let column = match self.column_ids.get(name) {
            Some(&c) => c,
            None => self.add_column(name),
        };
        let counts = self.frame.counts.last_mut().expect("a row was started");
        counts.present += 1;
        counts.missing += u16::from(cell == Cell::Missing);
        let codes = &mut self.codes[column];
        let column = &mut self.frame.columns[column];
        column.fill_absent_to(row);
        column.push(cell, codes);
    }

    fn add_column(&mut self, name: &str) -> usize {
        let id = self.frame.columns.len();
        self.frame.names.push(name.to_owned());
        self.frame.columns.push(Column::empty());
        self.codes.push(HashMap::new());
        self.column_ids.insert(name.to_owned(), id);
        id
    }

    /// The frame, its columns sorted by name.
    pub fn finish(mut self) -> SnapshotFrame {
        let rows = self.frame.len();
        for column in &mut self.frame.columns {
            column.fill_absent_to(rows);
        }
        let mut order: Vec<usize> = (0..self.frame.names.len()).collect();
        order.sort_by(|&a, &b| self.frame.names[a].cmp(&self.frame.names[b]));
        let mut names = std::mem::take(&mut self.frame.names);
        let mut columns = std::mem::take(&mut self.frame.columns);
        self.frame.names = order
            .iter()
            .map(|&i| std::mem::take(&mut names[i]))
            .collect();
        self.frame.columns = order
            .iter()
            .map(|&i| std::mem::replace(&mut columns[i], Column::empty()))
            .collect();
        self.frame
    }
}

impl Column {
    fn empty() -> Column {
        Column {
            cells: FrameColumn::Empty,
            absent: Vec::new(),
            len: 0,
        }
    }

    /// Marks the rows from the column's end up to `row` as absent (their snapshots had no
    /// such input).
    fn fill_absent_to(&mut self, row: usize) {
        for r in self.len..row {
            self.absent.push(r as u32);
            self.cells.push_missing();
        }
        self.len = self.len.max(row);
    }

    fn push(&mut self, cell: Cell<'_>, codes: &mut HashMap<String, u32>) {
        self.len += 1;
        let rows_before = self.len - 1;
        match (&mut self.cells, cell) {
            (cells, Cell::Missing) => cells.push_missing(),
            (FrameColumn::Empty, cell) => {
                self.cells = FrameColumn::typed_for(cell, rows_before);
                self.cells.push_same_kind(cell, codes);
            }
            (FrameColumn::Numbers(_), Cell::Number(_))
            | (FrameColumn::Dates(_), Cell::Date(_))
            | (FrameColumn::Categories { .. }, _) => self.cells.push_same_kind(cell, codes),
            (cells, cell) => {
                cells.make_categorical(codes);
                cells.push_same_kind(cell, codes);
            }
        }
    }
}

impl FrameColumn {
    /// A column of `rows` missing cells, of the kind that holds `cell`.
    fn typed_for(cell: Cell<'_>, rows: usize) -> FrameColumn {
        match cell {
            Cell::Number(_) => FrameColumn::Numbers(vec![f64::NAN; rows]),
            Cell::Date(_) => FrameColumn::Dates(vec![MISSING_DAY; rows]),
            Cell::Text(_) | Cell::Missing => FrameColumn::Categories {
                codes: vec![MISSING_CODE; rows],
                dictionary: Vec::new(),
            },
        }
    }

    fn push_missing(&mut self) {
        match self {
            FrameColumn::Empty => {}
            FrameColumn::Numbers(xs) => xs.push(f64::NAN),
            FrameColumn::Categories { codes, .. } => codes.push(MISSING_CODE),
            FrameColumn::Dates(days) => days.push(MISSING_DAY),
        }
    }

    /// Pushes a cell this column's kind holds (any cell, for a categorical column).
    fn push_same_kind(&mut self, cell: Cell<'_>, by_text: &mut HashMap<String, u32>) {
        match (self, cell) {
            (FrameColumn::Numbers(xs), Cell::Number(x)) => xs.push(x),
            (FrameColumn::Dates(days), Cell::Date(d)) => days.push(d.num_days_from_ce()),
            (FrameColumn::Categories { codes, dictionary }, Cell::Text(text)) => {
                codes.push(code_of(text, dictionary, by_text));
            }
            (FrameColumn::Categories { codes, dictionary }, other) => {
                let text = cell_text(other).expect("a missing cell is pushed as missing");
                codes.push(code_of(&text, dictionary, by_text));
            }
            _ => unreachable!("a cell of another kind makes the column categorical first"),
        }
    }

    /// Turns a number or date column into categories of their text.
    fn make_categorical(&mut self, by_text: &mut HashMap<String, u32>) {
        let cells: Vec<Option<String>> = match self {
            FrameColumn::Numbers(xs) => xs
                .iter()
                .map(|&x| {
                    cell_text(if x.is_nan() {
                        Cell::Missing
                    } else {
                        Cell::Number(x)
                    })
                })
                .collect(),
            FrameColumn::Dates(days) => days
                .iter()
                .map(|&d| cell_text(day_date(d).map_or(Cell::Missing, Cell::Date)))
                .collect(),
            FrameColumn::Empty | FrameColumn::Categories { .. } => return,
        };
        let mut dictionary = Vec::new();
        let codes = cells
            .iter()
            .map(|text| {
                text.as_deref()
                    .map_or(MISSING_CODE, |t| code_of(t, &mut dictionary, by_text))
            })
            .collect();
        *self = FrameColumn::Categories { codes, dictionary };
    }
}

/// A cell's text as [`Value`]'s display writes it (what a number or date becomes in a
/// categorical column), unless missing.
fn cell_text(cell: Cell<'_>) -> Option<String> {
    (cell != Cell::Missing).then(|| Value::from(cell).to_string())
}

fn code_of(text: &str, dictionary: &mut Vec<String>, by_text: &mut HashMap<String, u32>) -> u32 {
    if let Some(&code) = by_text.get(text) {
        return code;
    }
    let code = dictionary.len() as u32;
    dictionary.push(text.to_owned());
    by_text.insert(text.to_owned(), code);
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn snapshot(person: &str, d: u32, values: &[(&str, Value)]) -> Snapshot {
        Snapshot {
            person: PersonKey::parse(person).unwrap(),
            as_of: Some(day(d)),
            values: values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            protected: BTreeMap::new(),
            exit: None,
            outcome: None,
        }
    }

    #[test]
    fn snapshots_go_in_and_come_back_out_as_they_were() {
        let mut rows = vec![
            snapshot(
                "7",
                1,
                &[
                    ("pay", Value::Number(73_312.57)),
                    ("team", Value::Category("Sales".into())),
                    ("hired", Value::Date(day(3))),
                    ("rating", Value::Missing),
                ],
            ),
            // No rating input at all, and a column the first row lacks.
            snapshot(
                "8",
                1,
                &[("pay", Value::Number(1.0)), ("bonus", Value::Number(2.0))],
            ),
            snapshot("7", 2, &[("team", Value::Category("HR".into()))]),
        ];
        rows[2].exit = Some(Exit {
            date: day(20),
            kind: Some("Resigned".into()),
            voluntary: true,
        });
        rows[1].outcome = Some(Outcome::Left(false));
        let frame = SnapshotFrame::from_snapshots(&rows);
        assert_eq!(frame.to_snapshots(), rows);
        assert_eq!(frame.names(), ["bonus", "hired", "pay", "rating", "team"]);
        assert_eq!(frame.people().len(), 2);
        assert_eq!(frame.person_id(0), frame.person_id(2));
        assert_eq!(frame.input_counts(0), (4, 1));
        assert_eq!(frame.input_counts(2), (1, 0));
        let team = frame.column_index("team").unwrap();
        assert_eq!(frame.code(0, team), Some(0));
        assert_eq!(frame.code(2, team), Some(1));
        assert_eq!(frame.text(1, team), None);
        assert_eq!(frame.exits().map(|(row, _)| row).collect::<Vec<_>>(), [2]);
        assert_eq!(frame.outcome(1), Some(Outcome::Left(false)));
        assert_eq!(frame.outcome(0), None);
    }

    #[test]
    fn a_column_that_holds_text_anywhere_holds_every_value_as_text() {
        let rows = [
            snapshot("1", 1, &[("grade", Value::Number(3.0))]),
            snapshot("2", 1, &[("grade", Value::Category("A".into()))]),
            snapshot("3", 1, &[("grade", Value::Date(day(5)))]),
        ];
        let frame = SnapshotFrame::from_snapshots(&rows);
        let grade = frame.column_index("grade").unwrap();
        let texts: Vec<Option<&str>> = (0..3).map(|r| frame.text(r, grade)).collect();
        assert_eq!(texts, [Some("3"), Some("A"), Some("2024-01-05")]);
        assert_eq!(frame.number(0, grade), None);
    }

    #[test]
    fn inputs_serialise_as_the_snapshot_map_does() {
        let rows = [snapshot(
            "1",
            1,
            &[
                ("pay", Value::Number(1234.5)),
                ("hired", Value::Date(day(2))),
                ("team", Value::Category("a \"b\"".into())),
                ("rating", Value::Missing),
            ],
        )];
        let frame = SnapshotFrame::from_snapshots(&rows);
        assert_eq!(
            serde_json::to_string(&frame.inputs_json(0)).unwrap(),
            serde_json::to_string(&rows[0].values).unwrap()
        );
    }

    #[test]
    fn a_person_month_of_the_simulated_organization_takes_about_a_hundred_bytes() {
        // Its 13 inputs: 8 numbers, 3 categories, 2 dates.
        let values: Vec<(String, Value)> = (0..8)
            .map(|i| (format!("n{i}"), Value::Number(f64::from(i))))
            .chain((0..3).map(|i| (format!("c{i}"), Value::Category(format!("team {i}")))))
            .chain((0..2).map(|i| (format!("d{i}"), Value::Date(day(i + 1)))))
            .collect();
        let refs: Vec<(&str, Value)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let rows: Vec<Snapshot> = (0..10_000)
            .map(|i| snapshot(&(i / 36).to_string(), 1 + (i % 27) as u32, &refs))
            .collect();
        let frame = SnapshotFrame::from_snapshots(&rows);
        let per_row = frame.heap_bytes() as f64 / rows.len() as f64;
        assert!((96.0..110.0).contains(&per_row), "{per_row} bytes a row");
    }

    fn any_value() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            Just(None),
            Just(Some(Value::Missing)),
            (-1e6..1e6f64).prop_map(|x| Some(Value::Number(x))),
            "[a-c]{1,2}".prop_map(|t| Some(Value::Category(t))),
            (1u32..28).prop_map(|d| Some(Value::Date(day(d)))),
        ]
    }

    proptest! {
        /// Whatever the rows hold — absent inputs, missing values, columns of mixed kinds —
        /// a frame gives back each row's inputs as its map has them, once every value of a
        /// column that ever held text is read as text.
        #[test]
        fn a_frame_keeps_every_row(cells in prop::collection::vec(
            (0u8..4, 1u32..28, any_value(), any_value(), any_value()), 1..40)
        ) {
            let rows: Vec<Snapshot> = cells
                .iter()
                .map(|(person, d, a, b, c)| {
                    let values: Vec<(&str, Value)> = [("a", a), ("b", b), ("c", c)]
                        .into_iter()
                        .filter_map(|(name, v)| v.clone().map(|v| (name, v)))
                        .collect();
                    snapshot(&person.to_string(), *d, &values)
                })
                .collect();
            let frame = SnapshotFrame::from_snapshots(&rows);
            prop_assert_eq!(frame.len(), rows.len());
            for (row, snapshot) in rows.iter().enumerate() {
                prop_assert_eq!(frame.person(row), &snapshot.person);
                prop_assert_eq!(frame.as_of(row), snapshot.as_of);
                let back = frame.values(row);
                prop_assert_eq!(back.len(), snapshot.values.len());
                for (name, value) in &snapshot.values {
                    let column = frame.column_index(name).unwrap();
                    let read = &back[name];
                    match (frame.column(column), value) {
                        (FrameColumn::Categories { .. }, Value::Number(_) | Value::Date(_)) => {
                            prop_assert_eq!(read, &Value::Category(value.to_string()));
                        }
                        _ => prop_assert_eq!(read, value),
                    }
                }
                let missing = snapshot.values.values().filter(|v| v.is_missing()).count();
                prop_assert_eq!(frame.input_counts(row), (snapshot.values.len(), missing));
            }
        }

        /// Leaving people out gives the frame of the other people's rows, as if they alone
        /// had been loaded — but for the kind of a column that only a left-out person's text
        /// made categorical, which stays so (their values then read as that text).
        #[test]
        fn a_frame_without_some_people_is_the_frame_of_the_others(cells in prop::collection::vec(
            (0u8..4, 1u32..28, any_value(), any_value()), 1..40), out in 0u8..4
        ) {
            let rows: Vec<Snapshot> = cells
                .iter()
                .map(|(person, d, a, b)| {
                    let values: Vec<(&str, Value)> = [("a", a), ("b", b)]
                        .into_iter()
                        .filter_map(|(name, v)| v.clone().map(|v| (name, v)))
                        .collect();
                    snapshot(&person.to_string(), *d, &values)
                })
                .collect();
            let left_out = out.to_string();
            let others: Vec<Snapshot> = rows
                .iter()
                .filter(|s| s.person.as_str() != left_out)
                .cloned()
                .collect();
            let frame = SnapshotFrame::from_snapshots(&rows)
                .without_people(|p| p.as_str() == left_out);
            let expected = SnapshotFrame::from_snapshots(&others);
            prop_assert_eq!(frame.len(), others.len());
            prop_assert_eq!(frame.to_snapshots().len(), others.len());
            let as_text = |values: BTreeMap<String, Value>| -> BTreeMap<String, String> {
                values.into_iter().map(|(k, v)| (k, v.to_string())).collect()
            };
            for row in 0..frame.len() {
                prop_assert_eq!(frame.person(row), expected.person(row));
                prop_assert_eq!(frame.as_of(row), expected.as_of(row));
                prop_assert_eq!(as_text(frame.values(row)), as_text(expected.values(row)));
            }
        }
    }
}
