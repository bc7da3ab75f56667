//! What a month's people are compared with: the medians of numeric columns by peer group and
//! by team, the teams' voluntary leavers, and which columns hold which kinds. A long-lived
//! process keeps a month's running tally ([`MonthFigures`]) and moves it as snapshots change,
//! so re-scoring a person after an event reads their groups' figures off it
//! ([`MonthComparisons`]) instead of passing over the month again.

use super::{month_index, peer_group, team_of};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use tenure_domain::{RoleColumns, Snapshot, Value};

/// One month's figures for the groups of a few people: what [`super::latest_person_months_of`]
/// needs besides their own histories.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthComparisons {
    pub(super) month: i32,
    pub(super) numeric: Vec<String>,
    pub(super) categorical: Vec<String>,
    pub(super) dates: Vec<String>,
    /// Peer group → column → median.
    pub(super) peers: HashMap<String, HashMap<String, f64>>,
    /// Team → column → median.
    pub(super) teams: HashMap<String, HashMap<String, f64>>,
    /// Team → (exit date, person) of its voluntary leavers, in that order.
    pub(super) exits: HashMap<String, Vec<(NaiveDate, String)>>,
}

/// A month's figures for every peer group and team, from the snapshots given to it: that
/// month's snapshots (their values and kinds) and recent leavers' last ones (their exits and
/// kinds). Snapshots are added and removed one at a time, each with its
/// [`super::comparison_groups`]; the figures are always those of the snapshots it holds.
#[derive(Debug, Clone)]
pub struct MonthFigures {
    month: i32,
    /// By peer group (index 0) and by team (index 1).
    groups: [HashMap<String, Tally>; 2],
}

/// One group's running figures.
#[derive(Debug, Clone, Default)]
struct Tally {
    /// Column → the values the group's snapshots of the month hold, sorted.
    values: HashMap<String, Vec<f64>>,
    /// Column → how many of the group's snapshots hold it as a number, a category, a date.
    kinds: HashMap<String, [usize; 3]>,
    /// Voluntary leavers (kept for teams only).
    exits: Vec<(NaiveDate, String)>,
}

const TEAM: usize = 1;

fn kind_of(value: &Value) -> Option<usize> {
    match value {
        Value::Number(_) => Some(0),
        Value::Category(_) => Some(1),
        Value::Date(_) => Some(2),
        Value::Missing => None,
    }
}

/// A change to a group's figures: a snapshot joins or leaves it.
#[derive(Clone, Copy, PartialEq)]
enum Change {
    Join,
    Leave,
}

