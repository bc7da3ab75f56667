//! The documents an organization publishes or completes, generated from its own records at
//! each request: the workers' notice (every member may read and pass it on), the
//! impact-assessment draft (owners and auditors), each in English or Chinese, as HTML,
//! Markdown or PDF. The bias audit's document forms are served by its own route (`trust`),
//! through the same writer here.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tenure_domain::Permission;
use tenure_report::{Document, Locale, PdfError};

/// How a document is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentFormat {
    Html,
    Markdown,
    Pdf,
}

impl DocumentFormat {
    /// `html` (also when absent), `markdown` or `pdf`; `None` for anything else.
    pub(crate) fn parse(text: Option<&str>) -> Option<DocumentFormat> {
        match text {
            None | Some("html") => Some(DocumentFormat::Html),
            Some("markdown" | "md") => Some(DocumentFormat::Markdown),
            Some("pdf") => Some(DocumentFormat::Pdf),
            Some(_) => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            DocumentFormat::Html => "html",
            DocumentFormat::Markdown => "md",
            DocumentFormat::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DocumentQuery {
    /// `en` (default) or `zh-CN`.
    #[param(pattern = "^(en|zh-CN)$")]
    pub lang: Option<String>,
    /// `html` (default), `markdown` (to complete in any editor) or `pdf`.
    #[param(pattern = "^(html|markdown|pdf)$")]
    pub format: Option<String>,
}

/// The language asked for, or a 400 naming the ones there are.
pub(crate) fn requested_locale(lang: Option<&str>) -> Result<Locale, ApiError> {
    match lang {
        None => Ok(Locale::En),
        Some(tag) => Locale::parse(tag)
            .ok_or_else(|| ApiError::bad_request(format!("lang {tag:?}: expected en or zh-CN"))),
    }
}

fn requested_format(format: Option<&str>) -> Result<DocumentFormat, ApiError> {
    DocumentFormat::parse(format).ok_or_else(|| {
        ApiError::bad_request(format!(
            "format {:?}: expected html, markdown or pdf",
            format.unwrap_or_default()
        ))
    })
}

/// `document` written as `format`, named `{stem}-{lang}.{ext}` when downloaded. A PDF whose
/// text needs a font the server lacks is a 503 that says which font to install.
pub(crate) fn document_response(
    state: &AppState,
    document: &Document,
    format: DocumentFormat,
    stem: &str,
) -> Result<Response, ApiError> {
    let file = format!("{stem}-{}.{}", document.locale.tag(), format.extension());
    let (content_type, body) = match format {
        DocumentFormat::Html => ("text/html; charset=utf-8", document.to_html().into_bytes()),
        DocumentFormat::Markdown => (
            "text/markdown; charset=utf-8",
            document.to_markdown().into_bytes(),
        ),
        DocumentFormat::Pdf => ("application/pdf", pdf(state, document)?),
    };
    let disposition = match format {
        DocumentFormat::Html => format!("inline; filename=\"{file}\""),
        _ => format!("attachment; filename=\"{file}\""),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

fn pdf(state: &AppState, document: &Document) -> Result<Vec<u8>, ApiError> {
    let font = state.pdf_font();
    let written = document.to_pdf(font.as_ref().ok());
    written.map_err(|error| match (error, font) {
        (PdfError::NeedsFont { .. }, Err(missing)) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "font_missing",
            missing.to_string(),
        ),
        (other, _) => {
            tracing::error!(%other, "a PDF could not be written");
            ApiError::internal()
        }
    })
}

#[utoipa::path(get, path = "/api/v1/documents/workers-notice", tag = "trust",
    params(DocumentQuery),
    responses((status = 200, description = "The notice to workers, generated from the organization's governance record, data mapping, trust settings, warning policy and latest model card",
                content((String = "text/html"), (String = "text/markdown"), (Vec<u8> = "application/pdf"))),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 503, description = "A PDF needs a font the server does not have (install fonts-wqy-microhei or set TENURE_PDF_FONT)", body = ErrorBody)))]
pub async fn workers_notice(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DocumentQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAggregates)?;
    let locale = requested_locale(query.lang.as_deref())?;
    let format = requested_format(query.format.as_deref())?;
    let facts = processing_facts(&state, &caller, locale).await?;
    document_response(
        &state,
        &facts.workers_notice(locale),
        format,
        "workers-notice",
    )
}

#[utoipa::path(get, path = "/api/v1/documents/impact-assessment", tag = "trust",
    params(DocumentQuery),
    responses((status = 200, description = "The impact-assessment draft (DPIA; PIPL personal-information impact assessment), pre-filled from the organization's records, with the officer's parts left to complete",
                content((String = "text/html"), (String = "text/markdown"), (Vec<u8> = "application/pdf"))),
              (status = 400, body = ErrorBody), (status = 403, description = "Owners and auditors", body = ErrorBody),
              (status = 503, description = "A PDF needs a font the server does not have", body = ErrorBody)))]
pub async fn impact_assessment(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DocumentQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let locale = requested_locale(query.lang.as_deref())?;
    let format = requested_format(query.format.as_deref())?;
    let facts = processing_facts(&state, &caller, locale).await?;
    document_response(
        &state,
        &facts.impact_assessment(locale),
        format,
        "impact-assessment",
    )
}

async fn processing_facts(
    state: &AppState,
    caller: &Caller,
    locale: Locale,
) -> Result<tenure_report::transparency::ProcessingFacts, ApiError> {
    tenure_monitor::documents::processing_facts(
        &state.store,
        caller.org.id,
        &caller.org.slug,
        locale,
    )
    .await
    .map_err(|e| ApiError::from_monitor(e, "the document not generated"))
}
