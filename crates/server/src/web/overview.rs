//! The overview: the risk distribution, expected voluntary leavers at 3, 6 and 12 months with
//! their intervals, the attrition trend, this month's warnings, how fresh the data is and how
//! the model is doing. Managers and unit-bound HR see their own reach's figures only.

use super::layout::{page as layout_page, svg, Section};
use super::reports::{organization_figures, sees_organization};
use super::{ok, PageError, Viewer};
use crate::routes::scores::{summary, Summary};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use tenure_domain::Permission;
use tenure_report::attrition::AttritionReport;
use tenure_report::BandCounts;
use tenure_report::{Locale, Words};

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let page_error = |e| PageError::new(e, locale);
    let body = if sees_organization(&viewer.caller) {
        match organization_figures(&state, &viewer.caller).await {
            Ok(figures) => {
                let freshness = freshness(&state, &viewer).await.map_err(page_error)?;
                organization(&figures.report, locale, freshness)
            }
            Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => html! {
                h1 { (w(Words::Overview)) }
                p { (w(Words::NoScoresYet)) }
            },
            Err(e) => return Err(page_error(e)),
        }
    } else {
        match summary(State(state.clone()), viewer.caller.clone()).await {
            Ok(axum::Json(figures)) => reach(&figures, locale),
            Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => html! {
                h1 { (w(Words::Overview)) }
                p { (w(Words::NoScoresYet)) }
            },
            Err(e) => return Err(page_error(e)),
        }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::Overview),
        Section::Overview,
        body,
    )))
}

/// What the overview says about the data and warnings, beside the report's figures.
struct Freshness {
    last_import: Option<chrono::DateTime<chrono::Utc>>,
    last_event: Option<chrono::DateTime<chrono::Utc>>,
    model_trained: Option<chrono::DateTime<chrono::Utc>>,
    /// Raised this month, and of those still open; None when the viewer may not see warnings.
    warnings: Option<(usize, usize)>,
}

async fn freshness(state: &AppState, viewer: &Viewer) -> Result<Freshness, crate::error::ApiError> {
    let org = viewer.caller.org.id;
    let store = &state.store;
    let last_import = store
        .imports(org)
        .await?
        .into_iter()
        .filter(|i| i.status == tenure_store::ImportStatus::Complete)
        .map(|i| i.finished_at)
        .max();
    let last_event = store
        .events(org, 1)
        .await?
        .into_iter()
        .next()
        .map(|e| e.received_at);
    let model_trained = store.models(org).await?.first().map(|m| m.created_at);
    let warnings = if viewer.caller.may(Permission::ReadIndividualScores) {
        let month = state.clock().now().format("%Y-%m").to_string();
        Some(store.warnings_raised_since(org, &month).await?)
    } else {
        None
    };
    Ok(Freshness {
        last_import,
        last_event,
        model_trained,
        warnings,
    })
}

fn organization(report: &AttritionReport, locale: Locale, freshness: Freshness) -> Markup {
    let w = |words: Words| words.in_(locale);
    let moment = |at: &Option<chrono::DateTime<chrono::Utc>>| {
        at.as_ref()
            .map_or_else(|| w(Words::Never).to_owned(), |t| super::moment(t, locale))
    };
    let headcount = report.bands.map(|b| b.total());
    html! {
        h1 { (w(Words::Overview)) " — " (report.organization) }
        dl.figures.kpis {
            @if let Some((h, regretted)) = report.forecast.iter().filter_map(|h| h.regretted.map(|r| (h, r))).max_by_key(|(h, _)| h.months) {
                div.headline #regretted {
                    dt { (w(Words::RegrettedLeavers)) ", " (h.months) " " (w(Words::Months)) }
                    dd { (locale.number(regretted.expected, 1)) }
                    dd.range { (w(Words::CostOfRegretted)) " " (locale.number(regretted.expected_cost, 0)) }
                }
            }
            @if let Some(n) = headcount {
                div { dt { (w(Words::Headcount)) } dd { (locale.count(n)) } }
            }
            @if let Some(bands) = report.bands {
                div.high { dt { (w(Words::High)) } dd { (locale.count(bands.high)) } }
            }
            @for h in &report.forecast {
                div {
                    dt { (w(Words::ExpectedLeavers)) ", " (h.months) " " (w(Words::Months)) }
                    dd { (locale.number(h.expected, 1)) }
                    dd.range { (w(Words::Interval)) " " (locale.number(h.low, 0)) "–" (locale.number(h.high, 0)) }
                }
            }
            @if let Some((raised, open)) = freshness.warnings {
                div {
                    dt { (w(Words::WarningsThisMonth)) }
                    dd { (locale.count(raised)) }
                    dd.range { (locale.count(open)) " " (w(Words::OpenWarnings)) }
                }
            }
        }
        div.grid {
            section.card {
                h2 { (w(Words::DataFreshness)) }
                dl.pairs {
                    dt { (w(Words::LastImport)) } dd #last-import { (moment(&freshness.last_import)) }
                    dt { (w(Words::LastEvent)) } dd { (moment(&freshness.last_event)) }
                    @if let Some(as_of) = report.as_of {
                        dt { (w(Words::DataAsOf)) } dd { (locale.month(as_of)) }
                    }
                }
            }
            section.card {
                h2 { (w(Words::ModelHealth)) }
                dl.pairs {
                    dt { (w(Words::ModelVersion)) } dd { (report.model_version.map_or("—".to_owned(), |v| v.to_string())) }
                    dt { (w(Words::Trained)) } dd { (moment(&freshness.model_trained)) }
                    @if let Some(a) = report.accuracy {
                        dt { (w(Words::RocAuc)) } dd { (a.roc_auc.map_or("—".to_owned(), |v| locale.number(v, 3))) }
                        dt { (w(Words::Brier)) } dd { (a.brier.map_or("—".to_owned(), |v| locale.number(v, 3))) }
                        dt { (w(Words::CalibrationError)) } dd { (a.calibration_error.map_or("—".to_owned(), |v| locale.number(v, 3))) }
                    }
                }
            }
        }
        div.report { (maud::PreEscaped(overview_sections(report, locale))) }
    }
}

/// The report's risk, forecast and trend sections (the rest is on the reports page).
fn overview_sections(report: &AttritionReport, locale: Locale) -> String {
    let trimmed = AttritionReport {
        departments: Vec::new(),
        managers: Vec::new(),
        drivers: Vec::new(),
        accuracy: None,
        ..report.clone()
    };
    trimmed.body(locale)
}

fn reach(figures: &Summary, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let f = &figures.figures;
    html! {
        h1 { (w(Words::Overview)) }
        p.help { (w(Words::YourReach)) ". " (w(Words::NotForYourRole)) }
        @match (f.people, f.high, f.medium, f.low, f.not_enough_data) {
            (Some(people), Some(high), Some(medium), Some(low), Some(none)) => {
                dl.figures.kpis {
                    div { dt { (w(Words::Headcount)) } dd { (locale.count(people)) } }
                    div.high { dt { (w(Words::High)) } dd { (locale.count(high)) } }
                    @if let (Some(expected), Some(months)) = (f.expected_leavers, figures.horizon_months) {
                        div { dt { (w(Words::ExpectedLeavers)) ", " (months) " " (w(Words::Months)) } dd { (locale.number(expected, 1)) } }
                    }
                }
                section { h2 { (w(Words::RiskDistribution)) } (svg(BandCounts { high, medium, low, not_enough_data: none }.chart(locale))) }
            }
            _ => p { (w(Words::HiddenHelp)) }
        }
    }
}
