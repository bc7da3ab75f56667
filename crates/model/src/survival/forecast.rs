//! Expected voluntary leavers per group over the next months, with the interval the
//! individual probabilities imply, and what replacing them would cost.
//!
//! Replacement cost defaults to 21% of annual pay: the typical cost of replacing an employee
//! found across 30 case studies by Boushey & Glynn, "There Are Significant Business Costs to
//! Replacing Employees" (Center for American Progress, 2012) — 16% for lower-paid roles, about
//! 20% for mid-range ones and up to 213% for senior executives. Organizations set their own
//! shares per job level.

use super::hazard::Outlook;
use super::poisson_binomial::{
    count_interval, count_interval_with_level_uncertainty, CountInterval,
};
use std::collections::BTreeMap;

/// Groups smaller than this are never reported on their own (TRUST: no figures on fewer than
/// five people).
pub const MIN_GROUP_SIZE: usize = 5;
/// The forecast's horizons in months.
pub const HORIZONS: [usize; 3] = [3, 6, 12];
/// The interval's probability.
pub const INTERVAL_LEVEL: f64 = 0.9;

/// What replacing a leaver costs, as a share of their annual pay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplacementCost {
    pub default_share: f64,
    /// Shares by the value of the level column; levels not listed use the default.
    pub share_by_level: BTreeMap<String, f64>,
}

impl Default for ReplacementCost {
    fn default() -> Self {
        ReplacementCost {
            default_share: 0.21,
            share_by_level: BTreeMap::new(),
        }
    }
}

impl ReplacementCost {
    pub fn of(&self, annual_pay: Option<f64>, level: Option<&str>) -> Option<f64> {
        let share = level
            .and_then(|l| self.share_by_level.get(l))
            .copied()
            .unwrap_or(self.default_share);
        annual_pay.map(|pay| pay * share)
    }
}

/// One person currently employed, as the forecast needs them.
#[derive(Debug, Clone)]
pub struct ForecastPerson {
    pub outlook: Outlook,
    /// The group this person is counted in (team, department, …); `None` if unknown.
    pub group: Option<String>,
    /// Cost of replacing them, when their pay is known.
    pub replacement_cost: Option<f64>,
    /// Whether they would be a regretted leaver (a strong performer or a critical role);
    /// `None` when the organization's data cannot tell.
    pub regretted: Option<bool>,
}

/// A group's forecast at one horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizonForecast {
    pub months: usize,
    /// The interval counts both who leaves and how uncertain the overall level is.
    pub leavers: CountInterval,
    /// The narrower interval if the individual probabilities were exact (Poisson-binomial).
    pub leavers_if_exact: CountInterval,
    /// Expected cost of replacing this horizon's leavers, over the people whose pay is known.
    pub expected_cost: f64,
    /// People whose pay is unknown, left out of the cost.
    pub cost_unknown_people: usize,
    /// Expected regretted leavers and the cost of replacing them; `None` when nobody can be
    /// told apart as regretted.
    pub regretted: Option<RegrettedForecast>,
}

/// The regretted leavers to expect within a horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegrettedForecast {
    pub expected: f64,
    /// The cost of replacing them, over the regretted whose pay is known.
    pub expected_cost: f64,
    /// People who would be regretted leavers, whatever their risk.
    pub people: usize,
}

/// A group and its forecasts; `None` forecasts when it is too small to report.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupForecast {
    pub group: String,
    pub people: usize,
    pub horizons: Option<Vec<HorizonForecast>>,
}

/// The organization as a whole, then each group largest expected count first. `level_sd` is
/// the uncertainty of the overall level of leaving, as a log-scale standard deviation (see
/// [`level_uncertainty`]).
pub fn forecast(people: &[ForecastPerson], level_sd: f64) -> (GroupForecast, Vec<GroupForecast>) {
    let everyone: Vec<&ForecastPerson> = people.iter().collect();
    let organization = group_forecast(
        "organization".into(),
        &everyone,
        level_sd,
        everyone.len() < MIN_GROUP_SIZE,
    );
    let mut groups: BTreeMap<&str, Vec<&ForecastPerson>> = BTreeMap::new();
    for person in people {
        groups
            .entry(person.group.as_deref().unwrap_or("(unknown)"))
            .or_default()
            .push(person);
    }
    // A lone small group could be worked out from the organization's figures minus the
    // others': complementary suppression hides as many more as that takes.
    let sizes: Vec<usize> = groups.values().map(Vec::len).collect();
    let hidden = tenure_domain::hidden_groups(&sizes, MIN_GROUP_SIZE);
    let mut by_group: Vec<GroupForecast> = groups
        .into_iter()
        .zip(hidden)
        .map(|((name, members), hide)| group_forecast(name.to_owned(), &members, level_sd, hide))
        .collect();
    let six_months = |g: &GroupForecast| {
        g.horizons
            .as_ref()
            .and_then(|h| h.iter().find(|f| f.months == 6))
            .map_or(-1.0, |f| f.leavers.expected)
    };
    by_group.sort_by(|a, b| {
        six_months(b)
            .total_cmp(&six_months(a))
            .then(a.group.cmp(&b.group))
    });
    (organization, by_group)
}

