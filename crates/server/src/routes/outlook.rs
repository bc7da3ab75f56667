//! The outlook of teams and managers' reporting lines: ranked by the voluntary leavers they
//! are about to lose beyond their own last year, with intervals and the drivers their people
//! share — for everyone allowed aggregates, within their reach, small groups hidden.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::scores::reach_scores;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use tenure_domain::{Permission, Role};
use tenure_monitor::{group_outlooks, GroupOutlooks, OutlookRequest, RankedGroup};
use utoipa::ToSchema;

/// Teams and reporting lines, each ranked: the group about to lose most beyond its own last
/// year first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutlookView {
    pub model_version: i64,
    /// The month the scores are of; "last year" is the twelve months before it.
    pub as_of: Option<String>,
    /// The months the expected leavers are counted over (the model's horizon).
    pub horizon_months: u32,
    /// `team`, or `department` where no team column is mapped; null with neither.
    pub team_column: Option<String>,
    pub teams: Vec<GroupOutlookView>,
    /// Reporting lines by manager key: everyone under them, directly or through other managers.
    pub lines: Vec<GroupOutlookView>,
    /// Groups not shown: under the organization's smallest group, or ones that would give such
    /// a group away.
    pub hidden_teams: usize,
    pub hidden_lines: usize,
}

/// One group's outlook.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOutlookView {
    pub group: String,
    pub people: usize,
    /// Voluntary leavers to expect within the horizon: the sum of the people's chances.
    pub expected: f64,
    /// 90% interval of how many will leave, if the chances are right.
    pub low: f64,
    pub high: f64,
    /// Last year's voluntary leavers and their pace at today's size; null without a dated history.
    pub last_year: Option<LastYearView>,
    /// Expected leavers less last year's pace, with the 90% interval the chance in last year's
    /// count gives it; null without a past.
    pub change: Option<ChangeView>,
    /// The factors most often raising its people's risk, with the supportive step each suggests.
    pub shared_drivers: Vec<SharedDriverView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LastYearView {
    pub voluntary_leavers: usize,
    /// Headcount at the start and the end of the period, averaged.
    pub average_headcount: f64,
    /// The period's length: 12, or less when the history is shorter.
    pub months: u32,
    /// Leavers over the horizon at last year's rate with today's people, and its 90% interval.
    pub at_today_size: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    pub leavers: f64,
    pub low: f64,
    pub high: f64,
    /// The expected leavers exceed the top of last year's pace's interval: worse than last
    /// year beyond chance.
    pub worse: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedDriverView {
    pub factor: String,
    pub label: String,
    pub label_zh: String,
    /// How many of the group's people it is among the strongest raising factors of.
    pub people: usize,
    /// The supportive step: `stay_conversation`, `pay_review`, `career_path`, `workload` or
    /// `manager_coaching`.
    pub action: String,
    pub action_words: String,
}

impl From<&RankedGroup> for GroupOutlookView {
    fn from(g: &RankedGroup) -> GroupOutlookView {
        let o = &g.outlook;
        GroupOutlookView {
            group: o.group.clone(),
            people: o.people,
            expected: o.expected,
            low: o.low,
            high: o.high,
            last_year: o.last_year.map(|p| LastYearView {
                voluntary_leavers: p.past.voluntary_leavers,
                average_headcount: p.past.average_headcount,
                months: p.past.months,
                at_today_size: p.at_today_size,
                low: p.low,
                high: p.high,
            }),
            change: o.change.map(|c| ChangeView {
                leavers: c.leavers,
                low: c.low,
                high: c.high,
                worse: c.worse,
            }),
            shared_drivers: g
                .shared_drivers
                .iter()
                .map(|d| SharedDriverView {
                    factor: d.factor.clone(),
                    label: d.label.clone(),
                    label_zh: d.label_zh.clone(),
                    people: d.people,
                    action: d.action.key().to_owned(),
                    action_words: d.action_words.to_owned(),
                })
                .collect(),
        }
    }
}

/// The teams and lines of `scores` (the caller's reach, as [`reach_scores`] gives it), ranked.
pub(crate) async fn outlooks_of(
    state: &AppState,
    caller: &Caller,
    scores: &[tenure_store::StoredScore],
) -> Result<GroupOutlooks, ApiError> {
    let org = caller.org.id;
    let horizon_months = state
        .store
        .latest_horizon_months(org)
        .await?
        .map_or(12, |h| h.max(1) as u32);
    let roles = crate::web::roles_of(state, org).await?;
    let request = OutlookRequest {
        org,
        scores,
        manager: (caller.role == Role::Manager)
            .then(|| caller.scope.manager_key.as_deref().unwrap_or("")),
        horizon_months,
        min_group_size: caller.org.min_group_size,
    };
    group_outlooks(&state.store, &roles, &request)
        .await
        .map_err(|e| ApiError::from_monitor(e, "the teams' outlook not read"))
}

#[utoipa::path(get, path = "/api/v1/outlook", tag = "scores",
    responses((status = 200, description = "Teams and reporting lines in the caller's reach, ranked by expected voluntary leavers beyond their own last year", body = OutlookView),
              (status = 402, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn outlook(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OutlookView>, ApiError> {
    caller.require(Permission::ReadAggregates)?;
    let (model_version, scores) = reach_scores(&state, &caller).await?;
    let outlooks = outlooks_of(&state, &caller, &scores).await?;
    Ok(Json(OutlookView {
        model_version,
        as_of: outlooks.as_of.map(|d| d.to_string()),
        horizon_months: outlooks.horizon_months,
        team_column: outlooks.team_column.map(str::to_owned),
        teams: outlooks.teams.iter().map(GroupOutlookView::from).collect(),
        lines: outlooks.lines.iter().map(GroupOutlookView::from).collect(),
        hidden_teams: outlooks.hidden_teams,
        hidden_lines: outlooks.hidden_lines,
    }))
}
