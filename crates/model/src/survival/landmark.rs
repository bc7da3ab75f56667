//! Monthly hazards looked at from a landmark: the chance of leaving in the month k months after
//! an as-of date, given the person is still there then, from what was known at the as-of date.
//! Forecasting needs this rather than chaining one-month-ahead hazards with the inputs held
//! still: organizations run on cycles (a yearly pay round, a rating season, a bonus in
//! February), and a person's inputs "held still" for six months drift out of every cycle the
//! model learnt. Trained on (person-month, k) pairs, the model learns how risk unfolds after
//! an as-of date — including the calendar month it unfolds into — from what really followed.

use crate::panel::{Derived, MonthRow, PanelFeatures};
use crate::table::{FeatureColumn, FeatureTable};
use chrono::{Datelike, Months, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use tenure_domain::{SnapshotFrame, Value};

/// Feature: months between the as-of date and the month whose exits are predicted.
pub const MONTHS_AHEAD: &str = "months ahead";
/// Feature: the calendar month whose exits are predicted.
pub const TARGET_MONTH: &str = "month predicted";

/// Landmark pairs are drawn from every this-many as-of months (all k from each), which keeps
/// the training set near the size of the panel itself.
pub const LANDMARK_EVERY: usize = 3;

/// The inputs of `values` (known at `as_of`) asked about the month `ahead` months later.
///
/// Clocks (tenure, months since the last raise or promotion) are moved on to that month:
/// they move whatever else happens, and the hazards that follow them — the dip in the
/// second year, the restlessness of a long wait for promotion — rise and fall with where the
/// clock will stand, not where it stood. Left still, an ageing workforce's rising hazard is
/// something the model could only learn as an interaction of each clock with the months ahead.
pub fn looking_ahead(
    values: &BTreeMap<String, Value>,
    as_of: NaiveDate,
    ahead: usize,
) -> BTreeMap<String, Value> {
    let mut row = values.clone();
    super::hazard::run_clocks(&mut row, ahead);
    row.insert(MONTHS_AHEAD.into(), Value::Number(ahead as f64));
    let target = as_of + Months::new(ahead as u32);
    row.insert(
        TARGET_MONTH.into(),
        Value::Category(format!("month {}", target.month())),
    );
    row
}

/// The (person-month, k) pairs whose outcome is known, for k = 0..`max_ahead`, as
/// person-months dated at the predicted month (so time-sliced training treats them by when
/// their outcome became known). A pair counts only while the person is still employed at the
/// start of the predicted month; its label is a voluntary exit within that month. Built
/// column by column from the panel's features: each pair's inputs are its person-month's,
/// with the clocks moved on and the two landmark columns added.
pub fn landmark_months(
    frame: &SnapshotFrame,
    features: &PanelFeatures,
    max_ahead: usize,
) -> PanelFeatures {
    let months = &features.months;
    let Some(data_end) = months.iter().map(|m| m.as_of).max() else {
        return PanelFeatures::default();
    };
    let exits: HashMap<u32, (NaiveDate, bool)> = frame
        .exits()
        .map(|(row, e)| (frame.person_id(row), (e.date, e.voluntary)))
        .collect();
    let mut as_of_months: Vec<NaiveDate> = months.iter().map(|m| m.as_of).collect();
    as_of_months.dedup();
    let landmarks: std::collections::HashSet<NaiveDate> = as_of_months
        .iter()
        .rev()
        .step_by(LANDMARK_EVERY)
        .copied()
        .collect();
    // (predicted month, snapshot, row of the person-month, months ahead, label)
    let mut pairs: Vec<(NaiveDate, usize, u32, usize, bool)> = Vec::new();
    for (row, m) in months.iter().enumerate() {
        if !landmarks.contains(&m.as_of) {
            continue;
        }
        let exit = exits.get(&frame.person_id(m.snapshot)).copied();
        for ahead in 0..max_ahead {
            let start = m.as_of + Months::new(ahead as u32);
            let end = m.as_of + Months::new(ahead as u32 + 1);
            if end > data_end {
                break; // not known yet
            }
            if exit.is_some_and(|(date, _)| date <= start) {
                break; // gone before this month began
            }
            let left =
                exit.is_some_and(|(date, voluntary)| voluntary && date > start && date <= end);
            pairs.push((start, m.snapshot, row as u32, ahead, left));
        }
    }
    pairs.sort_by_key(|&(start, snapshot, ..)| (start, snapshot));
    let weights = sample_pairs(&mut pairs, data_end);
    let rows: Vec<u32> = pairs.iter().map(|p| p.2).collect();
    let ahead: Vec<usize> = pairs.iter().map(|p| p.3).collect();
    let table = looking_ahead_table(&features.table, &rows, &ahead, |r| months[r as usize].as_of);
    let months = pairs
        .iter()
        .zip(weights)
        .map(|(&(start, snapshot, row, _, left), weight)| MonthRow {
            snapshot,
            as_of: start,
            label: Some(left),
            evidence: months[row as usize].evidence,
            weight,
        })
        .collect();
    PanelFeatures { table, months }
}

/// Landmark pairs of a large panel (past [`PAIR_BUDGET`]) are sampled before their inputs
/// are copied: every pair that ended in an exit and every pair of the last
/// [`WHOLE_MONTHS`] (the months training validates on) is kept, and the other pairs at one
/// rate, each standing for the pairs it was drawn from. Returns each kept pair's weight.
fn sample_pairs(
    pairs: &mut Vec<(NaiveDate, usize, u32, usize, bool)>,
    data_end: NaiveDate,
) -> Vec<f32> {
    let recent = data_end - Months::new(WHOLE_MONTHS);
    let sampled = |p: &(NaiveDate, usize, u32, usize, bool)| !p.4 && p.0 < recent;
    let candidates = pairs.iter().filter(|p| sampled(p)).count();
    let kept_whole = pairs.len() - candidates;
    if pairs.len() <= PAIR_BUDGET || candidates == 0 {
        return vec![1.0; pairs.len()];
    }
    let wanted = PAIR_BUDGET.saturating_sub(kept_whole).max(PAIR_BUDGET / 10);
    let rate = (wanted as f64 / candidates as f64).min(1.0);
    let threshold = (rate * u64::MAX as f64) as u64;
    let keep = |p: &(NaiveDate, usize, u32, usize, bool)| {
        !sampled(p) || crate::backtest::mix(((p.2 as u64) << 8) ^ p.3 as u64) < threshold
    };
    let kept = pairs.iter().filter(|p| sampled(p) && keep(p)).count();
    let weight = candidates as f32 / kept.max(1) as f32;
    pairs.retain(keep);
    pairs
        .iter()
        .map(|p| if sampled(p) { weight } else { 1.0 })
        .collect()
}

/// Landmark pairs kept whole, at most (see [`sample_pairs`]): the hazard model is fitted on a
/// sample of [`crate::backtest::ROW_BUDGET`] of them anyway, so copying the inputs of millions
/// would only cost memory.
const PAIR_BUDGET: usize = 3 * crate::backtest::ROW_BUDGET;
/// The last months of pairs never sampled: the hazard model's validation months (and the
/// out-of-time check of its level) read them all.
const WHOLE_MONTHS: u32 = 6;

/// The rows `rows` of `table`, each asked about the month `ahead[i]` after its as-of date
/// (`as_of(row)`): clocks moved on, and the months ahead and the calendar month predicted
/// as two more columns — [`looking_ahead`] for many rows at once.
pub fn looking_ahead_table(
    table: &FeatureTable,
    rows: &[u32],
    ahead: &[usize],
    as_of: impl Fn(u32) -> NaiveDate,
) -> FeatureTable {
    let mut asked = table.gather(rows);
    let moved: Vec<f32> = ahead.iter().map(|&k| k as f32).collect();
    asked.add_to_numbers(Derived::is_clock, &moved);
    asked.set_column(MONTHS_AHEAD, FeatureColumn::Numbers(moved));
    let dictionary: Vec<String> = (1..=12).map(|m| format!("month {m}")).collect();
    let codes = rows
        .iter()
        .zip(ahead)
        .map(|(&r, &k)| (as_of(r) + Months::new(k as u32)).month0())
        .collect();
    asked.set_column(
        TARGET_MONTH,
        FeatureColumn::Categories { codes, dictionary },
    );
    asked
}

/// Each person's outlook from the rows `rows` of `table` (their inputs at `as_of`), with a
/// landmark model.
pub fn landmark_outlooks(
    model: &crate::trained::TrainedModel,
    table: &FeatureTable,
    rows: &[u32],
    as_of: NaiveDate,
    months: usize,
) -> Result<Vec<super::hazard::Outlook>, crate::gbm::GbmError> {
    let mut outlooks = Vec::with_capacity(rows.len());
    for batch in rows.chunks(super::hazard::PEOPLE_PER_BATCH) {
        let asked: Vec<u32> = batch
            .iter()
            .flat_map(|&r| std::iter::repeat_n(r, months))
            .collect();
        let ahead: Vec<usize> = (0..batch.len()).flat_map(|_| 0..months).collect();
        let all: Vec<u32> = (0..asked.len() as u32).collect();
        let questions = looking_ahead_table(table, &asked, &ahead, |_| as_of);
        let hazards = model.probabilities_of(&questions, &all)?;
        outlooks.extend(super::hazard::curves(&hazards, months));
    }
    Ok(outlooks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenure_domain::{Exit, PersonKey, Snapshot};

    fn month(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Months::new(m)
    }

    fn snapshot(person: &str, m: u32, exit: Option<(u32, bool)>) -> Snapshot {
        Snapshot {
            person: PersonKey::parse(person).unwrap(),
            as_of: Some(month(m)),
            values: BTreeMap::new(),
            protected: BTreeMap::new(),
            exit: exit.map(|(e, voluntary)| Exit {
                date: month(e) + chrono::Days::new(9),
                kind: None,
                voluntary,
            }),
            outcome: None,
        }
    }

    #[test]
    fn clocks_move_on_to_the_month_asked_about_and_nothing_else_does() {
        let values: BTreeMap<String, Value> = [
            ("tenure months", Value::Number(23.0)),
            ("months since pay rose", Value::Number(5.0)),
            ("months since manager changed", Value::Missing),
            ("pay", Value::Number(4000.0)),
            ("pay change 3m", Value::Number(0.0)),
            ("teammates left 6m", Value::Number(2.0)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let row = looking_ahead(&values, month(10), 4);
        assert_eq!(row["tenure months"], Value::Number(27.0));
        assert_eq!(row["months since pay rose"], Value::Number(9.0));
        assert_eq!(row["months since manager changed"], Value::Missing);
        for unchanged in ["pay", "pay change 3m", "teammates left 6m"] {
            assert_eq!(row[unchanged], values[unchanged], "{unchanged}");
        }
        assert_eq!(row[MONTHS_AHEAD], Value::Number(4.0));
        // Month 10 after January 2024 is November; four months on is March.
        assert_eq!(row[TARGET_MONTH], Value::Category("month 3".into()));
    }

    #[test]
    fn pairs_stop_at_the_exit_and_at_the_end_of_the_data() {
        // Person 1 resigns during month 4; person 2 is dismissed during month 1; data ends at 6.
        let mut snapshots: Vec<Snapshot> =
            (0..=4).map(|m| snapshot("1", m, Some((4, true)))).collect();
        snapshots.extend((0..=1).map(|m| snapshot("2", m, Some((1, false)))));
        snapshots.extend((0..=6).map(|m| snapshot("3", m, None)));
        let frame = SnapshotFrame::from_snapshots(&snapshots);
        let features = crate::panel::panel_features(&frame, &Default::default(), 1);
        let landmarks = landmark_months(&frame, &features, 12);
        let pairs = landmarks.clone().into_person_months();
        let of = |i: usize| -> Vec<(u32, f64, bool)> {
            let mut v: Vec<(u32, f64, bool)> = pairs
                .iter()
                .filter(|p| p.snapshot == i)
                .map(|p| {
                    let ahead = p.values[MONTHS_AHEAD].as_number().unwrap();
                    (p.as_of.month0(), ahead, p.label.unwrap())
                })
                .collect();
            v.sort_by(|a, b| a.1.total_cmp(&b.1));
            v
        };
        // Landmarks are months 6, 3 and 0 (every third, counting back from the end).
        // From month 0, person 1 is followed through months 0–3 and leaves in month 4.
        assert_eq!(
            of(0),
            [
                (0, 0.0, false),
                (1, 1.0, false),
                (2, 2.0, false),
                (3, 3.0, false),
                (4, 4.0, true)
            ]
        );
        // From month 3: months 3 and 4.
        assert_eq!(of(3), [(3, 0.0, false), (4, 1.0, true)]);
        // Person 2's dismissal in month 1 is no voluntary exit, and ends the pairs.
        assert_eq!(of(5), [(0, 0.0, false), (1, 1.0, false)]);
        // Month 6 is the last month: nothing after it is known.
        assert!(of(13).is_empty());
        let first = pairs.iter().find(|p| p.snapshot == 0).unwrap();
        assert_eq!(
            first.values[TARGET_MONTH],
            Value::Category("month 1".into())
        );
    }

    #[test]
    fn many_pairs_are_sampled_keeping_exits_and_the_last_months_whole() {
        let end = month(24);
        let mut pairs: Vec<(NaiveDate, usize, u32, usize, bool)> = Vec::new();
        for m in 0..24 {
            for person in 0..(PAIR_BUDGET / 10) {
                pairs.push((
                    month(m),
                    person,
                    (m as usize * 100_000 + person) as u32,
                    0,
                    person % 97 == 0,
                ));
            }
        }
        let before = pairs.clone();
        let weights = sample_pairs(&mut pairs, end);
        assert_eq!(weights.len(), pairs.len());
        assert!(
            pairs.len() < before.len() / 2,
            "{} of {}",
            pairs.len(),
            before.len()
        );
        let exits = |ps: &[(NaiveDate, usize, u32, usize, bool)]| ps.iter().filter(|p| p.4).count();
        assert_eq!(exits(&pairs), exits(&before), "every exit kept");
        let recent = |ps: &[(NaiveDate, usize, u32, usize, bool)]| {
            ps.iter()
                .filter(|p| p.0 >= end - Months::new(WHOLE_MONTHS))
                .count()
        };
        assert_eq!(
            recent(&pairs),
            recent(&before),
            "the validation months kept whole"
        );
        let standing_for: f64 = weights.iter().map(|&w| f64::from(w)).sum();
        assert!(
            (standing_for - before.len() as f64).abs() < 0.01 * before.len() as f64,
            "{standing_for} for {}",
            before.len()
        );
        let mut few = before[..1000].to_vec();
        assert_eq!(
            sample_pairs(&mut few, end),
            vec![1.0; 1000],
            "within the budget: all kept"
        );
    }
}
