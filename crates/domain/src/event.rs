//! HR events: what happened to a person — a pay change, a promotion, a new manager, an exit —
//! and which of the organization's columns it changes. Checked here against the mapped roles
//! and the columns' kinds, so an event naming a column the data does not have, or giving a
//! word where pay belongs, is refused before anything is stored.

use crate::roles::{ColumnRole, RoleColumns};
use crate::value::{ColumnKind, Value};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    PayChange,
    Promotion,
    ManagerChange,
    Rating,
    SurveyAnswer,
    /// Leave or absence: the columns recording it (days absent, on leave…).
    Leave,
    Exit,
    Transfer,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::PayChange,
        EventKind::Promotion,
        EventKind::ManagerChange,
        EventKind::Rating,
        EventKind::SurveyAnswer,
        EventKind::Leave,
        EventKind::Exit,
        EventKind::Transfer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EventKind::PayChange => "pay_change",
            EventKind::Promotion => "promotion",
            EventKind::ManagerChange => "manager_change",
            EventKind::Rating => "rating",
            EventKind::SurveyAnswer => "survey_answer",
            EventKind::Leave => "leave",
            EventKind::Exit => "exit",
            EventKind::Transfer => "transfer",
        }
    }

    /// The roles whose columns this kind of event may change; `None`: any column but a role's.
    fn roles(self) -> Option<&'static [ColumnRole]> {
        Some(match self {
            EventKind::PayChange => &[ColumnRole::Pay],
            EventKind::Promotion => &[ColumnRole::Level, ColumnRole::Pay],
            EventKind::ManagerChange => &[ColumnRole::Manager],
            EventKind::Rating => &[ColumnRole::Rating],
            EventKind::SurveyAnswer => &[ColumnRole::Survey],
            EventKind::Transfer => &[
                ColumnRole::Team,
                ColumnRole::Department,
                ColumnRole::Manager,
                ColumnRole::Level,
            ],
            EventKind::Exit => &[],
            EventKind::Leave => return None,
        })
    }
}

/// A new value as an event gives it: a number or text (dates as `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventValue {
    Number(f64),
    Text(String),
}

/// One HR event about one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HrEvent {
    /// The person's id, as in the imported data.
    pub person: String,
    pub kind: EventKind,
    /// When it took effect (default: the day it arrives).
    #[serde(default)]
    pub effective: Option<NaiveDate>,
    /// New values, keyed by role (`pay`, `level`, `manager`…) or by the data's column name.
    #[serde(default)]
    pub values: BTreeMap<String, EventValue>,
    /// For exits: the kind of exit (resignation, dismissal, retirement…).
    #[serde(default)]
    pub exit_kind: Option<String>,
    /// For exits: whether the person chose to leave.
    #[serde(default)]
    pub voluntary: Option<bool>,
}

/// What an event does to the person's current state.
#[derive(Debug, Clone, PartialEq)]
pub enum EventEffect {
    /// New values for these columns.
    Values(BTreeMap<String, Value>),
    Exit {
        kind: Option<String>,
        voluntary: bool,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("a {kind} event changes {expected}; give at least one in `values`")]
    NothingChanged {
        kind: &'static str,
        expected: String,
    },
    #[error("a {kind} event cannot change `{key}`: it changes {expected}")]
    NotForThisKind {
        kind: &'static str,
        key: String,
        expected: String,
    },
    #[error("`{0}` is neither a mapped role nor a column of the organization's data")]
    UnknownColumn(String),
    #[error("the organization's mapping names no {0} column, so {0} events cannot be applied")]
    RoleNotMapped(&'static str),
    #[error("`{column}` holds {kind}s; {given:?} is not one{}", if *.kind == ColumnKind::Date { " (dates are written YYYY-MM-DD)" } else { "" })]
    WrongKind {
        column: String,
        kind: ColumnKind,
        given: String,
    },
    #[error("an exit says whether it was voluntary (`voluntary`: true or false)")]
    ExitWithoutVoluntary,
    #[error("an exit changes no values; give `exit_kind` and `voluntary` instead")]
    ExitWithValues,
}

impl HrEvent {
    /// What the event does, with each value read as its column's kind. `kinds` are the
    /// columns the organization's data has.
    pub fn effect(
        &self,
        roles: &RoleColumns,
        kinds: &BTreeMap<String, ColumnKind>,
    ) -> Result<EventEffect, EventError> {
        if self.kind == EventKind::Exit {
            if !self.values.is_empty() {
                return Err(EventError::ExitWithValues);
            }
            let voluntary = self.voluntary.ok_or(EventError::ExitWithoutVoluntary)?;
            return Ok(EventEffect::Exit {
                kind: self.exit_kind.clone(),
                voluntary,
            });
        }
        let allowed = self.allowed_columns(roles, kinds)?;
        if self.values.is_empty() {
            return Err(EventError::NothingChanged {
                kind: self.kind.key(),
                expected: self.expected(),
            });
        }
        let mut values = BTreeMap::new();
        for (key, given) in &self.values {
            let column = resolve(key, roles, kinds)?;
            if !allowed.contains(&column) {
                return Err(EventError::NotForThisKind {
                    kind: self.kind.key(),
                    key: key.clone(),
                    expected: self.expected(),
                });
            }
            let kind = kinds[&column];
            values.insert(column.clone(), read(given, kind, &column)?);
        }
        Ok(EventEffect::Values(values))
    }

