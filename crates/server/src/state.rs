//! What every handler shares: the store and the monitoring layer's handle (with the clock),
//! the settings, metrics, the audit writer, the read caches, the gate that keeps CPU-heavy jobs (training, scoring) to one at a time in this
//! process, and the bell that wakes this process's workers when a job is queued.

use crate::audit_writer::AuditWriter;
use crate::cache::Caches;
use crate::metrics::Metrics;
use crate::settings::Settings;
use std::sync::Arc;
use tenure_domain::Clock;
use tenure_monitor::Monitor;
use tenure_store::Store;
use tokio::sync::{Notify, Semaphore};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The monitoring layer's handle on the same store: its caches, webhook client and clock.
    pub monitor: Monitor,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub audit: AuditWriter,
    /// One model fit at a time: LightGBM's threads spin when they compete for cores.
    pub heavy_jobs: Arc<Semaphore>,
    pub job_wakeup: Arc<Notify>,
    pub caches: Arc<Caches>,
    /// Attrition reports, kept until the data or the model changes.
    pub reports: Arc<crate::web::ReportCache>,
    /// Rung with the organization whenever this process's workers raise warnings: live
    /// feeds read them at once.
    pub warnings_feed: tokio::sync::broadcast::Sender<tenure_domain::OrgId>,
    /// Set when the server begins to shut down: live streams end, so shutdown is not kept
    /// waiting by connections that never finish on their own.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// What a sign-in for an unknown address is checked against (see [`crate::secrets::DecoyHash`]).
    pub decoy: crate::secrets::DecoyHash,
    /// Each API token's budget of requests.
    pub rate_limits: Arc<crate::rate_limit::TokenRateLimits>,
    /// The client single sign-on talks to identity providers with.
    pub sign_on_http: crate::oidc::HttpClient,
    /// The font PDFs embed for Chinese text, read once it is first found.
    pdf_font: Arc<std::sync::OnceLock<tenure_report::EmbeddableFont>>,
}

impl AppState {
    /// Must be called inside a Tokio runtime (it starts the audit writer).
    pub fn new(store: Store, settings: Settings) -> AppState {
        AppState::with_clock(store, settings, Clock::system())
    }

    /// As [`AppState::new`], reading the time from `clock` (tests move a fake one on).
    pub fn with_clock(store: Store, settings: Settings, clock: Clock) -> AppState {
        let ttl = std::time::Duration::from_secs(settings.cache_seconds);
        AppState {
            rate_limits: Arc::new(crate::rate_limit::TokenRateLimits::new(
                settings.token_requests_per_minute,
            )),
            caches: Arc::new(Caches::new(ttl, clock.clone())),
            monitor: Monitor::new(store.clone(), clock),
            reports: Arc::default(),
            audit: AuditWriter::start(store.clone()),
            store,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()),
            heavy_jobs: Arc::new(Semaphore::new(1)),
            job_wakeup: Arc::new(Notify::new()),
            warnings_feed: tokio::sync::broadcast::channel(256).0,
            stopping: tokio::sync::watch::channel(false).0,
            decoy: Default::default(),
            sign_on_http: crate::oidc::http_client(),
            pdf_font: Arc::default(),
        }
    }

    /// The font PDFs embed: the one `pdf_font` names, else one of the system's CJK fonts.
    /// Looked for again while missing, so installing a font needs no restart.
    pub fn pdf_font(&self) -> Result<tenure_report::EmbeddableFont, tenure_report::FontError> {
        if let Some(font) = self.pdf_font.get() {
            return Ok(font.clone());
        }
        let found = tenure_report::EmbeddableFont::find(self.settings.pdf_font.as_deref())?;
        Ok(self.pdf_font.get_or_init(|| found).clone())
    }

    pub fn clock(&self) -> &Clock {
        self.monitor.clock()
    }

    /// Drops what this process caches about an organization, after a change made elsewhere
    /// (e.g. by `tenure admin` or directly in the store) that should apply at once.
    pub fn forget_organization(&self, org: tenure_domain::OrgId) {
        self.caches.forget_organization(org);
    }
}
