//! Warnings: the rules that turn a rise in someone's risk into a warning for HR — at most one
//! per person per episode — and what every warning suggests: supportive actions chosen by the
//! kind of driver behind the risk, and the conduct expected of whoever reads it.

use crate::capacity::{Capacity, CapacityError, DEFAULT_CAPACITY};
use crate::risk::RiskBand;
use crate::roles::ColumnRole;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A condition on a person's scores that raises a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum WarningRule {
    /// The person's risk enters the High band.
    EntersHigh,
    /// The person's probability rose by at least `points` (0.15: fifteen percentage points)
    /// over its lowest value in the last `days`.
    RisesBy { points: f64, days: i64 },
    /// A team's expected leavers (the sum of its people's probabilities) reach `leavers`.
    /// Teams under [`MIN_GROUP_SIZE`] are never judged.
    TeamExpectedLeavers { leavers: f64 },
    /// A team's outlook worsened against its own recent past: the leavers it is expected to
    /// lose reached `ratio` times what they were at its best point in the last `days` (at
    /// its current size) and rose by at least `leavers` people. Teams under
    /// [`MIN_GROUP_SIZE`] are never judged.
    TeamWorsens { days: i64, ratio: f64, leavers: f64 },
    /// On a run over the whole organization, the highest expected regretted losses not yet
    /// warned about, as many as the month's capacity leaves room for (its reserve for rises
    /// aside). Needs a capacity.
    HighestRisks,
}

/// Groups smaller than this are never shown or judged on their own (TRUST.md 5).
pub const MIN_GROUP_SIZE: usize = crate::suppression::MIN_GROUP_FLOOR;

/// An organization's warning rules and how long after a warning the same person is left alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningPolicy {
    pub rules: Vec<WarningRule>,
    /// Days after a warning closes before the same person can be warned again.
    pub cooldown_days: i64,
    /// How many people HR can hold conversations with a month: no month's person warnings
    /// exceed it. `None`: every trip warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// A share of person warnings, drawn at random, kept back: stored, counted against the
    /// month's capacity, never shown or delivered — so that "what helped" can compare the
    /// people warned with the same kind of people not warned, the warnings' own effect.
    /// Off (0) by default; at most half.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub holdout_share: f64,
}

fn is_zero(share: &f64) -> bool {
    *share == 0.0
}

/// How long a held-out warning keeps its person out of new warnings (then the cooldown runs):
/// half a year, the usual horizon over which its outcome is read.
pub const HOLD_OUT_DAYS: i64 = 183;

/// Whether the warning about `person` for `month` is kept back, at `share`: a draw uniform on
/// [0, 1) from a hash of the two — random across people, the same if the run is repeated.
pub fn held_out(person: &str, month: chrono::NaiveDate, share: f64) -> bool {
    use std::hash::{Hash, Hasher};
    if share <= 0.0 {
        return false;
    }
    // SipHash with fixed keys: the same draw in every process and on every machine.
    let mut hasher = std::hash::DefaultHasher::new();
    (person, month).hash(&mut hasher);
    let draw = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
    draw < share
}

