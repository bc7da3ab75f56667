//! Training an organization's model from its stored data: measure, fit, describe, store.

use crate::fairness::{fairness_audit, HeldOut};
use crate::forecast::fit_panel_outlooks;
use crate::{MonitorError, Progress};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::time::Instant;
use tenure_data::Mapping;
use tenure_domain::{
    Capacity, OrgId, RoleColumns, Shape, Snapshot, SnapshotFrame, DEFAULT_CAPACITY,
};
use tenure_model::backtest::{backtest_person_months, train_latest};
use tenure_model::card::{self, DataWindow, ModelCard};
use tenure_model::evaluate::{
    cross_validate, train_cross_section, CrossValidation, Example, TrainingSettings,
};
use tenure_model::fairness::{FairnessAudit, FairnessSettings};
use tenure_model::panel::{panel_features, PanelFeatures};
use tenure_model::policy::{capacity_backtest, PolicyRow};
use tenure_model::table::FeatureTable;
use tenure_model::trained::TrainedModel;
use tenure_store::{NewModel, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainRequest {
    pub org: OrgId,
    pub training: TrainingSettings,
    /// Panels: a voluntary exit within this many months.
    pub horizon_months: i32,
    /// Panels: backtest origins and the months between them.
    pub origins: usize,
    pub step: usize,
    /// Cross-sections: folds of the cross-validation.
    pub folds: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    pub version: i64,
    pub card: ModelCard,
    /// Why the model was stored but not activated (the fairness gate), if it was.
    pub held_reason: Option<String>,
}

/// What the fairness audit needs besides the model: who is in which protected group, and
/// the organization's warning threshold and smallest group shown.
struct AuditInputs {
    protected: HashMap<String, Vec<tenure_store::ProtectedAsOf>>,
    settings: FairnessSettings,
}

impl AuditInputs {
    /// The fairness audit of a model's held-out predictions on the organization's data.
    fn audit(
        &self,
        data: &OrgFrame,
        model: &TrainedModel,
        held_out: &[HeldOut],
        inputs: &FeatureTable,
    ) -> Result<Option<FairnessAudit>, tenure_model::gbm::GbmError> {
        fairness_audit(
            &data.frame,
            &data.meaning.roles,
            model,
            held_out,
            inputs,
            &self.protected,
            &self.settings,
        )
    }
}

/// What an organization's stored data is and means.
pub(crate) struct OrgData {
    pub snapshots: Vec<Snapshot>,
    pub shape: Shape,
    pub roles: RoleColumns,
}

/// The mapping of the organization's latest import.
pub(crate) async fn load_mapping(
    store: &Store,
    org: OrgId,
    slug: &str,
) -> Result<Mapping, MonitorError> {
    let toml = store
        .latest_mapping(org)
        .await?
        .ok_or_else(|| MonitorError::NoData(slug.to_owned()))?;
    stored_mapping(&toml)
}

/// A mapping as an import stored it (TOML).
pub(crate) fn stored_mapping(toml: &str) -> Result<Mapping, MonitorError> {
    Mapping::from_toml_str(toml, std::path::Path::new("stored mapping"))
        .map_err(|e| MonitorError::Mapping(e.to_string()))
}

pub(crate) async fn load(store: &Store, org: OrgId, slug: &str) -> Result<OrgData, MonitorError> {
    let meaning = load_meaning(store, org, slug).await?;
    let snapshots: Vec<Snapshot> = store
        .snapshots(org)
        .await?
        .into_iter()
        .map(|s| s.snapshot)
        .collect();
    if snapshots.is_empty() {
        return Err(MonitorError::NoData(slug.to_owned()));
    }
    Ok(OrgData {
        snapshots,
        shape: meaning.shape,
        roles: meaning.roles,
    })
}

/// An organization's snapshots as one frame, and what they mean: what training and scoring
/// everyone read (a few hundred bytes a person-month, not kilobytes).
pub(crate) struct OrgFrame {
    pub frame: SnapshotFrame,
    pub meaning: OrgMeaning,
    /// People whose rows were left out because they objected (training only).
    pub objectors_excluded: usize,
}

pub(crate) async fn load_frame(
    store: &Store,
    org: OrgId,
    slug: &str,
) -> Result<OrgFrame, MonitorError> {
    let meaning = load_meaning(store, org, slug).await?;
    let frame = store.snapshot_frame(org).await?;
    if frame.is_empty() {
        return Err(MonitorError::NoData(slug.to_owned()));
    }
    Ok(OrgFrame {
        frame,
        meaning,
        objectors_excluded: 0,
    })
}

/// [`load_frame`] without the people who objected to being scored: what a model learns from,
/// and whom a forecast fits curves for.
pub(crate) async fn load_training_frame(
    store: &Store,
    org: OrgId,
    slug: &str,
) -> Result<OrgFrame, MonitorError> {
    let mut data = load_frame(store, org, slug).await?;
    let objectors = store.objectors(org).await?;
    let present = data
        .frame
        .people()
        .iter()
        .filter(|p| objectors.contains(p.as_str()))
        .count();
    if present > 0 {
        data.frame = data
            .frame
            .without_people(|p| objectors.contains(p.as_str()));
        data.objectors_excluded = present;
        if data.frame.is_empty() {
            return Err(MonitorError::NoData(slug.to_owned()));
        }
    }
    Ok(data)
}

/// What an organization's data is and means, read from its latest mapping without its rows.
pub(crate) struct OrgMeaning {
    pub shape: Shape,
    pub roles: RoleColumns,
    pub protected: Vec<String>,
}

pub(crate) async fn load_meaning(
    store: &Store,
    org: OrgId,
    slug: &str,
) -> Result<OrgMeaning, MonitorError> {
    let mapping = load_mapping(store, org, slug).await?;
    let shape = mapping
        .resolved_shape()
        .ok_or_else(|| MonitorError::Mapping("the mapping names no shape".into()))?;
    Ok(OrgMeaning {
        shape,
        roles: mapping.roles,
        protected: mapping.protected,
    })
}

pub async fn train_organization(
    store: &Store,
    slug: &str,
    request: &TrainRequest,
    progress: &dyn Progress,
) -> Result<TrainReport, MonitorError> {
    let data = load_training_frame(store, request.org, slug).await?;
    let trust = store.trust_settings(request.org).await?;
    let inputs = AuditInputs {
        protected: store
            .protected_attributes_for_fairness_audit(request.org)
            .await?,
        settings: FairnessSettings::new(
            store.risk_thresholds(request.org).await?.high,
            trust.min_group_size as usize,
        ),
    };
    let started = Instant::now();
    let (model, card, forecast) = match data.meaning.shape {
        Shape::Panel => {
            // Derived once, for the backtest, the final model and the monthly hazards alike.
            let features = panel_features(&data.frame, &data.meaning.roles, request.horizon_months);
            // The backtest re-runs the organization's own policy, at its capacity.
            let capacity = store
                .warning_policy(request.org)
                .await?
                .capacity
                .unwrap_or(DEFAULT_CAPACITY);
            let (model, card) =
                train_panel(&data, &features, request, &inputs, capacity, progress)?;
            // The forecast is fitted once, with the model, and stored beside it: pages,
            // reports and `tenure forecast` read it instead of fitting on every request.
            progress.step("fitting the forecast (monthly hazards)");
            let outlooks = fit_panel_outlooks(
                &data.frame,
                features,
                &request.training,
                progress,
                Instant::now(),
            )?;
            (model, card, outlooks.to_stored())
        }
        Shape::CrossSection => {
            let (model, card) = train_cross(&data, request, &inputs, progress)?;
            (model, card, None)
        }
        Shape::TimeToEvent => return Err(MonitorError::UnsupportedShape("time-to-event".into())),
    };
    let card = ModelCard {
        training_seconds: started.elapsed().as_secs_f64(),
        ..card
    };
    let held_reason = held_by_gate(trust.fairness_gate, card.fairness.as_ref());
    progress.step("storing the model");
    let new = NewModel {
        shape: card.shape.clone(),
        horizon_months: card.horizon_months,
        description: card.model.clone(),
        card: serde_json::to_value(&card).expect("a card serialises"),
        artifact: model.to_artifact()?,
        held_reason: held_reason.clone(),
    };
    let version = store.save_model(request.org, &new).await?;
    if let Some(forecast) = &forecast {
        store.save_forecast(request.org, version, forecast).await?;
    }
    if let Some(reason) = &held_reason {
        tracing::warn!(org = request.org.0, version, %reason, "model held back by the fairness gate");
    }
    Ok(TrainReport {
        version,
        card,
        held_reason,
    })
}

/// With the organization's release gate on, a flagged audit keeps the model from scoring.
fn held_by_gate(gate: bool, audit: Option<&FairnessAudit>) -> Option<String> {
    let audit = audit.filter(|a| gate && a.flagged)?;
    Some(format!(
        "held back by the fairness gate: {}",
        audit.findings.join("; ")
    ))
}

fn train_panel(
    data: &OrgFrame,
    features: &PanelFeatures,
    request: &TrainRequest,
    inputs: &AuditInputs,
    capacity: Capacity,
    progress: &dyn Progress,
) -> Result<(TrainedModel, ModelCard), MonitorError> {
    let h = request.horizon_months;
    progress.step(&format!(
        "backtesting {} origins (horizon {h} months)",
        request.origins
    ));
    let backtest = backtest_person_months(
        features,
        h,
        request.origins,
        request.step,
        &request.training,
    )?;
    progress.step("training on every known outcome");
    let (model, trained_on, leavers) = train_latest(features, h, &request.training)?;
    progress.step("auditing fairness on the backtest's predictions");
    let held_out: Vec<HeldOut> = backtest
        .scored
        .iter()
        .map(|s| HeldOut {
            snapshot: s.snapshot,
            probability: s.probability,
            left: s.left,
            row: s.row as u32,
        })
        .collect();
    let fairness = inputs.audit(data, &model, &held_out, &features.table)?;
    let policy_rows: Vec<PolicyRow> = backtest
        .scored
        .iter()
        .filter_map(|s| {
            Some(PolicyRow {
                origin: data.frame.as_of(s.snapshot)?,
                person: data.frame.person(s.snapshot).as_str(),
                probability: s.probability,
                left: s.left,
            })
        })
        .collect();
    let policy = capacity_backtest(&policy_rows, capacity, request.step, h);
    let card = model_card(
        data,
        &model,
        "panel",
        format!("a voluntary exit within {h} months"),
        Some(h),
        format!(
            "rolling-origin backtest: {} origins {} months apart, horizon {h} months",
            request.origins, request.step
        ),
        backtest.pooled,
        trained_on,
        leavers,
        fairness,
    );
    let card = ModelCard {
        policy: Some(policy),
        ..card
    };
    Ok((model, card))
}

fn train_cross(
    data: &OrgFrame,
    request: &TrainRequest,
    inputs: &AuditInputs,
    progress: &dyn Progress,
) -> Result<(TrainedModel, ModelCard), MonitorError> {
    // One row per person: small enough to hold as snapshots.
    let snapshots = data.frame.to_snapshots();
    let examples = Example::from_snapshots(&snapshots);
    progress.step(&format!("cross-validating ({} folds)", request.folds));
    let evaluation = cross_validate(
        &examples,
        CrossValidation {
            folds: request.folds,
            training: request.training,
        },
    )?;
    progress.step("training on everyone");
    let model = train_cross_section(&examples, &request.training)?;
    let leavers = examples.iter().filter(|e| e.left).count();
    let protocol = format!(
        "stratified {}-fold cross-validation, seed {}",
        request.folds, request.training.seed
    );
    progress.step("auditing fairness on the cross-validation's predictions");
    // The examples are the snapshots with an outcome, in order.
    let with_outcome = snapshots
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.outcome, Some(tenure_domain::Outcome::Left(_))));
    let held_out: Vec<HeldOut> = with_outcome
        .zip(&examples)
        .zip(&evaluation.probabilities)
        .enumerate()
        .map(|(row, (((index, _), example), &probability))| HeldOut {
            snapshot: index,
            probability,
            left: example.left,
            row: row as u32,
        })
        .collect();
    let values: Vec<&std::collections::BTreeMap<String, tenure_domain::Value>> =
        examples.iter().map(|e| e.values).collect();
    let fairness = inputs.audit(data, &model, &held_out, &FeatureTable::from_maps(&values))?;
    let card = model_card(
        data,
        &model,
        "cross_section",
        "leaving (the export's target)".into(),
        None,
        protocol,
        evaluation.pooled,
        examples.len(),
        leavers,
        fairness,
    );
    Ok((model, card))
}

