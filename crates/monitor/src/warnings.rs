//! Warnings after a scoring run: each newly scored person's risk against their own history,
//! read through the organization's policy. A trip becomes a warning — what changed, the top
//! drivers each with a supportive action, and the conduct expected — unless the person is
//! already in a warning episode. An organization's first scoring run is its baseline: with no
//! history to rise from, it warns nobody.

use crate::score::ScoredPerson;
use chrono::Utc;
use serde_json::json;
use std::collections::HashMap;
use tenure_domain::{OrgId, PastScore, PersonKey, RoleColumns, SupportiveAction, CONDUCT};
use tenure_store::{NewWarning, ScoreGroups, Store, StoreError};

/// Drivers a warning names.
const DRIVERS_PER_WARNING: usize = 3;

pub(crate) async fn raise_after_scoring(
    store: &Store,
    org: OrgId,
    version: i64,
    history: &HashMap<String, Vec<PastScore>>,
    people: &[ScoredPerson],
    groups: &HashMap<PersonKey, ScoreGroups>,
    roles: &RoleColumns,
) -> Result<usize, StoreError> {
    if history.is_empty() {
        return Ok(0);
    }
    let policy = store.warning_policy(org).await?;
    let in_episode = store
        .people_in_warning_episode(org, policy.cooldown_days)
        .await?;
    let today = Utc::now().date_naive();
    let warnings: Vec<NewWarning> = people
        .iter()
        .filter(|p| !in_episode.contains(p.score.person.as_str()))
        .filter_map(|p| {
            let now = PastScore {
                on: p.score.as_of.unwrap_or(today),
                probability: p.score.probability?,
                band: p.band,
            };
            let earlier = history
                .get(p.score.person.as_str())
                .map_or(&[][..], Vec::as_slice);
            let triggers = policy.tripped(earlier, &now);
            if triggers.is_empty() {
                return None;
            }
            Some(NewWarning {
                person: p.score.person.to_string(),
                model_version: version,
                triggers: json!({
                    "what_changed": triggers.iter().map(|t| t.words()).collect::<Vec<_>>(),
                    "rules": triggers,
                    "conduct": CONDUCT,
                }),
                drivers: drivers(p, roles),
                groups: groups.get(&p.score.person).cloned().unwrap_or_default(),
            })
        })
        .collect();
    Ok(store.raise_warnings(org, &warnings).await?.len())
}

/// The factors raising the person's risk most, each with the supportive action it suggests.
fn drivers(p: &ScoredPerson, roles: &RoleColumns) -> serde_json::Value {
    let role_of = |column: &str| {
        roles
            .columns()
            .find(|(_, c)| *c == column)
            .map(|(role, _)| role)
    };
    p.score
        .explanation
        .raising(DRIVERS_PER_WARNING)
        .iter()
        .map(|f| {
            let action = SupportiveAction::for_driver(role_of(&f.factor), &f.factor);
            json!({
                "factor": f.factor,
                "words": f.words,
                "action": action,
                "action_words": action.words(),
            })
        })
        .collect()
}
