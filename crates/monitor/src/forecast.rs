//! Forecasting an organization's voluntary leavers: a monthly hazard model trained on its
//! stored history (landmark hazards for panels, person-months for time-to-event data), each
//! current employee's survival curve, and per-group expected counts with their 90% interval
//! and cost. Data after `until` is ignored, so a forecast can be made "as of" a past month and
//! checked against what then happened (`bench/forecast_coverage.sh`).
//!
//! The forecast is fitted once, when a model is trained, and stored with its hazard model; a
//! scoring run at a newer month brings it forward with that hazard model ([`rolled_forward`]),
//! and re-scoring after HR events revises the curves of the people touched
//! ([`revised_curves`]). Nothing is refitted when a page or report reads it.

use crate::train::{load, load_meaning, load_training_frame, OrgMeaning};
use crate::{text_of, MonitorError, Progress};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;
use tenure_domain::{
    OrgId, Outcome, RegretRule, RoleColumns, Shape, Snapshot, SnapshotFrame, Value,
};
use tenure_model::backtest::{train_latest_hazards, OutOfTimeLevel};
use tenure_model::evaluate::TrainingSettings;
use tenure_model::panel::{panel_features, PanelFeatures};
use tenure_model::scoring::{current_panel_months, ScoreInput};
use tenure_model::survival::forecast::{
    forecast, level_uncertainty, level_uncertainty_checked, ForecastPerson, GroupForecast,
    ReplacementCost,
};
use tenure_model::survival::hazard::{
    at_month, outlooks, train_time_to_event, FollowUp, Outlook, OUTLOOK_MONTHS,
};
use tenure_model::survival::landmark::{landmark_months, landmark_outlooks};
use tenure_model::table::FeatureTable;
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
    let Some(until) = request.until else {
        let meaning = load_meaning(store, request.org, slug).await?;
        let outlooks = current_outlooks(
            store,
            request.org,
            slug,
            &meaning,
            &request.training,
            progress,
        )
        .await?;
        return Ok(forecast_from(&outlooks, &meaning.roles, request));
    };
    let mut data = load(store, request.org, slug).await?;
    data.snapshots = cut_at(data.snapshots, until);
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
/// as many ways as wanted without fitting again. Fitted when a model is trained and stored
/// with it ([`Outlooks::to_stored`]), then read back ([`Outlooks::from_stored`]).
pub struct Outlooks {
    summary: OutlookSummary,
    /// Everyone forecast, as of the forecast's month.
    current: Vec<Snapshot>,
    curves: Vec<Outlook>,
    /// The hazard model the curves came from (a model artifact; panels only), stored so later
    /// months are forecast with it.
    hazard_artifact: Option<String>,
    training_seconds: f64,
    forecast_seconds: f64,
}

/// What a forecast says besides each person's curve: the month it is made at, the hazard
/// model that made it, and how sure its overall level is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct OutlookSummary {
    as_of: Option<NaiveDate>,
    model: String,
    trained_on: usize,
    recent_leavers: usize,
    /// The out-of-time check: expected and observed exits.
    out_of_time: Option<(f64, usize)>,
    level_sd: f64,
}

impl Outlooks {
    /// Each person's chance of still being here after 1, 2, … months.
    pub fn survival_by_person(&self) -> impl Iterator<Item = (&str, &[f64])> {
        self.current
            .iter()
            .zip(&self.curves)
            .map(|(snapshot, outlook)| (snapshot.person.as_str(), outlook.survival.as_slice()))
    }