/// How uncertain a model's overall level of leaving is, having seen `recent_leavers` voluntary
/// exits in the last year: a Poisson count's relative standard error, 1/√n. The level is what
/// the data pins least — a calibration fitted on a few hundred exits is a few percent off
/// either way — and every person's probability moves with it, so it does not average out
/// over a large group the way individual chance does.
pub fn level_uncertainty(recent_leavers: usize) -> f64 {
    1.0 / (recent_leavers.max(1) as f64).sqrt()
}

/// [`level_uncertainty`] widened by what an out-of-time check of the model saw: a model fitted
/// before its last months missed their exits by `log_ratio` (log observed/expected), of which
/// 1/√`observed` is the count's own chance. The rest is one draw of the error a forecast makes
/// by carrying the past into months it has not seen — a drift the inputs do not explain, a
/// season learnt from two years — and is taken as that error's standard deviation.
pub fn level_uncertainty_checked(recent_leavers: usize, log_ratio: f64, observed: usize) -> f64 {
    let chance = 1.0 / observed.max(1) as f64;
    let carried = (log_ratio * log_ratio - chance).max(0.0);
    (level_uncertainty(recent_leavers).powi(2) + carried).sqrt()
}

fn group_forecast(
    group: String,
    members: &[&ForecastPerson],
    level_sd: f64,
    hidden: bool,
) -> GroupForecast {
    if hidden {
        return GroupForecast {
            group,
            people: members.len(),
            horizons: None,
        };
    }
    let horizons = HORIZONS
        .iter()
        .map(|&months| {
            let probabilities: Vec<f64> = members
                .iter()
                .map(|p| p.outlook.leave_within(months))
                .collect();
            let expected_cost = members
                .iter()
                .zip(&probabilities)
                .filter_map(|(p, q)| p.replacement_cost.map(|c| c * q))
                .sum();
            HorizonForecast {
                months,
                leavers: count_interval_with_level_uncertainty(
                    &probabilities,
                    INTERVAL_LEVEL,
                    level_sd,
                ),
                leavers_if_exact: count_interval(&probabilities, INTERVAL_LEVEL),
                expected_cost,
                cost_unknown_people: members
                    .iter()
                    .filter(|p| p.replacement_cost.is_none())
                    .count(),
                regretted: regretted_forecast(members, &probabilities),
            }
        })
        .collect();
    GroupForecast {
        group,
        people: members.len(),
        horizons: Some(horizons),
    }
}

