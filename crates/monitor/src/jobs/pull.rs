//! The pull job: fetches the organization's HRIS report from its source, reads it with the
//! source's mapping, holds it back when the sync safety check finds it would mark too many
//! people as left or re-key too many ids (pausing the source and telling the organization),
//! and otherwise imports it like an upload and re-scores everyone. Every pull is recorded,
//! whatever happened. A scheduled pull queues the next one before it starts, so a failing
//! source keeps its schedule.

use super::import::rescore_everyone;
use super::{Job, JobContext, JobError, Pulled, Runs};
use crate::fetch::fetch;
use crate::worker::schedule_pull;
use chrono::{DateTime, Duration, Utc};
use std::path::{Path, MAIN_SEPARATOR};
use tenure_data::Mapping;
use tenure_domain::{Outcome, SyncChange, SyncHazard};
use tenure_ingest::{import_file, load_file, ImportRequest};
use tenure_store::{AuditEntry, DataSource, PullRecord, PullStatus};

pub(crate) struct PullJob {
    /// Queued by the schedule (else asked for by someone).
    pub scheduled: bool,
    /// Let the pull land even when the safety check would hold it back (an owner's call).
    pub override_safety_check: bool,
    pub started_by: String,
}

/// Why a pull stopped before landing, with what it had learnt by then.
enum Stopped {
    Failed(String),
    Refused(String),
    Paused(SyncHazard),
}

impl Job for PullJob {
    const RUNS: Runs = Runs::Blocking;
    type Output = Pulled;

    async fn run(self, context: &JobContext) -> Result<Pulled, JobError> {
        let (store, org) = (context.store(), context.org);
        let now = context.monitor.clock().now();
        let Some(source) = store.data_source(org).await? else {
            return Ok(Pulled::skipped("the organization has no source any more"));
        };
        if self.scheduled {
            // Saved again since this run was queued: its schedule moved.
            if source.next_pull_at > now + Duration::minutes(1) {
                schedule_pull(store, org, source.next_pull_at).await?;
                return Ok(Pulled::skipped("the source's schedule changed"));
            }
            let next = now + Duration::hours(source.every_hours);
            store.set_next_pull(org, next).await?;
            schedule_pull(store, org, next).await?;
            if let Some(reason) = &source.paused_reason {
                return Ok(Pulled::skipped(&format!("paused: {reason}")));
            }
        }
        let mut record = PullRecord {
            started_at: stamp(now),
            started_by: self.started_by.clone(),
            ..PullRecord::default()
        };
        let stopped = self.pull(context, &source, &mut record).await?;
        record.finished_at = stamp(context.monitor.clock().now());
        record.status = Some(match &stopped {
            None => PullStatus::Landed,
            Some(Stopped::Failed(_)) => PullStatus::Failed,
            Some(Stopped::Refused(_)) => PullStatus::Refused,
            Some(Stopped::Paused(_)) => PullStatus::Paused,
        });
        record.message = match &stopped {
            None => String::new(),
            Some(Stopped::Failed(m) | Stopped::Refused(m)) => m.clone(),
            Some(Stopped::Paused(hazard)) => hazard.to_string(),
        };
        record.id = store.record_pull(org, &record).await?;
        match &stopped {
            None => {
                if source.paused_reason.is_some() {
                    store.set_source_paused(org, None, now).await?;
                }
                if let Err(error) = rescore_everyone(context).await {
                    tracing::error!(job = context.job.id, %error, "pulled, but the re-scoring could not be queued");
                }
            }
            Some(Stopped::Paused(hazard)) => self.pause(context, hazard).await?,
            Some(_) => {}
        }
        Ok(Pulled::of(&record))
    }
}

