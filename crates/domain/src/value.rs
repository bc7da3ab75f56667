//! Cell values and the kinds of column they come from.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a column's cells are read. Chosen by inspection or by the mapping, then enforced on
/// every row, so a text value in a numeric column is an error rather than a silent NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Number,
    Category,
    Date,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Number => "number",
            ColumnKind::Category => "category",
            ColumnKind::Date => "date",
        })
    }
}

/// One validated cell. Missing is a value of its own: HR exports leave cells empty on purpose
/// (no rating yet, no exit) and the model treats that as information.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Category(String),
    Date(NaiveDate),
    Missing,
}

impl Value {
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(x) => Some(*x),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }
}

/// Values serialise as plain JSON: numbers, strings, ISO dates as strings, missing as null.
/// The kind of a column travels beside the values (it is the same for every row), not in them.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Number(x) => serializer.serialize_f64(*x),
            Value::Category(s) => serializer.serialize_str(s),
            Value::Date(d) => serializer.collect_str(&d.format("%Y-%m-%d")),
            Value::Missing => serializer.serialize_unit(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(x) => write!(f, "{x}"),
            Value::Category(s) => f.write_str(s),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::Missing => f.write_str("(missing)"),
        }
    }
}
