//! Features and labels of a monthly panel. Every feature of a person-month is computed from
//! that person's (and their team's) history up to the as-of date and nothing after it: the
//! rows are walked in time order and only the past is ever indexed.
//!
//! Derived from whatever columns the export has, so they work on any HRIS, not only ours:
//! - each numeric column: its change over 3, 6 and 12 months, the months since it last rose,
//!   and its ratio to the median of peers (same department and level, or whichever of the two
//!   the mapping names) that month — for pay, the compa-ratio;
//! - each categorical column: months since it last changed and its changes in 12 months (a
//!   manager or team column gives manager changes);
//! - each numeric column's median in the person's team that month;
//! - each date column (a last promotion, say): months since that date;
//! - teammates' voluntary exits in the last 6 months; tenure; month of year.

use crate::abstention::Evidence;
use crate::table::{ColumnKind, FeatureTable, TableBuilder};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use tenure_domain::{FrameColumn, RoleColumns, Snapshot, SnapshotFrame, Value};

mod comparisons;
pub use comparisons::{MonthComparisons, MonthFigures};

/// What a panel feature is: one of the user's columns as it stands, or something derived
/// from the history. Names are made and read back here only, so explanations can always say
/// which of the user's columns a feature came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Derived {
    /// The column's value as the export gives it (also every cross-section column).
    Value(String),
    /// Change over this many months.
    Change(String, i32),
    MonthsSinceRose(String),
    /// Ratio to the peer median (same department and level).
    VsPeers(String),
    /// The median of the column in the person's team.
    TeamMedian(String),
    MonthsSinceChanged(String),
    Changes12m(String),
    /// Months from a date column's date to the as-of date (a last promotion, say).
    MonthsSinceDate(String),
    TeammatesLeft,
    Tenure,
    MonthOfYear,
}

impl Derived {
    pub fn name(&self) -> String {
        match self {
            Derived::Value(c) => c.clone(),
            Derived::Change(c, months) => format!("{c} change {months}m"),
            Derived::MonthsSinceRose(c) => format!("months since {c} rose"),
            Derived::VsPeers(c) => format!("{c} vs peers"),
            Derived::TeamMedian(c) => format!("team median {c}"),
            Derived::MonthsSinceChanged(c) => format!("months since {c} changed"),
            Derived::Changes12m(c) => format!("{c} changes 12m"),
            Derived::MonthsSinceDate(c) => format!("months since {c}"),
            Derived::TeammatesLeft => "teammates left 6m".into(),
            Derived::Tenure => "tenure months".into(),
            Derived::MonthOfYear => "month of year".into(),
        }
    }

    /// Whether the feature named `name` is a clock: a count of months that grows by one each
    /// month while nothing happens (tenure, months since a raise, a change or a date). The
    /// same names [`Derived::parse`] reads as `Tenure` or `MonthsSince…`, told without
    /// allocating, since forecasting asks it of every input of every row.
    pub fn is_clock(name: &str) -> bool {
        name == "tenure months" || name.starts_with("months since ")
    }

    /// Reads a feature name back; anything not derived is a column's own value.
    pub fn parse(name: &str) -> Derived {
        let owned = |c: &str| c.to_owned();
        match name {
            "teammates left 6m" => return Derived::TeammatesLeft,
            "tenure months" => return Derived::Tenure,
            "month of year" => return Derived::MonthOfYear,
            _ => {}
        }
        if let Some(c) = name
            .strip_prefix("months since ")
            .and_then(|r| r.strip_suffix(" rose"))
        {
            return Derived::MonthsSinceRose(owned(c));
        }
        if let Some(c) = name
            .strip_prefix("months since ")
            .and_then(|r| r.strip_suffix(" changed"))
        {
            return Derived::MonthsSinceChanged(owned(c));
        }
        if let Some(c) = name.strip_prefix("months since ") {
            return Derived::MonthsSinceDate(owned(c));
        }
        if let Some(c) = name.strip_prefix("team median ") {
            return Derived::TeamMedian(owned(c));
        }
        if let Some(c) = name.strip_suffix(" vs peers") {
            return Derived::VsPeers(owned(c));
        }
        if let Some(c) = name.strip_suffix(" changes 12m") {
            return Derived::Changes12m(owned(c));
        }
        for window in CHANGE_WINDOWS {
            if let Some(c) = name.strip_suffix(&format!(" change {window}m")) {
                return Derived::Change(owned(c), window);
            }
        }
        Derived::Value(owned(name))
    }
}

/// One person-month ready for a learner: its inputs (original and derived) and, when the
/// outcome is already known, whether a voluntary exit followed within the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMonth {
    /// Index of the snapshot in the input.
    pub snapshot: usize,
    pub as_of: NaiveDate,
    pub values: BTreeMap<String, Value>,
    /// `None` while the horizon has not fully passed (and the person has not left).
    pub label: Option<bool>,
    /// What the data shows, for deciding whether to score at all.
    pub evidence: Evidence,
}

/// Month number for arithmetic on as-of dates.
fn month_index(date: NaiveDate) -> i32 {
    date.year() * 12 + date.month0() as i32
}

pub const TEAM_WINDOW_MONTHS: i32 = 6;
const CHANGE_WINDOWS: [i32; 3] = [3, 6, 12];

/// A person's rows in time order, and their exits.
struct History {
    rows: Vec<usize>,
    /// How many of the first rows have no date (they sort first).
    undated: usize,
    exits: Exits,
}

impl History {
    /// The row of month `month`, if the person has one.
    fn at_month(&self, frame: &SnapshotFrame, month: i32) -> Option<usize> {
        let i = self
            .rows
            .binary_search_by_key(&Some(month), |&r| frame.as_of(r).map(month_index))
            .ok()?;
        Some(self.rows[i])
    }
}

/// A person's exits as their snapshots record them: the voluntary one (the last such
/// record) and the latest of any kind.
#[derive(Debug, Clone, Copy, Default)]
struct Exits {
    voluntary: Option<NaiveDate>,
    any: Option<NaiveDate>,
}

impl Exits {
    fn record(&mut self, exit: &tenure_domain::Exit) {
        self.any = Some(self.any.map_or(exit.date, |d| d.max(exit.date)));
        if exit.voluntary {
            self.voluntary = Some(exit.date);
        }
    }
}

