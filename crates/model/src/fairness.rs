//! The fairness audit of a model version: for each protected attribute and each pair of them
//! (sex × age band), every group's warning rate and its impact ratio against the most-warned
//! group (the four-fifths rule: under 0.8 is flagged), ROC AUC and calibration, each with a
//! 95% interval. Groups too small to show are hidden (with complementary suppression);
//! groups too small to judge are shown but not judged. A flagged attribute names the factor
//! whose contributions differ most between the most-warned and the flagged group — the
//! driver through which the difference arises, which a reviewer can then call legitimate or
//! not. Protected attributes reach this module only, never a learner.

use crate::metrics::roc_auc;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tenure_domain::hidden_groups;

/// One held-out prediction with what happened and who it was about.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditedPrediction {
    pub probability: f64,
    pub left: bool,
    /// Protected attribute → the person's group ("sex" → "F", "age band" → "30–39").
    pub groups: BTreeMap<String, String>,
    /// Factor → contribution to the log-odds (from the model's explanation), for the
    /// predictions explained: a large audit explains a sample of them (see [`driver_gap`]).
    pub factors: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FairnessSettings {
    /// A warning is raised from this probability (the High band).
    pub warning_threshold: f64,
    /// Groups under this are not shown (never under 5).
    pub min_group_size: usize,
    /// Groups under this are shown but not judged: too few to tell a difference from chance
    /// (nor is a group that, warned at the most-warned group's rate, would expect fewer than
    /// five warnings).
    pub min_judged: usize,
    /// Impact ratios under this are flagged.
    pub impact_floor: f64,
}

impl FairnessSettings {
    pub fn new(warning_threshold: f64, min_group_size: usize) -> FairnessSettings {
        FairnessSettings {
            warning_threshold,
            min_group_size: min_group_size.max(tenure_domain::MIN_GROUP_FLOOR),
            min_judged: 30,
            impact_floor: 0.8,
        }
    }
}

