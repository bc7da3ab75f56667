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
use tenure_store::{
    NewScore, NewWarning, RaisedWarning, ScoreGroups, ScoreOutcome, Store, StoreError,
};

/// Drivers a warning names.
const DRIVERS_PER_WARNING: usize = 3;

/// A scoring run's results, and what its warnings are judged against.
pub(crate) struct ScoringRun<'a> {
    pub version: i64,
    /// The people's earlier scores, read before this run's are stored.
    pub history: &'a HashMap<String, Vec<PastScore>>,
    /// The organization's first scoring run: nothing to rise from, nobody warned.
    pub baseline: bool,
    /// The organization's warning policy.
    pub policy: &'a WarningPolicy,
    pub people: &'a [ScoredPerson],
    pub groups: &'a HashMap<PersonKey, ScoreGroups>,
    pub roles: &'a RoleColumns,
}

/// Stores a run's scores (`rows`) and raises the warnings they trip: the people's in the
/// scores' own transaction, then the teams' (whose rule reads the stored scores).
pub(crate) async fn store_scores_and_warn(
    store: &Store,
    org: OrgId,
    run: &ScoringRun<'_>,
    rows: &[NewScore],
) -> Result<(ScoreOutcome, Vec<RaisedWarning>), StoreError> {
    if run.baseline {
        let outcome = store.save_scores(org, run.version, rows).await?;
        return Ok((outcome, Vec::new()));
    }
    let policy = run.policy;
    let warnings = person_warnings(store, org, run, policy).await?;
    let (outcome, mut raised) = store
        .save_scores_and_raise_warnings(org, run.version, rows, &warnings)
        .await?;
    if policy.has_team_rule() {
        let teams = team_warnings(store, org, run.version, policy, run.people, run.groups).await?;
        raised.extend(store.raise_warnings(org, &teams).await?);
    }
    Ok((outcome, raised))
}

/// The warnings the people's new scores trip, but for those already in a warning episode.
async fn person_warnings(
    store: &Store,
    org: OrgId,
    run: &ScoringRun<'_>,
    policy: &WarningPolicy,
) -> Result<Vec<NewWarning>, StoreError> {
    // A few people re-scored after an event are looked up one by one; a full run reads the
    // organization's episodes at once.
    let in_episode = if run.people.len() <= 64 {
        let keys: Vec<&str> = run.people.iter().map(|p| p.score.person.as_str()).collect();
        store
            .in_warning_episode(org, &keys, policy.cooldown_days)
            .await?
    } else {
        store
            .people_in_warning_episode(org, policy.cooldown_days)
            .await?
    };
    let today = Utc::now().date_naive();
    Ok(run
        .people
        .iter()
        .filter(|p| !in_episode.contains(p.score.person.as_str()))
        .filter_map(|p| {
            let now = PastScore {
                on: p.score.as_of.unwrap_or(today),
                probability: p.score.probability?,
                band: p.band,
            };
            let earlier = run
                .history
                .get(p.score.person.as_str())
                .map_or(&[][..], Vec::as_slice);
            let triggers = policy.tripped(earlier, &now);
            if triggers.is_empty() {
                return None;
            }
            Some(NewWarning {
                person: Some(p.score.person.to_string()),
                model_version: run.version,
                triggers: json!({
                    "what_changed": triggers.iter().map(|t| t.words()).collect::<Vec<_>>(),
                    "rules": triggers,
                    "conduct": CONDUCT,
                }),
                drivers: drivers(p, run.roles),
                groups: run.groups.get(&p.score.person).cloned().unwrap_or_default(),
            })
        })
        .collect())
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
