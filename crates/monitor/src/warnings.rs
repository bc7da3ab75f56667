//! Warnings after a scoring run: each newly scored person's risk against their own history,
//! read through the organization's policy. A trip becomes a warning — what changed, the top
//! drivers each with a supportive action, and the conduct expected — unless the person is
//! already in a warning episode. Team rules then look at the teams of the people scored: their
//! expected leavers against the threshold, teams under five never judged. An organization's
//! first scoring run is its baseline: with no history to rise from, it warns nobody.

use crate::score::ScoredPerson;
use chrono::Utc;
use serde_json::json;
use std::collections::HashMap;
use tenure_domain::{
    OrgId, PastScore, PersonKey, RoleColumns, SupportiveAction, WarningPolicy, CONDUCT,
};
use tenure_store::{NewWarning, RaisedWarning, ScoreGroups, Store, StoreError};

/// Drivers a warning names.
const DRIVERS_PER_WARNING: usize = 3;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn raise_after_scoring(
    store: &Store,
    org: OrgId,
    version: i64,
    history: &HashMap<String, Vec<PastScore>>,
    baseline: bool,
    people: &[ScoredPerson],
    groups: &HashMap<PersonKey, ScoreGroups>,
    roles: &RoleColumns,
) -> Result<Vec<RaisedWarning>, StoreError> {
    if baseline {
        return Ok(Vec::new());
    }
    let policy = store.warning_policy(org).await?;
    // A few people re-scored after an event are looked up one by one; a full run reads the
    // organization's episodes at once.
    let in_episode = if people.len() <= 64 {
        let keys: Vec<&str> = people.iter().map(|p| p.score.person.as_str()).collect();
        store
            .in_warning_episode(org, &keys, policy.cooldown_days)
            .await?
    } else {
        store
            .people_in_warning_episode(org, policy.cooldown_days)
            .await?
    };
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
                person: Some(p.score.person.to_string()),
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
    let mut raised = store.raise_warnings(org, &warnings).await?;
    if policy.has_team_rule() {
        let teams = team_warnings(store, org, version, &policy, people, groups).await?;
        raised.extend(store.raise_warnings(org, &teams).await?);
    }
    Ok(raised)
}

/// Warnings for the teams of the people just scored whose expected leavers reached the
/// policy's threshold, unless the team is already in a warning episode.
async fn team_warnings(
    store: &Store,
    org: OrgId,
    version: i64,
    policy: &WarningPolicy,
    people: &[ScoredPerson],
    groups: &HashMap<PersonKey, ScoreGroups>,
) -> Result<Vec<NewWarning>, StoreError> {
    let in_episode = store
        .teams_in_warning_episode(org, policy.cooldown_days)
        .await?;
    let mut teams: Vec<&ScoreGroups> = people
        .iter()
        .filter_map(|p| groups.get(&p.score.person))
        .filter(|g| g.team.as_ref().is_some_and(|t| !in_episode.contains(t)))
        .collect();
    teams.sort_by(|a, b| a.team.cmp(&b.team));
    teams.dedup_by(|a, b| a.team == b.team);
    let mut warnings = Vec::new();
    for team in teams {
        let name = team.team.as_deref().expect("filtered to named teams");
        let (size, expected) = store.team_risk(org, version, name).await?;
        if let Some(trigger) = policy.team_tripped(expected, size) {
            warnings.push(NewWarning {
                person: None,
                model_version: version,
                triggers: json!({
                    "what_changed": [trigger.words()],
                    "rules": [trigger],
                    "conduct": CONDUCT,
                }),
                drivers: json!([]),
                groups: team.clone(),
            });
        }
    }
    Ok(warnings)
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
