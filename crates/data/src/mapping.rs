//! The mapping: which of a file's columns is the id, the as-of date, the exit, the target,
//! which are protected or ignored, and what the rest mean. Written as TOML (or built from CLI
//! flags), checked against the file's header, and compiled into an [`ImportPlan`].

use crate::cells::{is_missing, parse_number};
use crate::error::{DataError, Problem};
use crate::table::Table;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tenure_domain::{looks_protected, ColumnKind, ColumnRole, RoleColumns, Shape};

/// A mapping as the user writes it. Every field is optional; what a shape needs is checked
/// when the mapping meets a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// panel, cross-section or time-to-event; inferred from the other fields when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Shape>,
    /// The file's encoding when detection guesses wrong (`windows-1252`, `GBK`, `Shift_JIS`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The worksheet to read from a workbook; the first with data when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The person id column; without one, the row number is the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// chrono format of the as-of column, e.g. `%m/%d/%y`; ISO `%Y-%m-%d` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_date_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_kind: Option<String>,
    /// Values of `exit_kind` that count as voluntary. Without an exit-kind column every exit
    /// counts as voluntary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voluntary: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The target's value meaning "left".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// A roster with hire and exit dates but no duration (time-to-event from dates): the day
    /// the export was taken, until which stayers are followed (default: the latest exit date
    /// in the file). `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_until: Option<String>,
    /// The event column's value meaning "left" (default "1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_value: Option<String>,
    /// Kept apart for fairness audits only; never model inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected: Vec<String>,
    /// Not stored at all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Column kinds, overriding inference (e.g. a numeric code that is really a category).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, ColumnKind>,
    /// chrono formats of date-kind columns.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub date_formats: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "RoleColumns::is_empty")]
    pub roles: RoleColumns,
}

pub const DEFAULT_DATE_FORMAT: &str = "%Y-%m-%d";
pub const DEFAULT_EVENT_VALUE: &str = "1";

/// A numeric-looking column with a few text cells is numeric with errors, not a category:
/// from this share of parseable cells on, the rest are reported.
const NUMERIC_SHARE: f64 = 0.95;

impl Mapping {
    pub fn from_toml_file(path: &Path) -> Result<Self, DataError> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self, DataError> {
        toml::from_str(text).map_err(|e| DataError::Mapping {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a mapping always serialises")
    }

    /// The shape named, or the one the mapped fields imply.
    pub fn resolved_shape(&self) -> Option<Shape> {
        self.shape.or(if self.as_of.is_some() {
            Some(Shape::Panel)
        } else if self.duration.is_some() {
            Some(Shape::TimeToEvent)
        } else if self.target.is_some() {
            Some(Shape::CrossSection)
        } else if self.durations_from_dates() {
            Some(Shape::TimeToEvent)
        } else {
            None
        })
    }

    /// A roster whose time-to-event is counted from each person's hire date to their exit
    /// (or to `observed_until` for those still employed): no duration column, an exit date
    /// and a hire-date role.
    pub fn durations_from_dates(&self) -> bool {
        self.as_of.is_none()
            && self.target.is_none()
            && self.duration.is_none()
            && self.exit_date.is_some()
            && self.roles.hire_date.is_some()
    }
}

/// What an import does with one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnUse {
    Id,
    AsOf,
    ExitDate,
    ExitKind,
    Target,
    Duration,
    Event,
    Protected,
    Ignored,
    Input,
}

impl ColumnUse {
    /// The use in words, for messages: "the person id", "an ignored column".
    pub fn described(&self) -> &'static str {
        match self {
            ColumnUse::Id => "the person id",
            ColumnUse::AsOf => "the as-of date",
            ColumnUse::ExitDate => "the exit date",
            ColumnUse::ExitKind => "the exit kind",
            ColumnUse::Target => "the target",
            ColumnUse::Duration => "the duration",
            ColumnUse::Event => "the event",
            ColumnUse::Protected => "a protected column",
            ColumnUse::Ignored => "an ignored column",
            ColumnUse::Input => "a model input",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedColumn {
    pub name: String,
    pub usage: ColumnUse,
    /// For inputs and protected columns: how cells are read.
    pub kind: ColumnKind,
    pub date_format: Option<String>,
    /// True when the kind was inferred (so a text cell in a numeric column says so).
    pub inferred: bool,
}

/// A mapping checked against one file: every column has a use and a kind.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub mapping: Mapping,
    pub shape: Shape,
    pub columns: Vec<PlannedColumn>,
}

impl ImportPlan {
    /// Checks the mapping against the table's header and data, collecting every problem.
    pub fn new(mapping: &Mapping, table: &Table) -> Result<Self, DataError> {
        let mut checker = PlanChecker {
            table,
            problems: Vec::new(),
        };
        let shape = checker.shape(mapping);
        let columns = table
            .header
            .iter()
            .enumerate()
            .map(|(i, name)| checker.column(mapping, i, name))
            .collect();
        let plan = ImportPlan {
            mapping: mapping.clone(),
            shape: shape.unwrap_or(Shape::CrossSection),
            columns,
        };
        checker.references(mapping);
        checker.roles(&plan);
        if checker.problems.is_empty() {
            Ok(plan)
        } else {
            Err(DataError::invalid(checker.problems, false))
        }
    }