/// Builds every dated snapshot's person-month. `horizon_months` is the label's horizon;
/// `data_end` the last as-of date of the whole panel (outcomes after it are unknown).
pub fn person_months(
    snapshots: &[Snapshot],
    roles: &RoleColumns,
    horizon_months: i32,
) -> Vec<PersonMonth> {
    person_months_of(snapshots, roles, horizon_months, None)
}

/// [`person_months`] of `only` these people (all when `None`). The others' snapshots still
/// count for their peers' and teams' figures, so re-scoring a few people after an event needs
/// only the slice of the panel they are compared with, not all of it.
pub fn person_months_of(
    snapshots: &[Snapshot],
    roles: &RoleColumns,
    horizon_months: i32,
    only: Option<&std::collections::HashSet<&str>>,
) -> Vec<PersonMonth> {
    let rows = Rows {
        only,
        latest_only: false,
        compared: &[],
    };
    build_person_months(snapshots, roles, horizon_months, rows)
}

/// Each of `people`'s latest dated person-month: the row they are scored on now. The same rows
/// [`person_months_of`] gives them for those months, without building the earlier months —
/// which, with a history of years, were nearly all the work of re-scoring after an event.
///
/// `frame` may hold only the people's own histories when `compared` gives the figures of
/// their latest months (see [`MonthComparisons`]); otherwise it must hold everyone they are
/// compared with too.
pub fn latest_person_months_of(
    frame: &SnapshotFrame,
    roles: &RoleColumns,
    horizon_months: i32,
    people: &std::collections::HashSet<&str>,
    compared: &[MonthComparisons],
) -> Vec<PersonMonth> {
    let rows = Rows {
        only: Some(people),
        latest_only: true,
        compared,
    };
    build_panel_features(frame, roles, horizon_months, rows).into_person_months()
}

/// Which person-months to build, and what they are compared with.
struct Rows<'a> {
    only: Option<&'a std::collections::HashSet<&'a str>>,
    latest_only: bool,
    /// Figures of months worked out beforehand; other months' come from the snapshots.
    compared: &'a [MonthComparisons],
}

/// Sorted union of column names.
fn union_of(columns: Vec<String>, more: impl IntoIterator<Item = String>) -> Vec<String> {
    let all: std::collections::BTreeSet<String> = columns.into_iter().chain(more).collect();
    all.into_iter().collect()
}

fn build_person_months(
    snapshots: &[Snapshot],
    roles: &RoleColumns,
    horizon_months: i32,
    rows: Rows<'_>,
) -> Vec<PersonMonth> {
    let frame = SnapshotFrame::from_snapshots(snapshots);
    build_panel_features(&frame, roles, horizon_months, rows).into_person_months()
}

/// Every dated row's person-month, as one feature table: what training, backtests and
/// forecasts read. [`person_months`] gives the same rows as named values.
pub fn panel_features(
    frame: &SnapshotFrame,
    roles: &RoleColumns,
    horizon_months: i32,
) -> PanelFeatures {
    let rows = Rows {
        only: None,
        latest_only: false,
        compared: &[],
    };
    build_panel_features(frame, roles, horizon_months, rows)
}

/// Person-months as a table: row `i` of `table` is the person-month `months[i]`, in date
/// order (then snapshot order).
#[derive(Debug, Clone, Default)]
pub struct PanelFeatures {
    pub table: FeatureTable,
    pub months: Vec<MonthRow>,
}

/// What a person-month is, besides its inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthRow {
    /// Index of the snapshot in the input (the frame's row).
    pub snapshot: usize,
    pub as_of: NaiveDate,
    /// `None` while the horizon has not fully passed (and the person has not left).
    pub label: Option<bool>,
    pub evidence: Evidence,
    /// How many person-months this row stands for: 1, or more for a row kept from a sample.
    pub weight: f32,
}

impl PanelFeatures {
    /// Labels the person-months of [`panel_features`]`(frame, …)` for another horizon:
    /// their inputs do not depend on it, so training and the monthly hazards share one build.
    pub fn relabel(&mut self, frame: &SnapshotFrame, horizon_months: i32) {
        let mut exits = vec![Exits::default(); frame.people().len()];
        for (row, exit) in frame.exits() {
            exits[frame.person_id(row) as usize].record(exit);
        }
        let data_end = last_month(frame);
        for month in &mut self.months {
            let person = frame.person_id(month.snapshot) as usize;
            let now = month_index(month.as_of);
            month.label = label(exits[person], month.as_of, now, horizon_months, data_end);
        }
    }

    /// The rows as person-months with named values (for the few rows of a re-score).
    pub fn into_person_months(self) -> Vec<PersonMonth> {
        let table = self.table;
        self.months
            .into_iter()
            .enumerate()
            .map(|(row, m)| PersonMonth {
                snapshot: m.snapshot,
                as_of: m.as_of,
                values: table.values(row),
                label: m.label,
                evidence: m.evidence,
            })
            .collect()
    }
}

/// The month index of the frame's latest as-of date (0 when none is dated).
fn last_month(frame: &SnapshotFrame) -> i32 {
    frame
        .as_of_dates()
        .iter()
        .filter_map(|d| d.map(month_index))
        .max()
        .unwrap_or(0)
}

/// The feature table's columns: the snapshots' own, then the derived ones, by name. A column
/// holding any category is categorical, else any number numeric, else any date a date; one
/// only ever missing is numeric.
fn feature_columns(
    own: &PanelColumns,
    numeric: &[String],
    categorical: &[String],
    dates: &[String],
) -> Vec<(String, ColumnKind)> {
    let mut kinds: BTreeMap<String, ColumnKind> = BTreeMap::new();
    for column in numeric {
        kinds.insert(column.clone(), ColumnKind::Number);
    }
    for column in &own.dates {
        kinds.entry(column.clone()).or_insert(ColumnKind::Date);
    }
    for column in categorical {
        kinds.insert(column.clone(), ColumnKind::Category);
    }
    let derived = DerivedNames::new(numeric, categorical, dates).all();
    for name in own.all.iter().cloned().chain(derived) {
        kinds.entry(name).or_insert(ColumnKind::Number);
    }
    kinds.into_iter().collect()
}

