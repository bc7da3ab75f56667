//! The time as tenure's code reads it: the system's, or — in tests — a time that stands
//! still until the test moves it on, so nothing has to sleep to see a window pass.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

/// A handle on the current time, passed to whatever asks "what time is it".
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None` reads the system's clock.
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that stands at `at` until [`Clock::advance`] moves it on.
    pub fn fake(at: DateTime<Utc>) -> Clock {
        Clock {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(at) => *at.lock().expect("fake clock"),
            None => Utc::now(),
        }
    }

    /// Moves a fake clock (and every copy of it) on by `by`.
    ///
    /// # Panics
    /// On the system's clock, which no code may move.
    pub fn advance(&self, by: Duration) {
        let at = self
            .fixed
            .as_ref()
            .expect("only a fake clock can be moved on");
        *at.lock().expect("fake clock") += by;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fake_clock_stands_still_until_moved_and_its_copies_move_with_it() {
        let start = DateTime::parse_from_rfc3339("2026-01-31T23:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::fake(start);
        let copy = clock.clone();
        assert_eq!(clock.now(), start);
        copy.advance(Duration::seconds(2));
        assert_eq!(clock.now(), start + Duration::seconds(2));
    }

    #[test]
    fn the_system_clock_reads_the_time() {
        let before = Utc::now();
        let read = Clock::system().now();
        assert!(read >= before && read <= Utc::now());
    }
}
