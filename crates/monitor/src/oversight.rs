//! Oversight that runs on its own: each organization's daily upkeep (purging what its
//! retention period has expired, and once a month re-checking its scores' accuracy and
//! calibration against what really happened, alerting the platform operator below the level
//! the organization declared) and deleting offboarded organizations when their time comes.

use crate::MonitorError;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use tenure_domain::OrgId;
use tenure_model::metrics::{brier, expected_calibration_error, roc_auc};
use tenure_store::{AccuracyCheck, Removed, Store};

/// How often accuracy is re-checked.
pub const RECHECK_EVERY_DAYS: i64 = 28;
/// Fewer known outcomes than these say nothing about accuracy.
const MIN_SCORES_TO_JUDGE: usize = 50;
const MIN_LEAVERS_TO_JUDGE: usize = 5;

/// What one organization's upkeep did.
#[derive(Debug, Clone, PartialEq)]
pub struct UpkeepReport {
    pub purged: Removed,
    /// The accuracy check made this time, if one was due.
    pub check: Option<AccuracyCheck>,
}

/// Purges expired data and, when a month has passed since the last one, re-checks accuracy.
pub async fn upkeep(
    store: &Store,
    org: OrgId,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<UpkeepReport, MonitorError> {
    let purged = store.purge_expired(org, now.date_naive()).await?;
    if purged.total() > 0 {
        tracing::info!(org = org.0, rows = purged.total(), "expired data purged");
    }
    let last = store.accuracy_checks(org).await?.into_iter().next();
    let due = last
        .as_ref()
        .is_none_or(|c| now - c.checked_at >= Duration::days(RECHECK_EVERY_DAYS));
    let check = if due {
        Some(recheck_accuracy(store, org, slug, now).await?)
    } else {
        None
    };
    Ok(UpkeepReport { purged, check })
}

/// Compares stored scores whose horizon has passed (as far as the data reaches) with the
/// exits that followed, stores the figures, and alerts the operator when they fall below the
/// organization's declared level.
pub async fn recheck_accuracy(
    store: &Store,
    org: OrgId,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<AccuracyCheck, MonitorError> {
    let known_until = store
        .data_reaches(org)
        .await?
        .unwrap_or_else(|| now.date_naive());
    let known = latest_model_per_month(store.scores_with_outcomes(org, known_until).await?);
    let labels: Vec<bool> = known.iter().map(|s| s.left).collect();
    let probabilities: Vec<f64> = known.iter().map(|s| s.probability).collect();
    let leavers = labels.iter().filter(|&&l| l).count();
    let judged = known.len() >= MIN_SCORES_TO_JUDGE && leavers >= MIN_LEAVERS_TO_JUDGE;
    let auc = roc_auc(&labels, &probabilities);
    let ece = (!known.is_empty()).then(|| expected_calibration_error(&labels, &probabilities, 10));
    let governance = store.governance(org).await?;
    let mut shortfalls = Vec::new();
    if let (true, Some(g)) = (judged, &governance) {
        if let Some(auc) = auc.filter(|&a| a < g.declared_min_roc_auc) {
            shortfalls.push(format!(
                "ROC AUC {auc:.3} is under the declared {:.3}",
                g.declared_min_roc_auc
            ));
        }
        if let Some(ece) = ece.filter(|&e| e > g.declared_max_calibration_error) {
            shortfalls.push(format!(
                "calibration error {ece:.3} is over the declared {:.3}",
                g.declared_max_calibration_error
            ));
        }
    }
    let detail = match (judged, &governance, shortfalls.is_empty()) {
        (false, ..) => format!(
            "{} scores with a known outcome ({leavers} leavers) up to {known_until}: too few to judge (at least {MIN_SCORES_TO_JUDGE} and {MIN_LEAVERS_TO_JUDGE} leavers)",
            known.len()
        ),
        (true, None, _) => "no declared level to compare with: scoring is not switched on".into(),
        (true, Some(_), true) => format!(
            "{} scores with a known outcome ({leavers} leavers) up to {known_until}: within the declared level",
            known.len()
        ),
        (true, Some(_), false) => shortfalls.join("; "),
    };
    let check = AccuracyCheck {
        // As stored: to the millisecond.
        checked_at: chrono::SubsecRound::trunc_subsecs(now, 3),
        model_version: known.iter().map(|s| s.model_version).max(),
        scored_from: known.first().map(|s| s.as_of.clone()),
        scored_to: known.last().map(|s| s.as_of.clone()),
        scores: known.len() as i64,
        leavers: leavers as i64,
        roc_auc: auc,
        calibration_error: ece,
        brier: (!known.is_empty()).then(|| brier(&labels, &probabilities)),
        below_declared: !shortfalls.is_empty(),
        detail,
    };
    store.save_accuracy_check(org, &check).await?;
    if check.below_declared {
        let message = format!(
            "organization {slug}: the monthly accuracy re-check fell below the declared level: {}",
            check.detail
        );
        tracing::error!(org = org.0, "{message}");
        store
            .raise_operator_alert(org, "accuracy_below_declared", &message)
            .await?;
    }
    Ok(check)
}

/// A month scored by several model versions counts once, by the newest.
fn latest_model_per_month(
    scores: Vec<tenure_store::ScoreWithOutcome>,
) -> Vec<tenure_store::ScoreWithOutcome> {
    let mut newest: HashMap<String, i64> = HashMap::new();
    for s in &scores {
        let v = newest.entry(s.as_of.clone()).or_insert(s.model_version);
        *v = (*v).max(s.model_version);
    }
    scores
        .into_iter()
        .filter(|s| newest[&s.as_of] == s.model_version)
        .collect()
}

/// Deletes every offboarded organization whose purge date has passed; returns how many.
pub async fn delete_departed_organizations(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<usize, MonitorError> {
    let due = store.organizations_due_for_deletion(now).await?;
    for org in &due {
        let removed = store.delete_organization(*org).await?;
        tracing::info!(
            org = org.0,
            rows = removed.total(),
            "offboarded organization deleted"
        );
    }
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{governance, import_simulation, logistic_training as training, small};
    use crate::{score_organization, train_organization, Quiet, ScoreRequest};
    use sqlx::Row;
    use tenure_data::simulate::{simulate, simulate_with_female_pay_gap};
    use tenure_domain::RiskThresholds;
    use tenure_store::testing::TestDatabase;
    use tenure_store::TrustSettings;

    fn at(day: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{day}T12:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    /// TRUST 19 and the injected disparity: women hired lower in their pay bands
    /// leave more, so they are warned more; the audit flags the men's impact ratio, names pay
    /// as the driver, and with the release gate on the model is stored but never scores.
    #[tokio::test]
    async fn a_group_warned_more_through_pay_is_flagged_with_pay_named_and_the_gate_holds_it() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let simulation = simulate_with_female_pay_gap(small(1500, 30, 7), 0.25);
        let org = import_simulation(&store, &simulation, dir.path(), None).await;
        store
            .record_governance(org.id, &governance())
            .await
            .unwrap();
        store
            .set_risk_thresholds(org.id, RiskThresholds::new(0.15, 0.08).unwrap())
            .await
            .unwrap();
        let gate = TrustSettings {
            fairness_gate: true,
            ..TrustSettings::default()
        };
        store.set_trust_settings(org.id, &gate).await.unwrap();
        let trained = train_organization(&store, "acme", &training(org.id, 3), &Quiet)
            .await
            .unwrap();
        let audit = trained
            .card
            .fairness
            .as_ref()
            .expect("sex and birth year are mapped");
        let sex = audit
            .attributes
            .iter()
            .find(|a| a.attribute == "sex")
            .unwrap();
        let rate = |g: &str| {
            let group = sex.groups.iter().find(|x| x.group == g).unwrap();
            (
                group.warning_rate.value,
                group.impact_ratio.map(|r| r.value),
            )
        };
        println!(
            "women {:?}, men {:?}; {:?}",
            rate("F"),
            rate("M"),
            audit.findings
        );
        let finding = sex.finding.as_ref().expect("the disparity is flagged");
        assert_eq!(
            (finding.most_warned.as_str(), finding.flagged_group.as_str()),
            ("F", "M")
        );
        assert!(finding.impact_ratio < 0.8);
        assert_eq!(finding.driver.as_ref().unwrap().factor, "annual_pay");
        assert!(finding.words.contains("annual_pay"), "{}", finding.words);
        assert!(audit
            .attributes
            .iter()
            .any(|a| a.attribute == "age band × sex"));
        assert!(trained
            .card
            .known_limits
            .iter()
            .any(|l| l.contains("annual_pay")));

        // The gate: stored, not active, scores nobody.
        let reason = trained.held_reason.expect("the gate holds a flagged model");
        assert!(
            reason.starts_with("held back by the fairness gate"),
            "{reason}"
        );
        assert_eq!(store.model(org.id, None).await.unwrap(), None);
        let everyone = ScoreRequest {
            org: org.id,
            version: None,
            factors: 3,
        };
        assert!(matches!(
            score_organization(&store, "acme", &everyone, &Quiet).await,
            Err(MonitorError::NoModel { .. })
        ));
        // Without the gate the same model is active.
        store
            .set_trust_settings(org.id, &TrustSettings::default())
            .await
            .unwrap();
        let again = train_organization(&store, "acme", &training(org.id, 1), &Quiet)
            .await
            .unwrap();
        assert_eq!(again.held_reason, None);
        assert_eq!(
            store.latest_model_version(org.id).await.unwrap(),
            Some(again.version)
        );
    }

    /// TRUST 21: a month's re-check compares stored scores whose horizon has passed with the
    /// exits that followed, and alerts the operator when the organization's declared level is
    /// not met.
    #[tokio::test]
    async fn the_monthly_recheck_compares_scores_with_exits_and_alerts_below_the_declared_level() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let simulation = simulate(small(800, 36, 3));
        let org = import_simulation(
            &store,
            &simulation,
            dir.path().join("early").as_path(),
            Some("2025-06-30"),
        )
        .await;
        store
            .record_governance(
                org.id,
                &tenure_store::Governance {
                    declared_min_roc_auc: 0.55,
                    declared_max_calibration_error: 0.2,
                    ..governance()
                },
            )
            .await
            .unwrap();
        train_organization(&store, "acme", &training(org.id, 1), &Quiet)
            .await
            .unwrap();
        let everyone = ScoreRequest {
            org: org.id,
            version: None,
            factors: 3,
        };
        let scored = score_organization(&store, "acme", &everyone, &Quiet)
            .await
            .unwrap();
        // Nothing known yet: the horizon has not passed.
        let early = recheck_accuracy(&store, org.id, "acme", at("2025-07-15"))
            .await
            .unwrap();
        assert_eq!(early.scores, 0);
        assert!(!early.below_declared);
        // The following months arrive: the scores' outcomes are known.
        import_simulation(&store, &simulation, dir.path().join("all").as_path(), None).await;
        let check = recheck_accuracy(&store, org.id, "acme", at("2026-01-15"))
            .await
            .unwrap();
        println!("{check:?}");
        assert_eq!(check.scores as usize, scored.people.len());
        assert!(check.leavers >= 10, "{check:?}");
        assert!(check.roc_auc.unwrap() > 0.55, "{check:?}");
        assert!(!check.below_declared, "{check:?}");
        assert!(store.operator_alerts().await.unwrap().is_empty());

        // The organization declares more than the model delivers: the operator is alerted.
        store
            .record_governance(
                org.id,
                &tenure_store::Governance {
                    declared_min_roc_auc: 0.99,
                    ..governance()
                },
            )
            .await
            .unwrap();
        let short = recheck_accuracy(&store, org.id, "acme", at("2026-02-15"))
            .await
            .unwrap();
        assert!(short.below_declared);
        assert!(
            short.detail.contains("under the declared 0.990"),
            "{}",
            short.detail
        );
        let alerts = store.operator_alerts().await.unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].kind, "accuracy_below_declared");
        assert!(alerts[0].message.contains("acme"));
        // The upkeep re-checks monthly, not daily.
        let soon = upkeep(&store, org.id, "acme", at("2026-02-20"))
            .await
            .unwrap();
        assert_eq!(soon.check, None);
        let later = upkeep(&store, org.id, "acme", at("2026-03-20"))
            .await
            .unwrap();
        assert!(later.check.is_some());
        assert_eq!(store.accuracy_checks(org.id).await.unwrap().len(), 4);
    }

    /// TRUST 23–24 (retention): the daily upkeep erases people who left before the retention
    /// period and deletes everyone's months before it.
    #[tokio::test]
    async fn the_upkeep_purges_leavers_and_months_older_than_the_retention_period() {
        for database in TestDatabase::all("upkeep_retention").await {
            let store = database.store().await;
            let dir = tempfile::tempdir().unwrap();
            let simulation = simulate(small(300, 30, 2));
            let org = import_simulation(&store, &simulation, dir.path(), None).await;
            let pool = store.pool_for_tests();
            let count = |sql: &'static str| async move {
                sqlx::query(sql)
                    .bind(org.id.0)
                    .fetch_one(pool)
                    .await
                    .unwrap()
                    .get::<i64, _>(0)
            };
            const OLD_MONTHS: &str =
                "SELECT COUNT(*) FROM snapshots WHERE org_id = $1 AND as_of < '2024-06-30'";
            const OLD_LEAVERS: &str =
                "SELECT COUNT(*) FROM people WHERE org_id = $1 AND exit_date < '2024-06-30'";
            const OLD_PROTECTED: &str = "SELECT COUNT(*) FROM protected_attributes WHERE org_id = $1 AND as_of < '2024-06-30'";
            const KEPT: &str = "SELECT COUNT(*) FROM snapshots WHERE org_id = $1";
            assert!(count(OLD_MONTHS).await > 0 && count(OLD_LEAVERS).await > 0);
            let leaver: String = sqlx::query("SELECT person_key FROM people WHERE org_id = $1 AND exit_date < '2024-06-30' ORDER BY person_key LIMIT 1")
                .bind(org.id.0)
                .fetch_one(pool)
                .await
                .unwrap()
                .get(0);
            // The record of a scoring run (its job) outlives the data (TRUST.md 22).
            let job = store
                .enqueue_job(org.id, &crate::JobSpec::Upkeep.to_job(None))
                .await
                .unwrap();
            // No retention period: nothing goes.
            let before = count(KEPT).await;
            let kept = upkeep(&store, org.id, "acme", at("2025-06-30"))
                .await
                .unwrap();
            assert_eq!(kept.purged.total(), 0);
            store
                .set_trust_settings(
                    org.id,
                    &TrustSettings {
                        retention_months: Some(12),
                        ..TrustSettings::default()
                    },
                )
                .await
                .unwrap();
            let purged = upkeep(&store, org.id, "acme", at("2025-06-30"))
                .await
                .unwrap();
            println!("{}: {:?}", database.backend_name, purged.purged);
            assert_eq!(count(OLD_MONTHS).await, 0);
            assert_eq!(count(OLD_LEAVERS).await, 0);
            assert_eq!(count(OLD_PROTECTED).await, 0);
            assert!(count(KEPT).await > 0 && count(KEPT).await < before);
            assert_eq!(
                store
                    .person_record(org.id, &leaver)
                    .await
                    .unwrap()
                    .map(|r| r.person),
                None
            );
            assert!(purged.purged.rows["people"] > 0);
            assert_eq!(store.jobs_by_id(org.id, &[job]).await.unwrap().len(), 1);
            store.close().await;
            database.remove().await;
        }
    }
}