/// The frame's own columns by the kind they hold.
struct PanelColumns {
    all: Vec<String>,
    numeric: Vec<String>,
    categorical: Vec<String>,
    dates: Vec<String>,
}

impl PanelColumns {
    fn of(frame: &SnapshotFrame) -> PanelColumns {
        let named = |wanted: fn(&FrameColumn) -> bool| -> Vec<String> {
            frame
                .names()
                .iter()
                .enumerate()
                .filter(|&(c, _)| wanted(frame.column(c)))
                .map(|(_, name)| name.clone())
                .collect()
        };
        PanelColumns {
            all: frame.names().to_vec(),
            numeric: named(|c| matches!(c, FrameColumn::Numbers(_))),
            categorical: named(|c| matches!(c, FrameColumn::Categories { .. })),
            dates: named(|c| matches!(c, FrameColumn::Dates(_))),
        }
    }
}

/// Where the mapping's roles sit in the frame.
struct RoleIndex {
    department: Option<usize>,
    level: Option<usize>,
    /// The team role, else manager, else department: whose exits are a person's teammates'.
    team: Option<usize>,
    hire_date: Option<usize>,
}

impl RoleIndex {
    fn of(frame: &SnapshotFrame, roles: &RoleColumns) -> RoleIndex {
        let at = |column: Option<&str>| column.and_then(|c| frame.column_index(c));
        RoleIndex {
            department: at(roles.department.as_deref()),
            level: at(roles.level.as_deref()),
            team: at(team_column(roles)),
            hire_date: at(roles.hire_date.as_deref()),
        }
    }

    /// Row `row`'s peer group: see [`peer_group`].
    fn peer_group(&self, frame: &SnapshotFrame, row: usize) -> Option<String> {
        let part = |column: Option<usize>| column.and_then(|c| frame.cell_text(row, c));
        peer_key(part(self.department), part(self.level))
    }

    /// Row `row`'s team: see [`team_of`].
    fn team<'f>(&self, frame: &'f SnapshotFrame, row: usize) -> Option<&'f str> {
        frame.text(row, self.team?)
    }
}

fn build_panel_features(
    frame: &SnapshotFrame,
    roles: &RoleColumns,
    horizon_months: i32,
    rows: Rows<'_>,
) -> PanelFeatures {
    let Rows {
        only,
        latest_only,
        compared,
    } = rows;
    let histories = histories(frame);
    let data_end = last_month(frame).max(compared.iter().map(|c| c.month).max().unwrap_or(0));
    let own = PanelColumns::of(frame);
    let numeric = union_of(
        own.numeric.clone(),
        compared.iter().flat_map(|c| c.numeric.iter().cloned()),
    );
    let categorical = union_of(
        own.categorical.clone(),
        compared.iter().flat_map(|c| c.categorical.iter().cloned()),
    );
    // The hire date becomes tenure; other dates (a last promotion) become months since.
    let dates: Vec<String> = union_of(
        own.dates.clone(),
        compared.iter().flat_map(|c| c.dates.iter().cloned()),
    )
    .into_iter()
    .filter(|c| Some(c) != roles.hire_date.as_ref())
    .collect();
    let at_frame = |names: &[String]| -> Vec<Option<usize>> {
        names.iter().map(|n| frame.column_index(n)).collect()
    };
    let (numeric_at, categorical_at, dates_at) =
        (at_frame(&numeric), at_frame(&categorical), at_frame(&dates));
    let role_at = RoleIndex::of(frame, roles);
    let level_at = roles
        .level
        .as_deref()
        .and_then(|l| numeric.iter().position(|n| n == l));
    // Group keys once per row, interned: formatting them per column was most of the cost.
    let peer_of = Groups::of(frame, |row| role_at.peer_group(frame, row));
    let team_of_row = Groups::of(frame, |row| role_at.team(frame, row).map(str::to_owned));
    // The rows to build, in the order they are returned: by date, then row.
    let mut built: Vec<(NaiveDate, usize, &History, usize)> = Vec::new();
    for history in &histories {
        let Some(&first_row) = history.rows.first() else {
            continue;
        };
        if only.is_some_and(|only| !only.contains(frame.person(first_row).as_str())) {
            continue;
        }
        // Rows are in time order, undated ones first.
        let first = if latest_only {
            history.rows.len().saturating_sub(1)
        } else {
            0
        };
        for (position, &index) in history.rows.iter().enumerate().skip(first) {
            if let Some(as_of) = frame.as_of(index) {
                built.push((as_of, index, history, position));
            }
        }
    }
    built.sort_by_key(|&(as_of, index, ..)| (as_of, index));
    // Only the months of the rows built need their groups' medians.
    let months_built: Option<std::collections::HashSet<i32>> = latest_only.then(|| {
        built
            .iter()
            .map(|&(as_of, ..)| month_index(as_of))
            .filter(|month| compared.iter().all(|c| c.month != *month))
            .collect()
    });
    let peers = GroupMedians::of(frame, &numeric_at, &peer_of, months_built.as_ref());
    // The team's typical values that month: how a manager's team fares shows in them.
    let teams = GroupMedians::of(frame, &numeric_at, &team_of_row, months_built.as_ref());
    let mut table = TableBuilder::new(
        feature_columns(&own, &numeric, &categorical, &dates),
        built.len(),
    );
    let own_columns: Vec<usize> = own
        .all
        .iter()
        .map(|name| table.index(name).expect("a column of the table"))
        .collect();
    let at = DerivedColumns::new(&DerivedNames::new(&numeric, &categorical, &dates), &table);
    let mut team_exits = team_exits(frame, &histories, &role_at);
    for (team, exits) in compared.iter().flat_map(|c| &c.exits) {
        let known = team_exits.entry(team.clone()).or_default();
        for exit in exits {
            if !known.iter().any(|(_, person)| *person == exit.1) {
                known.push(exit.clone());
            }
        }
    }
    let mut months = Vec::with_capacity(built.len());
    let people = frame.people().len();
    let mut rise_cursors = vec![Cursor::default(); people * numeric.len()];
    let mut change_cursors = vec![Cursor::default(); people * categorical.len()];
    for (as_of, index, history, position) in built {
        let now = month_index(as_of);
        let figures = compared.iter().find(|c| c.month == now);
        let groups = figures.map(|_| {
            [
                role_at.peer_group(frame, index),
                role_at.team(frame, index).map(str::to_owned),
            ]
        });
        table.start_row();
        for (c, &column) in own_columns.iter().enumerate() {
            table.set_cell(column, frame.cell(index, c));
        }
        let peer_medians = peers.of_group(now, peer_of.ids[index]);
        let team_medians = teams.of_group(now, team_of_row.ids[index]);
        let person = frame.person_id(index) as usize;
        for (c, column) in numeric.iter().enumerate() {
            let columns = &at.numeric[c];
            let in_frame = numeric_at[c];
            let rises = &mut rise_cursors[person * numeric.len() + c];
            numeric_history(
                &mut table, in_frame, columns, frame, history, position, now, rises,
            );
            let (peer_median, team_median) = match (figures, &groups) {
                (Some(figures), Some([peer, team])) => {
                    let median = |by_group: &HashMap<String, HashMap<String, f64>>,
                                  group: &Option<String>| {
                        group
                            .as_ref()
                            .and_then(|g| by_group.get(g))
                            .and_then(|columns| columns.get(column))
                            .copied()
                    };
                    (median(&figures.peers, peer), median(&figures.teams, team))
                }
                _ => {
                    let known =
                        |medians: Option<&[f64]>| medians.map(|m| m[c]).filter(|x| !x.is_nan());
                    (known(peer_medians), known(team_medians))
                }
            };
            // The level against its own level's peers is always 1.
            let is_level = level_at == Some(c);
            if let (Some(x), Some(median), false) =
                (number(frame, index, in_frame), peer_median, is_level)
            {
                let ratio = if median > 0.0 { x / median } else { x - median };
                table.set_number(columns.vs_peers, ratio);
            }
            if let Some(median) = team_median {
                table.set_number(columns.team_median, median);
            }
        }
        for (c, &in_frame) in categorical_at.iter().enumerate() {
            categorical_history(
                &mut table,
                in_frame,
                &at.categorical[c],
                frame,
                history,
                position,
                now,
                &mut change_cursors[person * categorical.len() + c],
            );
        }
        for (c, &in_frame) in dates_at.iter().enumerate() {
            if let Some(months) = months_since_date(frame, index, in_frame, as_of) {
                table.set_number(at.dates[c], months);
            }
        }
        let teammates = teammates_left(frame, index, &role_at, &team_exits, as_of);
        table.set_number(at.teammates_left, teammates as f64);
        let tenure = tenure_months(frame, index, &role_at, history, as_of);
        table.set_number(at.tenure, tenure);
        table.set_number(at.month_of_year, as_of.month() as f64);
        let label = label(history.exits, as_of, now, horizon_months, data_end);
        // Tenure tells "new" from "unknown" only when a hire date gives it.
        let hired = role_at
            .hire_date
            .is_some_and(|c| frame.date(index, c).is_some());
        let (inputs, missing_inputs) = frame.input_counts(index);
        let evidence = Evidence {
            missing_inputs,
            inputs,
            months_on_record: Some(position as u32 + 1),
            tenure_months: hired.then_some(tenure),
        };
        months.push(MonthRow {
            snapshot: index,
            as_of,
            label,
            evidence,
            weight: 1.0,
        });
    }
    PanelFeatures {
        table: table.finish(),
        months,
    }
}

