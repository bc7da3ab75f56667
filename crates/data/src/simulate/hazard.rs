//! The simulator's causes of voluntary exit and their strengths: the ground truth a model is
//! measured against. Each cause adds a term to the log of the monthly hazard.

/// The monthly voluntary-exit hazard of a person with every cause at its neutral value.
pub const BASE_MONTHLY_HAZARD: f64 = 0.0038;

/// Everything about a person-month that the causes read.
#[derive(Debug, Clone, Copy)]
pub struct Exposure {
    /// Pay divided by the median of the person's band (department × level).
    pub compa_ratio: f64,
    pub months_since_promotion: f64,
    /// Latest engagement-survey score (1–5), if the person ever answered.
    pub engagement: Option<f64>,
    /// Change between the last two survey answers, if there are two.
    pub engagement_change: Option<f64>,
    pub overtime_hours: f64,
    /// The manager's quality, standard normal: below zero is worse than average.
    pub manager_quality: f64,
    pub months_since_manager_change: f64,
    pub teammates_left_6m: f64,
    pub tenure_months: f64,
    /// 1 = January.
    pub month_of_year: u32,
    pub commute_km: f64,
    pub rating: Option<f64>,
    /// Unobserved person-level propensity: the part no model can learn.
    pub frailty: f64,
}

/// One documented cause: its name, what it means, and its log-hazard term.
pub struct Cause {
    pub key: &'static str,
    pub description: &'static str,
    pub term: fn(&Exposure) -> f64,
}

pub const CAUSES: &[Cause] = &[
    Cause { key: "pay_below_band", description: "pay below the band median: +3.0 per unit of (1 − compa-ratio) below 1 (10% under band ≈ ×1.35, 20% ≈ ×1.8)", term: |e| 3.0 * (1.0 - e.compa_ratio).max(0.0) },
    Cause { key: "no_promotion", description: "no promotion for long: +0.025 per month beyond 24 months since the last promotion, at most +0.9 (×2.5 at 60 months)", term: |e| (0.025 * (e.months_since_promotion - 24.0)).clamp(0.0, 0.9) },
    Cause { key: "low_engagement", description: "low engagement: +0.45 per survey point below 3.6 (−0.45 per point above); no answer is neutral", term: |e| e.engagement.map_or(0.0, |s| 0.45 * (3.6 - s)) },
    Cause { key: "falling_engagement", description: "falling engagement: +0.35 when the last survey answer fell by 0.5 points or more", term: |e| if e.engagement_change.is_some_and(|d| d <= -0.5) { 0.35 } else { 0.0 } },
    Cause { key: "heavy_overtime", description: "heavy overtime: +0.04 per monthly overtime hour beyond 20, at most +0.8", term: |e| (0.04 * (e.overtime_hours - 20.0)).clamp(0.0, 0.8) },
    Cause { key: "poor_manager", description: "a poor manager: −0.35 × the manager's quality (standard normal; a manager 1.5 sd below average ≈ ×1.7)", term: |e| -0.35 * e.manager_quality },
    Cause { key: "manager_change", description: "a new manager: +0.25 in the 3 months after a manager change", term: |e| if e.months_since_manager_change < 3.0 { 0.25 } else { 0.0 } },
    Cause { key: "teammates_left", description: "teammates leaving: +0.18 per voluntary exit from the team in the last 6 months, at most 4", term: |e| 0.18 * e.teammates_left_6m.min(4.0) },
    Cause { key: "tenure_curve", description: "tenure's bathtub: +0.8·e^(−tenure/8 months) early on, +0.25 in years 2–4, −0.3 after 10 years", term: |e| {
        let t = e.tenure_months;
        0.8 * (-t / 8.0).exp() + if (24.0..48.0).contains(&t) { 0.25 } else { 0.0 } - if t >= 120.0 { 0.3 } else { 0.0 }
    } },
    Cause { key: "bonus_season", description: "the yearly peak after the February bonus payout: +0.45 in March, +0.2 in April", term: |e| match e.month_of_year { 3 => 0.45, 4 => 0.2, _ => 0.0 } },
    Cause { key: "long_commute", description: "a long commute: +0.012 per km beyond 25", term: |e| 0.012 * (e.commute_km - 25.0).max(0.0) },
    Cause { key: "rating_extremes", description: "ratings at the extremes: +0.3 at rating ≤ 2 (disengaged), +0.2 at rating 5 (sought after)", term: |e| match e.rating { Some(r) if r <= 2.0 => 0.3, Some(r) if r >= 5.0 => 0.2, _ => 0.0 } },
    Cause { key: "unobserved", description: "unobserved person-level propensity: normal, sd 0.25 (no model can see it)", term: |e| e.frailty },
];

