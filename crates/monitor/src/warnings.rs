//! Warnings after a scoring run: each newly scored person's risk against their own history,
//! read through the organization's policy. A trip becomes a warning — what changed, the top
//! drivers each with a supportive action, and the conduct expected — unless the person is
//! already in a warning episode. Team rules then look at the teams of the people scored: their
//! expected leavers against the threshold, teams under five never judged. An organization's
//! first scoring run is its baseline: with no history to rise from, it warns nobody.

use crate::score::ScoredPerson;
use chrono::Utc;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use tenure_domain::{
    OrgId, PastScore, PersonKey, RoleColumns, SupportiveAction, WarningPolicy, CONDUCT,
};
use tenure_store::{
    NewScore, NewWarning, RaisedWarning, ScoreGroups, ScoreOutcome, ScoringWrite, Store, StoreError,
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

/// A scoring run's scores and the warnings they raised, written but not yet committed: the
/// caller adds to the write (the warnings' deliveries, the end of the job) and commits it.
pub(crate) struct WrittenRun {
    pub write: ScoringWrite,
    pub outcome: ScoreOutcome,
    pub raised: Vec<RaisedWarning>,
}

/// Writes a run's scores (`rows`) and raises the warnings they trip: the people's, then the
/// teams' (whose rule reads the scores just written). What the warnings are judged against is
/// read before the write begins, which on SQLite holds the one writer.
pub(crate) async fn write_scores_and_warn(
    store: &Store,
    org: OrgId,
    run: &ScoringRun<'_>,
    rows: &[NewScore],
) -> Result<WrittenRun, StoreError> {
    let policy = run.policy;
    let (warnings, teams_in_episode) = if run.baseline {
        (Vec::new(), None)
    } else {
        let teams_in_episode = if policy.has_team_rule() {
            Some(
                store
                    .teams_in_warning_episode(org, policy.cooldown_days)
                    .await?,
            )
        } else {
            None
        };
        (
            person_warnings(store, org, run, policy).await?,
            teams_in_episode,
        )
    };
    let mut write = store.begin_scoring_write(org).await?;
    let outcome = write.save_scores(run.version, rows).await?;
    let mut raised = write.raise_warnings(&warnings).await?;
    if let Some(in_episode) = teams_in_episode {
        let teams = team_warnings(&mut write, run, &in_episode).await?;
        raised.extend(write.raise_warnings(&teams).await?);
    }
    Ok(WrittenRun {
        write,
        outcome,
        raised,
    })
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

/// Warnings for the teams of the people just scored whose expected leavers, counting the
/// scores in `write`, reached the policy's threshold, unless the team is already in a warning
/// episode.
async fn team_warnings(
    write: &mut ScoringWrite,
    run: &ScoringRun<'_>,
    in_episode: &HashSet<String>,
) -> Result<Vec<NewWarning>, StoreError> {
    let mut teams: Vec<&ScoreGroups> = run
        .people
        .iter()
        .filter_map(|p| run.groups.get(&p.score.person))
        .filter(|g| g.team.as_ref().is_some_and(|t| !in_episode.contains(t)))
        .collect();
    teams.sort_by(|a, b| a.team.cmp(&b.team));
    teams.dedup_by(|a, b| a.team == b.team);
    let mut warnings = Vec::new();
    for team in teams {
        let name = team.team.as_deref().expect("filtered to named teams");
        let (size, expected) = write.team_risk(run.version, name).await?;
        if let Some(trigger) = run.policy.team_tripped(expected, size) {
            warnings.push(NewWarning {
                person: None,
                model_version: run.version,
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
                "words_zh": f.words_zh,
                "action": action,
                "action_words": action.words(),
            })
        })
        .collect()
}
