//! HR events and the re-scoring they cause. An event is checked against the organization's
//! mapped roles and column kinds, applied to the person's current state (all of a batch or
//! none), and then everyone it touches — the person, or a leaver's teammates — is re-scored
//! at once from the narrow slice of data their features read, not the whole organization.
//!
//! A change to one person also moves, a little, the medians their peers and teammates are
//! compared with; those people are re-scored by the next full run (after an import, or
//! `tenure score`), not per event — a team's medians shifting by one member's pay is not
//! what a warning should be raised on within the second. The stored forecast's curves of the
//! people re-scored are made again with its hazard model in the same write.

use crate::forecast::{revised_curves, stored_forecast_month, RevisedCurves};
use crate::jobs::JobSpec;
use crate::score::{latest_groups, new_score, ScoredPerson};
use crate::{Monitor, MonitorError, Progress};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use tenure_domain::{HrEvent, OrgId, RiskBand, Shape, Snapshot, SnapshotFrame};
use tenure_model::panel::{latest_person_months_of, MonthComparisons, PersonMonth};
use tenure_model::scoring::{current_cross_section_rows, score, ScoreInput};
use tenure_model::trained::TrainedModel;
use tenure_store::{
    AppliedEvent, EventsLanding, IdempotencyKey, NewEvent, RaisedWarning, RememberedEvents,
    ScoringWrite, Store,
};

/// What a batch of events did.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsApplied {
    pub applied: Vec<AppliedEvent>,
    /// Everyone whose features the events may have changed, to re-score.
    pub affected: Vec<String>,
    /// The job re-scoring them, when one was queued with the events.
    pub rescoring_job: Option<i64>,
}

/// Who re-scores the people a batch of events touches.
#[derive(Clone, Copy)]
pub enum Rescoring<'a> {
    /// A job queued in the events' own transaction (they never land without it); this
    /// process's workers are woken for it.
    Queued { wake: &'a tokio::sync::Notify },
    /// The caller, at once, with [`rescore_people`].
    ByCaller,
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
    monitor: &Monitor,
    org: OrgId,
    slug: &str,
    events: &[HrEvent],
    created_by: Option<i64>,
    rescoring: Rescoring<'_>,
) -> Result<EventsApplied, MonitorError> {
    let batch = EventBatch {
        org,
        slug,
        events,
        created_by,
    };
    match apply_events_once(monitor, batch, rescoring, None).await? {
        EventsOutcome::Applied(applied) => Ok(applied),
        EventsOutcome::Replayed(_) => unreachable!("no key, no replay"),
    }
}

/// A batch of events for one organization, and who sent it.
#[derive(Clone, Copy)]
pub struct EventBatch<'a> {
    pub org: OrgId,
    pub slug: &'a str,
    pub events: &'a [HrEvent],
    pub created_by: Option<i64>,
}

/// What an events request under an idempotency key did.
#[derive(Debug, Clone, PartialEq)]
pub enum EventsOutcome {
    Applied(EventsApplied),
    /// The key's first request applied them; this answer is that one's, and nothing changed.
    Replayed(RememberedEvents),
}