impl Default for WarningPolicy {
    /// The highest risks within [`DEFAULT_CAPACITY`], and anyone entering High or rising
    /// fifteen points in ninety days within the same capacity.
    fn default() -> WarningPolicy {
        WarningPolicy {
            rules: vec![
                WarningRule::HighestRisks,
                WarningRule::EntersHigh,
                WarningRule::RisesBy {
                    points: 0.15,
                    days: 90,
                },
            ],
            cooldown_days: 30,
            capacity: Some(DEFAULT_CAPACITY),
            holdout_share: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error(transparent)]
    Capacity(#[from] CapacityError),
    #[error("the highest-risks rule warns within a capacity: say how many conversations HR can hold a month (\"capacity\": {{\"share_per_month\": 0.03}})")]
    NoCapacity,
    #[error("a rise must be between 0.01 and 1 (a share: 0.15 is fifteen points), not {0}")]
    Points(f64),
    #[error("a rise is looked for over 1 to 730 days, not {0}")]
    Days(i64),
    #[error("the cooldown is 0 to 365 days, not {0}")]
    Cooldown(i64),
    #[error("a team's expected leavers threshold is 0.5 to 10,000, not {0}")]
    Leavers(f64),
    #[error("the hold-out share is 0 (off) to 0.5 of warnings, not {0}")]
    Holdout(f64),
    #[error("a team's worsening is a rise to 1.1 to 10 times its earlier expected leavers (1.5: half as many again), not {0}")]
    Ratio(f64),
}

impl WarningPolicy {
    /// Checks a policy an organization wants to set.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for rule in &self.rules {
            match *rule {
                WarningRule::RisesBy { points, days } => {
                    if !(0.01..=1.0).contains(&points) {
                        return Err(PolicyError::Points(points));
                    }
                    if !(1..=730).contains(&days) {
                        return Err(PolicyError::Days(days));
                    }
                }
                WarningRule::TeamExpectedLeavers { leavers } => {
                    if !(0.5..=10_000.0).contains(&leavers) {
                        return Err(PolicyError::Leavers(leavers));
                    }
                }
                WarningRule::TeamWorsens {
                    days,
                    ratio,
                    leavers,
                } => {
                    if !(1.1..=10.0).contains(&ratio) {
                        return Err(PolicyError::Ratio(ratio));
                    }
                    if !(1..=730).contains(&days) {
                        return Err(PolicyError::Days(days));
                    }
                    if !(0.5..=10_000.0).contains(&leavers) {
                        return Err(PolicyError::Leavers(leavers));
                    }
                }
                WarningRule::HighestRisks if self.capacity.is_none() => {
                    return Err(PolicyError::NoCapacity)
                }
                WarningRule::EntersHigh | WarningRule::HighestRisks => {}
            }
        }
        if let Some(capacity) = &self.capacity {
            capacity.validate()?;
        }
        if !(0..=365).contains(&self.cooldown_days) {
            return Err(PolicyError::Cooldown(self.cooldown_days));
        }
        if !(0.0..=0.5).contains(&self.holdout_share) {
            return Err(PolicyError::Holdout(self.holdout_share));
        }
        Ok(())
    }

    /// Which rules a person's new score trips, given their earlier scores (any order).
    pub fn tripped(&self, earlier: &[PastScore], now: &PastScore) -> Vec<Trigger> {
        self.rules
            .iter()
            .filter_map(|rule| match *rule {
                WarningRule::EntersHigh => enters_high(earlier, now),
                WarningRule::RisesBy { points, days } => rises_by(earlier, now, points, days),
                WarningRule::TeamExpectedLeavers { .. }
                | WarningRule::TeamWorsens { .. }
                | WarningRule::HighestRisks => None,
            })
            .collect()
    }

    /// Whether a run over the whole organization fills the month's capacity with the
    /// highest risks.
    pub fn fills_capacity(&self) -> bool {
        self.capacity.is_some() && self.rules.contains(&WarningRule::HighestRisks)
    }

    /// Whether a team of `people` whose probabilities sum to `expected` trips a team rule.
    pub fn team_tripped(&self, expected: f64, people: usize) -> Option<Trigger> {
        if people < MIN_GROUP_SIZE {
            return None;
        }
        self.rules.iter().find_map(|rule| match *rule {
            WarningRule::TeamExpectedLeavers { leavers } if expected >= leavers => {
                Some(Trigger::TeamExpectedLeavers {
                    expected,
                    threshold: leavers,
                    people,
                })
            }
            _ => None,
        })
    }

    pub fn has_team_rule(&self) -> bool {
        self.rules.iter().any(|r| {
            matches!(
                r,
                WarningRule::TeamExpectedLeavers { .. } | WarningRule::TeamWorsens { .. }
            )
        })
    }

    /// The days of team history the worsening rule looks back over, if the policy has it.
    pub fn team_lookback_days(&self) -> Option<i64> {
        self.rules.iter().find_map(|r| match *r {
            WarningRule::TeamWorsens { days, .. } => Some(days),
            _ => None,
        })
    }

