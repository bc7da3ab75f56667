//! Data and models: upload a file (with its mapping) and watch its progress, every import with
//! its exact errors, training a new model, the jobs under way, and each model's card — what it
//! predicts, how right it was on unseen data, its uses and limits, and whether its fairness
//! audit flagged it.

use super::layout::{page as layout_page, Section};
use super::{moment_text, ok, PageError, Viewer};
use crate::routes::data::{list_imports, list_jobs, ImportView, JobView};
use crate::routes::models::{list_models, ModelView};
use crate::routes::trust::{accuracy_checks, AccuracyCheckView};
use crate::routes::{PageQuery, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use tenure_domain::Permission;
use tenure_report::{Locale, Words};

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let caller = &viewer.caller;
    let error = |e| PageError::new(e, locale);
    let first_page = || {
        Query(PageQuery {
            page: Some(1),
            per_page: Some(20),
        })
    };
    let imports = if caller.may(Permission::UploadData) {
        Some(
            list_imports(State(state.clone()), caller.clone(), first_page())
                .await
                .map_err(error)?
                .0
                .items,
        )
    } else {
        None
    };
    let pulls = if caller.may(Permission::UploadData) {
        let source = state
            .store
            .data_source(caller.org.id)
            .await
            .map_err(|e| error(e.into()))?;
        let history = state
            .store
            .pulls(caller.org.id, 20)
            .await
            .map_err(|e| error(e.into()))?;
        Some((source, history))
    } else {
        None
    };
    let jobs = if caller.may(Permission::UploadData) || caller.may(Permission::TrainModels) {
        Some(
            list_jobs(State(state.clone()), caller.clone(), first_page())
                .await
                .map_err(error)?
                .0
                .items,
        )
    } else {
        None
    };
    let models = if caller.may(Permission::ReadModels) {
        Some(
            list_models(State(state.clone()), caller.clone())
                .await
                .map_err(error)?
                .0,
        )
    } else {
        None
    };
    let accuracy = if caller.may(Permission::ReadModels) {
        let checks = accuracy_checks(State(state.clone()), caller.clone())
            .await
            .map_err(error)?
            .0;
        let outcomes = state
            .store
            .warning_outcome_counts(caller.org.id)
            .await
            .map_err(|e| error(e.into()))?;
        Some((checks, outcomes))
    } else {
        None
    };
    let body = html! {
        h1 { (w(Words::DataAndModels)) }
        @if caller.may(Permission::UploadData) { (upload_form(locale)) }
        @if let Some((source, history)) = &pulls {
            @if source.is_some() || !history.is_empty() { (pulls_section(source.as_ref(), history, locale)) }
        }
        @if let Some(imports) = imports { (imports_table(&imports, locale)) }
        @if caller.may(Permission::TrainModels) { (train_form(locale)) }
        @if let Some(jobs) = jobs { (jobs_table(&jobs, locale)) }
        @if let (Some(models), Some((checks, outcomes))) = (&models, &accuracy) {
            (past_warnings(models.first(), checks, *outcomes, locale))
        }
        @if let Some(models) = models { (models_list(&models, locale)) }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::DataAndModels),
        Section::Data,
        body,
    )))
}

