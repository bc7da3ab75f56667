//! The bias audit page: the latest model version's scoring rates and impact ratios by
//! protected category and intersection, in Local Law 144's form, with the CSV to publish.
//! For those who read fairness audits (owners and auditors), as the API.

use super::layout::{page as layout_page, Section};
use super::{ok, PageError, Viewer};
use crate::routes::trust::{bias_audit_view, BiasAuditView};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use tenure_domain::Permission;
use tenure_report::{Locale, Words};

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let error = |e| PageError::new(e, locale);
    let caller = &viewer.caller;
    caller.require(Permission::ReadFairness).map_err(error)?;
    let version = state
        .store
        .latest_model_version(caller.org.id)
        .await
        .map_err(|e| error(e.into()))?;
    let view = match version {
        Some(v) => Some(bias_audit_view(&state, caller, v).await.map_err(error)?),
        None => None,
    };
    let body = html! {
        h1 { (w(Words::BiasAudit)) }
        p.help { (w(Words::BiasAuditHelp)) }
        @match &view {
            Some(view) if !view.dimensions.is_empty() => (audit(view, locale)),
            _ => p #no-bias-audit { (w(Words::NoBiasAudit)) },
        }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::BiasAudit),
        Section::Reports,
        body,
    )))
}

fn audit(view: &BiasAuditView, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let csv = format!(
        "/api/v1/models/{}/bias-audit?format=csv",
        view.model_version
    );
    html! {
        p #bias-audit-scope {
            "v" (view.model_version) " · "
            (view.scored_from.clone().unwrap_or_default()) " – " (view.scored_to.clone().unwrap_or_default()) " · "
            (locale.count(view.people)) " " (w(Words::People)) " · ≥ " (locale.percent(view.threshold, 1))
        }
        p { a #bias-audit-csv href=(csv) download { (w(Words::DownloadCsv)) } }
        p #bias-audit-documents {
            (w(Words::AuditToPublish)) ": "
            (super::document_links(
                |lang, format| format!("/api/v1/models/{}/bias-audit?format={format}&lang={}", view.model_version, lang.tag()),
                &["html", "pdf"],
            ))
        }
        @for d in &view.dimensions {
            h2 { (d.name) }
            div.scroll {
                table.bias {
                    thead { tr {
                        th scope="col" { (w(Words::Category)) }
                        th scope="col" { (w(Words::People)) }
                        th scope="col" { (w(Words::ScoringRate)) }
                        th scope="col" { (w(Words::ImpactRatio)) }
                    } }
                    tbody {
                        @for c in &d.categories {
                            tr {
                                th scope="row" { (c.category) }
                                td { (locale.count(c.people)) " (" (locale.percent(c.share_of_data, 1)) ")" }
                                td { (locale.percent(c.scoring_rate, 1)) " (" (c.scored_above) ")" }
                                td {
                                    @match c.impact_ratio {
                                        Some(r) => (locale.number(r, 2)),
                                        None if c.excluded => span.help { (w(Words::ExcludedSmall)) },
                                        None => "—",
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