/// The regretted among `members` (leaving with `probabilities`): their expected count and
/// cost; `None` when none of them is known either way.
fn regretted_forecast(
    members: &[&ForecastPerson],
    probabilities: &[f64],
) -> Option<RegrettedForecast> {
    members.iter().any(|p| p.regretted.is_some()).then(|| {
        let regretted = || {
            members
                .iter()
                .zip(probabilities)
                .filter(|(p, _)| p.regretted == Some(true))
        };
        RegrettedForecast {
            expected: regretted().map(|(_, q)| q).sum(),
            expected_cost: regretted()
                .filter_map(|(p, q)| p.replacement_cost.map(|c| c * q))
                .sum(),
            people: regretted().count(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(monthly_hazard: f64, group: &str, pay: Option<f64>) -> ForecastPerson {
        ForecastPerson {
            outlook: Outlook {
                survival: (1..=12).map(|k| (1.0 - monthly_hazard).powi(k)).collect(),
            },
            group: Some(group.into()),
            replacement_cost: ReplacementCost::default().of(pay, None),
            regretted: None,
        }
    }

    #[test]
    fn regretted_leavers_are_the_strong_and_critical_among_the_expected() {
        let mut people: Vec<ForecastPerson> = (0..10)
            .map(|i| ForecastPerson {
                regretted: Some(i < 4),
                ..person(0.02, "Sales", (i % 2 == 0).then_some(50_000.0))
            })
            .collect();
        let (organization, _) = forecast(&people, 0.0);
        let six = &organization.horizons.as_ref().unwrap()[1];
        let q = 1.0 - 0.98f64.powi(6);
        let regretted = six.regretted.unwrap();
        assert_eq!(regretted.people, 4);
        assert!((regretted.expected - 4.0 * q).abs() < 1e-9);
        // Two of the four regretted have a known pay.
        assert!((regretted.expected_cost - 2.0 * q * 0.21 * 50_000.0).abs() < 1e-6);
        assert!(regretted.expected < six.leavers.expected);
        for p in &mut people {
            p.regretted = None;
        }
        let (unknown, _) = forecast(&people, 0.0);
        assert_eq!(unknown.horizons.unwrap()[1].regretted, None);
    }

    #[test]
    fn an_out_of_time_miss_widens_the_level_beyond_its_chance() {
        let base = level_uncertainty(400);
        assert!((base - 0.05).abs() < 1e-12);
        // A miss no bigger than the count's own chance adds nothing…
        assert!((level_uncertainty_checked(400, 0.05, 400) - base).abs() < 1e-9);
        assert_eq!(level_uncertainty_checked(400, 0.01, 400), base);
        // …a 20% miss on 400 exits adds what is left of it beyond that chance.
        let wide = level_uncertainty_checked(400, 0.2, 400);
        let expected = (0.05f64.powi(2) + 0.2f64.powi(2) - 1.0 / 400.0).sqrt();
        assert!((wide - expected).abs() < 1e-12);
        assert_eq!(level_uncertainty_checked(400, -0.2, 400), wide);
    }

    #[test]
    fn groups_add_up_and_small_ones_are_withheld() {
        let mut people: Vec<ForecastPerson> = (0..10)
            .map(|_| person(0.02, "Sales", Some(50_000.0)))
            .collect();
        people.extend((0..3).map(|_| person(0.1, "Legal", None)));
        let (organization, groups) = forecast(&people, 0.0);
        assert_eq!(organization.people, 13);
        let six = &organization.horizons.as_ref().unwrap()[1];
        let expected = 10.0 * (1.0 - 0.98f64.powi(6)) + 3.0 * (1.0 - 0.9f64.powi(6));
        assert!((six.leavers.expected - expected).abs() < 1e-9);
        assert!(
            (six.expected_cost - 10.0 * (1.0 - 0.98f64.powi(6)) * 0.21 * 50_000.0).abs() < 1e-6
        );
        assert_eq!(six.cost_unknown_people, 3);
        let legal = groups.iter().find(|g| g.group == "Legal").unwrap();
        assert_eq!((legal.people, legal.horizons.is_none()), (3, true));
        // Sales alone shown would give Legal away (organization minus Sales): hidden too.
        let sales = groups.iter().find(|g| g.group == "Sales").unwrap();
        assert!(sales.horizons.is_none());
        people.extend((0..8).map(|_| person(0.02, "Ops", None)));
        let (_, groups) = forecast(&people, 0.0);
        let shown: Vec<&str> = groups
            .iter()
            .filter(|g| g.horizons.is_some())
            .map(|g| g.group.as_str())
            .collect();
        assert_eq!(
            shown,
            ["Sales"],
            "Ops (the smallest above five) goes with Legal"
        );
    }

    #[test]
    fn an_uncertain_level_widens_the_interval_and_keeps_the_expectation() {
        let people: Vec<ForecastPerson> = (0..400).map(|_| person(0.02, "Sales", None)).collect();
        let (sure, _) = forecast(&people, 0.0);
        let (unsure, _) = forecast(&people, level_uncertainty(100));
        let (a, b) = (&sure.horizons.unwrap()[2], &unsure.horizons.unwrap()[2]);
        assert_eq!(a.leavers.expected, b.leavers.expected);
        assert_eq!(a.leavers, a.leavers_if_exact);
        assert!(b.leavers.upper - b.leavers.lower > a.leavers.upper - a.leavers.lower);
        assert_eq!(b.leavers_if_exact, a.leavers);
        assert!((level_uncertainty(400) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn a_level_can_cost_more_than_the_default() {
        let cost = ReplacementCost {
            default_share: 0.21,
            share_by_level: BTreeMap::from([("Executive".to_string(), 2.13)]),
        };
        assert_eq!(cost.of(Some(100.0), Some("Executive")), Some(213.0));
        assert_eq!(cost.of(Some(100.0), Some("Analyst")), Some(21.0));
        assert_eq!(cost.of(None, Some("Executive")), None);
    }
}
