//! Background jobs started through the API: imports, training and scoring. Each is a row the
//! caller can poll (status, the step it is on, the result or the exact error); CPU-heavy work
//! runs on its own thread, one at a time, so the server keeps answering.

use crate::error::ApiError;
use crate::metrics::JobLabels;
use crate::state::AppState;
use serde_json::json;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tenure_data::Mapping;
use tenure_domain::OrgId;
use tenure_ingest::{import_file, ImportRequest};
use tenure_monitor::{
    score_organization, train_organization, ScoreReport, ScoreRequest, TrainRequest,
};
use tenure_store::Organization;

/// The step a running job is on, written to its row every half second while it changes.
#[derive(Default, Clone)]
struct Stage(Arc<Mutex<String>>);

impl Stage {
    fn set(&self, stage: impl Into<String>) {
        *self.0.lock().expect("stage lock") = stage.into();
    }

    fn get(&self) -> String {
        self.0.lock().expect("stage lock").clone()
    }
}

impl tenure_ingest::Progress for Stage {
    fn stage(&self, name: &'static str, _total: u64) {
        self.set(name);
    }
    fn advance_to(&self, _done: u64) {}
    fn finish(&self) {}
}

impl tenure_monitor::Progress for Stage {
    fn step(&self, what: &str) {
        self.set(what);
    }
}

/// An uploaded file waiting to be imported; the folder goes when the job ends.
pub struct Upload {
    pub folder: tempfile::TempDir,
    pub path: PathBuf,
}

pub async fn start_import(
    state: &AppState,
    org: &Organization,
    user_id: i64,
    upload: Upload,
    mapping: Mapping,
    replace: bool,
) -> Result<i64, ApiError> {
    let org_id = org.id;
    run(
        state,
        org_id,
        user_id,
        "import",
        false,
        move |state, stage| async move {
            let request = ImportRequest {
                path: &upload.path,
                mapping,
                org: org_id,
                max_errors: 20,
                replace,
            };
            // Errors name the file as the user sent it, not the server's temporary copy.
            let folder = format!(
                "{}{}",
                upload.folder.path().display(),
                std::path::MAIN_SEPARATOR
            );
            let report = import_file(&state.store, request, &stage)
                .await
                .map_err(|e| e.to_string().replace(&folder, ""))?;
            drop(upload.folder);
            Ok(json!({
                "import_id": report.outcome.import_id,
                "shape": report.shape,
                "rows_read": report.rows_read,
                "rows_added": report.outcome.rows_added,
                "rows_replaced": report.outcome.rows_replaced,
                "rows_unchanged": report.outcome.rows_unchanged,
                "people_added": report.outcome.people_added,
            }))
        },
    )
    .await
}

/// Trains the next model version, then scores everyone with it.
pub async fn start_training(
    state: &AppState,
    org: &Organization,
    user_id: i64,
    request: TrainRequest,
) -> Result<i64, ApiError> {
    let slug = org.slug.clone();
    run(
        state,
        org.id,
        user_id,
        "train",
        true,
        move |state, stage| async move {
            let trained = train_organization(&state.store, &slug, &request, &stage)
                .await
                .map_err(|e| e.to_string())?;
            let scoring = ScoreRequest {
                org: request.org,
                version: Some(trained.version),
                factors: 5,
            };
            let scored = score_everyone(&state, &slug, &scoring, &stage).await?;
            Ok(json!({"model_version": trained.version, "people_scored": scored.people.len()}))
        },
    )
    .await
}

pub async fn start_scoring(
    state: &AppState,
    org: &Organization,
    user_id: i64,
    request: ScoreRequest,
) -> Result<i64, ApiError> {
    let slug = org.slug.clone();
    run(
        state,
        org.id,
        user_id,
        "score",
        true,
        move |state, stage| async move {
            let scored = score_everyone(&state, &slug, &request, &stage).await?;
            Ok(json!({
                "model_version": scored.version,
                "people_scored": scored.people.len(),
                "scores_written": scored.stored.written,
                "scores_unchanged": scored.stored.unchanged,
            }))
        },
    )
    .await
}

/// A scoring run, counted, after which this process forgets the organization's cached scores.
async fn score_everyone(
    state: &AppState,
    slug: &str,
    request: &ScoreRequest,
    stage: &Stage,
) -> Result<ScoreReport, String> {
    let scored = score_organization(&state.store, slug, request, stage)
        .await
        .map_err(|e| e.to_string())?;
    state
        .metrics
        .scores_written
        .inc_by(scored.people.len() as u64);
    state.caches.forget_organization(request.org);
    Ok(scored)
}

/// Records the job, then runs `work` on a thread of its own with its own runtime (imports
/// parse and validate on the CPU too), updating the row as it goes.
async fn run<F, Fut>(
    state: &AppState,
    org: OrgId,
    user_id: i64,
    kind: &'static str,
    heavy: bool,
    work: F,
) -> Result<i64, ApiError>
where
    F: FnOnce(AppState, Stage) -> Fut + Send + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>>,
{
    let id = state.store.create_job(org, kind, Some(user_id)).await?;
    let state = state.clone();
    let runtime = tokio::runtime::Handle::current();
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let _turn = if heavy {
                Some(state.heavy_jobs.clone().acquire_owned().await)
            } else {
                None
            };
            let stage = Stage::default();
            if let Err(error) = state.store.start_job(org, id).await {
                tracing::error!(error = %crate::error::kind_of(&error), job = id, "job could not start");
                return;
            }
            let reporter = tokio::spawn(report_stage(state.clone(), org, id, stage.clone()));
            let outcome = work(state.clone(), stage).await;
            reporter.abort();
            let status = if outcome.is_ok() {
                "succeeded"
            } else {
                "failed"
            };
            state
                .metrics
                .jobs
                .get_or_create(&JobLabels {
                    kind: kind.to_owned(),
                    status: status.to_owned(),
                })
                .inc();
            tracing::info!(job = id, kind, status, "job finished");
            if let Err(error) = state.store.finish_job(org, id, outcome).await {
                tracing::error!(error = %crate::error::kind_of(&error), job = id, "job outcome not recorded");
            }
        });
    });
    Ok(id)
}

async fn report_stage(state: AppState, org: OrgId, id: i64, stage: Stage) {
    let mut written = String::new();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = stage.get();
        if now != written {
            let _ = state.store.set_job_stage(org, id, &now).await;
            written = now;
        }
    }
}
