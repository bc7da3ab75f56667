//! Why a score is what it is. Each learner's exact per-feature contributions to the log-odds
//! (TreeSHAP for trees, the linear terms against the training average for logistic
//! regression) are summed back to the user's columns — the factors — and each factor is said
//! in plain words from the person's own values ("no promotion in 38 months", "pay 12% below
//! the peer median", "2 teammates left in the last 6 months").

use crate::design::Design;
use crate::panel::Derived;
use crate::wording::{say, Said};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tenure_domain::{RoleColumns, Value};

/// One factor's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// The user's column the factor is about, or "tenure", "team", "time of year".
    pub factor: String,
    /// Its contribution to the log-odds: above zero raises the risk.
    pub log_odds: f64,
    /// The person's situation in plain words.
    pub words: String,
    /// The same in Chinese (empty in explanations stored before it was kept).
    #[serde(default)]
    pub words_zh: String,
}

impl Factor {
    /// The words in `language` (English where no Chinese was stored).
    pub fn words_in(&self, language: tenure_domain::Language) -> &str {
        match language {
            tenure_domain::Language::Chinese if !self.words_zh.is_empty() => &self.words_zh,
            _ => &self.words,
        }
    }
}

/// Every factor of one score, the one raising the risk most first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub factors: Vec<Factor>,
}

/// Contributions smaller than this (in log-odds) neither raise nor hold down anything.
const NEGLIGIBLE: f64 = 0.005;

impl Explanation {
    /// The `n` factors raising the risk most.
    pub fn raising(&self, n: usize) -> Vec<&Factor> {
        self.factors
            .iter()
            .filter(|f| f.log_odds > NEGLIGIBLE)
            .take(n)
            .collect()
    }

    /// The `n` factors holding it down most.
    pub fn holding_down(&self, n: usize) -> Vec<&Factor> {
        self.factors
            .iter()
            .rev()
            .filter(|f| f.log_odds < -NEGLIGIBLE)
            .take(n)
            .collect()
    }

    /// Keeps only the `n` strongest factors each way (what is stored with a score).
    pub fn strongest(&self, n: usize) -> Explanation {
        let mut factors: Vec<Factor> = self.raising(n).into_iter().cloned().collect();
        let mut down: Vec<Factor> = self.holding_down(n).into_iter().cloned().collect();
        down.reverse();
        factors.extend(down);
        Explanation { factors }
    }
}

/// A factor's weight across a whole population: how much it moves scores on average.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    pub factor: String,
    /// Mean absolute contribution to the log-odds.
    pub mean_abs_log_odds: f64,
    /// Share of people for whom it raises the risk.
    pub share_raising: f64,
}

/// The organization-wide drivers, strongest first.
pub fn drivers(explanations: &[Explanation]) -> Vec<Driver> {
    let mut sums: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for explanation in explanations {
        for f in &explanation.factors {
            let entry = sums.entry(&f.factor).or_default();
            entry.0 += f.log_odds.abs();
            entry.1 += usize::from(f.log_odds > NEGLIGIBLE);
        }
    }
    let n = explanations.len().max(1) as f64;
    let mut drivers: Vec<Driver> = sums
        .into_iter()
        .map(|(factor, (abs, raising))| Driver {
            factor: factor.to_owned(),
            mean_abs_log_odds: abs / n,
            share_raising: raising as f64 / n,
        })
        .collect();
    drivers.sort_by(|a, b| {
        b.mean_abs_log_odds
            .total_cmp(&a.mean_abs_log_odds)
            .then_with(|| a.factor.cmp(&b.factor))
    });
    drivers
}

/// What explaining the rows of one design needs, worked out once rather than per row: each
/// design column's feature as a typed value, the factor it is told under (the user's column,
/// or team, tenure, time of year), and each factor's columns in design order. Rows are then
/// summed into factors by index, and only the words that are said are written.
pub(crate) struct Explainer<'d> {
    design: &'d Design,
    roles: &'d RoleColumns,
    features: Vec<Derived>,
    /// Factor names, sorted (the order equal contributions keep).
    factors: Vec<String>,
    /// Each factor's design columns, in design order.
    factor_columns: Vec<Vec<usize>>,
}

