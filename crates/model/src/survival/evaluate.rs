//! Honest measurement of time-to-exit predictions on time-to-event data: people are split into
//! stratified folds, the hazard model is trained on the others, and the held-out people's
//! curves are judged by Harrell's concordance index and the integrated Brier score.

use super::hazard::{
    horizon_of, outlooks_from_start, person_folds, split, train_time_to_event, FollowUp, Outlook,
};
use super::kaplan_meier::{kaplan_meier, Observation, SurvivalCurve};
use crate::evaluate::{CrossValidation, EvaluationError};
use std::time::Instant;

/// Cross-validated figures of the hazard model.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeToEventEvaluation {
    pub n: usize,
    pub events: usize,
    /// Mean of the folds' concordance indices.
    pub c_index: f64,
    pub c_index_by_fold: Vec<f64>,
    /// Mean of the folds' integrated Brier scores over months 1 to `horizon_months − 1`.
    pub integrated_brier: f64,
    pub horizon_months: usize,
    pub learner: String,
    pub models_by_fold: Vec<String>,
    pub fit_seconds: f64,
    /// Held-out expected months before leaving (restricted to the horizon), in input order.
    pub expected_months: Vec<f64>,
}

pub fn cross_validate_time_to_event(
    people: &[FollowUp<'_>],
    settings: CrossValidation,
) -> Result<TimeToEventEvaluation, EvaluationError> {
    let started = Instant::now();
    let horizon = horizon_of(people);
    let folds = person_folds(people, settings.folds, settings.training.seed)?;
    let mut expected_months = vec![0.0; people.len()];
    let (mut c_by_fold, mut brier_by_fold, mut models) = (Vec::new(), Vec::new(), Vec::new());
    for held_out in &folds {
        let (train, test) = split(people, held_out);
        let model = train_time_to_event(&train, &settings.training)?;
        models.push(model.describe());
        let curves = outlooks_from_start(&model, &test, horizon)?;
        let predicted: Vec<f64> = curves.iter().map(Outlook::expected_months).collect();
        c_by_fold.push(concordance_index(&observations(&test), &predicted));
        let censoring = censoring_curve(&observations(&train));
        brier_by_fold.push(integrated_brier(&observations(&test), &curves, &censoring));
        for (&i, m) in held_out.iter().zip(predicted) {
            expected_months[i] = m;
        }
    }
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    Ok(TimeToEventEvaluation {
        n: people.len(),
        events: people.iter().filter(|p| p.event).count(),
        c_index: mean(&c_by_fold),
        c_index_by_fold: c_by_fold,
        integrated_brier: mean(&brier_by_fold),
        horizon_months: horizon,
        learner: settings.training.learner.name().into(),
        models_by_fold: models,
        fit_seconds: started.elapsed().as_secs_f64(),
        expected_months,
    })
}

fn observations(people: &[FollowUp<'_>]) -> Vec<Observation> {
    people.iter().map(FollowUp::observation).collect()
}

/// The chance of still being followed (not censored) over time: Kaplan–Meier with the roles
/// of exits and censoring swapped.
pub(crate) fn censoring_curve(observed: &[Observation]) -> SurvivalCurve {
    let swapped: Vec<Observation> = observed
        .iter()
        .map(|o| Observation {
            event: !o.event,
            ..*o
        })
        .collect();
    kaplan_meier(&swapped, 0.95)
}

/// Harrell's C: of the pairs where one person is known to have left first, the share whose
/// predicted time was shorter (ties in prediction count a half). As lifelines counts them, a
/// person censored at the very time another left is taken to have stayed longer.
pub fn concordance_index(observed: &[Observation], predicted_time: &[f64]) -> f64 {
    let (mut pairs, mut concordant) = (0.0, 0.0);
    for (i, a) in observed.iter().enumerate().filter(|(_, o)| o.event) {
        for (j, b) in observed.iter().enumerate() {
            let later = b.time > a.time || (b.time == a.time && !b.event);
            if i == j || !later {
                continue;
            }
            pairs += 1.0;
            concordant += match predicted_time[i].total_cmp(&predicted_time[j]) {
                std::cmp::Ordering::Less => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Greater => 0.0,
            };
        }
    }
    if pairs == 0.0 {
        0.5
    } else {
        concordant / pairs
    }
}

/// The Brier score of the curves at months 1, 2, … horizon − 1, weighted by inverse
/// probability of censoring (Graf et al., 1999), integrated by the trapezoid rule and divided
/// by the span — as scikit-survival's `integrated_brier_score` does.
pub fn integrated_brier(
    observed: &[Observation],
    curves: &[Outlook],
    censoring: &SurvivalCurve,
) -> f64 {
    let people = brier_by_person(observed, curves, censoring);
    if people.is_empty() || people[0].is_nan() {
        return f64::NAN;
    }
    people.iter().sum::<f64>() / people.len() as f64
}

/// Each person's share of [`integrated_brier`] (their mean is the score): the integral is a
/// sum, so it splits by person, and two learners can be compared person by person.
pub fn brier_by_person(
    observed: &[Observation],
    curves: &[Outlook],
    censoring: &SurvivalCurve,
) -> Vec<f64> {
    let horizon = curves.first().map_or(0, |c| c.survival.len());
    let times: Vec<usize> = (1..horizon).collect();
    if times.len() < 2 {
        return vec![f64::NAN; observed.len()];
    }
    let following: Vec<f64> = times
        .iter()
        .map(|&t| censoring.survival_at(t as f64))
        .collect();
    let span = (times.len() - 1) as f64;
    observed
        .iter()
        .zip(curves)
        .map(|(o, curve)| {
            let weight_at_exit = censoring.survival_at(o.time);
            let scores: Vec<f64> = times
                .iter()
                .zip(&following)
                .map(|(&t, &still_followed)| {
                    brier_term(
                        o,
                        curve.survival[t - 1],
                        t as f64,
                        weight_at_exit,
                        still_followed,
                    )
                })
                .collect();
            scores.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / span
        })
        .collect()
}

/// One person's weighted squared error at month `t`: a leaver by then should have survival
/// 0, someone still followed survival 1; someone censored before `t` says nothing.
fn brier_term(
    o: &Observation,
    survival: f64,
    t: f64,
    weight_at_exit: f64,
    still_followed: f64,
) -> f64 {
    if o.time <= t && o.event {
        if weight_at_exit > 0.0 {
            survival * survival / weight_at_exit
        } else {
            0.0
        }
    } else if o.time > t && still_followed > 0.0 {
        (1.0 - survival).powi(2) / still_followed
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(pairs: &[(f64, bool)]) -> Vec<Observation> {
        pairs
            .iter()
            .map(|&(time, event)| Observation { time, event })
            .collect()
    }

    #[test]
    fn concordance_matches_lifelines_on_fixed_inputs() {
        // lifelines.utils.concordance_index([1,2,2,3,4,4,5], [1.5,2.5,1,4,3,3,6], [1,1,0,1,0,1,0])
        // = 0.71875: 11.5 of 16 comparable pairs, a tied prediction counting a half.
        let observed = obs(&[
            (1.0, true),
            (2.0, true),
            (2.0, false),
            (3.0, true),
            (4.0, false),
            (4.0, true),
            (5.0, false),
        ]);
        let predicted = [1.5, 2.5, 1.0, 4.0, 3.0, 3.0, 6.0];
        let c = concordance_index(&observed, &predicted);
        assert!((c - 0.71875).abs() < 1e-12, "{c}");
    }

    #[test]
    fn the_brier_score_by_person_averages_to_the_score_month_by_month() {
        // Month by month as Graf et al. write it: at each t the weighted squared errors of
        // everyone, averaged; then the trapezoid over t = 1..horizon − 1.
        let observed = obs(&[
            (1.0, true),
            (2.0, false),
            (3.0, true),
            (4.0, false),
            (4.0, true),
        ]);
        let curves: Vec<Outlook> = [0.9, 0.8, 0.95, 0.7, 0.85]
            .iter()
            .map(|&h: &f64| Outlook {
                survival: (1..=5).map(|k| h.powi(k)).collect(),
            })
            .collect();
        let censoring = censoring_curve(&observed);
        let by_month: Vec<f64> = (1..5)
            .map(|t| {
                let t_value = t as f64;
                let total: f64 = observed
                    .iter()
                    .zip(&curves)
                    .map(|(o, c)| {
                        let s = c.survival[t - 1];
                        if o.time <= t_value && o.event {
                            let g = censoring.survival_at(o.time);
                            if g > 0.0 {
                                s * s / g
                            } else {
                                0.0
                            }
                        } else if o.time > t_value && censoring.survival_at(t_value) > 0.0 {
                            (1.0 - s).powi(2) / censoring.survival_at(t_value)
                        } else {
                            0.0
                        }
                    })
                    .sum();
                total / observed.len() as f64
            })
            .collect();
        let expected = by_month
            .windows(2)
            .map(|w| (w[0] + w[1]) / 2.0)
            .sum::<f64>()
            / 3.0;
        let people = brier_by_person(&observed, &curves, &censoring);
        assert_eq!(people.len(), 5);
        let score = integrated_brier(&observed, &curves, &censoring);
        assert!(
            (score - expected).abs() < 1e-12,
            "{score} against {expected}"
        );
    }

    #[test]
    fn a_perfect_ranking_scores_one_and_its_reverse_zero() {
        let observed = obs(&[(1.0, true), (2.0, true), (3.0, false)]);
        assert_eq!(concordance_index(&observed, &[1.0, 2.0, 3.0]), 1.0);
        assert_eq!(concordance_index(&observed, &[3.0, 2.0, 1.0]), 0.0);
    }
}