/// [`apply_events`] under the client's idempotency `key`: a request sent again (its answer
/// lost) gets its first answer back instead of applying the events twice.
pub async fn apply_events_once(
    monitor: &Monitor,
    batch: EventBatch<'_>,
    rescoring: Rescoring<'_>,
    key: Option<IdempotencyKey>,
) -> Result<EventsOutcome, MonitorError> {
    let EventBatch {
        org,
        slug,
        events,
        created_by,
    } = batch;
    let store = monitor.store();
    let columns = crate::columns::latest_columns(monitor, org, slug).await?;
    let (mapping, kinds) = (&columns.mapping, &columns.kinds);
    let today = monitor.clock().now().date_naive();
    let mut checked = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let refused = |reason: String| EventRefused {
            index,
            person: event.person.clone(),
            reason,
        };
        let effect = event
            .effect(&mapping.roles, kinds)
            .map_err(|e| refused(e.to_string()))?;
        checked.push(NewEvent {
            person: event.person.trim().to_owned(),
            kind: event.kind.key(),
            effective: event.effective.unwrap_or(today),
            effect,
            created_by,
        });
    }
    let affected = affected_by(store, org, &checked, &mapping.roles).await?;
    let job = match rescoring {
        Rescoring::Queued { .. } if !affected.is_empty() => Some(
            JobSpec::Rescore {
                people: affected.clone(),
            }
            .to_job(created_by),
        ),
        _ => None,
    };
    let key = key.map(|key| IdempotencyKey {
        people_rescored: affected.len(),
        ..key
    });
    let landing = store
        .apply_events_once(org, &checked, job.as_ref(), key.as_ref())
        .await
        .map_err(|e| refused_by_store(e, &checked))?;
    let (applied, rescoring_job) = match landing {
        EventsLanding::Applied { applied, job_id } => (applied, job_id),
        EventsLanding::Replayed(answer) => return Ok(EventsOutcome::Replayed(answer)),
    };
    if let (Rescoring::Queued { wake }, Some(_)) = (rescoring, rescoring_job) {
        wake.notify_one();
    }
    if checked
        .iter()
        .any(|c| matches!(c.effect, tenure_domain::EventEffect::Exit { .. }))
    {
        // Warnings about people who have now left have their outcome.
        store.settle_warning_outcomes(org, i32::MAX).await?;
    }
    Ok(EventsOutcome::Applied(EventsApplied {
        applied,
        affected,
        rescoring_job,
    }))
}

/// Everyone whose features the events change: each event's person, or a leaver's teammates
/// (read before the events land, so their re-scoring is queued with them) — never someone
/// who leaves in the batch.
async fn affected_by(
    store: &Store,
    org: OrgId,
    events: &[NewEvent],
    roles: &tenure_domain::RoleColumns,
) -> Result<Vec<String>, MonitorError> {
    let team_column = roles
        .team
        .as_deref()
        .or(roles.manager.as_deref())
        .or(roles.department.as_deref());
    let mut affected: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for event in events {
        let touched = match (&event.effect, team_column) {
            (tenure_domain::EventEffect::Exit { .. }, Some(column)) => {
                store.teammates(org, column, &event.person).await?
            }
            (tenure_domain::EventEffect::Exit { .. }, None) => Vec::new(),
            _ => vec![event.person.clone()],
        };
        for person in touched {
            if seen.insert(person.clone()) {
                affected.push(person);
            }
        }
    }
    let left: HashSet<&str> = events
        .iter()
        .filter(|c| matches!(c.effect, tenure_domain::EventEffect::Exit { .. }))
        .map(|c| c.person.as_str())
        .collect();
    affected.retain(|p| !left.contains(p.as_str()));
    Ok(affected)
}

/// A store refusal that is about one event (an unknown person, someone who has left) names
/// that event; anything else stays a store error.
fn refused_by_store(error: tenure_store::StoreError, events: &[NewEvent]) -> MonitorError {
    use tenure_store::StoreError;
    let person = match &error {
        StoreError::UnknownPerson(person) | StoreError::PersonLeft { person, .. } => person,
        _ => return error.into(),
    };
    let index = events
        .iter()
        .position(|e| &e.person == person)
        .unwrap_or_default();
    MonitorError::Event(EventRefused {
        index,
        person: person.clone(),
        reason: error.to_string(),
    })
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
    monitor: &Monitor,
    org: OrgId,
    people: &[String],
    progress: &dyn Progress,
) -> Result<RescoreReport, MonitorError> {
    let (report, write) = rescore_people_written(monitor, org, people, progress).await?;
    write.commit().await?;
    Ok(report)
}