/// Each person's rows in time order, by person id.
fn histories(frame: &SnapshotFrame) -> Vec<History> {
    let mut histories: Vec<History> = (0..frame.people().len())
        .map(|_| History {
            rows: Vec::new(),
            undated: 0,
            exits: Exits::default(),
        })
        .collect();
    for row in 0..frame.len() {
        histories[frame.person_id(row) as usize].rows.push(row);
    }
    for (row, exit) in frame.exits() {
        histories[frame.person_id(row) as usize].exits.record(exit);
    }
    for history in &mut histories {
        // Stable: rows of one date keep their order.
        history.rows.sort_by_key(|&i| frame.as_of(i));
        history.undated = history
            .rows
            .iter()
            .take_while(|&&i| frame.as_of(i).is_none())
            .count();
    }
    histories
}

fn number(frame: &SnapshotFrame, row: usize, column: Option<usize>) -> Option<f64> {
    frame.number(row, column?)
}

fn text<'s>(snapshot: &'s Snapshot, column: &str) -> Option<&'s str> {
    match snapshot.values.get(column) {
        Some(Value::Category(s)) => Some(s),
        _ => None,
    }
}

/// The month of a step found so far in a person's history, walking forward: a later row's
/// month; [`Step::Undated`] for a row without a date (counted as the month being built).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
enum Step {
    #[default]
    None,
    Undated,
    At(i32),
}

impl Step {
    fn months_before(self, now: i32) -> Option<i32> {
        match self {
            Step::None => None,
            Step::Undated => Some(0),
            Step::At(month) => Some(now - month),
        }
    }
}

/// How far a person's history has been walked for one column, and the latest step found:
/// rows are built in time order, so each step of a history is looked at once, not once per
/// later month (which made the walk quadratic in the months on record).
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    /// Steps 1..=walked (a row against the row before it) have been looked at.
    walked: usize,
    latest: Step,
}

impl Cursor {
    /// Walks on to `position`, noting each step (later row, earlier row) that `found` picks.
    fn walk_to(
        &mut self,
        frame: &SnapshotFrame,
        history: &History,
        position: usize,
        found: impl Fn(usize, usize) -> bool,
    ) -> Step {
        for step in self.walked + 1..=position {
            let (later, earlier) = (history.rows[step], history.rows[step - 1]);
            if found(later, earlier) {
                self.latest = frame
                    .as_of(later)
                    .map_or(Step::Undated, |d| Step::At(month_index(d)));
            }
        }
        self.walked = self.walked.max(position);
        self.latest
    }
}

