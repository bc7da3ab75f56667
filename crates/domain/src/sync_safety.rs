//! The sync safety check: a scheduled pull that would mark many people as left, or that looks
//! like the HRIS re-keyed its person ids, is more likely a broken export than a real change,
//! so it is held back for an owner to look at instead of landing (and warning about half the
//! organization). No I/O: the caller passes who is held and what the pull holds.

use std::collections::HashSet;

/// A pull may mark at most this share of the active people as left (or leave them out).
pub const MAX_LEAVING_SHARE: f64 = 0.40;
/// At most this share of the active people's ids may look re-keyed.
pub const MAX_CHANGED_ID_SHARE: f64 = 0.05;

/// What a pull would do to the people held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncChange {
    /// Active people before the pull.
    pub active: usize,
    /// People the pull holds (each once, however many rows).
    pub pulled: usize,
    /// Active people the pull marks as left or leaves out.
    pub leaving: usize,
    /// Ids that look re-keyed: as many as both appear new and go missing.
    pub ids_changed: usize,
}

/// Why a pull was held back.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum SyncHazard {
    #[error("the pull would mark {leaving} of {active} active people as left ({share:.0}%, more than 40%); check the export before letting it land")]
    TooManyLeaving {
        leaving: usize,
        active: usize,
        share: f64,
    },
    #[error("{changed} of {active} active people's ids look changed ({share:.1}%, more than 5%): ids missing from the pull and as many new ones; check whether the HRIS re-keyed its people")]
    IdsChanged {
        changed: usize,
        active: usize,
        share: f64,
    },
}

impl SyncChange {
    /// What a pull holding `pulled` (id, whether the row says they left) would change for an
    /// organization holding `held` (id, whether they have left).
    pub fn between<'a>(
        held: impl IntoIterator<Item = (&'a str, bool)>,
        pulled: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> SyncChange {
        let mut known = HashSet::new();
        let mut active = HashSet::new();
        for (id, left) in held {
            known.insert(id);
            if !left {
                active.insert(id);
            }
        }
        let mut present = HashSet::new();
        let mut leaves = HashSet::new();
        for (id, left) in pulled {
            present.insert(id);
            if left {
                leaves.insert(id);
            }
        }
        let leaving = active
            .iter()
            .filter(|id| !present.contains(*id) || leaves.contains(*id))
            .count();
        let missing = active.iter().filter(|id| !present.contains(*id)).count();
        let new = present.iter().filter(|id| !known.contains(*id)).count();
        SyncChange {
            active: active.len(),
            pulled: present.len(),
            leaving,
            ids_changed: missing.min(new),
        }
    }

    /// Passes, or says why the pull must wait. A first pull (no one held) always passes.
    pub fn check(&self) -> Result<(), SyncHazard> {
        if self.active == 0 {
            return Ok(());
        }
        let active = self.active as f64;
        let leaving_share = self.leaving as f64 / active;
        if leaving_share > MAX_LEAVING_SHARE {
            return Err(SyncHazard::TooManyLeaving {
                leaving: self.leaving,
                active: self.active,
                share: leaving_share * 100.0,
            });
        }
        let changed_share = self.ids_changed as f64 / active;
        if changed_share > MAX_CHANGED_ID_SHARE {
            return Err(SyncHazard::IdsChanged {
                changed: self.ids_changed,
                active: self.active,
                share: changed_share * 100.0,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("p{i:03}")).collect()
    }

    #[test]
    fn half_the_people_missing_is_held_back() {
        let held = ids(0..100);
        let pulled = ids(0..50);
        let change = SyncChange::between(
            held.iter().map(|i| (i.as_str(), false)),
            pulled.iter().map(|i| (i.as_str(), false)),
        );
        assert_eq!(
            (change.active, change.leaving, change.ids_changed),
            (100, 50, 0)
        );
        assert!(matches!(
            change.check(),
            Err(SyncHazard::TooManyLeaving { leaving: 50, .. })
        ));
    }

    #[test]
    fn exits_in_the_file_count_as_leaving_but_people_who_left_before_do_not() {
        let held: Vec<(String, bool)> = ids(0..10)
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, i >= 8))
            .collect();
        // Four of the eight active people leave in the file; the two who left before are
        // in it too, still left.
        let pulled: Vec<(String, bool)> = ids(0..10)
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, !(4..8).contains(&i)))
            .collect();
        let change = SyncChange::between(
            held.iter().map(|(i, l)| (i.as_str(), *l)),
            pulled.iter().map(|(i, l)| (i.as_str(), *l)),
        );
        assert_eq!((change.active, change.leaving), (8, 4));
        assert!(change.check().is_err(), "50% > 40%");
    }

    #[test]
    fn re_keyed_ids_are_held_back_and_hiring_is_not() {
        let held = ids(0..100);
        let mut rekeyed = ids(0..90);
        rekeyed.extend(ids(500..510));
        let change = SyncChange::between(
            held.iter().map(|i| (i.as_str(), false)),
            rekeyed.iter().map(|i| (i.as_str(), false)),
        );
        assert_eq!(change.ids_changed, 10);
        assert!(matches!(change.check(), Err(SyncHazard::IdsChanged { .. })));
        let mut hired = ids(0..100);
        hired.extend(ids(500..530));
        let change = SyncChange::between(
            held.iter().map(|i| (i.as_str(), false)),
            hired.iter().map(|i| (i.as_str(), false)),
        );
        assert_eq!(change.ids_changed, 0);
        assert_eq!(change.check(), Ok(()));
        let first = SyncChange::between([], hired.iter().map(|i| (i.as_str(), false)));
        assert_eq!(first.check(), Ok(()), "a first pull always lands");
    }

    proptest! {
        /// Pulling back exactly what is held never trips the check, whoever has left.
        #[test]
        fn the_same_people_again_always_pass(lefts in proptest::collection::vec(any::<bool>(), 0..200)) {
            let held: Vec<(String, bool)> = lefts.iter().enumerate().map(|(i, l)| (format!("p{i}"), *l)).collect();
            let change = SyncChange::between(
                held.iter().map(|(i, l)| (i.as_str(), *l)),
                held.iter().map(|(i, l)| (i.as_str(), *l)),
            );
            prop_assert_eq!(change.leaving, 0);
            prop_assert_eq!(change.ids_changed, 0);
            prop_assert!(change.check().is_ok());
        }
    }
}
