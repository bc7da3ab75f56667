//! Preparing a model's fairness audit: each held-out prediction gets the person's protected
//! groups (ages as bands, at the prediction's date) and the model's factor contributions, and
//! the model crate's audit does the rest. Protected attributes are read here and nowhere else
//! in the monitoring layer, and never reach a learner.

use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use tenure_domain::{looks_protected, ProtectedCategory, RoleColumns, SnapshotFrame, Value};
use tenure_model::fairness::{age_band, audit, AuditedPrediction, FairnessAudit, FairnessSettings};
use tenure_model::gbm::GbmError;
use tenure_model::table::FeatureTable;
use tenure_model::trained::TrainedModel;
use tenure_store::ProtectedAsOf;

/// One held-out prediction: which snapshot (the frame's row) it was about, and the row of its inputs in the
/// feature table the audit is given.
pub(crate) struct HeldOut {
    pub snapshot: usize,
    pub probability: f64,
    pub left: bool,
    pub row: u32,
}

/// At most this many held-out predictions are explained for the drivers of a finding.
const EXPLAINED_PREDICTIONS: usize = 10_000;

/// The audit of `held_out`, or `None` when nobody has a protected attribute on record.
pub(crate) fn fairness_audit(
    frame: &SnapshotFrame,
    roles: &RoleColumns,
    model: &TrainedModel,
    held_out: &[HeldOut],
    inputs: &FeatureTable,
    protected: &HashMap<String, Vec<ProtectedAsOf>>,
    settings: &FairnessSettings,
) -> Result<Option<FairnessAudit>, GbmError> {
    if protected.is_empty() || held_out.is_empty() {
        return Ok(None);
    }
    // Rates and calibration read every prediction; the drivers' group means are read from
    // an even sample, explained (explaining every backtest prediction was a seventh of a
    // large organization's training).
    let every = held_out.len().div_ceil(EXPLAINED_PREDICTIONS);
    let rows: Vec<u32> = held_out.iter().step_by(every).map(|h| h.row).collect();
    let mut explanations = model.explain_of(inputs, &rows, roles)?.into_iter();
    let predictions: Vec<AuditedPrediction> = held_out
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let person = frame.person(h.snapshot).as_str();
            let explanation = (i % every == 0).then(|| explanations.next()).flatten();
            AuditedPrediction {
                probability: h.probability,
                left: h.left,
                groups: groups_of(protected.get(person), frame.as_of(h.snapshot)),
                factors: explanation.map(|e| {
                    e.factors
                        .into_iter()
                        .map(|f| (f.factor, f.log_odds))
                        .collect()
                }),
            }
        })
        .collect();
    Ok(Some(audit(&predictions, settings)))
}

/// The person's protected groups as of `as_of` (their record at that date, or the nearest
/// earlier one, or the first).
fn groups_of(
    records: Option<&Vec<ProtectedAsOf>>,
    as_of: Option<NaiveDate>,
) -> BTreeMap<String, String> {
    let Some(records) = records.filter(|r| !r.is_empty()) else {
        return BTreeMap::new();
    };
    let record = as_of
        .and_then(|day| {
            records
                .iter()
                .rev()
                .find(|(d, _)| d.is_some_and(|d| d <= day))
        })
        .unwrap_or(&records[0]);
    record
        .1
        .iter()
        .filter_map(|(column, value)| group(column, value, as_of))
        .collect()
}