/// Changes over 3/6/12 months and months since the value last rose, from earlier rows only.
#[allow(clippy::too_many_arguments)]
fn numeric_history(
    table: &mut TableBuilder,
    column: Option<usize>,
    at: &NumericColumns,
    frame: &SnapshotFrame,
    history: &History,
    position: usize,
    now: i32,
    rises: &mut Cursor,
) {
    let Some(column) = column else {
        return; // a column only the compared months hold: no history here
    };
    let current = frame.number(history.rows[position], column);
    for (w, window) in CHANGE_WINDOWS.into_iter().enumerate() {
        let before = history
            .at_month(frame, now - window)
            .and_then(|i| frame.number(i, column));
        if let Some((c, b)) = current.zip(before) {
            table.set_number(at.changes[w], c - b);
        }
    }
    // The latest step up: a row above the row before it, both holding a number.
    let rose = |later, earlier| match (frame.number(later, column), frame.number(earlier, column)) {
        (Some(l), Some(e)) => l > e,
        _ => false,
    };
    if let Some(since) = rises
        .walk_to(frame, history, position, rose)
        .months_before(now)
    {
        table.set_number(at.months_since_rise, since as f64);
    }
}

/// Months since the value last changed and how often it changed in the last 12 months.
#[allow(clippy::too_many_arguments)]
fn categorical_history(
    table: &mut TableBuilder,
    column: Option<usize>,
    at: &CategoricalColumns,
    frame: &SnapshotFrame,
    history: &History,
    position: usize,
    now: i32,
    changes: &mut Cursor,
) {
    let mut changes_12m = 0;
    if let Some(column) = column {
        // Equal codes of one column are equal texts.
        let changed = |later, earlier| frame.code(later, column) != frame.code(earlier, column);
        let latest = changes.walk_to(frame, history, position, changed);
        if let Some(since) = latest.months_before(now) {
            table.set_number(at.months_since_changed, since as f64);
        }
        let rows = &history.rows;
        for step in (history.undated.max(1)..=position).rev() {
            let month = frame.as_of(rows[step]).map_or(now, month_index);
            if now - month >= 12 {
                break; // every earlier dated row is older still
            }
            changes_12m += usize::from(changed(rows[step], rows[step - 1]));
        }
        // Rows without a date count as this month's.
        changes_12m += (1..history.undated.min(position + 1))
            .filter(|&step| changed(rows[step], rows[step - 1]))
            .count();
    }
    table.set_number(at.changes_12m, changes_12m as f64);
}

/// Whole months from the column's date to the as-of date; a date after it is not known yet.
fn months_since_date(
    frame: &SnapshotFrame,
    row: usize,
    column: Option<usize>,
    as_of: NaiveDate,
) -> Option<f64> {
    let date = frame.date(row, column?)?;
    (date <= as_of).then(|| {
        (month_index(as_of) - month_index(date) - i32::from(as_of.day() < date.day())) as f64
    })
}

/// Each row's group (peer group or team) as a small id.
struct Groups {
    ids: Vec<Option<u32>>,
}

impl Groups {
    fn of(frame: &SnapshotFrame, group_of: impl Fn(usize) -> Option<String>) -> Groups {
        let mut interned: HashMap<String, u32> = HashMap::new();
        let ids = (0..frame.len())
            .map(|row| {
                let group = group_of(row)?;
                let next = interned.len() as u32;
                Some(*interned.entry(group).or_insert(next))
            })
            .collect();
        Groups { ids }
    }
}

/// The derived features' names, made once per column rather than once per row.
struct DerivedNames {
    numeric: Vec<NumericNames>,
    categorical: Vec<CategoricalNames>,
    dates: Vec<String>,
}

struct NumericNames {
    changes: Vec<String>,
    months_since_rise: String,
    vs_peers: String,
    team_median: String,
}

struct CategoricalNames {
    months_since_changed: String,
    changes_12m: String,
}

impl DerivedNames {
    fn new(numeric: &[String], categorical: &[String], dates: &[String]) -> DerivedNames {
        DerivedNames {
            numeric: numeric
                .iter()
                .map(|c| NumericNames {
                    changes: CHANGE_WINDOWS
                        .iter()
                        .map(|&w| Derived::Change(c.clone(), w).name())
                        .collect(),
                    months_since_rise: Derived::MonthsSinceRose(c.clone()).name(),
                    vs_peers: Derived::VsPeers(c.clone()).name(),
                    team_median: Derived::TeamMedian(c.clone()).name(),
                })
                .collect(),
            categorical: categorical
                .iter()
                .map(|c| CategoricalNames {
                    months_since_changed: Derived::MonthsSinceChanged(c.clone()).name(),
                    changes_12m: Derived::Changes12m(c.clone()).name(),
                })
                .collect(),
            dates: dates
                .iter()
                .map(|c| Derived::MonthsSinceDate(c.clone()).name())
                .collect(),
        }
    }

    /// Every derived feature's name.
    fn all(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for n in &self.numeric {
            names.extend(n.changes.iter().cloned());
            names.extend([
                n.months_since_rise.clone(),
                n.vs_peers.clone(),
                n.team_median.clone(),
            ]);
        }
        for c in &self.categorical {
            names.extend([c.months_since_changed.clone(), c.changes_12m.clone()]);
        }
        names.extend(self.dates.iter().cloned());
        names.extend(
            [
                Derived::TeammatesLeft,
                Derived::Tenure,
                Derived::MonthOfYear,
            ]
            .map(|d| d.name()),
        );
        names
    }
}

/// Where each derived feature sits in the table being built.
struct DerivedColumns {
    numeric: Vec<NumericColumns>,
    categorical: Vec<CategoricalColumns>,
    dates: Vec<usize>,
    teammates_left: usize,
    tenure: usize,
    month_of_year: usize,
}

struct NumericColumns {
    changes: [usize; 3],
    months_since_rise: usize,
    vs_peers: usize,
    team_median: usize,
}

struct CategoricalColumns {
    months_since_changed: usize,
    changes_12m: usize,
}

impl DerivedColumns {
    fn new(names: &DerivedNames, table: &TableBuilder) -> DerivedColumns {
        let at = |name: &str| table.index(name).expect("a derived column of the table");
        DerivedColumns {
            numeric: names
                .numeric
                .iter()
                .map(|n| NumericColumns {
                    changes: [at(&n.changes[0]), at(&n.changes[1]), at(&n.changes[2])],
                    months_since_rise: at(&n.months_since_rise),
                    vs_peers: at(&n.vs_peers),
                    team_median: at(&n.team_median),
                })
                .collect(),
            categorical: names
                .categorical
                .iter()
                .map(|c| CategoricalColumns {
                    months_since_changed: at(&c.months_since_changed),
                    changes_12m: at(&c.changes_12m),
                })
                .collect(),
            dates: names.dates.iter().map(|d| at(d)).collect(),
            teammates_left: at(&Derived::TeammatesLeft.name()),
            tenure: at(&Derived::Tenure.name()),
            month_of_year: at(&Derived::MonthOfYear.name()),
        }
    }
}