    pub fn index_of(&self, usage: &ColumnUse) -> Option<usize> {
        self.columns.iter().position(|c| &c.usage == usage)
    }

    /// The column kinds of model inputs and protected columns, by name: what a stored row's
    /// values mean.
    pub fn value_kinds(&self) -> BTreeMap<String, ColumnKind> {
        self.columns
            .iter()
            .filter(|c| matches!(c.usage, ColumnUse::Input | ColumnUse::Protected))
            .map(|c| (c.name.clone(), c.kind))
            .collect()
    }
}

struct PlanChecker<'t> {
    table: &'t Table,
    problems: Vec<Problem>,
}

impl PlanChecker<'_> {
    fn header_problem(&mut self, column: Option<usize>, found: Option<&str>, expected: String) {
        self.problems.push(Problem::new(
            self.table.location(1, column),
            found,
            expected,
        ));
    }

    fn shape(&mut self, mapping: &Mapping) -> Option<Shape> {
        let Some(shape) = mapping.resolved_shape() else {
            self.header_problem(None, None, "a mapping naming `as_of` (panel), `target` (cross-section), or `duration` and `event` — or an `exit_date` with a `hire_date` role — (time-to-event)".into());
            return None;
        };
        let needs: &[(&str, bool)] = match shape {
            Shape::Panel => &[
                ("as_of", mapping.as_of.is_some()),
                ("id", mapping.id.is_some()),
            ],
            Shape::CrossSection => &[
                ("target", mapping.target.is_some()),
                ("positive", mapping.positive.is_some()),
            ],
            Shape::TimeToEvent if mapping.durations_from_dates() => &[],
            Shape::TimeToEvent => &[
                ("duration", mapping.duration.is_some()),
                ("event", mapping.event.is_some()),
            ],
        };
        for (field, present) in needs {
            if !present {
                self.header_problem(
                    None,
                    None,
                    format!("the mapping of a {shape} file to name `{field}`"),
                );
            }
        }
        if let Some(until) = &mapping.observed_until {
            if crate::cells::parse_date(until, DEFAULT_DATE_FORMAT).is_none() {
                self.header_problem(
                    None,
                    Some(until),
                    "`observed_until` as a day written YYYY-MM-DD (the day the export was taken)"
                        .into(),
                );
            }
        }
        if mapping.exit_kind.is_some() && mapping.voluntary.is_empty() {
            self.header_problem(
                None,
                None,
                "`voluntary`: the exit-kind values that count as voluntary".into(),
            );
        }
        Some(shape)
    }

    fn column(&mut self, mapping: &Mapping, index: usize, name: &str) -> PlannedColumn {
        let is = |field: &Option<String>| field.as_deref() == Some(name);
        let usage = if is(&mapping.id) {
            ColumnUse::Id
        } else if is(&mapping.as_of) {
            ColumnUse::AsOf
        } else if is(&mapping.exit_date) {
            ColumnUse::ExitDate
        } else if is(&mapping.exit_kind) {
            ColumnUse::ExitKind
        } else if is(&mapping.target) {
            ColumnUse::Target
        } else if is(&mapping.duration) {
            ColumnUse::Duration
        } else if is(&mapping.event) {
            ColumnUse::Event
        } else if mapping.protected.iter().any(|p| p == name) {
            ColumnUse::Protected
        } else if mapping.ignore.iter().any(|p| p == name) {
            ColumnUse::Ignored
        } else {
            ColumnUse::Input
        };
        if usage == ColumnUse::Input {
            if let Some(category) = looks_protected(name) {
                let expected = format!("column \"{name}\" looks like {category}, a protected attribute: list it under `protected` (fairness audit only) or `ignore`");
                self.header_problem(Some(index), None, expected);
            }
        }
        let date_format = match usage {
            ColumnUse::AsOf => Some(
                mapping
                    .as_of_format
                    .clone()
                    .unwrap_or_else(|| DEFAULT_DATE_FORMAT.into()),
            ),
            ColumnUse::ExitDate => Some(
                mapping
                    .exit_date_format
                    .clone()
                    .unwrap_or_else(|| DEFAULT_DATE_FORMAT.into()),
            ),
            _ => mapping.date_formats.get(name).cloned(),
        };
        let declared = mapping.columns.get(name).copied();
        if declared == Some(ColumnKind::Date) && date_format.is_none() {
            self.header_problem(
                Some(index),
                None,
                format!("a format for date column \"{name}\" under [date_formats]"),
            );
        }
        let (kind, inferred) = match declared {
            Some(kind) => (kind, false),
            None if date_format.is_some() => (ColumnKind::Date, false),
            None => (self.infer_kind(index), true),
        };
        PlannedColumn {
            name: name.to_owned(),
            usage,
            kind,
            date_format,
            inferred,
        }
    }

