//! What an organization's stored columns mean — the latest import's mapping (roles, shape)
//! and every column's kind — read once per import and kept by the [`Monitor`] handle: each HR event
//! and each re-score needs them, they change only with a new import, and parsing the mapping
//! every time was a measurable share of an event's work.

use crate::Monitor;
use crate::MonitorError;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tenure_data::Mapping;
use tenure_domain::{ColumnKind, OrgId};

/// The meaning of an organization's columns as of one import.
pub(crate) struct Columns {
    pub mapping: Mapping,
    /// Each column's kind (the latest import's wins where imports disagree).
    pub kinds: BTreeMap<String, ColumnKind>,
}

/// By organization: the import read, and what it says.
#[derive(Default)]
pub(crate) struct KnownColumns(Mutex<HashMap<OrgId, (i64, Arc<Columns>)>>);

/// The organization's columns as of its latest complete import.
pub(crate) async fn latest_columns(
    monitor: &Monitor,
    org: OrgId,
    slug: &str,
) -> Result<Arc<Columns>, MonitorError> {
    let import = monitor
        .store()
        .latest_import(org)
        .await?
        .ok_or_else(|| MonitorError::NoData(slug.to_owned()))?;
    columns_of_import(monitor, org, slug, import).await
}

/// The organization's columns as of `import` (its latest complete import, read by the caller).
pub(crate) async fn columns_of_import(
    monitor: &Monitor,
    org: OrgId,
    slug: &str,
    import: i64,
) -> Result<Arc<Columns>, MonitorError> {
    let (store, known) = (monitor.store(), &monitor.columns().0);
    if let Some((read, columns)) = known.lock().expect("known columns").get(&org) {
        if *read == import {
            return Ok(columns.clone());
        }
    }
    let toml = store
        .import_mapping(org, import)
        .await?
        .ok_or_else(|| MonitorError::NoData(slug.to_owned()))?;
    let mapping = crate::train::stored_mapping(&toml)?;
    let kinds = store.column_kinds(org).await?;
    let columns = Arc::new(Columns { mapping, kinds });
    let mut all = known.lock().expect("known columns");
    // A process serving many organizations keeps those it served most recently.
    if all.len() >= 256 {
        all.clear();
    }
    all.insert(org, (import, columns.clone()));
    Ok(columns)
}
