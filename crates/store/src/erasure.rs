//! People's rights and the end of data: everything held about one person (to give it to
//! them), erasing a person, purging what an organization's retention period has expired, and
//! deleting a departed organization whole. Audit rows name people only by pseudonym, so they
//! stay (and their hash chain stays intact) when the person is erased.

use crate::audit::AuditRecord;
use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use crate::trust::pseudonym_with;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use sqlx::Row;
use tenure_domain::OrgId;

/// Everything the organization holds about one person.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRecord {
    pub person: String,
    /// How the audit log names them.
    pub pseudonym: String,
    pub first_as_of: String,
    pub last_as_of: String,
    pub exit_date: Option<String>,
    pub exit_kind: Option<String>,
    /// Each snapshot's inputs, as imported or changed by events.
    pub snapshots: Vec<Json>,
    /// Protected attributes: never model inputs, read only by the fairness audit and here.
    pub protected_attributes: Vec<Json>,
    /// Every score, with its model version, drivers and input hash.
    pub scores: Vec<Json>,
    /// Their survival curve in each stored forecast (chance of still being here after 1, 2, …
    /// months), with the model version and the month it was made at.
    pub forecasts: Vec<Json>,
    pub events: Vec<Json>,
    pub warnings: Vec<Json>,
    /// Who read their score or drivers, and when.
    pub viewed_by: Vec<AuditRecord>,
    /// When they objected to being scored, while they object.
    pub objected_at: Option<String>,
}

/// Rows removed (or changed) by an erasure or purge, by table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    pub rows: std::collections::BTreeMap<String, u64>,
}

