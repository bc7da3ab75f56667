//! The monitoring layer's handle, [`Monitor`]: the store, and what the layer keeps between
//! calls — each organization's column meanings, each month's comparisons, decoded models
//! (all bounded), the HTTP clients webhooks and HRIS pulls go out on, and the [`Clock`]. A process makes one
//! and clones it into its workers and request handlers; tests make one with a fake clock.

use crate::columns::KnownColumns;
use crate::context::MonthContexts;
use crate::delivery::WebhookClient;
use crate::events::ModelCache;
use crate::MonitorError;
use std::sync::Arc;
use tenure_domain::{Clock, OrgId, RoleColumns};
use tenure_store::Store;

/// The store and the monitoring layer's shared state; cheap to clone.
#[derive(Clone)]
pub struct Monitor {
    store: Store,
    shared: Arc<Shared>,
}

struct Shared {
    columns: KnownColumns,
    months: MonthContexts,
    models: ModelCache,
    webhooks: WebhookClient,
    pulls: crate::fetch::PullClient,
    clock: Clock,
}

impl Monitor {
    /// A handle on `store` reading time from `clock`, with empty caches.
    pub fn new(store: Store, clock: Clock) -> Monitor {
        Monitor {
            store,
            shared: Arc::new(Shared {
                columns: KnownColumns::default(),
                months: MonthContexts::default(),
                models: ModelCache::default(),
                webhooks: WebhookClient::new(),
                pulls: crate::fetch::pull_client(),
                clock,
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The roles (pay, level, team…) the organization's latest import mapped; none before
    /// any import.
    pub async fn roles(&self, org: OrgId) -> Result<RoleColumns, MonitorError> {
        let Some(import) = self.store.latest_import(org).await? else {
            return Ok(RoleColumns::default());
        };
        let organization = format!("#{}", org.0);
        let columns = crate::columns::columns_of_import(self, org, &organization, import).await?;
        Ok(columns.mapping.roles.clone())
    }

    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    pub(crate) fn columns(&self) -> &KnownColumns {
        &self.shared.columns
    }

    pub(crate) fn months(&self) -> &MonthContexts {
        &self.shared.months
    }

    pub(crate) fn models(&self) -> &ModelCache {
        &self.shared.models
    }

    /// The client HTTPS pulls fetch reports with (sources with their own CA make their own).
    pub(crate) fn pulls(&self) -> &crate::fetch::PullClient {
        &self.shared.pulls
    }

    /// The client webhooks are posted with: one connection pool for the process.
    pub(crate) fn webhooks(&self) -> &WebhookClient {
        &self.shared.webhooks
    }
}
