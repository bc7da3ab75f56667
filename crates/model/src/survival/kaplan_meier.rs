//! Kaplan–Meier survival curves with confidence bands, and the log-rank test between groups.
//! Textbook estimators: Greenwood's variance, bands on the log(−log S) scale (they stay inside
//! [0, 1]), and the k-group log-rank statistic with its hypergeometric covariance.

use super::stats::{chi_square_survival, normal_quantile, solve};

/// One person's follow-up: how long they were watched, and whether it ended in the event
/// (leaving) or was censored (still employed when the data ends).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub time: f64,
    pub event: bool,
}

/// A follow-up that began late: someone hired years before the data starts is only seen from
/// `entry` on, and must not count as at risk earlier — else the long-stayers who happen to be
/// in the data would make early leaving look rarer than it is (left truncation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LateEntry {
    pub entry: f64,
    pub observation: Observation,
}

/// The curve at one distinct follow-up time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurveStep {
    pub time: f64,
    pub at_risk: usize,
    pub events: usize,
    pub censored: usize,
    pub survival: f64,
    /// Greenwood's standard error of `survival`.
    pub std_error: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A Kaplan–Meier curve: one step per distinct time (events or censoring), in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalCurve {
    pub confidence: f64,
    pub steps: Vec<CurveStep>,
}

impl SurvivalCurve {
    /// S(t): the share still employed just after `t`.
    pub fn survival_at(&self, t: f64) -> f64 {
        self.steps
            .iter()
            .take_while(|s| s.time <= t)
            .last()
            .map_or(1.0, |s| s.survival)
    }

    /// The first time the curve falls to one half or below, if it does.
    pub fn median(&self) -> Option<f64> {
        self.steps
            .iter()
            .find(|s| s.survival <= 0.5)
            .map(|s| s.time)
    }
}

/// Distinct follow-up end times with their counts, in time order: (time, at risk, events,
/// censored). At risk at t: entered before t and still followed at t.
fn risk_table(follow_ups: &[LateEntry]) -> Vec<(f64, usize, usize, usize)> {
    let mut ends: Vec<Observation> = follow_ups.iter().map(|f| f.observation).collect();
    ends.sort_by(|a, b| a.time.total_cmp(&b.time));
    let mut entries: Vec<f64> = follow_ups.iter().map(|f| f.entry).collect();
    entries.sort_by(f64::total_cmp);
    let (mut entered, mut ended) = (0, 0);
    let mut table = Vec::new();
    let mut i = 0;
    while i < ends.len() {
        let time = ends[i].time;
        while entered < entries.len() && entries[entered] < time {
            entered += 1;
        }
        let (mut events, mut censored) = (0, 0);
        while i < ends.len() && ends[i].time == time {
            if ends[i].event {
                events += 1
            } else {
                censored += 1
            }
            i += 1;
        }
        table.push((time, entered - ended, events, censored));
        ended += events + censored;
    }
    table
}

/// The Kaplan–Meier estimate with two-sided bands at `confidence` (e.g. 0.95).
pub fn kaplan_meier(observations: &[Observation], confidence: f64) -> SurvivalCurve {
    let from_start: Vec<LateEntry> = observations
        .iter()
        .map(|&observation| LateEntry {
            entry: f64::NEG_INFINITY,
            observation,
        })
        .collect();
    kaplan_meier_late_entry(&from_start, confidence)
}

/// [`kaplan_meier`] where follow-up may begin late. Times where nobody is at risk (everyone
/// entered later) are skipped.
pub fn kaplan_meier_late_entry(follow_ups: &[LateEntry], confidence: f64) -> SurvivalCurve {
    let z = normal_quantile(0.5 + confidence / 2.0);
    let mut survival = 1.0;
    let mut greenwood = 0.0;
    let steps = risk_table(follow_ups)
        .into_iter()
        .filter(|&(_, at_risk, _, _)| at_risk > 0)
        .map(|(time, at_risk, events, censored)| {
            let (n, d) = (at_risk as f64, events as f64);
            survival *= 1.0 - d / n;
            if at_risk > events {
                greenwood += d / (n * (n - d));
            }
            let (lower, upper) = log_log_band(survival, greenwood, z);
            CurveStep {
                time,
                at_risk,
                events,
                censored,
                survival,
                std_error: survival * greenwood.sqrt(),
                lower,
                upper,
            }
        })
        .collect();
    SurvivalCurve { confidence, steps }
}

