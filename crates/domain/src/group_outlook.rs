//! A group's outlook against its own last year: the voluntary leavers its people's current
//! chances add up to over the model's horizon, with the interval those independent chances
//! give, beside the pace at which the group lost people over the past year, brought to
//! today's size — and whether the difference is more than chance.
//!
//! Teams and managers' reporting lines are ranked by that difference, so a group about to
//! lose more than it usually does comes first, whatever its size.

use serde::Serialize;

/// Two-sided 90%: the 5th and 95th percentiles.
const Z_90: f64 = 1.644_853_626_951_472_2;
/// Past this many people the exact distribution of the count is replaced by its normal
/// approximation: the exact one costs people² steps, and at this size the two agree to a
/// tenth of a person.
const EXACT_UP_TO: usize = 2_000;

/// What a group lost over the past months.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PastYear {
    pub voluntary_leavers: usize,
    /// Its headcount at the start and at the end of the period, averaged: the usual
    /// denominator of an HR turnover rate.
    pub average_headcount: f64,
    /// How long the period is (12, or less when the history is shorter).
    pub months: u32,
}

/// The past year's pace brought to today's size and the model's horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pace {
    #[serde(flatten)]
    pub past: PastYear,
    /// Leavers the group would lose over the horizon at last year's rate with today's people.
    pub at_today_size: f64,
    pub low: f64,
    pub high: f64,
}

/// Expected leavers against last year's pace. The interval is the chance in last year's
/// count: could the group's usual rate have given this year's expectation? The expectation is
/// the model's own (its calibration is what the backtests check), not a further draw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Expected leavers less last year's pace: above zero, the group is about to lose more.
    pub leavers: f64,
    pub low: f64,
    pub high: f64,
    /// The expected leavers exceed the top of last year's pace's 90% interval (the change's
    /// interval lies above zero): worse than last year, beyond chance.
    pub worse: bool,
}

/// One group's outlook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupOutlook {
    pub group: String,
    pub people: usize,
    /// The sum of its people's chances of leaving within the horizon.
    pub expected: f64,
    /// 90% interval of how many will actually leave, if the chances are right.
    pub low: f64,
    pub high: f64,
    /// `None` without a dated history to compare with.
    pub last_year: Option<Pace>,
    pub change: Option<Change>,
}

impl GroupOutlook {
    /// The outlook of a group whose people have these chances of leaving within
    /// `horizon_months`, against what it lost in `past`.
    pub fn of(
        group: String,
        chances: &[f64],
        past: Option<PastYear>,
        horizon_months: u32,
    ) -> GroupOutlook {
        let people = chances.len();
        let expected: f64 = chances.iter().sum();
        let (low, high) = count_interval(chances);
        let last_year = past.map(|p| pace(p, people, horizon_months));
        let change = last_year.map(|pace| {
            let leavers = expected - pace.at_today_size;
            Change {
                leavers,
                low: expected - pace.high,
                high: expected - pace.low,
                worse: expected > pace.high,
            }
        });
        GroupOutlook {
            group,
            people,
            expected,
            low,
            high,
            last_year,
            change,
        }
    }

    /// What the ranking orders by: the change when there is a past, else the expected count.
    fn rank_key(&self) -> f64 {
        self.change.map_or(self.expected, |c| c.leavers)
    }
}

/// Groups worse than last year beyond chance first, then the others with a past, then those
/// without one; within each, what they are about to lose beyond their own last year (most
/// first), ties by name.
pub fn rank_outlooks(outlooks: &mut [GroupOutlook]) {
    let tier = |o: &GroupOutlook| match o.change {
        Some(c) if c.worse => 0,
        Some(_) => 1,
        None => 2,
    };
    outlooks.sort_by(|a, b| {
        tier(a)
            .cmp(&tier(b))
            .then(b.rank_key().total_cmp(&a.rank_key()))
            .then_with(|| a.group.cmp(&b.group))
    });
}

