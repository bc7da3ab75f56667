//! A bias audit in the form New York City's Local Law 144 asks of automated employment
//! decision tools: for each category of a protected attribute, and of intersections of them,
//! how many people were scored, how many scored above the warning threshold (the scoring
//! rate), and the impact ratio — the category's scoring rate over the highest category's.
//! Categories under 2% of the data audited are reported but left out of the impact ratios, as
//! the rules allow. Unlike the fairness audit (which judges held-out predictions against what
//! happened), this describes the scores the tool actually gave, for publishing.

use serde::Serialize;
use std::collections::BTreeMap;
use tenure_domain::ProtectedCategory;

/// Categories under this share of the data are left out of the impact ratios.
pub const SMALL_CATEGORY_SHARE: f64 = 0.02;

/// One person's score and their categories (protected column → value).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditedScore {
    pub probability: f64,
    pub categories: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BiasAudit {
    /// Scores at or above this count as scored above (the High band's threshold).
    pub threshold: f64,
    pub people: usize,
    pub scored_above: usize,
    pub dimensions: Vec<DimensionAudit>,
}

/// One attribute, or an intersection of attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionAudit {
    /// "Gender", or "Gender × MaritalStatus".
    pub name: String,
    pub columns: Vec<String>,
    pub categories: Vec<CategoryAudit>,
    /// People with no value for one of the columns: not in any category.
    pub unknown: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryAudit {
    /// The values, joined by " × " for an intersection.
    pub category: String,
    pub people: usize,
    /// Of all the people audited.
    pub share_of_data: f64,
    pub scored_above: usize,
    pub scoring_rate: f64,
    /// Scoring rate over the highest scoring rate of the categories kept; `None` for a
    /// category left out (under 2% of the data) or when no one in any kept category scored
    /// above.
    pub impact_ratio: Option<f64>,
    /// Under [`SMALL_CATEGORY_SHARE`] of the data: reported, left out of the ratios.
    pub excluded: bool,
}

/// The dimensions to audit among the organization's protected columns: each categorical one
/// (age, a number, is not a category), and sex crossed with each of the others — race or
/// ethnicity where the data holds it, otherwise what it does hold (marital status in the IBM
/// file) as the intersection the rules ask for.
pub fn audit_dimensions(columns: &[(String, Option<ProtectedCategory>)]) -> Vec<Vec<String>> {
    let categorical: Vec<&(String, Option<ProtectedCategory>)> = columns
        .iter()
        .filter(|(_, category)| *category != Some(ProtectedCategory::Age))
        .collect();
    let mut dimensions: Vec<Vec<String>> =
        categorical.iter().map(|(c, _)| vec![c.clone()]).collect();
    if let Some((sex, _)) = categorical
        .iter()
        .find(|(_, c)| *c == Some(ProtectedCategory::Sex))
    {
        for (other, _) in categorical.iter().filter(|(c, _)| c != sex) {
            dimensions.push(vec![sex.clone(), other.clone()]);
        }
    }
    dimensions
}

/// The audit of `scores` over `dimensions`, with `threshold` as the line for scoring above.
pub fn bias_audit(
    scores: &[AuditedScore],
    threshold: f64,
    dimensions: &[Vec<String>],
) -> BiasAudit {
    let above = |s: &AuditedScore| s.probability >= threshold;
    BiasAudit {
        threshold,
        people: scores.len(),
        scored_above: scores.iter().filter(|s| above(s)).count(),
        dimensions: dimensions
            .iter()
            .map(|columns| dimension(scores, columns, &above))
            .collect(),
    }
}