/// A figure and its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessAudit {
    pub warning_threshold: f64,
    pub impact_floor: f64,
    pub min_group_size: usize,
    pub min_judged: usize,
    /// Held-out predictions audited (person-months for panels).
    pub predictions: usize,
    pub attributes: Vec<AttributeAudit>,
    /// True when any judged group's impact ratio is under the floor.
    pub flagged: bool,
    /// What was flagged, in words.
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeAudit {
    /// "sex", "age band", or a pair "sex × age band".
    pub attribute: String,
    pub groups: Vec<GroupFigures>,
    /// Groups not shown because they (or, by subtraction, another) are too small.
    pub hidden_groups: usize,
    pub flagged: bool,
    pub finding: Option<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFigures {
    pub group: String,
    pub predictions: usize,
    pub warned: usize,
    pub warning_rate: Estimate,
    /// This group's warning rate over the most-warned judged group's; `None` when not judged.
    pub impact_ratio: Option<Estimate>,
    pub leavers: usize,
    pub observed_rate: Estimate,
    pub mean_probability: f64,
    /// Whether the mean probability lies within the observed rate's interval.
    pub calibrated: bool,
    pub roc_auc: Option<Estimate>,
    pub judged: bool,
    pub flagged: bool,
}

/// Why an attribute was flagged and through what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub most_warned: String,
    pub flagged_group: String,
    pub impact_ratio: f64,
    /// The factor whose mean contribution differs most between the two groups.
    pub driver: Option<DriverGap>,
    pub words: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverGap {
    pub factor: String,
    pub most_warned_log_odds: f64,
    pub flagged_group_log_odds: f64,
}

/// Audits held-out predictions for every attribute the rows carry, and every pair.
pub fn audit(predictions: &[AuditedPrediction], settings: &FairnessSettings) -> FairnessAudit {
    let attributes: Vec<String> = {
        let mut names: Vec<String> = predictions
            .iter()
            .flat_map(|p| p.groups.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let mut audits: Vec<AttributeAudit> = attributes
        .iter()
        .map(|a| audit_by(predictions, settings, a, |p| p.groups.get(a).cloned()))
        .collect();
    for (i, a) in attributes.iter().enumerate() {
        for b in &attributes[i + 1..] {
            let name = format!("{a} × {b}");
            audits.push(audit_by(predictions, settings, &name, |p| {
                Some(format!("{} × {}", p.groups.get(a)?, p.groups.get(b)?))
            }));
        }
    }
    let findings = audits
        .iter()
        .filter_map(|a| {
            a.finding
                .as_ref()
                .map(|f| format!("{}: {}", a.attribute, f.words))
        })
        .collect();
    FairnessAudit {
        warning_threshold: settings.warning_threshold,
        impact_floor: settings.impact_floor,
        min_group_size: settings.min_group_size,
        min_judged: settings.min_judged,
        predictions: predictions.len(),
        flagged: audits.iter().any(|a| a.flagged),
        attributes: audits,
        findings,
    }
}

fn audit_by(
    predictions: &[AuditedPrediction],
    settings: &FairnessSettings,
    attribute: &str,
    group_of: impl Fn(&AuditedPrediction) -> Option<String>,
) -> AttributeAudit {
    let mut members: BTreeMap<String, Vec<&AuditedPrediction>> = BTreeMap::new();
    for p in predictions {
        if let Some(g) = group_of(p) {
            members.entry(g).or_default().push(p);
        }
    }
    let all: Vec<(String, Vec<&AuditedPrediction>)> = members.into_iter().collect();
    let sizes: Vec<usize> = all.iter().map(|(_, m)| m.len()).collect();
    let hidden = hidden_groups(&sizes, settings.min_group_size);
    let shown: Vec<&(String, Vec<&AuditedPrediction>)> = all
        .iter()
        .zip(&hidden)
        .filter(|(_, h)| !**h)
        .map(|(g, _)| g)
        .collect();
    let mut groups: Vec<GroupFigures> = shown
        .iter()
        .map(|(g, m)| group_figures(g, m, settings))
        .collect();
    let reference = groups
        .iter()
        .filter(|g| g.judged)
        .max_by(|a, b| a.warning_rate.value.total_cmp(&b.warning_rate.value))
        .map(|g| {
            (
                g.group.clone(),
                g.warned,
                g.predictions,
                g.warning_rate.value,
            )
        });
    if let Some((_, ref_warned, ref_n, ref_rate)) = &reference {
        // A group is judged only when, warned at the reference rate, it would count enough
        // warnings for a shortfall to mean something.
        for g in groups.iter_mut() {
            g.judged &= g.predictions as f64 * ref_rate >= MIN_EXPECTED_WARNINGS;
        }
        if *ref_rate > 0.0 {
            for g in groups.iter_mut().filter(|g| g.judged) {
                let ratio = ratio_estimate(g.warned, g.predictions, *ref_warned, *ref_n);
                g.flagged = ratio.value < settings.impact_floor;
                g.impact_ratio = Some(ratio);
            }
        }
    }
    let worst = groups.iter().filter(|g| g.flagged).min_by(|a, b| {
        let (x, y) = (
            a.impact_ratio.map(|r| r.value),
            b.impact_ratio.map(|r| r.value),
        );
        x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
    });
    let finding = match (worst, &reference) {
        (Some(worst), Some((most, _, _, most_rate))) => {
            let members_of = |name: &str| {
                shown
                    .iter()
                    .find(|(g, _)| g == name)
                    .map(|(_, m)| m.as_slice())
                    .unwrap_or(&[])
            };
            Some(finding(
                (most, members_of(most), *most_rate),
                worst,
                members_of(&worst.group),
                settings,
            ))
        }
        _ => None,
    };
    AttributeAudit {
        attribute: attribute.to_owned(),
        flagged: finding.is_some(),
        hidden_groups: hidden.iter().filter(|&&h| h).count(),
        groups,
        finding,
    }
}

fn group_figures(
    group: &str,
    members: &[&AuditedPrediction],
    settings: &FairnessSettings,
) -> GroupFigures {
    let n = members.len();
    let warned = members
        .iter()
        .filter(|p| p.probability >= settings.warning_threshold)
        .count();
    let leavers = members.iter().filter(|p| p.left).count();
    let mean_probability = members.iter().map(|p| p.probability).sum::<f64>() / n.max(1) as f64;
    let observed_rate = wilson(leavers, n);
    let labels: Vec<bool> = members.iter().map(|p| p.left).collect();
    let scores: Vec<f64> = members.iter().map(|p| p.probability).collect();
    GroupFigures {
        group: group.to_owned(),
        predictions: n,
        warned,
        warning_rate: wilson(warned, n),
        impact_ratio: None,
        leavers,
        calibrated: mean_probability >= observed_rate.low && mean_probability <= observed_rate.high,
        observed_rate,
        mean_probability,
        roc_auc: roc_auc(&labels, &scores).map(|auc| auc_estimate(auc, leavers, n - leavers)),
        judged: n >= settings.min_judged,
        flagged: false,
    }
}

/// `most`: the most-warned group, its members and its warning rate.
fn finding(
    (most, most_members, most_rate): (&str, &[&AuditedPrediction], f64),
    worst: &GroupFigures,
    worst_members: &[&AuditedPrediction],
    settings: &FairnessSettings,
) -> Finding {
    let ratio = worst.impact_ratio.map_or(0.0, |r| r.value);
    let driver = driver_gap(most_members, worst_members);
    let mut words = format!(
        "{} is warned at {:.1}% against {:.1}% for {most} (impact ratio {ratio:.2}, under {:.2})",
        worst.group,
        100.0 * worst.warning_rate.value,
        100.0 * most_rate,
        settings.impact_floor,
    );
    if let Some(d) = &driver {
        words.push_str(&format!(
            "; the driver that differs most is {} (mean contribution {:+.2} for {most} against {:+.2} for {}): check whether it is a condition the organization should change",
            d.factor, d.most_warned_log_odds, d.flagged_group_log_odds, worst.group
        ));
    }
    Finding {
        most_warned: most.to_owned(),
        flagged_group: worst.group.clone(),
        impact_ratio: ratio,
        driver,
        words,
    }
}

/// The factor raising the most-warned group's risk most above the other group's, by the
/// mean contributions of each group's explained predictions.
fn driver_gap(most: &[&AuditedPrediction], other: &[&AuditedPrediction]) -> Option<DriverGap> {
    let means = |members: &[&AuditedPrediction]| {
        let mut sums: BTreeMap<&str, f64> = BTreeMap::new();
        let mut explained = 0;
        for factors in members.iter().filter_map(|p| p.factors.as_ref()) {
            explained += 1;
            for (factor, c) in factors {
                *sums.entry(factor).or_default() += c;
            }
        }
        let n = f64::from(explained).max(1.0);
        sums.into_iter()
            .map(|(f, s)| (f.to_owned(), s / n))
            .collect::<BTreeMap<String, f64>>()
    };
    let (a, b) = (means(most), means(other));
    a.iter()
        .map(|(factor, &x)| (factor, x, b.get(factor).copied().unwrap_or(0.0)))
        .filter(|(_, x, y)| x > y)
        .max_by(|p, q| (p.1 - p.2).total_cmp(&(q.1 - q.2)))
        .map(|(factor, x, y)| DriverGap {
            factor: factor.clone(),
            most_warned_log_odds: x,
            flagged_group_log_odds: y,
        })
}

const Z95: f64 = 1.959964;
/// Fewer expected warnings than this in a group say nothing about its rate.
const MIN_EXPECTED_WARNINGS: f64 = 5.0;

/// Wilson's score interval for a proportion.
pub fn wilson(successes: usize, n: usize) -> Estimate {
    if n == 0 {
        return Estimate {
            value: 0.0,
            low: 0.0,
            high: 1.0,
        };
    }
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Estimate {
        value: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// The ratio of two proportions with Katz's log interval (half a count added to empty cells).
pub fn ratio_estimate(k1: usize, n1: usize, k2: usize, n2: usize) -> Estimate {
    let value =
        (k1 as f64 / n1.max(1) as f64) / (k2 as f64 / n2.max(1) as f64).max(f64::MIN_POSITIVE);
    let (a, b) = ((k1 as f64).max(0.5), (k2 as f64).max(0.5));
    let (p1, p2) = (a / n1.max(1) as f64, b / n2.max(1) as f64);
    let se = ((1.0 - p1) / a + (1.0 - p2) / b).max(0.0).sqrt();
    let centre = (p1 / p2).ln();
    Estimate {
        value,
        low: (centre - Z95 * se).exp(),
        high: (centre + Z95 * se).exp(),
    }
}

/// Hanley and McNeil's standard error of a ROC AUC.
fn auc_estimate(auc: f64, positives: usize, negatives: usize) -> Estimate {
    let (np, nn) = (positives as f64, negatives as f64);
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let variance =
        (auc * (1.0 - auc) + (np - 1.0) * (q1 - auc * auc) + (nn - 1.0) * (q2 - auc * auc))
            / (np * nn).max(1.0);
    let se = variance.max(0.0).sqrt();
    Estimate {
        value: auc,
        low: (auc - Z95 * se).max(0.0),
        high: (auc + Z95 * se).min(1.0),
    }
}

/// The age band of an age in years.
pub fn age_band(age: f64) -> &'static str {
    match age {
        a if a < 30.0 => "under 30",
        a if a < 40.0 => "30–39",
        a if a < 50.0 => "40–49",
        _ => "50 and over",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prediction(group: &str, probability: f64, left: bool, pay: f64) -> AuditedPrediction {
        AuditedPrediction {
            probability,
            left,
            groups: BTreeMap::from([("sex".to_string(), group.to_string())]),
            factors: Some(BTreeMap::from([
                ("annual_pay".to_string(), pay),
                ("tenure".to_string(), 0.1),
            ])),
        }
    }

    #[test]
    fn a_group_warned_far_less_is_flagged_and_the_driver_named() {
        let mut rows = Vec::new();
        for i in 0..200 {
            // F: 30% warned, through pay; M: 10% warned.
            rows.push(prediction(
                "F",
                if i % 10 < 3 { 0.4 } else { 0.05 },
                i % 7 == 0,
                0.6,
            ));
            rows.push(prediction(
                "M",
                if i % 10 < 1 { 0.4 } else { 0.05 },
                i % 11 == 0,
                -0.1,
            ));
        }
        let audit = audit(&rows, &FairnessSettings::new(0.25, 5));
        assert!(audit.flagged);
        let sex = &audit.attributes[0];
        let m = sex.groups.iter().find(|g| g.group == "M").unwrap();
        let ratio = m.impact_ratio.unwrap();
        assert!((ratio.value - 1.0 / 3.0).abs() < 1e-9, "{ratio:?}");
        assert!(ratio.low < ratio.value && ratio.value < ratio.high);
        let finding = sex.finding.as_ref().unwrap();
        assert_eq!(
            (finding.most_warned.as_str(), finding.flagged_group.as_str()),
            ("F", "M")
        );
        assert_eq!(finding.driver.as_ref().unwrap().factor, "annual_pay");
        assert!(
            audit.findings[0].contains("annual_pay"),
            "{:?}",
            audit.findings
        );

        // Explaining one prediction in three gives the same driver and the same means.
        let sampled: Vec<AuditedPrediction> = rows
            .iter()
            .enumerate()
            .map(|(i, p)| AuditedPrediction {
                factors: p.factors.clone().filter(|_| i % 3 == 0),
                ..p.clone()
            })
            .collect();
        let from_sample = super::audit(&sampled, &FairnessSettings::new(0.25, 5));
        let driver = from_sample.attributes[0]
            .finding
            .as_ref()
            .unwrap()
            .driver
            .clone()
            .unwrap();
        assert_eq!(driver.factor, "annual_pay");
        assert!(
            (driver.most_warned_log_odds - 0.6).abs() < 1e-9
                && (driver.flagged_group_log_odds + 0.1).abs() < 1e-9,
            "the unexplained ones count for nothing: {driver:?}"
        );
    }

    #[test]
    fn equal_rates_pass_and_small_groups_are_shown_but_not_judged_or_hidden() {
        let mut rows = Vec::new();
        for i in 0..100 {
            rows.push(prediction(
                "F",
                if i % 5 == 0 { 0.4 } else { 0.05 },
                i % 9 == 0,
                0.0,
            ));
            rows.push(prediction(
                "M",
                if i % 5 == 0 { 0.4 } else { 0.05 },
                i % 9 == 0,
                0.0,
            ));
        }
        for i in 0..12 {
            rows.push(prediction("X", 0.05, i == 0, 0.0));
        }
        rows.push(prediction("Y", 0.05, false, 0.0));
        let audit = audit(&rows, &FairnessSettings::new(0.25, 5));
        assert!(!audit.flagged, "{:?}", audit.findings);
        let sex = &audit.attributes[0];
        // Y (1 person) is hidden, and X (the next smallest) with it, so Y can't be derived.
        assert_eq!(sex.hidden_groups, 2);
        assert_eq!(
            sex.groups
                .iter()
                .map(|g| g.group.as_str())
                .collect::<Vec<_>>(),
            ["F", "M"]
        );
        assert!(sex.groups.iter().all(|g| g.judged && !g.flagged));
    }

    #[test]
    fn pairs_of_attributes_are_audited_too() {
        let rows: Vec<AuditedPrediction> = (0..80)
            .map(|i| AuditedPrediction {
                probability: 0.1,
                left: i % 4 == 0,
                groups: BTreeMap::from([
                    ("sex".into(), if i % 2 == 0 { "F" } else { "M" }.into()),
                    (
                        "age band".into(),
                        if i % 3 == 0 { "under 30" } else { "30–39" }.into(),
                    ),
                ]),
                factors: None,
            })
            .collect();
        let audit = audit(&rows, &FairnessSettings::new(0.25, 5));
        let names: Vec<&str> = audit
            .attributes
            .iter()
            .map(|a| a.attribute.as_str())
            .collect();
        assert_eq!(names, ["age band", "sex", "age band × sex"]);
        assert_eq!(audit.attributes[2].groups.len(), 4);
    }

    #[test]
    fn intervals_hold_their_estimates() {
        let w = wilson(3, 10);
        assert!(w.low < 0.3 && 0.3 < w.high && w.low > 0.0 && w.high < 1.0);
        assert_eq!(wilson(0, 0).high, 1.0);
        let a = auc_estimate(0.8, 40, 400);
        assert!(a.low < 0.8 && a.high > 0.8 && a.high - a.low < 0.2);
        assert_eq!(age_band(29.9), "under 30");
        assert_eq!(age_band(50.0), "50 and over");
    }
}
