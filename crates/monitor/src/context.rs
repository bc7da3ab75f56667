//! Each month's comparisons, kept in memory: everyone's snapshot that month and recent
//! leavers' last snapshots (teammates' exits), decoded once and kept by the [`Monitor`] handle, with the running
//! figures of every peer group and team ([`MonthFigures`]); patched with just the people
//! events changed since. Re-scoring one person then reads only their own history and takes
//! their groups' figures as they stand. Stamped with the latest import and event it reflects,
//! so workers in other processes' changes are picked up too.

use crate::Monitor;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Mutex;
use tenure_domain::{OrgId, RoleColumns, Snapshot};
use tenure_model::panel::{comparison_groups, MonthComparisons, MonthFigures};
use tenure_store::StoreError;

/// Months of teammates' exits a person's features look back over.
pub(crate) const TEAM_WINDOW_MONTHS: u32 = 6;

/// A snapshot with its comparison groups, worked out once.
type Grouped = (Snapshot, [Option<String>; 2]);

struct MonthContext {
    import: i64,
    event: i64,
    /// By person: their snapshot of the month, and their last one if they left since.
    snapshots: HashMap<String, Vec<Grouped>>,
    figures: MonthFigures,
}

/// By organization and month; a process serving many organizations keeps the months it
/// used most recently (at most [`MONTHS_KEPT`]).
#[derive(Default)]
pub(crate) struct MonthContexts(Mutex<HashMap<(OrgId, NaiveDate), MonthContext>>);

/// Months kept in memory at once, over all organizations.
const MONTHS_KEPT: usize = 64;

/// The snapshots of month `as_of` that share a peer group or a team with any of `people`
/// (their snapshots that month), brought up to date with the store first.
pub(crate) async fn comparisons(
    monitor: &Monitor,
    org: OrgId,
    as_of: NaiveDate,
    people: &[&Snapshot],
    roles: &RoleColumns,
) -> Result<Vec<Snapshot>, StoreError> {
    let stamp = monitor.store().data_stamp(org).await?;
    refresh(monitor, org, as_of, roles, stamp).await?;
    let wanted: Vec<[Option<String>; 2]> =
        people.iter().map(|s| comparison_groups(s, roles)).collect();
    let shares = |groups: &[Option<String>; 2]| {
        wanted
            .iter()
            .any(|w| (w[0].is_some() && w[0] == groups[0]) || (w[1].is_some() && w[1] == groups[1]))
    };
    let all = monitor.months().0.lock().expect("month contexts");
    Ok(all
        .get(&(org, as_of))
        .into_iter()
        .flat_map(|c| c.snapshots.values().flatten())
        .filter(|(_, groups)| shares(groups))
        .map(|(s, _)| s.clone())
        .collect())
}

/// The figures of month `as_of` that `people` (their snapshots that month) are compared with,
/// brought up to date with the store's `data_stamp` first.
pub(crate) async fn month_figures(
    monitor: &Monitor,
    org: OrgId,
    as_of: NaiveDate,
    people: &[&Snapshot],
    roles: &RoleColumns,
    data_stamp: (i64, i64),
) -> Result<MonthComparisons, StoreError> {
    refresh(monitor, org, as_of, roles, data_stamp).await?;
    let all = monitor.months().0.lock().expect("month contexts");
    Ok(all
        .get(&(org, as_of))
        .map(|c| c.figures.comparisons(people, roles))
        .unwrap_or_default())
}

/// Brings month `as_of`'s context up to date with the store as of `data_stamp` (see
/// [`tenure_store::Store::data_stamp`]): read whole when new or after an import, patched with the people
/// events changed since otherwise.
async fn refresh(
    monitor: &Monitor,
    org: OrgId,
    as_of: NaiveDate,
    roles: &RoleColumns,
    (import, event): (i64, i64),
) -> Result<(), StoreError> {
    let grouped = |snapshots: Vec<tenure_store::StoredSnapshot>| -> Vec<Grouped> {
        snapshots
            .into_iter()
            .map(|s| {
                let groups = comparison_groups(&s.snapshot, roles);
                (s.snapshot, groups)
            })
            .collect()
    };
    let (store, contexts) = (monitor.store(), &monitor.months().0);
    let key = (org, as_of);
    let known = contexts
        .lock()
        .expect("month contexts")
        .get(&key)
        .map(|c| (c.import, c.event));
    match known {
        // Another worker may have brought the context past the stamp read here: still fresh.
        Some((i, e)) if i == import && e >= event => {}
        Some((i, e)) if i == import && e < event => {
            let fresh = grouped(store.latest_snapshots_changed_since(org, e).await?);
            let changed: Vec<String> = fresh.iter().map(|(s, _)| s.person.to_string()).collect();
            let mut all = contexts.lock().expect("month contexts");
            if let Some(context) = all.get_mut(&key) {
                patch(context, &changed, fresh, as_of);
                context.event = context.event.max(event);
            }
        }
        _ => {
            tracing::debug!(org = org.0, %as_of, "a month's comparisons read whole");
            let month = as_of.to_string();
            let read = grouped(store.month_context(org, &month, TEAM_WINDOW_MONTHS).await?);
            let figures = MonthFigures::new(as_of, read.iter().map(|(s, g)| (s, g)));
            let mut snapshots: HashMap<String, Vec<Grouped>> = HashMap::new();
            for (snapshot, groups) in read {
                snapshots
                    .entry(snapshot.person.to_string())
                    .or_default()
                    .push((snapshot, groups));
            }
            let mut all = contexts.lock().expect("month contexts");
            if all.len() >= MONTHS_KEPT {
                all.clear();
            }
            all.insert(
                key,
                MonthContext {
                    import,
                    event,
                    snapshots,
                    figures,
                },
            );
        }
    }
    Ok(())
}

/// Replaces the changed people's rows with their fresh latest snapshots (those still dated
/// this month, or a leaver's last), moving the figures with them.
fn patch(context: &mut MonthContext, changed: &[String], fresh: Vec<Grouped>, as_of: NaiveDate) {
    for person in changed {
        for (snapshot, groups) in context.snapshots.remove(person).unwrap_or_default() {
            context.figures.remove(&snapshot, &groups);
        }
    }
    for (snapshot, groups) in fresh
        .into_iter()
        .filter(|(s, _)| s.as_of == Some(as_of) || s.exit.is_some())
    {
        context.figures.add(&snapshot, &groups);
        context
            .snapshots
            .entry(snapshot.person.to_string())
            .or_default()
            .push((snapshot, groups));
    }
}
