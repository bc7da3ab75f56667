//! Forecasting an organization's voluntary leavers: a monthly hazard model trained on its
//! stored history (landmark hazards for panels, person-months for time-to-event data), each
//! current employee's survival curve, and per-group expected counts with their 90% interval
//! and cost. Data after `until` is ignored, so a forecast can be made "as of" a past month and
//! checked against what then happened (`bench/forecast_coverage.sh`).

use crate::train::load;
use crate::{text_of, MonitorError, Progress};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::time::Instant;
use tenure_domain::{OrgId, Outcome, RoleColumns, Shape, Snapshot, Value};
use tenure_model::backtest::{train_latest_hazards, OutOfTimeLevel};
use tenure_model::evaluate::TrainingSettings;
use tenure_model::panel::panel_features;
use tenure_model::scoring::current_panel_months;
use tenure_model::table::FeatureTable;
use tenure_model::survival::forecast::{
    forecast, level_uncertainty, level_uncertainty_checked, ForecastPerson, GroupForecast,
    ReplacementCost,
};
use tenure_model::survival::hazard::{
    at_month, outlooks, train_time_to_event, FollowUp, Outlook, OUTLOOK_MONTHS,
};
use tenure_model::survival::landmark::{landmark_months, landmark_outlooks};
use tenure_model::trained::TrainedModel;

/// Which column groups people in the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Team,
    Department,
    Manager,
    Level,
}

