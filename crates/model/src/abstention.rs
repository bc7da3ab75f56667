//! When not to score: a person with too little history or too many missing inputs is reported
//! as "not enough data" rather than given a number that only looks precise.

use std::collections::BTreeMap;
use tenure_domain::Value;

/// More than this share of the export's own inputs missing: not enough to go on.
pub const MAX_MISSING_SHARE: f64 = 0.5;
/// Fewer monthly snapshots than this, for someone who is not simply new, is too little
/// history: their trends and time since the last promotion cannot be seen yet.
pub const MIN_MONTHS_ON_RECORD: u32 = 3;

/// What the data shows about one person at one date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// Inputs from the export (not derived) that are missing, and how many there are.
    pub missing_inputs: usize,
    pub inputs: usize,
    /// Panels: monthly snapshots up to and including this one.
    pub months_on_record: Option<u32>,
    /// Panels: tenure in months, when a hire date or the history tells it.
    pub tenure_months: Option<f64>,
}

impl Evidence {
    /// Counts the missing values among a snapshot's own inputs.
    pub fn of_inputs(inputs: &BTreeMap<String, Value>) -> Evidence {
        Evidence {
            missing_inputs: inputs.values().filter(|v| v.is_missing()).count(),
            inputs: inputs.len(),
            months_on_record: None,
            tenure_months: None,
        }
    }
}

/// Why this person should not be scored, if they should not.
pub fn abstention(evidence: &Evidence) -> Option<String> {
    if evidence.inputs == 0
        || evidence.missing_inputs as f64 > MAX_MISSING_SHARE * evidence.inputs as f64
    {
        return Some(format!(
            "too many missing inputs ({} of {})",
            evidence.missing_inputs, evidence.inputs
        ));
    }
    let months = evidence.months_on_record?;
    // Someone hired in those months is new, not unknown: their short history is the whole truth.
    let simply_new = evidence
        .tenure_months
        .is_some_and(|t| t < f64::from(months) + 1.0);
    (months < MIN_MONTHS_ON_RECORD && !simply_new).then(|| {
        format!(
            "too little history ({months} {} on record)",
            if months == 1 { "month" } else { "months" }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(missing: usize, months: Option<u32>, tenure: Option<f64>) -> Evidence {
        Evidence {
            missing_inputs: missing,
            inputs: 10,
            months_on_record: months,
            tenure_months: tenure,
        }
    }

    #[test]
    fn too_many_missing_inputs_abstains() {
        assert_eq!(
            abstention(&evidence(6, None, None)).as_deref(),
            Some("too many missing inputs (6 of 10)")
        );
        assert_eq!(
            abstention(&evidence(5, None, None)),
            None,
            "half is still enough"
        );
    }

    #[test]
    fn a_short_history_abstains_unless_the_person_is_new() {
        assert_eq!(
            abstention(&evidence(0, Some(1), Some(40.0))).as_deref(),
            Some("too little history (1 month on record)")
        );
        assert_eq!(
            abstention(&evidence(0, Some(2), None)).as_deref(),
            Some("too little history (2 months on record)")
        );
        assert_eq!(
            abstention(&evidence(0, Some(1), Some(0.0))),
            None,
            "hired this month"
        );
        assert_eq!(abstention(&evidence(0, Some(3), Some(40.0))), None);
    }
}
