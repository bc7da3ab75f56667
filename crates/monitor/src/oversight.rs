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
    let due = last.as_ref().is_none_or(|c| {
        DateTime::parse_from_rfc3339(&c.checked_at)
            .map_or(true, |at| now - at.with_timezone(&Utc) >= Duration::days(RECHECK_EVERY_DAYS))
    });
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
        checked_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
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
        tracing::info!(org = org.0, rows = removed.total(), "offboarded organization deleted");
    }
    Ok(due.len())
}
