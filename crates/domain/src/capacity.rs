//! HR's capacity: how many supportive conversations it can hold a month, and the choice of
//! whom to warn within it. People whose risk tripped a rule (it rose, it entered High) come
//! first; then, on a run over the whole organization, the highest expected regretted losses
//! fill what is left but a reserve kept for rises later in the month. No month's warnings
//! ever exceed the capacity, in any pool (the organization, or each department).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How many supportive conversations HR can hold a month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// Conversations a month as a share of the people scored (0.0275: under three in a
    /// hundred).
    pub share_per_month: f64,
    /// Or a fixed number a month, which then overrides the share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversations_per_month: Option<u32>,
    /// Each department holds its own share (in proportion to its people) rather than all of
    /// them drawing on one.
    #[serde(default)]
    pub per_department: bool,
    /// The share of each month's conversations the highest-risks rule leaves for people whose
    /// risk rises later in the month.
    #[serde(default = "default_reserve")]
    pub reserve_for_rises: f64,
}

fn default_reserve() -> f64 {
    DEFAULT_CAPACITY.reserve_for_rises
}

/// The capacity assumed when an organization has not said its own: conversations for 2.75%
/// of the people a month — 55 for 2,000 people, under three for each HR business partner at
/// the common ratio of one per hundred employees — a fifth of them kept for rises.
pub const DEFAULT_CAPACITY: Capacity = Capacity {
    share_per_month: 0.0275,
    conversations_per_month: None,
    per_department: false,
    reserve_for_rises: 0.2,
};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CapacityError {
    #[error("a capacity share is 0.001 to 0.5 of the people a month (0.03: three in a hundred), not {0}")]
    Share(f64),
    #[error("a capacity is 1 to 100,000 conversations a month, not {0}")]
    Conversations(u32),
    #[error("the reserve for rises is 0 to 0.9 of the month's conversations, not {0}")]
    Reserve(f64),
}

/// A pool's conversations this month: how many it allows and how many are spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Budget {
    pub allowed: usize,
    pub used: usize,
}

/// Which pool a person's warnings draw on: their department's, or (`None`) the
/// organization's one.
pub type Pool = Option<String>;

/// Someone who may be warned this run.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The person's department, when they have one.
    pub department: Option<String>,
    /// A rule tripped (their risk rose or entered High): first call on the capacity.
    pub tripped: bool,
    /// Their expected regretted loss: what ranks them.
    pub expected_loss: f64,
}

impl Capacity {
    pub fn validate(&self) -> Result<(), CapacityError> {
        if !(0.001..=0.5).contains(&self.share_per_month) {
            return Err(CapacityError::Share(self.share_per_month));
        }
        if let Some(count) = self.conversations_per_month {
            if !(1..=100_000).contains(&count) {
                return Err(CapacityError::Conversations(count));
            }
        }
        if !(0.0..=0.9).contains(&self.reserve_for_rises) {
            return Err(CapacityError::Reserve(self.reserve_for_rises));
        }
        Ok(())
    }

    /// The pool a person in `department` draws on.
    pub fn pool_of(&self, department: Option<&str>) -> Pool {
        if self.per_department {
            department.map(str::to_owned)
        } else {
            None
        }
    }

    /// Each pool's conversations a month, from the people scored in each department: a pool
    /// of people always has at least one.
    pub fn allowed(&self, headcount: &[(Option<String>, usize)]) -> HashMap<Pool, usize> {
        let total: usize = headcount.iter().map(|(_, n)| n).sum();
        let for_people = |people: usize| {
            let share = match self.conversations_per_month {
                Some(count) if total > 0 => count as f64 * people as f64 / total as f64,
                Some(count) => count as f64,
                None => self.share_per_month * people as f64,
            };
            (share.round() as usize).max(usize::from(people > 0))
        };
        let mut people: HashMap<Pool, usize> = HashMap::new();
        for (department, n) in headcount {
            *people
                .entry(self.pool_of(department.as_deref()))
                .or_default() += n;
        }
        people
            .into_iter()
            .map(|(pool, n)| (pool, for_people(n)))
            .collect()
    }

    /// The conversations of a pool allowing `allowed` that the highest-risks rule may fill.
    fn fillable(&self, allowed: usize) -> usize {
        allowed - (self.reserve_for_rises * allowed as f64).floor() as usize
    }

