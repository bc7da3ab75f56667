//! Short-lived read caches for the hot path — who a credential belongs to, and an
//! organization's current scores — so a person-risk read costs no query besides its audit row.
//! Changes made through this process (logout, revocation, member changes, new scores) drop
//! the affected entries at once; changes from elsewhere (another `serve` process, `tenure
//! admin`) are seen within `cache_seconds`.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tenure_domain::Clock;
use tenure_domain::OrgId;
use tenure_store::{ApiTokenRecord, Credential, ScoresStamp, SessionRecord, StoredScore};

#[derive(Clone)]
pub enum CachedCredential {
    Session(Credential<SessionRecord>),
    Token(Credential<ApiTokenRecord>),
}

impl CachedCredential {
    fn org(&self) -> OrgId {
        match self {
            CachedCredential::Session(c) => c.organization.id,
            CachedCredential::Token(c) => c.organization.id,
        }
    }
}

/// An organization's current scores: the latest model's, each person's latest date.
pub struct OrgScores {
    /// `None` when no model is trained yet.
    pub version: Option<i64>,
    /// What the scores were read at: a reload first compares it, and reads them all again
    /// only when it changed.
    pub stamp: ScoresStamp,
    /// Highest probability first, abstentions last.
    pub ordered: Vec<StoredScore>,
    index: HashMap<String, usize>,
}

impl OrgScores {
    pub fn new(version: Option<i64>, stamp: ScoresStamp, ordered: Vec<StoredScore>) -> OrgScores {
        let index = ordered
            .iter()
            .enumerate()
            .map(|(i, s)| (s.score.person.clone(), i))
            .collect();
        OrgScores {
            version,
            stamp,
            ordered,
            index,
        }
    }

    pub fn person(&self, person: &str) -> Option<&StoredScore> {
        self.index.get(person).map(|&i| &self.ordered[i])
    }
}

/// A cached value and when it was remembered.
type Remembered<T> = (DateTime<Utc>, T);

pub struct Caches {
    ttl: Duration,
    clock: Clock,
    credentials: Mutex<HashMap<String, Remembered<CachedCredential>>>,
    scores: Mutex<HashMap<OrgId, Remembered<Arc<OrgScores>>>>,
    /// One loader per organization at a time, so an expired entry is not reloaded by every
    /// request that notices it.
    loading: Mutex<HashMap<OrgId, Arc<tokio::sync::Mutex<()>>>>,
}

/// Entries kept at most, per cache; past it the cache is cleared (simple and bounded).
const MAX_ENTRIES: usize = 100_000;

impl Caches {
    pub fn new(ttl: Duration, clock: Clock) -> Caches {
        Caches {
            ttl,
            clock,
            credentials: Mutex::default(),
            scores: Mutex::default(),
            loading: Mutex::default(),
        }
    }

    /// Whether an entry remembered at `at` is younger than the cache period.
    fn fresh(&self, at: DateTime<Utc>) -> bool {
        (self.clock.now() - at).to_std().unwrap_or_default() < self.ttl
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    pub fn credential(&self, secret_hash: &str) -> Option<CachedCredential> {
        let entries = self.credentials.lock().expect("cache lock");
        entries
            .get(secret_hash)
            .filter(|(at, _)| self.fresh(*at))
            .map(|(_, c)| c.clone())
    }

    pub fn remember_credential(&self, secret_hash: &str, credential: CachedCredential) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.credentials.lock().expect("cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(secret_hash.to_owned(), (self.clock.now(), credential));
    }

    pub fn forget_credential(&self, secret_hash: &str) {
        self.credentials
            .lock()
            .expect("cache lock")
            .remove(secret_hash);
    }

    /// The cached scores and whether they are still fresh. Stale ones are served while one
    /// request reloads them in the background, so a reload never stalls the readers. With the
    /// caches off nothing is remembered, so there is never a stale entry.
    pub fn scores(&self, org: OrgId) -> Option<(Arc<OrgScores>, bool)> {
        let entries = self.scores.lock().expect("cache lock");
        entries
            .get(&org)
            .map(|(at, s)| (s.clone(), self.fresh(*at)))
    }

    pub fn remember_scores(&self, org: OrgId, scores: Arc<OrgScores>) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.scores.lock().expect("cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(org, (self.clock.now(), scores));
    }

    pub fn loader(&self, org: OrgId) -> Arc<tokio::sync::Mutex<()>> {
        self.loading
            .lock()
            .expect("cache lock")
            .entry(org)
            .or_default()
            .clone()
    }

    /// Drops everything cached about an organization: its members' credentials and its scores.
    pub fn forget_organization(&self, org: OrgId) {
        self.credentials
            .lock()
            .expect("cache lock")
            .retain(|_, (_, c)| c.org() != org);
        self.scores.lock().expect("cache lock").remove(&org);
    }
}
