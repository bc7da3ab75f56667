//! Writing an import: every row of a file lands in one transaction or none does. Rows are
//! keyed by organization, person and as-of date, so importing a file twice adds nothing, and
//! a changed value for a stored key is refused unless the caller asks to replace.

use crate::connect::{Backend, Store};
use crate::error::{Conflict, StoreError};
use crate::sql::{batch_rows, now, values_list};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};
use tenure_domain::{ColumnKind, OrgId, Outcome, Shape, Snapshot, Value};

/// What is known about an import before its rows are written.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub file_name: String,
    pub file_sha256: String,
    /// Unknown when the mapping itself was unusable.
    pub shape: Option<Shape>,
    pub mapping_toml: String,
    /// A hash of the file's sorted column names: which later uploads share its shape.
    pub header_signature: String,
    /// The kinds of the stored values, so rows can be read back typed.
    pub value_kinds: BTreeMap<String, ColumnKind>,
    pub rows_read: u64,
}

/// One validated row and the file line it came from.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotToWrite<'a> {
    pub line: u64,
    pub fingerprint: &'a str,
    pub snapshot: &'a Snapshot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// A changed value for a stored key fails the import; report at most this many.
    RefuseChanges { max_conflicts: usize },
    /// Changed rows overwrite the stored ones.
    Replace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOutcome {
    pub import_id: i64,
    pub rows_added: u64,
    pub rows_replaced: u64,
    pub rows_unchanged: u64,
    pub people_added: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Complete,
    Failed,
}

/// An import as the imports list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub file_sha256: String,
    pub shape: String,
    pub status: ImportStatus,
    pub errors: Vec<String>,
    pub rows_read: i64,
    pub rows_added: i64,
    pub rows_replaced: i64,
    pub rows_unchanged: i64,
    pub people_added: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

type Key = (String, String);

/// `as_of` as stored: ISO date, or '' for undated rows.
pub(crate) fn as_of_key(snapshot: &Snapshot) -> String {
    snapshot.as_of.map(|d| d.to_string()).unwrap_or_default()
}

