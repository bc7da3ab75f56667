//! Teams and managers' reporting lines ranked by what they are about to lose against their
//! own last year: each group's expected voluntary leavers (its people's current scores) with
//! their interval, last year's voluntary leavers at today's size, and the drivers its people
//! share with the supportive step each suggests — aggregates only, no person named.
//!
//! Last year is read from the store without loading the history: the snapshot month a year
//! before the latest (or the earliest, for a shorter history) for the groups' sizes then, and
//! the voluntary leavers since with their last snapshot for the group they left from.

use crate::report::stored_explanation;
use crate::MonitorError;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use tenure_domain::{
    hidden_groups, rank_outlooks, GroupOutlook, Language, OrgId, PastYear, RoleColumns,
    SupportiveAction, Value,
};
use tenure_store::{Store, StoredScore};

/// Drivers listed for a group.
const SHARED_DRIVERS: usize = 3;
/// A person's strongest raising factors that count as what they share with the group.
const DRIVERS_PER_PERSON: usize = 3;

/// Whose groups to rank.
pub struct OutlookRequest<'a> {
    pub org: OrgId,
    /// The current scores the viewer may see (their reach).
    pub scores: &'a [StoredScore],
    /// A manager viewing: their key. Their own line and the lines inside it are ranked, and
    /// last year counts only people who were in it.
    pub manager: Option<&'a str>,
    /// The model's horizon, over which the scores' chances run.
    pub horizon_months: u32,
    /// Groups under this many people are hidden (and others with them where a hidden one
    /// could be worked out).
    pub min_group_size: usize,
}

/// Teams (departments where no team column is mapped) and reporting lines, ranked.
#[derive(Debug, Clone, Serialize)]
pub struct GroupOutlooks {
    /// The month the scores are of; last year ends there.
    pub as_of: Option<NaiveDate>,
    pub horizon_months: u32,
    /// "team" or "department": the column teams are read from.
    pub team_column: Option<&'static str>,
    pub teams: Vec<RankedGroup>,
    /// Lines by manager: everyone under them, directly or through other managers.
    pub lines: Vec<RankedGroup>,
    /// Groups not shown because they are small (or would give a small one away).
    pub hidden_teams: usize,
    pub hidden_lines: usize,
}

/// One group's outlook and what its people share.
#[derive(Debug, Clone, Serialize)]
pub struct RankedGroup {
    #[serde(flatten)]
    pub outlook: GroupOutlook,
    pub shared_drivers: Vec<SharedDriver>,
}

/// A factor raising the risk of several of a group's people.
#[derive(Debug, Clone, Serialize)]
pub struct SharedDriver {
    pub factor: String,
    pub label: String,
    pub label_zh: String,
    /// How many of the group's people it is among the strongest raising factors of.
    pub people: usize,
    pub action: SupportiveAction,
    pub action_words: &'static str,
}

impl GroupOutlooks {
    /// The team or line named, if shown.
    pub fn find(&self, line: bool, name: &str) -> Option<&RankedGroup> {
        let groups = if line { &self.lines } else { &self.teams };
        groups.iter().find(|g| g.outlook.group == name)
    }
}