    fn allowed_columns(
        &self,
        roles: &RoleColumns,
        kinds: &BTreeMap<String, ColumnKind>,
    ) -> Result<Vec<String>, EventError> {
        let mapped = |role: ColumnRole| -> Vec<String> {
            roles
                .columns()
                .filter(|(r, _)| *r == role)
                .map(|(_, c)| c.to_owned())
                .collect()
        };
        match self.kind.roles() {
            Some(wanted) => {
                let columns: Vec<String> = wanted.iter().flat_map(|r| mapped(*r)).collect();
                if columns.is_empty() {
                    return Err(EventError::RoleNotMapped(wanted[0].key()));
                }
                Ok(columns)
            }
            None => {
                let role_columns: Vec<&str> = roles.columns().map(|(_, c)| c).collect();
                Ok(kinds
                    .keys()
                    .filter(|c| !role_columns.contains(&c.as_str()))
                    .cloned()
                    .collect())
            }
        }
    }

    fn expected(&self) -> String {
        match self.kind.roles() {
            Some(roles) => roles
                .iter()
                .map(|r| r.key())
                .collect::<Vec<_>>()
                .join(" or "),
            None => "columns of the data that no role names (days absent, say)".into(),
        }
    }
}

/// The column a key names: a role's column, or the column itself.
fn resolve(
    key: &str,
    roles: &RoleColumns,
    kinds: &BTreeMap<String, ColumnKind>,
) -> Result<String, EventError> {
    if kinds.contains_key(key) {
        return Ok(key.to_owned());
    }
    let by_role: Vec<&str> = roles
        .columns()
        .filter(|(role, _)| role.key() == key)
        .map(|(_, c)| c)
        .collect();
    match by_role.as_slice() {
        [column] if kinds.contains_key(*column) => Ok((*column).to_owned()),
        _ => Err(EventError::UnknownColumn(key.to_owned())),
    }
}

fn read(given: &EventValue, kind: ColumnKind, column: &str) -> Result<Value, EventError> {
    let wrong = |text: String| EventError::WrongKind {
        column: column.to_owned(),
        kind,
        given: text,
    };
    match (kind, given) {
        (ColumnKind::Number, EventValue::Number(x)) if x.is_finite() => Ok(Value::Number(*x)),
        (ColumnKind::Number, EventValue::Text(t)) => t
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Number)
            .ok_or_else(|| wrong(t.clone())),
        (ColumnKind::Number, EventValue::Number(x)) => Err(wrong(x.to_string())),
        (ColumnKind::Category, EventValue::Text(t)) if !t.trim().is_empty() => {
            Ok(Value::Category(t.trim().to_owned()))
        }
        (ColumnKind::Category, EventValue::Number(x)) => Ok(Value::Category(x.to_string())),
        (ColumnKind::Category, EventValue::Text(t)) => Err(wrong(t.clone())),
        (ColumnKind::Date, EventValue::Text(t)) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| wrong(t.clone())),
        (ColumnKind::Date, EventValue::Number(x)) => Err(wrong(x.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> RoleColumns {
        RoleColumns {
            pay: Some("salary".into()),
            manager: Some("boss".into()),
            survey: vec!["pulse".into()],
            ..RoleColumns::default()
        }
    }

    fn kinds() -> BTreeMap<String, ColumnKind> {
        [
            ("salary", ColumnKind::Number),
            ("boss", ColumnKind::Category),
            ("pulse", ColumnKind::Number),
            ("days_absent", ColumnKind::Number),
            ("last_review", ColumnKind::Date),
        ]
        .into_iter()
        .map(|(c, k)| (c.to_owned(), k))
        .collect()
    }

    fn event(kind: EventKind, values: &[(&str, EventValue)]) -> HrEvent {
        HrEvent {
            person: "E1".into(),
            kind,
            effective: None,
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            exit_kind: None,
            voluntary: None,
        }
    }

    #[test]
    fn a_pay_change_sets_the_pay_column_by_role_or_by_name() {
        for key in ["pay", "salary"] {
            let effect = event(EventKind::PayChange, &[(key, EventValue::Number(4100.0))])
                .effect(&roles(), &kinds())
                .unwrap();
            let expected = BTreeMap::from([("salary".to_string(), Value::Number(4100.0))]);
            assert_eq!(effect, EventEffect::Values(expected));
        }
    }

    #[test]
    fn an_event_changes_only_what_its_kind_may() {
        let error = event(
            EventKind::PayChange,
            &[("boss", EventValue::Text("M9".into()))],
        )
        .effect(&roles(), &kinds())
        .unwrap_err();
        assert!(
            matches!(error, EventError::NotForThisKind { .. }),
            "{error}"
        );
        let error = event(EventKind::Promotion, &[("pay", EventValue::Number(1.0))])
            .effect(&RoleColumns::default(), &kinds())
            .unwrap_err();
        assert_eq!(error, EventError::RoleNotMapped("level"));
        let error = event(EventKind::Leave, &[("salary", EventValue::Number(1.0))])
            .effect(&roles(), &kinds())
            .unwrap_err();
        assert!(
            matches!(error, EventError::NotForThisKind { .. }),
            "{error}"
        );
        let leave = event(
            EventKind::Leave,
            &[("days_absent", EventValue::Number(9.0))],
        );
        assert!(leave.effect(&roles(), &kinds()).is_ok());
    }

    #[test]
    fn values_are_read_as_their_columns_kind() {
        let error = event(
            EventKind::PayChange,
            &[("pay", EventValue::Text("a lot".into()))],
        )
        .effect(&roles(), &kinds())
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`salary` holds numbers; \"a lot\" is not one"
        );
        let error = event(
            EventKind::Leave,
            &[("last_review", EventValue::Text("31/12/2026".into()))],
        )
        .effect(&roles(), &kinds())
        .unwrap_err();
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
        let error = event(EventKind::Rating, &[("stars", EventValue::Number(3.0))])
            .effect(&roles(), &kinds())
            .unwrap_err();
        assert!(
            matches!(error, EventError::RoleNotMapped("rating")),
            "{error}"
        );
    }

    #[test]
    fn an_exit_needs_to_say_whether_it_was_voluntary() {
        let mut exit = event(EventKind::Exit, &[]);
        assert_eq!(
            exit.effect(&roles(), &kinds()),
            Err(EventError::ExitWithoutVoluntary)
        );
        exit.voluntary = Some(true);
        exit.exit_kind = Some("resignation".into());
        assert_eq!(
            exit.effect(&roles(), &kinds()).unwrap(),
            EventEffect::Exit {
                kind: Some("resignation".into()),
                voluntary: true
            }
        );
    }

    #[test]
    fn events_read_from_json_and_refuse_unknown_fields() {
        let e: HrEvent = serde_json::from_str(
            r#"{"person":"E7","kind":"pay_change","effective":"2026-11-02","values":{"pay":3900}}"#,
        )
        .unwrap();
        assert_eq!(e.kind, EventKind::PayChange);
        assert!(serde_json::from_str::<HrEvent>(
            r#"{"person":"E7","kind":"pay_change","name":"x"}"#
        )
        .is_err());
    }
}
