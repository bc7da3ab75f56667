//! Columns that give the outcome away: filled only for leavers, recorded at or after the exit,
//! or predicting the outcome almost perfectly on their own. A model trained on one looks
//! excellent in a backtest and is useless on people who have not left yet.

use crate::cells::{is_missing, parse_date};
use std::collections::HashMap;
use std::fmt;

/// Why a column leaks the outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Leak {
    /// `on_leavers` of the column's `filled` values sit on leavers' rows.
    FilledOnlyForLeavers { filled: usize, on_leavers: usize },
    /// On `after` of `compared` leavers' rows the date is on or after the exit date.
    RecordedAtOrAfterExit { compared: usize, after: usize },
    /// Guessing the outcome from the column's value alone is right on `agreeing` of `rows`.
    PredictsAlone { agreeing: usize, rows: usize },
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leak::FilledOnlyForLeavers { filled, on_leavers } => write!(
                f,
                "leaks the outcome: filled only for leavers ({on_leavers} of its {filled} values)"
            ),
            Leak::RecordedAtOrAfterExit { compared, after } => write!(
                f,
                "leaks the outcome: recorded at or after the exit ({after} of {compared} leavers' rows)"
            ),
            Leak::PredictsAlone { agreeing, rows } => write!(
                f,
                "leaks the outcome: predicts it almost perfectly on its own ({:.1}% of {rows} rows)",
                100.0 * *agreeing as f64 / *rows as f64
            ),
        }
    }
}

/// Share of a column's values that must sit on leavers' rows to call it filled only for them.
const LEAVERS_ONLY_SHARE: f64 = 0.98;
/// A column counts as filled for leavers when it is present on at least this share of them.
const COVERS_LEAVERS_SHARE: f64 = 0.5;
/// Too few rows of either outcome and every column "predicts" it: below this, no verdict.
const FEWEST_OF_EACH: usize = 5;
/// A column predicts alone when its errors are at most this share of the rarer outcome.
const PREDICTS_ALONE_ERRORS: f64 = 0.05;
/// Levels per column above which "predicts alone" is memorising, not a verdict.
const MOST_LEVELS: usize = 30;

/// Leavers and stayers counted from `left`, or `None` when either is too rare for a verdict.
fn enough_of_each(left: &[bool]) -> Option<(usize, usize)> {
    let leavers = left.iter().filter(|l| **l).count();
    let stayers = left.len() - leavers;
    (leavers >= FEWEST_OF_EACH && stayers >= FEWEST_OF_EACH).then_some((leavers, stayers))
}

/// A column filled (almost) only where `left` holds, and on most leavers' rows.
pub fn filled_only_for_leavers<'a>(
    cells: impl Iterator<Item = &'a str>,
    left: &[bool],
) -> Option<Leak> {
    let (leavers, _) = enough_of_each(left)?;
    let (mut filled, mut on_leavers) = (0usize, 0usize);
    for (cell, &left) in cells.zip(left) {
        if !is_missing(cell) {
            filled += 1;
            on_leavers += usize::from(left);
        }
    }
    let only_leavers = on_leavers as f64 >= LEAVERS_ONLY_SHARE * filled as f64;
    let covers_leavers = on_leavers as f64 >= COVERS_LEAVERS_SHARE * leavers as f64;
    (filled < left.len() && only_leavers && covers_leavers)
        .then_some(Leak::FilledOnlyForLeavers { filled, on_leavers })
}

/// A date column that, on leavers' rows, falls on or after the exit date.
pub fn recorded_at_or_after_exit<'a>(
    dates: impl Iterator<Item = &'a str>,
    date_format: &str,
    exits: impl Iterator<Item = &'a str>,
    exit_format: &str,
) -> Option<Leak> {
    let (mut compared, mut after) = (0usize, 0usize);
    for (date, exit) in dates.zip(exits) {
        let (Some(date), Some(exit)) =
            (parse_date(date, date_format), parse_date(exit, exit_format))
        else {
            continue;
        };
        compared += 1;
        after += usize::from(date >= exit);
    }
    (compared >= FEWEST_OF_EACH && after as f64 >= LEAVERS_ONLY_SHARE * compared as f64)
        .then_some(Leak::RecordedAtOrAfterExit { compared, after })
}