impl<'d> Explainer<'d> {
    pub(crate) fn new(design: &'d Design, roles: &'d RoleColumns) -> Explainer<'d> {
        let features: Vec<Derived> = (0..design.columns.len())
            .map(|column| Derived::parse(design.column_name(column)))
            .collect();
        let factor_of_column: Vec<String> = features.iter().map(|f| factor_of(f, roles)).collect();
        let mut factors = factor_of_column.clone();
        factors.sort();
        factors.dedup();
        let mut factor_columns = vec![Vec::new(); factors.len()];
        for (column, factor) in factor_of_column.iter().enumerate() {
            let index = factors
                .binary_search(factor)
                .expect("every factor is listed");
            factor_columns[index].push(column);
        }
        Explainer {
            design,
            roles,
            features,
            factors,
            factor_columns,
        }
    }

    /// One row's factors with words, from its contributions per design column; `value`
    /// reads the row's value of a design column (asked only of the columns said in words).
    pub(crate) fn explain(&self, by_column: &[f64], value: impl Fn(usize) -> Value) -> Explanation {
        let mut factors: Vec<Factor> = self
            .factors
            .iter()
            .zip(&self.factor_columns)
            .map(|(factor, columns)| {
                let total = columns.iter().fold(0.0, |sum, &c| sum + by_column[c]);
                // Say what pushes the way the factor as a whole does, strongest first.
                let mut parts: Vec<(f64, usize)> = columns
                    .iter()
                    .map(|&c| (by_column[c], c))
                    .filter(|(c, _)| c.signum() == total.signum())
                    .collect();
                parts.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
                let said: Vec<Said> = parts
                    .iter()
                    .take(2)
                    .map(|&(_, column)| {
                        let mean = self.design.numeric_mean(column);
                        say(
                            &self.features[column],
                            &value(column),
                            mean,
                            self.roles,
                            total > 0.0,
                        )
                    })
                    .collect();
                Factor {
                    factor: factor.clone(),
                    log_odds: total,
                    words: said
                        .iter()
                        .map(|s| s.en.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    words_zh: said
                        .iter()
                        .map(|s| s.zh.as_str())
                        .collect::<Vec<_>>()
                        .join("；"),
                }
            })
            .collect();
        factors.sort_by(|a, b| b.log_odds.total_cmp(&a.log_odds));
        Explanation { factors }
    }
}