/// The median of each numeric column by group and month (the upper median: what a group's
/// typical value is taken to be), in one dense block per group-month: looked up once per
/// row rather than once per row and column.
struct GroupMedians {
    /// (month, group) → its block's number.
    blocks: HashMap<(i32, u32), usize>,
    columns: usize,
    /// NaN where the group held no number that month.
    medians: Vec<f64>,
}

impl GroupMedians {
    /// Medians over every dated row with a group (of `months` only, when given).
    fn of(
        frame: &SnapshotFrame,
        numeric: &[Option<usize>],
        groups_of: &Groups,
        months: Option<&std::collections::HashSet<i32>>,
    ) -> GroupMedians {
        let mut blocks = HashMap::new();
        let block_of_row: Vec<Option<u32>> = (0..frame.len())
            .map(|row| {
                let (as_of, group) = (frame.as_of(row)?, groups_of.ids[row]?);
                let month = month_index(as_of);
                if months.is_some_and(|months| !months.contains(&month)) {
                    return None;
                }
                let next = blocks.len();
                Some(*blocks.entry((month, group)).or_insert(next) as u32)
            })
            .collect();
        let columns = numeric.len();
        let mut medians = vec![f64::NAN; blocks.len() * columns];
        let mut values: Vec<(u32, f64)> = Vec::new();
        for (c, &column) in numeric.iter().enumerate() {
            let Some(column) = column else { continue };
            values.clear();
            values.extend(
                block_of_row
                    .iter()
                    .enumerate()
                    .filter_map(|(row, &block)| Some((block?, frame.number(row, column)?))),
            );
            values.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            for run in values.chunk_by(|a, b| a.0 == b.0) {
                medians[run[0].0 as usize * columns + c] = run[run.len() / 2].1;
            }
        }
        GroupMedians {
            blocks,
            columns,
            medians,
        }
    }

    /// The medians of `group` in `month`, one per numeric column (NaN where none).
    fn of_group(&self, month: i32, group: Option<u32>) -> Option<&[f64]> {
        let block = *self.blocks.get(&(month, group?))?;
        Some(&self.medians[block * self.columns..(block + 1) * self.columns])
    }
}

/// The groups a snapshot's person is compared with in its month: peers (for "against peers")
/// and team (for the team's medians and exits). Anyone sharing neither with a person leaves
/// that person's features unchanged, so re-scoring a few people needs only these groups.
pub fn comparison_groups(snapshot: &Snapshot, roles: &RoleColumns) -> [Option<String>; 2] {
    [peer_group(snapshot, roles), team_of(snapshot, roles)]
}

/// Peers are people of the same level in the same department (a pay band), or of the same
/// level, or of the same department — whichever the mapping can tell.
fn peer_group(snapshot: &Snapshot, roles: &RoleColumns) -> Option<String> {
    let part = |column: &Option<String>| {
        column
            .as_deref()
            .and_then(|c| snapshot.values.get(c))
            .filter(|v| !v.is_missing())
            .map(|v| v.to_string())
    };
    peer_key(part(&roles.department), part(&roles.level))
}

/// The peer group of a department and a level, each as its text, whichever are known.
fn peer_key(department: Option<String>, level: Option<String>) -> Option<String> {
    match (department, level) {
        (Some(d), Some(l)) => Some(format!("{d}\u{1f}{l}")),
        (d, l) => l.or(d),
    }
}

/// Voluntary exit dates by team (the team role, else manager, else department), each with
/// the person who left.
fn team_exits(
    frame: &SnapshotFrame,
    histories: &[History],
    roles: &RoleIndex,
) -> HashMap<String, Vec<(NaiveDate, String)>> {
    let mut exits: HashMap<String, Vec<(NaiveDate, String)>> = HashMap::new();
    for history in histories {
        let (Some(date), Some(&last)) = (history.exits.voluntary, history.rows.last()) else {
            continue;
        };
        if let Some(team) = roles.team(frame, last) {
            exits
                .entry(team.to_owned())
                .or_default()
                .push((date, frame.person(last).to_string()));
        }
    }
    exits
}

/// The team (the team role, else manager, else department) a snapshot's person is in.
fn team_of(snapshot: &Snapshot, roles: &RoleColumns) -> Option<String> {
    text(snapshot, team_column(roles)?).map(str::to_owned)
}

/// The column that tells a person's team: the team role, else manager, else department.
fn team_column(roles: &RoleColumns) -> Option<&str> {
    roles
        .team
        .as_deref()
        .or(roles.manager.as_deref())
        .or(roles.department.as_deref())
}

/// Teammates (not the person) who left voluntarily in the 6 months up to `as_of`.
fn teammates_left(
    frame: &SnapshotFrame,
    row: usize,
    roles: &RoleIndex,
    exits: &HashMap<String, Vec<(NaiveDate, String)>>,
    as_of: NaiveDate,
) -> usize {
    let Some(team) = roles.team(frame, row) else {
        return 0;
    };
    let person = frame.person(row).as_str();
    let since = as_of - chrono::Months::new(TEAM_WINDOW_MONTHS as u32);
    exits.get(team).map_or(0, |list| {
        list.iter()
            .filter(|(date, leaver)| *date > since && *date <= as_of && leaver != person)
            .count()
    })
}

/// Whole months from the hire date (else the first snapshot) to `as_of`.
fn tenure_months(
    frame: &SnapshotFrame,
    row: usize,
    roles: &RoleIndex,
    history: &History,
    as_of: NaiveDate,
) -> f64 {
    let hired = roles.hire_date.and_then(|c| frame.date(row, c));
    let start = hired
        .or_else(|| frame.as_of(history.rows[0]))
        .unwrap_or(as_of);
    let whole_months =
        month_index(as_of) - month_index(start) - i32::from(as_of.day() < start.day());
    whole_months.max(0) as f64
}