impl MonthFigures {
    /// The figures of month `as_of` from these snapshots, each with its comparison groups.
    pub fn new<'s>(
        as_of: NaiveDate,
        snapshots: impl IntoIterator<Item = (&'s Snapshot, &'s [Option<String>; 2])>,
    ) -> MonthFigures {
        let mut figures = MonthFigures {
            month: month_index(as_of),
            groups: Default::default(),
        };
        // Values are sorted once at the end, not kept in order one insertion at a time.
        for (snapshot, groups) in snapshots {
            figures.change(snapshot, groups, Change::Join, false);
        }
        for tally in figures.groups.iter_mut().flat_map(HashMap::values_mut) {
            for xs in tally.values.values_mut() {
                xs.sort_by(f64::total_cmp);
            }
        }
        figures
    }

    /// Counts a snapshot in (with its comparison groups).
    pub fn add(&mut self, snapshot: &Snapshot, groups: &[Option<String>; 2]) {
        self.change(snapshot, groups, Change::Join, true);
    }

    /// Counts a snapshot out: the same snapshot, with the same groups, that was counted in.
    pub fn remove(&mut self, snapshot: &Snapshot, groups: &[Option<String>; 2]) {
        self.change(snapshot, groups, Change::Leave, true);
    }

    fn change(
        &mut self,
        snapshot: &Snapshot,
        groups: &[Option<String>; 2],
        change: Change,
        keep_sorted: bool,
    ) {
        let in_month = snapshot.as_of.map(month_index) == Some(self.month);
        for (by_group, (index, group)) in self.groups.iter_mut().zip(groups.iter().enumerate()) {
            let Some(group) = group else {
                continue;
            };
            let tally = match by_group.get_mut(group.as_str()) {
                Some(tally) => tally,
                None if change == Change::Leave => continue,
                None => by_group.entry(group.clone()).or_default(),
            };
            tally.count(snapshot, change);
            if in_month {
                tally.move_values(snapshot, change, keep_sorted);
            }
            if index == TEAM {
                tally.move_exit(snapshot, change);
            }
        }
    }

    /// The figures of the groups of `people` (their snapshots this month).
    pub fn comparisons(&self, people: &[&Snapshot], roles: &RoleColumns) -> MonthComparisons {
        let wanted: [BTreeSet<String>; 2] = [
            people.iter().filter_map(|s| peer_group(s, roles)).collect(),
            people.iter().filter_map(|s| team_of(s, roles)).collect(),
        ];
        let mut kinds: [BTreeSet<&str>; 3] = Default::default();
        let mut medians: [HashMap<String, HashMap<String, f64>>; 2] = Default::default();
        let mut exits = HashMap::new();
        for (index, names) in wanted.iter().enumerate() {
            for name in names {
                let Some(tally) = self.groups[index].get(name) else {
                    continue;
                };
                for (column, counts) in &tally.kinds {
                    for (kind, _) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
                        kinds[kind].insert(column);
                    }
                }
                let group_medians: HashMap<String, f64> = tally
                    .values
                    .iter()
                    .filter(|(_, xs)| !xs.is_empty())
                    // The upper median, as the whole panel's figures take it.
                    .map(|(column, xs)| (column.clone(), xs[xs.len() / 2]))
                    .collect();
                if !group_medians.is_empty() {
                    medians[index].insert(name.clone(), group_medians);
                }
                if index == TEAM && !tally.exits.is_empty() {
                    let mut leavers = tally.exits.clone();
                    leavers.sort();
                    exits.insert(name.clone(), leavers);
                }
            }
        }
        let [numeric, categorical, dates] =
            kinds.map(|columns| columns.into_iter().map(str::to_owned).collect());
        let [peers, teams] = medians;
        MonthComparisons {
            month: self.month,
            numeric,
            categorical,
            dates,
            peers,
            teams,
            exits,
        }
    }
}

impl Tally {
    fn count(&mut self, snapshot: &Snapshot, change: Change) {
        for (column, value) in &snapshot.values {
            let Some(kind) = kind_of(value) else {
                continue;
            };
            let counts = match self.kinds.get_mut(column.as_str()) {
                Some(counts) => counts,
                None => self.kinds.entry(column.clone()).or_default(),
            };
            counts[kind] = match change {
                Change::Join => counts[kind] + 1,
                Change::Leave => counts[kind].saturating_sub(1),
            };
        }
    }

    fn move_values(&mut self, snapshot: &Snapshot, change: Change, keep_sorted: bool) {
        for (column, value) in &snapshot.values {
            let Value::Number(x) = *value else {
                continue;
            };
            let xs = match self.values.get_mut(column.as_str()) {
                Some(xs) => xs,
                None if change == Change::Leave => continue,
                None => self.values.entry(column.clone()).or_default(),
            };
            let at = xs.partition_point(|v| v.total_cmp(&x).is_lt());
            match change {
                Change::Join if keep_sorted => xs.insert(at, x),
                Change::Join => xs.push(x),
                Change::Leave => {
                    if xs.get(at).is_some_and(|v| v.total_cmp(&x).is_eq()) {
                        xs.remove(at);
                    }
                }
            }
        }
    }

