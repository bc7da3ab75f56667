//! The discrete-time hazard model: the chance of leaving in the next month given the person is
//! still here, learnt by the engine's own learners on person-months. Chaining the months gives
//! each person's survival curve — P(leave within 3, 6, 12 months) and the expected months
//! before leaving, up to the horizon.
//!
//! Time-to-event rows (a duration and an event flag per person) are expanded into
//! person-months here; looking ahead, a person's inputs are held as they are while the clocks
//! run on (tenure, months since each change, the month of the year) — time-to-event data has
//! nothing else that moves. Panels forecast through landmark hazards instead (`landmark`),
//! which learn from what really followed each as-of date rather than assume inputs stand still.

use super::evaluate::{brier_by_person, censoring_curve};
use super::kaplan_meier::Observation;
use crate::evaluate::{
    stratified_label_folds, train_grouped, EvaluationError, LearnerChoice, Training,
    TrainingSettings,
};
use crate::gbm::GbmError;
use crate::panel::Derived;
use crate::table::FeatureTable;
use crate::trained::TrainedModel;
use std::collections::BTreeMap;
use tenure_domain::Value;

/// How far ahead survival curves go, in months.
pub const OUTLOOK_MONTHS: usize = 12;

/// One person of time-to-event data: their inputs, how many months they were followed, and
/// whether that ended in a voluntary exit.
#[derive(Debug, Clone, Copy)]
pub struct FollowUp<'a> {
    pub values: &'a BTreeMap<String, Value>,
    pub duration: f64,
    pub event: bool,
}

impl FollowUp<'_> {
    /// Whole months followed: a leaver in month 3.5 left during the fourth month.
    pub fn months(&self) -> usize {
        (self.duration.ceil() as usize).max(1)
    }

    /// The follow-up in whole months, as the survival measures read it.
    pub fn observation(&self) -> Observation {
        Observation {
            time: self.months() as f64,
            event: self.event,
        }
    }
}

