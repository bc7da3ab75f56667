//! The columnar feature table: every input of many rows (person-months, or a cross-section's
//! people) as one typed array per column, which the design encodes and the learners read.
//!
//! Numbers are `f32` with NaN for missing, categories `u32` codes into one dictionary per
//! column, dates day numbers. Memory is 4 bytes per cell: a person-month of the simulated
//! organization (about 90 inputs, original and derived) takes ~360 bytes here, where a map of
//! named values took ~15 KB. Names live once per column, never per row.
//!
//! Values are stored at `f32` precision and read back as the shortest decimal that gives the
//! same `f32` (pay 73,312.57 reads back as 73312.57), so a value a person sees is the value
//! the model saw. The design reads numbers at the same precision from a map too, so a row
//! scored from a map and the same row scored from a table get the very same score.

use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use tenure_domain::{Cell, Value};

/// The code of a missing category.
pub const MISSING_CODE: u32 = u32::MAX;
/// The day number of a missing date.
const MISSING_DAY: i32 = i32::MIN;

/// One column's cells.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureColumn {
    /// NaN where missing.
    Numbers(Vec<f32>),
    /// [`MISSING_CODE`] where missing; codes index `dictionary`.
    Categories {
        codes: Vec<u32>,
        dictionary: Vec<String>,
    },
    /// Days from the common era ([`NaiveDate::num_days_from_ce`]); `i32::MIN` where missing.
    Dates(Vec<i32>),
}

impl FeatureColumn {
    fn len(&self) -> usize {
        match self {
            FeatureColumn::Numbers(xs) => xs.len(),
            FeatureColumn::Categories { codes, .. } => codes.len(),
            FeatureColumn::Dates(days) => days.len(),
        }
    }

    /// Row `row`'s cell as a value.
    pub fn value(&self, row: usize) -> Value {
        match self {
            FeatureColumn::Numbers(xs) => number_value(xs[row]),
            FeatureColumn::Categories { codes, dictionary } => match codes[row] {
                MISSING_CODE => Value::Missing,
                code => Value::Category(dictionary[code as usize].clone()),
            },
            FeatureColumn::Dates(days) => match days[row] {
                MISSING_DAY => Value::Missing,
                day => {
                    NaiveDate::from_num_days_from_ce_opt(day).map_or(Value::Missing, Value::Date)
                }
            },
        }
    }

    /// The rows `rows` of this column, in that order.
    fn gather(&self, rows: &[u32]) -> FeatureColumn {
        match self {
            FeatureColumn::Numbers(xs) => {
                FeatureColumn::Numbers(rows.iter().map(|&r| xs[r as usize]).collect())
            }
            FeatureColumn::Categories { codes, dictionary } => FeatureColumn::Categories {
                codes: rows.iter().map(|&r| codes[r as usize]).collect(),
                dictionary: dictionary.clone(),
            },
            FeatureColumn::Dates(days) => {
                FeatureColumn::Dates(rows.iter().map(|&r| days[r as usize]).collect())
            }
        }
    }
}

/// A number as a value: NaN is missing; others widen to the shortest decimal of the `f32`.
pub fn number_value(x: f32) -> Value {
    if x.is_nan() {
        Value::Missing
    } else {
        Value::Number(widen(x))
    }
}

/// The `f64` written like the `f32` (0.1f32 → 0.1, not 0.10000000149…).
pub fn widen(x: f32) -> f64 {
    if x.fract() == 0.0 && x.abs() < 1e7 {
        return f64::from(x); // whole numbers are exact; most cells are counts and months
    }
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// Columns of equal length, sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    names: Vec<String>,
    columns: Vec<FeatureColumn>,
    rows: usize,
}