    /// The month the forecast is made at (panels).
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.summary.as_of
    }

    /// The forecast as the store keeps it (panels only: a forecast of time-to-event data has
    /// no month to be read back at).
    pub fn to_stored(&self) -> Option<tenure_store::NewForecast> {
        let as_of = self.summary.as_of?;
        Some(tenure_store::NewForecast {
            as_of: as_of.to_string(),
            summary: serde_json::to_string(&self.summary).expect("a summary serialises"),
            curves: self
                .survival_by_person()
                .map(|(person, curve)| (person.to_owned(), as_stored(curve)))
                .collect(),
            hazard_artifact: self.hazard_artifact.clone(),
        })
    }

    /// A stored forecast, for the people of `frame` it has a curve of, at its month; `None`
    /// when it was made at another month than the frame's latest (newer data came in).
    pub fn from_stored(
        summary: &str,
        curves: Vec<(String, Vec<f32>)>,
        frame: &SnapshotFrame,
    ) -> Result<Option<Outlooks>, MonitorError> {
        let summary = summary_of(summary)?;
        let latest = frame.as_of_dates().iter().flatten().max().copied();
        if summary.as_of.is_none() || summary.as_of != latest {
            return Ok(None);
        }
        let at_month: HashMap<&str, usize> = (0..frame.len())
            .filter(|&row| frame.as_of(row) == summary.as_of)
            .map(|row| (frame.person(row).as_str(), row))
            .collect();
        let (current, curves) = curves
            .into_iter()
            .filter_map(|(person, curve)| {
                let row = *at_month.get(person.as_str())?;
                let survival = curve.into_iter().map(f64::from).collect();
                Some((frame.snapshot(row), Outlook { survival }))
            })
            .unzip();
        Ok(Some(Outlooks {
            summary,
            current,
            curves,
            hazard_artifact: None,
            training_seconds: 0.0,
            forecast_seconds: 0.0,
        }))
    }
}

