//! HR events: each changes one person's current state — their latest snapshot — in the same
//! transaction that records it with what it changed, before and after. An exit closes the
//! person's record. What else an event touches (the leaver's teammates) is read here too, and
//! so are the pieces re-scoring the touched people needs: their histories, a month's
//! comparisons, and what changed since a given import and event.

use crate::connect::Store;
use crate::error::StoreError;
use crate::queue::NewJob;
use crate::snapshots::StoredSnapshot;
use crate::sql::now;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value as Json};
use sqlx::Row;
use std::collections::{BTreeMap, HashSet};
use tenure_domain::{ColumnKind, EventEffect, OrgId};

/// An event checked against the organization's data, ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub person: String,
    pub kind: &'static str,
    pub effective: NaiveDate,
    pub effect: EventEffect,
    pub created_by: Option<i64>,
}

/// What applying an event did.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedEvent {
    pub id: i64,
    pub person: String,
    /// The snapshot it changed ('' for undated exports).
    pub as_of: String,
    /// Column → [before, after]; for an exit, its date, kind and whether voluntary.
    pub changes: Json,
}

/// A client's key for one events request, so that sending it again does not apply its
/// events twice.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyKey {
    /// As the client sent it (checked at the boundary: 1–255 visible ASCII characters).
    pub key: String,
    /// A hash of the request's body: a key reused for another body is refused.
    pub fingerprint: String,
    /// How many people the request has re-scored, remembered for the answer (filled in by
    /// whoever works out who the events touch).
    pub people_rescored: usize,
}

impl IdempotencyKey {
    pub fn new(key: String, fingerprint: String) -> IdempotencyKey {
        IdempotencyKey {
            key,
            fingerprint,
            people_rescored: 0,
        }
    }
}

/// The answer an idempotency key's first request got.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RememberedEvents {
    pub event_ids: Vec<i64>,
    pub people_rescored: usize,
    pub job_id: Option<i64>,
}

/// How a job request under an idempotency key landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyedJob {
    /// Queued now, with this id.
    Queued(i64),
    /// Queued before under the same key, with this id: nothing queued now.
    Replayed(i64),
    /// The same job is already queued or running (under another key or none): nothing
    /// queued, nothing remembered.
    AlreadyPending(i64),
}

/// How an events request landed.
#[derive(Debug, Clone, PartialEq)]
pub enum EventsLanding {
    /// Applied now, with the re-scoring job queued with them.
    Applied {
        applied: Vec<AppliedEvent>,
        job_id: Option<i64>,
    },
    /// Applied before under the same key: nothing changed now.
    Replayed(RememberedEvents),
}

/// How long an idempotency key is remembered: a client retries within minutes, not days.
const KEYS_KEPT_FOR: chrono::Duration = chrono::Duration::hours(24);

/// The answer remembered for `key`, if its first request landed; refused when the key came
/// with another body.
async fn remembered(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    key: &IdempotencyKey,
) -> Result<Option<RememberedEvents>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT fingerprint, answer FROM idempotency_keys WHERE org_id = $1 AND idempotency_key = $2",
    )
    .bind(org.0)
    .bind(&key.key)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    if row.get::<String, _>(0) != key.fingerprint {
        return Err(reused(key));
    }
    serde_json::from_str(&row.get::<String, _>(1))
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("remembered answer: {e}")))
}

/// A key sent again with another request than the one it first came with.
fn reused(key: &IdempotencyKey) -> StoreError {
    StoreError::KeyReused(key.key.clone())
}

