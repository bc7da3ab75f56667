//! People, for HR roles only: the list by risk (filtered by band), and a person's page — risk
//! history, the factors raising and holding down their risk in words, the supportive action
//! each raising factor suggests, and a what-if that scores changed conditions without saving
//! them. Every view is an audited read of the person's score, and the page says so.

use super::layout::{page as layout_page, svg, Section};
use super::{ok, PageError, Viewer};
use crate::routes::scores::{list_scores, person_score, PersonScoreView, ScoreFilter};
use crate::routes::{PageQuery, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use tenure_domain::SupportiveAction;
use tenure_report::chart::{self, Point, Scale, Tone};
use tenure_report::{Locale, Words};

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    band: Option<String>,
    department: Option<String>,
    page: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(query): axum::extract::Query<PeopleQuery>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let band = query.band.clone().filter(|b| !b.is_empty());
    let page = list_scores(
        State(state),
        viewer.caller.clone(),
        Query(ScoreFilter {
            band: band.clone(),
            department: query.department.clone(),
            team: None,
        }),
        Query(PageQuery {
            page: query.page,
            per_page: Some(50),
        }),
    )
    .await
    .map_err(|e| PageError::new(e, locale))?
    .0;
    let bands = [
        ("high", Words::High),
        ("medium", Words::Medium),
        ("low", Words::Low),
        ("not_enough_data", Words::NotEnoughData),
    ];
    let body = html! {
        h1 { (w(Words::People)) }
        p.notice { (w(Words::AuditedNotice)) }
        form.filters method="get" action="/people" {
            @if let Some(department) = &query.department {
                input type="hidden" name="department" value=(department);
                span.chip { (w(Words::Departments)) ": " (department) }
            }
            label for="band" { (w(Words::RiskBand)) }
            select #band name="band" {
                option value="" { (w(Words::All)) }
                @for (key, words) in bands {
                    option value=(key) selected[band.as_deref() == Some(key)] { (w(words)) }
                }
            }
            button type="submit" { (w(Words::Filter)) }
        }
        table #people {
            thead { tr {
                th scope="col" { (w(Words::Person)) }
                th scope="col" { (w(Words::Risk)) }
                th scope="col" { (w(Words::RiskBand)) }
                th scope="col" { (w(Words::Team)) }
                th scope="col" { (w(Words::TopDriver)) }
            } }
            tbody {
                @for person in &page.items {
                    tr {
                        th scope="row" { a href={"/people/" (person.person)} { (person.person) } }
                        td.num { (person.probability.map_or("—".to_owned(), |p| locale.percent(p, 0))) }
                        td { (band_word(&person.band, locale)) }
                        td { (person.team.clone().unwrap_or_default()) }
                        td { (factor_words(&person.drivers["raising"][0], locale)) }
                    }
                }
            }
        }
        p.help { (locale.count(page.total)) " · " (w(Words::Page)) " " (page.page) }
        nav.pager aria-label=(w(Words::Pages)) {
            @let band_part = format!("{}{}", band.as_deref().map(|b| format!("band={b}&")).unwrap_or_default(), query.department.as_deref().map(|d| format!("department={}&", super::percent_encode(d))).unwrap_or_default());
            @if page.page > 1 { a href={"/people?" (band_part) "page=" (page.page - 1)} { "← " (w(Words::Previous)) } }
            " "
            @if page.page * page.per_page < page.total { a href={"/people?" (band_part) "page=" (page.page + 1)} { (w(Words::Next)) " →" } }
        }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::People),
        Section::People,
        body,
    )))
}

pub async fn person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let score = person_score(
        State(state.clone()),
        viewer.caller.clone(),
        Path(key.clone()),
    )
    .await
    .map_err(|e| PageError::new(e, locale))?
    .0;
    let history = state
        .store
        .score_history_of(viewer.caller.org.id, std::slice::from_ref(&key))
        .await
        .map_err(|e| PageError::new(e.into(), locale))?
        .remove(&key)
        .unwrap_or_default();
    let roles = super::roles_of(&state, viewer.caller.org.id)
        .await
        .map_err(|e| PageError::new(e, locale))?;
    // The hazard forecast's curve for the person, where the viewer may see the organization's
    // forecast it comes from (fitted once for the report, kept with it).
    let survival = if super::reports::sees_organization(&viewer.caller) {
        super::reports::organization_figures(&state, &viewer.caller)
            .await
            .ok()
            .and_then(|f| f.survival.get(&key).cloned())
    } else {
        None
    };
    let figures: Vec<String> = state
        .store
        .column_kinds(viewer.caller.org.id)
        .await
        .map_err(|e| PageError::new(e.into(), locale))?
        .into_iter()
        .filter(|(column, kind)| {
            *kind == tenure_domain::ColumnKind::Number && !roles.columns().any(|(_, c)| c == column)
        })
        .map(|(column, _)| column)
        .collect();
    let points: Vec<Point> = history
        .iter()
        .map(|p| Point {
            label: locale.month(p.on),
            value: Some(p.probability),
        })
        .collect();
    let body = html! {
        p { a href="/people" { "← " (w(Words::People)) } }
        h1 { (w(Words::Person)) " " (score.person) }
        p.notice #audited { (w(Words::AuditedNotice)) }
        dl.figures.kpis {
            div.{(score.band)} {
                dt { (w(Words::Risk)) }
                dd #risk { (score.probability.map_or("—".to_owned(), |p| locale.percent(p, 0))) }
                dd.range { (band_word(&score.band, locale)) }
            }
            @if let Some(team) = &score.team { div { dt { (w(Words::Team)) } dd { (team) } } }
            @if let Some(department) = &score.department { div { dt { (w(Words::Departments)) } dd { (department) } } }
        }
        @if points.len() > 1 {
            section {
                h2 { (w(Words::RiskHistory)) }
                (svg(chart::lines(w(Words::RiskHistory), w(Words::RiskHistoryHelp), &[(w(Words::Risk), Tone::High, &points)], Scale::Share, false)))
            }
        }
        @if let Some(curve) = &survival { (survival_section(curve, locale)) }
        div.grid {
            section.card {
                h2 { (w(Words::RaisingRisk)) }
                (factor_list(&score, "raising", &roles, locale, true))
            }
            section.card {
                h2 { (w(Words::HoldingDown)) }
                (factor_list(&score, "holding_down", &roles, locale, false))
            }
        }
        (what_if_form(&score, &figures, locale))
    };
    Ok(ok(layout_page(
        &viewer,
        &format!("{} {}", w(Words::Person), score.person),
        Section::People,
        body,
    )))
}