/// How far curves of these people run: their longest follow-up (at least 2 months, so there
/// is a curve to score).
pub(crate) fn horizon_of(people: &[FollowUp<'_>]) -> usize {
    people
        .iter()
        .map(FollowUp::months)
        .max()
        .unwrap_or(1)
        .max(2)
}

/// Folds of people, with the same share of leavers each.
pub(crate) fn person_folds(
    people: &[FollowUp<'_>],
    folds: usize,
    seed: u64,
) -> Result<Vec<Vec<usize>>, EvaluationError> {
    let events: Vec<bool> = people.iter().map(|p| p.event).collect();
    stratified_label_folds(&events, folds, seed)
}

/// The people outside a held-out fold (to train on) and in it (to score).
pub(crate) fn split<'a>(
    people: &[FollowUp<'a>],
    held_out: &[usize],
) -> (Vec<FollowUp<'a>>, Vec<FollowUp<'a>>) {
    let train = (0..people.len())
        .filter(|i| held_out.binary_search(i).is_err())
        .map(|i| people[i])
        .collect();
    (train, held_out.iter().map(|&i| people[i]).collect())
}

/// The inputs `months` ahead if nothing but time moves: the clocks run and the month of the
/// year turns.
pub fn advance(values: &BTreeMap<String, Value>, months: usize) -> BTreeMap<String, Value> {
    let mut ahead = values.clone();
    if months == 0 {
        return ahead;
    }
    run_clocks(&mut ahead, months);
    let month_of_year = ahead.get_mut(&Derived::MonthOfYear.name());
    if let Some(Value::Number(x)) = month_of_year {
        *x = ((*x as usize - 1 + months) % 12 + 1) as f64;
    }
    ahead
}

/// Moves every clock among the inputs (tenure, months since a raise, a change or a date) on
/// by `months`.
pub fn run_clocks(values: &mut BTreeMap<String, Value>, months: usize) {
    for (name, value) in values.iter_mut() {
        if let Value::Number(x) = value {
            if Derived::is_clock(name) {
                *x += months as f64;
            }
        }
    }
}

/// A time-to-event person's inputs at the start of month `month` (1-based) of follow-up.
pub fn at_month(values: &BTreeMap<String, Value>, month: usize) -> BTreeMap<String, Value> {
    let mut row = values.clone();
    row.insert(Derived::Tenure.name(), Value::Number((month - 1) as f64));
    row
}

/// Person-months of time-to-event data, labelled with whether the person left in that
/// month: what the monthly hazard is fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonPeriods {
    pub rows: Vec<(BTreeMap<String, Value>, bool)>,
    /// The person (index into the follow-ups) each row belongs to.
    pub groups: Vec<usize>,
    /// How many months each row stands for (see [`person_periods`]).
    pub weights: Vec<f32>,
}

/// Months of every follow-up kept one row each; later months are coarsened.
const WHOLE_MONTHS: usize = 24;

/// The months a row stands for, by how far into the follow-up it is: one row a quarter
/// through the fifth year, a half-year through the tenth, a year after that.
fn interval_months(month: usize) -> usize {
    match month {
        m if m <= WHOLE_MONTHS => 1,
        m if m <= 60 => 3,
        m if m <= 120 => 6,
        _ => 12,
    }
}

/// Person-months of time-to-event data: one row per month followed through the first two
/// years, then one row per interval of 3, 6 and 12 months (its middle month's inputs, weighted
/// by its months), so that the rows do not grow with the longest tenure: a follow-up of 15
/// years is 52 rows, not 180. The month a person left is always a row of its own, weight 1.
/// The hazard within an interval is taken as its middle month's; the learners count each
/// row for the months it stands for, so the fit's totals are those of every month.
pub fn person_periods(people: &[FollowUp<'_>]) -> PersonPeriods {
    let mut periods = PersonPeriods {
        rows: Vec::new(),
        groups: Vec::new(),
        weights: Vec::new(),
    };
    for (person, p) in people.iter().enumerate() {
        let last = p.months();
        // The months before the last, in intervals; then the last month alone.
        let mut start = 1;
        while start < last {
            let months = interval_months(start).min(last - start);
            let middle = start + (months - 1) / 2;
            periods.push(person, at_month(p.values, middle), false, months);
            start += months;
        }
        periods.push(person, at_month(p.values, last), p.event, 1);
    }
    periods
}

impl PersonPeriods {
    fn push(&mut self, person: usize, values: BTreeMap<String, Value>, left: bool, months: usize) {
        self.rows.push((values, left));
        self.groups.push(person);
        self.weights.push(months as f32);
    }
}

/// Trains the monthly hazard on time-to-event data. `auto` compares the learners' survival
/// curves by integrated Brier score on a held-back quarter of the people — the measure of
/// whole curves, where the person-month log-loss would favour whoever models the months of
/// the longest-followed people best — and takes the trees only when they beat the logistic
/// hazard by more than a standard error of the difference: on a quarter of a small
/// organization the two are often within noise, and the smoother curves then rank better.
pub fn train_time_to_event(
    people: &[FollowUp<'_>],
    settings: &TrainingSettings,
) -> Result<TrainedModel, EvaluationError> {
    let chosen = match settings.learner {
        LearnerChoice::Auto => choose_learner(people, settings)?,
        fixed => fixed,
    };
    train_with(
        people,
        &TrainingSettings {
            learner: chosen,
            ..*settings
        },
    )
}

/// The learner `auto` settles on for these people (see [`train_time_to_event`]).
fn choose_learner(
    people: &[FollowUp<'_>],
    settings: &TrainingSettings,
) -> Result<LearnerChoice, EvaluationError> {
    let Ok(folds) = person_folds(people, VALIDATION_SHARE, settings.seed.wrapping_add(2)) else {
        return Ok(LearnerChoice::Logistic);
    };
    let (train, test) = split(people, &folds[0]);
    let horizon = horizon_of(people);
    let observed: Vec<Observation> = test.iter().map(FollowUp::observation).collect();
    let everyone: Vec<Observation> = people.iter().map(FollowUp::observation).collect();
    let censoring = censoring_curve(&everyone);
    let mut scores = Vec::new();
    for learner in [LearnerChoice::Logistic, LearnerChoice::Gbm] {
        let fixed = TrainingSettings {
            learner,
            ..*settings
        };
        let model = train_with(&train, &fixed)?;
        let curves = outlooks_from_start(&model, &test, horizon)?;
        scores.push(brier_by_person(&observed, &curves, &censoring));
    }
    let gain: Vec<f64> = scores[0]
        .iter()
        .zip(&scores[1])
        .map(|(l, g)| l - g)
        .collect();
    Ok(if clearly_positive(&gain) {
        LearnerChoice::Gbm
    } else {
        LearnerChoice::Logistic
    })
}

/// Whether the mean of `xs` exceeds one standard error of it (false when it cannot be told).
fn clearly_positive(xs: &[f64]) -> bool {
    let n = xs.len() as f64;
    if xs.len() < 2 || xs.iter().any(|x| x.is_nan()) {
        return false;
    }
    let mean = xs.iter().sum::<f64>() / n;
    let variance = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    mean > (variance / n).sqrt()
}

fn train_with(
    people: &[FollowUp<'_>],
    settings: &TrainingSettings,
) -> Result<TrainedModel, EvaluationError> {
    let periods = person_periods(people);
    let maps: Vec<&BTreeMap<String, Value>> =
        periods.rows.iter().map(|(values, _)| values).collect();
    let table = FeatureTable::from_maps(&maps);
    let labels: Vec<bool> = periods.rows.iter().map(|(_, left)| *left).collect();
    let all: Vec<u32> = (0..periods.rows.len() as u32).collect();
    // Every row stands for one month until follow-ups pass two years.
    let coarsened = periods.weights.iter().any(|&w| w != 1.0);
    let training = Training {
        table: &table,
        rows: &all,
        labels: &labels,
        weights: coarsened.then_some(periods.weights.as_slice()),
    };
    train_grouped(training, &periods.groups, settings)
}

/// One person in this many is held back to choose the learner.
const VALIDATION_SHARE: usize = 4;

/// One person's outlook: the survival curve over the next months.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    /// `survival[k]`: still here after k + 1 months.
    pub survival: Vec<f64>,
}

impl Outlook {
    /// P(a voluntary exit within `months`).
    pub fn leave_within(&self, months: usize) -> f64 {
        match months {
            0 => 0.0,
            m => 1.0 - self.survival[m.min(self.survival.len()) - 1],
        }
    }

    /// Expected months before leaving, counted up to the curve's end (the restricted mean).
    pub fn expected_months(&self) -> f64 {
        1.0 + self.survival[..self.survival.len() - 1].iter().sum::<f64>()
    }
}

/// Every person's outlook over `months` from the inputs they have now. One call to the model
/// for all people and months together.
pub fn outlooks(
    model: &TrainedModel,
    rows: &[&BTreeMap<String, Value>],
    months: usize,
) -> Result<Vec<Outlook>, GbmError> {
    outlooks_with(model, rows, months, advance)
}

/// People whose month-by-month inputs are built and scored together: each person asks
/// `months` questions of a couple of hundred inputs, so all of 100,000 people at once would
/// hold over a million copies of their inputs.
pub(crate) const PEOPLE_PER_BATCH: usize = 2_048;

/// Every person's outlook, where `ahead(values, k)` gives the inputs that ask about the month
/// k months from now: one call to the model per batch of people, all their months together.
pub fn outlooks_with(
    model: &TrainedModel,
    rows: &[&BTreeMap<String, Value>],
    months: usize,
    ahead: impl Fn(&BTreeMap<String, Value>, usize) -> BTreeMap<String, Value>,
) -> Result<Vec<Outlook>, GbmError> {
    let ahead = &ahead;
    let mut outlooks = Vec::with_capacity(rows.len());
    for batch in rows.chunks(PEOPLE_PER_BATCH) {
        let asked: Vec<BTreeMap<String, Value>> = batch
            .iter()
            .flat_map(|values| (0..months).map(move |k| ahead(values, k)))
            .collect();
        let refs: Vec<&BTreeMap<String, Value>> = asked.iter().collect();
        outlooks.extend(curves(&model.probabilities(&refs)?, months));
    }
    Ok(outlooks)
}

/// Survival curves from consecutive monthly hazards, `months` per person.
pub(crate) fn curves(hazards: &[f64], months: usize) -> Vec<Outlook> {
    hazards
        .chunks_exact(months.max(1))
        .map(|monthly| Outlook {
            survival: monthly
                .iter()
                .scan(1.0, |survival, h| {
                    *survival *= 1.0 - h;
                    Some(*survival)
                })
                .collect(),
        })
        .collect()
}

/// Outlooks of time-to-event people from the start of their follow-up (tenure 0).
pub fn outlooks_from_start(
    model: &TrainedModel,
    people: &[FollowUp<'_>],
    months: usize,
) -> Result<Vec<Outlook>, GbmError> {
    let starts: Vec<BTreeMap<String, Value>> =
        people.iter().map(|p| at_month(p.values, 1)).collect();
    let refs: Vec<&BTreeMap<String, Value>> = starts.iter().collect();
    outlooks(model, &refs, months)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, f64)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::Number(*v)))
            .collect()
    }

    #[test]
    fn looking_ahead_runs_the_clocks_and_holds_the_rest() {
        let now = values(&[
            ("tenure months", 30.0),
            ("month of year", 11.0),
            ("months since manager changed", 4.0),
            ("months since pay rose", 13.0),
            ("months since last_promotion", 20.0),
            ("pay", 50_000.0),
            ("pay change 12m", 0.0),
            ("teammates left 6m", 2.0),
        ]);
        let ahead = advance(&now, 3);
        let number = |k: &str| ahead[k].as_number().unwrap();
        assert_eq!(number("tenure months"), 33.0);
        assert_eq!(number("month of year"), 2.0);
        assert_eq!(number("months since manager changed"), 7.0);
        assert_eq!(number("months since pay rose"), 16.0);
        assert_eq!(number("months since last_promotion"), 23.0);
        assert_eq!(number("pay"), 50_000.0);
        assert_eq!(number("pay change 12m"), 0.0);
        assert_eq!(number("teammates left 6m"), 2.0);
        assert_eq!(advance(&now, 0), now);
        assert_eq!(advance(&now, 13)["month of year"], Value::Number(12.0));
    }

    #[test]
    fn long_follow_ups_are_coarsened_into_intervals_that_count_every_month() {
        let v = values(&[("x", 1.0)]);
        for (duration, event) in [(180.0, true), (180.0, false), (61.0, true), (25.0, false)] {
            let person = [FollowUp {
                values: &v,
                duration,
                event,
            }];
            let periods = person_periods(&person);
            let months = duration as usize;
            let total: f32 = periods.weights.iter().sum();
            assert_eq!(
                total as usize, months,
                "{duration}: every month counted once"
            );
            let last = periods.rows.last().unwrap();
            assert_eq!(last.1, event, "the last month is the exit's");
            assert_eq!(*periods.weights.last().unwrap(), 1.0);
            assert_eq!(
                last.0["tenure months"],
                Value::Number((months - 1) as f64),
                "the last row is the last month"
            );
            assert_eq!(
                periods.rows.iter().filter(|r| r.1).count(),
                usize::from(event),
                "only the last month is an exit"
            );
        }
        let fifteen_years = [FollowUp {
            values: &v,
            duration: 180.0,
            event: false,
        }];
        let periods = person_periods(&fifteen_years);
        assert_eq!(periods.rows.len(), 24 + 12 + 10 + 5 + 1);
        // Each interval's row is its middle month: months 25–27 read as month 26.
        assert_eq!(periods.rows[24].0["tenure months"], Value::Number(25.0));
    }

    #[test]
    fn follow_ups_become_one_row_per_month_with_the_exit_in_the_last() {
        let v = values(&[("x", 1.0)]);
        let people = [
            FollowUp {
                values: &v,
                duration: 3.0,
                event: true,
            },
            FollowUp {
                values: &v,
                duration: 2.0,
                event: false,
            },
            FollowUp {
                values: &v,
                duration: 0.0,
                event: true,
            },
        ];
        let PersonPeriods {
            rows,
            groups,
            weights,
        } = person_periods(&people);
        let labels: Vec<bool> = rows.iter().map(|r| r.1).collect();
        assert_eq!(labels, [false, false, true, false, false, true]);
        assert_eq!(groups, [0, 0, 0, 1, 1, 2]);
        assert!(
            weights.iter().all(|&w| w == 1.0),
            "short follow-ups are not coarsened"
        );
        let tenure: Vec<f64> = rows
            .iter()
            .map(|r| r.0["tenure months"].as_number().unwrap())
            .collect();
        assert_eq!(tenure, [0.0, 1.0, 2.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn the_trees_are_taken_only_when_clearly_better() {
        assert!(clearly_positive(&[0.02, 0.03, 0.025, 0.01]));
        assert!(!clearly_positive(&[0.5, -0.45, 0.4, -0.4]), "within noise");
        assert!(!clearly_positive(&[-0.02, -0.03]), "worse");
        assert!(!clearly_positive(&[0.1]), "one person tells nothing");
        assert!(!clearly_positive(&[0.1, f64::NAN]), "no score, no change");
    }

    #[test]
    fn an_outlook_reads_its_curve() {
        let outlook = Outlook {
            survival: vec![0.9, 0.81, 0.729],
        };
        assert!((outlook.leave_within(2) - 0.19).abs() < 1e-12);
        assert!((outlook.leave_within(12) - 0.271).abs() < 1e-12);
        assert_eq!(outlook.leave_within(0), 0.0);
        // Month 1 is always lived; months 2 and 3 with the chance of being there.
        assert!((outlook.expected_months() - (1.0 + 0.9 + 0.81)).abs() < 1e-12);
    }
}
