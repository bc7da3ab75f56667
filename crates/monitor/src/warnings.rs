//! Warnings after a scoring run: each newly scored person's risk against their own history,
//! read through the organization's policy. A trip becomes a warning — what changed, the top
//! drivers each with a supportive action, and the conduct expected — unless the person is
//! already in a warning episode or the month's capacity is spent; a run over the whole
//! organization then fills what capacity is left with the highest risks. Team rules then look at the teams of the people scored: their
//! expected leavers against the threshold, teams under five never judged. An organization's
//! first scoring run is its baseline: with no history to rise from, it warns nobody.

use crate::score::ScoredPerson;
use chrono::{Datelike, NaiveDate, Utc};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use tenure_domain::{
    Budget, Candidate, OrgId, PastScore, PersonKey, Pool, RoleColumns, SupportiveAction,
    TeamOutlook, Trigger, WarningPolicy, CONDUCT,
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
    /// The people who would be regretted leavers (strong performers, critical roles): their
    /// expected loss counts [`tenure_domain::REGRET_WEIGHT`] times.
    pub regretted: &'a HashSet<PersonKey>,
    /// The run scored everyone the organization employs (not a few people after an event):
    /// only such a run fills the month's capacity with the highest risks.
    pub whole_organization: bool,
}

/// A scoring run's scores and the warnings they raised, written but not yet committed: the
/// caller adds to the write (the warnings' deliveries, the end of the job) and commits it.
pub(crate) struct WrittenRun {
    pub write: ScoringWrite,
    pub outcome: ScoreOutcome,
    pub raised: Vec<RaisedWarning>,
}

/// Writes a run's scores (`rows`) and raises the warnings they trip: the people's, within
/// the month's capacity, then the teams' (whose rule reads the scores just written). What the
/// warnings are judged against is read before the write begins, which on SQLite holds the one
/// writer; what the month's capacity has spent is read inside it.
pub(crate) async fn write_scores_and_warn(
    store: &Store,
    org: OrgId,
    run: &ScoringRun<'_>,
    rows: &[NewScore],
) -> Result<WrittenRun, StoreError> {
    let policy = run.policy;
    let (candidates, teams_in_episode) = if run.baseline {
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
        (person_candidates(store, org, run).await?, teams_in_episode)
    };
    let mut write = store.begin_scoring_write(org).await?;
    let outcome = write.save_scores(run.version, rows).await?;
    let warnings = if candidates.is_empty() {
        Vec::new()
    } else {
        person_warnings(&mut write, run, candidates).await?
    };
    // Held-out warnings are stored (they spend the month's capacity and start an episode) but
    // go no further: the run raises only the others, which alone are delivered.
    let (held_out, delivered): (Vec<NewWarning>, Vec<NewWarning>) =
        warnings.into_iter().partition(|w| w.held_out);
    write.raise_warnings(&held_out).await?;
    let mut raised = write.raise_warnings(&delivered).await?;
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

/// A person who may be warned this run, and the rules their new score tripped (none: they
/// are only among the highest risks the capacity may fill with).
struct PersonCandidate<'a> {
    person: &'a ScoredPerson,
    triggers: Vec<Trigger>,
}

/// The people of the run not already in a warning episode whose new score tripped a rule,
/// and, on a run over the whole organization whose policy fills its capacity, everyone else
/// with a score.
async fn person_candidates<'a>(
    store: &Store,
    org: OrgId,
    run: &ScoringRun<'a>,
) -> Result<Vec<PersonCandidate<'a>>, StoreError> {
    let policy = run.policy;
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
    let fill = run.whole_organization && policy.fills_capacity();
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
            (fill || !triggers.is_empty()).then_some(PersonCandidate {
                person: p,
                triggers,
            })
        })
        .collect())
}

