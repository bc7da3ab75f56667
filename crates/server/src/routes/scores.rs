//! Scores: individual scores and drivers for authorised HR roles (every read audited), and
//! aggregates — organization and teams — for everyone allowed aggregates, within their reach
//! (an hr member's units, a manager's reporting line) and never for groups under five people.

use super::Shown;
use crate::auth::Caller;
use crate::cache::OrgScores;
use crate::error::{ApiError, ErrorBody};
use crate::routes::{Page, PageQuery, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use tenure_domain::{Entitlement, Permission, RiskBand, Role};
use tenure_model::explain::Factor;
use tenure_store::{AuditEntry, ScoresStamp, StoredScore};
use utoipa::{IntoParams, ToSchema};

/// Each team's figures, hiding small teams and — so no hidden team can be worked out by
/// subtraction from the organization's total — as many more as that takes.
fn team_figures<'a>(
    by_team: &BTreeMap<&'a str, Vec<&'a StoredScore>>,
    floor: usize,
) -> Vec<GroupFigures> {
    let sizes: Vec<usize> = by_team.values().map(Vec::len).collect();
    by_team
        .iter()
        .zip(tenure_domain::hidden_groups(&sizes, floor))
        .map(|((name, members), hidden)| GroupFigures::of(name, members, !hidden))
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonScoreView {
    pub person: String,
    /// The snapshot date scored ('' for exports without dates).
    pub as_of: String,
    /// Probability of a voluntary exit within the model's horizon; null when the model abstained.
    pub probability: Option<f64>,
    /// `high`, `medium`, `low` or `not_enough_data`.
    pub band: String,
    pub abstained: Option<String>,
    /// Factors raising and holding down the risk, in plain words.
    #[schema(value_type = Object)]
    pub drivers: serde_json::Value,
    pub model_version: i64,
    pub input_hash: String,
    pub scored_at: String,
    pub team: Option<String>,
    pub department: Option<String>,
}

impl From<StoredScore> for PersonScoreView {
    fn from(s: StoredScore) -> PersonScoreView {
        PersonScoreView {
            person: s.score.person,
            as_of: s.score.as_of,
            probability: s.score.probability,
            band: s.score.band.key().to_owned(),
            abstained: s.score.abstained,
            drivers: s.score.drivers,
            model_version: s.model_version,
            input_hash: s.score.input_hash,
            scored_at: s.scored_at.shown(),
            team: s.score.groups.team,
            department: s.score.groups.department,
        }
    }
}

/// Figures for a group; all but the name are withheld when it has fewer than five people (or
/// the organization's higher floor), or when showing it would reveal a smaller group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupFigures {
    pub name: String,
    pub suppressed: bool,
    pub people: Option<usize>,
    pub high: Option<usize>,
    pub medium: Option<usize>,
    pub low: Option<usize>,
    pub not_enough_data: Option<usize>,
    /// The sum of probabilities: leavers to expect within the horizon.
    pub expected_leavers: Option<f64>,
}