/// Remembers `answer` under `key`, and forgets the organization's keys older than a day.
async fn remember(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    key: &IdempotencyKey,
    answer: &RememberedEvents,
    received_at: &str,
) -> Result<(), StoreError> {
    let stale_before = crate::accounts::timestamp(Utc::now() - KEYS_KEPT_FOR);
    sqlx::query("DELETE FROM idempotency_keys WHERE org_id = $1 AND created_at < $2")
        .bind(org.0)
        .bind(stale_before)
        .execute(&mut *tx)
        .await?;
    let answer = serde_json::to_string(answer)
        .map_err(|e| StoreError::Corrupt(format!("answer to remember: {e}")))?;
    sqlx::query("INSERT INTO idempotency_keys (org_id, idempotency_key, fingerprint, answer, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(org.0)
        .bind(&key.key)
        .bind(&key.fingerprint)
        .bind(answer)
        .bind(received_at)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: i64,
    pub person: String,
    pub kind: String,
    pub effective: String,
    pub changes: Json,
    pub as_of: String,
    pub received_at: DateTime<Utc>,
}

impl Store {
    /// The columns the organization's data holds, with their kinds (the latest import's
    /// kind wins where imports disagree).
    pub async fn column_kinds(
        &self,
        org: OrgId,
    ) -> Result<BTreeMap<String, ColumnKind>, StoreError> {
        let rows = sqlx::query(
            "SELECT value_kinds FROM imports WHERE org_id = $1 AND status = 'complete' ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut kinds = BTreeMap::new();
        for r in rows {
            let these: BTreeMap<String, ColumnKind> = serde_json::from_str(&r.get::<String, _>(0))
                .map_err(|e| StoreError::Corrupt(format!("import kinds: {e}")))?;
            kinds.extend(these);
        }
        Ok(kinds)
    }

    /// Applies events in one transaction: all land or none does.
    pub async fn apply_events(
        &self,
        org: OrgId,
        events: &[NewEvent],
    ) -> Result<Vec<AppliedEvent>, StoreError> {
        Ok(self.apply_events_then_queue(org, events, None).await?.0)
    }

    /// [`Store::apply_events`], queueing `job` (the re-scoring the events call for) in the same
    /// transaction: the events never land without it. Returns the job's id too.
    pub async fn apply_events_then_queue(
        &self,
        org: OrgId,
        events: &[NewEvent],
        job: Option<&NewJob>,
    ) -> Result<(Vec<AppliedEvent>, Option<i64>), StoreError> {
        match self.apply_events_once(org, events, job, None).await? {
            EventsLanding::Applied { applied, job_id } => Ok((applied, job_id)),
            EventsLanding::Replayed(_) => unreachable!("no key, no replay"),
        }
    }

    /// [`Store::apply_events_then_queue`] under a client's idempotency key: the first request
    /// with the key applies its events and remembers its answer in the same transaction; a
    /// repeat with the same body gets that answer back and changes nothing; a repeat with
    /// another body is refused.
    pub async fn apply_events_once(
        &self,
        org: OrgId,
        events: &[NewEvent],
        job: Option<&NewJob>,
        key: Option<&IdempotencyKey>,
    ) -> Result<EventsLanding, StoreError> {
        let mut tx = self.begin_write().await?;
        let received_at = now();
        if let Some(key) = key {
            if let Some(remembered) = remembered(&mut tx, org, key).await? {
                tx.rollback().await?;
                return Ok(EventsLanding::Replayed(remembered));
            }
        }
        let mut applied = Vec::with_capacity(events.len());
        for event in events {
            applied.push(apply(&mut tx, org, event, &received_at).await?);
        }
        let job_id = match job {
            Some(job) => Some(Store::insert_job(&mut tx, org, job).await?),
            None => None,
        };
        if let Some(key) = key {
            let answer = RememberedEvents {
                event_ids: applied.iter().map(|a| a.id).collect(),
                people_rescored: key.people_rescored,
                job_id,
            };
            if let Err(error) = remember(&mut tx, org, key, &answer, &received_at).await {
                // PostgreSQL: a request with the same key committed while this one ran (it
                // waited on the key's index entry): answer as that one did.
                let _ = tx.rollback().await;
                return match self.remembered_answer(org, key).await? {
                    Some(remembered) => Ok(EventsLanding::Replayed(remembered)),
                    None => Err(error),
                };
            }
        }
        tx.commit().await?;
        Ok(EventsLanding::Applied { applied, job_id })
    }

    /// Queues a job under a client's idempotency key: the first request with the key saves
    /// its uploaded file (when it has one; `make_job` gets its id), queues the job and
    /// remembers the job's id in one transaction; a repeat with the same body gets that id
    /// back and queues nothing; a repeat with another body is refused.
    ///
    /// A job without an upload is queued once: while the same job (kind and payload) is
    /// queued or running, that one is answered and the key is not remembered.
    pub async fn queue_job_under_key(
        &self,
        org: OrgId,
        upload: Option<(&str, &[u8])>,
        make_job: impl FnOnce(Option<i64>) -> NewJob,
        key: &IdempotencyKey,
    ) -> Result<KeyedJob, StoreError> {
        // A key first used for events (no job) is another request too.
        let replayed = |answer: RememberedEvents| {
            answer
                .job_id
                .map(KeyedJob::Replayed)
                .ok_or_else(|| reused(key))
        };
        let mut tx = self.begin_write().await?;
        if let Some(answer) = remembered(&mut tx, org, key).await? {
            tx.rollback().await?;
            return replayed(answer);
        }
        let received_at = now();
        let upload_id = match upload {
            Some((name, content)) => Some(Store::insert_upload(&mut tx, org, name, content).await?),
            None => None,
        };
        let job = make_job(upload_id);
        if upload.is_none() {
            if let Some(pending) = Store::pending_job(&mut tx, org, &job).await? {
                tx.rollback().await?;
                return Ok(KeyedJob::AlreadyPending(pending));
            }
        }
        let job_id = Store::insert_job(&mut tx, org, &job).await?;
        let answer = RememberedEvents {
            event_ids: Vec::new(),
            people_rescored: 0,
            job_id: Some(job_id),
        };
        if let Err(error) = remember(&mut tx, org, key, &answer, &received_at).await {
            // PostgreSQL: the same key committed while this request ran: answer as it did.
            let _ = tx.rollback().await;
            return match self.remembered_answer(org, key).await? {
                Some(answer) => replayed(answer),
                None => Err(error),
            };
        }
        tx.commit().await?;
        Ok(KeyedJob::Queued(job_id))
    }

    /// The answer remembered for `key` as committed (a read: no turn at the writer).
    async fn remembered_answer(
        &self,
        org: OrgId,
        key: &IdempotencyKey,
    ) -> Result<Option<RememberedEvents>, StoreError> {
        remembered(&mut *self.connection().await?, org, key).await
    }

    /// The organization's events, newest first.
    pub async fn events(&self, org: OrgId, limit: i64) -> Result<Vec<EventRecord>, StoreError> {
        let rows = sqlx::query("SELECT id, person_key, kind, effective, changes, applied_as_of, received_at FROM events WHERE org_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(org.0)
            .bind(limit)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRecord {
                    id: r.get(0),
                    person: r.get(1),
                    kind: r.get(2),
                    effective: r.get(3),
                    changes: serde_json::from_str(&r.get::<String, _>(4))
                        .map_err(|e| StoreError::Corrupt(format!("event changes: {e}")))?,
                    as_of: r.get(5),
                    received_at: crate::sql::stamp(r, 6)?,
                })
            })
            .collect()
    }

    /// People still employed whose latest snapshot puts them in `team` (by `team_column`),
    /// other than `except`.
    pub async fn teammates(
        &self,
        org: OrgId,
        team_column: &str,
        except: &str,
    ) -> Result<Vec<String>, StoreError> {
        let Some((as_of, inputs)) = latest_row(&mut *self.connection().await?, org, except).await?
        else {
            return Ok(Vec::new());
        };
        let Some(team) = inputs.get(team_column).filter(|v| !v.is_null()).cloned() else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query("SELECT s.person_key, s.inputs FROM snapshots s JOIN people p ON p.org_id = s.org_id AND p.person_key = s.person_key WHERE s.org_id = $1 AND s.as_of = $2 AND p.exit_date IS NULL AND p.last_as_of = s.as_of AND s.person_key <> $3")
            .bind(org.0)
            .bind(&as_of)
            .bind(except)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        let mut mates = Vec::new();
        for r in rows {
            let inputs: Map<String, Json> = serde_json::from_str(&r.get::<String, _>(1))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if inputs.get(team_column) == Some(&team) {
                mates.push(r.get(0));
            }
        }
        Ok(mates)
    }

    /// What the organization's data was last changed by: its latest complete import and its
    /// latest event. Anything read with an older pair may be stale.
    pub async fn data_stamp(&self, org: OrgId) -> Result<(i64, i64), StoreError> {
        // Imports and erasures (the epoch) only ever grow, so their sum changes whenever
        // either does.
        let row = sqlx::query("SELECT COALESCE((SELECT MAX(id) FROM imports WHERE org_id = $1 AND status = 'complete'), 0) + COALESCE((SELECT data_epoch FROM organizations WHERE id = $1), 0), COALESCE((SELECT MAX(id) FROM events WHERE org_id = $1), 0)")
            .bind(org.0)
            .fetch_one(&mut *self.connection().await?)
            .await?;
        Ok((row.get(0), row.get(1)))
    }

    /// Every snapshot of these people.
    pub async fn histories_of(
        &self,
        org: OrgId,
        people: &[String],
    ) -> Result<Vec<StoredSnapshot>, StoreError> {
        let mut rows = Vec::new();
        for person in people {
            rows.extend(self.snapshot_rows(org, "s.person_key = $2", person).await?);
        }
        self.typed_snapshots(org, &rows).await
    }

    /// Everyone's snapshot dated `as_of`, and the last snapshot of everyone who left
    /// voluntarily in the `window_months` before it: what a month's comparisons read.
    pub async fn month_context(
        &self,
        org: OrgId,
        as_of: &str,
        window_months: u32,
    ) -> Result<Vec<StoredSnapshot>, StoreError> {
        let mut rows = self.snapshot_rows(org, "s.as_of = $2", as_of).await?;
        let since = NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_sub_months(chrono::Months::new(window_months)));
        if let Some(since) = since {
            let leavers = "s.person_key IN (SELECT person_key FROM people WHERE org_id = $1 AND exit_voluntary = 1 AND exit_date >= $2) AND s.as_of = (SELECT MAX(l.as_of) FROM snapshots l WHERE l.org_id = s.org_id AND l.person_key = s.person_key)";
            rows.extend(self.snapshot_rows(org, leavers, &since.to_string()).await?);
        }
        let mut seen = HashSet::new();
        rows.retain(|r| seen.insert((r.get::<String, _>(0), r.get::<String, _>(1))));
        self.typed_snapshots(org, &rows).await
    }

    /// The latest snapshot of each of these people.
    pub async fn latest_snapshots_of(
        &self,
        org: OrgId,
        people: &[String],
    ) -> Result<Vec<StoredSnapshot>, StoreError> {
        let latest = "s.person_key = $2 AND s.as_of = (SELECT MAX(l.as_of) FROM snapshots l WHERE l.org_id = s.org_id AND l.person_key = s.person_key)";
        let mut rows = Vec::new();
        for person in people {
            rows.extend(self.snapshot_rows(org, latest, person).await?);
        }
        self.typed_snapshots(org, &rows).await
    }

    /// The latest snapshot of everyone whose data events changed after event `after`, in one
    /// statement: what keeps a month's comparisons in step with the events. (Events only land
    /// on people with snapshots; an erasure moves the data stamp's other half.)
    pub async fn latest_snapshots_changed_since(
        &self,
        org: OrgId,
        after: i64,
    ) -> Result<Vec<StoredSnapshot>, StoreError> {
        let sql = format!(
            "SELECT {} FROM snapshots s WHERE s.org_id = $1 \
             AND s.person_key IN (SELECT e.person_key FROM events e WHERE e.org_id = $1 AND e.id > $2) \
             AND s.as_of = (SELECT MAX(l.as_of) FROM snapshots l WHERE l.org_id = s.org_id AND l.person_key = s.person_key)",
            crate::snapshots::SNAPSHOT_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(after)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        self.typed_snapshots(org, &rows).await
    }

    async fn snapshot_rows(
        &self,
        org: OrgId,
        condition: &str,
        bind: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM snapshots s WHERE s.org_id = $1 AND {condition}",
            crate::snapshots::SNAPSHOT_COLUMNS
        );
        Ok(sqlx::query(&sql)
            .bind(org.0)
            .bind(bind)
            .fetch_all(&mut *self.connection().await?)
            .await?)
    }
}