/// The warnings for `candidates`: with no capacity, everyone who tripped a rule; within a
/// capacity, those [`Capacity::choose`] picks against what the month has spent.
async fn person_warnings(
    write: &mut ScoringWrite,
    run: &ScoringRun<'_>,
    candidates: Vec<PersonCandidate<'_>>,
) -> Result<Vec<NewWarning>, StoreError> {
    let month = run.month();
    let Some(capacity) = run.policy.capacity else {
        return Ok(candidates
            .into_iter()
            .filter(|c| !c.triggers.is_empty())
            .map(|c| warning(run, c.person, c.triggers, month, None))
            .collect());
    };
    let headcount = if run.whole_organization {
        headcount_of(run)
    } else {
        write.scored_headcount(run.version).await?
    };
    let allowed = capacity.allowed(&headcount);
    let mut budgets: HashMap<Pool, Budget> = allowed
        .iter()
        .map(|(pool, &allowed)| (pool.clone(), Budget { allowed, used: 0 }))
        .collect();
    for (department, used) in write.person_warnings_in_month(month).await? {
        if let Some(budget) = budgets.get_mut(&capacity.pool_of(department.as_deref())) {
            budget.used += used;
        }
    }
    let ranked: Vec<Candidate> = candidates
        .iter()
        .map(|c| Candidate {
            department: run.department_of(c.person),
            tripped: !c.triggers.is_empty(),
            expected_loss: expected_loss(run, c.person),
        })
        .collect();
    let fill = run.whole_organization && run.policy.fills_capacity();
    let chosen = capacity.choose(&ranked, &mut budgets, fill);
    let rank = ranks(run);
    // Everyone with a score has a place.
    let scored = rank.len();
    let mut candidates: Vec<Option<PersonCandidate>> = candidates.into_iter().map(Some).collect();
    Ok(chosen
        .into_iter()
        .filter_map(|i| {
            let PersonCandidate {
                person,
                mut triggers,
            } = candidates[i].take()?;
            let pool = capacity.pool_of(ranked[i].department.as_deref());
            let conversations = allowed.get(&pool).copied().unwrap_or_default();
            if triggers.is_empty() {
                triggers.push(Trigger::HighestRisks {
                    rank: rank[person.score.person.as_str()],
                    of: scored,
                    probability: person.score.probability.unwrap_or_default(),
                    conversations,
                });
            }
            Some(warning(run, person, triggers, month, Some(conversations)))
        })
        .collect())
}

/// A person's expected regretted loss: what ranks them for the month's conversations.
fn expected_loss(run: &ScoringRun<'_>, p: &ScoredPerson) -> f64 {
    tenure_domain::expected_loss(
        p.score.probability.unwrap_or_default(),
        run.regretted.contains(&p.score.person),
    )
}

/// Each scored person's place (from 1) by expected loss in the run.
fn ranks<'a>(run: &ScoringRun<'a>) -> HashMap<&'a str, usize> {
    let mut people: Vec<&ScoredPerson> = run
        .people
        .iter()
        .filter(|p| p.score.probability.is_some())
        .collect();
    people.sort_by(|a, b| expected_loss(run, b).total_cmp(&expected_loss(run, a)));
    people
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p.score.person.as_str(), i + 1))
        .collect()
}

/// The people of a run over the whole organization with a score, by department.
fn headcount_of(run: &ScoringRun<'_>) -> Vec<(Option<String>, usize)> {
    let mut counts: HashMap<Option<String>, usize> = HashMap::new();
    for p in run.people.iter().filter(|p| p.score.probability.is_some()) {
        *counts.entry(run.department_of(p)).or_default() += 1;
    }
    counts.into_iter().collect()
}

impl ScoringRun<'_> {
    /// The date of the run's latest snapshot (today when none has one).
    fn latest_as_of(&self) -> NaiveDate {
        self.people
            .iter()
            .filter_map(|p| p.score.as_of)
            .max()
            .unwrap_or_else(|| Utc::now().date_naive())
    }

    /// The first day of the month the run scored, whose capacity its warnings spend.
    fn month(&self) -> NaiveDate {
        self.latest_as_of()
            .with_day(1)
            .expect("every month has a first day")
    }

    /// The department of a person the run scored.
    fn department_of(&self, p: &ScoredPerson) -> Option<String> {
        self.groups
            .get(&p.score.person)
            .and_then(|g| g.department.clone())
    }
}

