//! The attrition report: its page, and the report itself as HTML or PDF to download. The
//! figures (a hazard forecast fitted twice, by department and by manager) take seconds, so a
//! report is kept until the organization's data or model changes.

use super::layout::{page as layout_page, Section};
use super::{ok, PageError, Viewer};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tenure_domain::{Entitlement, OrgId, Permission, Role};
use tenure_monitor::ReportFigures;
use tenure_report::{Locale, Words};

/// The (import, model) a report was computed from: it stands until either changes.
type ComputedFrom = (i64, Option<i64>);

/// Reports by organization, each with what it was computed from.
#[derive(Default)]
pub struct ReportCache {
    reports: Mutex<HashMap<OrgId, (ComputedFrom, Arc<ReportFigures>)>>,
    /// One report computed at a time: it fits models, and the machine's cores are few.
    computing: tokio::sync::Mutex<()>,
}

/// Whether the caller may see figures over the whole organization.
pub fn sees_organization(caller: &Caller) -> bool {
    caller.may(Permission::ReadAggregates)
        && match caller.role {
            Role::Owner | Role::Auditor => true,
            Role::Hr => caller.scope.units.is_empty(),
            Role::Manager => false,
        }
}

/// The organization's report and each person's survival curve from the same forecast,
/// computed now or taken from the cache.
pub async fn organization_figures(
    state: &AppState,
    caller: &Caller,
) -> Result<Arc<ReportFigures>, ApiError> {
    caller.require_entitlement(Entitlement::Reports)?;
    if !sees_organization(caller) {
        return Err(ApiError::forbidden(
            "organization-wide reports are for owners, HR without a unit restriction, and auditors",
        ));
    }
    let org = caller.org.id;
    let stamp = (
        state.store.data_stamp(org).await?.0,
        state.store.latest_model_version(org).await?,
    );
    let cache = &state.reports;
    let cached = |cache: &ReportCache| {
        cache
            .reports
            .lock()
            .expect("report cache")
            .get(&org)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, report)| report.clone())
    };
    if let Some(report) = cached(cache) {
        return Ok(report);
    }
    let _turn = cache.computing.lock().await;
    if let Some(report) = cached(cache) {
        return Ok(report);
    }
    let (store, slug) = (state.store.clone(), caller.org.slug.clone());
    let request = tenure_monitor::ReportRequest::new(org, state.settings.training_threads);
    let handle = tokio::runtime::Handle::current();
    let report = tokio::task::spawn_blocking(move || {
        handle.block_on(tenure_monitor::attrition_report(
            &store,
            &slug,
            &request,
            &tenure_monitor::Quiet,
        ))
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| match e {
        tenure_monitor::MonitorError::Store(e) => ApiError::from(e),
        tenure_monitor::MonitorError::NoData(_) => {
            ApiError::not_found("data: import the organization's records first")
        }
        e => {
            tracing::error!(error = %e, "the attrition report could not be made");
            ApiError::internal()
        }
    })?;
    let report = Arc::new(report);
    cache
        .reports
        .lock()
        .expect("report cache")
        .insert(org, (stamp, report.clone()));
    Ok(report)
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let figures = organization_figures(&state, &viewer.caller)
        .await
        .map_err(|e| PageError::new(e, locale))?;
    Ok(ok(layout_page(
        &viewer,
        w(Words::Reports),
        Section::Reports,
        html! {
            h1 { (w(Words::AttritionReport)) }
            p.help { (w(Words::ReportsHelp)) }
            p.actions {
                a.button #export-html href="/reports/attrition.html" download { (w(Words::ExportHtml)) }
                " "
                a.button #export-pdf href="/reports/attrition.pdf" download { (w(Words::ExportPdf)) }
                @if viewer.caller.may(tenure_domain::Permission::ReadFairness) {
                    " "
                    a #bias-audit-link href="/bias-audit" { (w(Words::BiasAudit)) }
                }
            }
            div.report { (maud::PreEscaped(figures.report.body(locale))) }
            (published_documents(&viewer, locale))
        },
    )))
}

/// Links to the documents the organization publishes, each in both languages: the workers'
/// notice for everyone, the impact-assessment draft for those who read the audit log.
fn published_documents(viewer: &Viewer, locale: Locale) -> maud::Markup {
    let w = |words: Words| words.in_(locale);
    let mut documents = vec![("workers-notice", Words::WorkersNotice, &["html", "pdf"][..])];
    if viewer.caller.may(tenure_domain::Permission::ReadAudit) {
        documents.push((
            "impact-assessment",
            Words::ImpactAssessmentDraft,
            &["html", "markdown", "pdf"][..],
        ));
    }
    html! {
        section #published-documents {
            h2 { (w(Words::PublishedDocuments)) }
            p.help { (w(Words::PublishedDocumentsHelp)) }
            ul {
                @for (path, title, formats) in &documents {
                    li id=(format!("document-{path}")) {
                        (w(*title)) ": "
                        (super::document_links(
                            |lang, format| format!("/api/v1/documents/{path}?lang={}&format={format}", lang.tag()),
                            formats,
                        ))
                    }
                }
            }
        }
    }
}

pub async fn html(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let figures = organization_figures(&state, &viewer.caller)
        .await
        .map_err(|e| PageError::new(e, viewer.locale))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition(&viewer, "html")),
            (
                header::CONTENT_SECURITY_POLICY,
                crate::headers::REPORT_POLICY.to_owned(),
            ),
        ],
        figures.report.to_html(viewer.locale),
    )
        .into_response())
}

pub async fn pdf(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let figures = organization_figures(&state, &viewer.caller)
        .await
        .map_err(|e| PageError::new(e, viewer.locale))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition(&viewer, "pdf")),
        ],
        figures.report.to_pdf(),
    )
        .into_response())
}

fn disposition(viewer: &Viewer, extension: &str) -> String {
    let today = chrono::Utc::now().date_naive();
    format!(
        "attachment; filename=\"attrition-{}-{today}.{extension}\"",
        viewer.caller.org.slug
    )
}
