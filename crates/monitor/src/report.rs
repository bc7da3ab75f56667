//! Assembles the attrition report's figures from what is stored: the current scores (risk
//! bands, drivers), the latest model's backtest (how right past warnings were), the hazard
//! forecast by department and by manager (expected leavers, intervals, cost) and the monthly
//! trend of voluntary exits. The `report` crate writes them out; this module only gathers.

use crate::forecast::{current_outlooks, forecast_from, ForecastRequest, Grouping};
use crate::train::load_meaning;
use crate::{MonitorError, Progress};
use std::collections::HashMap;
use tenure_domain::{OrgId, RiskBand, Shape};
use tenure_model::evaluate::TrainingSettings;
use tenure_model::explain::{Explanation, Factor};
use tenure_model::survival::forecast::{GroupForecast, ReplacementCost};
use tenure_report::attrition::Accuracy;
use tenure_report::attrition::RegrettedRow;
use tenure_report::{AttritionReport, BandCounts, DriverRow, GroupRow, HorizonRow, MonthRow};
use tenure_store::{MonthCount, Store};

#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub org: OrgId,
    pub cost: ReplacementCost,
    /// Pay figures per year in the pay column (12 when it holds monthly pay).
    pub pay_periods_per_year: f64,
    pub training: TrainingSettings,
    /// At most this many months of trend, the latest.
    pub trend_months: usize,
}

impl ReportRequest {
    pub fn new(org: OrgId, threads: usize) -> ReportRequest {
        ReportRequest {
            org,
            cost: ReplacementCost::default(),
            pay_periods_per_year: 1.0,
            training: TrainingSettings {
                learner: tenure_model::evaluate::LearnerChoice::Logistic,
                seed: 1,
                threads,
            },
            trend_months: 24,
        }
    }
}

/// The report, and what the same forecast says of each person: their chance of still being
/// here after 1, 2, … months (for the person's page, never for the report itself).
#[derive(Debug, Clone, Default)]
pub struct ReportFigures {
    pub report: AttritionReport,
    pub survival: HashMap<String, Vec<f64>>,
}

/// The organization-wide attrition report.
pub async fn attrition_report(
    store: &Store,
    slug: &str,
    request: &ReportRequest,
    progress: &dyn Progress,
) -> Result<ReportFigures, MonitorError> {
    let org = request.org;
    let organization = store
        .organization(slug)
        .await?
        .ok_or_else(|| MonitorError::NoData(slug.to_owned()))?;
    let mut report = AttritionReport {
        organization: organization.name.clone(),
        generated: Some(chrono::Utc::now().date_naive()),
        ..AttritionReport::default()
    };
    progress.step("reading the scores");
    if let Some(version) = store.latest_model_version(org).await? {
        let model = store.model(org, Some(version)).await?;
        report.model_version = Some(version);
        report.horizon_months = model.as_ref().and_then(|m| m.horizon_months);
        report.accuracy = model.as_ref().and_then(|m| accuracy_of(&m.card));
        let scores = store.current_scores(org, version).await?;
        if scores.len() >= organization.min_group_size {
            report.bands = Some(band_counts(scores.iter().map(|s| s.score.band)));
            report.drivers = stored_drivers(scores.iter().map(|s| &s.score.drivers))
                .into_iter()
                .take(8)
                .map(|d| DriverRow {
                    factor: d.factor,
                    strength: d.mean_abs_log_odds,
                    share_raising: d.share_raising,
                })
                .collect();
        }
    }
    progress.step("reading the history");
    let data = load_meaning(store, org, slug).await?;
    report.as_of = store.latest_as_of(org).await?;
    report.trend = monthly_trend(&store.monthly_counts(org).await?, request.trend_months);
    let mut survival = HashMap::new();
    if data.shape == Shape::Panel {
        progress.step("reading the forecast");
        let outlooks =
            current_outlooks(store, org, slug, &data, &request.training, progress).await?;
        survival = outlooks
            .survival_by_person()
            .map(|(person, curve)| (person.to_owned(), curve.to_vec()))
            .collect();
        for grouping in [Grouping::Department, Grouping::Manager] {
            let forecast = forecast_from(
                &outlooks,
                &data.roles,
                &ForecastRequest {
                    org,
                    until: None,
                    grouping,
                    cost: request.cost.clone(),
                    pay_periods_per_year: request.pay_periods_per_year,
                    training: request.training,
                },
            );
            if report.forecast.is_empty() {
                report.forecast = horizons(&forecast.organization);
            }
            if forecast.grouping_column.is_none() {
                continue;
            }
            let rows = forecast.groups.iter().map(group_row).collect();
            match grouping {
                Grouping::Department => report.departments = rows,
                _ => report.managers = rows,
            }
        }
    } else {
        report.notes.push(
            "Forecasts over time need monthly snapshots; this data has one row per person.".into(),
        );
    }
    Ok(ReportFigures { report, survival })
}