/// Did a voluntary exit happen in (as_of, as_of + horizon]? Unknown while that window is not
/// over and the person is still there.
fn label(exits: Exits, as_of: NaiveDate, now: i32, horizon: i32, data_end: i32) -> Option<bool> {
    let window_end = as_of + chrono::Months::new(horizon as u32);
    if let Some(exit) = exits.voluntary {
        if exit > as_of && exit <= window_end {
            return Some(true);
        }
    }
    if exits.any.is_some_and(|d| d > as_of) {
        return Some(false); // left later than the window, or within it but not voluntarily
    }
    (now + horizon <= data_end).then_some(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenure_domain::{Exit, PersonKey};

    fn month(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Months::new(m)
    }

    fn row(person: &str, m: u32, pay: f64, manager: &str, team: &str) -> Snapshot {
        Snapshot {
            person: PersonKey::parse(person).unwrap(),
            as_of: Some(month(m)),
            values: BTreeMap::from([
                ("pay".to_string(), Value::Number(pay)),
                ("level".to_string(), Value::Number(2.0)),
                ("manager".to_string(), Value::Category(manager.to_string())),
                ("team".to_string(), Value::Category(team.to_string())),
            ]),
            protected: BTreeMap::new(),
            exit: None,
            outcome: None,
        }
    }

    fn roles() -> RoleColumns {
        RoleColumns {
            level: Some("level".into()),
            team: Some("team".into()),
            manager: Some("manager".into()),
            ..Default::default()
        }
    }

    /// Person 1 stays 24 months (raise at month 6, manager change at month 10); person 2, a
    /// teammate, resigns in month 8; person 3, in another team, is paid double.
    fn panel() -> Vec<Snapshot> {
        let mut rows = Vec::new();
        for m in 0..24 {
            let pay = if m >= 6 { 110.0 } else { 100.0 };
            rows.push(row("1", m, pay, if m >= 10 { "M2" } else { "M1" }, "T"));
            rows.push(row("3", m, 200.0, "M9", "U"));
        }
        for m in 0..=8 {
            let mut r = row("2", m, 90.0, "M1", "T");
            if m == 8 {
                r.exit = Some(Exit {
                    date: month(8) + chrono::Days::new(14),
                    kind: Some("resignation".into()),
                    voluntary: true,
                });
            }
            rows.push(r);
        }
        rows
    }

    fn feature(
        months: &[PersonMonth],
        snapshots: &[Snapshot],
        person: &str,
        m: u32,
        name: &str,
    ) -> Value {
        let found = months
            .iter()
            .find(|pm| snapshots[pm.snapshot].person.as_str() == person && pm.as_of == month(m))
            .expect("person-month");
        found
            .values
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no feature {name}: {:?}", found.values.keys()))
    }

    #[test]
    fn relabelling_for_another_horizon_matches_building_for_it() {
        let mut snapshots = panel();
        // An involuntary exit, and a voluntary one recorded on the last row only.
        snapshots.push(row("4", 0, 50.0, "M1", "T"));
        snapshots.push(row("4", 1, 50.0, "M1", "T"));
        let last = snapshots.len() - 1;
        snapshots[last].exit = Some(Exit {
            date: month(3),
            kind: Some("dismissal".into()),
            voluntary: false,
        });
        let labels = |f: &PanelFeatures| f.months.iter().map(|m| m.label).collect::<Vec<_>>();
        let frame = SnapshotFrame::from_snapshots(&snapshots);
        for (built, wanted) in [(6, 1), (1, 6), (3, 12)] {
            let mut features = panel_features(&frame, &roles(), built);
            features.relabel(&frame, wanted);
            let direct = panel_features(&frame, &roles(), wanted);
            assert_eq!(labels(&features), labels(&direct), "{built} → {wanted}");
            assert!(labels(&direct).contains(&Some(true)) && labels(&direct).contains(&None));
        }
    }

    #[test]
    fn clocks_are_the_tenure_and_months_since_features() {
        let clocks = [
            Derived::Tenure,
            Derived::MonthsSinceRose("pay".into()),
            Derived::MonthsSinceChanged("manager".into()),
            Derived::MonthsSinceDate("last promotion".into()),
        ];
        for clock in clocks {
            assert!(Derived::is_clock(&clock.name()), "{clock:?}");
        }
        let others = [
            Derived::Value("pay".into()),
            Derived::Change("pay".into(), 3),
            Derived::VsPeers("pay".into()),
            Derived::TeamMedian("overtime".into()),
            Derived::Changes12m("manager".into()),
            Derived::TeammatesLeft,
            Derived::MonthOfYear,
        ];
        for other in others {
            assert!(!Derived::is_clock(&other.name()), "{other:?}");
        }
    }

    #[test]
    fn derived_names_read_back_to_what_they_are() {
        let all = [
            Derived::Value("pay".into()),
            Derived::Change("pay".into(), 3),
            Derived::Change("pay".into(), 12),
            Derived::MonthsSinceRose("job level".into()),
            Derived::VsPeers("pay".into()),
            Derived::TeamMedian("engagement".into()),
            Derived::MonthsSinceChanged("manager".into()),
            Derived::Changes12m("manager".into()),
            Derived::MonthsSinceDate("last promotion".into()),
            Derived::TeammatesLeft,
            Derived::Tenure,
            Derived::MonthOfYear,
        ];
        for derived in all {
            assert_eq!(Derived::parse(&derived.name()), derived);
        }
    }

    #[test]
    fn history_features_read_the_past() {
        let snapshots = panel();
        let months = person_months(&snapshots, &roles(), 6);
        assert_eq!(
            feature(&months, &snapshots, "1", 8, "pay change 3m"),
            Value::Number(10.0)
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 12, "pay change 3m"),
            Value::Number(0.0)
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 9, "months since pay rose"),
            Value::Number(3.0)
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 3, "months since pay rose"),
            Value::Missing
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 12, "months since manager changed"),
            Value::Number(2.0)
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 12, "manager changes 12m"),
            Value::Number(1.0)
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 9, "teammates left 6m"),
            Value::Number(1.0)
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 8, "teammates left 6m"),
            Value::Number(0.0),
            "the exit on the 15th is after the 1st"
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 15, "teammates left 6m"),
            Value::Number(0.0),
            "out of the window"
        );
        assert_eq!(
            feature(&months, &snapshots, "3", 2, "pay vs peers"),
            Value::Number(2.0)
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 2, "team median pay"),
            Value::Number(100.0),
            "median of 100 and 90 in team T"
        );
        assert_eq!(
            feature(&months, &snapshots, "1", 5, "tenure months"),
            Value::Number(5.0)
        );
    }

    #[test]
    fn labels_mark_voluntary_exits_within_the_horizon_and_stay_unknown_until_it_passes() {
        let snapshots = panel();
        let months = person_months(&snapshots, &roles(), 6);
        let label = |person: &str, m: u32| {
            months
                .iter()
                .find(|pm| snapshots[pm.snapshot].person.as_str() == person && pm.as_of == month(m))
                .unwrap()
                .label
        };
        assert_eq!(
            label("2", 3),
            Some(true),
            "the exit on the 15th of month 8 is within six months of month 3's first day"
        );
        assert_eq!(
            label("2", 2),
            Some(false),
            "…but not of month 2's: the window ends on the 1st of month 8"
        );
        assert_eq!(
            label("1", 17),
            Some(false),
            "23 is the last month: 17 + 6 is known"
        );
        assert_eq!(
            label("1", 18),
            None,
            "the outcome of month 18 is not known yet"
        );
    }

    #[test]
    fn the_months_of_some_people_are_their_rows_of_the_whole_panel() {
        let snapshots = panel();
        let all = person_months(&snapshots, &roles(), 6);
        let only: std::collections::HashSet<&str> = ["1"].into_iter().collect();
        let some = person_months_of(&snapshots, &roles(), 6, Some(&only));
        let theirs: Vec<&PersonMonth> = all
            .iter()
            .filter(|m| snapshots[m.snapshot].person.as_str() == "1")
            .collect();
        assert!(!some.is_empty());
        assert_eq!(some.iter().collect::<Vec<_>>(), theirs);
    }

    #[test]
    fn the_latest_months_of_some_people_are_their_last_rows_of_the_whole_panel() {
        let snapshots = panel();
        let all = person_months(&snapshots, &roles(), 6);
        let people: std::collections::HashSet<&str> = ["1", "3"].into_iter().collect();
        let latest = latest_person_months_of(
            &SnapshotFrame::from_snapshots(&snapshots),
            &roles(),
            6,
            &people,
            &[],
        );
        for person in ["1", "3"] {
            let last = all
                .iter()
                .filter(|m| snapshots[m.snapshot].person.as_str() == person)
                .max_by_key(|m| m.as_of)
                .expect("a person of the panel has months");
            let theirs: Vec<&PersonMonth> = latest
                .iter()
                .filter(|m| snapshots[m.snapshot].person.as_str() == person)
                .collect();
            assert_eq!(theirs, vec![last], "person {person}");
        }
        assert_eq!(latest.len(), 2);
    }

    #[test]
    fn latest_months_from_own_histories_and_month_figures_match_the_whole_panel() {
        // Month 9: person 2 (person 1's teammate at first) left in month 8, inside the window.
        let snapshots: Vec<Snapshot> = panel()
            .into_iter()
            .filter(|s| s.as_of.unwrap() <= month(9))
            .collect();
        let people: std::collections::HashSet<&str> = ["1"].into_iter().collect();
        let whole = latest_person_months_of(
            &SnapshotFrame::from_snapshots(&snapshots),
            &roles(),
            6,
            &people,
            &[],
        );
        let own: Vec<Snapshot> = snapshots
            .iter()
            .filter(|s| s.person.as_str() == "1")
            .cloned()
            .collect();
        let compared_with: Vec<(&Snapshot, [Option<String>; 2])> = snapshots
            .iter()
            .filter(|s| s.as_of == Some(month(9)) || s.exit.is_some())
            .map(|s| (s, comparison_groups(s, &roles())))
            .collect();
        let latest = own.iter().find(|s| s.as_of == Some(month(9))).unwrap();
        let figures = MonthFigures::new(
            month(9),
            compared_with.iter().map(|(s, groups)| (*s, groups)),
        )
        .comparisons(&[latest], &roles());
        let alone = latest_person_months_of(
            &SnapshotFrame::from_snapshots(&own),
            &roles(),
            6,
            &people,
            &[figures],
        );
        assert_eq!(whole.len(), 1);
        assert_eq!(alone.len(), 1);
        let (whole, alone) = (&whole[0], &alone[0]);
        assert_eq!(alone.as_of, whole.as_of);
        assert_eq!(alone.values, whole.values);
        assert_eq!(alone.label, whole.label);
        assert_eq!(alone.evidence, whole.evidence);
        assert_eq!(
            alone.values.get(&Derived::TeammatesLeft.name()),
            Some(&Value::Number(1.0)),
            "the teammate who left is counted from the month's figures"
        );
    }

    #[test]
    fn changing_the_future_never_moves_a_feature() {
        let original = panel();
        let t = month(9);
        let mut changed = original.clone();
        for snapshot in changed.iter_mut().filter(|s| s.as_of.unwrap() > t) {
            snapshot.values.insert("pay".into(), Value::Number(1.0));
            snapshot
                .values
                .insert("manager".into(), Value::Category("someone else".into()));
            if snapshot.person.as_str() == "3" && snapshot.as_of == Some(month(10)) {
                snapshot.exit = Some(Exit {
                    date: month(10) + chrono::Days::new(3),
                    kind: None,
                    voluntary: true,
                });
            }
        }
        changed.retain(|s| !(s.person.as_str() == "3" && s.as_of.unwrap() > month(10)));
        let (before, after) = (
            person_months(&original, &roles(), 6),
            person_months(&changed, &roles(), 6),
        );
        let up_to_t = |months: &[PersonMonth],
                       snapshots: &[Snapshot]|
         -> Vec<(String, NaiveDate, BTreeMap<String, Value>)> {
            months
                .iter()
                .filter(|m| m.as_of <= t)
                .map(|m| {
                    (
                        snapshots[m.snapshot].person.to_string(),
                        m.as_of,
                        m.values.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(up_to_t(&before, &original), up_to_t(&after, &changed));
    }
}