/// The user's column a feature belongs to; team conditions and tenure get their own factor.
fn factor_of(derived: &Derived, roles: &RoleColumns) -> String {
    match derived {
        Derived::Value(c)
        | Derived::Change(c, _)
        | Derived::MonthsSinceRose(c)
        | Derived::VsPeers(c)
        | Derived::MonthsSinceChanged(c)
        | Derived::Changes12m(c)
        | Derived::MonthsSinceDate(c) => {
            if roles.hire_date.as_deref() == Some(c.as_str()) {
                "tenure".into()
            } else {
                c.clone()
            }
        }
        Derived::TeamMedian(_) | Derived::TeammatesLeft => "team".into(),
        Derived::Tenure => "tenure".into(),
        Derived::MonthOfYear => "time of year".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> RoleColumns {
        RoleColumns {
            pay: Some("salary".into()),
            level: Some("grade".into()),
            manager: Some("boss".into()),
            rating: Some("rating".into()),
            ..Default::default()
        }
    }

    fn say(name: &str, value: Value) -> String {
        crate::wording::say(&Derived::parse(name), &value, Some(3.6), &roles(), true).en
    }

    #[test]
    fn features_are_said_in_plain_words() {
        assert_eq!(
            say("months since grade rose", Value::Number(38.0)),
            "no promotion in 38 months"
        );
        assert_eq!(
            say("months since grade rose", Value::Missing),
            "no promotion on record"
        );
        assert_eq!(
            say("salary vs peers", Value::Number(0.88)),
            "pay 12% below the peer median"
        );
        assert_eq!(
            say("salary vs peers", Value::Number(1.05)),
            "pay 5% above the peer median"
        );
        assert_eq!(
            say("teammates left 6m", Value::Number(2.0)),
            "2 teammates left in the last 6 months"
        );
        assert_eq!(
            say("months since boss changed", Value::Number(2.0)),
            "new manager 2 months ago"
        );
        assert_eq!(
            say("boss changes 12m", Value::Number(1.0)),
            "1 manager change in 12 months"
        );
        assert_eq!(
            say("engagement change 3m", Value::Number(-0.8)),
            "engagement down 0.8 in 3 months"
        );
        assert_eq!(
            say("engagement", Value::Number(2.4)),
            "engagement 2.4 (average 3.6)"
        );
        assert_eq!(
            say("month of year", Value::Number(3.0)),
            "the time of year (March)"
        );
        assert_eq!(
            say("tenure months", Value::Number(30.0)),
            "2.5 years with the organization"
        );
        assert_eq!(
            say("OverTime", Value::Category("Yes".into())),
            "OverTime: Yes"
        );
        assert_eq!(say("salary", Value::Number(52300.0)), "pay 52,300");
    }

    #[test]
    fn derived_features_group_back_to_the_users_columns() {
        let r = roles();
        assert_eq!(factor_of(&Derived::parse("salary vs peers"), &r), "salary");
        assert_eq!(
            factor_of(&Derived::parse("months since salary rose"), &r),
            "salary"
        );
        assert_eq!(factor_of(&Derived::parse("boss changes 12m"), &r), "boss");
        assert_eq!(
            factor_of(&Derived::parse("team median engagement"), &r),
            "team"
        );
        assert_eq!(factor_of(&Derived::parse("teammates left 6m"), &r), "team");
        assert_eq!(factor_of(&Derived::parse("tenure months"), &r), "tenure");
    }

    /// A row's contributions are summed into factors by the typed feature of each design
    /// column, the words come from the two strongest parts pushing the factor's way, and
    /// only those parts' values are read.
    #[test]
    fn the_explainer_sums_features_into_factors_and_says_the_strongest() {
        let row: BTreeMap<String, Value> = [
            ("salary", 50_000.0),
            ("salary vs peers", 0.8),
            ("months since salary rose", 30.0),
            ("teammates left 6m", 2.0),
            ("team median engagement", 3.0),
        ]
        .into_iter()
        .map(|(name, x)| (name.to_owned(), Value::Number(x)))
        .collect();
        let design = Design::fit(&[&row]);
        let r = roles();
        let explainer = Explainer::new(&design, &r);
        let column = |name: &str| {
            (0..design.columns.len())
                .find(|&c| design.column_name(c) == name)
                .unwrap()
        };
        let mut by_column = vec![0.0; design.columns.len()];
        by_column[column("salary")] = -0.1;
        by_column[column("salary vs peers")] = 0.4;
        by_column[column("months since salary rose")] = 0.3;
        by_column[column("teammates left 6m")] = 0.2;
        by_column[column("team median engagement")] = -0.05;
        let read = std::cell::RefCell::new(Vec::new());
        let explanation = explainer.explain(&by_column, |c| {
            read.borrow_mut().push(design.column_name(c).to_owned());
            row[design.column_name(c)].clone()
        });
        let factors: Vec<(&str, f64)> = explanation
            .factors
            .iter()
            .map(|f| (f.factor.as_str(), (f.log_odds * 1e6).round() / 1e6))
            .collect();
        assert_eq!(factors, [("salary", 0.6), ("team", 0.15)]);
        assert_eq!(
            explanation.factors[0].words,
            "pay 20% below the peer median; no pay rise in 30 months"
        );
        assert_eq!(
            explanation.factors[1].words,
            "2 teammates left in the last 6 months"
        );
        let mut read = read.into_inner();
        read.sort();
        assert_eq!(
            read,
            [
                "months since salary rose",
                "salary vs peers",
                "teammates left 6m"
            ],
            "the salary itself and the team median hold the other way: not said, not read"
        );
    }

    #[test]
    fn raising_and_holding_down_are_split_and_ordered() {
        let factor = |name: &str, log_odds: f64| Factor {
            factor: name.into(),
            log_odds,
            words: String::new(),
            words_zh: String::new(),
        };
        let explanation = Explanation {
            factors: vec![
                factor("a", 0.5),
                factor("b", 0.1),
                factor("c", 0.001),
                factor("d", -0.2),
                factor("e", -0.6),
            ],
        };
        let names = |fs: Vec<&Factor>| fs.iter().map(|f| f.factor.clone()).collect::<Vec<_>>();
        assert_eq!(names(explanation.raising(5)), ["a", "b"]);
        assert_eq!(names(explanation.holding_down(1)), ["e"]);
        assert_eq!(
            explanation
                .strongest(1)
                .factors
                .iter()
                .map(|f| f.factor.as_str())
                .collect::<Vec<_>>(),
            ["a", "e"]
        );
        let d = drivers(&[explanation.clone(), explanation]);
        assert_eq!(d[0].factor, "e");
        assert_eq!(d[1].factor, "a");
        assert_eq!(d[1].share_raising, 1.0);
    }
}
