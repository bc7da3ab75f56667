//! Which groups an aggregate may show. Groups under the floor (5 people, or an organization's
//! higher setting) are hidden; and because a hidden group's size could be worked out from a
//! shown total minus the shown groups, more groups are hidden until the hidden ones are at
//! least two and together at least the floor ("complementary suppression": a team of 6 with a
//! sub-team of 5 shown would reveal the 1).

/// The floor no setting may go under.
pub const MIN_GROUP_FLOOR: usize = 5;

/// For each group size, whether it must be hidden, with `floor` raised to at least
/// [`MIN_GROUP_FLOOR`].
pub fn hidden_groups(sizes: &[usize], floor: usize) -> Vec<bool> {
    let floor = floor.max(MIN_GROUP_FLOOR);
    let mut hidden: Vec<bool> = sizes.iter().map(|&n| n < floor).collect();
    let mut visible: Vec<usize> = (0..sizes.len()).filter(|&i| !hidden[i]).collect();
    // Smallest visible first: hiding them gives away the least.
    visible.sort_by_key(|&i| (sizes[i], i));
    let mut next = visible.into_iter();
    loop {
        let count = hidden.iter().filter(|&&h| h).count();
        if count == 0 {
            break;
        }
        let total: usize = (0..sizes.len())
            .filter(|&i| hidden[i])
            .map(|i| sizes[i])
            .sum();
        if count >= 2 && total >= floor {
            break;
        }
        match next.next() {
            Some(i) => hidden[i] = true,
            None => break,
        }
    }
    hidden
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_team_of_six_with_a_sub_team_of_five_reveals_nobody() {
        assert_eq!(hidden_groups(&[5, 1], 5), vec![true, true]);
    }

    #[test]
    fn large_groups_stay_and_a_lone_small_one_takes_the_next_smallest_with_it() {
        assert_eq!(
            hidden_groups(&[40, 12, 3, 30], 5),
            vec![false, true, true, false]
        );
        assert_eq!(hidden_groups(&[40, 12, 30], 5), vec![false, false, false]);
        // Two tiny groups together under the floor: a third goes.
        assert_eq!(
            hidden_groups(&[1, 1, 9, 20], 5),
            vec![true, true, true, false]
        );
    }

    #[test]
    fn the_floor_never_goes_under_five() {
        assert_eq!(hidden_groups(&[4, 4, 4], 2), vec![true, true, true]);
        assert_eq!(hidden_groups(&[7, 8, 20], 10), vec![true, true, false]);
    }

    proptest! {
        /// Whatever the sizes, no hidden group can be worked out from the shown ones and the
        /// total: hidden groups are none, or at least two that together reach the floor (or
        /// everything is hidden).
        #[test]
        fn no_hidden_group_can_be_derived(sizes in proptest::collection::vec(0usize..40, 1..12), floor in 0usize..12) {
            let hidden = hidden_groups(&sizes, floor);
            let floor = floor.max(MIN_GROUP_FLOOR);
            for (n, h) in sizes.iter().zip(&hidden) {
                prop_assert!(*h || *n >= floor);
            }
            let count = hidden.iter().filter(|&&h| h).count();
            let total: usize = sizes.iter().zip(&hidden).filter(|(_, h)| **h).map(|(n, _)| n).sum();
            prop_assert!(count == 0 || count == sizes.len() || (count >= 2 && total >= floor));
        }
    }
}