fn factor_list(
    score: &PersonScoreView,
    side: &str,
    roles: &tenure_domain::RoleColumns,
    locale: Locale,
    actions: bool,
) -> Markup {
    let factors = score.drivers[side].as_array().cloned().unwrap_or_default();
    let role_of = |column: &str| {
        roles
            .columns()
            .find(|(_, c)| *c == column)
            .map(|(role, _)| role)
    };
    html! {
        @if factors.is_empty() { p { (Words::NothingYet.in_(locale)) } }
        ul.factors {
            @for f in &factors {
                @let factor = f["factor"].as_str().unwrap_or_default();
                li {
                    (factor_words(f, locale))
                    @if actions {
                        br;
                        span.action { (Words::SuggestedAction.in_(locale)) ": " (SupportiveAction::for_driver(role_of(factor), factor).words()) }
                    }
                }
            }
        }
    }
}

fn survival_section(curve: &[f64], locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let months = curve.len().min(24);
    let points: Vec<Point> = std::iter::once(Point {
        label: "0".into(),
        value: Some(1.0),
    })
    .chain(curve.iter().take(months).enumerate().map(|(i, s)| Point {
        label: (i + 1).to_string(),
        value: Some(*s),
    }))
    .collect();
    let leave_within = |m: usize| curve.get(m - 1).map(|s| 1.0 - s);
    html! {
        section #survival {
            h2 { (w(Words::SurvivalCurve)) }
            p.help { (w(Words::SurvivalHelp)) }
            dl.figures {
                @for m in [3, 6, 12] {
                    @if let Some(p) = leave_within(m) {
                        div { dt { (w(Words::LeaveWithin)) " " (m) " " (w(Words::Months)) } dd { (locale.percent(p, 0)) } }
                    }
                }
            }
            (svg(chart::lines(w(Words::SurvivalCurve), w(Words::SurvivalHelp), &[(w(Words::StillHere), Tone::Low, &points)], Scale::Share, true)))
        }
    }
}

/// `figures`: the organization's numeric columns without a role (overtime, absence…), which
/// the what-if may set to new values.
fn what_if_form(score: &PersonScoreView, figures: &[String], locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section.card #what-if {
            h2 { (w(Words::WhatIf)) }
            p.help { (w(Words::WhatIfHelp)) }
            form data-what-if={"/api/v1/people/" (score.person) "/what-if"} {
                label for="pay_change_percent" { (w(Words::PayChangePercent)) }
                input #pay_change_percent type="number" name="pay_change_percent" data-type="number" min="-50" max="100" step="1";
                label.check { input #promotion type="checkbox" name="promotion"; " " (w(Words::Promotion)) }
                label.check { input #new_manager type="checkbox" name="new_manager"; " " (w(Words::NewManager)) }
                @if !figures.is_empty() {
                    label for="set_column" { (w(Words::SetFigure)) }
                    select #set_column name="set_column" {
                        option value="" { "—" }
                        @for column in figures { option value=(column) { (column) } }
                    }
                    label for="set_value" { (w(Words::NewFigure)) }
                    input #set_value type="number" name="set_value" data-type="number" step="any";
                }
                p.status role="status" aria-live="polite" {}
                button.primary type="submit" { (w(Words::TryIt)) }
            }
            output #what-if-result for="pay_change_percent promotion new_manager" {}
        }
    }
}

fn band_word(band: &str, locale: Locale) -> &'static str {
    match band {
        "high" => Words::High,
        "medium" => Words::Medium,
        "low" => Words::Low,
        _ => Words::NotEnoughData,
    }
    .in_(locale)
}

/// A stored factor's words in the page's language (English where no Chinese was stored).
pub(super) fn factor_words(factor: &serde_json::Value, locale: Locale) -> &str {
    let chinese = factor["words_zh"].as_str().filter(|w| !w.is_empty());
    match (locale, chinese) {
        (Locale::ZhCn, Some(words)) => words,
        _ => factor["words"].as_str().unwrap_or_default(),
    }
}