/// A person's warning: what changed, the drivers with their actions, the conduct expected,
/// and the month's capacity it was chosen within.
fn warning(
    run: &ScoringRun<'_>,
    p: &ScoredPerson,
    triggers: Vec<Trigger>,
    month: NaiveDate,
    conversations: Option<usize>,
) -> NewWarning {
    NewWarning {
        person: Some(p.score.person.to_string()),
        model_version: run.version,
        triggers: json!({
            "what_changed": triggers.iter().map(|t| t.words()).collect::<Vec<_>>(),
            "rules": triggers,
            "conduct": CONDUCT,
            "capacity": conversations.map(|c| json!({
                "month": month.format("%Y-%m").to_string(),
                "conversations": c,
            })),
            "regretted": run.regretted.contains(&p.score.person),
        }),
        drivers: drivers(p, run.roles),
        groups: run.groups.get(&p.score.person).cloned().unwrap_or_default(),
        for_month: Some(month),
        held_out: tenure_domain::held_out(p.score.person.as_str(), month, run.policy.holdout_share),
    }
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
    let today = run.latest_as_of();
    let mut warnings = Vec::new();
    for team in teams {
        let name = team.team.as_deref().expect("filtered to named teams");
        let risk = write.team_risk(run.version, name).await?;
        let mut trigger = run.policy.team_tripped(risk.expected, risk.people);
        if let (None, Some(days)) = (&trigger, run.policy.team_lookback_days()) {
            let since = today - chrono::Days::new(days.max(0) as u64);
            let earlier: Vec<(NaiveDate, TeamOutlook)> = write
                .team_history(run.version, name, since)
                .await?
                .into_iter()
                .map(|(on, people, expected)| (on, TeamOutlook { people, expected }))
                .collect();
            let now = TeamOutlook {
                people: risk.people,
                expected: risk.expected,
            };
            trigger = run.policy.team_worsened(now, &earlier, today);
        }
        if let Some(trigger) = trigger {
            warnings.push(NewWarning {
                person: None,
                model_version: run.version,
                triggers: json!({
                    "what_changed": [trigger.words()],
                    "rules": [trigger],
                    "conduct": CONDUCT,
                }),
                drivers: shared_drivers(run, name),
                groups: team.clone(),
                for_month: None,
                held_out: false,
            });
        }
    }
    Ok(warnings)
}