    fn infer_kind(&self, index: usize) -> ColumnKind {
        let present = self
            .table
            .rows
            .iter()
            .map(|r| r.cells[index].as_str())
            .filter(|c| !is_missing(c));
        let (mut total, mut numeric) = (0usize, 0usize);
        for cell in present {
            total += 1;
            numeric += usize::from(parse_number(cell).is_some());
        }
        if total > 0 && numeric as f64 >= NUMERIC_SHARE * total as f64 {
            ColumnKind::Number
        } else {
            ColumnKind::Category
        }
    }

    /// Every column the mapping names must exist in the file.
    fn references(&mut self, mapping: &Mapping) {
        let singles = [
            ("id", &mapping.id),
            ("as_of", &mapping.as_of),
            ("exit_date", &mapping.exit_date),
            ("exit_kind", &mapping.exit_kind),
            ("target", &mapping.target),
            ("duration", &mapping.duration),
            ("event", &mapping.event),
        ];
        let mut named: Vec<(String, &str)> = singles
            .iter()
            .filter_map(|(field, c)| c.as_deref().map(|c| (field.to_string(), c)))
            .collect();
        named.extend(
            mapping
                .protected
                .iter()
                .map(|c| ("protected".to_string(), c.as_str())),
        );
        named.extend(
            mapping
                .ignore
                .iter()
                .map(|c| ("ignore".to_string(), c.as_str())),
        );
        named.extend(
            mapping
                .columns
                .keys()
                .map(|c| ("columns".to_string(), c.as_str())),
        );
        named.extend(
            mapping
                .date_formats
                .keys()
                .map(|c| ("date_formats".to_string(), c.as_str())),
        );
        named.extend(
            mapping
                .roles
                .columns()
                .map(|(role, c)| (format!("roles.{}", role.key()), c)),
        );
        for (field, column) in named {
            if self.table.column_index(column).is_none() {
                // Point at the header cell it most likely means, when there is one.
                let nearest = closest(column, &self.table.header);
                let hint = nearest
                    .map(|h| format!(" (did you mean \"{h}\"?)"))
                    .unwrap_or_default();
                let at = nearest.and_then(|h| self.table.column_index(h));
                self.header_problem(
                    at,
                    Some(column),
                    format!("a column named as the mapping's `{field}` says{hint}"),
                );
            }
        }
    }

    /// Role columns must be model inputs of a fitting kind.
    fn roles(&mut self, plan: &ImportPlan) {
        for (role, name) in plan.mapping.roles.columns() {
            let Some(index) = self.table.column_index(name) else {
                continue;
            };
            let column = &plan.columns[index];
            let wanted = match role {
                ColumnRole::Pay | ColumnRole::Rating | ColumnRole::Survey => {
                    Some(ColumnKind::Number)
                }
                ColumnRole::HireDate => Some(ColumnKind::Date),
                _ => None,
            };
            if column.usage != ColumnUse::Input {
                self.header_problem(
                    Some(index),
                    None,
                    format!(
                        "role `{}` to name a model input, not {}",
                        role.key(),
                        column.usage.described()
                    ),
                );
            } else if wanted.is_some_and(|w| w != column.kind) {
                let expected = format!(
                    "role `{}` to name a {} column; \"{name}\" reads as {}",
                    role.key(),
                    wanted.unwrap(),
                    column.kind
                );
                self.header_problem(Some(index), None, expected);
            }
        }
    }
}

