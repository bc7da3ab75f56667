//! What helped: every warning about a person followed to its outcome in the data's own time —
//! left voluntarily within the model's horizon of the month it was raised for, or still here
//! once the data reaches past it — and the actions recorded on it compared, kind by kind,
//! with comparable warnings on which nothing was recorded (see [`tenure_domain::what_helped`]).

use crate::MonitorError;
use chrono::{Months, NaiveDate};
use serde::Serialize;
use tenure_domain::{what_helped, FollowedWarning, OrgId, WhatHelped};
use tenure_store::{Store, WarningFollowUp};

/// The report, and how many warnings it could and could not use.
#[derive(Debug, Clone, Serialize)]
pub struct WhatHelpedReport {
    /// The months after a warning its outcome is read over (the latest model's horizon).
    pub horizon_months: u32,
    /// The data's latest month: outcomes are known up to it.
    pub as_of: Option<NaiveDate>,
    /// Warnings whose outcome is known.
    pub followed: usize,
    /// Warnings whose horizon has not passed in the data yet.
    pub pending: usize,
    /// Warnings whose person left otherwise than of their own will within the horizon: not
    /// counted either way.
    pub involuntary: usize,
    /// Warnings with actions recorded without a kind: something was done, but not what.
    pub unclassified: usize,
    #[serde(flatten)]
    pub helped: WhatHelped,
}

/// Follows the organization's warnings to their outcomes and compares the actions taken.
pub async fn what_helped_report(
    store: &Store,
    org: OrgId,
) -> Result<WhatHelpedReport, MonitorError> {
    let horizon_months = store
        .latest_horizon_months(org)
        .await?
        .map_or(12, |h| h.max(1) as u32);
    let as_of = store.latest_as_of(org).await?;
    let warnings = store.warnings_to_follow(org).await?;
    let mut report = WhatHelpedReport {
        horizon_months,
        as_of,
        followed: 0,
        pending: 0,
        involuntary: 0,
        unclassified: 0,
        helped: what_helped(&[]),
    };
    let mut followed = Vec::new();
    for warning in &warnings {
        match outcome(warning, horizon_months, as_of) {
            Outcome::Pending => report.pending += 1,
            Outcome::Involuntary => report.involuntary += 1,
            Outcome::Known { stayed } => {
                let recorded_kind = warning.actions.iter().flatten().next().copied();
                if !warning.held_out && recorded_kind.is_none() && !warning.actions.is_empty() {
                    report.unclassified += 1;
                    continue;
                }
                followed.push(FollowedWarning {
                    risk: warning.risk.unwrap_or(0.0),
                    action: recorded_kind,
                    stayed,
                    held_out: warning.held_out,
                });
            }
        }
    }
    report.followed = followed.len();
    report.helped = what_helped(&followed);
    Ok(report)
}

enum Outcome {
    Known { stayed: bool },
    Pending,
    Involuntary,
}

