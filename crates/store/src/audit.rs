//! The audit log of reads of people's scores: append-only (the database refuses updates and
//! deletes) and hash-chained per organization, so a row edited, removed or reordered behind
//! the database's back is found by [`Store::verify_audit`].

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::{batch_rows, now, values_list};
use crate::trust::pseudonym_with;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;
use tenure_domain::OrgId;

/// The hash before an organization's first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One read to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub org: OrgId,
    /// `user:7` or `token:3`.
    pub actor: String,
    /// What was read, e.g. `score.read`.
    pub action: String,
    /// The person whose data was read (stored as their pseudonym, see [`Store::pseudonym`]).
    pub subject: String,
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The outcome of checking an organization's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    Intact {
        rows: i64,
    },
    /// The first row that does not follow from the one before it.
    Broken {
        seq: i64,
        reason: String,
    },
}

impl Store {
    /// Appends entries (any organizations) in one transaction, chaining each organization's
    /// rows. Concurrent writers in other processes collide on (org_id, seq) and retry.
    pub async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut heads = self.audit_heads.lock().await;
        let mut attempts = 0;
        loop {
            match self.try_append_audit(entries, &mut heads).await {
                Err(StoreError::Database(e)) if is_unique_violation(&e.0) && attempts < 5 => {
                    // Another process appended: read the heads again.
                    heads.clear();
                    attempts += 1
                }
                Err(error) => {
                    heads.clear();
                    return Err(error);
                }
                Ok(()) => return Ok(()),
            }
        }
    }

    /// Appends in one transaction, starting each organization's rows from its head as this
    /// process last wrote it (`known`), or as read now; `known` moves on only once the rows
    /// are committed.
    async fn try_append_audit(
        &self,
        entries: &[AuditEntry],
        known: &mut HashMap<OrgId, ChainHead>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut heads: HashMap<OrgId, ChainHead> = HashMap::new();
        let at = now();
        let mut rows = Vec::with_capacity(entries.len());
        for entry in entries {
            if let std::collections::hash_map::Entry::Vacant(vacant) = heads.entry(entry.org) {
                let head = match known.get(&entry.org) {
                    Some(head) => head.clone(),
                    None => read_head(&mut tx, entry.org).await?,
                };
                vacant.insert(head);
            }
            let head = heads.get_mut(&entry.org).expect("inserted above");
            // The row names the person only by pseudonym: erasing them later leaves it true.
            let entry = AuditEntry {
                subject: pseudonym_with(&head.pseudonym_key, &entry.subject),
                ..entry.clone()
            };
            let seq = head.seq + 1;
            let hash = chain_hash(&head.hash, entry.org, seq, &at, &entry);
            rows.push((
                entry,
                seq,
                std::mem::replace(&mut head.hash, hash.clone()),
                hash,
            ));
            head.seq = seq;
        }
        // Multi-row inserts: a busy server hands over hundreds of rows at once.
        const COLUMNS: usize = 9;
        for batch in rows.chunks(batch_rows(COLUMNS)) {
            let sql = format!(
                "INSERT INTO audit_log (org_id, seq, at, actor, action, subject, request_id, prev_hash, hash) VALUES {}",
                values_list(self.backend(), batch.len(), COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for (entry, seq, prev_hash, hash) in batch {
                query = query
                    .bind(entry.org.0)
                    .bind(*seq)
                    .bind(&at)
                    .bind(&entry.actor)
                    .bind(&entry.action)
                    .bind(&entry.subject)
                    .bind(&entry.request_id)
                    .bind(prev_hash)
                    .bind(hash);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        known.extend(heads);
        Ok(())
    }

    /// Rows after `after_seq`, oldest first, at most `limit`.
    pub async fn audit_log(
        &self,
        org: OrgId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.audit_log_of(org, after_seq, limit, None).await
    }

    /// [`Store::audit_log`], only the rows about `subject` (a pseudonym) when given.
    pub async fn audit_log_of(
        &self,
        org: OrgId,
        after_seq: i64,
        limit: i64,
        subject: Option<&str>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query("SELECT seq, at, actor, action, subject, request_id, prev_hash, hash FROM audit_log WHERE org_id = $1 AND seq > $2 AND (CAST($4 AS TEXT) IS NULL OR subject = $4) ORDER BY seq LIMIT $3")
            .bind(org.0)
            .bind(after_seq)
            .bind(limit)
            .bind(subject)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows.iter().map(audit_record).collect())
    }

    /// Walks the organization's chain from its first row.
    pub async fn verify_audit(&self, org: OrgId) -> Result<AuditVerdict, StoreError> {
        let mut prev = GENESIS_HASH.to_owned();
        let mut expected_seq = 1;
        loop {
            let page = self.audit_log(org, expected_seq - 1, 5_000).await?;
            if page.is_empty() {
                return Ok(AuditVerdict::Intact {
                    rows: expected_seq - 1,
                });
            }
            for record in &page {
                if let Some(reason) = broken_link(org, record, expected_seq, &prev) {
                    return Ok(AuditVerdict::Broken {
                        seq: record.seq,
                        reason,
                    });
                }
                prev = record.hash.clone();
                expected_seq += 1;
            }
        }
    }
}

pub(crate) fn audit_record(r: &sqlx::any::AnyRow) -> AuditRecord {
    AuditRecord {
        seq: r.get(0),
        at: r.get(1),
        actor: r.get(2),
        action: r.get(3),
        subject: r.get(4),
        request_id: r.get(5),
        prev_hash: r.get(6),
        hash: r.get(7),
    }
}

fn broken_link(org: OrgId, record: &AuditRecord, expected_seq: i64, prev: &str) -> Option<String> {
    if record.seq != expected_seq {
        return Some(format!("row {expected_seq} is missing"));
    }
    if record.prev_hash != prev {
        return Some("it does not point at the row before it".into());
    }
    let entry = AuditEntry {
        org,
        actor: record.actor.clone(),
        action: record.action.clone(),
        subject: record.subject.clone(),
        request_id: record.request_id.clone(),
    };
    if chain_hash(prev, org, record.seq, &record.at, &entry) != record.hash {
        return Some("its contents do not match its hash".into());
    }
    None
}

/// SHA-256 over the previous hash and every field, each length-prefixed so no two different
/// rows can serialize alike.
fn chain_hash(prev: &str, org: OrgId, seq: i64, at: &str, entry: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    let org_id = org.0.to_string();
    let seq = seq.to_string();
    for field in [
        prev,
        &org_id,
        &seq,
        at,
        &entry.actor,
        &entry.action,
        &entry.subject,
        &entry.request_id,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The last row of an organization's chain, and the key its pseudonyms are made with (set
/// when the organization is made, never changed).
#[derive(Debug, Clone)]
pub(crate) struct ChainHead {
    seq: i64,
    hash: String,
    pseudonym_key: String,
}

/// An organization's chain head as stored, read with its pseudonym key in one round trip.
async fn read_head(tx: &mut sqlx::AnyConnection, org: OrgId) -> Result<ChainHead, StoreError> {
    let r = sqlx::query(
        "SELECT o.pseudonym_key, h.seq, h.hash FROM organizations o
           LEFT JOIN (SELECT seq, hash FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1) h ON 1 = 1
          WHERE o.id = $1",
    )
    .bind(org.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::UnknownOrganization(org.0.to_string()))?;
    let seq: Option<i64> = r.get(1);
    let hash: Option<String> = r.get(2);
    Ok(ChainHead {
        seq: seq.unwrap_or(0),
        hash: hash.unwrap_or_else(|| GENESIS_HASH.to_owned()),
        pseudonym_key: r.get(0),
    })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}