    /// Whether a team whose outlook is `now` (as of `today`) worsened against its `earlier`
    /// outlooks (any order; those outside the rule's window are passed over).
    pub fn team_worsened(
        &self,
        now: TeamOutlook,
        earlier: &[(NaiveDate, TeamOutlook)],
        today: NaiveDate,
    ) -> Option<Trigger> {
        if now.people < MIN_GROUP_SIZE {
            return None;
        }
        self.rules.iter().find_map(|rule| {
            let WarningRule::TeamWorsens {
                days,
                ratio,
                leavers,
            } = *rule
            else {
                return None;
            };
            let window_start = today - chrono::Days::new(days.max(0) as u64);
            let (since, best) = earlier
                .iter()
                .filter(|(on, o)| *on >= window_start && *on < today && o.people > 0)
                .min_by(|a, b| a.1.rate().total_cmp(&b.1.rate()))?;
            let was = best.rate() * now.people as f64;
            let risen = now.expected - was >= leavers && now.expected >= ratio * was;
            risen.then_some(Trigger::TeamWorsens {
                from: was,
                to: now.expected,
                people: now.people,
                since: *since,
            })
        })
    }
}

/// A team's outlook at one time: its people with a score and the leavers to expect among
/// them (the sum of their probabilities).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeamOutlook {
    pub people: usize,
    pub expected: f64,
}

impl TeamOutlook {
    /// The share of the team expected to leave.
    pub fn rate(&self) -> f64 {
        self.expected / self.people.max(1) as f64
    }
}

/// One stored score of a person: when, the probability and its band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PastScore {
    pub on: NaiveDate,
    pub probability: f64,
    pub band: RiskBand,
}

/// Why a warning was raised, in terms a reader can check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Trigger {
    EntersHigh {
        from: Option<RiskBand>,
        probability: f64,
    },
    RisesBy {
        from: f64,
        to: f64,
        since: NaiveDate,
    },
    TeamExpectedLeavers {
        expected: f64,
        threshold: f64,
        people: usize,
    },
    /// A team expected to lose `to` of its `people` where, at its best since `since`, it was
    /// `from` (at today's size).
    TeamWorsens {
        from: f64,
        to: f64,
        people: usize,
        since: NaiveDate,
    },
    /// Among the highest expected losses of a run over `of` people, `rank` from the top,
    /// within the month's `conversations`.
    HighestRisks {
        rank: usize,
        of: usize,
        probability: f64,
        conversations: usize,
    },
}

impl Trigger {
    /// What changed, in words (no name, no figure beyond the risk itself).
    pub fn words(&self) -> String {
        match self {
            Trigger::EntersHigh {
                from: Some(band), ..
            } => {
                format!("risk rose from {} to high", band.key())
            }
            Trigger::EntersHigh { from: None, .. } => "first scored at high risk".into(),
            Trigger::RisesBy { from, to, since } => format!(
                "risk rose {:.0} points since {since} ({:.0}% → {:.0}%)",
                (to - from) * 100.0,
                from * 100.0,
                to * 100.0
            ),
            Trigger::TeamExpectedLeavers {
                expected,
                threshold,
                people,
            } => format!(
                "the team's expected leavers reached {expected:.1} of {people} people (threshold {threshold:.1})"
            ),
            Trigger::TeamWorsens {
                from,
                to,
                people,
                since,
            } => format!(
                "the team's outlook worsened: {from:.1} → {to:.1} expected leavers of {people} people since {since}"
            ),
            Trigger::HighestRisks {
                rank,
                of,
                probability,
                conversations,
            } => format!(
                "among the highest risks HR has room for: {} of {of} people ({:.0}%), within {conversations} conversations a month",
                ordinal(*rank),
                probability * 100.0
            ),
        }
    }
}

/// 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn latest(earlier: &[PastScore]) -> Option<&PastScore> {
    earlier.iter().max_by_key(|s| s.on)
}

fn enters_high(earlier: &[PastScore], now: &PastScore) -> Option<Trigger> {
    let before = latest(earlier).map(|s| s.band);
    (now.band == RiskBand::High && before != Some(RiskBand::High)).then_some(Trigger::EntersHigh {
        from: before,
        probability: now.probability,
    })
}