pub fn fit_outlooks(
    snapshots: &[Snapshot],
    shape: Shape,
    roles: &RoleColumns,
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Outlooks, MonitorError> {
    fit_frame_outlooks(
        &SnapshotFrame::from_snapshots(snapshots),
        shape,
        roles,
        training,
        progress,
    )
}

/// [`fit_outlooks`] of the snapshots of a frame.
fn fit_frame_outlooks(
    frame: &SnapshotFrame,
    shape: Shape,
    roles: &RoleColumns,
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Outlooks, MonitorError> {
    let started = Instant::now();
    match shape {
        Shape::Panel => {
            progress.step("deriving monthly features");
            // Built for the monthly hazard's horizon: nothing to relabel.
            let features = panel_features(frame, roles, 1);
            let fitted = fit_panel(frame, features, training, progress)?;
            outlooks_of(fitted, started, progress)
        }
        Shape::TimeToEvent => {
            // One row per person: small enough to hold as snapshots.
            let fitted = fit_time_to_event(&frame.to_snapshots(), training, progress)?;
            outlooks_of(fitted, started, progress)
        }
        Shape::CrossSection => Err(MonitorError::NothingToForecastOver),
    }
}

/// [`fit_outlooks`] of a panel whose person-months are already built (`features`, from
/// `panel_features(frame, …)`, relabelled here for the monthly hazard).
pub fn fit_panel_outlooks(
    frame: &SnapshotFrame,
    mut features: PanelFeatures,
    training: &TrainingSettings,
    progress: &dyn Progress,
    started: Instant,
) -> Result<Outlooks, MonitorError> {
    features.relabel(frame, 1);
    let fitted = fit_panel(frame, features, training, progress)?;
    outlooks_of(fitted, started, progress)
}

/// Everyone's curves from the fitted hazards (`started`: when fitting began).
fn outlooks_of(
    fitted: Fitted,
    started: Instant,
    progress: &dyn Progress,
) -> Result<Outlooks, MonitorError> {
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
    let hazard_artifact = match fitted.as_of {
        Some(_) => Some(fitted.model.to_artifact()?),
        None => None,
    };
    let summary = OutlookSummary {
        as_of: fitted.as_of,
        model: fitted.model.describe(),
        trained_on: fitted.trained_on,
        recent_leavers: fitted.recent_leavers,
        out_of_time: fitted.out_of_time.map(|c| (c.expected, c.observed)),
        level_sd: fitted.level_sd,
    };
    Ok(Outlooks {
        summary,
        current: fitted.current,
        curves,
        hazard_artifact,
        training_seconds,
        forecast_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The organization's outlooks: the forecast stored with its latest model when it was made
/// at the data's latest month, else fitted now.
/// Reading a stored forecast reads only the snapshots of its month; fitting reads them all.
pub(crate) async fn current_outlooks(
    store: &tenure_store::Store,
    org: OrgId,
    slug: &str,
    meaning: &OrgMeaning,
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Outlooks, MonitorError> {
    if let Some(stored) = stored_outlooks(store, org).await? {
        return Ok(stored);
    }
    // No curve is fitted for a person who objected, as none is stored for them.
    let data = load_training_frame(store, org, slug).await?;
    fit_frame_outlooks(
        &data.frame,
        meaning.shape,
        &meaning.roles,
        training,
        progress,
    )
}

/// The forecast stored with the latest model, when it was made at the data's latest month.
async fn stored_outlooks(
    store: &tenure_store::Store,
    org: OrgId,
) -> Result<Option<Outlooks>, MonitorError> {
    let Some(version) = store.latest_model_version(org).await? else {
        return Ok(None);
    };
    let Some((as_of, summary)) = store.forecast_summary(org, version).await? else {
        return Ok(None);
    };
    let Some(latest) = store.latest_as_of(org).await? else {
        return Ok(None);
    };
    if as_of != latest.to_string() {
        return Ok(None); // newer data came in since
    }
    let month = store.snapshot_frame_at(org, latest).await?;
    let curves = store.forecast_curves(org, version).await?;
    Outlooks::from_stored(&summary, curves, &month)
}

/// A stored forecast's hazard model with the figures of the forecast it made: what bringing
/// the forecast to a newer month, or revising some people's curves, needs.
pub(crate) struct StoredHazard {
    pub model: TrainedModel,
    summary: OutlookSummary,
}

impl StoredHazard {
    /// The hazard model stored with the forecast of `version`; `None` without a forecast, or
    /// for one stored before hazard models were kept (the next training stores one).
    pub(crate) async fn read(
        store: &tenure_store::Store,
        org: OrgId,
        version: i64,
    ) -> Result<Option<StoredHazard>, MonitorError> {
        let Some(stored) = store.forecast_hazard(org, version).await? else {
            return Ok(None);
        };
        Ok(Some(StoredHazard {
            model: TrainedModel::from_artifact(&stored.artifact)?,
            summary: summary_of(&stored.summary)?,
        }))
    }
}

/// The month the stored forecast of `version` is made at, if it has one.
pub(crate) async fn stored_forecast_month(
    store: &tenure_store::Store,
    org: OrgId,
    version: i64,
) -> Result<Option<NaiveDate>, MonitorError> {
    match store.forecast_summary(org, version).await? {
        Some((_, summary)) => Ok(summary_of(&summary)?.as_of),
        None => Ok(None),
    }
}

fn summary_of(text: &str) -> Result<OutlookSummary, MonitorError> {
    serde_json::from_str(text).map_err(|e| MonitorError::Mapping(format!("a stored forecast: {e}")))
}

/// A forecast brought forward to a newer month, as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RolledForecast {
    pub as_of: String,
    pub summary: String,
    pub curves: Vec<(String, Vec<f32>)>,
}

/// The forecast of a panel at its latest month, made with the stored hazard model: the curves
/// of the person-months `current` of `features` (everyone employed then, as
/// [`current_panel_months`] finds them), and the figures of the stored forecast with the
/// leavers of the year before the new month. `None` when there is nobody to forecast.
pub(crate) fn rolled_forward(
    hazard: &StoredHazard,
    frame: &SnapshotFrame,
    features: &PanelFeatures,
    current: &[u32],
) -> Result<Option<RolledForecast>, MonitorError> {
    let Some(&first) = current.first() else {
        return Ok(None);
    };
    let as_of = features.months[first as usize].as_of;
    let outlooks = landmark_outlooks(
        &hazard.model,
        &features.table,
        current,
        as_of,
        OUTLOOK_MONTHS,
    )?;
    let recent_leavers = voluntary_exits_in_year_before(frame, as_of);
    let check = hazard
        .summary
        .out_of_time
        .map(|(expected, observed)| OutOfTimeLevel { expected, observed });
    let summary = OutlookSummary {
        as_of: Some(as_of),
        recent_leavers,
        level_sd: level_sd_of(recent_leavers, check),
        ..hazard.summary.clone()
    };
    let curves = current
        .iter()
        .zip(outlooks)
        .map(|(&row, outlook)| {
            let person = frame.person(features.months[row as usize].snapshot);
            (person.to_string(), as_stored(&outlook.survival))
        })
        .collect();
    Ok(Some(RolledForecast {
        as_of: as_of.to_string(),
        summary: serde_json::to_string(&summary).expect("a summary serialises"),
        curves,
    }))
}

/// Some people's curves revised after HR events changed their records.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RevisedCurves {
    /// The forecast's month: the revision is only written while the forecast is still at it.
    pub as_of: String,
    /// People employed at that month, with their new curves.
    pub revised: Vec<(String, Vec<f32>)>,
    /// People asked about who are no longer employed at that month.
    pub gone: Vec<String>,
}

/// The curves of `people` at the stored forecast's month `as_of`, from the hazard model it
/// was made with and their re-derived inputs (`inputs`: each person still employed, at their
/// latest month). People whose latest month is later than the forecast's are left alone: a
/// scoring run at that month brings the whole forecast forward.
pub(crate) fn revised_curves(
    hazard: &TrainedModel,
    as_of: NaiveDate,
    people: &[String],
    inputs: &[ScoreInput<'_>],
) -> Result<RevisedCurves, MonitorError> {
    let at_month: Vec<&ScoreInput> = inputs.iter().filter(|i| i.as_of == Some(as_of)).collect();
    let later: HashSet<&str> = inputs
        .iter()
        .filter(|i| i.as_of.is_some_and(|d| d > as_of))
        .map(|i| i.person.as_str())
        .collect();
    let rows: Vec<&BTreeMap<String, Value>> = at_month.iter().map(|i| i.values).collect();
    let table = FeatureTable::from_maps(&rows);
    let all: Vec<u32> = (0..rows.len() as u32).collect();
    let outlooks = landmark_outlooks(hazard, &table, &all, as_of, OUTLOOK_MONTHS)?;
    let revised: Vec<(String, Vec<f32>)> = at_month
        .iter()
        .zip(outlooks)
        .map(|(input, outlook)| (input.person.to_string(), as_stored(&outlook.survival)))
        .collect();
    let kept: HashSet<&str> = revised.iter().map(|(p, _)| p.as_str()).collect();
    let gone = people
        .iter()
        .filter(|p| !kept.contains(p.as_str()) && !later.contains(p.as_str()))
        .cloned()
        .collect();
    Ok(RevisedCurves {
        as_of: as_of.to_string(),
        revised,
        gone,
    })
}

/// A survival curve as the store keeps it.
fn as_stored(survival: &[f64]) -> Vec<f32> {
    survival.iter().map(|&s| s as f32).collect()
}

/// The forecast for the organization and each group of `request.grouping`.
pub fn forecast_from(
    outlooks: &Outlooks,
    roles: &RoleColumns,
    request: &ForecastRequest,
) -> ForecastReport {
    let started = Instant::now();
    let summary = &outlooks.summary;
    let column = request.grouping.column(roles);
    let regret = RegretRule::from_values(roles, outlooks.current.iter().map(|s| &s.values));
    let people: Vec<ForecastPerson> = outlooks
        .current
        .iter()
        .zip(&outlooks.curves)
        .map(|(snapshot, outlook)| ForecastPerson {
            regretted: regret.as_ref().map(|r| r.regretted_in(&snapshot.values)),
            ..person(snapshot, outlook.clone(), column, roles, request)
        })
        .collect();
    let level_sd = summary.level_sd;
    let (organization, groups) = forecast(&people, level_sd);
    ForecastReport {
        as_of: summary.as_of,
        grouping: request.grouping,
        grouping_column: column.cloned(),
        organization,
        groups,
        model: summary.model.clone(),
        trained_on: summary.trained_on,
        recent_leavers: summary.recent_leavers,
        out_of_time: summary
            .out_of_time
            .map(|(expected, observed)| OutOfTimeLevel { expected, observed }),
        level_sd,
        training_seconds: outlooks.training_seconds,
        forecast_seconds: outlooks.forecast_seconds + started.elapsed().as_secs_f64(),
    }
}

/// A trained hazard model and the people it forecasts, each with their inputs now.
struct Fitted {
    model: TrainedModel,
    recent_leavers: usize,
    /// How sure the overall level is (log scale).
    level_sd: f64,
    out_of_time: Option<OutOfTimeLevel>,
    trained_on: usize,
    as_of: Option<NaiveDate>,
    /// Everyone forecast, with their inputs now: row `input_rows[i]` of `inputs`.
    current: Vec<Snapshot>,
    inputs: FeatureTable,
    input_rows: Vec<u32>,
}

/// The hazards of a panel and everyone's inputs now.
fn fit_panel(
    frame: &SnapshotFrame,
    features: PanelFeatures,
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Fitted, MonitorError> {
    let landmarks = landmark_months(frame, &features, OUTLOOK_MONTHS);
    let current = current_panel_months(frame, &features.months);
    let as_of = current.first().map(|&r| features.months[r as usize].as_of);
    let current_people: Vec<Snapshot> = current
        .iter()
        .map(|&r| frame.snapshot(features.months[r as usize].snapshot))
        .collect();
    // Only the current rows of the panel's table are read after this: the rest is dropped
    // before the hazards are fitted, the most memory training needs.
    let inputs = features.table.gather(&current);
    let input_rows = (0..current.len() as u32).collect();
    drop(features);
    progress.step("training the monthly hazard model");
    let hazards = train_latest_hazards(&landmarks, training)?;
    drop(landmarks);
    let recent_leavers = as_of.map_or(0, |d| voluntary_exits_in_year_before(frame, d));
    let check = hazards.out_of_time;
    Ok(Fitted {
        model: hazards.model,
        level_sd: level_sd_of(recent_leavers, Some(check)),
        out_of_time: Some(check),
        recent_leavers,
        trained_on: hazards.trained_on,
        as_of,
        current: current_people,
        inputs,
        input_rows,
    })
}

/// How sure a forecast's overall level is (log scale): from the voluntary leavers of the year
/// before it, widened by the error its out-of-time check saw, when it had one.
fn level_sd_of(recent_leavers: usize, check: Option<OutOfTimeLevel>) -> f64 {
    match check {
        Some(check) => level_uncertainty_checked(recent_leavers, check.log_ratio(), check.observed),
        None => level_uncertainty(recent_leavers),
    }
}

/// People who left voluntarily in the twelve months up to `as_of`.
fn voluntary_exits_in_year_before(frame: &SnapshotFrame, as_of: NaiveDate) -> usize {
    let year_before = as_of - chrono::Months::new(12);
    let leavers: std::collections::HashSet<u32> = frame
        .exits()
        .filter(|(_, e)| e.voluntary && e.date > year_before && e.date <= as_of)
        .map(|(row, _)| frame.person_id(row))
        .collect();
    leavers.len()
}

fn fit_time_to_event(
    snapshots: &[Snapshot],
    training: &TrainingSettings,
    progress: &dyn Progress,
) -> Result<Fitted, MonitorError> {
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
    let (current, rows): (Vec<Snapshot>, Vec<BTreeMap<String, Value>>) = follow_ups
        .iter()
        .filter(|(_, f)| !f.event)
        .map(|(s, f)| ((*s).clone(), at_month(f.values, f.months() + 1)))
        .unzip();
    let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
    let inputs = FeatureTable::from_maps(&refs);
    let input_rows = (0..rows.len() as u32).collect();
    let recent_leavers = people.iter().filter(|p| p.event).count();
    Ok(Fitted {
        model,
        level_sd: level_sd_of(recent_leavers, None),
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
        regretted: None,
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

#[cfg(test)]
mod stored_tests {
    use super::*;
    use crate::testing::{import_simulation, logistic_training, small};
    use crate::{train_organization, Quiet};
    use tenure_data::simulate::simulate;
    use tenure_store::testing::TestDatabase;

    fn request(org: OrgId, until: Option<NaiveDate>) -> ForecastRequest {
        ForecastRequest {
            org,
            until,
            grouping: Grouping::Department,
            cost: ReplacementCost::default(),
            pay_periods_per_year: 1.0,
            training: logistic_training(org, 2).training,
        }
    }

    /// The organization's forecast fitted afresh on everything the store holds.
    async fn fitted_afresh(store: &tenure_store::Store, org: OrgId) -> ForecastReport {
        let data = load(store, org, "acme").await.unwrap();
        forecast_snapshots(
            &data.snapshots,
            data.shape,
            &data.roles,
            &request(org, None),
            &Quiet,
        )
        .unwrap()
    }

    /// The voluntary leavers a forecast expects over its third horizon (12 months).
    fn expected(report: &ForecastReport) -> f64 {
        report.organization.horizons.as_ref().unwrap()[2]
            .leavers
            .expected
    }

    /// Training stores the forecast with the model; `tenure forecast` then reads it without
    /// fitting, and says what a fresh fit on the same data says.
    #[tokio::test]
    async fn the_forecast_is_fitted_with_the_model_and_read_back_without_fitting() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let org = import_simulation(&store, &simulate(small(400, 30, 3)), dir.path(), None).await;
        let trained = train_organization(&store, "acme", &logistic_training(org.id, 2), &Quiet)
            .await
            .unwrap();
        let (as_of, _) = store
            .forecast_summary(org.id, trained.version)
            .await
            .unwrap()
            .expect("a forecast stored with the model");
        let curves = store
            .forecast_curves(org.id, trained.version)
            .await
            .unwrap();
        assert!(curves.len() > 300, "{} curves", curves.len());
        assert!(curves
            .iter()
            .all(|(_, c)| c.len() == OUTLOOK_MONTHS && c.windows(2).all(|w| w[1] <= w[0])));

        let stored = forecast_organization(&store, "acme", &request(org.id, None), &Quiet)
            .await
            .unwrap();
        assert_eq!(stored.training_seconds, 0.0, "read, not fitted");
        assert_eq!(stored.as_of.map(|d| d.to_string()), Some(as_of));
        let fresh = fitted_afresh(&store, org.id).await;
        assert!(fresh.training_seconds > 0.0);
        assert!(
            (expected(&stored) - expected(&fresh)).abs() < 0.01,
            "{} stored, {} fitted",
            expected(&stored),
            expected(&fresh)
        );
        assert_eq!(stored.groups.len(), fresh.groups.len());

        // A forecast "as of" a past month is fitted on the data of then.
        let past = forecast_organization(
            &store,
            "acme",
            &request(org.id, NaiveDate::from_ymd_opt(2024, 12, 31)),
            &Quiet,
        )
        .await
        .unwrap();
        assert!(past.training_seconds > 0.0);
        assert!(past.as_of < stored.as_of);
    }

    /// A scoring run at a newer month brings the stored forecast forward with the stored
    /// hazard model: `tenure forecast` then reads it at that month without fitting, leavers
    /// of the new month have no curve, and its level agrees with a fresh fit on all the data.
    #[tokio::test]
    async fn a_scoring_run_at_a_newer_month_brings_the_forecast_forward() {
        for database in TestDatabase::all("forecast_rolls_forward").await {
            let store = database.store().await;
            let dir = tempfile::tempdir().unwrap();
            let simulation = simulate(small(400, 30, 3));
            let org = import_simulation(&store, &simulation, dir.path(), Some("2025-05-31")).await;
            store
                .record_governance(org.id, &crate::testing::governance())
                .await
                .unwrap();
            let trained = train_organization(&store, "acme", &logistic_training(org.id, 2), &Quiet)
                .await
                .unwrap();
            let trained_at = store
                .forecast_summary(org.id, trained.version)
                .await
                .unwrap();
            assert_eq!(trained_at.unwrap().0, "2025-05-01");

            import_simulation(&store, &simulation, dir.path(), None).await;
            let score = crate::ScoreRequest {
                org: org.id,
                version: None,
                factors: 3,
            };
            let scored = crate::score_organization(&store, "acme", &score, &Quiet)
                .await
                .unwrap();
            let (as_of, _) = store
                .forecast_summary(org.id, trained.version)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(as_of, "2025-06-01", "brought forward to the scored month");
            let curves = store
                .forecast_curves(org.id, trained.version)
                .await
                .unwrap();
            let scored_people: Vec<String> = {
                let mut people: Vec<String> = scored
                    .people
                    .iter()
                    .map(|p| p.score.person.to_string())
                    .collect();
                people.sort();
                people
            };
            let curve_people: Vec<String> = curves.iter().map(|(p, _)| p.clone()).collect();
            assert_eq!(
                curve_people, scored_people,
                "a curve for everyone employed now"
            );

            let rolled = forecast_organization(&store, "acme", &request(org.id, None), &Quiet)
                .await
                .unwrap();
            assert_eq!(rolled.training_seconds, 0.0, "read, not fitted");
            assert_eq!(
                rolled.as_of.map(|d| d.to_string()).as_deref(),
                Some("2025-06-01")
            );
            let fresh = fitted_afresh(&store, org.id).await;
            let (rolled, fresh) = (expected(&rolled), expected(&fresh));
            assert!(
                (rolled - fresh).abs() <= 0.15 * fresh,
                "{rolled} brought forward, {fresh} fitted afresh"
            );
            store.close().await;
            database.remove().await;
        }
    }

    /// A stored forecast made before newer data came in is not read as today's; one of the
    /// latest month covers the people employed then who have a curve.
    #[test]
    fn a_forecast_of_an_earlier_month_is_not_read_as_the_current_one() {
        let month = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
        let snapshot = |person: &str, m| Snapshot {
            person: tenure_domain::PersonKey::parse(person).unwrap(),
            as_of: Some(month(m)),
            values: Default::default(),
            protected: Default::default(),
            exit: None,
            outcome: None,
        };
        let snapshots = vec![snapshot("1", 1), snapshot("1", 2), snapshot("2", 2)];
        let summary = |m| {
            serde_json::to_string(&OutlookSummary {
                as_of: Some(month(m)),
                model: "logistic".into(),
                trained_on: 10,
                recent_leavers: 1,
                out_of_time: Some((1.5, 2)),
                level_sd: 0.1,
            })
            .unwrap()
        };
        let curves = || {
            vec![
                ("1".to_string(), vec![0.9f32, 0.8]),
                ("9".to_string(), vec![0.5f32, 0.4]),
            ]
        };
        let frame = SnapshotFrame::from_snapshots(&snapshots);
        let stale = Outlooks::from_stored(&summary(1), curves(), &frame).unwrap();
        assert!(stale.is_none());
        let current = Outlooks::from_stored(&summary(2), curves(), &frame)
            .unwrap()
            .expect("made at the latest month");
        let people: Vec<(&str, &[f64])> = current.survival_by_person().collect();
        assert_eq!(
            people.len(),
            1,
            "person 9 is not employed, person 2 has no curve"
        );
        assert_eq!(people[0].0, "1");
        assert!((people[0].1[1] - 0.8).abs() < 1e-6);
        let stored = current.to_stored().unwrap();
        assert_eq!(stored.as_of, "2024-02-01");
        assert_eq!(stored.curves, vec![("1".to_string(), vec![0.9f32, 0.8])]);
    }
}