impl Removed {
    fn add(&mut self, table: &str, n: u64) {
        if n > 0 {
            *self.rows.entry(table.to_owned()).or_default() += n;
        }
    }

    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

/// Every table holding an organization's rows, children before parents: deleting in this
/// order never breaks a foreign key. The offboarding test checks no table is missing.
const ORGANIZATION_TABLES: &[&str] = &[
    "audit_log",
    "idempotency_keys",
    "operator_alerts",
    "accuracy_checks",
    "governance",
    "deliveries",
    "warning_steps",
    "warnings",
    "warning_policies",
    "webhooks",
    "email_settings",
    "events",
    "scores",
    "forecast_curves",
    "forecasts",
    "models",
    "protected_attributes",
    "snapshots",
    "people",
    "uploads",
    "jobs",
    "imports",
    "api_tokens",
    "sessions",
    "invitations",
    "objections",
    "access_links",
    "scim_users",
    "sign_on_identities",
    "sign_on_attempts",
    "sign_on_settings",
    "pulls",
    "data_sources",
    "memberships",
];

type Tx = crate::connect::WriteTx;

impl Store {
    /// Everything held about `person`; `None` if the organization holds nothing about them.
    pub async fn person_record(
        &self,
        org: OrgId,
        person: &str,
    ) -> Result<Option<PersonRecord>, StoreError> {
        let Some(row) = sqlx::query("SELECT first_as_of, last_as_of, exit_date, exit_kind FROM people WHERE org_id = $1 AND person_key = $2")
            .bind(org.0)
            .bind(person)
            .fetch_optional(&mut *self.connection().await?)
            .await?
        else {
            return Ok(None);
        };
        let pseudonym = self.pseudonym(org, person).await?;
        let json_rows = |sql: &'static str| async move {
            let rows = sqlx::query(sql)
                .bind(org.0)
                .bind(person)
                .fetch_all(&mut *self.connection().await?)
                .await?;
            Ok::<_, StoreError>(rows)
        };
        let snapshots = json_rows("SELECT as_of, inputs FROM snapshots WHERE org_id = $1 AND person_key = $2 ORDER BY as_of")
            .await?
            .iter()
            .map(|r| serde_json::json!({"as_of": r.get::<String, _>(0), "values": parse(r.get(1))}))
            .collect();
        let protected_attributes = json_rows("SELECT as_of, attributes FROM protected_attributes WHERE org_id = $1 AND person_key = $2 ORDER BY as_of")
            .await?
            .iter()
            .map(|r| serde_json::json!({"as_of": r.get::<String, _>(0), "attributes": parse(r.get(1))}))
            .collect();
        let scores = json_rows("SELECT model_version, as_of, probability, band, abstained, drivers, input_hash, scored_at FROM scores WHERE org_id = $1 AND person_key = $2 ORDER BY as_of, model_version")
            .await?
            .iter()
            .map(|r| {
                serde_json::json!({
                    "model_version": r.get::<i64, _>(0),
                    "as_of": r.get::<String, _>(1),
                    "probability": r.get::<Option<f64>, _>(2),
                    "band": r.get::<String, _>(3),
                    "abstained": r.get::<Option<String>, _>(4),
                    "drivers": parse(r.get(5)),
                    "input_hash": r.get::<String, _>(6),
                    "scored_at": r.get::<String, _>(7),
                })
            })
            .collect();
        let forecasts = json_rows("SELECT c.model_version, f.as_of, c.survival FROM forecast_curves c JOIN forecasts f ON f.org_id = c.org_id AND f.model_version = c.model_version WHERE c.org_id = $1 AND c.person_key = $2 ORDER BY c.model_version")
            .await?
            .iter()
            .map(|r| {
                serde_json::json!({
                    "model_version": r.get::<i64, _>(0),
                    "as_of": r.get::<String, _>(1),
                    "survival": parse(r.get(2)),
                })
            })
            .collect();
        let events = json_rows("SELECT kind, effective, changes, received_at FROM events WHERE org_id = $1 AND person_key = $2 ORDER BY id")
            .await?
            .iter()
            .map(|r| {
                serde_json::json!({
                    "kind": r.get::<String, _>(0),
                    "effective": r.get::<String, _>(1),
                    "changes": parse(r.get(2)),
                    "received_at": r.get::<String, _>(3),
                })
            })
            .collect();
        let warnings = json_rows("SELECT public_id, raised_at, status, triggers, drivers, outcome FROM warnings WHERE org_id = $1 AND person_key = $2 ORDER BY id")
            .await?
            .iter()
            .map(|r| {
                serde_json::json!({
                    "warning": r.get::<String, _>(0),
                    "raised_at": r.get::<String, _>(1),
                    "status": r.get::<String, _>(2),
                    "triggers": parse(r.get(3)),
                    "drivers": parse(r.get(4)),
                    "outcome": r.get::<Option<String>, _>(5),
                })
            })
            .collect();
        let viewed_by = self.audit_of_subject(org, &pseudonym).await?;
        let objected_at = self.objection(org, person).await?;
        Ok(Some(PersonRecord {
            person: person.to_owned(),
            pseudonym,
            first_as_of: row.get(0),
            last_as_of: row.get(1),
            exit_date: row.get(2),
            exit_kind: row.get(3),
            snapshots,
            protected_attributes,
            scores,
            forecasts,
            events,
            warnings,
            viewed_by,
            objected_at,
        }))
    }

