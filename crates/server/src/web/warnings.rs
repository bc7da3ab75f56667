//! The warnings inbox: warnings newest first, filtered by status and team, each opening onto
//! what changed, its drivers with the supportive action each suggests, the conduct asked of
//! the reader, and its lifecycle — acknowledge, record an action, close with a reviewer's
//! decision and reason, or dismiss. Every warning shown is an audited read, as in the API.

use super::layout::{page as layout_page, Section};
use super::what_helped::action_label;
use super::{moment_text, ok, PageError, Viewer};
use crate::routes::warnings::{get_warning, list, WarningQuery, WarningView};
use crate::routes::Query;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use tenure_domain::{Permission, SupportiveAction};
use tenure_report::{Locale, Words};

const STATUSES: [&str; 5] = [
    "open",
    "acknowledged",
    "action_recorded",
    "closed",
    "dismissed",
];

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    status: Option<String>,
    team: Option<String>,
}

pub async fn inbox(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(filter): axum::extract::Query<InboxQuery>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let query = WarningQuery {
        status: filter.status.clone().filter(|s| !s.is_empty()),
        team: filter.team.clone().filter(|t| !t.is_empty()),
        limit: Some(200),
    };
    let warnings = list(State(state), viewer.caller.clone(), Query(query))
        .await
        .map_err(|e| PageError::new(e, locale))?
        .0;
    let body = html! {
        h1 { (w(Words::Warnings)) }
        p.help { (w(Words::ConductShort)) " " a #what-helped-link href="/what-helped" { (w(Words::WhatHelped)) } }
        form.filters method="get" action="/warnings" {
            label for="status" { (w(Words::Status)) }
            select #status name="status" {
                option value="" { (w(Words::All)) }
                @for s in STATUSES {
                    option value=(s) selected[filter.status.as_deref() == Some(s)] { (status_word(s, locale)) }
                }
            }
            label for="team" { (w(Words::Team)) }
            input #team type="text" name="team" value=(filter.team.clone().unwrap_or_default());
            button type="submit" { (w(Words::Filter)) }
        }
        @if warnings.is_empty() { p { (w(Words::NothingYet)) } }
        @else {
            table #warnings {
                thead { tr {
                    th scope="col" { (w(Words::Subject)) }
                    th scope="col" { (w(Words::WhatChanged)) }
                    th scope="col" { (w(Words::Status)) }
                    th scope="col" { (w(Words::When)) }
                } }
                tbody {
                    @for warning in &warnings {
                        tr {
                            th scope="row" { a href={"/warnings/" (warning.id)} { (subject(warning, locale)) } }
                            td { (warning.what_changed.join("; ")) }
                            td { (status_word(&warning.status, locale)) }
                            td { (moment_text(&warning.raised_at, locale)) }
                        }
                    }
                }
            }
        }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::Warnings),
        Section::Warnings,
        body,
    )))
}

pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let warning = get_warning(State(state), viewer.caller.clone(), Path(id))
        .await
        .map_err(|e| PageError::new(e, locale))?
        .0;
    let may_act = viewer.caller.may(Permission::ActOnWarnings);
    let body = html! {
        p { a href="/warnings" { "← " (w(Words::Warnings)) } }
        h1 { (w(Words::Warning)) ": " (subject(&warning, locale)) }
        p.notice { (warning.conduct) }
        dl.pairs {
            dt { (w(Words::Status)) } dd #warning-status { (status_word(&warning.status, locale)) }
            dt { (w(Words::When)) } dd { (moment_text(&warning.raised_at, locale)) }
            dt { (w(Words::ModelVersion)) } dd { (warning.model_version) }
            @if let Some(outcome) = &warning.outcome { dt { (w(Words::Outcome)) } dd { (outcome) } }
            @if let Some(decision) = &warning.decision { dt { (w(Words::Decision)) } dd { (decision) } }
            @if let Some(reason) = &warning.reason { dt { (w(Words::Reason)) } dd { (reason) } }
        }
        h2 { (w(Words::WhatChanged)) }
        ul { @for change in &warning.what_changed { li { (change) } } }
        @if let Some(drivers) = warning.drivers.as_array().filter(|d| !d.is_empty()) {
            h2 { (w(Words::DriversAndActions)) }
            table {
                thead { tr { th scope="col" { (w(Words::Factor)) } th scope="col" { (w(Words::SuggestedAction)) } } }
                tbody {
                    @for d in drivers {
                        tr {
                            td { (super::people::factor_words(d, locale)) }
                            td { (d["action_words"].as_str().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        @if let Some(steps) = &warning.steps {
            h2 { (w(Words::History)) }
            ol.steps {
                @for step in steps {
                    li { strong { (step.step) } " — " (moment_text(&step.at, locale)) (step_detail(&step.detail)) }
                }
            }
        }
        @if may_act { (lifecycle_forms(&warning, locale)) }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::Warning),
        Section::Warnings,
        body,
    )))
}

fn lifecycle_forms(warning: &WarningView, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let api = |step: &str| format!("/api/v1/warnings/{}/{step}", warning.id);
    let status = warning.status.as_str();
    let ended = matches!(status, "closed" | "dismissed");
    html! {
        @if !ended {
            div.grid.lifecycle {
                @if status == "open" {
                    form.card #acknowledge data-api=(api("acknowledge")) {
                        h2 { (w(Words::Acknowledge)) }
                        label for="ack-note" { (w(Words::Note)) }
                        input #ack-note type="text" name="note";
                        p.status role="status" aria-live="polite" {}
                        button.primary type="submit" { (w(Words::Acknowledge)) }
                    }
                }
                @if status != "open" {
                    form.card #record-action data-api=(api("actions")) {
                        h2 { (w(Words::RecordAction)) }
                        label for="action-what" { (w(Words::WhatWasDone)) }
                        input #action-what type="text" name="what" required;
                        label for="action-who" { (w(Words::Who)) }
                        input #action-who type="text" name="who";
                        label for="action-when" { (w(Words::OnDay)) }
                        input #action-when type="date" name="when";
                        label for="action-kind" { (w(Words::ActionKind)) }
                        select #action-kind name="kind" {
                            option value="" { (w(Words::KindNotSaid)) }
                            @for action in SupportiveAction::ALL {
                                option value=(action.key()) { (action_label(action.key(), locale)) }
                            }
                        }
                        p.status role="status" aria-live="polite" {}
                        button.primary type="submit" { (w(Words::RecordAction)) }
                    }
                }
                @if status == "action_recorded" {
                    form.card #close data-api=(api("close")) {
                        h2 { (w(Words::Close)) }
                        label for="close-decision" { (w(Words::Decision)) }
                        input #close-decision type="text" name="decision" required;
                        label for="close-reason" { (w(Words::Reason)) }
                        input #close-reason type="text" name="reason" required;
                        p.status role="status" aria-live="polite" {}
                        button.primary type="submit" { (w(Words::Close)) }
                    }
                }
                form.card #dismiss data-api=(api("dismiss")) {
                    h2 { (w(Words::Dismiss)) }
                    label for="dismiss-reason" { (w(Words::Reason)) }
                    input #dismiss-reason type="text" name="reason" required;
                    p.status role="status" aria-live="polite" {}
                    button type="submit" { (w(Words::Dismiss)) }
                }
            }
        }
    }
}

fn step_detail(detail: &serde_json::Value) -> String {
    let Some(map) = detail.as_object().filter(|m| !m.is_empty()) else {
        return String::new();
    };
    let parts: Vec<String> = map
        .iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(format!("{k}: {s}")),
            other => Some(format!("{k}: {other}")),
        })
        .collect();
    format!(" ({})", parts.join(", "))
}

fn subject(warning: &WarningView, locale: Locale) -> String {
    match (&warning.person, &warning.team) {
        (Some(person), _) => person.clone(),
        (None, Some(team)) => format!("{} {team}", Words::Team.in_(locale)),
        (None, None) => "—".to_owned(),
    }
}

fn status_word(status: &str, locale: Locale) -> &'static str {
    let word = match status {
        "open" => Words::StatusOpen,
        "acknowledged" => Words::StatusAcknowledged,
        "action_recorded" => Words::StatusActionRecorded,
        "closed" => Words::StatusClosed,
        _ => Words::StatusDismissed,
    };
    word.in_(locale)
}
