//! HR events and the re-scoring they cause. An event is checked against the organization's
//! mapped roles and column kinds, applied to the person's current state (all of a batch or
//! none), and then everyone it touches — the person, or a leaver's teammates — is re-scored
//! at once from the narrow slice of data their features read, not the whole organization.

use crate::score::{latest_groups, new_score, ScoredPerson};
use crate::train::load_mapping;
use crate::{MonitorError, Progress};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use tenure_domain::{HrEvent, OrgId, RiskBand, Shape, Snapshot};
use tenure_model::panel::{person_months_of, PersonMonth};
use tenure_model::scoring::{current_cross_section_rows, score, ScoreInput};
use tenure_model::trained::TrainedModel;
use tenure_store::{AppliedEvent, NewEvent, RaisedWarning, Store};

/// Months of teammates' exits a person's features look back over.
const TEAM_WINDOW_MONTHS: u32 = 6;

/// What a batch of events did.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsApplied {
    pub applied: Vec<AppliedEvent>,
    /// Everyone whose features the events may have changed, to re-score.
    pub affected: Vec<String>,
}

/// A bad event in a batch: which one (0-based) and why.
#[derive(Debug, thiserror::Error)]
#[error("event {index} ({person}): {reason}")]
pub struct EventRefused {
    pub index: usize,
    pub person: String,
    pub reason: String,
}

/// Checks and applies a batch of events: all land or none does.
pub async fn apply_events(
    store: &Store,
    org: OrgId,
    slug: &str,
    events: &[HrEvent],
    created_by: Option<i64>,
) -> Result<EventsApplied, MonitorError> {
    let mapping = load_mapping(store, org, slug).await?;
    let kinds = store.column_kinds(org).await?;
    let today = chrono::Utc::now().date_naive();
    let mut checked = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let refused = |reason: String| EventRefused {
            index,
            person: event.person.clone(),
            reason,
        };
        let effect = event
            .effect(&mapping.roles, &kinds)
            .map_err(|e| refused(e.to_string()))?;
        checked.push(NewEvent {
            person: event.person.trim().to_owned(),
            kind: event.kind.key(),
            effective: event.effective.unwrap_or(today),
            effect,
            created_by,
        });
    }
    let applied = store
        .apply_events(org, &checked)
        .await
        .map_err(|e| match e {
            tenure_store::StoreError::UnknownPerson(_)
            | tenure_store::StoreError::PersonLeft { .. } => {
                let index = checked
                    .iter()
                    .position(|c| e.to_string().contains(&format!("{:?}", c.person)))
                    .unwrap_or(0);
                MonitorError::Event(EventRefused {
                    index,
                    person: checked
                        .get(index)
                        .map(|c| c.person.clone())
                        .unwrap_or_default(),
                    reason: e.to_string(),
                })
            }
            other => other.into(),
        })?;
    let team_column = mapping
        .roles
        .team
        .as_deref()
        .or(mapping.roles.manager.as_deref())
        .or(mapping.roles.department.as_deref());
    let mut affected: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for (event, done) in checked.iter().zip(&applied) {
        let touched = match (&event.effect, team_column) {
            (tenure_domain::EventEffect::Exit { .. }, Some(column)) => {
                store.teammates(org, column, &done.person).await?
            }
            (tenure_domain::EventEffect::Exit { .. }, None) => Vec::new(),
            _ => vec![done.person.clone()],
        };
        for person in touched {
            if seen.insert(person.clone()) {
                affected.push(person);
            }
        }
    }
    // Someone who left in this batch is no longer scored.
    let left: HashSet<&str> = checked
        .iter()
        .filter(|c| matches!(c.effect, tenure_domain::EventEffect::Exit { .. }))
        .map(|c| c.person.as_str())
        .collect();
    affected.retain(|p| !left.contains(p.as_str()));
    Ok(EventsApplied { applied, affected })
}

impl From<EventRefused> for MonitorError {
    fn from(e: EventRefused) -> MonitorError {
        MonitorError::Event(e)
    }
}

/// What re-scoring some people did.
#[derive(Debug, Clone, PartialEq)]
pub struct RescoreReport {
    pub version: i64,
    pub people: Vec<ScoredPerson>,
    pub warnings: Vec<RaisedWarning>,
}