fn dimension(
    scores: &[AuditedScore],
    columns: &[String],
    above: &dyn Fn(&AuditedScore) -> bool,
) -> DimensionAudit {
    let mut tallies: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unknown = 0;
    for s in scores {
        let values: Option<Vec<&str>> = columns
            .iter()
            .map(|c| {
                s.categories
                    .get(c)
                    .map(String::as_str)
                    .filter(|v| !v.is_empty())
            })
            .collect();
        match values {
            Some(values) => {
                let tally = tallies.entry(values.join(" × ")).or_default();
                tally.0 += 1;
                tally.1 += usize::from(above(s));
            }
            None => unknown += 1,
        }
    }
    let total = scores.len().max(1) as f64;
    let mut categories: Vec<CategoryAudit> = tallies
        .into_iter()
        .map(|(category, (people, scored_above))| CategoryAudit {
            category,
            people,
            share_of_data: people as f64 / total,
            scored_above,
            scoring_rate: scored_above as f64 / people as f64,
            impact_ratio: None,
            excluded: (people as f64 / total) < SMALL_CATEGORY_SHARE,
        })
        .collect();
    let highest = categories
        .iter()
        .filter(|c| !c.excluded)
        .map(|c| c.scoring_rate)
        .fold(0.0, f64::max);
    if highest > 0.0 {
        for c in categories.iter_mut().filter(|c| !c.excluded) {
            c.impact_ratio = Some(c.scoring_rate / highest);
        }
    }
    DimensionAudit {
        name: columns.join(" × "),
        columns: columns.to_vec(),
        categories,
        unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(probability: f64, sex: &str, group: &str) -> AuditedScore {
        AuditedScore {
            probability,
            categories: [
                ("sex".to_owned(), sex.to_owned()),
                ("group".to_owned(), group.to_owned()),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn scoring_rates_and_impact_ratios_by_category_and_intersection() {
        let mut scores = Vec::new();
        // 60 F (12 above), 39 M (13 above), 1 X (1 above: under 2%).
        scores.extend((0..60).map(|i| {
            person(
                if i < 12 { 0.5 } else { 0.1 },
                "F",
                if i % 2 == 0 { "a" } else { "b" },
            )
        }));
        scores.extend((0..39).map(|i| person(if i < 13 { 0.5 } else { 0.1 }, "M", "a")));
        scores.push(person(0.9, "X", "a"));
        let dimensions = vec![
            vec!["sex".to_owned()],
            vec!["sex".to_owned(), "group".to_owned()],
        ];
        let audit = bias_audit(&scores, 0.25, &dimensions);
        assert_eq!((audit.people, audit.scored_above), (100, 26));
        let sex = &audit.dimensions[0];
        let rate = |d: &DimensionAudit, c: &str| {
            d.categories
                .iter()
                .find(|x| x.category == c)
                .cloned()
                .unwrap()
        };
        let (f, m, x) = (rate(sex, "F"), rate(sex, "M"), rate(sex, "X"));
        assert!((f.scoring_rate - 0.2).abs() < 1e-12);
        assert!((m.scoring_rate - 13.0 / 39.0).abs() < 1e-12);
        // X scored above at 100% but is under 2%: left out, so M is the reference.
        assert!(x.excluded && x.impact_ratio.is_none());
        assert_eq!(m.impact_ratio, Some(1.0));
        assert!((f.impact_ratio.unwrap() - 0.2 / (13.0 / 39.0)).abs() < 1e-12);
        let cross = &audit.dimensions[1];
        assert_eq!(cross.name, "sex × group");
        assert_eq!(rate(cross, "F × a").people, 30);
        assert_eq!(rate(cross, "M × a").people, 39);
    }

    #[test]
    fn dimensions_leave_age_out_and_cross_sex_with_the_rest() {
        let columns = vec![
            ("Age".to_owned(), Some(ProtectedCategory::Age)),
            ("Gender".to_owned(), Some(ProtectedCategory::Sex)),
            (
                "MaritalStatus".to_owned(),
                Some(ProtectedCategory::MaritalStatus),
            ),
        ];
        let names: Vec<Vec<String>> = audit_dimensions(&columns);
        assert_eq!(
            names,
            [
                vec!["Gender".to_owned()],
                vec!["MaritalStatus".to_owned()],
                vec!["Gender".to_owned(), "MaritalStatus".to_owned()]
            ]
        );
    }
}
