//! The import job: imports an uploaded file with its mapping, then lets the upload go —
//! whether the import landed or was refused (a refused file is not retried): personal data is
//! kept no longer than its use. Only a worker that dies mid-import leaves it, for the next
//! claim. Once a model exists, the whole organization is scored again with the new data.

use super::{Imported, Job, JobContext, JobError, JobSpec, Runs};
use std::path::{Path, MAIN_SEPARATOR};
use tenure_data::Mapping;
use tenure_ingest::{import_file, ImportRequest};

pub(crate) struct ImportJob {
    pub upload: i64,
    /// The mapping, as TOML.
    pub mapping: String,
    pub replace: bool,
}

impl Job for ImportJob {
    const RUNS: Runs = Runs::Blocking;
    type Output = Imported;

    async fn run(self, context: &JobContext) -> Result<Imported, JobError> {
        let outcome = self.import(context).await;
        context
            .store()
            .delete_upload(context.org, self.upload)
            .await?;
        let imported = outcome?;
        if let Err(error) = rescore_everyone(context).await {
            tracing::error!(job = context.job.id, %error, "imported, but the organization's re-scoring could not be queued");
        }
        Ok(imported)
    }
}

impl ImportJob {
    async fn import(&self, context: &JobContext) -> Result<Imported, JobError> {
        let (store, org) = (context.store(), context.org);
        let mapping = Mapping::from_toml_str(&self.mapping, Path::new("mapping"))
            .map_err(JobError::Mapping)?;
        let (name, content) = store
            .upload(org, self.upload)
            .await?
            .ok_or(JobError::UploadGone)?;
        let folder = tempfile::tempdir().map_err(JobError::NoRoom)?;
        let path = folder.path().join(&name);
        std::fs::write(&path, &content).map_err(JobError::NoRoom)?;
        let request = ImportRequest {
            path: &path,
            mapping,
            org,
            max_errors: 20,
            replace: self.replace,
        };
        let report = import_file(store, request, &context.stage)
            .await
            .map_err(|error| {
                // Errors name the file as the user sent it, not the worker's temporary copy.
                let copy = format!("{}{MAIN_SEPARATOR}", folder.path().display());
                let shown = error.to_string().replace(&copy, "");
                JobError::Import { error, shown }
            })?;
        Ok(Imported {
            import_id: report.outcome.import_id,
            shape: report.shape,
            rows_read: report.rows_read,
            rows_added: report.outcome.rows_added,
            rows_replaced: report.outcome.rows_replaced,
            rows_unchanged: report.outcome.rows_unchanged,
            people_added: report.outcome.people_added,
        })
    }
}

/// A new import changes everyone's inputs: once a model exists, the whole organization is
/// scored again (and warned about) with it.
pub(crate) async fn rescore_everyone(context: &JobContext) -> Result<(), tenure_store::StoreError> {
    let (store, org) = (context.store(), context.org);
    if store.latest_model_version(org).await?.is_some() {
        let spec = JobSpec::Score {
            version: None,
            factors: 5,
        };
        crate::worker::enqueue(store, org, &spec, None, &context.wake).await?;
    }
    Ok(())
}