fn rises_by(earlier: &[PastScore], now: &PastScore, points: f64, days: i64) -> Option<Trigger> {
    let window_start = now.on - chrono::Days::new(days.max(0) as u64);
    let lowest = earlier
        .iter()
        .filter(|s| s.on >= window_start && s.on <= now.on && s.band != RiskBand::NotEnoughData)
        .min_by(|a, b| a.probability.total_cmp(&b.probability))?;
    (now.probability - lowest.probability >= points - 1e-12).then_some(Trigger::RisesBy {
        from: lowest.probability,
        to: now.probability,
        since: lowest.on,
    })
}

/// A supportive step HR or the manager can take. Warnings never suggest confronting anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SupportiveAction {
    StayConversation,
    PayReview,
    CareerPath,
    Workload,
    ManagerCoaching,
}

impl SupportiveAction {
    /// Every action, in the order pages list them.
    pub const ALL: [SupportiveAction; 5] = [
        SupportiveAction::StayConversation,
        SupportiveAction::PayReview,
        SupportiveAction::CareerPath,
        SupportiveAction::Workload,
        SupportiveAction::ManagerCoaching,
    ];

    /// The action's name in the API and the store (its serde name).
    pub fn key(self) -> &'static str {
        match self {
            SupportiveAction::StayConversation => "stay_conversation",
            SupportiveAction::PayReview => "pay_review",
            SupportiveAction::CareerPath => "career_path",
            SupportiveAction::Workload => "workload",
            SupportiveAction::ManagerCoaching => "manager_coaching",
        }
    }

    /// The action named `key` ([`SupportiveAction::key`]).
    pub fn parse(key: &str) -> Option<SupportiveAction> {
        SupportiveAction::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn words(self) -> &'static str {
        match self {
            SupportiveAction::StayConversation => "Hold a stay conversation: ask what keeps them here, what might make them leave, and what they would change.",
            SupportiveAction::PayReview => "Review their pay against their band and their peers, at the next pay round or sooner.",
            SupportiveAction::CareerPath => "Talk about their career path: the next role, the skills it needs, and a realistic timeline.",
            SupportiveAction::Workload => "Look at their workload and overtime together, and rebalance the team's load where it is heavy.",
            SupportiveAction::ManagerCoaching => "Support their manager: regular one-to-ones, recognition and coaching; after a change of manager, a proper introduction.",
        }
    }

    /// The action suited to a driver: the role of the column it comes from, or its name when
    /// the column has no role (overtime, tenure, the team's recent exits).
    pub fn for_driver(role: Option<ColumnRole>, factor: &str) -> SupportiveAction {
        match role {
            Some(ColumnRole::Pay) => return SupportiveAction::PayReview,
            Some(ColumnRole::Level) => return SupportiveAction::CareerPath,
            Some(ColumnRole::Manager) => return SupportiveAction::ManagerCoaching,
            Some(ColumnRole::Rating) => return SupportiveAction::CareerPath,
            Some(ColumnRole::Survey) => return SupportiveAction::StayConversation,
            _ => {}
        }
        let name = factor.to_lowercase();
        let mentions = |words: &[&str]| words.iter().any(|w| name.contains(w));
        if mentions(&["overtime", "hours", "workload", "shift"]) {
            SupportiveAction::Workload
        } else if mentions(&["promot", "level", "grade"]) {
            SupportiveAction::CareerPath
        } else if mentions(&["pay", "salary", "income", "wage", "bonus"]) {
            SupportiveAction::PayReview
        } else if mentions(&["manager", "supervisor"]) {
            SupportiveAction::ManagerCoaching
        } else {
            SupportiveAction::StayConversation
        }
    }
}

/// Where a warning stands. Closed and dismissed are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningStatus {
    Open,
    Acknowledged,
    ActionRecorded,
    Closed,
    Dismissed,
}

/// A step someone takes on a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStep {
    Acknowledge,
    RecordAction,
    Close,
    Dismiss,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the warning is already {0}: nothing more can be done to it")]
    Final(&'static str),
    #[error("the warning was already acknowledged")]
    AlreadyAcknowledged,
}

