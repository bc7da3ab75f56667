//! Regretted attrition: the leavers an organization would most want to have kept — strong
//! performers (a rating above the organization's median) and people in critical roles — and
//! the weight their expected loss carries when HR's conversations are shared out.

use crate::frame::{Cell, SnapshotFrame};
use crate::roles::RoleColumns;
use crate::value::Value;
use std::collections::BTreeMap;

/// How much more a regretted leaver's expected loss counts than anyone else's when warnings
/// are ranked: losing anyone costs a hire; losing a strong performer or a critical role costs
/// that and what only they knew.
pub const REGRET_WEIGHT: f64 = 2.0;

/// A person's expected loss: their probability of leaving, doubled when they would be a
/// regretted leaver.
pub fn expected_loss(probability: f64, regretted: bool) -> f64 {
    if regretted {
        probability * REGRET_WEIGHT
    } else {
        probability
    }
}

/// Whether a critical-role cell says yes: a non-zero number, or yes, true, y, x, 是 or 关键
/// (any case).
pub fn says_yes(cell: Cell<'_>) -> bool {
    match cell {
        Cell::Number(x) => x != 0.0,
        Cell::Text(text) => {
            let text = text.trim().to_lowercase();
            ["yes", "true", "y", "x", "是", "关键", "critical", "key"].contains(&text.as_str())
        }
        Cell::Date(_) | Cell::Missing => false,
    }
}

/// Who counts as a regretted leaver in one organization: a rating above the median of its
/// people's ratings, or a critical role.
#[derive(Debug, Clone, PartialEq)]
pub struct RegretRule {
    rating: Option<String>,
    critical_role: Option<String>,
    median_rating: Option<f64>,
}

impl RegretRule {
    /// The rule for people whose current ratings are `ratings`; `None` when the mapping
    /// names neither a rating nor a critical-role column: then nobody is told apart.
    pub fn new(roles: &RoleColumns, ratings: impl Iterator<Item = f64>) -> Option<RegretRule> {
        if roles.rating.is_none() && roles.critical_role.is_none() {
            return None;
        }
        let mut ratings: Vec<f64> = ratings.filter(|r| r.is_finite()).collect();
        ratings.sort_by(f64::total_cmp);
        Some(RegretRule {
            rating: roles.rating.clone(),
            critical_role: roles.critical_role.clone(),
            median_rating: (!ratings.is_empty()).then(|| ratings[ratings.len() / 2]),
        })
    }

    /// The rule for the people whose current values (snapshots') are `values`.
    pub fn from_values<'a>(
        roles: &RoleColumns,
        values: impl Iterator<Item = &'a BTreeMap<String, Value>>,
    ) -> Option<RegretRule> {
        RegretRule::new(
            roles,
            values.filter_map(|v| value_in(&roles.rating, v)?.as_number()),
        )
    }

    /// Whether someone rated `rating`, with `critical` in the critical-role column, would be
    /// a regretted leaver.
    pub fn regretted(&self, rating: Option<f64>, critical: Cell<'_>) -> bool {
        let strong = rating
            .zip(self.median_rating)
            .is_some_and(|(r, median)| r > median);
        strong || says_yes(critical)
    }

    /// Whether the person of `values` (a snapshot's) would be a regretted leaver.
    pub fn regretted_in(&self, values: &BTreeMap<String, Value>) -> bool {
        let rating = value_in(&self.rating, values).and_then(Value::as_number);
        let critical = value_in(&self.critical_role, values).map_or(Cell::Missing, Cell::from);
        self.regretted(rating, critical)
    }
}

/// The value of `column`, when there is one, among a snapshot's `values`.
fn value_in<'a>(column: &Option<String>, values: &'a BTreeMap<String, Value>) -> Option<&'a Value> {
    values.get(column.as_deref()?)
}

/// Who would be a regretted leaver, by person id of `frame`, read from each person's latest
/// row (the median over everyone's latest rating). `None` when the mapping names neither
/// column.
pub fn regretted_people(frame: &SnapshotFrame, roles: &RoleColumns) -> Option<Vec<bool>> {
    let rating = roles.rating.as_deref().and_then(|c| frame.column_index(c));
    let critical = roles
        .critical_role
        .as_deref()
        .and_then(|c| frame.column_index(c));
    let latest = frame.latest_rows();
    let rating_of = |row: usize| rating.and_then(|c| frame.number(row, c));
    let rule = RegretRule::new(roles, latest.iter().flatten().filter_map(|&r| rating_of(r)))?;
    Some(
        latest
            .iter()
            .map(|row| {
                row.is_some_and(|row| {
                    let key = critical.map_or(Cell::Missing, |c| frame.cell(row, c));
                    rule.regretted(rating_of(row), key)
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FrameBuilder;
    use chrono::NaiveDate;

    #[test]
    fn strong_performers_and_critical_roles_are_regretted_on_their_latest_row() {
        let day = |m| NaiveDate::from_ymd_opt(2025, m, 1).unwrap();
        let mut frame = FrameBuilder::default();
        let rows = [
            ("a", 1, 5.0, "no"),
            ("a", 2, 2.0, "no"), // a's latest rating is 2
            ("b", 2, 4.0, "No"),
            ("c", 2, 3.0, "是"),
            ("d", 2, 3.0, ""),
            ("e", 2, 3.0, "N"),
        ];
        for (person, month, rating, critical) in rows {
            frame
                .start_row(person, Some(day(month)), None, None)
                .unwrap();
            frame.set("rating", Cell::Number(rating));
            frame.set("key", Cell::Text(critical));
        }
        let frame = frame.finish();
        let roles = RoleColumns {
            rating: Some("rating".into()),
            critical_role: Some("key".into()),
            ..RoleColumns::default()
        };
        let regretted = regretted_people(&frame, &roles).unwrap();
        let of = |p: &str| regretted[frame.people().iter().position(|k| k.as_str() == p).unwrap()];
        // Latest ratings 2, 4, 3, 3, 3: the median is 3; only b is above it.
        assert!(!of("a") && of("b") && !of("d") && !of("e"));
        assert!(of("c"), "a critical role");
        assert_eq!(regretted_people(&frame, &RoleColumns::default()), None);
        assert_eq!(expected_loss(0.2, true), 0.4);
        assert_eq!(expected_loss(0.2, false), 0.2);
        assert!(says_yes(Cell::Number(1.0)) && !says_yes(Cell::Number(0.0)));
        assert!(says_yes(Cell::Text(" Yes ")) && !says_yes(Cell::Missing));
    }
}
