//! Fair use of the API: each API token gets a budget of requests per minute, refilled
//! continuously (a token bucket holding at most a minute's worth, so short bursts pass). A
//! request past the budget is answered 429 with the seconds until one more fits. The budget
//! is kept in this process's memory: with several `serve` processes behind a balancer, each
//! holds its own, so the whole deployment allows that many per process.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// Every token's remaining budget.
pub struct TokenRateLimits {
    per_minute: u32,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

struct Bucket {
    /// Requests that still fit now (fractions build up between requests).
    available: f64,
    updated: DateTime<Utc>,
}

impl TokenRateLimits {
    /// `per_minute` requests a minute for each token; 0 switches the limit off.
    pub fn new(per_minute: u32) -> TokenRateLimits {
        TokenRateLimits {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from token `token`'s budget at `now`; when none is left, the whole
    /// seconds until one is.
    pub fn take(&self, token: i64, now: DateTime<Utc>) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().expect("rate limit lock");
        let bucket = buckets.entry(token).or_insert(Bucket {
            available: capacity,
            updated: now,
        });
        let elapsed = (now - bucket.updated).num_milliseconds().max(0) as f64 / 1000.0;
        bucket.available = (bucket.available + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.available >= 1.0 {
            bucket.available -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.available) / per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_budget_is_spent_refilled_and_kept_per_token() {
        let limits = TokenRateLimits::new(3);
        let start = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        for _ in 0..3 {
            assert_eq!(limits.take(1, start), Ok(()));
        }
        assert_eq!(
            limits.take(1, start),
            Err(20),
            "one request a 20 s at 3 a minute"
        );
        assert_eq!(
            limits.take(2, start),
            Ok(()),
            "another token has its own budget"
        );
        assert_eq!(limits.take(1, start + Duration::seconds(19)), Err(1));
        assert_eq!(limits.take(1, start + Duration::seconds(20)), Ok(()));
        // A quiet hour refills no more than a minute's worth.
        let later = start + Duration::hours(1);
        for _ in 0..3 {
            assert_eq!(limits.take(1, later), Ok(()));
        }
        assert!(limits.take(1, later).is_err());
    }

    #[test]
    fn zero_switches_the_limit_off() {
        let limits = TokenRateLimits::new(0);
        let now = Utc::now();
        assert!((0..10_000).all(|_| limits.take(1, now).is_ok()));
    }
}