/// The import wizard: choose a file; the server reads it and proposes (or recalls) its
/// mapping, shown as a form with the first rows and a dry run's problems; import on confirm.
/// The TOML stays available under "edit as text" (app.js keeps it in step with the form).
fn upload_form(locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let column_select = |choice: &str, words: Words| {
        let id = format!("choice-{choice}");
        html! {
            div.field {
                label for=(id) { (w(words)) }
                select id=(id) data-choice=(choice) { option value="" { (w(Words::NoColumn)) } }
            }
        }
    };
    let text_input = |choice: &str, words: Words| {
        let id = format!("choice-{choice}");
        html! {
            div.field {
                label for=(id) { (w(words)) }
                input id=(id) type="text" data-choice=(choice) spellcheck="false";
            }
        }
    };
    html! {
        section.card #upload {
            h2 { (w(Words::UploadData)) }
            p.help { (w(Words::UploadHelp)) }
            form data-upload="/api/v1/imports" data-preview="/api/v1/imports/preview" {
                label for="file" { (w(Words::WizardFile)) }
                input #file type="file" name="file" required
                    accept=".csv,.tsv,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods,.parquet";
                div #wizard hidden
                    data-source-stored=(w(Words::MappingStored))
                    data-source-proposed=(w(Words::MappingProposed))
                    data-source-edited=(w(Words::MappingEdited))
                    data-reading=(w(Words::ReadingFile))
                    data-clean=(w(Words::DryRunClean)) {
                    p #wizard-source {}
                    fieldset #wizard-core {
                        legend { (w(Words::WizardCore)) }
                        (column_select("id", Words::PersonIdColumn))
                        (column_select("as_of", Words::AsOfColumn))
                        (text_input("as_of_format", Words::ItsDateFormat))
                        (column_select("exit_date", Words::ExitDateColumn))
                        (text_input("exit_date_format", Words::ItsDateFormat))
                        (column_select("exit_kind", Words::ExitKindColumn))
                        (text_input("voluntary", Words::VoluntaryValues))
                        (column_select("target", Words::TargetColumn))
                        (text_input("positive", Words::LeftValue))
                        (column_select("duration", Words::DurationColumn))
                        (column_select("event", Words::EventColumn))
                        (text_input("event_value", Words::LeftValue))
                    }
                    h3 { (w(Words::WizardColumns)) }
                    div.scroll tabindex="0" role="region" aria-label=(w(Words::WizardColumns)) { table #wizard-columns {
                        thead { tr {
                            th scope="col" { (w(Words::ColumnName)) }
                            th scope="col" { (w(Words::Examples)) }
                            th scope="col" { (w(Words::ColumnUseWord)) }
                            th scope="col" { (w(Words::Kind)) }
                            th scope="col" { (w(Words::LabelEnglish)) }
                            th scope="col" { (w(Words::LabelChinese)) }
                            th scope="col" { (w(Words::DetectionNotes)) }
                        } }
                        tbody {}
                    } }
                    template #usage-options {
                        option value="input" { (w(Words::UseInput)) }
                        option value="protected" { (w(Words::UseProtected)) }
                        option value="ignore" { (w(Words::UseIgnore)) }
                        option value="core" disabled { (w(Words::UseCore)) }
                    }
                    template #kind-options {
                        option value="number" { (w(Words::KindNumber)) }
                        option value="category" { (w(Words::KindCategory)) }
                        option value="date" { (w(Words::KindDate)) }
                    }
                    h3 { (w(Words::FirstRows)) }
                    div.scroll tabindex="0" role="region" aria-label=(w(Words::FirstRows)) { table #wizard-sample { thead { tr {} } tbody {} } }
                    div #wizard-errors role="alert" hidden {
                        h3 { (w(Words::DryRunProblems)) }
                        ul {}
                    }
                    p #wizard-clean hidden {}
                }
                details #as-text {
                    summary { (w(Words::MappingAsText)) }
                    label for="mapping" { (w(Words::Mapping)) }
                    textarea #mapping name="mapping" rows="10" spellcheck="false" {}
                }
                label.check { input #replace type="checkbox" name="replace"; " " (w(Words::ReplaceChanged)) }
                progress #upload-progress max="100" value="0" hidden {}
                p.status role="status" aria-live="polite" {}
                button.primary type="submit" { (w(Words::ImportFile)) }
            }
        }
    }
}