impl FeatureTable {
    /// The table of named values, one row per map. A column holding any category is
    /// categorical (its numbers become their text), else one holding any number numeric,
    /// else one holding any date a date column; a column that is only ever missing is numeric.
    pub fn from_maps(rows: &[&BTreeMap<String, Value>]) -> FeatureTable {
        let mut kinds: BTreeMap<&str, Kind> = BTreeMap::new();
        for row in rows {
            for (name, value) in row.iter() {
                let kind = kinds.entry(name.as_str()).or_insert(Kind::Missing);
                *kind = kind.with(value);
            }
        }
        let mut builder = TableBuilder::new(
            kinds
                .iter()
                .map(|(name, kind)| ((*name).to_owned(), kind.column())),
            rows.len(),
        );
        let index: HashMap<&str, usize> = kinds.keys().enumerate().map(|(i, n)| (*n, i)).collect();
        for row in rows {
            builder.start_row();
            for (name, value) in row.iter() {
                builder.set(index[name.as_str()], value);
            }
        }
        builder.finish()
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn columns(&self) -> &[FeatureColumn] {
        &self.columns
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&FeatureColumn> {
        let index = self.names.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
        Some(&self.columns[index])
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut FeatureColumn> {
        let index = self.names.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
        Some(&mut self.columns[index])
    }

    /// Row `row` as named values (every column, missing cells as [`Value::Missing`]).
    pub fn values(&self, row: usize) -> BTreeMap<String, Value> {
        self.names
            .iter()
            .zip(&self.columns)
            .map(|(name, column)| (name.clone(), column.value(row)))
            .collect()
    }

    /// A table of the rows `rows` (repeats allowed), in that order.
    pub fn gather(&self, rows: &[u32]) -> FeatureTable {
        FeatureTable {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.gather(rows)).collect(),
            rows: rows.len(),
        }
    }

    /// Adds `by[row]` to every row of each numeric column whose name `chosen` picks.
    pub fn add_to_numbers(&mut self, chosen: impl Fn(&str) -> bool, by: &[f32]) {
        for (name, column) in self.names.iter().zip(&mut self.columns) {
            if let (true, FeatureColumn::Numbers(xs)) = (chosen(name), column) {
                for (x, add) in xs.iter_mut().zip(by) {
                    *x += add;
                }
            }
        }
    }

    /// Sets (or adds) the column `name`; it must have a cell for every row.
    pub fn set_column(&mut self, name: &str, column: FeatureColumn) {
        assert_eq!(column.len(), self.rows, "a column of {name} for every row");
        match self.column_mut(name) {
            Some(existing) => *existing = column,
            None => {
                let at = self.names.partition_point(|n| n.as_str() < name);
                self.names.insert(at, name.to_owned());
                self.columns.insert(at, column);
            }
        }
    }

    /// The numbers of column `name`, if it is numeric.
    pub fn numbers(&self, name: &str) -> Option<&[f32]> {
        match self.column(name)? {
            FeatureColumn::Numbers(xs) => Some(xs),
            _ => None,
        }
    }
}

/// What a column has held so far, while reading maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Missing,
    Date,
    Number,
    Category,
}

impl Kind {
    fn with(self, value: &Value) -> Kind {
        let seen = match value {
            Value::Missing => Kind::Missing,
            Value::Date(_) => Kind::Date,
            Value::Number(_) => Kind::Number,
            Value::Category(_) => Kind::Category,
        };
        self.max(seen)
    }

    fn column(self) -> ColumnKind {
        match self {
            Kind::Missing | Kind::Number => ColumnKind::Number,
            Kind::Date => ColumnKind::Date,
            Kind::Category => ColumnKind::Category,
        }
    }
}

/// The kind of a column being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Number,
    Category,
    Date,
}

/// A category column being built: codes given in order of first appearance.
#[derive(Debug, Default)]
struct CategoryBuilder {
    codes: Vec<u32>,
    dictionary: Vec<String>,
    index: HashMap<String, u32>,
}

impl CategoryBuilder {
    fn code(&mut self, text: &str) -> u32 {
        if let Some(&code) = self.index.get(text) {
            return code;
        }
        let code = self.dictionary.len() as u32;
        self.dictionary.push(text.to_owned());
        self.index.insert(text.to_owned(), code);
        code
    }
}

#[derive(Debug)]
enum BuildingColumn {
    Numbers(Vec<f32>),
    Categories(CategoryBuilder),
    Dates(Vec<i32>),
}

/// Builds a table row by row: each row starts missing everywhere, then its cells are set by
/// column index. Cells are written in place: no allocation per cell (a category's text is
/// copied once, when first seen).
#[derive(Debug)]
pub struct TableBuilder {
    names: Vec<String>,
    columns: Vec<BuildingColumn>,
    rows: usize,
}