/// The band S^exp(±z·σ), σ² = Greenwood sum / (log S)²: the delta method on log(−log S).
fn log_log_band(survival: f64, greenwood: f64, z: f64) -> (f64, f64) {
    if survival <= 0.0 || survival >= 1.0 {
        return (survival, survival);
    }
    let sigma = greenwood.sqrt() / survival.ln().abs();
    (
        survival.powf((z * sigma).exp()),
        survival.powf((-z * sigma).exp()),
    )
}

/// The log-rank test that several groups share one survival curve.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRank {
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    pub p_value: f64,
    /// Per group, in input order: observed and expected events.
    pub observed: Vec<f64>,
    pub expected: Vec<f64>,
}

/// Compares the groups' curves; `None` with fewer than two non-empty groups.
pub fn log_rank(groups: &[Vec<Observation>]) -> Option<LogRank> {
    let from_start: Vec<Vec<LateEntry>> = groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|&observation| LateEntry {
                    entry: f64::NEG_INFINITY,
                    observation,
                })
                .collect()
        })
        .collect();
    log_rank_late_entry(&from_start)
}

/// [`log_rank`] where follow-up may begin late.
pub fn log_rank_late_entry(groups: &[Vec<LateEntry>]) -> Option<LogRank> {
    let groups: Vec<&Vec<LateEntry>> = groups.iter().filter(|g| !g.is_empty()).collect();
    let k = groups.len();
    if k < 2 {
        return None;
    }
    let mut times: Vec<f64> = groups
        .iter()
        .flat_map(|g| {
            g.iter()
                .map(|f| f.observation)
                .filter(|o| o.event)
                .map(|o| o.time)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut covariance = vec![vec![0.0; k]; k];
    for &t in &times {
        let at_risk: Vec<f64> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .filter(|f| f.entry < t && f.observation.time >= t)
                    .count() as f64
            })
            .collect();
        let events: Vec<f64> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .filter(|f| f.observation.event && f.observation.time == t)
                    .count() as f64
            })
            .collect();
        let (n, d): (f64, f64) = (at_risk.iter().sum(), events.iter().sum());
        let spread = if n > 1.0 {
            d * (n - d) / (n - 1.0)
        } else {
            0.0
        };
        for g in 0..k {
            observed[g] += events[g];
            expected[g] += d * at_risk[g] / n;
            for h in 0..k {
                let same = if g == h { 1.0 } else { 0.0 };
                covariance[g][h] += spread * at_risk[g] / n * (same - at_risk[h] / n);
            }
        }
    }
    // The k deviations sum to zero: drop the last group to make the covariance invertible.
    let deviation: Vec<f64> = (0..k - 1).map(|g| observed[g] - expected[g]).collect();
    let reduced: Vec<Vec<f64>> = covariance[..k - 1]
        .iter()
        .map(|row| row[..k - 1].to_vec())
        .collect();
    let weights = solve(reduced, deviation.clone())?;
    let statistic: f64 = deviation.iter().zip(&weights).map(|(a, b)| a * b).sum();
    Some(LogRank {
        statistic,
        degrees_of_freedom: k - 1,
        p_value: chi_square_survival(statistic, (k - 1) as f64),
        observed,
        expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Freireich et al. (1963): remission times in weeks of leukaemia patients on 6-MP and on
    /// placebo — the worked example of Kleinbaum & Klein, *Survival Analysis*, chapter 2.
    fn six_mp() -> Vec<Observation> {
        let events = [6, 6, 6, 7, 10, 13, 16, 22, 23];
        let censored = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];
        observations(&events, &censored)
    }

    fn placebo() -> Vec<Observation> {
        let events = [
            1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
        ];
        observations(&events, &[])
    }

    fn observations(events: &[u32], censored: &[u32]) -> Vec<Observation> {
        let one = |event| {
            move |&t: &u32| Observation {
                time: t as f64,
                event,
            }
        };
        events
            .iter()
            .map(one(true))
            .chain(censored.iter().map(one(false)))
            .collect()
    }

    #[test]
    fn the_six_mp_curve_matches_the_textbook_to_1e9() {
        let curve = kaplan_meier(&six_mp(), 0.95);
        // Exact products (1 − d/n), and the bands lifelines 0.30 prints for the same data.
        let expected = [
            (6.0, 18.0 / 21.0, 0.619717955265984, 0.951551747646997),
            (
                7.0,
                18.0 / 21.0 * 16.0 / 17.0,
                0.563146564622233,
                0.922809019202880,
            ),
            (
                10.0,
                18.0 / 21.0 * 16.0 / 17.0 * 14.0 / 15.0,
                0.503199510799956,
                0.889361835169265,
            ),
            (
                13.0,
                0.690196078431372,
                0.431610222486184,
                0.849065963349451,
            ),
            (
                16.0,
                0.627450980392157,
                0.367510855987502,
                0.804912189471841,
            ),
            (
                22.0,
                0.537815126050420,
                0.267778936767135,
                0.746790717635394,
            ),
            (
                23.0,
                0.448179271708683,
                0.188052005959232,
                0.680142628495241,
            ),
        ];
        for (t, s, lower, upper) in expected {
            let step = curve.steps.iter().find(|x| x.time == t).unwrap();
            assert!(
                (step.survival - s).abs() < 1e-9,
                "S({t}) = {}",
                step.survival
            );
            assert!(
                (step.lower - lower).abs() < 1e-9,
                "lower({t}) = {}",
                step.lower
            );
            assert!(
                (step.upper - upper).abs() < 1e-9,
                "upper({t}) = {}",
                step.upper
            );
        }
        assert_eq!(curve.survival_at(9.5), curve.survival_at(7.0));
        assert_eq!(curve.survival_at(0.5), 1.0);
        assert_eq!(curve.median(), Some(23.0));
        let first = curve.steps[0];
        assert_eq!(
            (first.time, first.at_risk, first.events, first.censored),
            (6.0, 21, 3, 1)
        );
    }

    #[test]
    fn the_log_rank_statistic_matches_the_textbook_to_1e9() {
        let test = log_rank(&[six_mp(), placebo()]).unwrap();
        // Kleinbaum & Klein: 16.79 (R's survdiff and lifelines print 16.792940989216547).
        assert!(
            (test.statistic - 16.792940989216547).abs() < 1e-9,
            "{}",
            test.statistic
        );
        assert!(
            (test.p_value - 4.168809109334511e-05).abs() < 1e-12,
            "{}",
            test.p_value
        );
        assert_eq!(test.degrees_of_freedom, 1);
        assert_eq!(test.observed, vec![9.0, 21.0]);
        assert!((test.expected.iter().sum::<f64>() - 30.0).abs() < 1e-9);
    }

    #[test]
    fn three_groups_match_lifelines_multivariate_log_rank() {
        let placebo = placebo();
        let (early, late) = placebo.split_at(10);
        let test = log_rank(&[six_mp(), early.to_vec(), late.to_vec()]).unwrap();
        assert!(
            (test.statistic - 52.340_677_928_514_73).abs() < 1e-9,
            "{}",
            test.statistic
        );
        assert!(
            (test.p_value - 4.308897847909373e-12).abs() < 1e-18,
            "{}",
            test.p_value
        );
        assert_eq!(test.degrees_of_freedom, 2);
    }

    #[test]
    fn late_entrants_count_only_once_they_are_watched() {
        let late = |entry: f64, time: f64, event: bool| LateEntry {
            entry,
            observation: Observation { time, event },
        };
        // At t = 2 only the two who entered at 0 are at risk; at t = 5, three are (one
        // entered at 3); the one entering at 6 ends at 8.
        let curve = kaplan_meier_late_entry(
            &[
                late(0.0, 2.0, true),
                late(0.0, 5.0, true),
                late(3.0, 5.0, false),
                late(3.0, 7.0, false),
                late(6.0, 8.0, true),
            ],
            0.95,
        );
        let at_risk: Vec<(f64, usize)> = curve.steps.iter().map(|s| (s.time, s.at_risk)).collect();
        assert_eq!(at_risk, [(2.0, 2), (5.0, 3), (7.0, 2), (8.0, 1)]);
        assert!((curve.survival_at(5.0) - 0.5 * (1.0 - 1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(curve.survival_at(8.0), 0.0);
    }

    #[test]
    fn one_group_has_nothing_to_compare() {
        assert!(log_rank(&[six_mp(), Vec::new()]).is_none());
    }
}