    /// Erases a person in one transaction: their inputs, protected attributes, scores,
    /// drivers, events and warnings; where others' rows name them (as a manager) the name
    /// becomes their pseudonym. Audit rows already name them only by pseudonym.
    pub async fn erase_person(&self, org: OrgId, person: &str) -> Result<Removed, StoreError> {
        let key = self.pseudonym_key(org).await?;
        let mut tx = self.begin_write().await?;
        let known = sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND person_key = $2")
            .bind(org.0)
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::UnknownPerson(person.to_owned()));
        }
        let removed = erase_in(&mut tx, org, person, &pseudonym_with(&key, person)).await?;
        bump_epoch(&mut tx, org).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// Purges what the organization's retention period has expired as of `today`: people who
    /// left before the cut-off are erased whole; everyone's snapshots, scores and events
    /// dated before it are deleted, and closed warnings raised before it.
    pub async fn purge_expired(&self, org: OrgId, today: NaiveDate) -> Result<Removed, StoreError> {
        let Some(months) = self.trust_settings(org).await?.retention_months else {
            return Ok(Removed::default());
        };
        let cutoff = today
            .checked_sub_months(chrono::Months::new(months))
            .unwrap_or(NaiveDate::MIN)
            .to_string();
        let key = self.pseudonym_key(org).await?;
        let mut tx = self.begin_write().await?;
        let leavers: Vec<String> = sqlx::query("SELECT person_key FROM people WHERE org_id = $1 AND exit_date IS NOT NULL AND exit_date < $2")
            .bind(org.0)
            .bind(&cutoff)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut removed = Removed::default();
        for person in &leavers {
            let erased = erase_in(&mut tx, org, person, &pseudonym_with(&key, person)).await?;
            for (table, n) in erased.rows {
                removed.add(&table, n);
            }
        }
        let closed_before = "SELECT id FROM warnings WHERE org_id = $1 AND raised_at < $2 AND status IN ('closed', 'dismissed')";
        for (table, sql) in [
            ("deliveries", format!("DELETE FROM deliveries WHERE org_id = $1 AND warning_id IN ({closed_before})")),
            ("warning_steps", format!("DELETE FROM warning_steps WHERE org_id = $1 AND warning_id IN ({closed_before})")),
            ("warnings", "DELETE FROM warnings WHERE org_id = $1 AND raised_at < $2 AND status IN ('closed', 'dismissed')".to_owned()),
            ("scores", "DELETE FROM scores WHERE org_id = $1 AND as_of <> '' AND as_of < $2".to_owned()),
            ("events", "DELETE FROM events WHERE org_id = $1 AND effective < $2".to_owned()),
            ("protected_attributes", "DELETE FROM protected_attributes WHERE org_id = $1 AND as_of <> '' AND as_of < $2".to_owned()),
            ("snapshots", "DELETE FROM snapshots WHERE org_id = $1 AND as_of <> '' AND as_of < $2".to_owned()),
        ] {
            let done = sqlx::query(&sql).bind(org.0).bind(&cutoff).execute(&mut *tx).await?;
            removed.add(table, done.rows_affected());
        }
        // A person's first month is now the first one kept.
        sqlx::query("UPDATE people SET first_as_of = (SELECT MIN(s.as_of) FROM snapshots s WHERE s.org_id = people.org_id AND s.person_key = people.person_key) WHERE org_id = $1 AND first_as_of <> '' AND first_as_of < $2 AND EXISTS (SELECT 1 FROM snapshots s WHERE s.org_id = people.org_id AND s.person_key = people.person_key)")
            .bind(org.0)
            .bind(&cutoff)
            .execute(&mut *tx)
            .await?;
        if removed.total() > 0 {
            bump_epoch(&mut tx, org).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Offboards an organization: suspended at once, and every row it owns deleted by the
    /// purge job once `purge_after` has passed (at most 30 days later).
    pub async fn offboard(&self, org: OrgId, purge_after: DateTime<Utc>) -> Result<(), StoreError> {
        let at = now();
        sqlx::query("UPDATE organizations SET offboarded_at = $1, purge_after = $2, suspended_at = COALESCE(suspended_at, $1) WHERE id = $3")
            .bind(&at)
            .bind(crate::accounts::timestamp(purge_after))
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// Offboarded organizations whose time has come, each with when it was offboarded.
    pub async fn organizations_due_for_deletion(
        &self,
        now_at: DateTime<Utc>,
    ) -> Result<Vec<OrgId>, StoreError> {
        let rows = sqlx::query("SELECT id FROM organizations WHERE purge_after IS NOT NULL AND purge_after <= $1 ORDER BY id")
            .bind(crate::accounts::timestamp(now_at))
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows.iter().map(|r| OrgId(r.get(0))).collect())
    }

    /// Deletes an offboarded organization and every row it owns, in one transaction; accounts
    /// that belonged to it alone go too. Refused for an organization not offboarded.
    pub async fn delete_organization(&self, org: OrgId) -> Result<Removed, StoreError> {
        let mut tx = self.begin_write().await?;
        let offboarded =
            sqlx::query("SELECT 1 FROM organizations WHERE id = $1 AND purge_after IS NOT NULL")
                .bind(org.0)
                .fetch_optional(&mut *tx)
                .await?;
        if offboarded.is_none() {
            return Err(StoreError::Refused(format!(
                "organization {} is not offboarded; its data stays",
                org.0
            )));
        }
        let members: Vec<i64> = sqlx::query("SELECT user_id FROM memberships WHERE org_id = $1 UNION SELECT user_id FROM scim_users WHERE org_id = $1")
            .bind(org.0)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut removed = Removed::default();
        for table in ORGANIZATION_TABLES {
            let done = sqlx::query(&format!("DELETE FROM {table} WHERE org_id = $1"))
                .bind(org.0)
                .execute(&mut *tx)
                .await?;
            removed.add(table, done.rows_affected());
        }
        for user in members {
            // Someone who also belongs elsewhere keeps their account.
            let done = sqlx::query("DELETE FROM users WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1) AND NOT EXISTS (SELECT 1 FROM invitations WHERE invited_by = $1) AND NOT EXISTS (SELECT 1 FROM api_tokens WHERE created_by = $1) AND NOT EXISTS (SELECT 1 FROM scim_users WHERE user_id = $1) AND NOT EXISTS (SELECT 1 FROM sign_on_identities WHERE user_id = $1)")
                .bind(user)
                .execute(&mut *tx)
                .await?;
            removed.add("users", done.rows_affected());
        }
        let done = sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        removed.add("organizations", done.rows_affected());
        tx.commit().await?;
        self.audit_heads.lock().await.remove(&org);
        Ok(removed)
    }

    async fn audit_of_subject(
        &self,
        org: OrgId,
        pseudonym: &str,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query("SELECT seq, at, actor, action, subject, request_id, prev_hash, hash FROM audit_log WHERE org_id = $1 AND subject = $2 ORDER BY seq")
            .bind(org.0)
            .bind(pseudonym)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows.iter().map(crate::audit::audit_record).collect())
    }
}