impl GroupFigures {
    fn of(name: &str, scores: &[&StoredScore], shown: bool) -> GroupFigures {
        let count = |band: RiskBand| scores.iter().filter(|s| s.score.band == band).count();
        let when = |v: usize| shown.then_some(v);
        GroupFigures {
            name: name.to_owned(),
            suppressed: !shown,
            people: when(scores.len()),
            high: when(count(RiskBand::High)),
            medium: when(count(RiskBand::Medium)),
            low: when(count(RiskBand::Low)),
            not_enough_data: when(count(RiskBand::NotEnoughData)),
            expected_leavers: shown
                .then(|| scores.iter().filter_map(|s| s.score.probability).sum()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub model_version: i64,
    pub horizon_months: Option<i32>,
    /// Who the figures cover: `organization`, `units` or `reporting_line`.
    pub reach: String,
    pub figures: GroupFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    pub model_version: i64,
    pub teams: Vec<GroupFigures>,
}

/// What drives risk across the people in the caller's reach.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriverList {
    pub model_version: i64,
    /// Fewer than five people in reach: no drivers are shown.
    pub suppressed: bool,
    pub people: Option<usize>,
    /// Strongest first, at most ten.
    pub drivers: Vec<DriverView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DriverView {
    /// The user's column (or "tenure", "team", "time of year").
    pub factor: String,
    /// Mean absolute contribution to the log-odds over the people in reach.
    pub mean_abs_log_odds: f64,
    /// Share of them for whom it raises the risk.
    pub share_raising: f64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreFilter {
    /// Only this band: `high`, `medium`, `low` or `not_enough_data`.
    #[param(pattern = "^(high|medium|low|not_enough_data)$")]
    pub band: Option<String>,
    /// Only people in this department (as of their score).
    pub department: Option<String>,
    /// Only people in this team (as of their score).
    pub team: Option<String>,
}

/// The latest model's scores the caller may see: positions in the shared, cached snapshot,
/// so a request copies nothing it does not send.
struct InReach {
    version: i64,
    current: Arc<OrgScores>,
    rows: Vec<usize>,
}

impl InReach {
    /// Highest probability first.
    fn scores(&self) -> Vec<&StoredScore> {
        self.rows
            .iter()
            .map(|&i| &self.current.ordered[i])
            .collect()
    }
}

async fn scores_in_reach(state: &AppState, caller: &Caller) -> Result<InReach, ApiError> {
    caller.require_entitlement(Entitlement::Reports)?;
    let current = current_scores(state, caller).await?;
    let version = current
        .version
        .ok_or_else(|| ApiError::not_found("model: train one first"))?;
    let line = reporting_line_of(caller, &current.ordered);
    let rows = (0..current.ordered.len())
        .filter(|&i| in_reach(caller, &current.ordered[i], line.as_ref()))
        .collect();
    Ok(InReach {
        version,
        current,
        rows,
    })
}

/// The scores of the latest model the caller may see (their reach), with its version.
pub(crate) async fn reach_scores(
    state: &AppState,
    caller: &Caller,
) -> Result<(i64, Vec<StoredScore>), ApiError> {
    caller.require(Permission::ReadAggregates)?;
    let reach = scores_in_reach(state, caller).await?;
    Ok((reach.version, reach.scores().into_iter().cloned().collect()))
}

/// The organization's current scores from the cache. Stale ones are served while one task
/// reloads them; with nothing cached (first read, or just after a change made through this
/// process) the request waits for the load.
async fn current_scores(state: &AppState, caller: &Caller) -> Result<Arc<OrgScores>, ApiError> {
    let org = caller.org.id;
    match state.caches.scores(org) {
        Some((scores, true)) => return Ok(scores),
        Some((stale, false)) => {
            if let Ok(turn) = state.caches.loader(org).try_lock_owned() {
                let (state, cached) = (state.clone(), stale.clone());
                tokio::spawn(async move {
                    let _turn = turn;
                    if let Err(error) = reload_scores(&state, org, cached).await {
                        tracing::warn!(code = error.code, "scores not reloaded");
                    }
                });
            }
            return Ok(stale);
        }
        _ => {}
    }
    let loader = state.caches.loader(org);
    let _turn = loader.lock().await;
    match state.caches.scores(org) {
        Some((scores, true)) => Ok(scores),
        _ => load_scores(state, org).await,
    }
}

async fn load_scores(
    state: &AppState,
    org: tenure_domain::OrgId,
) -> Result<Arc<OrgScores>, ApiError> {
    let (version, stamp) = scores_now(state, org).await?;
    read_scores(state, org, version, stamp).await
}

/// Reloads stale cached scores only if they changed since they were read: reading and
/// decoding every score (5,000 people: tens of milliseconds of a runtime thread, which
/// stalled the reads behind it every `cache_seconds`) is done only when the stamp moved.
async fn reload_scores(
    state: &AppState,
    org: tenure_domain::OrgId,
    cached: Arc<OrgScores>,
) -> Result<Arc<OrgScores>, ApiError> {
    let (version, stamp) = scores_now(state, org).await?;
    if version == cached.version && stamp == cached.stamp {
        state.caches.remember_scores(org, cached.clone());
        return Ok(cached);
    }
    read_scores(state, org, version, stamp).await
}

/// The organization's latest model version and its scores' stamp, as stored now.
async fn scores_now(
    state: &AppState,
    org: tenure_domain::OrgId,
) -> Result<(Option<i64>, ScoresStamp), ApiError> {
    let version = state.store.latest_model_version(org).await?;
    let stamp = match version {
        Some(v) => state.store.scores_stamp(org, v).await?,
        None => ScoresStamp::default(),
    };
    Ok((version, stamp))
}

/// Reads model `version`'s current scores (read at `stamp`) into the cache.
async fn read_scores(
    state: &AppState,
    org: tenure_domain::OrgId,
    version: Option<i64>,
    stamp: ScoresStamp,
) -> Result<Arc<OrgScores>, ApiError> {
    let ordered = match version {
        Some(v) => state.store.current_scores(org, v).await?,
        None => Vec::new(),
    };
    let scores = Arc::new(OrgScores::new(version, stamp, ordered));
    state.caches.remember_scores(org, scores.clone());
    Ok(scores)
}

fn reporting_line_of(caller: &Caller, scores: &[StoredScore]) -> Option<HashSet<String>> {
    (caller.role == Role::Manager)
        .then(|| reporting_line(scores, caller.scope.manager_key.as_deref().unwrap_or("")))
}

/// Everyone under `manager`: direct reports, and theirs when managers are people in the data.
pub fn reporting_line(scores: &[StoredScore], manager: &str) -> HashSet<String> {
    let pairs = scores.iter().filter_map(|s| {
        let boss = s.score.groups.manager.as_deref()?;
        Some((s.score.person.as_str(), boss))
    });
    tenure_monitor::Reports::of(pairs).line_of(manager)
}

fn in_reach(caller: &Caller, score: &StoredScore, line: Option<&HashSet<String>>) -> bool {
    match caller.role {
        Role::Manager => line.is_some_and(|l| l.contains(&score.score.person)),
        Role::Hr if !caller.scope.units.is_empty() => {
            let groups = &score.score.groups;
            caller
                .scope
                .units
                .iter()
                .any(|u| Some(u) == groups.team.as_ref() || Some(u) == groups.department.as_ref())
        }
        Role::Owner | Role::Hr | Role::Auditor => true,
    }
}

fn reach_name(caller: &Caller) -> &'static str {
    match caller.role {
        Role::Manager => "reporting_line",
        Role::Hr if !caller.scope.units.is_empty() => "units",
        _ => "organization",
    }
}

#[utoipa::path(get, path = "/api/v1/summary", tag = "scores",
    responses((status = 200, description = "Figures over everyone in the caller's reach", body = Summary),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Summary>, ApiError> {
    caller.require(Permission::ReadAggregates)?;
    let reach = scores_in_reach(&state, &caller).await?;
    let horizon_months = state.store.latest_horizon_months(caller.org.id).await?;
    Ok(Json(Summary {
        model_version: reach.version,
        horizon_months,
        reach: reach_name(&caller).to_owned(),
        figures: {
            let everyone = reach.scores();
            let shown = everyone.len() >= caller.org.min_group_size;
            GroupFigures::of(&caller.org.name, &everyone, shown)
        },
    }))
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "scores",
    responses((status = 200, body = TeamList), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn teams(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TeamList>, ApiError> {
    caller.require(Permission::ReadAggregates)?;
    let reach = scores_in_reach(&state, &caller).await?;
    let by_team = group_by_team(reach.scores());
    let teams = team_figures(&by_team, caller.org.min_group_size);
    Ok(Json(TeamList {
        model_version: reach.version,
        teams,
    }))
}

#[utoipa::path(get, path = "/api/v1/teams/{team}", tag = "scores",
    params(("team" = String, Path, description = "The team's name (the mapped team column's value)")),
    responses((status = 200, body = GroupFigures), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn team(
    State(state): State<AppState>,
    caller: Caller,
    Path(team): Path<String>,
) -> Result<Json<GroupFigures>, ApiError> {
    caller.require(Permission::ReadAggregates)?;
    let reach = scores_in_reach(&state, &caller).await?;
    let by_team = group_by_team(reach.scores());
    let position = by_team
        .keys()
        .position(|name| *name == team.as_str())
        .ok_or_else(|| ApiError::not_found("team"))?;
    // Suppressed exactly as in the list, so asking for one team reveals nothing more.
    let figures = team_figures(&by_team, caller.org.min_group_size);
    Ok(Json(
        figures
            .into_iter()
            .nth(position)
            .expect("one figure per team"),
    ))
}

#[utoipa::path(get, path = "/api/v1/drivers", tag = "scores",
    responses((status = 200, description = "Organization-wide drivers over everyone in the caller's reach", body = DriverList),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn drivers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DriverList>, ApiError> {
    caller.require(Permission::ReadAggregates)?;
    let reach = scores_in_reach(&state, &caller).await?;
    let scores = reach.scores();
    if scores.len() < caller.org.min_group_size {
        return Ok(Json(DriverList {
            model_version: reach.version,
            suppressed: true,
            people: None,
            drivers: Vec::new(),
        }));
    }
    let drivers = tenure_monitor::report::stored_drivers(scores.iter().map(|s| &s.score.drivers))
        .into_iter()
        .take(10)
        .map(|d| DriverView {
            factor: d.factor,
            mean_abs_log_odds: d.mean_abs_log_odds,
            share_raising: d.share_raising,
        })
        .collect();
    Ok(Json(DriverList {
        model_version: reach.version,
        suppressed: false,
        people: Some(scores.len()),
        drivers,
    }))
}

fn group_by_team(scores: Vec<&StoredScore>) -> BTreeMap<&str, Vec<&StoredScore>> {
    let mut by_team: BTreeMap<&str, Vec<&StoredScore>> = BTreeMap::new();
    for s in scores {
        if let Some(team) = s.score.groups.team.as_deref() {
            by_team.entry(team).or_default().push(s);
        }
    }
    by_team
}

#[utoipa::path(get, path = "/api/v1/scores", tag = "scores", params(ScoreFilter, PageQuery),
    responses((status = 200, description = "Individual scores, highest first; each read is audited", body = inline(Page<PersonScoreView>)),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_scores(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<ScoreFilter>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<PersonScoreView>>, ApiError> {
    caller.require(Permission::ReadIndividualScores)?;
    let band = match filter.band.as_deref() {
        None => None,
        Some(text) => Some(RiskBand::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "band {text:?}: expected high, medium, low or not_enough_data"
            ))
        })?),
    };
    let reach = scores_in_reach(&state, &caller).await?;
    let chosen: Vec<&StoredScore> = reach
        .scores()
        .into_iter()
        .filter(|s| band.is_none_or(|b| s.score.band == b))
        .filter(|s| {
            let groups = &s.score.groups;
            filter
                .department
                .as_ref()
                .is_none_or(|d| groups.department.as_ref() == Some(d))
                && filter
                    .team
                    .as_ref()
                    .is_none_or(|t| groups.team.as_ref() == Some(t))
        })
        .collect();
    let page = page.cut(chosen);
    audit(
        &state,
        &caller,
        "scores.list",
        page.items.iter().map(|s| s.score.person.clone()),
    )
    .await?;
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|s| PersonScoreView::from(s.clone()))
            .collect(),
        page: page.page,
        per_page: page.per_page,
        total: page.total,
    }))
}

#[utoipa::path(get, path = "/api/v1/people/{person}/score", tag = "scores",
    params(("person" = String, Path, description = "The person's key (the id column's value)")),
    responses((status = 200, description = "The person's latest score and drivers; the read is audited", body = PersonScoreView),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person_score(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
) -> Result<Json<PersonScoreView>, ApiError> {
    caller.require(Permission::ReadIndividualScores)?;
    caller.require_entitlement(Entitlement::Reports)?;
    let current = current_scores(&state, &caller).await?;
    let score = current
        .person(&person)
        .filter(|s| in_reach(&caller, s, None))
        .cloned()
        .ok_or_else(|| ApiError::not_found("person"))?;
    audit(&state, &caller, "score.read", std::iter::once(person)).await?;
    Ok(Json(score.into()))
}

/// Writes the audit rows before any score leaves the server: no row, no answer.
pub(crate) async fn audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    people: impl Iterator<Item = String>,
) -> Result<(), ApiError> {
    let entries: Vec<AuditEntry> = people
        .map(|subject| AuditEntry {
            org: caller.org.id,
            actor: caller.actor(),
            action: action.to_owned(),
            subject,
            request_id: caller.request_id.clone(),
        })
        .collect();
    let count = entries.len() as u64;
    state.audit.record(entries).await.map_err(|error| {
        tracing::error!(%error, "audit write failed; scores withheld");
        match &error {
            crate::audit_writer::AuditNotWritten::Store(e)
                if e.kind() == tenure_store::StoreErrorKind::Unavailable =>
            {
                crate::error::ApiError::unavailable()
            }
            _ => crate::error::ApiError::internal(),
        }
    })?;
    state.metrics.scores_read.inc_by(count);
    Ok(())
}

/// Changes to try on a person's conditions; nothing is saved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// Pay up (or down) by this many percent (−50 to 100).
    #[schema(minimum = -50.0, maximum = 100.0)]
    pub pay_change_percent: Option<f64>,
    /// One level up.
    #[serde(default)]
    pub promotion: bool,
    /// Another manager.
    #[serde(default)]
    pub new_manager: bool,
    /// Numeric columns without a role set to new figures, e.g. `{"overtime_hours": 10}`.
    #[serde(default)]
    pub set: BTreeMap<String, f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIfView {
    pub model_version: i64,
    /// The probability now, and with the changes (null when the model abstains).
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// What each change did to the person's inputs.
    pub applied: Vec<String>,
    /// What would raise the risk most after the changes.
    #[schema(value_type = Vec<Object>)]
    pub raising_after: Vec<Factor>,
}

#[utoipa::path(post, path = "/api/v1/people/{person}/what-if", tag = "scores", request_body = WhatIfRequest,
    params(("person" = String, Path, description = "The person's id, as in the imported data")),
    responses((status = 200, description = "The risk with the changes, not saved; the read is audited", body = WhatIfView),
              (status = 400, body = ErrorBody), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn what_if(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
    crate::routes::Body(request): crate::routes::Body<WhatIfRequest>,
) -> Result<Json<WhatIfView>, ApiError> {
    caller.require(Permission::ReadIndividualScores)?;
    caller.require_entitlement(Entitlement::Reports)?;
    let current = current_scores(&state, &caller).await?;
    if current.person(&person).is_none()
        && state
            .store
            .objection(caller.org.id, &person)
            .await?
            .is_some()
    {
        // Nothing is tried about someone who objected: say why rather than "no such person".
        let objected = tenure_monitor::MonitorError::Objected(person);
        return Err(ApiError::from_monitor(objected, "what-if"));
    }
    current
        .person(&person)
        .filter(|s| in_reach(&caller, s, None))
        .ok_or_else(|| ApiError::not_found("person"))?;
    if request
        .pay_change_percent
        .is_some_and(|p| !(-50.0..=100.0).contains(&p))
    {
        return Err(ApiError::bad_request(
            "pay_change_percent is between -50 and 100",
        ));
    }
    let changes = tenure_monitor::WhatIfChanges {
        pay_change_percent: request.pay_change_percent,
        promotion: request.promotion,
        new_manager: request.new_manager,
        set: request.set,
    };
    // Scoring is CPU work: on a blocking thread, as the workers' scoring is.
    let (monitor, org, slug, key) = (
        state.monitor.clone(),
        caller.org.id,
        caller.org.slug.clone(),
        person.clone(),
    );
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::spawn_blocking(move || {
        handle.block_on(tenure_monitor::what_if(
            &monitor, org, &slug, &key, &changes,
        ))
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| ApiError::from_monitor(e, "what-if failed"))?;
    audit(&state, &caller, "score.what_if", std::iter::once(person)).await?;
    Ok(Json(WhatIfView {
        model_version: outcome.model_version,
        before: outcome.before,
        after: outcome.after,
        applied: outcome.applied,
        raising_after: outcome.raising_after,
    }))
}