impl TableBuilder {
    /// Columns in name order (the caller's indices follow this order).
    pub fn new(columns: impl IntoIterator<Item = (String, ColumnKind)>, capacity: usize) -> Self {
        let (names, columns): (Vec<String>, Vec<BuildingColumn>) = columns
            .into_iter()
            .map(|(name, kind)| {
                let column = match kind {
                    ColumnKind::Number => BuildingColumn::Numbers(Vec::with_capacity(capacity)),
                    ColumnKind::Category => BuildingColumn::Categories(CategoryBuilder {
                        codes: Vec::with_capacity(capacity),
                        ..Default::default()
                    }),
                    ColumnKind::Date => BuildingColumn::Dates(Vec::with_capacity(capacity)),
                };
                (name, column)
            })
            .unzip();
        debug_assert!(
            names.windows(2).all(|w| w[0] < w[1]),
            "columns in name order"
        );
        TableBuilder {
            names,
            columns,
            rows: 0,
        }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The index of column `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.binary_search_by(|n| n.as_str().cmp(name)).ok()
    }

    /// A new row, missing everywhere.
    pub fn start_row(&mut self) {
        self.rows += 1;
        for column in &mut self.columns {
            match column {
                BuildingColumn::Numbers(xs) => xs.push(f32::NAN),
                BuildingColumn::Categories(c) => c.codes.push(MISSING_CODE),
                BuildingColumn::Dates(days) => days.push(MISSING_DAY),
            }
        }
    }

    /// Sets the current row's number in `column` (a numeric column).
    pub fn set_number(&mut self, column: usize, x: f64) {
        if let BuildingColumn::Numbers(xs) = &mut self.columns[column] {
            *xs.last_mut().expect("a row was started") = x as f32;
        }
    }

    /// Sets the current row's cell in `column` from a value of any kind: a number in a
    /// category column is its text; a value of another kind in a numeric or date column
    /// stays missing (the design would read it as missing anyway).
    pub fn set(&mut self, column: usize, value: &Value) {
        self.set_cell(column, value.into());
    }

    /// [`TableBuilder::set`] from a borrowed cell (a snapshot frame's).
    pub fn set_cell(&mut self, column: usize, cell: Cell<'_>) {
        match (&mut self.columns[column], cell) {
            (BuildingColumn::Numbers(xs), Cell::Number(x)) => {
                *xs.last_mut().expect("a row was started") = x as f32;
            }
            (BuildingColumn::Categories(c), Cell::Text(text)) => {
                let code = c.code(text);
                *c.codes.last_mut().expect("a row was started") = code;
            }
            (BuildingColumn::Categories(c), Cell::Number(_) | Cell::Date(_)) => {
                let code = c.code(&Value::from(cell).to_string());
                *c.codes.last_mut().expect("a row was started") = code;
            }
            (BuildingColumn::Dates(days), Cell::Date(d)) => {
                *days.last_mut().expect("a row was started") = d.num_days_from_ce();
            }
            _ => {}
        }
    }

    pub fn finish(self) -> FeatureTable {
        FeatureTable {
            names: self.names,
            columns: self
                .columns
                .into_iter()
                .map(|column| match column {
                    BuildingColumn::Numbers(xs) => FeatureColumn::Numbers(xs),
                    BuildingColumn::Categories(c) => FeatureColumn::Categories {
                        codes: c.codes,
                        dictionary: c.dictionary,
                    },
                    BuildingColumn::Dates(days) => FeatureColumn::Dates(days),
                })
                .collect(),
            rows: self.rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn maps_go_in_and_come_back_out_as_they_were() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let rows = [
            map(&[
                ("pay", Value::Number(73312.57)),
                ("dept", Value::Category("Sales".into())),
                ("hired", Value::Date(date)),
            ]),
            map(&[
                ("pay", Value::Missing),
                ("dept", Value::Category("HR".into())),
                ("rating", Value::Number(3.0)),
            ]),
        ];
        let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
        let table = FeatureTable::from_maps(&refs);
        assert_eq!(table.names(), ["dept", "hired", "pay", "rating"]);
        assert_eq!(
            table.values(0),
            map(&[
                ("pay", Value::Number(73312.57)),
                ("dept", Value::Category("Sales".into())),
                ("hired", Value::Date(date)),
                ("rating", Value::Missing),
            ])
        );
        assert_eq!(table.values(1)["pay"], Value::Missing);
        assert_eq!(table.values(1)["hired"], Value::Missing);
        assert_eq!(table.values(1)["rating"], Value::Number(3.0));
    }

    #[test]
    fn a_gathered_table_repeats_and_reorders_rows() {
        let rows: Vec<BTreeMap<String, Value>> = (0..3)
            .map(|i| map(&[("x", Value::Number(i as f64))]))
            .collect();
        let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
        let mut table = FeatureTable::from_maps(&refs).gather(&[2, 0, 0]);
        assert_eq!(table.numbers("x").unwrap(), [2.0, 0.0, 0.0]);
        table.add_to_numbers(|n| n == "x", &[1.0, 2.0, 3.0]);
        assert_eq!(table.numbers("x").unwrap(), [3.0, 2.0, 3.0]);
        table.set_column("a", FeatureColumn::Numbers(vec![1.0; 3]));
        assert_eq!(table.names(), ["a", "x"]);
    }

    #[test]
    fn widened_numbers_read_as_written() {
        for x in [0.1f64, 73312.57, 2.5, -3.25, 1e-3, 12.0] {
            assert_eq!(widen(x as f32), x);
        }
    }
}