async fn bump_epoch(tx: &mut Tx, org: OrgId) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET data_epoch = data_epoch + 1 WHERE id = $1")
        .bind(org.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn parse(text: String) -> Json {
    serde_json::from_str(&text).unwrap_or(Json::String(text))
}

/// The erasure itself, inside the caller's transaction.
async fn erase_in(
    tx: &mut Tx,
    org: OrgId,
    person: &str,
    pseudonym: &str,
) -> Result<Removed, StoreError> {
    let mut removed = Removed::default();
    let of_person = "SELECT id FROM warnings WHERE org_id = $1 AND person_key = $2";
    for (table, sql) in [
        (
            "deliveries",
            format!("DELETE FROM deliveries WHERE org_id = $1 AND warning_id IN ({of_person})"),
        ),
        (
            "warning_steps",
            format!("DELETE FROM warning_steps WHERE org_id = $1 AND warning_id IN ({of_person})"),
        ),
        (
            "warnings",
            "DELETE FROM warnings WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "scores",
            "DELETE FROM scores WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "forecast_curves",
            "DELETE FROM forecast_curves WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "events",
            "DELETE FROM events WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "protected_attributes",
            "DELETE FROM protected_attributes WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "snapshots",
            "DELETE FROM snapshots WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "access_links",
            "DELETE FROM access_links WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "objections",
            "DELETE FROM objections WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
        (
            "people",
            "DELETE FROM people WHERE org_id = $1 AND person_key = $2".to_owned(),
        ),
    ] {
        let done = sqlx::query(&sql)
            .bind(org.0)
            .bind(person)
            .execute(&mut **tx)
            .await?;
        removed.add(table, done.rows_affected());
    }
    // Others' rows that name the person (as their manager) keep the link, pseudonymously.
    let quoted = serde_json::to_string(person).expect("a string serialises");
    let quoted_pseudonym = serde_json::to_string(pseudonym).expect("a string serialises");
    for (table, column) in [("snapshots", "inputs"), ("events", "changes")] {
        let sql = format!("UPDATE {table} SET {column} = REPLACE({column}, $1, $2) WHERE org_id = $3 AND {column} LIKE $4");
        let done = sqlx::query(&sql)
            .bind(&quoted)
            .bind(&quoted_pseudonym)
            .bind(org.0)
            // A `%` or `_` in a key only widens the LIKE; REPLACE is exact.
            .bind(format!("%{quoted}%"))
            .execute(&mut **tx)
            .await?;
        removed.add(table, done.rows_affected());
    }
    // Drivers said in words ("manager_id: E00044"), and models (a forecast's hazard model
    // too) that learnt the name as a category level: the name becomes the pseudonym wherever
    // it stands as a whole word, so an encoded level keeps its place and others' scores keep
    // their meaning.
    for (table, column, keys) in [
        ("scores", "drivers", "model_version, person_key, as_of"),
        ("warnings", "drivers", "id"),
        ("warnings", "triggers", "id"),
        ("models", "artifact", "version"),
        ("forecasts", "hazard_artifact", "model_version"),
    ] {
        removed.add(
            table,
            pseudonymise_json(tx, org, (table, column, keys), person, pseudonym).await?,
        );
    }
    for table in ["scores", "warnings"] {
        let done = sqlx::query(&format!(
            "UPDATE {table} SET manager = $1 WHERE org_id = $2 AND manager = $3"
        ))
        .bind(pseudonym)
        .bind(org.0)
        .bind(person)
        .execute(&mut **tx)
        .await?;
        removed.add(table, done.rows_affected());
    }
    removed.add("jobs", scrub_jobs(tx, org, person).await?);
    removed.add("uploads", drop_uploads_naming(tx, org, person).await?);
    removed.add("imports", scrub_import_errors(tx, org, person).await?);
    Ok(removed)
}

/// Rewrites `column` (JSON text) of the rows naming `person`, replacing the name as a whole
/// word in every string. `keys` are the columns (besides org_id) that pick one row.
async fn pseudonymise_json(
    tx: &mut Tx,
    org: OrgId,
    (table, column, keys): (&str, &str, &str),
    person: &str,
    pseudonym: &str,
) -> Result<u64, StoreError> {
    let key_columns: Vec<&str> = keys.split(", ").collect();
    let rows = sqlx::query(&format!(
        "SELECT {column}, {keys} FROM {table} WHERE org_id = $1 AND {column} LIKE $2"
    ))
    .bind(org.0)
    .bind(format!("%{person}%"))
    .fetch_all(&mut **tx)
    .await?;
    let mut changed = 0;
    for r in rows {
        let text: String = r.get(0);
        let Ok(mut json) = serde_json::from_str::<Json>(&text) else {
            continue;
        };
        if !replace_word_in(&mut json, person, pseudonym) {
            continue;
        }
        let filter: Vec<String> = key_columns
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k} = ${}", i + 3))
            .collect();
        let sql = format!(
            "UPDATE {table} SET {column} = $1 WHERE org_id = $2 AND {}",
            filter.join(" AND ")
        );
        let mut update = sqlx::query(&sql).bind(json.to_string()).bind(org.0);
        for (i, k) in key_columns.iter().enumerate() {
            update = match *k {
                "person_key" | "as_of" => update.bind(r.get::<String, _>(i + 1)),
                _ => update.bind(r.get::<i64, _>(i + 1)),
            };
        }
        update.execute(&mut **tx).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Replaces `word` (standing alone: no letter, digit, `-` or `_` beside it) in every string
/// of `json`, keys included. True when anything changed.
fn replace_word_in(json: &mut Json, word: &str, with: &str) -> bool {
    match json {
        Json::String(text) => match replace_word(text, word, with) {
            Some(new) => {
                *text = new;
                true
            }
            None => false,
        },
        Json::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| replace_word_in(v, word, with) | changed),
        Json::Object(fields) => {
            let renamed: Vec<(String, String)> = fields
                .keys()
                .filter_map(|k| replace_word(k, word, with).map(|new| (k.clone(), new)))
                .collect();
            let changed = !renamed.is_empty();
            for (old, new) in renamed {
                if let Some(v) = fields.remove(&old) {
                    fields.insert(new, v);
                }
            }
            fields.values_mut().fold(changed, |changed, v| {
                replace_word_in(v, word, with) | changed
            })
        }
        _ => false,
    }
}

fn replace_word(text: &str, word: &str, with: &str) -> Option<String> {
    let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in text.match_indices(word) {
        let alone = !text[..at].chars().next_back().is_some_and(part)
            && !text[at + word.len()..].chars().next().is_some_and(part);
        if alone && at >= rest {
            out.push_str(&text[rest..at]);
            out.push_str(with);
            rest = at + word.len();
        }
    }
    (rest > 0).then(|| {
        out.push_str(&text[rest..]);
        out
    })
}

/// Queued or finished jobs whose payload names the person (re-scores after events) lose
/// the name; the rest of the payload stays.
async fn scrub_jobs(tx: &mut Tx, org: OrgId, person: &str) -> Result<u64, StoreError> {
    let rows = sqlx::query("SELECT id, payload FROM jobs WHERE org_id = $1 AND payload LIKE $2")
        .bind(org.0)
        .bind(format!("%{person}%"))
        .fetch_all(&mut **tx)
        .await?;
    let mut changed = 0;
    for r in rows {
        let payload: String = r.get(1);
        let Ok(mut json) = serde_json::from_str::<Json>(&payload) else {
            continue;
        };
        if !remove_string(&mut json, person) {
            continue;
        }
        sqlx::query("UPDATE jobs SET payload = $1 WHERE id = $2 AND org_id = $3")
            .bind(json.to_string())
            .bind(r.get::<i64, _>(0))
            .bind(org.0)
            .execute(&mut **tx)
            .await?;
        changed += 1;
    }
    Ok(changed)
}

fn remove_string(json: &mut Json, person: &str) -> bool {
    match json {
        Json::Array(items) => {
            let before = items.len();
            items.retain(|i| i.as_str() != Some(person));
            let mut changed = items.len() != before;
            for item in items {
                changed |= remove_string(item, person);
            }
            changed
        }
        Json::Object(fields) => fields
            .values_mut()
            .fold(false, |changed, v| remove_string(v, person) | changed),
        _ => false,
    }
}

/// An uploaded file still waiting for its import holds the person's rows: it goes.
async fn drop_uploads_naming(tx: &mut Tx, org: OrgId, person: &str) -> Result<u64, StoreError> {
    let rows = sqlx::query("SELECT id, content FROM uploads WHERE org_id = $1")
        .bind(org.0)
        .fetch_all(&mut **tx)
        .await?;
    let mut dropped = 0;
    for r in rows {
        let content: Vec<u8> = r.get(1);
        if content
            .windows(person.len().max(1))
            .any(|w| w == person.as_bytes())
        {
            sqlx::query("DELETE FROM uploads WHERE id = $1 AND org_id = $2")
                .bind(r.get::<i64, _>(0))
                .bind(org.0)
                .execute(&mut **tx)
                .await?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// A refused import's errors may quote the person's key: it is blanked out.
async fn scrub_import_errors(tx: &mut Tx, org: OrgId, person: &str) -> Result<u64, StoreError> {
    let done = sqlx::query("UPDATE imports SET errors = REPLACE(errors, $1, '[erased]') WHERE org_id = $2 AND errors LIKE $3")
        .bind(person)
        .bind(org.0)
        .bind(format!("%{person}%"))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_words_are_replaced() {
        assert_eq!(
            replace_word("manager_id: E00044; E000441 xE00044 E00044", "E00044", "P").as_deref(),
            Some("manager_id: P; E000441 xE00044 P")
        );
        assert_eq!(replace_word("E000441", "E00044", "P"), None);
        let mut json = serde_json::json!({"levels": ["1", "12", "1"], "1": "a 1 b"});
        assert!(replace_word_in(&mut json, "1", "P"));
        assert_eq!(
            json,
            serde_json::json!({"levels": ["P", "12", "P"], "P": "a P b"})
        );
    }

    /// Every table with an organization's rows is on the offboarding list, so deleting an
    /// organization leaves nothing behind (and breaks no foreign key).
    #[tokio::test]
    async fn every_table_with_an_organizations_rows_is_deleted_with_it() {
        let database = crate::testing::TestDatabase::sqlite();
        let store = database.store().await;
        let missing: Vec<String> = store
            .tables_and_columns()
            .await
            .unwrap()
            .into_iter()
            .filter(|(table, columns)| {
                columns.iter().any(|c| c == "org_id")
                    && !ORGANIZATION_TABLES.contains(&table.as_str())
            })
            .map(|(table, _)| table)
            .collect();
        assert_eq!(missing, Vec::<String>::new());
    }
}
