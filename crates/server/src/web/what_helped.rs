//! What helped: each kind of action recorded on warnings against comparable warnings with no
//! action — stay rates past the horizon, the difference within bands of risk with its 90%
//! interval, the likeliest to have helped first — always beside the plain caveat that this is
//! observational. HR roles only, as the API.

use super::layout::{page as layout_page, Section};
use super::{ok, signed, PageError, Viewer};
use crate::routes::warnings::{what_helped, WhatHelpedView};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use tenure_domain::SupportiveAction;
use tenure_report::{Locale, Words};

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let report = what_helped(State(state), viewer.caller.clone())
        .await
        .map_err(|e| PageError::new(e, locale))?
        .0;
    let body = html! {
        h1 { (w(Words::WhatHelped)) }
        p.help { (w(Words::WhatHelpedHelp)) }
        p.caveat #caveat role="note" { strong { (w(Words::WhatHelpedCaveat)) } }
        @if report.effects.is_empty() {
            p #nothing-yet { (w(Words::NothingToCompareYet)) }
        } @else {
            (effects_table(&report, locale))
        }
        @if let Some(effect) = &report.warnings_effect {
            (warnings_effect(effect, locale))
        }
        (counts(&report, locale))
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::WhatHelped),
        Section::Warnings,
        body,
    )))
}

fn effects_table(report: &WhatHelpedView, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let points = |share: f64| {
        let text = locale.number((share * 100.0).abs(), 1);
        if share < 0.0 {
            format!("−{text}")
        } else {
            format!("+{text}")
        }
    };
    html! {
        div.scroll {
            table #what-helped {
                thead { tr {
                    th scope="col" { "#" }
                    th scope="col" { (w(Words::ActionKind)) }
                    th scope="col" { (w(Words::WarnedKnown)) }
                    th scope="col" { (w(Words::StayRate)) }
                    th scope="col" { (w(Words::ComparableStayRate)) }
                    th scope="col" { (w(Words::Difference)) " (90%)" }
                } }
                tbody {
                    @for (rank, e) in report.effects.iter().enumerate() {
                        tr {
                            td { (rank + 1) }
                            th scope="row" { (action_label(&e.action, locale)) }
                            td { (locale.count(e.warned)) }
                            td { (locale.percent(e.stay_rate, 0)) " (" (e.stayed) ")" }
                            td { (locale.percent(e.comparable_stay_rate, 0)) }
                            td {
                                strong { (points(e.difference)) } " pts"
                                " (" (points(e.low)) " … " (points(e.high)) ")"
                            }
                        }
                    }
                    tr {
                        td {}
                        th scope="row" { (w(Words::NoActionRecorded)) }
                        td { (locale.count(report.no_action_warned)) }
                        td {
                            @if report.no_action_warned > 0 {
                                (locale.percent(report.no_action_stayed as f64 / report.no_action_warned as f64, 0))
                                " (" (report.no_action_stayed) ")"
                            }
                        }
                        td {} td {}
                    }
                }
            }
        }
    }
}

fn warnings_effect(e: &crate::routes::warnings::WarningsEffectView, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let rate = |stayed: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            stayed as f64 / of as f64
        }
    };
    html! {
        section #warnings-effect {
            h2 { (w(Words::WarningsOwnEffect)) }
            p.help { (w(Words::WarningsOwnEffectHelp)) }
            table {
                thead { tr {
                    th scope="col" { (w(Words::WarnedDelivered)) }
                    th scope="col" { (w(Words::HeldOut)) }
                    th scope="col" { (w(Words::Difference)) " (90%)" }
                } }
                tbody { tr {
                    td { (locale.percent(rate(e.stayed, e.warned), 0)) " " (w(Words::Stayed)) " (" (e.stayed) "/" (e.warned) ")" }
                    td { (locale.percent(rate(e.held_out_stayed, e.held_out), 0)) " " (w(Words::Stayed)) " (" (e.held_out_stayed) "/" (e.held_out) ")" }
                    td { strong { (points(e.difference, locale)) } " pts (" (points(e.low, locale)) " … " (points(e.high, locale)) ")" }
                } }
            }
        }
    }
}

/// A share as signed percentage points: +4.5, −1.0.
fn points(share: f64, locale: Locale) -> String {
    signed(share * 100.0, locale)
}

fn counts(report: &WhatHelpedView, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        ul.help #what-helped-counts {
            li { (w(Words::WarningsPending)) ": " (locale.count(report.pending)) }
            li { (w(Words::WarningsInvoluntary)) ": " (locale.count(report.involuntary)) }
            li { (w(Words::WarningsUnclassified)) ": " (locale.count(report.unclassified)) }
        }
    }
}

/// The action's name in the reader's language.
pub fn action_label(key: &str, locale: Locale) -> &'static str {
    let words = match SupportiveAction::parse(key) {
        Some(SupportiveAction::StayConversation) => Words::ActionStayConversation,
        Some(SupportiveAction::PayReview) => Words::ActionPayReview,
        Some(SupportiveAction::CareerPath) => Words::ActionCareerPath,
        Some(SupportiveAction::Workload) => Words::ActionWorkload,
        Some(SupportiveAction::ManagerCoaching) => Words::ActionManagerCoaching,
        None => Words::KindNotSaid,
    };
    words.in_(locale)
}
