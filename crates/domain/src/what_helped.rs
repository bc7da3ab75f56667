//! What helped: for each kind of supportive action recorded on warnings, how many of the
//! people it was taken for stayed past the horizon, against comparable warned people for whom
//! nothing was recorded — compared within bands of the risk they were warned at, so an action
//! HR kept for the riskiest is not blamed for their risk.
//!
//! This is observational: HR chose whom to act for, and for what, so a difference can come
//! from that choice as much as from the action. Every figure says so where it is shown. The
//! warnings' own effect is the exception: with a hold-out share, warnings kept back at random
//! are compared with those delivered — an experiment.

use crate::SupportiveAction;
use serde::Serialize;

/// Two-sided 90%.
const Z_90: f64 = 1.644_853_626_951_472_2;
/// Bands of risk at the warning the comparison is made within.
const RISK_BANDS: usize = 5;

/// A warning about a person whose outcome is known: they stayed past the horizon, or left
/// voluntarily within it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowedWarning {
    /// The probability of leaving they were warned at.
    pub risk: f64,
    /// The action recorded on it (the first with a kind); `None` with no action recorded.
    pub action: Option<SupportiveAction>,
    pub stayed: bool,
    /// Kept back by the policy's hold-out: never shown, so nothing was done.
    pub held_out: bool,
}

/// One action kind against comparable warnings with no action.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ActionEffect {
    pub action: SupportiveAction,
    /// Warnings it was recorded on whose outcome is known, and how many of those stayed.
    pub warned: usize,
    pub stayed: usize,
    pub stay_rate: f64,
    /// The stay rate of warned people with no action, in the same mix of risk.
    pub comparable_stay_rate: f64,
    /// `stay_rate` − `comparable_stay_rate`, with its 90% interval.
    pub difference: f64,
    pub low: f64,
    pub high: f64,
    /// Its warnings in risk bands with no comparable warning, left out of the comparison.
    pub without_comparison: usize,
}

/// The warnings' own effect: everyone warned against those whose warning was kept back at
/// random — an experiment, unlike the actions' comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WarningsEffect {
    pub warned: usize,
    pub stayed: usize,
    pub held_out: usize,
    pub held_out_stayed: usize,
    /// Stay rate of the warned less that of the held out (in the warned's mix of risk), with
    /// its 90% interval.
    pub difference: f64,
    pub low: f64,
    pub high: f64,
}

/// Every action kind's effect, the likeliest to have helped first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatHelped {
    pub effects: Vec<ActionEffect>,
    /// With a hold-out share in the policy, once some held-out warnings' outcomes are known.
    pub warnings_effect: Option<WarningsEffect>,
    /// Warnings with no action recorded whose outcome is known, and how many stayed.
    pub no_action_warned: usize,
    pub no_action_stayed: usize,
}

/// Compares each action kind with no action, within [`RISK_BANDS`] bands of risk (quantiles of
/// the risks of all the warnings followed).
pub fn what_helped(followed: &[FollowedWarning]) -> WhatHelped {
    let edges = band_edges(followed);
    let band = |risk: f64| edges.iter().filter(|e| risk > **e).count();
    let tally = |keep: &dyn Fn(&FollowedWarning) -> bool| {
        let mut bands = vec![Tally::default(); RISK_BANDS];
        for w in followed.iter().filter(|w| keep(w)) {
            bands[band(w.risk)].add(w.stayed);
        }
        bands
    };
    let none = tally(&|w| !w.held_out && w.action.is_none());
    let mut effects: Vec<ActionEffect> = SupportiveAction::ALL
        .iter()
        .filter_map(|&action| {
            let taken = tally(&|w| !w.held_out && w.action == Some(action));
            let c = compare(&taken, &none)?;
            Some(ActionEffect {
                action,
                warned: c.taken.warned,
                stayed: c.taken.stayed,
                stay_rate: c.taken.rate(),
                comparable_stay_rate: c.comparable,
                difference: c.difference,
                low: c.low,
                high: c.high,
                without_comparison: c.without_comparison,
            })
        })
        .collect();
    effects.sort_by(|a, b| {
        b.difference
            .total_cmp(&a.difference)
            .then(a.action.cmp(&b.action))
    });
    let held = tally(&|w| w.held_out);
    let warnings_effect = compare(&tally(&|w| !w.held_out), &held).map(|c| {
        let held = sum(&held);
        WarningsEffect {
            warned: c.taken.warned,
            stayed: c.taken.stayed,
            held_out: held.warned,
            held_out_stayed: held.stayed,
            difference: c.difference,
            low: c.low,
            high: c.high,
        }
    });
    let no_action = sum(&none);
    WhatHelped {
        effects,
        warnings_effect,
        no_action_warned: no_action.warned,
        no_action_stayed: no_action.stayed,
    }
}

fn sum(bands: &[Tally]) -> Tally {
    bands.iter().fold(Tally::default(), |sum, t| sum.plus(t))
}

#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    warned: usize,
    stayed: usize,
}

impl Tally {
    fn add(&mut self, stayed: bool) {
        self.warned += 1;
        self.stayed += usize::from(stayed);
    }

    fn plus(self, other: &Tally) -> Tally {
        Tally {
            warned: self.warned + other.warned,
            stayed: self.stayed + other.stayed,
        }
    }

    fn rate(&self) -> f64 {
        self.stayed as f64 / self.warned as f64
    }

    /// The variance of the rate, with half a success and half a failure added so that a band
    /// where everyone stayed still counts its doubt.
    fn variance(&self) -> f64 {
        let p = (self.stayed as f64 + 0.5) / (self.warned as f64 + 1.0);
        p * (1.0 - p) / self.warned as f64
    }
}