impl Grouping {
    pub fn name(self) -> &'static str {
        match self {
            Grouping::Team => "team",
            Grouping::Department => "department",
            Grouping::Manager => "manager",
            Grouping::Level => "level",
        }
    }

    /// The grouping a role's name stands for.
    pub fn parse(name: &str) -> Option<Grouping> {
        [
            Grouping::Team,
            Grouping::Department,
            Grouping::Manager,
            Grouping::Level,
        ]
        .into_iter()
        .find(|g| g.name() == name)
    }

    pub(crate) fn column(self, roles: &RoleColumns) -> Option<&String> {
        match self {
            Grouping::Team => roles.team.as_ref(),
            Grouping::Department => roles.department.as_ref(),
            Grouping::Manager => roles.manager.as_ref(),
            Grouping::Level => roles.level.as_ref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRequest {
    pub org: OrgId,
    /// Forecast as of this date: later snapshots are ignored (default: all data).
    pub until: Option<NaiveDate>,
    pub grouping: Grouping,
    pub cost: ReplacementCost,
    /// Pay figures per year in the pay column (12 when it holds monthly pay).
    pub pay_periods_per_year: f64,
    pub training: TrainingSettings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForecastReport {
    /// The month the forecast is made at (panels), from which the horizons count.
    pub as_of: Option<NaiveDate>,
    pub grouping: Grouping,
    /// The grouping column was not mapped: every person counts in "(unknown)".
    pub grouping_column: Option<String>,
    pub organization: GroupForecast,
    pub groups: Vec<GroupForecast>,
    /// The monthly hazard model, in a few words.
    pub model: String,
    pub trained_on: usize,
    /// Voluntary exits in the year before the forecast (all of them in time-to-event data),
    /// which set how sure the overall level is.
    pub recent_leavers: usize,
    /// Panels: the hazard model fitted before its last three months, against the exits in
    /// them — an out-of-time check of the level, which widens the level's uncertainty.
    pub out_of_time: Option<OutOfTimeLevel>,
    /// That uncertainty, as the log-scale standard deviation the intervals integrate over.
    pub level_sd: f64,
    pub training_seconds: f64,
    /// Survival curves and group intervals, once the model is trained.
    pub forecast_seconds: f64,
}

pub async fn forecast_organization(
    store: &tenure_store::Store,
    slug: &str,
    request: &ForecastRequest,
    progress: &dyn Progress,
) -> Result<ForecastReport, MonitorError> {
    let mut data = load(store, request.org, slug).await?;
    if let Some(until) = request.until {
        data.snapshots = cut_at(data.snapshots, until);
    }
    if data.snapshots.is_empty() {
        return Err(MonitorError::NoData(slug.to_owned()));
    }
    forecast_snapshots(&data.snapshots, data.shape, &data.roles, request, progress)
}

/// The history as it stood on `until`: later snapshots dropped, and exits not yet happened
/// forgotten (a leaver after `until` was still employed then).
pub fn cut_at(snapshots: Vec<Snapshot>, until: NaiveDate) -> Vec<Snapshot> {
    snapshots
        .into_iter()
        .filter(|s| s.as_of.is_none_or(|d| d <= until))
        .map(|mut s| {
            if s.exit.as_ref().is_some_and(|e| e.date > until) {
                s.exit = None;
            }
            s
        })
        .collect()
}

/// The forecast from snapshots in memory.
pub fn forecast_snapshots(
    snapshots: &[Snapshot],
    shape: Shape,
    roles: &RoleColumns,
    request: &ForecastRequest,
    progress: &dyn Progress,
) -> Result<ForecastReport, MonitorError> {
    let outlooks = fit_outlooks(snapshots, shape, roles, &request.training, progress)?;
    Ok(forecast_from(&outlooks, roles, request))
}

/// Everyone employed now with their survival curve, from one fitted hazard model: grouped
/// as many ways as wanted without fitting again.
pub struct Outlooks<'s> {
    fitted: Fitted<'s>,
    curves: Vec<Outlook>,
    training_seconds: f64,
    forecast_seconds: f64,
}

impl Outlooks<'_> {
    /// Each person's chance of still being here after 1, 2, … months.
    pub fn survival_by_person(&self) -> impl Iterator<Item = (&str, &[f64])> {
        self.fitted
            .current
            .iter()
            .zip(&self.curves)
            .map(|(snapshot, outlook)| (snapshot.person.as_str(), outlook.survival.as_slice()))
    }
}

pub fn fit_outlooks<'s>(
    snapshots: &'s [Snapshot],
    shape: Shape,
    roles: &RoleColumns,
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Outlooks<'s>, MonitorError> {
    let started = Instant::now();
    let fitted = match shape {
        Shape::Panel => fit_panel(snapshots, roles, training, progress)?,
        Shape::TimeToEvent => fit_time_to_event(snapshots, training, progress)?,
        Shape::CrossSection => return Err(MonitorError::NothingToForecastOver),
    };
    let training_seconds = started.elapsed().as_secs_f64();
    progress.step("forecasting");
    let started = Instant::now();
    let curves = match fitted.as_of {
        Some(as_of) => landmark_outlooks(
            &fitted.model,
            &fitted.inputs,
            &fitted.input_rows,
            as_of,
            OUTLOOK_MONTHS,
        )?,
        None => {
            let rows: Vec<BTreeMap<String, Value>> = fitted
                .input_rows
                .iter()
                .map(|&r| fitted.inputs.values(r as usize))
                .collect();
            let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
            outlooks(&fitted.model, &refs, OUTLOOK_MONTHS)?
        }
    };
    Ok(Outlooks {
        fitted,
        curves,
        training_seconds,
        forecast_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The forecast for the organization and each group of `request.grouping`.
pub fn forecast_from(
    outlooks: &Outlooks,
    roles: &RoleColumns,
    request: &ForecastRequest,
) -> ForecastReport {
    let started = Instant::now();
    let fitted = &outlooks.fitted;
    let column = request.grouping.column(roles);
    let people: Vec<ForecastPerson> = fitted
        .current
        .iter()
        .zip(&outlooks.curves)
        .map(|(snapshot, outlook)| person(snapshot, outlook.clone(), column, roles, request))
        .collect();
    let level_sd = fitted.level_sd;
    let (organization, groups) = forecast(&people, level_sd);
    ForecastReport {
        as_of: fitted.as_of,
        grouping: request.grouping,
        grouping_column: column.cloned(),
        organization,
        groups,
        model: fitted.model.describe(),
        trained_on: fitted.trained_on,
        recent_leavers: fitted.recent_leavers,
        out_of_time: fitted.out_of_time,
        level_sd,
        training_seconds: outlooks.training_seconds,
        forecast_seconds: outlooks.forecast_seconds + started.elapsed().as_secs_f64(),
    }
}

/// A trained hazard model and the people it forecasts, each with their inputs now.
struct Fitted<'s> {
    model: TrainedModel,
    recent_leavers: usize,
    /// How sure the overall level is (log scale).
    level_sd: f64,
    out_of_time: Option<OutOfTimeLevel>,
    trained_on: usize,
    as_of: Option<NaiveDate>,
    /// Everyone forecast, with their inputs now: row `input_rows[i]` of `inputs`.
    current: Vec<&'s Snapshot>,
    inputs: FeatureTable,
    input_rows: Vec<u32>,
}

fn fit_panel<'s>(
    snapshots: &'s [Snapshot],
    roles: &RoleColumns,
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Fitted<'s>, MonitorError> {
    progress.step("deriving monthly features");
    let features = panel_features(snapshots, roles, 1);
    let landmarks = landmark_months(snapshots, &features, OUTLOOK_MONTHS);
    progress.step("training the monthly hazard model");
    let hazards = train_latest_hazards(&landmarks, training)?;
    drop(landmarks);
    let current = current_panel_months(snapshots, &features.months);
    let as_of = current.first().map(|&r| features.months[r as usize].as_of);
    let (current, input_rows): (Vec<&Snapshot>, Vec<u32>) = current
        .into_iter()
        .map(|r| (&snapshots[features.months[r as usize].snapshot], r))
        .unzip();
    let recent_leavers = as_of.map_or(0, |d| voluntary_exits_in_year_before(snapshots, d));
    let check = hazards.out_of_time;
    Ok(Fitted {
        model: hazards.model,
        level_sd: level_uncertainty_checked(recent_leavers, check.log_ratio(), check.observed),
        out_of_time: Some(check),
        recent_leavers,
        trained_on: hazards.trained_on,
        as_of,
        current,
        inputs: features.table,
        input_rows,
    })
}

/// People who left voluntarily in the twelve months up to `as_of`.
fn voluntary_exits_in_year_before(snapshots: &[Snapshot], as_of: NaiveDate) -> usize {
    let year_before = as_of - chrono::Months::new(12);
    let leavers: std::collections::HashSet<&str> = snapshots
        .iter()
        .filter(|s| {
            s.exit
                .as_ref()
                .is_some_and(|e| e.voluntary && e.date > year_before && e.date <= as_of)
        })
        .map(|s| s.person.as_str())
        .collect();
    leavers.len()
}

fn fit_time_to_event<'s>(
    snapshots: &'s [Snapshot],
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Fitted<'s>, MonitorError> {
    let follow_ups: Vec<(&Snapshot, FollowUp)> = snapshots
        .iter()
        .filter_map(|s| match s.outcome {
            Some(Outcome::Duration { duration, event }) => Some((
                s,
                FollowUp {
                    values: &s.values,
                    duration,
                    event,
                },
            )),
            _ => None,
        })
        .collect();
    progress.step("training the monthly hazard model");
    let people: Vec<FollowUp> = follow_ups.iter().map(|(_, f)| *f).collect();
    let model = train_time_to_event(&people, training)?;
    let trained_on = people.iter().map(FollowUp::months).sum();
    // Still employed: followed so far without leaving; their next month is the one after.
    let (current, rows): (Vec<&Snapshot>, Vec<BTreeMap<String, Value>>) = follow_ups
        .iter()
        .filter(|(_, f)| !f.event)
        .map(|(s, f)| (*s, at_month(f.values, f.months() + 1)))
        .unzip();
    let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
    let inputs = FeatureTable::from_maps(&refs);
    let input_rows = (0..rows.len() as u32).collect();
    let recent_leavers = people.iter().filter(|p| p.event).count();
    Ok(Fitted {
        model,
        level_sd: level_uncertainty(recent_leavers),
        out_of_time: None,
        recent_leavers,
        trained_on,
        as_of: None,
        current,
        inputs,
        input_rows,
    })
}

