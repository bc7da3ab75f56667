//! Kaplan–Meier curves of how long people stay, by any grouping of an organization's stored
//! data — a role column (department, team, manager, level), any other column, the hire-year
//! cohort or the tenure band people were in when first seen — and the log-rank test of whether
//! the groups differ.
//!
//! Panels are measured in months of tenure when a hire date is mapped: everyone hired before
//! the data began enters the curve at the tenure they had when first seen (late entry), so
//! the long-stayers who happen to be in the data do not make early leaving look rare. Without
//! a hire date, the clock starts at each person's first snapshot.

use crate::train::load;
use crate::{text_of, Grouping, MonitorError};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use tenure_domain::{OrgId, Outcome, RoleColumns, Shape, Snapshot, Value};
use tenure_model::survival::forecast::MIN_GROUP_SIZE;
use tenure_model::survival::kaplan_meier::{
    kaplan_meier_late_entry, log_rank_late_entry, LateEntry, LogRank, Observation, SurvivalCurve,
};

/// Band of a 95% confidence interval.
pub const CURVE_CONFIDENCE: f64 = 0.95;

#[derive(Debug, Clone, PartialEq)]
pub struct GroupCurve {
    pub group: String,
    pub people: usize,
    pub leavers: usize,
    pub curve: SurvivalCurve,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalReport {
    /// What the curves' time axis counts.
    pub axis: &'static str,
    pub grouping: String,
    pub overall: GroupCurve,
    /// Groups of at least five people, largest first.
    pub groups: Vec<GroupCurve>,
    /// Groups under five people, withheld.
    pub withheld_groups: usize,
    /// Across the groups shown; `None` with fewer than two.
    pub log_rank: Option<LogRank>,
}

/// A person's follow-up and the group they belong to.
struct Followed {
    follow_up: LateEntry,
    group: Option<String>,
}

pub async fn survival_by_group(
    store: &tenure_store::Store,
    org: OrgId,
    slug: &str,
    grouping: &str,
) -> Result<SurvivalReport, MonitorError> {
    let data = load(store, org, slug).await?;
    survival_of_snapshots(&data.snapshots, data.shape, &data.roles, grouping)
}

pub fn survival_of_snapshots(
    snapshots: &[Snapshot],
    shape: Shape,
    roles: &RoleColumns,
    grouping: &str,
) -> Result<SurvivalReport, MonitorError> {
    if !grouping_is_known(snapshots, roles, grouping) {
        return Err(MonitorError::UnknownGrouping(grouping.to_owned()));
    }
    let (axis, people) = match shape {
        Shape::Panel => panel_follow_ups(snapshots, roles, grouping),
        Shape::TimeToEvent => (
            "duration",
            time_to_event_follow_ups(snapshots, roles, grouping),
        ),
        Shape::CrossSection => return Err(MonitorError::NothingToForecastOver),
    };
    let mut by_group: BTreeMap<String, Vec<LateEntry>> = BTreeMap::new();
    for p in &people {
        by_group
            .entry(p.group.clone().unwrap_or_else(|| "(unknown)".into()))
            .or_default()
            .push(p.follow_up);
    }
    let everyone: Vec<LateEntry> = people.iter().map(|p| p.follow_up).collect();
    let shown: Vec<(String, Vec<LateEntry>)> = by_group
        .iter()
        .filter(|(_, members)| members.len() >= MIN_GROUP_SIZE)
        .map(|(g, m)| (g.clone(), m.clone()))
        .collect();
    let withheld_groups = by_group.len() - shown.len();
    let log_rank = log_rank_late_entry(&shown.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>());
    let mut groups: Vec<GroupCurve> = shown.into_iter().map(|(g, m)| group_curve(g, &m)).collect();
    groups.sort_by(|a, b| b.people.cmp(&a.people).then(a.group.cmp(&b.group)));
    Ok(SurvivalReport {
        axis,
        grouping: grouping.to_owned(),
        overall: group_curve("organization".into(), &everyone),
        groups,
        withheld_groups,
        log_rank,
    })
}

fn group_curve(group: String, members: &[LateEntry]) -> GroupCurve {
    GroupCurve {
        group,
        people: members.len(),
        leavers: members.iter().filter(|f| f.observation.event).count(),
        curve: kaplan_meier_late_entry(members, CURVE_CONFIDENCE),
    }
}

fn months_between(from: NaiveDate, to: NaiveDate) -> f64 {
    ((to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32) as f64
}

/// Each person's follow-up in a panel, and their group as of their last snapshot.
fn panel_follow_ups(
    snapshots: &[Snapshot],
    roles: &RoleColumns,
    grouping: &str,
) -> (&'static str, Vec<Followed>) {
    let mut by_person: BTreeMap<&str, Vec<&Snapshot>> = BTreeMap::new();
    for s in snapshots.iter().filter(|s| s.as_of.is_some()) {
        by_person.entry(s.person.as_str()).or_default().push(s);
    }
    let hire_date = |s: &Snapshot| match roles.hire_date.as_ref().and_then(|c| s.values.get(c)) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    };
    let has_hire_dates = snapshots.iter().any(|s| hire_date(s).is_some());
    let axis = if has_hire_dates {
        "tenure months"
    } else {
        "months since first snapshot"
    };
    let people = by_person
        .into_values()
        .filter_map(|mut history| {
            history.sort_by_key(|s| s.as_of);
            let (first, last) = (history[0], history[history.len() - 1]);
            let seen_from = first.as_of?;
            let exit = history.iter().find_map(|s| s.exit.clone());
            let start = if has_hire_dates {
                hire_date(last)?
            } else {
                seen_from
            };
            let (end, event) = match &exit {
                Some(e) => (e.date, e.voluntary),
                None => (last.as_of?, false),
            };
            let entry = months_between(start, seen_from);
            // Someone who left in the month they were first seen still counts.
            let time = months_between(start, end).max(entry + if event { 0.5 } else { 0.0 });
            let group = group_of(last, first, roles, grouping, entry);
            Some(Followed {
                follow_up: LateEntry {
                    entry: if has_hire_dates {
                        entry
                    } else {
                        f64::NEG_INFINITY
                    },
                    observation: Observation { time, event },
                },
                group,
            })
        })
        .filter(|f| {
            f.follow_up.observation.time > f.follow_up.entry || f.follow_up.observation.event
        })
        .collect();
    (axis, people)
}

fn time_to_event_follow_ups(
    snapshots: &[Snapshot],
    roles: &RoleColumns,
    grouping: &str,
) -> Vec<Followed> {
    snapshots
        .iter()
        .filter_map(|s| match s.outcome {
            Some(Outcome::Duration { duration, event }) => Some(Followed {
                follow_up: LateEntry {
                    entry: f64::NEG_INFINITY,
                    observation: Observation {
                        time: duration,
                        event,
                    },
                },
                group: group_of(s, s, roles, grouping, 0.0),
            }),
            _ => None,
        })
        .collect()
}

/// The person's group: a role's column, `hire-year`, `entry-tenure` (tenure band when first
/// seen) or any column by name, read from their latest snapshot.
fn group_of(
    latest: &Snapshot,
    first: &Snapshot,
    roles: &RoleColumns,
    grouping: &str,
    entry_months: f64,
) -> Option<String> {
    if let Some(role) = Grouping::parse(grouping) {
        return text_of(latest, role.column(roles)?);
    }
    match grouping {
        "hire-year" => match roles.hire_date.as_ref().and_then(|c| first.values.get(c)) {
            Some(Value::Date(d)) => Some(d.year().to_string()),
            _ => None,
        },
        "entry-tenure" => Some(tenure_band(entry_months).to_owned()),
        column => text_of(latest, column),
    }
}

fn tenure_band(months: f64) -> &'static str {
    match months {
        m if m < 12.0 => "under 1 year",
        m if m < 24.0 => "1–2 years",
        m if m < 60.0 => "2–5 years",
        _ => "5 years or more",
    }
}

/// Whether `grouping` names something this data can group by.
fn grouping_is_known(snapshots: &[Snapshot], roles: &RoleColumns, grouping: &str) -> bool {
    if let Some(role) = Grouping::parse(grouping) {
        return role.column(roles).is_some();
    }
    match grouping {
        "hire-year" => roles.hire_date.is_some(),
        "entry-tenure" => roles.hire_date.is_some(),
        column => snapshots.iter().any(|s| s.values.contains_key(column)),
    }
}