async fn latest_row(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    org: OrgId,
    person: &str,
) -> Result<Option<(String, Map<String, Json>)>, StoreError> {
    let row = sqlx::query("SELECT as_of, inputs FROM snapshots WHERE org_id = $1 AND person_key = $2 ORDER BY as_of DESC LIMIT 1")
        .bind(org.0)
        .bind(person)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        let inputs = serde_json::from_str(&r.get::<String, _>(1))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok((r.get(0), inputs))
    })
    .transpose()
}

/// A person's latest snapshot (its date and inputs), the row an event changes: one statement,
/// inside the event's transaction. Refused for someone unknown or who has left.
async fn current_row(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    person: &str,
) -> Result<(String, Map<String, Json>), StoreError> {
    let row = sqlx::query(
        "SELECT p.exit_date, s.as_of, s.inputs FROM people p
         LEFT JOIN snapshots s ON s.org_id = p.org_id AND s.person_key = p.person_key
           AND s.as_of = (SELECT MAX(l.as_of) FROM snapshots l WHERE l.org_id = p.org_id AND l.person_key = p.person_key)
         WHERE p.org_id = $1 AND p.person_key = $2",
    )
    .bind(org.0)
    .bind(person)
    .fetch_optional(tx)
    .await?;
    let unknown = || StoreError::UnknownPerson(person.to_owned());
    let row = row.ok_or_else(unknown)?;
    if let Some(on) = row.get::<Option<String>, _>(0) {
        return Err(StoreError::PersonLeft {
            person: person.to_owned(),
            on,
        });
    }
    let (Some(as_of), Some(inputs)) = (row.get(1), row.get::<Option<String>, _>(2)) else {
        return Err(unknown());
    };
    let inputs = serde_json::from_str(&inputs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok((as_of, inputs))
}

async fn apply(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    event: &NewEvent,
    received_at: &str,
) -> Result<AppliedEvent, StoreError> {
    let (as_of, mut inputs) = current_row(tx, org, &event.person).await?;
    let changes = match &event.effect {
        EventEffect::Values(values) => {
            let mut changes = Map::new();
            for (column, value) in values {
                let after = serde_json::to_value(value).expect("values serialise");
                let before = inputs
                    .insert(column.clone(), after.clone())
                    .unwrap_or(Json::Null);
                changes.insert(column.clone(), json!([before, after]));
            }
            let text = Json::Object(inputs).to_string();
            sqlx::query("UPDATE snapshots SET inputs = $1, fingerprint = $2 WHERE org_id = $3 AND person_key = $4 AND as_of = $5")
                .bind(&text)
                .bind(fingerprint(&text))
                .bind(org.0)
                .bind(&event.person)
                .bind(&as_of)
                .execute(&mut *tx)
                .await?;
            Json::Object(changes)
        }
        EventEffect::Exit { kind, voluntary } => {
            let date = event.effective.to_string();
            let voluntary = i64::from(*voluntary);
            for table in ["people", "snapshots"] {
                let sql = format!("UPDATE {table} SET exit_date = $1, exit_kind = $2, exit_voluntary = $3 WHERE org_id = $4 AND person_key = $5");
                sqlx::query(&sql)
                    .bind(&date)
                    .bind(kind)
                    .bind(voluntary)
                    .bind(org.0)
                    .bind(&event.person)
                    .execute(&mut *tx)
                    .await?;
            }
            // A leaver has no outlook left to forecast: their stored curves go with the event,
            // as a scoring run would leave them out.
            sqlx::query("DELETE FROM forecast_curves WHERE org_id = $1 AND person_key = $2")
                .bind(org.0)
                .bind(&event.person)
                .execute(&mut *tx)
                .await?;
            json!({"exit_date": date, "exit_kind": kind, "voluntary": voluntary == 1})
        }
    };
    let id: i64 = sqlx::query("INSERT INTO events (org_id, person_key, kind, effective, changes, applied_as_of, received_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(org.0)
        .bind(&event.person)
        .bind(event.kind)
        .bind(event.effective.to_string())
        .bind(changes.to_string())
        .bind(&as_of)
        .bind(received_at)
        .bind(event.created_by)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
    Ok(AppliedEvent {
        id,
        person: event.person.clone(),
        as_of,
        changes,
    })
}

/// A changed row's fingerprint: it no longer matches the file it came from, so a re-import
/// of that file shows the difference instead of silently undoing the event.
fn fingerprint(inputs: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(
        format!("event\u{1f}{inputs}").as_bytes(),
    ))
}
