//! The import pipeline: read a file, check it against its mapping, validate every row, and
//! write it to the organization's data in one transaction — or write nothing and say exactly
//! what is wrong. A refused import is still listed, with its errors, so people can see it.

use std::collections::BTreeMap;
use std::path::Path;
use tenure_data::{
    parse_snapshots, read_table, DataError, ImportPlan, Mapping, ParsedImport, ReadOptions, Table,
};
use tenure_domain::{ColumnKind, OrgId, Shape};
use tenure_store::{ImportMode, ImportOutcome, NewImport, SnapshotToWrite, Store, StoreError};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    pub path: &'a Path,
    pub mapping: Mapping,
    pub org: OrgId,
    /// Problems to collect before giving up (at least 1).
    pub max_errors: usize,
    /// Overwrite stored rows whose values changed instead of refusing the import.
    pub replace: bool,
}

/// A finished import.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub shape: Shape,
    pub rows_read: u64,
    /// Rows repeated verbatim inside the file.
    pub repeated_rows: u64,
    pub people_in_file: u64,
    pub outcome: ImportOutcome,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    /// True when the file or mapping is at fault (the CLI's exit code 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            IngestError::Data(e) => e.is_bad_input(),
            IngestError::Store(e) => e.is_bad_input(),
        }
    }
}

/// Where a long import is; the CLI draws progress bars from it.
pub trait Progress: Send + Sync {
    fn stage(&self, name: &'static str, total: u64);
    fn advance_to(&self, done: u64);
    fn finish(&self);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &'static str, _: u64) {}
    fn advance_to(&self, _: u64) {}
    fn finish(&self) {}
}

/// Reads and validates a file against its mapping without touching the database, for
/// evaluation and previews.
pub fn load_file(
    path: &Path,
    mapping: &Mapping,
    max_errors: usize,
) -> Result<ParsedImport, DataError> {
    let (table, plan) = read_planned(path, mapping, max_errors)?;
    parse_snapshots(&table, plan, max_errors)
}

/// A file read and its mapping checked against it, its rows not yet validated: the caller
/// chooses by the plan's shape how to parse them ([`parse_snapshots`] or, for a large
/// panel, [`tenure_data::parse_frame`]).
pub fn read_planned(
    path: &Path,
    mapping: &Mapping,
    max_errors: usize,
) -> Result<(Table, ImportPlan), DataError> {
    let table = read_table(path, &ReadOptions::for_mapping(mapping, max_errors))?;
    let plan = ImportPlan::new(mapping, &table)?;
    Ok((table, plan))
}

pub async fn import_file(
    store: &Store,
    request: ImportRequest<'_>,
    progress: &dyn Progress,
) -> Result<ImportReport, IngestError> {
    let clock = std::time::Instant::now();
    progress.stage("reading", 0);
    let table = read_table(
        request.path,
        &ReadOptions::for_mapping(&request.mapping, request.max_errors),
    )?;
    progress.finish();
    tracing::info!(
        rows = table.rows.len(),
        seconds = clock.elapsed().as_secs_f64(),
        "file read"
    );
    progress.stage("validating", table.rows.len() as u64);
    let parsed = ImportPlan::new(&request.mapping, &table)
        .and_then(|plan| parse_snapshots(&table, plan, request.max_errors));
    progress.finish();
    tracing::info!(seconds = clock.elapsed().as_secs_f64(), "rows validated");
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            record_refusal(store, &request, &table, &error.to_string()).await?;
            return Err(error.into());
        }
    };
    let written = write(store, &request, &table, &parsed, progress).await;
    progress.finish();
    match written {
        Ok(outcome) => Ok(report(&table, &parsed, outcome)),
        Err(error @ StoreError::Conflicts(_)) => {
            record_refusal(store, &request, &table, &error.to_string()).await?;
            Err(error.into())
        }
        Err(error) => Err(error.into()),
    }
}

/// The import's record; a refused import stores no values, so it records no value kinds.
fn new_import(
    request: &ImportRequest<'_>,
    table: &Table,
    value_kinds: BTreeMap<String, ColumnKind>,
) -> NewImport {
    NewImport {
        file_name: request.path.file_name().map_or_else(
            || request.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        file_sha256: table.sha256.clone(),
        shape: request.mapping.resolved_shape(),
        mapping_toml: request.mapping.to_toml(),
        header_signature: table.header_signature(),
        value_kinds,
        rows_read: table.rows.len() as u64,
    }
}

async fn record_refusal(
    store: &Store,
    request: &ImportRequest<'_>,
    table: &Table,
    errors: &str,
) -> Result<(), StoreError> {
    // The record names the file as its import does (by its name): a folder, such as a
    // worker's temporary copy of an upload, says nothing to the reader.
    let folder = request
        .path
        .parent()
        .map(|p| p.display().to_string())
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}{}", std::path::MAIN_SEPARATOR));
    let errors: Vec<String> = errors
        .lines()
        .map(|line| match &folder {
            Some(folder) => line.replace(folder.as_str(), ""),
            None => line.to_owned(),
        })
        .collect();
    store
        .record_failed_import(
            request.org,
            &new_import(request, table, BTreeMap::new()),
            &errors,
        )
        .await?;
    tracing::info!(
        org = request.org.0,
        problems = errors.len(),
        "import refused"
    );
    Ok(())
}

async fn write(
    store: &Store,
    request: &ImportRequest<'_>,
    table: &Table,
    parsed: &ParsedImport,
    progress: &dyn Progress,
) -> Result<ImportOutcome, StoreError> {
    let rows: Vec<SnapshotToWrite> = parsed
        .rows
        .iter()
        .map(|r| SnapshotToWrite {
            line: r.line,
            fingerprint: &r.fingerprint,
            snapshot: &r.snapshot,
        })
        .collect();
    let mode = if request.replace {
        ImportMode::Replace
    } else {
        ImportMode::RefuseChanges {
            max_conflicts: request.max_errors,
        }
    };
    let import = new_import(request, table, parsed.plan.value_kinds());
    progress.stage("writing", rows.len() as u64);
    let outcome = store
        .import_snapshots(request.org, &import, &rows, mode, &|done| {
            progress.advance_to(done)
        })
        .await?;
    tracing::info!(
        org = request.org.0,
        added = outcome.rows_added,
        unchanged = outcome.rows_unchanged,
        "import written"
    );
    Ok(outcome)
}

fn report(table: &Table, parsed: &ParsedImport, outcome: ImportOutcome) -> ImportReport {
    let people: std::collections::HashSet<&str> = parsed
        .rows
        .iter()
        .map(|r| r.snapshot.person.as_str())
        .collect();
    ImportReport {
        shape: parsed.plan.shape,
        rows_read: table.rows.len() as u64,
        repeated_rows: parsed.repeated_rows as u64,
        people_in_file: people.len() as u64,
        outcome,
    }
}
