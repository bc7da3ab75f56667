//! A person's own view, opened from the link HR sent them (no account needed): what tenure
//! holds about them, whether and when they were scored and by which model version, the main
//! factors in plain words, who looked at their record and when, and their objection — which
//! they can make or withdraw here. It reads the same record HR's export returns, and shows
//! nothing about anyone else.

use super::layout::bare;
use super::settings::role_word;
use super::{browser_locale, ok, PageError};
use crate::error::ApiError;
use crate::routes::trust::audit_self;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::HashMap;
use tenure_domain::{Language, Role};
use tenure_report::{Locale, Words};
use tenure_store::PersonRecord;

#[derive(Deserialize)]
pub struct MeQuery {
    token: String,
}

pub async fn page(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<MeQuery>,
) -> Result<Response, PageError> {
    let locale = browser_locale(&parts);
    let w = |words: Words| words.in_(locale);
    let failed = |e: tenure_store::StoreError| PageError::new(e.into(), locale);
    let Some((org, person)) = state
        .store
        .access_link(&query.token)
        .await
        .map_err(failed)?
    else {
        let body = html! { div.card.narrow { h1 { (w(Words::YourRecord)) } p #link-expired { (w(Words::LinkExpired)) } } };
        let page = axum::response::Html(bare(locale, w(Words::YourRecord), body).into_string());
        return Ok((StatusCode::NOT_FOUND, page).into_response());
    };
    let record = state
        .store
        .person_record(org, &person)
        .await
        .map_err(failed)?
        .ok_or_else(|| PageError::new(ApiError::not_found("person"), locale))?;
    let objected_at = state.store.objection(org, &person).await.map_err(failed)?;
    let members = state.store.members(org).await.map_err(failed)?;
    // The person's own look is audited like anyone else's.
    audit_self(&state, org, &person, "person.self_view")
        .await
        .map_err(|e| PageError::new(e, locale))?;
    // Who viewed, by role: "user:3" says nothing to the person.
    let roles: HashMap<String, Role> = members
        .iter()
        .map(|m| (format!("user:{}", m.user_id), m.role))
        .collect();
    let body = html! {
        div.card {
            h1 { (w(Words::YourRecord)) }
            p.help { (w(Words::YourRecordHelp)) }
            (scored(&record, objected_at.as_deref(), locale))
            (held(&record, locale))
            (viewers(&record, &roles, locale))
            (objection(&query.token, objected_at.is_some(), locale))
        }
    };
    Ok(ok(bare(locale, w(Words::YourRecord), body)))
}

/// The latest score: when, by which model version, and its main factors each way.
fn scored(record: &PersonRecord, objected_at: Option<&str>, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let language = match locale {
        Locale::ZhCn => Language::Chinese,
        Locale::En => Language::English,
    };
    let latest = record
        .scores
        .iter()
        .max_by_key(|s| s["as_of"].as_str().unwrap_or_default().to_owned());
    html! {
        section #your-score {
            @if let Some(at) = objected_at {
                p #objected { (w(Words::YouObjected)) " " (super::moment_text(at, locale)) }
            }
            @match latest {
                None => p { (w(Words::NotScored)) },
                Some(score) => {
                    @let explanation = tenure_monitor::report::stored_explanation(&score["drivers"]);
                    p {
                        (w(Words::LastScored)) ": " (score["as_of"].as_str().unwrap_or_default())
                        " · v" (score["model_version"]) " · "
                        (score["probability"].as_f64().map(|p| locale.percent(p, 0)).unwrap_or_default())
                    }
                    h2 { (w(Words::RaisingYourRisk)) }
                    ul #raising { @for f in explanation.raising(3) { li { (f.words_in(language)) } } }
                    h2 { (w(Words::HoldingItDown)) }
                    ul #holding { @for f in explanation.holding_down(3) { li { (f.words_in(language)) } } }
                }
            }
        }
    }
}

fn held(record: &PersonRecord, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        h2 { (w(Words::WhatIsHeld)) }
        p #held { (record.snapshots.len()) " " (w(Words::MonthsOfRecords)) " " (record.first_as_of) " – " (record.last_as_of) }
    }
}

fn viewers(record: &PersonRecord, roles: &HashMap<String, Role>, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        h2 { (w(Words::WhoViewed)) }
        @if record.viewed_by.is_empty() {
            p { (w(Words::NobodyViewed)) }
        } @else {
            table #viewers {
                tbody {
                    @for v in &record.viewed_by {
                        tr {
                            td { (super::moment_text(&v.at, locale)) }
                            td { (roles.get(&v.actor).map_or(v.actor.as_str(), |r| role_word(*r, locale))) }
                            td { (v.action) }
                        }
                    }
                }
            }
        }
    }
}

/// Object, or withdraw: the form sends the link's token with the choice.
fn objection(token: &str, objected: bool, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let next = format!("/me?token={token}");
    html! {
        form #objection data-api="/api/v1/me/objection" data-next=(next) {
            p.help { (w(Words::ObjectHelp)) }
            input type="hidden" name="token" value=(token);
            // A checkbox sends a true or false: set for an objection, clear for a withdrawal.
            input #objection-choice type="checkbox" name="objected" checked[!objected] hidden;
            p.status role="status" aria-live="polite" {}
            button.primary type="submit" {
                (if objected { w(Words::WithdrawObjection) } else { w(Words::ObjectButton) })
            }
        }
    }
}