    fn move_exit(&mut self, snapshot: &Snapshot, change: Change) {
        let Some(exit) = snapshot.exit.as_ref().filter(|e| e.voluntary) else {
            return;
        };
        let leaver = (exit.date, snapshot.person.to_string());
        match change {
            Change::Join => self.exits.push(leaver),
            Change::Leave => {
                if let Some(at) = self.exits.iter().position(|e| *e == leaver) {
                    self.exits.swap_remove(at);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::comparison_groups;
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use tenure_domain::{Exit, PersonKey};

    fn roles() -> RoleColumns {
        RoleColumns {
            level: Some("level".into()),
            team: Some("team".into()),
            department: Some("dept".into()),
            ..Default::default()
        }
    }

    fn month(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Months::new(m)
    }

    /// Person `p` in month `m`: pay, level 1–3, one of two departments and three teams, a
    /// voluntary leaver when `left`.
    fn snapshot(p: u32, m: u32, pay: f64, level: u8, team: u8, left: bool) -> Snapshot {
        Snapshot {
            person: PersonKey::parse(&format!("p{p}")).unwrap(),
            as_of: Some(month(m)),
            values: BTreeMap::from([
                ("pay".to_string(), Value::Number(pay)),
                ("level".to_string(), Value::Number(f64::from(level))),
                (
                    "dept".to_string(),
                    Value::Category(format!("D{}", team % 2)),
                ),
                ("team".to_string(), Value::Category(format!("T{team}"))),
            ]),
            protected: BTreeMap::new(),
            exit: left.then(|| Exit {
                date: month(m) + chrono::Days::new(3),
                kind: None,
                voluntary: true,
            }),
            outcome: None,
        }
    }

    fn grouped(snapshots: &[Snapshot]) -> Vec<(&Snapshot, [Option<String>; 2])> {
        snapshots
            .iter()
            .map(|s| (s, comparison_groups(s, &roles())))
            .collect()
    }

    fn built(snapshots: &[Snapshot]) -> MonthFigures {
        let grouped = grouped(snapshots);
        MonthFigures::new(month(6), grouped.iter().map(|(s, g)| (*s, g)))
    }

    prop_compose! {
        fn month_of_people()(rows in prop::collection::vec(
            (50.0..150.0f64, 1u8..4, 0u8..3, 4u32..7, prop::bool::weighted(0.15)), 1..40)
        ) -> Vec<Snapshot> {
            rows.into_iter()
                .enumerate()
                .map(|(p, (pay, level, team, m, left))| {
                    // Leavers' last snapshots may be of earlier months; everyone else is of month 6.
                    let m = if left { m } else { 6 };
                    snapshot(p as u32, m, pay.round(), level, team, left)
                })
                .collect()
        }
    }

    proptest! {
        /// Taking people's snapshots out and putting changed ones in leaves exactly the figures
        /// a tally of the changed month from scratch gives, for every group.
        #[test]
        fn figures_moved_snapshot_by_snapshot_equal_figures_worked_out_afresh(
            before in month_of_people(),
            changes in prop::collection::vec((any::<prop::sample::Index>(), 50.0..150.0f64, 0u8..3, any::<bool>()), 1..8),
        ) {
            let mut after = before.clone();
            let mut moved = built(&before);
            for (which, pay, team, leaves) in changes {
                let at = which.index(after.len());
                let old = after[at].clone();
                let level = old.values["level"].as_number().unwrap() as u8;
                let new = snapshot(at as u32, 6, pay.round(), level, team, leaves);
                moved.remove(&old, &comparison_groups(&old, &roles()));
                moved.add(&new, &comparison_groups(&new, &roles()));
                after[at] = new;
            }
            let fresh = built(&after);
            let everyone: Vec<&Snapshot> = after.iter().collect();
            prop_assert_eq!(
                moved.comparisons(&everyone, &roles()),
                fresh.comparisons(&everyone, &roles())
            );
        }
    }

    #[test]
    fn a_persons_figures_are_their_peer_groups_and_teams_medians_and_leavers() {
        let month_of = [
            snapshot(1, 6, 100.0, 1, 0, false),
            snapshot(2, 6, 120.0, 1, 0, false),
            snapshot(3, 6, 90.0, 1, 1, false),
            snapshot(4, 6, 300.0, 2, 0, false),
            snapshot(5, 4, 80.0, 1, 0, true),
        ];
        let figures = built(&month_of);
        let got = figures.comparisons(&[&month_of[0]], &roles());
        // Peers: department D0, level 1 — persons 1 and 2 (person 5's snapshot is of month 4).
        assert_eq!(got.peers["D0\u{1f}1"]["pay"], 120.0);
        // Team T0: persons 1, 2 and 4 this month.
        assert_eq!(got.teams["T0"]["pay"], 120.0);
        assert_eq!(
            got.exits["T0"],
            vec![(month(4) + chrono::Days::new(3), "p5".into())]
        );
        assert_eq!(got.peers.len(), 1, "only the person's own groups");
        assert_eq!(got.numeric, vec!["level".to_string(), "pay".to_string()]);
        assert_eq!(
            got.categorical,
            vec!["dept".to_string(), "team".to_string()]
        );
    }
}