/// The attribute and group a protected value puts a person in: ages (or birth years and
/// dates) become bands; categories stay as they are.
fn group(column: &str, value: &Value, as_of: Option<NaiveDate>) -> Option<(String, String)> {
    if looks_protected(column) == Some(ProtectedCategory::Age) {
        let year = as_of.map_or_else(|| chrono::Utc::now().year(), |d| d.year()) as f64;
        let age = match value {
            Value::Number(x) if *x > 1900.0 => year - x,
            Value::Number(x) => *x,
            Value::Date(born) => year - born.year() as f64,
            _ => return None,
        };
        return Some(("age band".to_owned(), age_band(age).to_owned()));
    }
    match value {
        Value::Category(c) => Some((column.to_owned(), c.clone())),
        Value::Number(x) if x.fract() == 0.0 => Some((column.to_owned(), format!("{x}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_years_ages_and_dates_become_bands_at_the_predictions_date() {
        let day = NaiveDate::from_ymd_opt(2024, 6, 30);
        assert_eq!(
            group("birth_year", &Value::Number(1990.0), day),
            Some(("age band".into(), "30–39".into()))
        );
        assert_eq!(
            group("Age", &Value::Number(52.0), day),
            Some(("age band".into(), "50 and over".into()))
        );
        assert_eq!(
            group("Gender", &Value::Category("Female".into()), day),
            Some(("Gender".into(), "Female".into()))
        );
        assert_eq!(group("Gender", &Value::Missing, day), None);
    }

    #[test]
    fn the_record_in_force_at_the_date_is_used() {
        let d = |m| NaiveDate::from_ymd_opt(2024, m, 1);
        let records = vec![
            (
                d(1),
                BTreeMap::from([("marital".to_string(), Value::Category("Single".into()))]),
            ),
            (
                d(6),
                BTreeMap::from([("marital".to_string(), Value::Category("Married".into()))]),
            ),
        ];
        assert_eq!(groups_of(Some(&records), d(3))["marital"], "Single");
        assert_eq!(groups_of(Some(&records), d(7))["marital"], "Married");
    }
}

/// A model version's bias audit in Local Law 144's form, over the scores it gave the people
/// employed (each person's latest), with the period those scores cover.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BiasAuditReport {
    pub model_version: i64,
    /// The first and last snapshot dates scored (empty for undated exports).
    pub scored_from: Option<String>,
    pub scored_to: Option<String>,
    #[serde(flatten)]
    pub audit: tenure_model::bias_audit::BiasAudit,
}

/// The bias audit of model `version`'s current scores, against the High band's threshold, by
/// the protected attributes the organization holds (each person's latest record).
pub async fn bias_audit_report(
    store: &tenure_store::Store,
    org: tenure_domain::OrgId,
    version: i64,
) -> Result<BiasAuditReport, crate::MonitorError> {
    use tenure_model::bias_audit::{audit_dimensions, bias_audit, AuditedScore};
    let threshold = store.risk_thresholds(org).await?.high;
    let scores = store.current_scores(org, version).await?;
    let protected = store.protected_attributes_for_fairness_audit(org).await?;
    let latest = |person: &str| -> BTreeMap<String, String> {
        protected
            .get(person)
            .and_then(|records| records.last())
            .map(|(_, values)| {
                values
                    .iter()
                    .filter(|(_, v)| !matches!(v, Value::Missing))
                    .map(|(column, v)| (column.clone(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let audited: Vec<AuditedScore> = scores
        .iter()
        .filter_map(|s| {
            Some(AuditedScore {
                probability: s.score.probability?,
                categories: latest(&s.score.person),
            })
        })
        .collect();
    let mut columns: Vec<String> = audited
        .iter()
        .flat_map(|s| s.categories.keys().cloned())
        .collect();
    columns.sort();
    columns.dedup();
    let classified: Vec<(String, Option<ProtectedCategory>)> = columns
        .into_iter()
        .map(|c| {
            let category = looks_protected(&c);
            (c, category)
        })
        .collect();
    let dates = scores
        .iter()
        .map(|s| s.score.as_of.clone())
        .filter(|d| !d.is_empty());
    Ok(BiasAuditReport {
        model_version: version,
        scored_from: dates.clone().min(),
        scored_to: dates.max(),
        audit: bias_audit(&audited, threshold, &audit_dimensions(&classified)),
    })
}