/// Ranks the teams and lines of `request.scores`.
pub async fn group_outlooks(
    store: &Store,
    roles: &RoleColumns,
    request: &OutlookRequest<'_>,
) -> Result<GroupOutlooks, MonitorError> {
    let scores: Vec<&StoredScore> = request
        .scores
        .iter()
        .filter(|s| s.score.probability.is_some())
        .collect();
    let team_column = team_column(roles);
    let as_of = scores
        .iter()
        .filter_map(|s| NaiveDate::parse_from_str(&s.score.as_of, "%Y-%m-%d").ok())
        .max();
    let past = match as_of {
        Some(as_of) => past_year(store, request.org, roles, team_column, as_of).await?,
        None => None,
    };
    let tree = ManagerTree::new(&scores, past.as_ref());
    // Each leaver under every manager above them, found in one walk per leaver.
    let mut left_under: HashMap<&str, Vec<&Placed>> = HashMap::new();
    for leaver in past.iter().flat_map(|p| &p.left) {
        for manager in tree.ancestors_when_left(&leaver.person) {
            left_under.entry(manager).or_default().push(leaver);
        }
    }
    let viewer_line = request.manager.map(|m| tree.line_of(m));
    // Last year's people, for a manager viewing: only their line's (in it now, or left from it).
    let viewer_left: Option<HashSet<&str>> = request.manager.map(|m| {
        left_under
            .get(m)
            .into_iter()
            .flatten()
            .map(|l| l.person.as_str())
            .collect()
    });
    let counted = |person: &str| match (&viewer_line, &viewer_left) {
        (Some(line), Some(left)) => line.contains(person) || left.contains(person),
        _ => true,
    };

    let team_of = |s: &StoredScore| match team_column {
        Some(TeamColumn::Team) => s.score.groups.team.clone(),
        Some(TeamColumn::Department) => s.score.groups.department.clone(),
        None => None,
    };
    let mut teams: BTreeMap<String, Vec<&StoredScore>> = BTreeMap::new();
    for s in &scores {
        if let Some(team) = team_of(s) {
            teams.entry(team).or_default().push(s);
        }
    }
    // Each team's headcount at the start and leavers since, in one pass over each list.
    let by_team = |placed: &'_ [Placed]| -> HashMap<String, usize> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for p in placed.iter().filter(|p| counted(&p.person)) {
            if let Some(team) = &p.team {
                *counts.entry(team.clone()).or_default() += 1;
            }
        }
        counts
    };
    let (start_by_team, left_by_team) = match &past {
        Some(p) => (by_team(&p.start), by_team(&p.left)),
        None => Default::default(),
    };
    let team_past = |team: &str| {
        past.as_ref().and_then(|p| {
            let start = start_by_team.get(team).copied().unwrap_or(0);
            let leavers = left_by_team.get(team).copied().unwrap_or(0);
            p.year(start, leavers, teams.get(team).map_or(0, Vec::len))
        })
    };
    let team_groups: Vec<(String, Vec<&StoredScore>, Option<PastYear>)> = teams
        .iter()
        .map(|(team, people)| (team.clone(), people.clone(), team_past(team)))
        .collect();

    let managers: Vec<&str> = match request.manager {
        Some(viewer) => std::iter::once(viewer)
            .chain(
                tree.managers()
                    .filter(|m| viewer_line.as_ref().is_some_and(|l| l.contains(*m))),
            )
            .collect(),
        None => tree.managers().collect(),
    };
    let by_person: HashMap<&str, &StoredScore> = scores
        .iter()
        .map(|s| (s.score.person.as_str(), *s))
        .collect();
    let mut line_groups = Vec::new();
    for manager in managers {
        let line = tree.line_of(manager);
        let people: Vec<&StoredScore> = line
            .iter()
            .filter_map(|p| by_person.get(p.as_str()).copied())
            .collect();
        if people.is_empty() {
            continue;
        }
        // A line's own last year is that of its people: those in it now and those who left
        // from it (under it through their last manager), counted at the start if they were
        // employed then — whoever managed them, so a new manager inherits the team's past.
        let past_year = past.as_ref().and_then(|p| {
            let left: &[&Placed] = left_under.get(manager).map_or(&[], Vec::as_slice);
            let start = people
                .iter()
                .map(|s| s.score.person.as_str())
                .chain(left.iter().map(|l| l.person.as_str()))
                .filter(|person| p.employed_at_start.contains(*person))
                .count();
            p.year(start, left.len(), people.len())
        });
        line_groups.push((manager.to_owned(), people, past_year));
    }

    let (teams, hidden_teams) = ranked(team_groups, roles, request);
    let (lines, hidden_lines) = ranked(line_groups, roles, request);
    Ok(GroupOutlooks {
        as_of,
        horizon_months: request.horizon_months,
        team_column: team_column.map(TeamColumn::name),
        teams,
        lines,
        hidden_teams,
        hidden_lines,
    })
}