impl WarningStatus {
    pub fn key(self) -> &'static str {
        match self {
            WarningStatus::Open => "open",
            WarningStatus::Acknowledged => "acknowledged",
            WarningStatus::ActionRecorded => "action_recorded",
            WarningStatus::Closed => "closed",
            WarningStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(text: &str) -> Option<WarningStatus> {
        [
            WarningStatus::Open,
            WarningStatus::Acknowledged,
            WarningStatus::ActionRecorded,
            WarningStatus::Closed,
            WarningStatus::Dismissed,
        ]
        .into_iter()
        .find(|s| s.key() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, WarningStatus::Closed | WarningStatus::Dismissed)
    }

    /// The status after `step`. Actions can be recorded any number of times; dismissing (an
    /// override) is open at every stage until the warning is closed.
    pub fn after(self, step: LifecycleStep) -> Result<WarningStatus, LifecycleError> {
        if self.is_final() {
            return Err(LifecycleError::Final(self.key()));
        }
        Ok(match step {
            LifecycleStep::Acknowledge if self != WarningStatus::Open => {
                return Err(LifecycleError::AlreadyAcknowledged)
            }
            LifecycleStep::Acknowledge => WarningStatus::Acknowledged,
            LifecycleStep::RecordAction => WarningStatus::ActionRecorded,
            LifecycleStep::Close => WarningStatus::Closed,
            LifecycleStep::Dismiss => WarningStatus::Dismissed,
        })
    }
}

/// What every warning reminds its reader, whatever the drivers.
pub const CONDUCT: &str = "Keep this confidential: it is an estimate from HR records, not a fact about the person. Do not confront them or mention the score; start from what the organization can change. Never let it count against them — no retaliation, no change to their treatment beyond support.";

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(d as u64)
    }

    fn score(d: u32, probability: f64, band: RiskBand) -> PastScore {
        PastScore {
            on: day(d),
            probability,
            band,
        }
    }

    #[test]
    fn entering_high_trips_once_and_staying_high_does_not() {
        let policy = WarningPolicy {
            rules: vec![WarningRule::EntersHigh],
            cooldown_days: 30,
            capacity: None,
            holdout_share: 0.0,
        };
        let medium = score(0, 0.2, RiskBand::Medium);
        let high = score(30, 0.3, RiskBand::High);
        assert_eq!(
            policy.tripped(&[medium], &high),
            [Trigger::EntersHigh {
                from: Some(RiskBand::Medium),
                probability: 0.3
            }]
        );
        let still = score(60, 0.35, RiskBand::High);
        assert!(policy.tripped(&[medium, high], &still).is_empty());
        // The latest earlier score counts, whatever order they come in.
        assert!(policy.tripped(&[high, medium], &still).is_empty());
        assert_eq!(
            policy.tripped(&[], &high)[0].words(),
            "first scored at high risk"
        );
    }

    #[test]
    fn a_rise_counts_from_the_lowest_score_inside_the_window() {
        let policy = WarningPolicy {
            rules: vec![WarningRule::RisesBy {
                points: 0.15,
                days: 90,
            }],
            cooldown_days: 30,
            capacity: None,
            holdout_share: 0.0,
        };
        let earlier = [
            score(0, 0.02, RiskBand::Low), // outside the window
            score(40, 0.05, RiskBand::Low),
            score(70, 0.12, RiskBand::Medium),
        ];
        let now = score(100, 0.2, RiskBand::Medium);
        let tripped = policy.tripped(&earlier, &now);
        assert_eq!(
            tripped,
            [Trigger::RisesBy {
                from: 0.05,
                to: 0.2,
                since: day(40)
            }]
        );
        assert_eq!(
            tripped[0].words(),
            "risk rose 15 points since 2026-02-10 (5% → 20%)"
        );
        let smaller = score(100, 0.19, RiskBand::Medium);
        assert!(policy.tripped(&earlier, &smaller).is_empty());
        // Abstentions are no baseline.
        let abstained = [score(80, 0.0, RiskBand::NotEnoughData)];
        assert!(policy.tripped(&abstained, &now).is_empty());
    }

    #[test]
    fn policies_out_of_range_are_refused() {
        assert_eq!(WarningPolicy::default().validate(), Ok(()));
        let rise = |points, days| WarningPolicy {
            rules: vec![WarningRule::RisesBy { points, days }],
            cooldown_days: 30,
            capacity: None,
            holdout_share: 0.0,
        };
        assert_eq!(rise(15.0, 90).validate(), Err(PolicyError::Points(15.0)));
        assert_eq!(rise(0.15, 0).validate(), Err(PolicyError::Days(0)));
        let cooldown = WarningPolicy {
            cooldown_days: -1,
            ..WarningPolicy::default()
        };
        assert_eq!(cooldown.validate(), Err(PolicyError::Cooldown(-1)));
        let json = serde_json::to_string(&WarningPolicy::default()).unwrap();
        assert_eq!(
            json,
            r#"{"rules":[{"rule":"highest_risks"},{"rule":"enters_high"},{"rule":"rises_by","points":0.15,"days":90}],"cooldown_days":30,"capacity":{"share_per_month":0.0275,"per_department":false,"reserve_for_rises":0.2}}"#
        );
        // A policy stored before capacities were kept still reads, with no capacity.
        let old: WarningPolicy =
            serde_json::from_str(r#"{"rules":[{"rule":"enters_high"}],"cooldown_days":30}"#)
                .unwrap();
        assert_eq!(old.capacity, None);
        let uncapped = WarningPolicy {
            capacity: None,
            ..WarningPolicy::default()
        };
        assert_eq!(uncapped.validate(), Err(PolicyError::NoCapacity));
        let bad_share = WarningPolicy {
            capacity: Some(Capacity {
                share_per_month: 0.9,
                ..DEFAULT_CAPACITY
            }),
            ..WarningPolicy::default()
        };
        assert_eq!(
            bad_share.validate(),
            Err(PolicyError::Capacity(CapacityError::Share(0.9)))
        );
        let trigger = Trigger::HighestRisks {
            rank: 2,
            of: 2000,
            probability: 0.414,
            conversations: 55,
        };
        assert_eq!(
            trigger.words(),
            "among the highest risks HR has room for: 2nd of 2000 people (41%), within 55 conversations a month"
        );
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(21), "21st");
        assert_eq!(ordinal(113), "113th");
    }

    #[test]
    fn a_team_rule_judges_only_teams_of_five_or_more() {
        let policy = WarningPolicy {
            rules: vec![WarningRule::TeamExpectedLeavers { leavers: 2.0 }],
            cooldown_days: 30,
            capacity: None,
            holdout_share: 0.0,
        };
        assert!(policy.has_team_rule());
        assert_eq!(policy.team_tripped(2.5, 4), None);
        assert_eq!(policy.team_tripped(1.9, 12), None);
        let trip = policy.team_tripped(2.5, 12).unwrap();
        assert_eq!(
            trip.words(),
            "the team's expected leavers reached 2.5 of 12 people (threshold 2.0)"
        );
        // Person rules ignore it.
        let now = score(10, 0.9, RiskBand::High);
        assert!(policy.tripped(&[], &now).is_empty());
        let bad = WarningPolicy {
            rules: vec![WarningRule::TeamExpectedLeavers { leavers: 0.1 }],
            cooldown_days: 30,
            capacity: None,
            holdout_share: 0.0,
        };
        assert_eq!(bad.validate(), Err(PolicyError::Leavers(0.1)));
    }

    #[test]
    fn a_team_warns_when_its_outlook_worsens_against_its_own_past() {
        let policy = WarningPolicy {
            rules: vec![WarningRule::TeamWorsens {
                days: 90,
                ratio: 1.5,
                leavers: 1.0,
            }],
            cooldown_days: 30,
            capacity: None,
            holdout_share: 0.0,
        };
        assert!(policy.has_team_rule());
        assert_eq!(policy.team_lookback_days(), Some(90));
        let outlook = |people: usize, p: f64| TeamOutlook {
            people,
            expected: people as f64 * p,
        };
        let today = day(100);
        let earlier = [
            (day(0), outlook(12, 0.01)), // outside the window
            (day(40), outlook(12, 0.08)),
            (day(70), outlook(10, 0.10)),
        ];
        // 12 people at 20%: 2.4 expected; at their best (8%) 0.96.
        let trip = policy
            .team_worsened(outlook(12, 0.2), &earlier, today)
            .unwrap();
        let Trigger::TeamWorsens { from, since, .. } = trip else {
            panic!("{trip:?}")
        };
        assert!((from - 0.96).abs() < 1e-9 && since == day(40));
        assert_eq!(
            trip.words(),
            "the team's outlook worsened: 1.0 → 2.4 expected leavers of 12 people since 2026-02-10"
        );
        // Under one more leaver (to 15%: 1.8), under half as many again (a large team from
        // 30% to 40%), a small team, or no past: no warning.
        assert_eq!(
            policy.team_worsened(outlook(12, 0.15), &earlier, today),
            None
        );
        let large = [(day(50), outlook(60, 0.3))];
        assert_eq!(policy.team_worsened(outlook(60, 0.4), &large, today), None);
        assert!(policy
            .team_worsened(outlook(60, 0.46), &large, today)
            .is_some());
        assert_eq!(policy.team_worsened(outlook(4, 0.9), &earlier, today), None);
        assert_eq!(policy.team_worsened(outlook(12, 0.4), &[], today), None);
        let bad = WarningPolicy {
            rules: vec![WarningRule::TeamWorsens {
                days: 90,
                ratio: 0.5,
                leavers: 1.0,
            }],
            ..policy
        };
        assert_eq!(bad.validate(), Err(PolicyError::Ratio(0.5)));
    }

    #[test]
    fn a_warning_moves_forward_and_stops_once_closed_or_dismissed() {
        use LifecycleStep::*;
        use WarningStatus::*;
        assert_eq!(Open.after(Acknowledge), Ok(Acknowledged));
        assert_eq!(
            Acknowledged.after(Acknowledge),
            Err(LifecycleError::AlreadyAcknowledged)
        );
        assert_eq!(Acknowledged.after(RecordAction), Ok(ActionRecorded));
        assert_eq!(ActionRecorded.after(RecordAction), Ok(ActionRecorded));
        assert_eq!(ActionRecorded.after(Close), Ok(Closed));
        for status in [Open, Acknowledged, ActionRecorded] {
            assert_eq!(status.after(Dismiss), Ok(Dismissed));
        }
        assert_eq!(Closed.after(Dismiss), Err(LifecycleError::Final("closed")));
        assert_eq!(
            Dismissed.after(Close),
            Err(LifecycleError::Final("dismissed"))
        );
        for status in [Open, Acknowledged, ActionRecorded, Closed, Dismissed] {
            assert_eq!(WarningStatus::parse(status.key()), Some(status));
        }
    }

    #[test]
    fn actions_follow_the_driver_and_never_confront() {
        use SupportiveAction::*;
        assert_eq!(
            SupportiveAction::for_driver(Some(ColumnRole::Pay), "MonthlyIncome"),
            PayReview
        );
        assert_eq!(
            SupportiveAction::for_driver(Some(ColumnRole::Manager), "manager_id"),
            ManagerCoaching
        );
        assert_eq!(
            SupportiveAction::for_driver(None, "overtime_hours"),
            Workload
        );
        assert_eq!(
            SupportiveAction::for_driver(None, "last_promotion_date"),
            CareerPath
        );
        assert_eq!(
            SupportiveAction::for_driver(None, "tenure"),
            StayConversation
        );
        for action in [
            StayConversation,
            PayReview,
            CareerPath,
            Workload,
            ManagerCoaching,
        ] {
            assert!(!action.words().to_lowercase().contains("confront"));
        }
        assert!(CONDUCT.contains("confidential") && CONDUCT.contains("retaliation"));
    }

    #[test]
    fn a_hold_out_is_off_by_default_at_most_half_and_draws_its_share() {
        assert_eq!(WarningPolicy::default().holdout_share, 0.0);
        let with = |share| WarningPolicy {
            holdout_share: share,
            ..WarningPolicy::default()
        };
        assert!(with(0.5).validate().is_ok());
        assert_eq!(with(0.6).validate(), Err(PolicyError::Holdout(0.6)));
        assert_eq!(with(-0.1).validate(), Err(PolicyError::Holdout(-0.1)));
        let month = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let drawn = (0..10_000)
            .filter(|i| held_out(&format!("E{i:05}"), month, 0.2))
            .count();
        assert!((1_800..2_200).contains(&drawn), "{drawn}");
        assert!(!held_out("E00001", month, 0.0));
        assert_eq!(
            held_out("E00007", month, 0.3),
            held_out("E00007", month, 0.3)
        );
    }
}
