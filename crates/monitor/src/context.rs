//! Each month's comparisons, kept in memory: everyone's snapshot that month (peers' and
//! teams' medians) and recent leavers' last snapshots (teammates' exits), decoded once per
//! process and patched with just the people events changed since. Re-scoring one person then
//! reads only their own history: the figures they are compared with are worked out here, in
//! place. Stamped with the latest import and event it reflects, so workers in other
//! processes' changes are picked up too.

use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tenure_domain::{OrgId, RoleColumns, Snapshot};
use tenure_model::panel::{comparison_groups, MonthComparisons};
use tenure_store::{Store, StoreError};

/// Months of teammates' exits a person's features look back over.
pub(crate) const TEAM_WINDOW_MONTHS: u32 = 6;

struct MonthContext {
    import: i64,
    event: i64,
    /// Each snapshot with its comparison groups, worked out once.
    snapshots: Vec<(Snapshot, [Option<String>; 2])>,
}

/// By store, organization and month.
type Contexts = Mutex<HashMap<(u64, OrgId, String), MonthContext>>;

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
    refresh(store, org, as_of, roles).await?;
    Ok(with_compared(
        store,
        org,
        as_of,
        people,
        roles,
        |compared| compared.map(|(s, _)| s.clone()).collect(),
    ))
}

/// The figures of month `as_of` that `people` (their snapshots that month) are compared with,
/// brought up to date with the store first: worked out in place, nothing copied.
pub(crate) async fn month_figures(
    store: &Store,
    org: OrgId,
    as_of: NaiveDate,
    people: &[&Snapshot],
    roles: &RoleColumns,
) -> Result<MonthComparisons, StoreError> {
    let month = as_of.to_string();
    refresh(store, org, &month, roles).await?;
    Ok(with_compared(
        store,
        org,
        &month,
        people,
        roles,
        |compared| MonthComparisons::of(as_of, people, compared, roles),
    ))
}

/// Brings month `as_of`'s context up to date with the store: read whole when new or after an
/// import, patched with the people events changed since otherwise.
async fn refresh(
    store: &Store,
    org: OrgId,
    as_of: &str,
    roles: &RoleColumns,
) -> Result<(), StoreError> {
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
    let key = (store.id(), org, as_of.to_owned());
    let known = contexts()
        .lock()
        .expect("month contexts")
        .get(&key)
        .map(|c| (c.import, c.event));
    match known {
        // Another worker may have brought the context past the stamp read here: still fresh.
        Some((i, e)) if i == import && e >= event => {}
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
            tracing::debug!(org = org.0, as_of, "a month's comparisons read whole");
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
                key,
                MonthContext {
                    import,
                    event,
                    snapshots,
                },
            );
        }
    }
    Ok(())
}

/// Hands `use_them` the snapshots of month `as_of`'s context that share a peer group or a team
/// with any of `people`.
fn with_compared<T>(
    store: &Store,
    org: OrgId,
    as_of: &str,
    people: &[&Snapshot],
    roles: &RoleColumns,
    use_them: impl for<'c> FnOnce(
        &mut dyn Iterator<Item = (&'c Snapshot, &'c [Option<String>; 2])>,
    ) -> T,
) -> T {
    let wanted: Vec<[Option<String>; 2]> =
        people.iter().map(|s| comparison_groups(s, roles)).collect();
    let shares = |groups: &[Option<String>; 2]| {
        wanted
            .iter()
            .any(|w| (w[0].is_some() && w[0] == groups[0]) || (w[1].is_some() && w[1] == groups[1]))
    };
    let all = contexts().lock().expect("month contexts");
    let snapshots = all
        .get(&(store.id(), org, as_of.to_owned()))
        .map_or(&[][..], |c| &c.snapshots[..]);
    let mut compared = snapshots
        .iter()
        .filter(|(_, groups)| shares(groups))
        .map(|(s, groups)| (s, groups));
    use_them(&mut compared)
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