impl PullJob {
    /// Fetches, checks and imports; `None` when the pull landed.
    async fn pull(
        &self,
        context: &JobContext,
        source: &DataSource,
        record: &mut PullRecord,
    ) -> Result<Option<Stopped>, JobError> {
        let (store, org) = (context.store(), context.org);
        let fetched = match fetch(source, context.monitor.pulls()).await {
            Ok(fetched) => fetched,
            Err(error) => return Ok(Some(Stopped::Failed(error.to_string()))),
        };
        record.bytes = fetched.bytes.len() as i64;
        if let (None, Some(seen)) = (&source.host_key, &fetched.host_key) {
            store.pin_host_key(org, seen).await?;
        }
        let mapping = match Mapping::from_toml_str(&source.mapping_toml, Path::new("mapping")) {
            Ok(mapping) => mapping,
            Err(error) => return Ok(Some(Stopped::Refused(error.to_string()))),
        };
        let folder = tempfile::tempdir().map_err(JobError::NoRoom)?;
        let path = folder.path().join(&source.file_name);
        std::fs::write(&path, &fetched.bytes).map_err(JobError::NoRoom)?;
        // Errors name the file as the source does, not the worker's temporary copy.
        let shown = |text: String| {
            text.replace(&format!("{}{MAIN_SEPARATOR}", folder.path().display()), "")
        };
        let parsed = match load_file(&path, &mapping, 20) {
            Ok(parsed) => parsed,
            Err(error) => return Ok(Some(Stopped::Refused(shown(error.to_string())))),
        };
        record.rows_read = parsed.rows.len() as i64;
        let roster = store.roster(org).await?;
        let change = SyncChange::between(
            roster.iter().map(|(id, left)| (id.as_str(), *left)),
            parsed
                .rows
                .iter()
                .map(|r| (r.snapshot.person.as_str(), leaves(&r.snapshot))),
        );
        record.people_in_file = change.pulled as i64;
        record.people_leaving = change.leaving as i64;
        record.ids_changed = change.ids_changed as i64;
        if let Err(hazard) = change.check() {
            if !self.override_safety_check {
                return Ok(Some(Stopped::Paused(hazard)));
            }
        }
        let request = ImportRequest {
            path: &path,
            mapping,
            org,
            max_errors: 20,
            replace: source.replace_changed,
        };
        match import_file(store, request, &context.stage).await {
            Ok(report) => {
                record.import_id = Some(report.outcome.import_id);
                record.rows_added = report.outcome.rows_added as i64;
                record.rows_replaced = report.outcome.rows_replaced as i64;
                Ok(None)
            }
            Err(error) if error.is_bad_input() => {
                Ok(Some(Stopped::Refused(shown(error.to_string()))))
            }
            Err(error) => Err(JobError::Import {
                shown: shown(error.to_string()),
                error,
            }),
        }
    }

    /// Pauses the source, audits it and tells the organization's alert recipients.
    async fn pause(&self, context: &JobContext, hazard: &SyncHazard) -> Result<(), JobError> {
        let (store, org) = (context.store(), context.org);
        let reason = hazard.to_string();
        store
            .set_source_paused(org, Some(&reason), context.monitor.clock().now())
            .await?;
        store
            .append_audit(&[AuditEntry {
                org,
                actor: "pull".into(),
                action: "pull.paused".into(),
                subject: "data_source".into(),
                request_id: String::new(),
            }])
            .await?;
        let text = format!(
            "tenure held back a scheduled pull from your HRIS and paused the source: {reason}.\n\n\
             Nothing of it was imported. Open {}/data to look at the pull; once the export is right, \
             pull again, or let this one land if the change is real.",
            context.delivery.public_url.trim_end_matches('/')
        );
        match crate::delivery::send_notice(
            store,
            org,
            "tenure: a pull from your HRIS was held back",
            &text,
            &context.delivery,
        )
        .await
        {
            Ok(sent) => {
                tracing::warn!(org = org.0, e_mailed = sent, %reason, "pull paused by the sync safety check")
            }
            Err(error) => {
                tracing::error!(org = org.0, %error, "pull paused; the notice could not be e-mailed")
            }
        }
        Ok(())
    }
}

/// Whether a pulled row says the person has left.
fn leaves(snapshot: &tenure_domain::Snapshot) -> bool {
    snapshot.exit.is_some()
        || matches!(
            snapshot.outcome,
            Some(Outcome::Left(true)) | Some(Outcome::Duration { event: true, .. })
        )
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