/// Last year's rate at today's size over the horizon, with the interval the count of past
/// leavers (a Poisson count) gives it.
fn pace(past: PastYear, people: usize, horizon_months: u32) -> Pace {
    let scale = if past.average_headcount > 0.0 && past.months > 0 {
        people as f64 / past.average_headcount * f64::from(horizon_months) / f64::from(past.months)
    } else {
        0.0
    };
    let (low, high) = poisson_interval(past.voluntary_leavers);
    let cap = people as f64;
    Pace {
        past,
        at_today_size: (past.voluntary_leavers as f64 * scale).min(cap),
        low: (low * scale).min(cap),
        high: (high * scale).min(cap),
    }
}

/// The 90% interval of a count of independent events with these chances (a Poisson-binomial
/// count): exact percentiles for groups up to [`EXACT_UP_TO`] people, the normal
/// approximation past it.
pub fn count_interval(chances: &[f64]) -> (f64, f64) {
    if chances.is_empty() {
        return (0.0, 0.0);
    }
    if chances.len() > EXACT_UP_TO {
        let mean: f64 = chances.iter().sum();
        let sd = chances.iter().map(|p| p * (1.0 - p)).sum::<f64>().sqrt();
        let n = chances.len() as f64;
        return (
            (mean - Z_90 * sd).max(0.0).round(),
            (mean + Z_90 * sd).min(n).round(),
        );
    }
    let distribution = count_distribution(chances);
    let percentile = |q: f64| {
        let mut cumulative = 0.0;
        for (k, p) in distribution.iter().enumerate() {
            cumulative += p;
            if cumulative >= q - 1e-12 {
                return k as f64;
            }
        }
        (distribution.len() - 1) as f64
    };
    (percentile(0.05), percentile(0.95))
}

/// P(count = k) for k = 0..=n, built one person at a time.
fn count_distribution(chances: &[f64]) -> Vec<f64> {
    let mut distribution = vec![0.0; chances.len() + 1];
    distribution[0] = 1.0;
    for (seen, &p) in chances.iter().enumerate() {
        let p = p.clamp(0.0, 1.0);
        for k in (0..=seen + 1).rev() {
            let stays = distribution[k] * (1.0 - p);
            let leaves = if k > 0 { distribution[k - 1] * p } else { 0.0 };
            distribution[k] = stays + leaves;
        }
    }
    distribution
}