/// The groups' outlooks, small ones hidden, in rank order; and how many were hidden.
fn ranked(
    groups: Vec<(String, Vec<&StoredScore>, Option<PastYear>)>,
    roles: &RoleColumns,
    request: &OutlookRequest<'_>,
) -> (Vec<RankedGroup>, usize) {
    let sizes: Vec<usize> = groups.iter().map(|(_, people, _)| people.len()).collect();
    let hidden = hidden_groups(&sizes, request.min_group_size);
    let hidden_count = hidden.iter().filter(|h| **h).count();
    let mut shown: Vec<RankedGroup> = groups
        .into_iter()
        .zip(hidden)
        .filter(|(_, hidden)| !hidden)
        .map(|((name, people, past), _)| {
            let chances: Vec<f64> = people.iter().filter_map(|s| s.score.probability).collect();
            RankedGroup {
                outlook: GroupOutlook::of(name, &chances, past, request.horizon_months),
                shared_drivers: shared_drivers(&people, roles),
            }
        })
        .collect();
    let mut outlooks: Vec<GroupOutlook> = shown.iter().map(|g| g.outlook.clone()).collect();
    rank_outlooks(&mut outlooks);
    let order: HashMap<&str, usize> = outlooks
        .iter()
        .enumerate()
        .map(|(i, o)| (o.group.as_str(), i))
        .collect();
    shown.sort_by_key(|g| order[g.outlook.group.as_str()]);
    (shown, hidden_count)
}

/// The factors most often among the strongest raising the risk of the group's people.
fn shared_drivers(people: &[&StoredScore], roles: &RoleColumns) -> Vec<SharedDriver> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in people {
        let explanation = stored_explanation(&s.score.drivers);
        for factor in explanation.raising(DRIVERS_PER_PERSON) {
            *counts.entry(factor.factor.clone()).or_default() += 1;
        }
    }
    let mut shared: Vec<(String, usize)> = counts.into_iter().filter(|(_, n)| *n >= 2).collect();
    shared.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    shared
        .into_iter()
        .take(SHARED_DRIVERS)
        .map(|(factor, people)| {
            let role = roles.columns().find(|(_, c)| *c == factor).map(|(r, _)| r);
            let action = SupportiveAction::for_driver(role, &factor);
            SharedDriver {
                label: roles.label(&factor, Language::English),
                label_zh: roles.label(&factor, Language::Chinese),
                factor,
                people,
                action,
                action_words: action.words(),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum TeamColumn {
    Team,
    Department,
}

impl TeamColumn {
    fn name(self) -> &'static str {
        match self {
            TeamColumn::Team => "team",
            TeamColumn::Department => "department",
        }
    }
}

fn team_column(roles: &RoleColumns) -> Option<TeamColumn> {
    if roles.team.is_some() {
        Some(TeamColumn::Team)
    } else if roles.department.is_some() {
        Some(TeamColumn::Department)
    } else {
        None
    }
}

/// A person's groups as a snapshot recorded them (their manager: leavers only).
struct Placed {
    person: String,
    team: Option<String>,
    manager: Option<String>,
}

/// The past year: who was where at its start, and who left voluntarily since, from where.
struct Past {
    months: u32,
    start: Vec<Placed>,
    employed_at_start: HashSet<String>,
    left: Vec<Placed>,
}

/// The snapshot month a year before `as_of` (or the earliest, for a shorter history), its
/// people's groups, and the voluntary leavers since. `None` for undated data or a single month.
async fn past_year(
    store: &Store,
    org: OrgId,
    roles: &RoleColumns,
    team_column: Option<TeamColumn>,
    as_of: NaiveDate,
) -> Result<Option<Past>, MonitorError> {
    let dates = store.as_of_dates(org).await?;
    let year_before = as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of);
    let Some(start) = dates
        .iter()
        .rev()
        .find(|d| **d <= year_before)
        .or_else(|| dates.first())
        .copied()
    else {
        return Ok(None);
    };
    let months = months_between(start, as_of);
    if months == 0 {
        return Ok(None);
    }
    let team = team_column.and_then(|c| match c {
        TeamColumn::Team => roles.team.clone(),
        TeamColumn::Department => roles.department.clone(),
    });
    let manager = roles.manager.clone();
    let frame = store.snapshot_frame_at(org, start).await?;
    let team_index = team.as_deref().and_then(|c| frame.column_index(c));
    // Lines read their past from the people in them, not from the start's managers.
    let start_people: Vec<Placed> = (0..frame.len())
        .map(|row| Placed {
            person: frame.person(row).to_string(),
            team: team_index.and_then(|c| frame.cell_text(row, c)),
            manager: None,
        })
        .collect();
    let leavers = store.voluntary_leavers_after(org, start).await?;
    let text = |snapshot: &tenure_domain::Snapshot, column: &Option<String>| {
        column
            .as_ref()
            .and_then(|c| snapshot.values.get(c))
            .filter(|v| !matches!(v, Value::Missing))
            .map(ToString::to_string)
    };
    let left = store
        .latest_snapshots_of(org, &leavers)
        .await?
        .into_iter()
        .map(|s| Placed {
            person: s.snapshot.person.to_string(),
            team: text(&s.snapshot, &team),
            manager: text(&s.snapshot, &manager),
        })
        .collect();
    Ok(Some(Past {
        months,
        employed_at_start: start_people.iter().map(|p| p.person.clone()).collect(),
        start: start_people,
        left,
    }))
}

impl Past {
    /// A group's past year from its headcount at the start and now and its leavers since;
    /// `None` for a group no one was in at the start (new since): half its people for an
    /// average headcount would double its pace.
    fn year(&self, start: usize, leavers: usize, now: usize) -> Option<PastYear> {
        (start > 0).then(|| PastYear {
            voluntary_leavers: leavers,
            average_headcount: (start + now) as f64 / 2.0,
            months: self.months,
        })
    }
}

fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    months.max(0) as u32
}