/// The header name most like a mistyped one, for "did you mean" hints.
fn closest<'h>(wanted: &str, header: &'h [String]) -> Option<&'h str> {
    let wanted = wanted.to_lowercase();
    header
        .iter()
        .map(|h| (edit_distance(&wanted, &h.to_lowercase()), h))
        .filter(|(d, h)| *d <= 2.max(h.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, h)| h.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_table as table;

    fn problems(mapping: &Mapping, table: &Table) -> Vec<String> {
        match ImportPlan::new(mapping, table) {
            Err(DataError::Invalid { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn unmapped_protected_columns_are_refused() {
        let t = table(&["id", "left", "Gender"], &[&["1", "Yes", "F"]]);
        let mapping = Mapping {
            id: Some("id".into()),
            target: Some("left".into()),
            positive: Some("Yes".into()),
            ..Default::default()
        };
        let found = problems(&mapping, &t);
        assert!(
            found[0].contains("t.csv:1:3 (column \"Gender\")") && found[0].contains("protected"),
            "{found:?}"
        );
        let protected = Mapping {
            protected: vec!["Gender".into()],
            ..mapping
        };
        let plan = ImportPlan::new(&protected, &t).unwrap();
        assert_eq!(plan.columns[2].usage, ColumnUse::Protected);
    }

    #[test]
    fn misspelt_columns_get_a_suggestion() {
        let t = table(&["EmployeeNumber", "Attrition"], &[&["1", "Yes"]]);
        let mapping = Mapping {
            id: Some("EmployeNumber".into()),
            target: Some("Attrition".into()),
            positive: Some("Yes".into()),
            ..Default::default()
        };
        assert!(problems(&mapping, &t)[0].contains("did you mean \"EmployeeNumber\""));
    }

    #[test]
    fn kinds_are_inferred_from_the_cells() {
        let t = table(
            &["id", "pay", "dept", "left"],
            &[&["1", "100", "A", "1"], &["2", "", "7", "0"]],
        );
        let mapping = Mapping {
            id: Some("id".into()),
            target: Some("left".into()),
            positive: Some("1".into()),
            ..Default::default()
        };
        let plan = ImportPlan::new(&mapping, &t).unwrap();
        assert_eq!(plan.columns[1].kind, ColumnKind::Number);
        assert_eq!(plan.columns[2].kind, ColumnKind::Category);
    }

    #[test]
    fn a_panel_needs_an_id_and_an_as_of_date() {
        let t = table(&["d", "x"], &[&["2020-01-01", "1"]]);
        let mapping = Mapping {
            as_of: Some("d".into()),
            ..Default::default()
        };
        assert!(problems(&mapping, &t)[0].contains("`id`"));
    }

    /// A roster's `observed_until` must be a day; a wrong one is named with what to write.
    #[test]
    fn a_rosters_observed_until_must_be_a_day() {
        let t = table(
            &["id", "hired", "left_on"],
            &[&["1", "2020-01-01", "2021-01-01"]],
        );
        let mapping = Mapping {
            id: Some("id".into()),
            exit_date: Some("left_on".into()),
            observed_until: Some("31/12/2023".into()),
            columns: [("hired".to_string(), ColumnKind::Date)].into(),
            date_formats: [("hired".to_string(), "%Y-%m-%d".to_string())].into(),
            roles: RoleColumns {
                hire_date: Some("hired".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let found = problems(&mapping, &t);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("expected `observed_until` as a day written YYYY-MM-DD")
                && found[0].contains("found \"31/12/2023\""),
            "{found:?}"
        );
    }

    #[test]
    fn mappings_round_trip_through_toml() {
        let mapping = Mapping {
            id: Some("Driver_ID".into()),
            as_of: Some("MMM-YY".into()),
            as_of_format: Some("%m/%d/%y".into()),
            protected: vec!["Age".into()],
            columns: [("City".to_string(), ColumnKind::Category)].into(),
            roles: RoleColumns {
                pay: Some("Income".into()),
                survey: vec!["q1".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let text = mapping.to_toml();
        assert_eq!(
            Mapping::from_toml_str(&text, Path::new("m.toml")).unwrap(),
            mapping
        );
    }

    #[test]
    fn unknown_mapping_fields_are_refused() {
        let error = Mapping::from_toml_str("idd = \"x\"", Path::new("m.toml")).unwrap_err();
        assert!(
            error.to_string().contains("m.toml") && error.to_string().contains("idd"),
            "{error}"
        );
    }
}