/// A 90% interval for the mean of a Poisson count seen as `count`, by the Wilson–Hilferty
/// approximation to the exact (Garwood) interval: within a few percent of it from two events
/// up, exact for none and one.
pub fn poisson_interval(count: usize) -> (f64, f64) {
    let upper_of = |k: f64| {
        let k = k + 1.0;
        k * (1.0 - 1.0 / (9.0 * k) + Z_90 / (3.0 * k.sqrt())).powi(3)
    };
    if count == 0 {
        // Exact: the mean under which seeing none has a 5% chance.
        return (0.0, -(0.05f64).ln());
    }
    if count == 1 {
        // Exact: the approximation is a quarter off for a single event.
        return (-(0.95f64).ln(), upper_of(1.0));
    }
    let k = count as f64;
    let lower = k * (1.0 - 1.0 / (9.0 * k) - Z_90 / (3.0 * k.sqrt())).powi(3);
    (lower.max(0.0), upper_of(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn past(leavers: usize, average_headcount: f64) -> Option<PastYear> {
        Some(PastYear {
            voluntary_leavers: leavers,
            average_headcount,
            months: 12,
        })
    }

    #[test]
    fn ten_people_at_a_half_leave_between_two_and_eight() {
        assert_eq!(count_interval(&[0.5; 10]), (2.0, 8.0));
        assert_eq!(count_interval(&[]), (0.0, 0.0));
        assert_eq!(count_interval(&[0.0; 4]), (0.0, 0.0));
        assert_eq!(count_interval(&[1.0; 4]), (4.0, 4.0));
    }

    #[test]
    fn the_poisson_interval_is_near_the_exact_one() {
        // Garwood's exact 90% limits for 1, 5 and 20 events.
        for (count, low, high) in [(1, 0.0513, 4.744), (5, 1.970, 10.51), (20, 13.25, 29.06)] {
            let (l, h) = poisson_interval(count);
            assert!((l - low).abs() / low < 0.05, "{count}: {l} vs {low}");
            assert!((h - high).abs() / high < 0.02, "{count}: {h} vs {high}");
        }
        assert!((poisson_interval(0).1 - 2.996).abs() < 0.01);
    }

    #[test]
    fn a_team_about_to_lose_twice_last_years_pace_is_worse_beyond_chance() {
        // 20 people at 40%: 8 expected; last year 2 of 20 left.
        let outlook = GroupOutlook::of("T".into(), &[0.4; 20], past(2, 20.0), 12);
        let pace = outlook.last_year.unwrap();
        assert!((pace.at_today_size - 2.0).abs() < 1e-9);
        let change = outlook.change.unwrap();
        assert!((change.leavers - 6.0).abs() < 1e-9);
        assert!(change.worse, "{change:?}");
        // The same chances against a past at the same pace: nothing to flag.
        let usual = GroupOutlook::of("U".into(), &[0.4; 20], past(8, 20.0), 12);
        assert!(!usual.change.unwrap().worse);
    }

    #[test]
    fn last_years_pace_follows_the_groups_size_and_the_horizon() {
        // Lost 3 of an average 10 in a year; 20 people now; a 6-month horizon.
        let outlook = GroupOutlook::of("T".into(), &[0.1; 20], past(3, 10.0), 6);
        assert!((outlook.last_year.unwrap().at_today_size - 3.0).abs() < 1e-9);
        // A shorter history: 2 leavers in 6 months of an average 10 is 4 a year.
        let short = PastYear {
            voluntary_leavers: 2,
            average_headcount: 10.0,
            months: 6,
        };
        let outlook = GroupOutlook::of("T".into(), &[0.1; 10], Some(short), 12);
        assert!((outlook.last_year.unwrap().at_today_size - 4.0).abs() < 1e-9);
    }

    #[test]
    fn the_ranking_puts_the_group_that_worsened_first() {
        let mut outlooks = vec![
            GroupOutlook::of("large, steady".into(), &[0.2; 60], past(12, 60.0), 12),
            GroupOutlook::of("large, a little up".into(), &[0.22; 60], past(11, 60.0), 12),
            GroupOutlook::of("no history".into(), &[0.9; 10], None, 12),
            GroupOutlook::of("small, worsened".into(), &[0.5; 8], past(1, 8.0), 12),
        ];
        rank_outlooks(&mut outlooks);
        let order: Vec<&str> = outlooks.iter().map(|o| o.group.as_str()).collect();
        assert_eq!(
            order,
            [
                "small, worsened",
                "large, a little up",
                "large, steady",
                "no history"
            ]
        );
    }

    proptest! {
        #[test]
        fn the_count_interval_holds_the_expected_count(
            chances in proptest::collection::vec(0.0f64..=1.0, 1..60)
        ) {
            let (low, high) = count_interval(&chances);
            let expected: f64 = chances.iter().sum();
            prop_assert!(low <= high);
            prop_assert!(low <= expected.ceil() && expected.floor() <= high,
                "{low}..{high} vs {expected}");
            prop_assert!(high <= chances.len() as f64);
        }

        #[test]
        fn the_change_interval_holds_the_change(
            chances in proptest::collection::vec(0.0f64..=1.0, 1..40),
            leavers in 0usize..30,
            headcount in 1.0f64..80.0,
        ) {
            let o = GroupOutlook::of("G".into(), &chances, past(leavers, headcount), 12);
            let c = o.change.unwrap();
            prop_assert!(c.low <= c.leavers && c.leavers <= c.high);
            let pace = o.last_year.unwrap();
            prop_assert!(pace.low <= pace.at_today_size + 1e-9);
            prop_assert!(pace.at_today_size <= pace.high + 1e-9);
        }
    }
}