/// A column with few values each of which (nearly) settles the outcome: a status such as
/// "Voluntarily Terminated", a copy of the target under another name.
pub fn predicts_alone<'a>(cells: impl Iterator<Item = &'a str>, left: &[bool]) -> Option<Leak> {
    let (leavers, stayers) = enough_of_each(left)?;
    let mut levels: HashMap<&str, (usize, usize)> = HashMap::new();
    for (cell, &left) in cells.zip(left) {
        let level = if is_missing(cell) { "" } else { cell };
        let counts = levels.entry(level).or_default();
        if left {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        if levels.len() > MOST_LEVELS {
            return None;
        }
    }
    if levels.len() < 2 || left.len() < FEWEST_OF_EACH * levels.len() {
        return None;
    }
    let errors: usize = levels.values().map(|(l, s)| (*l).min(*s)).sum();
    (errors as f64 <= PREDICTS_ALONE_ERRORS * leavers.min(stayers) as f64).then_some(
        Leak::PredictsAlone {
            agreeing: left.len() - errors,
            rows: left.len(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left(leavers: usize, stayers: usize) -> Vec<bool> {
        let mut left = vec![true; leavers];
        left.extend(vec![false; stayers]);
        left
    }

    #[test]
    fn a_termination_date_is_filled_only_for_leavers() {
        let left = left(10, 30);
        let dates: Vec<&str> = (0..40)
            .map(|i| if i < 9 { "2023-04-01" } else { "" })
            .collect();
        assert_eq!(
            filled_only_for_leavers(dates.into_iter(), &left),
            Some(Leak::FilledOnlyForLeavers {
                filled: 9,
                on_leavers: 9
            })
        );
    }

    #[test]
    fn a_column_filled_for_everyone_or_for_few_leavers_does_not_leak() {
        let left = left(10, 30);
        assert_eq!(filled_only_for_leavers(["x"; 40].into_iter(), &left), None);
        // A note on two leavers' files says nothing about the rest.
        let notes: Vec<&str> = (0..40).map(|i| if i < 2 { "note" } else { "" }).collect();
        assert_eq!(filled_only_for_leavers(notes.into_iter(), &left), None);
    }

    #[test]
    fn a_status_that_names_the_exit_predicts_alone_and_an_honest_driver_does_not() {
        let left = left(10, 30);
        let status: Vec<&str> = (0..40)
            .map(|i| {
                if i < 10 {
                    "Voluntarily Terminated"
                } else {
                    "Active"
                }
            })
            .collect();
        assert_eq!(
            predicts_alone(status.into_iter(), &left),
            Some(Leak::PredictsAlone {
                agreeing: 40,
                rows: 40
            })
        );
        // Overtime raises the odds of leaving but settles nothing.
        let overtime: Vec<&str> = (0..40)
            .map(|i| if i % 3 == 0 { "Yes" } else { "No" })
            .collect();
        assert_eq!(predicts_alone(overtime.into_iter(), &left), None);
    }

    #[test]
    fn too_few_rows_give_no_verdict() {
        assert_eq!(predicts_alone(["a", "b"].into_iter(), &[true, false]), None);
        assert_eq!(
            filled_only_for_leavers(["a", ""].into_iter(), &[true, false]),
            None
        );
    }

    #[test]
    fn a_date_on_or_after_the_exit_leaks_and_a_hire_date_does_not() {
        let exits = ["2023-05-31"; 6];
        let paid = ["2023-06-30"; 6];
        let hired = ["2019-02-01"; 6];
        let at_or_after = |dates: [&'static str; 6]| {
            recorded_at_or_after_exit(dates.into_iter(), "%Y-%m-%d", exits.into_iter(), "%Y-%m-%d")
        };
        assert_eq!(
            at_or_after(paid),
            Some(Leak::RecordedAtOrAfterExit {
                compared: 6,
                after: 6
            })
        );
        assert_eq!(at_or_after(hired), None);
    }
}