/// A group's stay rate against a comparison group's, in the group's mix of risk.
struct Comparison {
    taken: Tally,
    comparable: f64,
    difference: f64,
    low: f64,
    high: f64,
    without_comparison: usize,
}

/// The stay rate of `taken` against that of `others`, standardized to `taken`'s mix of risk:
/// each band weighs as many of `taken`'s warnings as it holds; bands without any of `others`
/// are left out. `None` when no band has both.
fn compare(taken: &[Tally], others: &[Tally]) -> Option<Comparison> {
    let compared: Vec<(&Tally, &Tally)> = taken
        .iter()
        .zip(others)
        .filter(|(t, n)| t.warned > 0 && n.warned > 0)
        .collect();
    let total = sum(taken);
    let weight_sum: usize = compared.iter().map(|(t, _)| t.warned).sum();
    if weight_sum == 0 {
        return None;
    }
    let (mut own, mut comparable, mut variance) = (0.0, 0.0, 0.0);
    for (t, n) in &compared {
        let w = t.warned as f64 / weight_sum as f64;
        own += w * t.rate();
        comparable += w * n.rate();
        variance += w * w * (t.variance() + n.variance());
    }
    let difference = own - comparable;
    let half = Z_90 * variance.sqrt();
    Some(Comparison {
        taken: total,
        comparable,
        difference,
        low: difference - half,
        high: difference + half,
        without_comparison: total.warned - weight_sum,
    })
}

/// The risks at which the followed warnings split into [`RISK_BANDS`] bands of equal count.
fn band_edges(followed: &[FollowedWarning]) -> Vec<f64> {
    let mut risks: Vec<f64> = followed.iter().map(|w| w.risk).collect();
    if risks.is_empty() {
        return Vec::new();
    }
    risks.sort_by(f64::total_cmp);
    (1..RISK_BANDS)
        .map(|i| risks[(i * risks.len() / RISK_BANDS).min(risks.len() - 1)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use SupportiveAction::*;

    /// `n` warnings at `risk` with `action`, `stayed` of them staying.
    fn warnings(
        n: usize,
        stayed: usize,
        risk: f64,
        action: Option<SupportiveAction>,
    ) -> Vec<FollowedWarning> {
        (0..n)
            .map(|i| FollowedWarning {
                risk,
                action,
                stayed: i < stayed,
                held_out: false,
            })
            .collect()
    }

    #[test]
    fn the_action_after_which_more_stayed_ranks_first_with_an_interval_above_zero() {
        let mut followed = Vec::new();
        for risk in [0.2, 0.4, 0.6] {
            followed.extend(warnings(100, 60, risk, None));
            followed.extend(warnings(60, 54, risk, Some(PayReview)));
            followed.extend(warnings(60, 36, risk, Some(StayConversation)));
        }
        let helped = what_helped(&followed);
        let first = helped.effects[0];
        assert_eq!(first.action, PayReview);
        assert!((first.difference - 0.3).abs() < 1e-9, "{first:?}");
        assert!(first.low > 0.0 && first.high < 0.5, "{first:?}");
        let second = helped.effects[1];
        assert_eq!(second.action, StayConversation);
        assert!(second.low < 0.0 && second.high > 0.0, "{second:?}");
        assert_eq!(
            helped.effects.len(),
            2,
            "kinds never recorded are not listed"
        );
        assert_eq!(
            (helped.no_action_warned, helped.no_action_stayed),
            (300, 180)
        );
    }

    #[test]
    fn an_action_kept_for_the_riskiest_is_compared_within_its_risk() {
        // No action helps, but HR held stay conversations for the riskiest, who stay less:
        // a raw comparison would blame the conversations; within bands there is nothing.
        let mut followed = Vec::new();
        followed.extend(warnings(200, 180, 0.1, None));
        followed.extend(warnings(20, 18, 0.1, Some(StayConversation)));
        followed.extend(warnings(20, 10, 0.8, None));
        followed.extend(warnings(200, 100, 0.8, Some(StayConversation)));
        let effect = what_helped(&followed).effects[0];
        assert!(effect.stay_rate < 0.55, "{effect:?}");
        assert!(effect.difference.abs() < 1e-9, "{effect:?}");
    }

    #[test]
    fn held_out_warnings_measure_the_warnings_own_effect_and_never_count_as_no_action() {
        let mut followed = warnings(100, 70, 0.3, None);
        followed.extend(warnings(100, 90, 0.3, Some(CareerPath)));
        let held: Vec<FollowedWarning> = warnings(100, 60, 0.3, None)
            .into_iter()
            .map(|w| FollowedWarning {
                held_out: true,
                ..w
            })
            .collect();
        followed.extend(held);
        let helped = what_helped(&followed);
        assert_eq!(
            (helped.no_action_warned, helped.no_action_stayed),
            (100, 70)
        );
        let effect = helped.warnings_effect.unwrap();
        assert_eq!((effect.warned, effect.stayed), (200, 160));
        assert_eq!((effect.held_out, effect.held_out_stayed), (100, 60));
        assert!((effect.difference - 0.2).abs() < 1e-9, "{effect:?}");
        assert!(effect.low > 0.0, "{effect:?}");
        assert!(what_helped(&warnings(10, 5, 0.3, None))
            .warnings_effect
            .is_none());
    }

    #[test]
    fn an_action_with_no_comparable_warning_is_left_out() {
        let mut followed = warnings(50, 40, 0.1, None);
        followed.extend(warnings(30, 20, 0.9, Some(Workload)));
        let helped = what_helped(&followed);
        // With two distinct risks, the bands split them: the workload warnings have no
        // unactioned warning beside them.
        assert!(helped.effects.is_empty(), "{helped:?}");
        assert!(what_helped(&[]).effects.is_empty());
    }
}