impl Store {
    /// Writes all rows in one transaction, calling `progress` with the rows written so far.
    pub async fn import_snapshots(
        &self,
        org: OrgId,
        import: &NewImport,
        rows: &[SnapshotToWrite<'_>],
        mode: ImportMode,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let started_at = now();
        let import_id = insert_import(
            &mut tx,
            org,
            import,
            ImportStatus::Complete,
            &[],
            &started_at,
        )
        .await?;
        let stored = stored_fingerprints(&mut tx, org).await?;
        let plan = classify(rows, &stored);
        if !plan.changed.is_empty() {
            if let ImportMode::RefuseChanges { max_conflicts } = mode {
                let conflicts = describe_conflicts(
                    &mut tx,
                    org,
                    &plan.changed[..plan.changed.len().min(max_conflicts.max(1))],
                )
                .await?;
                tx.rollback().await?;
                return Err(StoreError::Conflicts(conflicts));
            }
        }
        let mut outcome = ImportOutcome {
            import_id,
            rows_unchanged: plan.unchanged,
            ..Default::default()
        };
        outcome.people_added = upsert_people(self.backend(), &mut tx, org, plan.written()).await?;
        let mut written = 0u64;
        for (batch_rows, replace) in [(&plan.new, false), (&plan.changed, true)] {
            for batch in batch_rows.chunks(batch_rows_for_snapshots()) {
                write_snapshots(self.backend(), &mut tx, org, import_id, batch, replace).await?;
                write_protected(self.backend(), &mut tx, org, import_id, batch).await?;
                written += batch.len() as u64;
                progress(written);
            }
        }
        outcome.rows_added = plan.new.len() as u64;
        outcome.rows_replaced = plan.changed.len() as u64;
        finish_import(&mut tx, import_id, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records an import that was refused, with its errors, so the imports list shows it.
    /// No data row is written.
    pub async fn record_failed_import(
        &self,
        org: OrgId,
        import: &NewImport,
        errors: &[String],
    ) -> Result<i64, StoreError> {
        let mut conn = self.connection().await?;
        insert_import(&mut conn, org, import, ImportStatus::Failed, errors, &now()).await
    }

    /// The mapping (TOML) of the latest complete import: what the stored columns mean.
    pub async fn latest_mapping(&self, org: OrgId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT mapping FROM imports WHERE org_id = $1 AND status = 'complete' ORDER BY id DESC LIMIT 1").bind(org.0).fetch_optional(&mut *self.connection().await?).await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The mapping (TOML) of the latest complete import of a file with these columns (its
    /// header signature): what to offer the next upload of the same shape.
    pub async fn mapping_for_header(
        &self,
        org: OrgId,
        header_signature: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT mapping FROM imports WHERE org_id = $1 AND header_signature = $2 AND status = 'complete' ORDER BY id DESC LIMIT 1")
            .bind(org.0)
            .bind(header_signature)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The mapping (TOML) of one complete import.
    pub async fn import_mapping(
        &self,
        org: OrgId,
        import: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT mapping FROM imports WHERE org_id = $1 AND id = $2 AND status = 'complete'",
        )
        .bind(org.0)
        .bind(import)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The organization's latest complete import.
    pub async fn latest_import(&self, org: OrgId) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query("SELECT MAX(id) FROM imports WHERE org_id = $1 AND status = 'complete'")
                .bind(org.0)
                .fetch_one(&mut *self.connection().await?)
                .await?
                .get(0),
        )
    }

    pub async fn imports(&self, org: OrgId) -> Result<Vec<ImportRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, file_name, file_sha256, shape, status, errors, rows_read, rows_added, rows_replaced, rows_unchanged, people_added, started_at, finished_at
             FROM imports WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter().map(import_record).collect()
    }
}

fn import_record(r: &sqlx::any::AnyRow) -> Result<ImportRecord, StoreError> {
    let errors: String = r.get(5);
    Ok(ImportRecord {
        id: r.get(0),
        file_name: r.get(1),
        file_sha256: r.get(2),
        shape: r.get(3),
        status: if r.get::<String, _>(4) == "complete" {
            ImportStatus::Complete
        } else {
            ImportStatus::Failed
        },
        errors: serde_json::from_str(&errors)
            .map_err(|e| StoreError::Corrupt(format!("import errors: {e}")))?,
        rows_read: r.get(6),
        rows_added: r.get(7),
        rows_replaced: r.get(8),
        rows_unchanged: r.get(9),
        people_added: r.get(10),
        started_at: crate::sql::stamp(r, 11)?,
        finished_at: crate::sql::stamp(r, 12)?,
    })
}

async fn insert_import(
    conn: &mut AnyConnection,
    org: OrgId,
    import: &NewImport,
    status: ImportStatus,
    errors: &[String],
    started_at: &str,
) -> Result<i64, StoreError> {
    let status = match status {
        ImportStatus::Complete => "complete",
        ImportStatus::Failed => "failed",
    };
    let row = sqlx::query(
        "INSERT INTO imports (org_id, file_name, file_sha256, shape, mapping, value_kinds, status, errors, rows_read, started_at, finished_at, header_signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(org.0)
    .bind(&import.file_name)
    .bind(&import.file_sha256)
    .bind(import.shape.map_or("unknown", Shape::key))
    .bind(&import.mapping_toml)
    .bind(serde_json::to_string(&import.value_kinds).expect("kinds serialise"))
    .bind(status)
    .bind(serde_json::to_string(errors).expect("strings serialise"))
    .bind(import.rows_read as i64)
    .bind(started_at)
    .bind(now())
    .bind(&import.header_signature)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.get(0))
}

async fn finish_import(
    conn: &mut AnyConnection,
    import_id: i64,
    outcome: &ImportOutcome,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE imports SET rows_added = $1, rows_replaced = $2, rows_unchanged = $3, people_added = $4, finished_at = $5 WHERE id = $6")
        .bind(outcome.rows_added as i64)
        .bind(outcome.rows_replaced as i64)
        .bind(outcome.rows_unchanged as i64)
        .bind(outcome.people_added as i64)
        .bind(now())
        .bind(import_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn stored_fingerprints(
    conn: &mut AnyConnection,
    org: OrgId,
) -> Result<HashMap<Key, String>, StoreError> {
    let rows =
        sqlx::query("SELECT person_key, as_of, fingerprint FROM snapshots WHERE org_id = $1")
            .bind(org.0)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect())
}

/// Rows sorted by what the import does with them.
struct WritePlan<'r, 'a> {
    new: Vec<&'r SnapshotToWrite<'a>>,
    changed: Vec<&'r SnapshotToWrite<'a>>,
    unchanged: u64,
}

impl<'r, 'a> WritePlan<'r, 'a> {
    fn written(&self) -> impl Iterator<Item = &'r SnapshotToWrite<'a>> + '_ {
        self.new.iter().chain(&self.changed).copied()
    }
}

fn classify<'r, 'a>(
    rows: &'r [SnapshotToWrite<'a>],
    stored: &HashMap<Key, String>,
) -> WritePlan<'r, 'a> {
    let mut plan = WritePlan {
        new: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    for row in rows {
        let key = (
            row.snapshot.person.as_str().to_owned(),
            as_of_key(row.snapshot),
        );
        match stored.get(&key) {
            None => plan.new.push(row),
            Some(fingerprint) if fingerprint == row.fingerprint => plan.unchanged += 1,
            Some(_) => plan.changed.push(row),
        }
    }
    plan
}

async fn describe_conflicts(
    conn: &mut AnyConnection,
    org: OrgId,
    changed: &[&SnapshotToWrite<'_>],
) -> Result<Vec<Conflict>, StoreError> {
    let mut conflicts = Vec::with_capacity(changed.len());
    for row in changed {
        let as_of = as_of_key(row.snapshot);
        let stored = sqlx::query(
            "SELECT s.inputs, s.exit_date, s.exit_kind, s.target_left, s.duration, s.event
             FROM snapshots s WHERE s.org_id = $1 AND s.person_key = $2 AND s.as_of = $3",
        )
        .bind(org.0)
        .bind(row.snapshot.person.as_str())
        .bind(&as_of)
        .fetch_one(&mut *conn)
        .await?;
        let (column, old, new) = first_difference(&stored, row.snapshot);
        conflicts.push(Conflict {
            line: row.line,
            person: row.snapshot.person.to_string(),
            as_of: (!as_of.is_empty()).then_some(as_of),
            column,
            stored: old,
            new,
        });
    }
    Ok(conflicts)
}

/// The first field that differs between a stored row and a new snapshot, for the error message.
fn first_difference(stored: &sqlx::any::AnyRow, snapshot: &Snapshot) -> (String, String, String) {
    let stored_inputs: Map<String, Json> =
        serde_json::from_str(&stored.get::<String, _>(0)).unwrap_or_default();
    let new_inputs = inputs_json(&snapshot.values);
    let names: std::collections::BTreeSet<&String> =
        stored_inputs.keys().chain(new_inputs.keys()).collect();
    for name in names {
        let (old, new) = (
            stored_inputs.get(name).unwrap_or(&Json::Null),
            new_inputs.get(name).unwrap_or(&Json::Null),
        );
        if old != new {
            return (name.clone(), old.to_string(), new.to_string());
        }
    }
    let fields = snapshot_fields(snapshot);
    let stored_exit: Option<String> = stored.get(1);
    if stored_exit != fields.exit_date {
        return (
            "exit date".into(),
            format!("{stored_exit:?}"),
            format!("{:?}", fields.exit_date),
        );
    }
    let stored_kind: Option<String> = stored.get(2);
    if stored_kind != fields.exit_kind {
        return (
            "exit kind".into(),
            format!("{stored_kind:?}"),
            format!("{:?}", fields.exit_kind),
        );
    }
    let stored_outcome = (
        stored.get::<Option<i64>, _>(3),
        stored.get::<Option<f64>, _>(4),
        stored.get::<Option<i64>, _>(5),
    );
    let new_outcome = (fields.target_left, fields.duration, fields.event);
    if stored_outcome != new_outcome {
        return (
            "outcome".into(),
            format!("{stored_outcome:?}"),
            format!("{new_outcome:?}"),
        );
    }
    (
        "a protected attribute".into(),
        "(not shown)".into(),
        "(not shown)".into(),
    )
}

/// The stored JSON object of a snapshot's values.
fn values_text(values: &BTreeMap<String, Value>) -> String {
    serde_json::to_string(values).expect("values serialise")
}

fn inputs_json(values: &BTreeMap<String, Value>) -> Map<String, Json> {
    serde_json::from_str(&values_text(values)).expect("values round-trip through JSON")
}

/// A snapshot's exit and outcome as stored columns.
struct SnapshotFields {
    exit_date: Option<String>,
    exit_kind: Option<String>,
    exit_voluntary: Option<i64>,
    target_left: Option<i64>,
    duration: Option<f64>,
    event: Option<i64>,
}

fn snapshot_fields(snapshot: &Snapshot) -> SnapshotFields {
    let (target_left, duration, event) = match snapshot.outcome {
        Some(Outcome::Left(left)) => (Some(i64::from(left)), None, None),
        Some(Outcome::Duration { duration, event }) => {
            (None, Some(duration), Some(i64::from(event)))
        }
        None => (None, None, None),
    };
    let exit = snapshot.exit.as_ref();
    SnapshotFields {
        exit_date: exit.map(|e| e.date.to_string()),
        exit_kind: exit.and_then(|e| e.kind.clone()),
        exit_voluntary: exit.map(|e| i64::from(e.voluntary)),
        target_left,
        duration,
        event,
    }
}

const SNAPSHOT_COLUMNS: usize = 12;

fn batch_rows_for_snapshots() -> usize {
    batch_rows(SNAPSHOT_COLUMNS)
}

async fn write_snapshots(
    backend: Backend,
    conn: &mut AnyConnection,
    org: OrgId,
    import_id: i64,
    batch: &[&SnapshotToWrite<'_>],
    replace: bool,
) -> Result<(), StoreError> {
    let mut sql = format!(
        "INSERT INTO snapshots (org_id, person_key, as_of, import_id, fingerprint, inputs, exit_date, exit_kind, exit_voluntary, target_left, duration, event) VALUES {}",
        values_list(backend, batch.len(), SNAPSHOT_COLUMNS)
    );
    if replace {
        sql.push_str(
            " ON CONFLICT (org_id, person_key, as_of) DO UPDATE SET import_id = excluded.import_id, fingerprint = excluded.fingerprint,
              inputs = excluded.inputs, exit_date = excluded.exit_date, exit_kind = excluded.exit_kind, exit_voluntary = excluded.exit_voluntary,
              target_left = excluded.target_left, duration = excluded.duration, event = excluded.event",
        );
    }
    let mut query = sqlx::query(&sql);
    for row in batch {
        let fields = snapshot_fields(row.snapshot);
        query = query
            .bind(org.0)
            .bind(row.snapshot.person.as_str().to_owned())
            .bind(as_of_key(row.snapshot))
            .bind(import_id)
            .bind(row.fingerprint.to_owned())
            .bind(values_text(&row.snapshot.values))
            .bind(fields.exit_date)
            .bind(fields.exit_kind)
            .bind(fields.exit_voluntary)
            .bind(fields.target_left)
            .bind(fields.duration)
            .bind(fields.event);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Protected attributes go to their own table: only the fairness audit reads them.
async fn write_protected(
    backend: Backend,
    conn: &mut AnyConnection,
    org: OrgId,
    import_id: i64,
    batch: &[&SnapshotToWrite<'_>],
) -> Result<(), StoreError> {
    let rows: Vec<&&SnapshotToWrite> = batch
        .iter()
        .filter(|r| !r.snapshot.protected.is_empty())
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO protected_attributes (org_id, person_key, as_of, import_id, attributes) VALUES {}
         ON CONFLICT (org_id, person_key, as_of) DO UPDATE SET import_id = excluded.import_id, attributes = excluded.attributes",
        values_list(backend, rows.len(), 5)
    );
    let mut query: Query<'_, Any, AnyArguments<'_>> = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(org.0)
            .bind(row.snapshot.person.as_str().to_owned())
            .bind(as_of_key(row.snapshot))
            .bind(import_id)
            .bind(values_text(&row.snapshot.protected));
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// A person's span of snapshots and their exit, merged across imports.
#[derive(Debug, Clone, PartialEq)]
struct PersonSpan {
    first_as_of: String,
    last_as_of: String,
    exit_date: Option<String>,
    exit_kind: Option<String>,
    exit_voluntary: Option<i64>,
}

impl PersonSpan {
    fn include(&mut self, row: &SnapshotToWrite<'_>) {
        let as_of = as_of_key(row.snapshot);
        if as_of < self.first_as_of {
            self.first_as_of = as_of.clone();
        }
        if as_of > self.last_as_of {
            self.last_as_of = as_of;
        }
        if let Some(exit) = &row.snapshot.exit {
            let date = exit.date.to_string();
            if self.exit_date.as_ref().is_none_or(|d| date >= *d) {
                self.exit_date = Some(date);
                self.exit_kind = exit.kind.clone();
                self.exit_voluntary = Some(i64::from(exit.voluntary));
            }
        }
    }
}

/// Inserts new people and updates the spans of known ones; returns how many are new.
async fn upsert_people<'r, 'a: 'r>(
    backend: Backend,
    conn: &mut AnyConnection,
    org: OrgId,
    rows: impl Iterator<Item = &'r SnapshotToWrite<'a>>,
) -> Result<u64, StoreError> {
    let stored = sqlx::query("SELECT person_key, first_as_of, last_as_of, exit_date, exit_kind, exit_voluntary FROM people WHERE org_id = $1")
        .bind(org.0)
        .fetch_all(&mut *conn)
        .await?;
    let stored: HashMap<String, PersonSpan> = stored
        .iter()
        .map(|r| {
            (
                r.get(0),
                PersonSpan {
                    first_as_of: r.get(1),
                    last_as_of: r.get(2),
                    exit_date: r.get(3),
                    exit_kind: r.get(4),
                    exit_voluntary: r.get(5),
                },
            )
        })
        .collect();
    let mut merged: BTreeMap<String, PersonSpan> = BTreeMap::new();
    for row in rows {
        let person = row.snapshot.person.as_str();
        let span = merged.entry(person.to_owned()).or_insert_with(|| {
            stored.get(person).cloned().unwrap_or_else(|| {
                let as_of = as_of_key(row.snapshot);
                PersonSpan {
                    first_as_of: as_of.clone(),
                    last_as_of: as_of,
                    exit_date: None,
                    exit_kind: None,
                    exit_voluntary: None,
                }
            })
        });
        span.include(row);
    }
    let added = merged.keys().filter(|p| !stored.contains_key(*p)).count() as u64;
    let changed: Vec<(&String, &PersonSpan)> = merged
        .iter()
        .filter(|(p, span)| stored.get(*p) != Some(span))
        .collect();
    for batch in changed.chunks(batch_rows(7)) {
        let sql = format!(
            "INSERT INTO people (org_id, person_key, first_as_of, last_as_of, exit_date, exit_kind, exit_voluntary) VALUES {}
             ON CONFLICT (org_id, person_key) DO UPDATE SET first_as_of = excluded.first_as_of, last_as_of = excluded.last_as_of,
             exit_date = excluded.exit_date, exit_kind = excluded.exit_kind, exit_voluntary = excluded.exit_voluntary",
            values_list(backend, batch.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for (person, span) in batch {
            query = query
                .bind(org.0)
                .bind((*person).clone())
                .bind(span.first_as_of.clone())
                .bind(span.last_as_of.clone())
                .bind(span.exit_date.clone())
                .bind(span.exit_kind.clone())
                .bind(span.exit_voluntary);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(added)
}
