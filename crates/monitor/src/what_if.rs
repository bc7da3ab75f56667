//! What-if: a person's risk if their conditions changed — a raise or a cut, a promotion, a new
//! manager, a column set to a new figure (overtime, say) — scored from the same slice of data
//! an event's re-scoring reads, with the change applied in memory only. Nothing is stored.

use crate::events::{latest_model, latest_rows, rescoring_slice};
use crate::train::load_mapping;
use crate::MonitorError;
use std::collections::{BTreeMap, HashSet};
use tenure_domain::{OrgId, RoleColumns, Shape, Snapshot, SnapshotFrame, Value};
use tenure_model::explain::Factor;
use tenure_model::panel::latest_person_months_of;
use tenure_model::scoring::score;

/// The changes to try; none of them is saved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhatIfChanges {
    /// Pay up or down by this many percent.
    pub pay_change_percent: Option<f64>,
    /// One level up (the next level the organization has, in its order).
    pub promotion: bool,
    /// A manager other than the current one.
    pub new_manager: bool,
    /// Numeric columns set to new figures (e.g. overtime hours).
    pub set: BTreeMap<String, f64>,
}

/// The person's risk now and with the changes, from the same model and data.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfOutcome {
    pub model_version: i64,
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// What each change did to the inputs, in words.
    pub applied: Vec<String>,
    /// The factors raising the risk most after the changes.
    pub raising_after: Vec<Factor>,
}

pub async fn what_if(
    monitor: &crate::Monitor,
    org: OrgId,
    slug: &str,
    person: &str,
    changes: &WhatIfChanges,
) -> Result<WhatIfOutcome, MonitorError> {
    if monitor.store().objection(org, person).await?.is_some() {
        return Err(MonitorError::Objected(person.to_owned()));
    }
    let (version, model) = latest_model(monitor, org, slug).await?;
    let mapping = load_mapping(monitor.store(), org, slug).await?;
    if mapping.resolved_shape() != Some(Shape::Panel) {
        return Err(MonitorError::UnsupportedShape(
            "what-if needs monthly snapshots".into(),
        ));
    }
    let roles = &mapping.roles;
    let people = [person.to_owned()];
    let snapshots = rescoring_slice(monitor, org, &people, roles).await?;
    let latest = snapshots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.person.as_str() == person && s.exit.is_none())
        .max_by_key(|(_, s)| s.as_of)
        .map(|(i, _)| i)
        .ok_or_else(|| {
            MonitorError::Event(crate::EventRefused {
                index: 0,
                person: person.to_owned(),
                reason: "not an employed person of this organization".into(),
            })
        })?;
    let levels = levels_in_order(&snapshots, roles);
    let mut changed = snapshots.clone();
    let applied = apply(&mut changed[latest], changes, roles, &levels)?;
    let probability = |snapshots: &[Snapshot]| -> Result<(Option<f64>, Vec<Factor>), MonitorError> {
        let wanted: HashSet<&str> = [person].into_iter().collect();
        let frame = SnapshotFrame::from_snapshots(snapshots);
        let months = latest_person_months_of(&frame, roles, model.horizon_months, &wanted, &[]);
        let inputs = latest_rows(snapshots, &months);
        let run = score(&model.model, &inputs, roles, 5)?;
        let scored = run.scores.into_iter().find(|s| s.person.as_str() == person);
        Ok(scored.map_or((None, Vec::new()), |s| {
            let raising = s.explanation.raising(3).into_iter().cloned().collect();
            (s.probability, raising)
        }))
    };
    let (before, _) = probability(&snapshots)?;
    let (after, raising_after) = probability(&changed)?;
    Ok(WhatIfOutcome {
        model_version: version,
        before,
        after,
        applied,
        raising_after,
    })
}

/// The level column's values, in order: numerically when they are numbers, else as text.
fn levels_in_order(snapshots: &[Snapshot], roles: &RoleColumns) -> Vec<Value> {
    let Some(column) = roles.level.as_deref() else {
        return Vec::new();
    };
    let mut levels: Vec<Value> = Vec::new();
    for s in snapshots {
        if let Some(v) = s
            .values
            .get(column)
            .filter(|v| !matches!(v, Value::Missing))
        {
            if !levels.contains(v) {
                levels.push(v.clone());
            }
        }
    }
    levels.sort_by(|a, b| match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    });
    levels
}

fn refused(reason: String) -> MonitorError {
    MonitorError::Event(crate::EventRefused {
        index: 0,
        person: String::new(),
        reason,
    })
}

/// Applies the changes to the person's latest snapshot; says what each did.
fn apply(
    snapshot: &mut Snapshot,
    changes: &WhatIfChanges,
    roles: &RoleColumns,
    levels: &[Value],
) -> Result<Vec<String>, MonitorError> {
    let mut applied = Vec::new();
    if let Some(percent) = changes.pay_change_percent {
        if !(-50.0..=100.0).contains(&percent) {
            return Err(refused("a pay change is between −50% and +100%".into()));
        }
        let column = roles
            .pay
            .as_deref()
            .ok_or_else(|| refused("the mapping names no pay column".into()))?;
        let pay = snapshot
            .values
            .get(column)
            .and_then(Value::as_number)
            .ok_or_else(|| refused("the person's pay is unknown".into()))?;
        let new = (pay * (1.0 + percent / 100.0)).round();
        snapshot
            .values
            .insert(column.to_owned(), Value::Number(new));
        applied.push(format!("{}: {pay} → {new}", said(roles, column)));
    }
    if changes.promotion {
        let column = roles
            .level
            .as_deref()
            .ok_or_else(|| refused("the mapping names no level column".into()))?;
        let current = snapshot
            .values
            .get(column)
            .cloned()
            .unwrap_or(Value::Missing);
        let next = levels
            .iter()
            .position(|l| *l == current)
            .and_then(|i| levels.get(i + 1))
            .ok_or_else(|| refused(format!("{column} {current} is the highest level seen")))?;
        applied.push(format!("{}: {current} → {next}", said(roles, column)));
        snapshot.values.insert(column.to_owned(), next.clone());
    }
    if changes.new_manager {
        let column = roles
            .manager
            .as_deref()
            .ok_or_else(|| refused("the mapping names no manager column".into()))?;
        let current = snapshot
            .values
            .get(column)
            .cloned()
            .unwrap_or(Value::Missing);
        snapshot.values.insert(
            column.to_owned(),
            Value::Category("(another manager)".into()),
        );
        applied.push(format!(
            "{}: {current} → (another manager)",
            said(roles, column)
        ));
    }
    for (column, figure) in &changes.set {
        let is_role = roles.columns().any(|(_, c)| c == column);
        match snapshot.values.get(column) {
            Some(Value::Number(before)) if !is_role => {
                applied.push(format!("{}: {before} → {figure}", said(roles, column)));
                snapshot
                    .values
                    .insert(column.clone(), Value::Number(*figure));
            }
            _ => {
                return Err(refused(format!(
                    "{column} is not a numeric column without a role in this organization's data"
                )))
            }
        }
    }
    if applied.is_empty() {
        return Err(refused("no change given".into()));
    }
    Ok(applied)
}
/// A column as people call it: the mapping's label, else its role's word, else its name.
fn said(roles: &RoleColumns, column: &str) -> String {
    roles.label(column, tenure_domain::Language::English)
}