#[allow(clippy::too_many_arguments)]
fn model_card(
    data: &OrgFrame,
    model: &TrainedModel,
    shape: &str,
    predicts: String,
    horizon_months: Option<i32>,
    evaluation_protocol: String,
    evaluation: tenure_model::metrics::Summary,
    training_rows: usize,
    training_leavers: usize,
    fairness: Option<FairnessAudit>,
) -> ModelCard {
    let frame = &data.frame;
    let dates: BTreeSet<chrono::NaiveDate> =
        frame.as_of_dates().iter().flatten().copied().collect();
    let dates: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    ModelCard {
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        tenure_version: env!("CARGO_PKG_VERSION").into(),
        shape: shape.into(),
        predicts,
        horizon_months,
        model: model.describe(),
        learner: model.learner.name().into(),
        calibration: model.calibrator.name().into(),
        data: DataWindow {
            first_as_of: dates.first().cloned(),
            last_as_of: dates.last().cloned(),
            people: frame.people().len(),
            training_rows,
            training_leavers,
            objectors_excluded: data.objectors_excluded,
            data_sha256: data_hash(frame),
        },
        inputs: frame.names().to_vec(),
        features: model.design.width(),
        protected_excluded: data.meaning.protected.clone(),
        evaluation_protocol,
        known_limits: card::known_limits(&evaluation, fairness.as_ref()),
        evaluation,
        training_seconds: 0.0,
        intended_uses: card::intended_uses(),
        out_of_scope_uses: card::out_of_scope_uses(),
        fairness,
        policy: None,
    }
}

/// SHA-256 over every snapshot's person, date and inputs (as a JSON object), in stored order.
fn data_hash(frame: &SnapshotFrame) -> String {
    let mut hasher = Sha256::new();
    let mut json = Vec::new();
    for row in 0..frame.len() {
        hasher.update(frame.person(row).as_str().as_bytes());
        if let Some(as_of) = frame.as_of(row) {
            hasher.update(as_of.to_string().as_bytes());
        }
        json.clear();
        serde_json::to_writer(&mut json, &frame.inputs_json(row)).expect("values serialise");
        hasher.update(&json);
    }
    hex::encode(hasher.finalize())
}