    /// Whom to warn, as indexes into `candidates`: those who tripped a rule, highest
    /// expected loss first, while their pool has room; then, when `fill` (a run over the
    /// whole organization with the highest-risks rule), the others, highest first, up to the
    /// pool's fillable share. `budgets` is each pool's month so far, and is spent here. A
    /// pool with no budget has room for none.
    pub fn choose(
        &self,
        candidates: &[Candidate],
        budgets: &mut HashMap<Pool, Budget>,
        fill: bool,
    ) -> Vec<usize> {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&candidates[a], &candidates[b]);
            b.tripped
                .cmp(&a.tripped)
                .then(b.expected_loss.total_cmp(&a.expected_loss))
        });
        let mut chosen = Vec::new();
        for index in order {
            let candidate = &candidates[index];
            if !candidate.tripped && !fill {
                break;
            }
            let pool = self.pool_of(candidate.department.as_deref());
            let Some(budget) = budgets.get_mut(&pool) else {
                continue;
            };
            let limit = if candidate.tripped {
                budget.allowed
            } else {
                self.fillable(budget.allowed)
            };
            if budget.used < limit {
                budget.used += 1;
                chosen.push(index);
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(department: &str, tripped: bool, expected_loss: f64) -> Candidate {
        Candidate {
            department: Some(department.into()),
            tripped,
            expected_loss,
        }
    }

    #[test]
    fn the_default_holds_fifty_five_conversations_for_two_thousand_people() {
        let allowed = DEFAULT_CAPACITY.allowed(&[(Some("Sales".into()), 1200), (None, 800)]);
        assert_eq!(allowed, HashMap::from([(None, 55)]));
        assert_eq!(DEFAULT_CAPACITY.fillable(55), 44);
        // A handful of people still get one conversation.
        assert_eq!(DEFAULT_CAPACITY.allowed(&[(None, 4)])[&None], 1);
        assert_eq!(DEFAULT_CAPACITY.validate(), Ok(()));
    }

    #[test]
    fn departments_hold_their_own_share_of_a_fixed_number() {
        let capacity = Capacity {
            conversations_per_month: Some(20),
            per_department: true,
            ..DEFAULT_CAPACITY
        };
        let allowed = capacity.allowed(&[
            (Some("Sales".into()), 300),
            (Some("R&D".into()), 100),
            (Some("Legal".into()), 3),
        ]);
        assert_eq!(allowed[&Some("Sales".to_string())], 15);
        assert_eq!(allowed[&Some("R&D".to_string())], 5);
        assert_eq!(allowed[&Some("Legal".to_string())], 1);
    }

    #[test]
    fn rises_come_first_and_the_fill_leaves_the_reserve() {
        let capacity = Capacity {
            reserve_for_rises: 0.5,
            ..DEFAULT_CAPACITY
        };
        let candidates = [
            candidate("Sales", false, 0.9),
            candidate("Sales", false, 0.8),
            candidate("Sales", true, 0.1),
            candidate("Sales", false, 0.7),
        ];
        let mut budgets = HashMap::from([(
            None,
            Budget {
                allowed: 4,
                used: 0,
            },
        )]);
        // The rise first, then the fill up to half of four.
        assert_eq!(capacity.choose(&candidates, &mut budgets, true), [2, 0]);
        assert_eq!(budgets[&None].used, 2);
        // A run over a few people fills nothing, but a rise still finds room.
        let rise = [
            candidate("Sales", true, 0.05),
            candidate("Sales", false, 0.99),
        ];
        assert_eq!(capacity.choose(&rise, &mut budgets, false), [0]);
        assert_eq!(capacity.choose(&rise, &mut budgets, false), [0]);
        // The month is spent: nobody more, rise or not.
        assert!(capacity.choose(&rise, &mut budgets, true).is_empty());
    }

    #[test]
    fn no_pool_is_ever_overspent() {
        // Every mix of rises and fills, pools and budgets: the chosen never exceed any
        // pool's allowance.
        let departments = ["Sales", "R&D", "Ops"];
        for seed in 0..200u64 {
            let mut next = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let mut random = |n: u64| {
                next = next
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (next >> 33) % n
            };
            let per_department = random(2) == 1;
            let capacity = Capacity {
                per_department,
                reserve_for_rises: random(10) as f64 / 10.0,
                ..DEFAULT_CAPACITY
            };
            let candidates: Vec<Candidate> = (0..random(40))
                .map(|i| {
                    candidate(
                        departments[random(3) as usize],
                        random(4) == 0,
                        i as f64 / 40.0,
                    )
                })
                .collect();
            let mut budgets: HashMap<Pool, Budget> = departments
                .iter()
                .map(|d| {
                    let allowed = random(6) as usize;
                    let budget = Budget {
                        allowed,
                        used: random(allowed as u64 + 1) as usize,
                    };
                    (capacity.pool_of(Some(d)), budget)
                })
                .collect();
            let before = budgets.clone();
            let chosen = capacity.choose(&candidates, &mut budgets, random(2) == 1);
            for (pool, budget) in &budgets {
                assert!(budget.used <= budget.allowed.max(before[pool].used));
                let spent = chosen
                    .iter()
                    .filter(|&&i| capacity.pool_of(candidates[i].department.as_deref()) == *pool)
                    .count();
                assert_eq!(budget.used, before[pool].used + spent);
            }
        }
    }

    #[test]
    fn capacities_out_of_range_are_refused() {
        let share = Capacity {
            share_per_month: 3.0,
            ..DEFAULT_CAPACITY
        };
        assert_eq!(share.validate(), Err(CapacityError::Share(3.0)));
        let none = Capacity {
            conversations_per_month: Some(0),
            ..DEFAULT_CAPACITY
        };
        assert_eq!(none.validate(), Err(CapacityError::Conversations(0)));
        let reserve = Capacity {
            reserve_for_rises: 1.0,
            ..DEFAULT_CAPACITY
        };
        assert_eq!(reserve.validate(), Err(CapacityError::Reserve(1.0)));
    }
}