fn person(
    snapshot: &Snapshot,
    outlook: Outlook,
    group_column: Option<&String>,
    roles: &RoleColumns,
    request: &ForecastRequest,
) -> ForecastPerson {
    let text = |column: Option<&String>| column.and_then(|c| text_of(snapshot, c));
    let pay = roles
        .pay
        .as_ref()
        .and_then(|c| snapshot.values.get(c))
        .and_then(Value::as_number)
        .map(|p| p * request.pay_periods_per_year);
    let level = text(roles.level.as_ref());
    ForecastPerson {
        outlook,
        group: text(group_column),
        replacement_cost: request.cost.of(pay, level.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenure_domain::{Exit, PersonKey};

    #[test]
    fn a_cut_forgets_the_future() {
        let month = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
        let snapshot = |m, exit: Option<u32>| Snapshot {
            person: PersonKey::parse("7").unwrap(),
            as_of: Some(month(m)),
            values: Default::default(),
            protected: Default::default(),
            exit: exit.map(|e| Exit {
                date: month(e),
                kind: Some("resignation".into()),
                voluntary: true,
            }),
            outcome: None,
        };
        let cut = cut_at(
            vec![
                snapshot(1, Some(5)),
                snapshot(2, Some(5)),
                snapshot(5, Some(5)),
            ],
            month(3),
        );
        assert_eq!(cut.len(), 2);
        assert!(cut.iter().all(|s| s.exit.is_none()));
        let kept = cut_at(vec![snapshot(1, Some(2))], month(3));
        assert!(kept[0].exit.is_some());
    }
}