/// The drivers of a group's stored scores, strongest first: each score's stored factors,
/// summed by factor.
pub fn stored_drivers<'a>(
    drivers: impl IntoIterator<Item = &'a serde_json::Value>,
) -> Vec<tenure_model::explain::Driver> {
    let explanations: Vec<Explanation> = drivers.into_iter().map(stored_explanation).collect();
    tenure_model::explain::drivers(&explanations)
}

/// A stored score's factors (raising and holding down) back as an explanation.
pub fn stored_explanation(drivers: &serde_json::Value) -> Explanation {
    let factors = ["raising", "holding_down"]
        .iter()
        .filter_map(|side| drivers[side].as_array())
        .flatten()
        .filter_map(|f| serde_json::from_value::<Factor>(f.clone()).ok())
        .collect();
    Explanation { factors }
}

fn band_counts(bands: impl Iterator<Item = RiskBand>) -> BandCounts {
    let mut counts = BandCounts::default();
    for band in bands {
        match band {
            RiskBand::High => counts.high += 1,
            RiskBand::Medium => counts.medium += 1,
            RiskBand::Low => counts.low += 1,
            RiskBand::NotEnoughData => counts.not_enough_data += 1,
        }
    }
    counts
}

fn accuracy_of(card: &serde_json::Value) -> Option<Accuracy> {
    let evaluation = card.get("evaluation")?;
    let figure = |key: &str| evaluation.get(key).and_then(|v| v.as_f64());
    Some(Accuracy {
        roc_auc: figure("roc_auc"),
        brier: figure("brier"),
        calibration_error: figure("expected_calibration_error"),
        evaluated_people: evaluation.get("n").and_then(|v| v.as_u64()).unwrap_or(0) as usize,
    })
}

fn horizons(forecast: &GroupForecast) -> Vec<HorizonRow> {
    forecast
        .horizons
        .iter()
        .flatten()
        .map(|h| HorizonRow {
            months: h.months,
            expected: h.leavers.expected,
            low: h.leavers.lower as f64,
            high: h.leavers.upper as f64,
            expected_cost: h.expected_cost,
            regretted: h.regretted.map(|r| RegrettedRow {
                expected: r.expected,
                expected_cost: r.expected_cost,
                people: r.people,
            }),
        })
        .collect()
}

fn group_row(forecast: &GroupForecast) -> GroupRow {
    let twelve = horizons(forecast).into_iter().find(|h| h.months == 12);
    GroupRow {
        name: forecast.group.clone(),
        people: twelve.as_ref().map(|_| forecast.people),
        twelve_months: twelve,
    }
}

/// The last `months` of the monthly headcounts and voluntary leavers.
pub fn monthly_trend(counts: &[MonthCount], months: usize) -> Vec<MonthRow> {
    let skip = counts.len().saturating_sub(months);
    counts[skip..]
        .iter()
        .map(|c| MonthRow {
            month: c.month,
            headcount: c.headcount as usize,
            voluntary_leavers: c.voluntary_leavers as usize,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn the_trend_is_the_last_months_of_the_counts() {
        let count = |m: u32, headcount: u64, voluntary_leavers: u64| MonthCount {
            month: NaiveDate::from_ymd_opt(2026, m, 1).unwrap(),
            headcount,
            voluntary_leavers,
        };
        let counts = [count(1, 3, 0), count(2, 3, 1), count(3, 1, 0)];
        let trend = monthly_trend(&counts, 2);
        let figures: Vec<(u32, usize, usize)> = trend
            .iter()
            .map(|m| (m.month.month(), m.headcount, m.voluntary_leavers))
            .collect();
        assert_eq!(figures, vec![(2, 3, 1), (3, 1, 0)]);
        assert_eq!(monthly_trend(&counts, 24).len(), 3);
    }
}