/// A warning's outcome: a voluntary exit within the horizon after its month is a leaver; no
/// exit by then, with the data reaching the horizon's end, a stayer.
fn outcome(warning: &WarningFollowUp, horizon_months: u32, as_of: Option<NaiveDate>) -> Outcome {
    let end = warning.month + Months::new(horizon_months);
    match warning.exit {
        Some((date, voluntary)) if date >= warning.month && date < end => {
            if voluntary {
                Outcome::Known { stayed: false }
            } else {
                Outcome::Involuntary
            }
        }
        _ if as_of.is_some_and(|latest| latest >= end) => Outcome::Known { stayed: true },
        _ => Outcome::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{governance, import_simulation_edited, logistic_training, small};
    use crate::{score_organization, train_organization, Quiet, ScoreRequest};
    use tenure_data::simulate::{month_date, SimulationRun};
    use tenure_domain::{
        Capacity, LifecycleStep, SupportiveAction, WarningPolicy, WarningRule, WarningStatus,
    };
    use tenure_store::testing::TestDatabase;

    /// Imports the run's rows of month `month` only (the earlier ones when `history`).
    async fn import_months(
        store: &Store,
        run: &SimulationRun,
        dir: &std::path::Path,
        month: u32,
        history: bool,
    ) {
        let last = month_date(month as i32).to_string();
        import_simulation_edited(store, &run.simulation(), dir, Some(&last), |rows| {
            if !history {
                rows.retain(|row| row.split(',').nth(1) == Some(last.as_str()));
            }
        })
        .await;
    }

    /// The action HR records on warning `id`: the same for the same warning on every run —
    /// a fifth of warnings get none, the rest one of the five kinds in turn.
    fn chosen_action(id: i64) -> Option<SupportiveAction> {
        let spread = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 59; // 0..32
        match spread % 6 {
            0 => None,
            k => Some(SupportiveAction::ALL[k as usize - 1]),
        }
    }

    /// Issue 24: in a simulated organization where pay reviews truly cut the hazard of leaving
    /// to a quarter for a year, while the other actions do nothing, nine months of warnings
    /// with actions recorded on them — followed for six more months — rank pay review first,
    /// its interval above zero. A fifth of the warnings are held out at random, never shown.
    #[tokio::test]
    async fn the_action_that_truly_lowers_the_hazard_ranks_first() {
        let database = TestDatabase::sqlite();
        let store = database.store().await;
        let dir = tempfile::tempdir().unwrap();
        let mut run = SimulationRun::start(small(2000, 44, 5));
        run.run_until(28);
        import_months(&store, &run, dir.path(), 27, true).await;
        let org = store.organization("acme").await.unwrap().unwrap();
        store
            .record_governance(org.id, &governance())
            .await
            .unwrap();
        train_organization(&store, "acme", &logistic_training(org.id, 2), &Quiet)
            .await
            .unwrap();
        let policy = WarningPolicy {
            rules: vec![WarningRule::HighestRisks],
            cooldown_days: 30,
            capacity: Some(Capacity {
                share_per_month: 0.08,
                conversations_per_month: None,
                per_department: false,
                reserve_for_rises: 0.0,
            }),
            holdout_share: 0.2,
        };
        store.set_warning_policy(org.id, &policy).await.unwrap();
        let everyone = ScoreRequest {
            org: org.id,
            version: None,
            factors: 5,
        };
        let mut acted = 0;
        for month in 28..37 {
            run.run_until(month + 1);
            import_months(&store, &run, dir.path(), month, false).await;
            let scored = score_organization(&store, "acme", &everyone, &Quiet)
                .await
                .unwrap();
            for raised in &scored.warnings {
                let warning = store.warning(org.id, raised.id).await.unwrap().unwrap();
                let Some(action) = chosen_action(raised.id) else {
                    continue;
                };
                let detail = serde_json::json!({"what": "followed up", "kind": action});
                let step = LifecycleStep::RecordAction;
                assert!(store
                    .step_warning(
                        org.id,
                        raised.id,
                        WarningStatus::Open,
                        step,
                        WarningStatus::ActionRecorded,
                        None,
                        &detail,
                        None
                    )
                    .await
                    .unwrap());
                if action == SupportiveAction::PayReview {
                    let person = warning.warning.person.as_deref().unwrap();
                    assert!(run.act(person, 0.25, 12));
                }
                acted += 1;
            }
        }
        assert!(acted >= 700, "{acted} actions recorded");
        // Six more months, so that every warning's horizon passes.
        run.run_until(44);
        for month in 37..44 {
            import_months(&store, &run, dir.path(), month, false).await;
        }
        let report = what_helped_report(&store, org.id).await.unwrap();
        assert_eq!(report.horizon_months, 6);
        assert_eq!(report.pending, 0, "{report:?}");
        let first = report.helped.effects[0];
        assert_eq!(first.action, SupportiveAction::PayReview, "{report:#?}");
        assert!(first.low > 0.0, "{first:?}");
        assert_eq!(report.helped.effects.len(), 5, "{report:#?}");

        // A fifth of the warnings were kept back at random: never listed, so never acted on,
        // and compared with the rest as the warnings' own effect.
        let all = store.warnings_to_follow(org.id).await.unwrap();
        let held = all.iter().filter(|w| w.held_out).count();
        assert!(
            (0.12..0.28).contains(&(held as f64 / all.len() as f64)),
            "{held} of {}",
            all.len()
        );
        assert!(all
            .iter()
            .filter(|w| w.held_out)
            .all(|w| w.actions.is_empty()));
        let listed = store.warnings(org.id, 100_000).await.unwrap();
        assert_eq!(listed.len() + held, all.len());
        let effect = report.helped.warnings_effect.unwrap();
        // Those whose person left involuntarily are counted neither way.
        assert!(effect.held_out <= held && effect.held_out + report.involuntary >= held);
        assert!(effect.low <= effect.difference && effect.difference <= effect.high);
        eprintln!("what helped: {report:#?}");
        store.close().await;
        database.remove().await;
    }
}