/// The monthly probability of a voluntary exit and each cause's log-hazard term.
pub fn voluntary_hazard(exposure: &Exposure) -> (f64, Vec<f64>) {
    let terms: Vec<f64> = CAUSES.iter().map(|c| (c.term)(exposure)).collect();
    let hazard = (BASE_MONTHLY_HAZARD * terms.iter().sum::<f64>().exp()).min(0.5);
    (hazard, terms)
}

/// Monthly probability of dismissal: rare, and driven by low ratings.
pub fn dismissal_hazard(rating: Option<f64>) -> f64 {
    0.0012 * (0.9 * (3.0 - rating.unwrap_or(3.0)).max(0.0)).exp()
}

/// Monthly probability of retirement from age 60.
pub fn retirement_hazard(age_years: f64) -> f64 {
    if age_years >= 60.0 {
        0.02 + 0.01 * (age_years - 60.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neutral() -> Exposure {
        Exposure {
            compa_ratio: 1.0,
            months_since_promotion: 12.0,
            engagement: Some(3.6),
            engagement_change: Some(0.0),
            overtime_hours: 10.0,
            manager_quality: 0.0,
            months_since_manager_change: 24.0,
            teammates_left_6m: 0.0,
            tenure_months: 60.0,
            month_of_year: 6,
            commute_km: 10.0,
            rating: Some(3.0),
            frailty: 0.0,
        }
    }

    #[test]
    fn a_neutral_person_has_the_base_hazard() {
        let (hazard, _) = voluntary_hazard(&neutral());
        assert!(
            (hazard - BASE_MONTHLY_HAZARD * (0.8f64 * (-60.0f64 / 8.0).exp()).exp()).abs() < 1e-12
        );
    }

    #[test]
    fn every_documented_cause_raises_the_hazard() {
        let (base, _) = voluntary_hazard(&neutral());
        let worse: Vec<(&str, Exposure)> = vec![
            (
                "pay",
                Exposure {
                    compa_ratio: 0.85,
                    ..neutral()
                },
            ),
            (
                "promotion",
                Exposure {
                    months_since_promotion: 48.0,
                    ..neutral()
                },
            ),
            (
                "engagement",
                Exposure {
                    engagement: Some(2.5),
                    ..neutral()
                },
            ),
            (
                "overtime",
                Exposure {
                    overtime_hours: 35.0,
                    ..neutral()
                },
            ),
            (
                "manager",
                Exposure {
                    manager_quality: -1.5,
                    ..neutral()
                },
            ),
            (
                "teammates",
                Exposure {
                    teammates_left_6m: 2.0,
                    ..neutral()
                },
            ),
            (
                "bonus",
                Exposure {
                    month_of_year: 3,
                    ..neutral()
                },
            ),
        ];
        for (name, exposure) in worse {
            assert!(voluntary_hazard(&exposure).0 > base * 1.2, "{name}");
        }
    }
}

#[cfg(test)]
mod documentation {
    #[test]
    fn the_data_docs_document_every_cause() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/data.md"))
                .expect("docs/data.md");
        for cause in super::CAUSES {
            assert!(
                readme.contains(&format!("`{}`", cause.key)),
                "docs/data.md does not document the cause {}",
                cause.key
            );
        }
        assert!(
            readme.contains(&super::BASE_MONTHLY_HAZARD.to_string()),
            "docs/data.md states the base hazard"
        );
    }
}
