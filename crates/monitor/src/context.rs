//! Each month's comparisons, kept in memory: everyone's snapshot that month (peers' and
//! teams' medians) and recent leavers' last snapshots (teammates' exits), decoded once per
//! process and patched with just the people events changed since. Re-scoring one person then
//! reads their own history and the few dozen people they are compared with, not the whole
//! organization's month. Stamped with the latest import and event it reflects, so workers in
//! other processes' changes are picked up too.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tenure_domain::{OrgId, RoleColumns, Snapshot};
use tenure_model::panel::comparison_groups;
use tenure_store::{Store, StoreError};

/// Months of teammates' exits a person's features look back over.
pub(crate) const TEAM_WINDOW_MONTHS: u32 = 6;

struct MonthContext {
    import: i64,
    event: i64,
    /// Each snapshot with its comparison groups, worked out once.
    snapshots: Vec<(Snapshot, [Option<String>; 2])>,
}

type Contexts = Mutex<HashMap<(OrgId, String), MonthContext>>;

fn contexts() -> &'static Contexts {
    static CONTEXTS: OnceLock<Contexts> = OnceLock::new();
    CONTEXTS.get_or_init(Default::default)
}

/// The snapshots of month `as_of` that share a peer group or a team with any of `people`
/// (their snapshots that month), brought up to date with the store first.
pub(crate) async fn comparisons(
    store: &Store,
    org: OrgId,
    as_of: &str,
    people: &[&Snapshot],
    roles: &RoleColumns,
) -> Result<Vec<Snapshot>, StoreError> {
    let grouped = |snapshots: Vec<Snapshot>| -> Vec<(Snapshot, [Option<String>; 2])> {
        snapshots
            .into_iter()
            .map(|s| {
                let groups = comparison_groups(&s, roles);
                (s, groups)
            })
            .collect()
    };
    let (import, event) = store.data_stamp(org).await?;
    let key = (org, as_of.to_owned());
    let known = contexts()
        .lock()
        .expect("month contexts")
        .get(&key)
        .map(|c| (c.import, c.event));
    match known {
        Some((i, e)) if i == import && e == event => {}
        Some((i, e)) if i == import && e < event => {
            let changed = store.people_changed_since(org, e).await?;
            let fresh = grouped(
                store
                    .latest_snapshots_of(org, &changed)
                    .await?
                    .into_iter()
                    .map(|s| s.snapshot)
                    .collect(),
            );
            let mut all = contexts().lock().expect("month contexts");
            if let Some(context) = all.get_mut(&key) {
                patch(context, &changed, fresh, as_of);
                context.event = context.event.max(event);
            }
        }
        _ => {
            let snapshots = grouped(
                store
                    .month_context(org, as_of, TEAM_WINDOW_MONTHS)
                    .await?
                    .into_iter()
                    .map(|s| s.snapshot)
                    .collect(),
            );
            let mut all = contexts().lock().expect("month contexts");
            // A process serving many organizations keeps the months it uses most recently.
            if all.len() >= 64 {
                all.clear();
            }
            all.insert(
                key.clone(),
                MonthContext {
                    import,
                    event,
                    snapshots,
                },
            );
        }
    }
    let wanted: Vec<[Option<String>; 2]> =
        people.iter().map(|s| comparison_groups(s, roles)).collect();
    let shares = |groups: &[Option<String>; 2]| {
        wanted
            .iter()
            .any(|w| (w[0].is_some() && w[0] == groups[0]) || (w[1].is_some() && w[1] == groups[1]))
    };
    let all = contexts().lock().expect("month contexts");
    Ok(all
        .get(&key)
        .map(|c| {
            c.snapshots
                .iter()
                .filter(|(_, groups)| shares(groups))
                .map(|(s, _)| s.clone())
                .collect()
        })
        .unwrap_or_default())
}

/// Replaces the changed people's rows with their fresh latest snapshots (those still dated
/// this month, or a leaver's last).
fn patch(
    context: &mut MonthContext,
    changed: &[String],
    fresh: Vec<(Snapshot, [Option<String>; 2])>,
    as_of: &str,
) {
    let changed: std::collections::HashSet<&str> = changed.iter().map(String::as_str).collect();
    context
        .snapshots
        .retain(|(s, _)| !changed.contains(s.person.as_str()));
    context.snapshots.extend(fresh.into_iter().filter(|(s, _)| {
        s.as_of.map(|d| d.to_string()).as_deref() == Some(as_of) || s.exit.is_some()
    }));
}