/// Re-scores `people` with the organization's latest model, stores their scores and raises
/// the warnings the policy calls for.
pub async fn rescore_people(
    store: &Store,
    org: OrgId,
    slug: &str,
    people: &[String],
    progress: &dyn Progress,
) -> Result<RescoreReport, MonitorError> {
    if let Some(since) = store.suspended_since(org).await? {
        return Err(MonitorError::Suspended {
            org: slug.to_owned(),
            since,
        });
    }
    let version = store
        .latest_model_version(org)
        .await?
        .ok_or_else(|| MonitorError::NoModel {
            org: slug.to_owned(),
            version: None,
        })?;
    let model = cached_model(store, org, version, slug).await?;
    let mapping = load_mapping(store, org, slug).await?;
    let shape = mapping
        .resolved_shape()
        .ok_or_else(|| MonitorError::Mapping("the mapping names no shape".into()))?;
    progress.step("reading the people's data");
    let snapshots: Vec<Snapshot> = store
        .snapshots_for_rescoring(org, people, TEAM_WINDOW_MONTHS)
        .await?
        .into_iter()
        .map(|s| s.snapshot)
        .collect();
    let wanted: HashSet<&str> = people.iter().map(String::as_str).collect();
    let horizon = model.horizon_months;
    let months = match shape {
        Shape::Panel => person_months_of(&snapshots, &mapping.roles, horizon, Some(&wanted)),
        Shape::CrossSection => Vec::new(),
        Shape::TimeToEvent => return Err(MonitorError::UnsupportedShape("time-to-event".into())),
    };
    let inputs = match shape {
        Shape::Panel => latest_rows(&snapshots, &months),
        _ => current_cross_section_rows(&snapshots)
            .into_iter()
            .filter(|i| wanted.contains(i.person.as_str()))
            .collect(),
    };
    progress.step("scoring");
    let run = score(&model.model, &inputs, &mapping.roles, 5)?;
    let thresholds = store.risk_thresholds(org).await?;
    let scored: Vec<ScoredPerson> = run
        .scores
        .into_iter()
        .map(|score| {
            let band = score
                .probability
                .map_or(RiskBand::NotEnoughData, |p| thresholds.band(p));
            ScoredPerson { score, band }
        })
        .collect();
    // Read before these scores join them: warnings compare each person with their past, and
    // an organization never scored before has no past to rise from.
    let history = store.score_history_of(org, people).await?;
    let baseline = !store.has_scores(org).await?;
    let groups = latest_groups(&snapshots, &mapping.roles);
    let rows: Vec<_> = scored
        .iter()
        .map(|p| new_score(p, groups.get(&p.score.person).cloned().unwrap_or_default()))
        .collect();
    progress.step("storing the scores");
    store.save_scores(org, version, &rows).await?;
    let warnings = crate::warnings::raise_after_scoring(
        store,
        org,
        version,
        &history,
        baseline,
        &scored,
        &groups,
        &mapping.roles,
    )
    .await?;
    Ok(RescoreReport {
        version,
        people: scored,
        warnings,
    })
}

/// Each person's latest row, unless they left: people re-scored after an event are scored at
/// their own latest month.
fn latest_rows<'a>(snapshots: &'a [Snapshot], months: &'a [PersonMonth]) -> Vec<ScoreInput<'a>> {
    let mut latest: HashMap<&str, &PersonMonth> = HashMap::new();
    for m in months {
        let person = snapshots[m.snapshot].person.as_str();
        if latest.get(person).is_none_or(|seen| seen.as_of < m.as_of) {
            latest.insert(person, m);
        }
    }
    let mut rows: Vec<ScoreInput<'a>> = latest
        .into_values()
        .filter(|m| snapshots[m.snapshot].exit.is_none())
        .map(|m| ScoreInput {
            person: &snapshots[m.snapshot].person,
            as_of: Some(m.as_of),
            values: &m.values,
            evidence: m.evidence,
        })
        .collect();
    rows.sort_by(|a, b| a.person.cmp(b.person));
    rows
}

/// A model read from its artifact once per thread: versions never change once stored, and
/// parsing a boosted model for every event would cost more than scoring with it. Per thread
/// because LightGBM's booster may not move between threads; workers run scoring on the
/// runtime's blocking threads, which live on while there is work.
pub(crate) struct CachedModel {
    pub model: TrainedModel,
    pub horizon_months: i32,
}

thread_local! {
    static MODELS: std::cell::RefCell<HashMap<(OrgId, i64), Rc<CachedModel>>> =
        std::cell::RefCell::new(HashMap::new());
}

async fn cached_model(
    store: &Store,
    org: OrgId,
    version: i64,
    slug: &str,
) -> Result<Rc<CachedModel>, MonitorError> {
    if let Some(found) = MODELS.with(|m| m.borrow().get(&(org, version)).cloned()) {
        return Ok(found);
    }
    let stored = store
        .model(org, Some(version))
        .await?
        .ok_or_else(|| MonitorError::NoModel {
            org: slug.to_owned(),
            version: Some(version),
        })?;
    let model = Rc::new(CachedModel {
        model: TrainedModel::from_artifact(stored.artifact.as_deref().unwrap_or_default())?,
        horizon_months: stored.horizon_months.unwrap_or(6),
    });
    MODELS.with(|m| {
        let mut models = m.borrow_mut();
        // A handful of organizations' current models; older versions fall out.
        if models.len() >= 16 {
            models.clear();
        }
        models.insert((org, version), model.clone());
    });
    Ok(model)
}