/// As [`rescore_people`], with the write left open for the caller to add to and commit.
pub(crate) async fn rescore_people_written(
    monitor: &Monitor,
    org: OrgId,
    people: &[String],
    progress: &dyn Progress,
) -> Result<(RescoreReport, ScoringWrite), MonitorError> {
    let store = monitor.store();
    let state = store.rescoring_state(org).await?;
    let slug = state.slug.as_str();
    crate::scoring_allowed(state.block, slug)?;
    let version = state.model_version.ok_or_else(|| MonitorError::NoModel {
        org: slug.to_owned(),
        version: None,
    })?;
    let model = cached_model(monitor, org, version, slug).await?;
    let import = state
        .latest_import
        .ok_or_else(|| MonitorError::NoData(slug.to_owned()))?;
    let columns = crate::columns::columns_of_import(monitor, org, slug, import).await?;
    let mapping = &columns.mapping;
    let shape = mapping
        .resolved_shape()
        .ok_or_else(|| MonitorError::Mapping("the mapping names no shape".into()))?;
    // People who objected are not scored again, whatever happened to them.
    let objectors = store.objectors(org).await?;
    let people: Vec<String> = people
        .iter()
        .filter(|p| !objectors.contains(p.as_str()))
        .cloned()
        .collect();
    let people = people.as_slice();
    progress.step("reading the people's data");
    let clock = std::time::Instant::now();
    let (snapshots, compared) =
        rescoring_inputs(monitor, org, people, &mapping.roles, state.data_stamp).await?;
    let read_ms = clock.elapsed().as_secs_f64() * 1e3;
    let wanted: HashSet<&str> = people.iter().map(String::as_str).collect();
    let horizon = model.horizon_months;
    // One frame of the slice, for the person-months and for the people's groups.
    let frame = SnapshotFrame::from_snapshots(&snapshots);
    let months = match shape {
        Shape::Panel => {
            latest_person_months_of(&frame, &mapping.roles, horizon, &wanted, &compared)
        }
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
    let features_ms = clock.elapsed().as_secs_f64() * 1e3 - read_ms;
    progress.step("scoring");
    let run = score(&model.model, &inputs, &mapping.roles, 5)?;
    let forecast = match shape {
        Shape::Panel => forecast_revision(store, org, version, &model, people, &inputs).await?,
        _ => None,
    };
    let scored_ms = clock.elapsed().as_secs_f64() * 1e3;
    let thresholds = state.thresholds;
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
    let baseline = !state.has_scores;
    let groups = latest_groups(&frame, &mapping.roles);
    let rows: Vec<_> = scored
        .iter()
        .map(|p| new_score(p, groups.get(&p.score.person).cloned().unwrap_or_default()))
        .collect();
    progress.step("storing the scores");
    let run = crate::warnings::ScoringRun {
        version,
        history: &history,
        baseline,
        policy: &state.policy,
        people: &scored,
        groups: &groups,
        roles: &mapping.roles,
        // A few people's slice cannot say where the organization's median rating lies:
        // their trips are ranked by probability alone.
        regretted: &HashSet::new(),
        whole_organization: false,
    };
    let mut written = crate::warnings::write_scores_and_warn(store, org, &run, &rows).await?;
    if let Some(forecast) = &forecast {
        written
            .write
            .revise_forecast_curves(version, &forecast.as_of, &forecast.revised, &forecast.gone)
            .await?;
    }
    tracing::debug!(
        people = people.len(),
        snapshots = snapshots.len(),
        read_ms,
        features_ms,
        scored_ms,
        total_ms = clock.elapsed().as_secs_f64() * 1e3,
        "re-scored after events"
    );
    let report = RescoreReport {
        version,
        people: scored,
        warnings: written.raised,
    };
    Ok((report, written.write))
}

/// The stored forecast's curves of `people` made again from their new inputs, when the
/// forecast of `version` was stored with its hazard model.
async fn forecast_revision(
    store: &Store,
    org: OrgId,
    version: i64,
    model: &CachedModel,
    people: &[String],
    inputs: &[ScoreInput<'_>],
) -> Result<Option<RevisedCurves>, MonitorError> {
    let Some(as_of) = stored_forecast_month(store, org, version).await? else {
        return Ok(None);
    };
    let Some(hazard) = model.hazard(store, org, version).await? else {
        return Ok(None);
    };
    Ok(Some(revised_curves(hazard, as_of, people, inputs)?))
}

/// What re-scoring `people` reads: their own histories, and the figures of their latest months
/// (what they are compared with).
async fn rescoring_inputs(
    monitor: &Monitor,
    org: OrgId,
    people: &[String],
    roles: &tenure_domain::RoleColumns,
    data_stamp: (i64, i64),
) -> Result<(Vec<Snapshot>, Vec<MonthComparisons>), MonitorError> {
    let snapshots = own_histories(monitor.store(), org, people).await?;
    let mut compared = Vec::new();
    for (as_of, people) in latest_by_month(&snapshots) {
        let figures =
            crate::context::month_figures(monitor, org, as_of, &people, roles, data_stamp).await?;
        compared.push(figures);
    }
    Ok((snapshots, compared))
}

/// Every snapshot of `people`.
async fn own_histories(
    store: &Store,
    org: OrgId,
    people: &[String],
) -> Result<Vec<Snapshot>, MonitorError> {
    Ok(store
        .histories_of(org, people)
        .await?
        .into_iter()
        .map(|s| s.snapshot)
        .collect())
}

/// Each person's latest dated snapshot, by month.
fn latest_by_month(snapshots: &[Snapshot]) -> BTreeMap<chrono::NaiveDate, Vec<&Snapshot>> {
    let mut latest: HashMap<&str, &Snapshot> = HashMap::new();
    for s in snapshots {
        if latest
            .get(s.person.as_str())
            .is_none_or(|seen| seen.as_of < s.as_of)
        {
            latest.insert(s.person.as_str(), s);
        }
    }
    let mut by_month: BTreeMap<chrono::NaiveDate, Vec<&Snapshot>> = BTreeMap::new();
    for s in latest.into_values() {
        if let Some(as_of) = s.as_of {
            by_month.entry(as_of).or_default().push(s);
        }
    }
    by_month
}

/// `people`'s histories and everyone they are compared with in their latest months: the
/// slice of the panel that gives their latest rows (what-if changes a row of it).
pub(crate) async fn rescoring_slice(
    monitor: &Monitor,
    org: OrgId,
    people: &[String],
    roles: &tenure_domain::RoleColumns,
) -> Result<Vec<Snapshot>, MonitorError> {
    let mut snapshots = own_histories(monitor.store(), org, people).await?;
    let mut context = Vec::new();
    for (as_of, people) in latest_by_month(&snapshots) {
        context.extend(crate::context::comparisons(monitor, org, as_of, &people, roles).await?);
    }
    let mut seen: HashSet<(String, Option<chrono::NaiveDate>)> = snapshots
        .iter()
        .map(|s| (s.person.to_string(), s.as_of))
        .collect();
    for s in context {
        if seen.insert((s.person.to_string(), s.as_of)) {
            snapshots.push(s);
        }
    }
    snapshots.sort_by(|a, b| (a.person.as_str(), a.as_of).cmp(&(b.person.as_str(), b.as_of)));
    Ok(snapshots)
}

/// Each person's latest row, unless they left: people re-scored after an event are scored at
/// their own latest month.
pub(crate) fn latest_rows<'a>(
    snapshots: &'a [Snapshot],
    months: &'a [PersonMonth],
) -> Vec<ScoreInput<'a>> {
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

/// A model read from its artifact once per process (kept by the [`Monitor`] handle): versions
/// never change once stored, and parsing a boosted model for every event would cost more
/// than scoring with it.
pub(crate) struct CachedModel {
    pub model: TrainedModel,
    pub horizon_months: i32,
    /// The hazard model stored with the version's forecast, once it has been found (it is
    /// stored just after the model, so a miss is asked again).
    hazard: OnceLock<TrainedModel>,
}

impl CachedModel {
    async fn hazard(
        &self,
        store: &Store,
        org: OrgId,
        version: i64,
    ) -> Result<Option<&TrainedModel>, MonitorError> {
        if let Some(hazard) = self.hazard.get() {
            return Ok(Some(hazard));
        }
        let Some(stored) = store.forecast_hazard(org, version).await? else {
            return Ok(None);
        };
        let hazard = TrainedModel::from_artifact(&stored.artifact)?;
        Ok(Some(self.hazard.get_or_init(|| hazard)))
    }
}

/// Decoded models by organization and version: a handful of organizations' current models
/// (at most [`MODELS_KEPT`]); older versions fall out.
#[derive(Default)]
pub(crate) struct ModelCache(Mutex<HashMap<(OrgId, i64), Arc<CachedModel>>>);

/// Models kept decoded at once, over all organizations.
const MODELS_KEPT: usize = 16;

/// The organization's newest active model and its version, read from the cache.
pub(crate) async fn latest_model(
    monitor: &Monitor,
    org: OrgId,
    slug: &str,
) -> Result<(i64, Arc<CachedModel>), MonitorError> {
    let version = monitor
        .store()
        .latest_model_version(org)
        .await?
        .ok_or_else(|| MonitorError::NoModel {
            org: slug.to_owned(),
            version: None,
        })?;
    Ok((version, cached_model(monitor, org, version, slug).await?))
}

async fn cached_model(
    monitor: &Monitor,
    org: OrgId,
    version: i64,
    slug: &str,
) -> Result<Arc<CachedModel>, MonitorError> {
    let cache = &monitor.models().0;
    if let Some(found) = cache.lock().expect("models").get(&(org, version)).cloned() {
        return Ok(found);
    }
    let stored = monitor
        .store()
        .model(org, Some(version))
        .await?
        .ok_or_else(|| MonitorError::NoModel {
            org: slug.to_owned(),
            version: Some(version),
        })?;
    let model = Arc::new(CachedModel {
        model: TrainedModel::from_artifact(stored.artifact.as_deref().unwrap_or_default())?,
        horizon_months: stored.horizon_months.unwrap_or(6),
        hazard: OnceLock::new(),
    });
    let mut models = cache.lock().expect("models");
    if models.len() >= MODELS_KEPT {
        models.clear();
    }
    models.insert((org, version), model.clone());
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score_organization, train_organization, Quiet, ScoreRequest};
    use tenure_data::simulate::{simulate, SimulationConfig};
    use tenure_domain::{Clock, EventKind, EventValue};
    use tenure_store::testing::TestDatabase;
    use tenure_store::Organization;

    /// Re-scoring a person from the slice of data an event touches gives exactly the score a
    /// run over the whole organization gives them: same inputs, same hash, same probability.
    #[tokio::test]
    async fn rescoring_after_an_event_equals_scoring_everyone() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let monitor = Monitor::new(store.clone(), Clock::system());
        let dir = tempfile::tempdir().unwrap();
        let (org, _) = trained_acme(&store, dir.path()).await;
        let everyone = everyone(org.id);
        let first = score_organization(&store, "acme", &everyone, &Quiet)
            .await
            .unwrap();
        let person = first.people[first.people.len() / 2]
            .score
            .person
            .to_string();
        let cut = pay_cut(&person);
        let applied = apply_events(&monitor, org.id, "acme", &[cut], None, Rescoring::ByCaller)
            .await
            .unwrap();
        assert_eq!(applied.affected, std::slice::from_ref(&person));
        let rescored = rescore_people(&monitor, org.id, &applied.affected, &Quiet)
            .await
            .unwrap();
        let after_all = score_organization(&store, "acme", &everyone, &Quiet)
            .await
            .unwrap();
        let from_all = after_all
            .people
            .iter()
            .find(|p| p.score.person.as_str() == person)
            .unwrap();
        let from_event = &rescored.people[0];
        assert_eq!(from_event.score.input_hash, from_all.score.input_hash);
        assert_eq!(from_event.score.probability, from_all.score.probability);
        let before = first
            .people
            .iter()
            .find(|p| p.score.person.as_str() == person)
            .unwrap();
        assert_ne!(
            before.score.input_hash, from_event.score.input_hash,
            "the event changed the inputs"
        );
        // The full run leaves the person's stored score as the event's re-score wrote it; what
        // it does rewrite are peers' and teammates' scores, whose medians the pay cut moved
        // (those wait for the next full run: see the module's note).
        assert!(after_all.stored.written < 60, "{:?}", after_all.stored);
        store.close().await;
        database.remove().await;
    }

    /// A simulated organization of 300 people over 28 months imported as "acme", its scoring
    /// switched on and a logistic model trained (with its forecast): the organization and the
    /// model's version.
    async fn trained_acme(store: &Store, dir: &std::path::Path) -> (Organization, i64) {
        let simulation = simulate(SimulationConfig {
            people: 300,
            months: 28,
            seed: 5,
        });
        let org = crate::testing::import_simulation(store, &simulation, dir, None).await;
        store
            .record_governance(org.id, &crate::testing::governance())
            .await
            .unwrap();
        let training = crate::testing::logistic_training(org.id, 2);
        let version = train_organization(store, "acme", &training, &Quiet)
            .await
            .unwrap()
            .version;
        (org, version)
    }

    /// Scoring everyone with the latest model.
    fn everyone(org: OrgId) -> ScoreRequest {
        ScoreRequest {
            org,
            version: None,
            factors: 5,
        }
    }

    /// A pay cut to 20,000 for `person`.
    fn pay_cut(person: &str) -> HrEvent {
        HrEvent {
            person: person.to_owned(),
            kind: EventKind::PayChange,
            effective: None,
            values: [("pay".to_string(), EventValue::Number(20_000.0))].into(),
            exit_kind: None,
            voluntary: None,
        }
    }

    fn curve_of<'a>(curves: &'a [(String, Vec<f32>)], person: &str) -> Option<&'a Vec<f32>> {
        curves.iter().find(|(p, _)| p == person).map(|(_, c)| c)
    }

    /// Re-scoring after an event revises the person's stored survival curve with the stored
    /// hazard model, to what a full run makes of it, and leaves everyone else's alone.
    #[tokio::test]
    async fn an_event_revises_the_persons_forecast_and_a_leaver_leaves_it() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let monitor = Monitor::new(store.clone(), Clock::system());
        let dir = tempfile::tempdir().unwrap();
        let (org, version) = trained_acme(&store, dir.path()).await;
        let before = store.forecast_curves(org.id, version).await.unwrap();
        let (person, leaver) = (before[10].0.clone(), before[20].0.clone());
        let events = [
            pay_cut(&person),
            HrEvent {
                person: leaver.clone(),
                kind: EventKind::Exit,
                effective: None,
                values: Default::default(),
                exit_kind: Some("resignation".into()),
                voluntary: Some(true),
            },
        ];
        let applied = apply_events(&monitor, org.id, "acme", &events, None, Rescoring::ByCaller)
            .await
            .unwrap();
        rescore_people(&monitor, org.id, &applied.affected, &Quiet)
            .await
            .unwrap();
        let after = store.forecast_curves(org.id, version).await.unwrap();
        assert_ne!(curve_of(&after, &person), curve_of(&before, &person));
        assert!(curve_of(&after, &person).is_some());
        assert_eq!(curve_of(&after, &leaver), None, "a leaver has no outlook");
        let untouched = |(p, _): &&(String, Vec<f32>)| !applied.affected.contains(p);
        assert_eq!(
            after.iter().filter(untouched).collect::<Vec<_>>(),
            before
                .iter()
                .filter(untouched)
                .filter(|(p, _)| p != &leaver)
                .collect::<Vec<_>>()
        );

        // A full run at the same month makes the same curve of the person.
        score_organization(&store, "acme", &everyone(org.id), &Quiet)
            .await
            .unwrap();
        let full = store.forecast_curves(org.id, version).await.unwrap();
        let (a, b) = (
            curve_of(&full, &person).unwrap(),
            curve_of(&after, &person).unwrap(),
        );
        assert!(
            a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5),
            "{a:?} from the full run, {b:?} from the event"
        );
        assert_eq!(curve_of(&full, &leaver), None);
        store.close().await;
        database.remove().await;
    }
}
