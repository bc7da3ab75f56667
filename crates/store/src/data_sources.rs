//! Scheduled pulls' records: each organization's HRIS source (the secret sealed at rest), when
//! it is next due, whether the sync safety check paused it, and the history of every pull with
//! what it read and what landed.

use crate::accounts::timestamp;
use crate::connect::Store;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use sqlx::Row;
use tenure_domain::OrgId;

/// How tenure signs in to a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceAuth {
    /// An HTTPS URL open to anyone who has it (a signed report link).
    None,
    /// HTTPS with a user name and password.
    Basic,
    /// HTTPS with a bearer token.
    Bearer,
    /// SFTP with a user name and password.
    Password,
    /// SFTP with a user name and a private key (OpenSSH format).
    Key,
}

impl SourceAuth {
    pub const ALL: [SourceAuth; 5] = [
        SourceAuth::None,
        SourceAuth::Basic,
        SourceAuth::Bearer,
        SourceAuth::Password,
        SourceAuth::Key,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SourceAuth::None => "none",
            SourceAuth::Basic => "basic",
            SourceAuth::Bearer => "bearer",
            SourceAuth::Password => "password",
            SourceAuth::Key => "key",
        }
    }

    pub fn parse(text: &str) -> Option<SourceAuth> {
        SourceAuth::ALL.into_iter().find(|a| a.key() == text)
    }
}

/// An organization's HRIS source and its schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// `https://…` or `sftp://host[:port]/path`.
    pub location: String,
    pub auth: SourceAuth,
    pub username: Option<String>,
    /// Password, token or private key; stored sealed.
    pub secret: Option<String>,
    /// A CA certificate (PEM) to trust for an HTTPS source with a private CA.
    pub ca_certificate: Option<String>,
    /// The SFTP server's host key (`SHA256:…`), pinned at the first pull.
    pub host_key: Option<String>,
    /// The name the file is read as (its extension says CSV, JSON or workbook).
    pub file_name: String,
    pub mapping_toml: String,
    pub every_hours: i64,
    /// Rows whose values changed replace the stored ones (a current-state export changes).
    pub replace_changed: bool,
    pub next_pull_at: DateTime<Utc>,
    pub paused_at: Option<String>,
    pub paused_reason: Option<String>,
    pub updated_at: String,
}

/// How a pull ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullStatus {
    /// Imported.
    Landed,
    /// Stopped by the sync safety check: nothing landed and the source waits for an owner.
    Paused,
    /// The file or the mapping was at fault: nothing landed.
    Refused,
    /// The source could not be reached or read.
    Failed,
}

impl PullStatus {
    pub fn key(self) -> &'static str {
        match self {
            PullStatus::Landed => "landed",
            PullStatus::Paused => "paused",
            PullStatus::Refused => "refused",
            PullStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<PullStatus, StoreError> {
        [
            PullStatus::Landed,
            PullStatus::Paused,
            PullStatus::Refused,
            PullStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.key() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("pull status {text:?}")))
    }
}

/// One pull, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PullRecord {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub status: Option<PullStatus>,
    /// `schedule`, or `user:<id>` / `token:<id>` for a pull asked for.
    pub started_by: String,
    pub bytes: i64,
    pub rows_read: i64,
    pub rows_added: i64,
    pub rows_replaced: i64,
    pub people_in_file: i64,
    /// Active people the pull would mark as left (or leave out).
    pub people_leaving: i64,
    /// Person ids that looked re-keyed.
    pub ids_changed: i64,
    pub import_id: Option<i64>,
    pub message: String,
}

const SOURCE_COLUMNS: &str = "location, auth, username, secret, ca_certificate, host_key, file_name, mapping_toml, every_hours, replace_changed, next_pull_at, paused_at, paused_reason, updated_at";

