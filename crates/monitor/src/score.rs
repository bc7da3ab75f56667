//! Scoring everyone an organization still employs with a stored model, and storing the scores
//! (with the stored forecast brought forward to the scored month, in the same transaction).

use crate::forecast::{rolled_forward, StoredHazard};
use crate::train::load_frame;
use crate::{MonitorError, Progress};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use tenure_domain::{regretted_people, OrgId, RiskBand, RiskThresholds, Shape};
use tenure_domain::{PersonKey, RoleColumns, SnapshotFrame};
use tenure_model::explain::Driver;
use tenure_model::panel::{panel_features, PanelFeatures, PersonMonth};
use tenure_model::scoring::{
    current_cross_section_rows, current_panel_months, current_panel_rows, score, PersonScore,
};
use tenure_model::trained::TrainedModel;
use tenure_store::{NewScore, RaisedWarning, ScoreGroups, ScoreOutcome, ScoringWrite, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreRequest {
    pub org: OrgId,
    /// The model version to score with (default: the latest).
    pub version: Option<i64>,
    /// Factors kept each way (raising, holding down) with every score.
    pub factors: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPerson {
    pub score: PersonScore,
    pub band: RiskBand,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreReport {
    pub version: i64,
    pub horizon_months: Option<i32>,
    pub thresholds: RiskThresholds,
    /// Highest probability first; abstentions last.
    pub people: Vec<ScoredPerson>,
    /// Organization-wide drivers, strongest first.
    pub drivers: Vec<Driver>,
    pub stored: ScoreOutcome,
    /// Warnings this run raised (none on an organization's first run: its baseline).
    pub warnings: Vec<RaisedWarning>,
    /// Time spent scoring and explaining (features and storage not included).
    pub scoring_seconds: f64,
}

pub async fn score_organization(
    store: &Store,
    slug: &str,
    request: &ScoreRequest,
    progress: &dyn Progress,
) -> Result<ScoreReport, MonitorError> {
    let (report, write) = score_organization_written(store, slug, request, progress).await?;
    write.commit().await?;
    Ok(report)
}

/// As [`score_organization`], with the write left open for the caller to add to and commit.
pub(crate) async fn score_organization_written(
    store: &Store,
    slug: &str,
    request: &ScoreRequest,
    progress: &dyn Progress,
) -> Result<(ScoreReport, ScoringWrite), MonitorError> {
    crate::ensure_scoring_allowed(store, request.org, slug).await?;
    let stored = store
        .model(request.org, request.version)
        .await?
        .ok_or_else(|| MonitorError::NoModel {
            org: slug.to_owned(),
            version: request.version,
        })?;
    let model = TrainedModel::from_artifact(stored.artifact.as_deref().unwrap_or_default())?;
    let data = load_frame(store, request.org, slug).await?;
    progress.step("deriving features");
    let horizon = stored.horizon_months.unwrap_or(6);
    let (months, forecast) = match data.meaning.shape {
        Shape::Panel => {
            let features = panel_features(&data.frame, &data.meaning.roles, horizon);
            let current = current_panel_months(&data.frame, &features.months);
            progress.step("bringing the forecast forward");
            let hazard = StoredHazard::read(store, request.org, stored.version).await?;
            let forecast = match &hazard {
                Some(hazard) => rolled_forward(hazard, &data.frame, &features, &current)?,
                None => None,
            };
            (person_months(&features, &current), forecast)
        }
        Shape::CrossSection => (Vec::new(), None),
        Shape::TimeToEvent => return Err(MonitorError::UnsupportedShape("time-to-event".into())),
    };
    // A cross-section has one row per person: small enough to hold as snapshots.
    let cross_section = match data.meaning.shape {
        Shape::Panel => Vec::new(),
        _ => data.frame.to_snapshots(),
    };
    let mut inputs = match data.meaning.shape {
        Shape::Panel => current_panel_rows(&data.frame, &months),
        _ => current_cross_section_rows(&cross_section),
    };
    // People who objected are not scored (nor, then, warned about).
    let objectors = store.objectors(request.org).await?;
    inputs.retain(|input| !objectors.contains(input.person.as_str()));
    progress.step("scoring");
    let started = std::time::Instant::now();
    let run = score(&model, &inputs, &data.meaning.roles, request.factors)?;
    let scoring_seconds = started.elapsed().as_secs_f64();
    // Relative bands are set afresh by every run over the whole organization.
    let relative = store.relative_bands(request.org).await?.and_then(|bands| {
        let probabilities: Vec<f64> = run.scores.iter().filter_map(|s| s.probability).collect();
        bands.thresholds(&probabilities)
    });
    let thresholds = match relative {
        Some(thresholds) => thresholds,
        None => store.risk_thresholds(request.org).await?,
    };
    let mut people: Vec<ScoredPerson> = run
        .scores
        .into_iter()
        .map(|score| {
            let band = score
                .probability
                .map_or(RiskBand::NotEnoughData, |p| thresholds.band(p));
            ScoredPerson { score, band }
        })
        .collect();
    people.sort_by(|a, b| {
        b.score
            .probability
            .unwrap_or(-1.0)
            .total_cmp(&a.score.probability.unwrap_or(-1.0))
            .then_with(|| a.score.person.cmp(&b.score.person))
    });
    progress.step("storing the scores");
    // Read before this run's scores join it: warnings compare each person with their past.
    let history = store.score_history(request.org).await?;
    let groups = latest_groups(&data.frame, &data.meaning.roles);
    let rows: Vec<NewScore> = people
        .iter()
        .map(|p| new_score(p, groups.get(&p.score.person).cloned().unwrap_or_default()))
        .collect();
    let policy = store.warning_policy(request.org).await?;
    let regretted = regretted_keys(&data.frame, &data.meaning.roles);
    let judged = crate::warnings::ScoringRun {
        version: stored.version,
        history: &history,
        baseline: history.is_empty(),
        policy: &policy,
        people: &people,
        groups: &groups,
        roles: &data.meaning.roles,
        regretted: &regretted,
        whole_organization: true,
    };
    let mut written =
        crate::warnings::write_scores_and_warn(store, request.org, &judged, &rows).await?;
    written.write.settle_warning_outcomes(horizon).await?;
    if relative.is_some() {
        written.write.set_band_thresholds(thresholds).await?;
    }
    if let Some(forecast) = &forecast {
        written
            .write
            .roll_forecast(
                stored.version,
                &forecast.as_of,
                &forecast.summary,
                &forecast.curves,
            )
            .await?;
    }
    let report = ScoreReport {
        version: stored.version,
        horizon_months: stored.horizon_months,
        thresholds,
        people,
        drivers: run.drivers,
        stored: written.outcome,
        warnings: written.raised,
        scoring_seconds,
    };
    Ok((report, written.write))
}

/// The people who would be regretted leavers, read from their latest snapshot.
fn regretted_keys(frame: &SnapshotFrame, roles: &RoleColumns) -> HashSet<PersonKey> {
    regretted_people(frame, roles)
        .map(|flags| {
            flags
                .iter()
                .zip(frame.people())
                .filter(|(regretted, _)| **regretted)
                .map(|(_, person)| person.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Each person's team, department and manager in their latest snapshot.
pub(crate) fn latest_groups(
    frame: &SnapshotFrame,
    roles: &RoleColumns,
) -> HashMap<PersonKey, ScoreGroups> {
    let latest = frame.latest_rows();
    let value_of = |row: usize, column: &Option<String>| {
        let column = frame.column_index(column.as_deref()?)?;
        frame.cell_text(row, column)
    };
    latest
        .into_iter()
        .flatten()
        .map(|row| {
            let groups = ScoreGroups {
                team: value_of(row, &roles.team),
                department: value_of(row, &roles.department),
                manager: value_of(row, &roles.manager),
            };
            (frame.person(row).clone(), groups)
        })
        .collect()
}

pub(crate) fn new_score(p: &ScoredPerson, groups: ScoreGroups) -> NewScore {
    let factors = |up: bool| -> Vec<serde_json::Value> {
        let list = if up {
            p.score.explanation.raising(usize::MAX)
        } else {
            p.score.explanation.holding_down(usize::MAX)
        };
        list.iter()
            .map(|f| json!({"factor": f.factor, "log_odds": f.log_odds, "words": f.words, "words_zh": f.words_zh}))
            .collect()
    };
    NewScore {
        person: p.score.person.to_string(),
        as_of: p.score.as_of.map(|d| d.to_string()).unwrap_or_default(),
        probability: p.score.probability,
        band: p.band,
        abstained: p.score.abstained.clone(),
        drivers: json!({"raising": factors(true), "holding_down": factors(false)}),
        input_hash: p.score.input_hash.clone(),
        groups,
    }
}

/// The person-months `current` of a panel's features (the people employed at its latest
/// month, at that month) as named values: the features of every month are derived as one
/// table (the history is what they are computed from), and only the scored rows are named.
fn person_months(features: &PanelFeatures, current: &[u32]) -> Vec<PersonMonth> {
    current
        .iter()
        .map(|&row| {
            let month = features.months[row as usize];
            PersonMonth {
                snapshot: month.snapshot,
                as_of: month.as_of,
                values: features.table.values(row as usize),
                label: month.label,
                evidence: month.evidence,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{governance, import_simulation, logistic_training, small};
    use crate::{train_organization, Quiet};
    use tenure_data::simulate::simulate;
    use tenure_data::Mapping;
    use tenure_domain::Language;
    use tenure_store::testing::TestDatabase;

    /// Issue 24: where the mapping gives a column a label (or a role gives it a word), no
    /// driver's sentence names the column itself, in English or in Chinese — checked over
    /// every factor of everyone scored in a simulated organization.
    #[tokio::test]
    async fn drivers_speak_in_the_mappings_labels_never_in_column_names() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let simulation = simulate(small(300, 30, 3));
        let org = import_simulation(&store, &simulation, dir.path(), None).await;
        store
            .record_governance(org.id, &governance())
            .await
            .unwrap();
        train_organization(&store, "acme", &logistic_training(org.id, 2), &Quiet)
            .await
            .unwrap();
        let everyone = ScoreRequest {
            org: org.id,
            version: None,
            factors: 5,
        };
        let report = score_organization(&store, "acme", &everyone, &Quiet)
            .await
            .unwrap();
        let roles = Mapping::from_toml_file(&dir.path().join("mapping.toml"))
            .unwrap()
            .roles;
        let mut named: Vec<&str> = roles.columns().map(|(_, column)| column).collect();
        named.extend(roles.labels.keys().map(String::as_str));
        assert!(named.contains(&"level_start_date") && named.contains(&"engagement_score"));
        let mut sentences = 0;
        for person in &report.people {
            for factor in &person.score.explanation.factors {
                for (words, language) in [
                    (&factor.words, Language::English),
                    (&factor.words_zh, Language::Chinese),
                ] {
                    sentences += 1;
                    // A column called what its label says ("team") may well be named.
                    for column in named.iter().filter(|c| roles.label(c, language) != **c) {
                        assert!(
                            !words.contains(column),
                            "{column} named in {words:?} ({})",
                            factor.factor
                        );
                    }
                }
            }
        }
        assert!(sentences > 1_000, "{sentences}");
        store.close().await;
        database.remove().await;
    }
}
