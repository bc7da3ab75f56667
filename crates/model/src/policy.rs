//! The warning policy re-run over a backtest: at each origin, the people HR would have been
//! warned about within its capacity, and how that turned out. Precision (the warned who then
//! left), recall (the leavers who had been warned) and lift (precision against the base
//! rate) are what an HR team would have lived with — not a threshold's figures on paper.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use tenure_domain::Capacity;

/// One scored person at one origin, with what then happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyRow<'a> {
    pub origin: NaiveDate,
    pub person: &'a str,
    pub probability: f64,
    /// A voluntary exit followed within the horizon.
    pub left: bool,
}

/// The policy's backtest, pooled over origins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyBacktest {
    /// What the policy was: capacity, and how origins stand for months.
    pub policy: String,
    pub origins: usize,
    /// Warnings raised, and of them the people who then left within the horizon.
    pub warned: usize,
    pub warned_who_left: usize,
    /// People who left within the horizon of an origin, and of them those under a warning
    /// (raised at that origin or still open from an earlier one).
    pub leavers: usize,
    pub leavers_warned: usize,
    pub base_rate: f64,
    pub policy_precision: f64,
    pub policy_recall: f64,
    pub policy_lift: f64,
    pub policy_warned_per_month: f64,
}

/// Re-runs a capacity policy over backtest `rows`: at each origin (they are `step_months`
/// apart) HR warns, highest probability first, as many people as its capacity allows for
/// the months until the next origin, passing over anyone whose earlier warning is still open
/// (raised less than `horizon_months` before). A warning still open covers its person.
pub fn capacity_backtest(
    rows: &[PolicyRow],
    capacity: Capacity,
    step_months: usize,
    horizon_months: i32,
) -> PolicyBacktest {
    let mut by_origin: BTreeMap<NaiveDate, Vec<&PolicyRow>> = BTreeMap::new();
    for row in rows {
        by_origin.entry(row.origin).or_default().push(row);
    }
    let origins = by_origin.len();
    // Each person's latest warning.
    let mut warned_on: HashMap<&str, NaiveDate> = HashMap::new();
    let (mut warned, mut warned_who_left, mut leavers, mut leavers_warned) = (0, 0, 0, 0);
    let mut scored = 0usize;
    for (origin, mut people) in by_origin {
        scored += people.len();
        let open = |person: &str, warned_on: &HashMap<&str, NaiveDate>| {
            warned_on
                .get(person)
                .is_some_and(|w| months_between(*w, origin) < horizon_months)
        };
        // The month's conversations, rises' reserve included: a backtest has no rises apart.
        let allowed = capacity.allowed(&[(None, people.len())])[&None] * step_months;
        people.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        let mut now_warned = Vec::new();
        for row in &people {
            if now_warned.len() == allowed {
                break;
            }
            if !open(row.person, &warned_on) {
                now_warned.push(row.person);
                warned += 1;
                warned_who_left += usize::from(row.left);
            }
        }
        for person in now_warned {
            warned_on.insert(person, origin);
        }
        for row in people.iter().filter(|r| r.left) {
            leavers += 1;
            leavers_warned += usize::from(open(row.person, &warned_on));
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let base_rate = ratio(leavers, scored);
    let precision = ratio(warned_who_left, warned);
    PolicyBacktest {
        policy: format!(
            "warn the highest risks within {}, none twice within {horizon_months} months; each origin warns for the {step_months} months until the next",
            capacity_words(&capacity)
        ),
        origins,
        warned,
        warned_who_left,
        leavers,
        leavers_warned,
        base_rate,
        policy_precision: precision,
        policy_recall: ratio(leavers_warned, leavers),
        policy_lift: if base_rate > 0.0 {
            precision / base_rate
        } else {
            0.0
        },
        policy_warned_per_month: ratio(warned, origins * step_months),
    }
}

/// A capacity in words: "2.75% of the people a month" or "40 conversations a month".
fn capacity_words(capacity: &Capacity) -> String {
    match capacity.conversations_per_month {
        Some(1) => "1 conversation a month".into(),
        Some(count) => format!("{count} conversations a month"),
        None => format!(
            "{}% of the people a month",
            capacity.share_per_month * 100.0
        ),
    }
}

/// Whole months from `earlier` to `later`.
fn months_between(earlier: NaiveDate, later: NaiveDate) -> i32 {
    use chrono::Datelike;
    (later.year() - earlier.year()) * 12 + later.month() as i32 - earlier.month() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenure_domain::DEFAULT_CAPACITY;

    fn date(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, 1).unwrap()
    }

    #[test]
    fn capacity_is_spent_on_the_highest_risks_and_open_warnings_are_not_repeated() {
        let people = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        let mut rows = Vec::new();
        for (origin, leaver) in [(date(1), "a"), (date(4), "b")] {
            for (i, person) in people.iter().enumerate() {
                rows.push(PolicyRow {
                    origin,
                    person,
                    probability: 1.0 - i as f64 / 10.0,
                    left: *person == leaver,
                });
            }
        }
        // 10% of ten people a month, three months an origin: three warnings an origin.
        let result = capacity_backtest(
            &rows,
            Capacity {
                share_per_month: 0.1,
                ..DEFAULT_CAPACITY
            },
            3,
            6,
        );
        // Origin 1 warns a, b, c; origin 2 passes over them (still open) and warns d, e, f.
        assert_eq!(result.warned, 6);
        assert_eq!(result.warned_who_left, 1, "a left after its warning");
        assert_eq!(
            (result.leavers, result.leavers_warned),
            (2, 2),
            "b is still covered"
        );
        assert_eq!(result.policy_recall, 1.0);
        assert!((result.base_rate - 0.1).abs() < 1e-12);
        assert!((result.policy_precision - 1.0 / 6.0).abs() < 1e-12);
        assert!((result.policy_lift - 10.0 / 6.0).abs() < 1e-9);
        assert_eq!(result.policy_warned_per_month, 1.0);
    }

    #[test]
    fn a_fixed_number_of_conversations_is_held_each_month_between_origins() {
        let rows: Vec<PolicyRow> = ["a", "b", "c", "d", "e"]
            .iter()
            .enumerate()
            .map(|(i, person)| PolicyRow {
                origin: date(1),
                person,
                probability: 0.9 - i as f64 / 10.0,
                left: *person == "e",
            })
            .collect();
        let capacity = Capacity {
            conversations_per_month: Some(1),
            ..DEFAULT_CAPACITY
        };
        let result = capacity_backtest(&rows, capacity, 3, 6);
        assert_eq!((result.warned, result.policy_recall), (3, 0.0));
        assert!(
            result.policy.contains("within 1 conversation a month"),
            "{}",
            result.policy
        );
    }
}