impl Store {
    pub async fn data_source(&self, org: OrgId) -> Result<Option<DataSource>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {SOURCE_COLUMNS} FROM data_sources WHERE org_id = $1"
        ))
        .bind(org.0)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let auth: String = r.get(1);
        let secret: Option<String> = r.get(3);
        Ok(Some(DataSource {
            location: r.get(0),
            auth: SourceAuth::parse(&auth)
                .ok_or_else(|| StoreError::Corrupt(format!("source auth {auth:?}")))?,
            username: r.get(2),
            secret: secret.map(|s| self.sealer.open(&s)).transpose()?,
            ca_certificate: r.get(4),
            host_key: r.get(5),
            file_name: r.get(6),
            mapping_toml: r.get(7),
            every_hours: r.get(8),
            replace_changed: r.get::<i64, _>(9) != 0,
            next_pull_at: crate::accounts::parse_timestamp(&r.get::<String, _>(10))?,
            paused_at: r.get(11),
            paused_reason: r.get(12),
            updated_at: r.get(13),
        }))
    }

    /// Saves the organization's source (its secret sealed), replacing an earlier one; a
    /// changed source starts unpaused.
    pub async fn save_data_source(
        &self,
        org: OrgId,
        source: &DataSource,
    ) -> Result<(), StoreError> {
        sqlx::query(&format!("INSERT INTO data_sources (org_id, {SOURCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, $13) ON CONFLICT (org_id) DO UPDATE SET location = excluded.location, auth = excluded.auth, username = excluded.username, secret = excluded.secret, ca_certificate = excluded.ca_certificate, host_key = excluded.host_key, file_name = excluded.file_name, mapping_toml = excluded.mapping_toml, every_hours = excluded.every_hours, replace_changed = excluded.replace_changed, next_pull_at = excluded.next_pull_at, paused_at = NULL, paused_reason = NULL, updated_at = excluded.updated_at"))
            .bind(org.0)
            .bind(&source.location)
            .bind(source.auth.key())
            .bind(&source.username)
            .bind(source.secret.as_deref().map(|s| self.sealer.seal(s)))
            .bind(&source.ca_certificate)
            .bind(&source.host_key)
            .bind(&source.file_name)
            .bind(&source.mapping_toml)
            .bind(source.every_hours)
            .bind(i64::from(source.replace_changed))
            .bind(timestamp(source.next_pull_at))
            .bind(&source.updated_at)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// Removes the source (its history stays); false when there was none.
    pub async fn remove_data_source(&self, org: OrgId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM data_sources WHERE org_id = $1")
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Pins the SFTP server's host key seen at the first pull.
    pub async fn pin_host_key(&self, org: OrgId, host_key: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE data_sources SET host_key = $1 WHERE org_id = $2 AND host_key IS NULL")
            .bind(host_key)
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// When the next scheduled pull is due.
    pub async fn set_next_pull(&self, org: OrgId, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE data_sources SET next_pull_at = $1 WHERE org_id = $2")
            .bind(timestamp(at))
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// Pauses the source (`Some(reason)`) or lets it run again (`None`).
    pub async fn set_source_paused(
        &self,
        org: OrgId,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE data_sources SET paused_at = $1, paused_reason = $2 WHERE org_id = $3")
            .bind(reason.map(|_| timestamp(at)))
            .bind(reason)
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    pub async fn record_pull(&self, org: OrgId, pull: &PullRecord) -> Result<i64, StoreError> {
        Ok(sqlx::query("INSERT INTO pulls (org_id, started_at, finished_at, status, started_by, bytes, rows_read, rows_added, rows_replaced, people_in_file, people_leaving, ids_changed, import_id, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id")
            .bind(org.0)
            .bind(&pull.started_at)
            .bind(&pull.finished_at)
            .bind(pull.status.unwrap_or(PullStatus::Failed).key())
            .bind(&pull.started_by)
            .bind(pull.bytes)
            .bind(pull.rows_read)
            .bind(pull.rows_added)
            .bind(pull.rows_replaced)
            .bind(pull.people_in_file)
            .bind(pull.people_leaving)
            .bind(pull.ids_changed)
            .bind(pull.import_id)
            .bind(&pull.message)
            .fetch_one(&mut *self.connection().await?)
            .await?
            .get(0))
    }

    /// The organization's pulls, newest first.
    pub async fn pulls(&self, org: OrgId, limit: i64) -> Result<Vec<PullRecord>, StoreError> {
        let rows = sqlx::query("SELECT id, started_at, finished_at, status, started_by, bytes, rows_read, rows_added, rows_replaced, people_in_file, people_leaving, ids_changed, import_id, message FROM pulls WHERE org_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(org.0)
            .bind(limit)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PullRecord {
                    id: r.get(0),
                    started_at: r.get(1),
                    finished_at: r.get(2),
                    status: Some(PullStatus::parse(&r.get::<String, _>(3))?),
                    started_by: r.get(4),
                    bytes: r.get(5),
                    rows_read: r.get(6),
                    rows_added: r.get(7),
                    rows_replaced: r.get(8),
                    people_in_file: r.get(9),
                    people_leaving: r.get(10),
                    ids_changed: r.get(11),
                    import_id: r.get(12),
                    message: r.get(13),
                })
            })
            .collect()
    }

    /// Every person the organization holds, with whether they have left: what a pull is
    /// checked against.
    pub async fn roster(&self, org: OrgId) -> Result<Vec<(String, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT person_key, CASE WHEN exit_date IS NULL THEN 0 ELSE 1 END FROM people WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1) != 0))
            .collect())
    }
}
