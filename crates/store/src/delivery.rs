//! Where warnings go and what happened on the way: an organization's webhooks (each with the
//! secret its deliveries are signed with) and e-mail settings, and every delivery — one message
//! to one destination — with its attempts, last error and status. A delivery that used up its
//! attempts is dead, which is the dead-letter list, until someone replays it.

use crate::connect::Store;
use crate::error::StoreError;
use crate::queue::{end_job_in, ClaimedJob, JobEnd, LeaseLost};
use crate::sql::now;
use chrono::{DateTime, Utc};
use sqlx::Row;
use tenure_domain::OrgId;

#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub created_at: DateTime<Utc>,
}

/// Where an organization's warnings go (see [`Store::destinations`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Destinations {
    /// Its webhooks still in use, oldest first.
    pub webhooks: Vec<Webhook>,
    /// Its e-mail settings (as the monitor's delivery reads them), if set.
    pub email: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Webhook(i64),
    Email,
}

/// A delivery to make: of which warning (none for a test message), by which channel, with
/// exactly what is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub warning_id: Option<i64>,
    pub channel: Channel,
    pub body: serde_json::Value,
}

pub(crate) async fn insert_delivery(
    conn: &mut sqlx::AnyConnection,
    org: OrgId,
    delivery: &NewDelivery,
) -> Result<i64, StoreError> {
    let (name, webhook) = match delivery.channel {
        Channel::Webhook(id) => ("webhook", Some(id)),
        Channel::Email => ("email", None),
    };
    Ok(sqlx::query("INSERT INTO deliveries (org_id, warning_id, channel, webhook_id, body, status, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id")
        .bind(org.0)
        .bind(delivery.warning_id)
        .bind(name)
        .bind(webhook)
        .bind(delivery.body.to_string())
        .bind(now())
        .fetch_one(conn)
        .await?
        .get(0))
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub warning_id: Option<i64>,
    pub channel: Channel,
    /// Exactly what is sent (no names, no scores).
    pub body: serde_json::Value,
    /// pending, delivered or dead.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str =
    "id, warning_id, channel, webhook_id, body, status, attempts, last_error, created_at, delivered_at";

impl Store {
    /// Adds a webhook with a fresh signing secret; returns it.
    pub async fn add_webhook(
        &self,
        org: OrgId,
        url: &str,
        created_by: Option<i64>,
    ) -> Result<Webhook, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).expect("the OS random generator is available");
        let secret = format!("whsec_{}", hex::encode(bytes));
        let created_at = now();
        let id: i64 = sqlx::query("INSERT INTO webhooks (org_id, url, secret, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(org.0)
            .bind(url)
            .bind(self.sealer.seal(&secret))
            .bind(&created_at)
            .bind(created_by)
            .fetch_one(&mut *self.connection().await?)
            .await?
            .get(0);
        Ok(Webhook {
            id,
            url: url.to_owned(),
            secret,
            created_at: crate::accounts::parse_timestamp(&created_at)?,
        })
    }

    /// The organization's webhooks still in use.
    pub async fn webhooks(&self, org: OrgId) -> Result<Vec<Webhook>, StoreError> {
        let rows = sqlx::query("SELECT id, url, secret, created_at FROM webhooks WHERE org_id = $1 AND removed_at IS NULL ORDER BY id")
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(|r| self.webhook_from_row(r)).collect()
    }

    /// Where the organization's warnings go: its webhooks still in use, and its e-mail
    /// settings if set — in one statement, as planning a warning's deliveries reads them.
    pub async fn destinations(&self, org: OrgId) -> Result<Destinations, StoreError> {
        let rows = sqlx::query(
            "SELECT id, url, secret, created_at FROM webhooks WHERE org_id = $1 AND removed_at IS NULL
             UNION ALL
             SELECT NULL, NULL, settings, NULL FROM email_settings WHERE org_id = $1
             ORDER BY 1",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut destinations = Destinations::default();
        for row in &rows {
            match row.get::<Option<i64>, _>(0) {
                Some(_) => destinations.webhooks.push(self.webhook_from_row(row)?),
                None => destinations.email = Some(self.email_settings_from(row.get(2))?),
            }
        }
        Ok(destinations)
    }

    /// A webhook by id, removed or not (a delivery to it can still be replayed).
    pub async fn webhook(&self, org: OrgId, id: i64) -> Result<Option<Webhook>, StoreError> {
        let row = sqlx::query(
            "SELECT id, url, secret, created_at FROM webhooks WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(id)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        row.as_ref().map(|r| self.webhook_from_row(r)).transpose()
    }

    /// Stops sending to a webhook; returns false if there was none to remove.
    pub async fn remove_webhook(&self, org: OrgId, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE webhooks SET removed_at = $1 WHERE org_id = $2 AND id = $3 AND removed_at IS NULL")
            .bind(now())
            .bind(org.0)
            .bind(id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The organization's e-mail settings (as the monitor's delivery reads them), if set.
    pub async fn email_settings(
        &self,
        org: OrgId,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row = sqlx::query("SELECT settings FROM email_settings WHERE org_id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.map(|r| self.email_settings_from(r.get(0))).transpose()
    }

    pub async fn set_email_settings(
        &self,
        org: OrgId,
        settings: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        match settings {
            Some(settings) => {
                sqlx::query("INSERT INTO email_settings (org_id, settings, updated_at) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at")
                    .bind(org.0)
                    // The SMTP password is in there: sealed at rest.
                    .bind(self.sealer.seal(&settings.to_string()))
                    .bind(now())
                    .execute(&mut *self.connection().await?)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM email_settings WHERE org_id = $1")
                    .bind(org.0)
                    .execute(&mut *self.connection().await?)
                    .await?;
            }
        }
        Ok(())
    }

    /// Records a delivery to make; returns its id.
    pub async fn create_delivery(
        &self,
        org: OrgId,
        warning_id: Option<i64>,
        channel: Channel,
        body: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let delivery = NewDelivery {
            warning_id,
            channel,
            body: body.clone(),
        };
        let id = insert_delivery(&mut tx, org, &delivery).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delivery(
        &self,
        org: OrgId,
        id: i64,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let sql =
            format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .bind(id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    /// The organization's deliveries, newest first; only those with `status` when given
    /// (`dead`: the dead-letter list).
    pub async fn deliveries(
        &self,
        org: OrgId,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE org_id = $1 AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT $3");
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(status.unwrap_or_default())
            .bind(limit.max(1))
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// Records one attempt: delivered, failed for now, or failed for good (dead).
    pub async fn record_delivery_attempt(
        &self,
        org: OrgId,
        id: i64,
        outcome: AttemptOutcome<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_redoable_write().await?;
        record_attempt_in(&mut tx, org, id, outcome).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a delivery job's attempt (`None`: none was made) and how the job's run ended,
    /// in one transaction; the end only if `worker` still holds the job.
    pub async fn record_delivery_attempt_and_end_job(
        &self,
        attempt: Option<(i64, AttemptOutcome<'_>)>,
        job: &ClaimedJob,
        worker: &str,
        end: &JobEnd,
    ) -> Result<Result<(), LeaseLost>, StoreError> {
        let mut tx = self.begin_redoable_write().await?;
        if let Some((delivery, outcome)) = attempt {
            record_attempt_in(&mut tx, job.org, delivery, outcome).await?;
        }
        let ended = end_job_in(&mut tx, job, worker, end).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Puts a dead delivery back to pending, with fresh attempts, for a replay; false if it
    /// was not dead.
    pub async fn revive_delivery(&self, org: OrgId, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE deliveries SET status = 'pending', attempts = 0 WHERE org_id = $1 AND id = $2 AND status = 'dead'")
            .bind(org.0)
            .bind(id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Warnings raised since `after_id` that no e-mail has carried yet (a digest's content).
    pub async fn warnings_not_emailed(&self, org: OrgId) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT w.id, w.public_id FROM warnings w WHERE w.org_id = $1 AND w.held_out = 0 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.org_id = w.org_id AND d.channel = 'email' AND (d.warning_id = w.id OR d.body LIKE '%' || w.public_id || '%')) ORDER BY w.id")
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

impl Store {
    fn email_settings_from(&self, sealed: String) -> Result<serde_json::Value, StoreError> {
        let text = self.sealer.open(&sealed)?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("e-mail settings: {e}")))
    }

    fn webhook_from_row(&self, r: &sqlx::any::AnyRow) -> Result<Webhook, StoreError> {
        Ok(Webhook {
            id: r.get(0),
            url: r.get(1),
            secret: self.sealer.open(&r.get::<String, _>(2))?,
            created_at: crate::sql::stamp(r, 3)?,
        })
    }
}

fn delivery_from_row(r: &sqlx::any::AnyRow) -> Result<DeliveryRecord, StoreError> {
    let channel: String = r.get(2);
    let channel = match (channel.as_str(), r.get::<Option<i64>, _>(3)) {
        ("webhook", Some(id)) => Channel::Webhook(id),
        ("email", _) => Channel::Email,
        (other, _) => return Err(StoreError::Corrupt(format!("delivery channel {other:?}"))),
    };
    Ok(DeliveryRecord {
        id: r.get(0),
        warning_id: r.get(1),
        channel,
        body: serde_json::from_str(&r.get::<String, _>(4))
            .map_err(|e| StoreError::Corrupt(format!("delivery body: {e}")))?,
        status: r.get(5),
        attempts: r.get(6),
        last_error: r.get(7),
        created_at: crate::sql::stamp(r, 8)?,
        delivered_at: crate::sql::stamp_opt(r, 9)?,
    })
}

/// Records, in `tx`, one attempt at delivery `id`: delivered, or failed (for good when dead).
/// How one delivery attempt went: delivered, or failed with its error and whether the
/// delivery is now dead (out of attempts).
pub type AttemptOutcome<'a> = Result<(), (&'a str, bool)>;

async fn record_attempt_in(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    id: i64,
    outcome: AttemptOutcome<'_>,
) -> Result<(), StoreError> {
    let (status, error, delivered_at) = match outcome {
        Ok(()) => ("delivered", None, Some(now())),
        Err((error, dead)) => (if dead { "dead" } else { "pending" }, Some(error), None),
    };
    sqlx::query("UPDATE deliveries SET status = $1, attempts = attempts + 1, last_error = COALESCE($2, last_error), delivered_at = $3 WHERE org_id = $4 AND id = $5")
        .bind(status)
        .bind(error)
        .bind(delivered_at)
        .bind(org.0)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}