fn imports_table(imports: &[ImportView], locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section #imports {
            h2 { (w(Words::Imports)) }
            @if imports.is_empty() { p { (w(Words::NothingYet)) } }
            @else {
                table {
                    thead { tr {
                        th scope="col" { (w(Words::File)) }
                        th scope="col" { (w(Words::Status)) }
                        th scope="col" { (w(Words::Rows)) }
                        th scope="col" { (w(Words::When)) }
                    } }
                    tbody {
                        @for import in imports {
                            tr.{"import-" (import.status)} {
                                th scope="row" { (import.file_name) }
                                td { (status_word(&import.status, locale)) }
                                td.num { (locale.count(import.rows_read.max(0) as usize)) }
                                td { (moment_text(&import.finished_at, locale)) }
                            }
                            @if !import.errors.is_empty() {
                                tr.errors {
                                    td colspan="4" {
                                        details open[import.status == "failed"] {
                                            summary { (w(Words::ImportErrors)) " (" (import.errors.len()) ")" }
                                            ul { @for e in &import.errors { li { code { (e) } } } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The scheduled pull: the source and when it next runs, a banner when the sync safety
/// check paused it (with the way to let the held-back pull land), and the pull history.
fn pulls_section(
    source: Option<&tenure_store::DataSource>,
    history: &[tenure_store::PullRecord],
    locale: Locale,
) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section #pulls {
            h2 { (w(Words::ScheduledPulls)) }
            @if let Some(source) = source {
                @if let Some(reason) = &source.paused_reason {
                    div.card.flagged role="alert" #pull-paused {
                        p { strong { (w(Words::PullPaused)) } " " (reason) }
                        form.inline data-api="/api/v1/data-source/pull" data-method="POST" {
                            input type="checkbox" name="override_safety_check" checked hidden;
                            button type="submit" { (w(Words::LetPullLand)) }
                            span.status role="status" {}
                        }
                    }
                }
                dl.pairs {
                    dt { (w(Words::PullSource)) } dd { code { (source.location) } }
                    dt { (w(Words::NextPull)) } dd { (super::moment(&source.next_pull_at, locale)) }
                }
                form.inline data-api="/api/v1/data-source/pull" data-method="POST" {
                    button type="submit" { (w(Words::PullNow)) }
                    span.status role="status" {}
                }
            }
            @if !history.is_empty() {
                table {
                    thead { tr {
                        th scope="col" { (w(Words::When)) }
                        th scope="col" { (w(Words::Status)) }
                        th scope="col" { (w(Words::Rows)) }
                        th scope="col" { (w(Words::PullLeaving)) }
                        th scope="col" { (w(Words::PullMessage)) }
                    } }
                    tbody {
                        @for pull in history {
                            @let status = pull.status.map_or("failed", |s| s.key());
                            tr.{"pull-" (status)} {
                                th scope="row" { (moment_text(&pull.finished_at, locale)) }
                                td { (status) }
                                td.num { (locale.count(pull.rows_read.max(0) as usize)) }
                                td.num { (locale.count(pull.people_leaving.max(0) as usize)) }
                                td { (pull.message) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn train_form(locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section.card #train {
            h2 { (w(Words::TrainModel)) }
            p.help { (w(Words::TrainHelp)) }
            form data-api="/api/v1/models" {
                label for="learner" { (w(Words::Learner)) }
                select #learner name="learner" {
                    option value="auto" { (w(Words::LearnerAuto)) }
                    option value="gbm" { "LightGBM" }
                    option value="logistic" { (w(Words::LearnerLogistic)) }
                }
                p.status role="status" aria-live="polite" {}
                button.primary type="submit" { (w(Words::StartTraining)) }
            }
        }
    }
}

fn jobs_table(jobs: &[JobView], locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section #jobs {
            h2 { (w(Words::Jobs)) }
            @if jobs.is_empty() { p { (w(Words::NothingYet)) } }
            @else {
                table {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { (w(Words::Kind)) }
                        th scope="col" { (w(Words::Status)) }
                        th scope="col" { (w(Words::When)) }
                    } }
                    tbody {
                        @for job in jobs {
                            tr data-job=(job.id) data-kind=(job.kind) data-status=(job.status) {
                                td.num { (job.id) }
                                td { (job.kind) }
                                td {
                                    (status_word(&job.status, locale))
                                    @if !job.stage.is_empty() && job.status == "running" { " — " (job.stage) }
                                    @if let Some(error) = &job.error { div.error { (error) } }
                                }
                                td { (moment_text(&job.created_at, locale)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn models_list(models: &[ModelView], locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let figure = |card: &serde_json::Value, key: &str| {
        card["evaluation"][key]
            .as_f64()
            .map_or("—".to_owned(), |v| locale.number(v, 3))
    };
    let texts = |card: &serde_json::Value, key: &str| -> Vec<String> {
        card[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    html! {
        section #models {
            h2 { (w(Words::Models)) }
            @if models.is_empty() { p { (w(Words::NothingYet)) } }
            @for model in models {
                @let card = &model.card;
                article.card.model {
                    h3 { (w(Words::ModelVersion)) " " (model.version) }
                    @if let Some(reason) = &model.held_reason { p.notice { (reason) } }
                    dl.pairs {
                        dt { (w(Words::Trained)) } dd { (moment_text(&model.created_at, locale)) }
                        dt { (w(Words::Learner)) } dd { (card["learner"].as_str().unwrap_or("—")) }
                        @if let Some(h) = model.horizon_months { dt { (w(Words::Horizon)) } dd { (h) " " (w(Words::Months)) } }
                        dt { (w(Words::RocAuc)) } dd { (figure(card, "roc_auc")) }
                        dt { (w(Words::Brier)) } dd { (figure(card, "brier")) }
                        dt { (w(Words::CalibrationError)) } dd { (figure(card, "expected_calibration_error")) }
                        dt { (w(Words::Fairness)) } dd {
                            @match card["fairness"]["flagged"].as_bool() {
                                Some(true) => strong.flagged { (w(Words::FairnessFlagged)) },
                                Some(false) => (w(Words::FairnessClear)),
                                None => "—",
                            }
                        }
                    }
                    details {
                        summary { (w(Words::ModelCard)) }
                        p { (card["evaluation_protocol"].as_str().unwrap_or("")) }
                        h4 { (w(Words::IntendedUses)) }
                        ul { @for u in texts(card, "intended_uses") { li { (u) } } }
                        h4 { (w(Words::OutOfScopeUses)) }
                        ul { @for u in texts(card, "out_of_scope_uses") { li { (u) } } }
                        h4 { (w(Words::KnownLimits)) }
                        ul { @for u in texts(card, "known_limits") { li { (u) } } }
                    }
                }
            }
        }
    }
}

/// Backtest figures of the newest model at its warning threshold, the monthly re-checks of
/// stored scores against what happened, and what became of the people warned about.
fn past_warnings(
    latest: Option<&ModelView>,
    checks: &[AccuracyCheckView],
    (left, stayed, unknown): (usize, usize, usize),
    locale: Locale,
) -> Markup {
    let w = |words: Words| words.in_(locale);
    let at = latest.map(|m| &m.card["evaluation"]["at_warning_threshold"]);
    let share = |v: Option<f64>| v.map_or("—".to_owned(), |v| locale.percent(v, 0));
    let figure = |v: Option<f64>| v.map_or("—".to_owned(), |v| locale.number(v, 3));
    html! {
        section #past-warnings {
            h2 { (w(Words::PastWarnings)) }
            p.help { (w(Words::PastWarningsHelp)) }
            @if let Some(at) = at {
                dl.figures {
                    div { dt { (w(Words::Precision)) } dd { (share(at["precision"].as_f64())) } }
                    div { dt { (w(Words::Recall)) } dd { (share(at["recall"].as_f64())) } }
                    div { dt { (w(Words::Lift)) } dd { (at["lift"].as_f64().map_or("—".to_owned(), |v| format!("×{}", locale.number(v, 1)))) } }
                }
            }
            h3 { (w(Words::WarnedPeopleSince)) }
            dl.figures {
                div { dt { (w(Words::OutcomeLeft)) } dd #warned-left { (locale.count(left)) } }
                div { dt { (w(Words::OutcomeStayed)) } dd { (locale.count(stayed)) } }
                div { dt { (w(Words::OutcomeUnknown)) } dd { (locale.count(unknown)) } }
            }
            h3 { (w(Words::AccuracyChecks)) }
            @if checks.is_empty() { p { (w(Words::NoAccuracyChecks)) } }
            @else {
                table {
                    thead { tr {
                        th scope="col" { (w(Words::When)) }
                        th scope="col" { (w(Words::ModelVersion)) }
                        th scope="col" { (w(Words::People)) }
                        th scope="col" { (w(Words::OutcomeLeft)) }
                        th scope="col" { (w(Words::RocAuc)) }
                        th scope="col" { (w(Words::CalibrationError)) }
                    } }
                    tbody {
                        @for c in checks {
                            tr.flagged[c.below_declared] {
                                td { (moment_text(&c.checked_at, locale)) }
                                td { (c.model_version.map_or("—".to_owned(), |v| v.to_string())) }
                                td.num { (c.scores) }
                                td.num { (c.leavers) }
                                td.num { (figure(c.roc_auc)) }
                                td.num { (figure(c.calibration_error)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn status_word(status: &str, locale: Locale) -> &'static str {
    let word = match status {
        "complete" | "succeeded" => Words::StatusDone,
        "failed" => Words::StatusFailed,
        "running" => Words::StatusRunning,
        _ => Words::StatusQueued,
    };
    word.in_(locale)
}