/// Who reports to whom: today's scores, and the leavers' last snapshots for people no longer
/// scored. Used to place a person in every line above them.
struct ManagerTree {
    now: HashMap<String, String>,
    then: HashMap<String, String>,
    /// Today's direct reports of each manager.
    reports: Reports,
}

impl ManagerTree {
    fn new(scores: &[&StoredScore], past: Option<&Past>) -> ManagerTree {
        let now: HashMap<String, String> = scores
            .iter()
            .filter_map(|s| Some((s.score.person.clone(), s.score.groups.manager.clone()?)))
            .collect();
        let mut then: HashMap<String, String> = HashMap::new();
        if let Some(past) = past {
            for placed in &past.left {
                if let Some(m) = &placed.manager {
                    then.insert(placed.person.clone(), m.clone());
                }
            }
        }
        let reports = Reports::of(now.iter().map(|(p, m)| (p.as_str(), m.as_str())));
        ManagerTree { now, then, reports }
    }

    /// Everyone who manages someone scored today, in order.
    fn managers(&self) -> impl Iterator<Item = &str> {
        let set: std::collections::BTreeSet<&str> = self.now.values().map(String::as_str).collect();
        set.into_iter()
    }

    /// Everyone under `manager` today, directly or through other managers.
    fn line_of(&self, manager: &str) -> HashSet<String> {
        self.reports.line_of(manager)
    }

    /// The managers above `person`, who left: their manager when they left, then that
    /// manager's managers today.
    fn ancestors_when_left<'a>(&'a self, person: &str) -> impl Iterator<Item = &'a str> {
        let mut seen = HashSet::new();
        let mut next = self.then.get(person).map(String::as_str);
        std::iter::from_fn(move || {
            let current = next?;
            if !seen.insert(current) {
                return None; // a loop in the data: stop rather than spin
            }
            next = self
                .now
                .get(current)
                .or_else(|| self.then.get(current))
                .map(String::as_str);
            Some(current)
        })
    }
}

/// Each manager's direct reports: a reporting line is read from it by walking down.
pub struct Reports(HashMap<String, Vec<String>>);

impl Reports {
    /// From (person, their manager) pairs.
    pub fn of<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Reports {
        let mut reports: HashMap<String, Vec<String>> = HashMap::new();
        for (person, boss) in pairs {
            reports
                .entry(boss.to_owned())
                .or_default()
                .push(person.to_owned());
        }
        Reports(reports)
    }

    /// Everyone under `manager`: direct reports, and theirs when managers are people in the
    /// data.
    pub fn line_of(&self, manager: &str) -> HashSet<String> {
        let mut line = HashSet::new();
        let mut frontier = vec![manager];
        while let Some(boss) = frontier.pop() {
            for person in self.0.get(boss).into_iter().flatten() {
                if line.insert(person.clone()) {
                    frontier.push(person);
                }
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_between_counts_calendar_months() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(months_between(d("2024-08-01"), d("2025-08-01")), 12);
        assert_eq!(months_between(d("2025-03-01"), d("2025-08-01")), 5);
        assert_eq!(months_between(d("2025-08-01"), d("2025-08-01")), 0);
    }
}