/// The drivers most often raising the risk of the team's people scored in this run — what
/// the team shares, each with its supportive action; no person is named.
fn shared_drivers(run: &ScoringRun<'_>, team: &str) -> serde_json::Value {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in run.people.iter().filter(|p| {
        run.groups
            .get(&p.score.person)
            .is_some_and(|g| g.team.as_deref() == Some(team))
    }) {
        for factor in p.score.explanation.raising(DRIVERS_PER_WARNING) {
            *counts.entry(factor.factor.as_str()).or_default() += 1;
        }
    }
    let mut shared: Vec<(&str, usize)> = counts.into_iter().collect();
    shared.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    shared
        .into_iter()
        .take(DRIVERS_PER_WARNING)
        .map(|(factor, people)| {
            let role = run
                .roles
                .columns()
                .find(|(_, c)| *c == factor)
                .map(|(role, _)| role);
            let action = SupportiveAction::for_driver(role, factor);
            json!({
                "factor": factor,
                "label": run.roles.label(factor, tenure_domain::Language::English),
                "label_zh": run.roles.label(factor, tenure_domain::Language::Chinese),
                "people": people,
                "action": action,
                "action_words": action.words(),
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use crate::events::{apply_events, rescore_people, Rescoring};
    use crate::testing::{governance, import_simulation, logistic_training, small};
    use crate::{score_organization, train_organization, Monitor, Quiet, ScoreRequest};
    use chrono::NaiveDate;
    use std::collections::BTreeMap;
    use tenure_data::simulate::simulate;
    use tenure_domain::{
        Capacity, Clock, EventKind, EventValue, HrEvent, LifecycleStep, WarningPolicy, WarningRule,
        WarningStatus, DEFAULT_CAPACITY,
    };
    use tenure_store::testing::TestDatabase;
    use tenure_store::{Store, WarningRecord};

    /// Six conversations a month, two of them kept for rises.
    fn six_a_month(rise_points: f64) -> WarningPolicy {
        WarningPolicy {
            rules: vec![
                WarningRule::HighestRisks,
                WarningRule::RisesBy {
                    points: rise_points,
                    days: 400,
                },
            ],
            cooldown_days: 30,
            capacity: Some(Capacity {
                conversations_per_month: Some(6),
                reserve_for_rises: 0.34,
                ..DEFAULT_CAPACITY
            }),
            holdout_share: 0.0,
        }
    }

    /// A pay cut to 1,000 for `person`, effective on `day`.
    fn pay_cut(person: &str, day: NaiveDate) -> HrEvent {
        HrEvent {
            person: person.to_owned(),
            kind: EventKind::PayChange,
            effective: Some(day),
            values: [("pay".to_string(), EventValue::Number(1_000.0))].into(),
            exit_kind: None,
            voluntary: None,
        }
    }

    fn everyone(org: tenure_domain::OrgId) -> ScoreRequest {
        ScoreRequest {
            org,
            version: None,
            factors: 5,
        }
    }

    fn rules_of(warning: &WarningRecord) -> Vec<String> {
        warning.warning.triggers["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rule"].as_str().unwrap().to_owned())
            .collect()
    }

    fn last_day(month: NaiveDate) -> NaiveDate {
        month.checked_add_months(chrono::Months::new(1)).unwrap() - chrono::Days::new(1)
    }

    /// A simulated organization of 400 people whose first 30 months are imported and a model
    /// trained, under `policy`, scored once for its baseline.
    async fn acme_under(store: &Store, dir: &std::path::Path, policy: &WarningPolicy) -> i64 {
        let simulation = simulate(small(400, 42, 11));
        let org = import_simulation(store, &simulation, dir, Some("2025-06-30")).await;
        store
            .record_governance(org.id, &governance())
            .await
            .unwrap();
        train_organization(store, "acme", &logistic_training(org.id, 2), &Quiet)
            .await
            .unwrap();
        store.set_warning_policy(org.id, policy).await.unwrap();
        let baseline = score_organization(store, "acme", &everyone(org.id), &Quiet)
            .await
            .unwrap();
        assert!(baseline.warnings.is_empty(), "the first run is a baseline");
        org.id.0
    }

    /// A year of monthly snapshots, each scored in full, and after each a few pay cuts scored
    /// at once: no month's warnings ever exceed its six conversations; the full runs fill four
    /// of them with the highest risks, and people whose risk rose after the fill are still
    /// warned, within the two kept for them.
    #[tokio::test]
    async fn a_simulated_year_never_warns_beyond_the_months_capacity() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let monitor = Monitor::new(store.clone(), Clock::system());
        let dir = tempfile::tempdir().unwrap();
        let org = tenure_domain::OrgId(acme_under(&store, dir.path(), &six_a_month(0.015)).await);
        let simulation = simulate(small(400, 42, 11));
        let mut rises_after_a_fill = 0;
        for month in 0..12 {
            let first = NaiveDate::from_ymd_opt(2025, 7, 1)
                .unwrap()
                .checked_add_months(chrono::Months::new(month))
                .unwrap();
            import_simulation(
                &store,
                &simulation,
                dir.path(),
                Some(&last_day(first).to_string()),
            )
            .await;
            let full = score_organization(&store, "acme", &everyone(org), &Quiet)
                .await
                .unwrap();
            assert!(full.warnings.len() <= 6, "{month}: {}", full.warnings.len());
            // Pay cuts for a few well-paid people at low risk: their risk jumps.
            let cut: Vec<HrEvent> = full
                .people
                .iter()
                .rev()
                .skip(40 + 7 * month as usize)
                .take(3)
                .map(|p| pay_cut(p.score.person.as_str(), first + chrono::Days::new(14)))
                .collect();
            let applied = apply_events(&monitor, org, "acme", &cut, None, Rescoring::ByCaller)
                .await
                .unwrap();
            let rescored = rescore_people(&monitor, org, &applied.affected, &Quiet)
                .await
                .unwrap();
            let filled = !full.warnings.is_empty();
            if filled && !rescored.warnings.is_empty() {
                rises_after_a_fill += rescored.warnings.len();
            }
        }
        let warnings = store.warnings(org, 1_000).await.unwrap();
        let mut by_month: BTreeMap<NaiveDate, (usize, usize)> = BTreeMap::new();
        for w in &warnings {
            let month = w
                .warning
                .for_month
                .expect("a person's warning spends a month");
            let counts = by_month.entry(month).or_default();
            if rules_of(w) == ["highest_risks"] {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
        for (month, (fills, rises)) in &by_month {
            assert!(fills + rises <= 6, "{month}: {fills} + {rises}");
            assert!(*fills <= 4, "{month}: the fill took the rises' reserve");
            assert!(fills + rises >= 4, "{month}: the fill left room unused");
        }
        assert_eq!(by_month.len(), 12, "{by_month:?}");
        assert!(rises_after_a_fill > 0, "{by_month:?}");
        // The fill ranks by expected regretted loss: those rated above the median count
        // double, and are over-represented among the chosen.
        let fills: Vec<&WarningRecord> = warnings
            .iter()
            .filter(|w| rules_of(w) == ["highest_risks"])
            .collect();
        let regretted = fills
            .iter()
            .filter(|w| w.warning.triggers["regretted"] == true)
            .count();
        assert!(
            2 * regretted > fills.len(),
            "{regretted} of {}",
            fills.len()
        );
        // Each warning chosen by rank says so, and what the month allowed.
        let filled = warnings
            .iter()
            .find(|w| rules_of(w) == ["highest_risks"])
            .unwrap();
        let words = filled.warning.triggers["what_changed"][0].as_str().unwrap();
        assert!(words.contains("within 6 conversations a month"), "{words}");
        store.close().await;
        database.remove().await;
    }

    /// People warned for being among the highest risks are not warned again while the
    /// warning is open, nor for the cooldown after it closes; with no cooldown, the next
    /// month's run warns them again if they are still among the highest.
    #[tokio::test]
    async fn the_cooldown_holds_after_a_warning_closes() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let mut policy = six_a_month(0.5);
        let org = tenure_domain::OrgId(acme_under(&store, dir.path(), &policy).await);
        let simulation = simulate(small(400, 42, 11));
        let month = |last: &str| {
            let (store, simulation, dir) = (&store, &simulation, dir.path());
            let last = last.to_owned();
            async move {
                import_simulation(store, simulation, dir, Some(&last)).await;
                let run = score_organization(store, "acme", &everyone(org), &Quiet)
                    .await
                    .unwrap();
                let warnings = store.warnings(org, 1_000).await.unwrap();
                let warned: Vec<String> = warnings
                    .iter()
                    .filter(|w| run.warnings.iter().any(|r| r.id == w.id))
                    .filter_map(|w| w.warning.person.clone())
                    .collect();
                (warned, warnings)
            }
        };
        let close_all = |warnings: Vec<WarningRecord>| {
            let store = &store;
            async move {
                for w in warnings.iter().filter(|w| w.status == WarningStatus::Open) {
                    store
                        .step_warning(
                            org,
                            w.id,
                            WarningStatus::Open,
                            LifecycleStep::Close,
                            WarningStatus::Closed,
                            None,
                            &serde_json::json!({}),
                            Some(("stayed", "talked it through")),
                        )
                        .await
                        .unwrap();
                }
            }
        };
        let (july, warnings) = month("2025-07-31").await;
        assert_eq!(july.len(), 4, "{july:?}");
        let (august, _) = month("2025-08-31").await;
        assert_eq!(august.len(), 4, "{august:?}");
        assert!(
            august.iter().all(|p| !july.contains(p)),
            "open warnings are not repeated: {july:?} {august:?}"
        );
        close_all(warnings).await;
        let (september, warnings) = month("2025-09-30").await;
        assert!(
            september.iter().all(|p| !july.contains(p)),
            "closed a moment ago, cooling down: {july:?} {september:?}"
        );
        close_all(warnings).await;
        policy.cooldown_days = 0;
        store.set_warning_policy(org, &policy).await.unwrap();
        let (october, _) = month("2025-10-31").await;
        assert!(
            october.iter().any(|p| july.contains(p)),
            "no cooldown: still among the highest, warned again: {july:?} {october:?}"
        );
        store.close().await;
        database.remove().await;
    }
}

#[cfg(test)]
mod team_tests {
    use crate::testing::{
        governance, import_simulation, import_simulation_edited, logistic_training, small,
    };
    use crate::{score_organization, train_organization, Quiet, ScoreRequest};
    use tenure_data::simulate::simulate;
    use tenure_domain::{WarningPolicy, WarningRule};
    use tenure_store::testing::TestDatabase;

    /// Column positions in the simulated panel.
    const PERSON: usize = 0;
    const MONTH: usize = 1;
    const TEAM: usize = 3;
    const MANAGER: usize = 4;
    const ENGAGEMENT: usize = 10;
    const SUPPORT: usize = 11;
    const EXIT_DATE: usize = 17;
    const EXIT_KIND: usize = 18;

    /// Issue 24: a team whose manager left in July, three teammates following, is warned
    /// once August's snapshot is scored — its outlook worsened against its own past — with the
    /// drivers its people share; no other team of the organization is.
    #[tokio::test]
    async fn a_team_whose_manager_left_and_teammates_followed_is_warned() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let simulation = simulate(small(1000, 42, 11));
        let org = import_simulation(&store, &simulation, dir.path(), Some("2025-06-30")).await;
        store
            .record_governance(org.id, &governance())
            .await
            .unwrap();
        let mut training = logistic_training(org.id, 2);
        // Trees: a manager's exit and the teammates who followed are interactions a
        // logistic model on 400 people barely sees.
        training.training.learner = tenure_model::evaluate::LearnerChoice::Gbm;
        train_organization(&store, "acme", &training, &Quiet)
            .await
            .unwrap();
        let policy = WarningPolicy {
            rules: vec![WarningRule::TeamWorsens {
                days: 120,
                ratio: 1.5,
                leavers: 1.0,
            }],
            cooldown_days: 30,
            capacity: None,
            holdout_share: 0.0,
        };
        store.set_warning_policy(org.id, &policy).await.unwrap();
        let everyone = ScoreRequest {
            org: org.id,
            version: None,
            factors: 5,
        };
        let baseline = score_organization(&store, "acme", &everyone, &Quiet)
            .await
            .unwrap();
        assert!(baseline.warnings.is_empty());

        // The largest team in July (not a department's leads), and its manager.
        let files = simulation.write(dir.path()).unwrap();
        let panel = std::fs::read_to_string(files.panel).unwrap();
        let july: Vec<Vec<&str>> = panel
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[MONTH] == "2025-07-01" && f[EXIT_DATE].is_empty())
            .filter(|f| !f[TEAM].ends_with("-LEAD"))
            .collect();
        let mut sizes = std::collections::BTreeMap::<&str, usize>::new();
        for f in &july {
            *sizes.entry(f[TEAM]).or_default() += 1;
        }
        let (team, size) = sizes.iter().max_by_key(|(t, n)| (**n, *t)).unwrap();
        let (team, size) = (team.to_string(), *size);
        assert!(size >= 9, "{team}: {size}");
        let manager = july.iter().find(|f| f[TEAM] == team).unwrap()[MANAGER].to_string();
        let leavers: Vec<String> = july
            .iter()
            .filter(|f| f[TEAM] == team && f[PERSON] != manager)
            .take(3)
            .map(|f| f[PERSON].to_string())
            .collect();
        let mut gone = leavers.clone();
        gone.push(manager.clone());
        import_simulation_edited(
            &store,
            &simulation,
            dir.path(),
            Some("2025-08-31"),
            |rows| {
                rows.retain(|row| {
                    let f: Vec<&str> = row.split(',').collect();
                    !(f[MONTH] == "2025-08-01" && gone.iter().any(|g| g == f[PERSON]))
                });
                for row in rows.iter_mut() {
                    let mut f: Vec<String> = row.split(',').map(str::to_owned).collect();
                    let leaving = f[MONTH] == "2025-07-01" && gone.contains(&f[PERSON]);
                    if leaving {
                        f[EXIT_DATE] = "2025-07-20".into();
                        f[EXIT_KIND] = "resignation".into();
                    }
                    if f[MONTH] == "2025-08-01" && f[TEAM] == team {
                        f[MANAGER] = "E99999".into();
                        f[ENGAGEMENT] = "1.2".into();
                        f[SUPPORT] = "1.1".into();
                    }
                    *row = f.join(",");
                }
            },
        )
        .await;
        let august = score_organization(&store, "acme", &everyone, &Quiet)
            .await
            .unwrap();
        let warnings = store.warnings(org.id, 100).await.unwrap();
        let teams: Vec<Option<&str>> = warnings
            .iter()
            .filter(|w| august.warnings.iter().any(|r| r.id == w.id))
            .map(|w| w.warning.groups.team.as_deref())
            .collect();
        assert_eq!(teams, [Some(team.as_str())], "{warnings:?}");
        let warned = warnings
            .iter()
            .find(|w| w.warning.person.is_none())
            .unwrap();
        let words = warned.warning.triggers["what_changed"][0].as_str().unwrap();
        assert!(
            words.starts_with("the team's outlook worsened: "),
            "{words}"
        );
        let drivers = warned.warning.drivers.as_array().unwrap();
        assert!(!drivers.is_empty(), "{warned:?}");
        assert!(drivers
            .iter()
            .all(|d| d["people"].as_u64().unwrap() >= 1 && d.get("person").is_none()));
        store.close().await;
        database.remove().await;
    }
}
