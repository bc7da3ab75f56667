//! The look every page shares: a skip link, the navigation (only the pages the viewer's role
//! may open), the language switch and sign-out, and the main region.

use super::Viewer;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use tenure_domain::Permission;
use tenure_report::{Locale, Words};

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Teams,
    People,
    Warnings,
    Data,
    Reports,
    Settings,
}

/// A page for a signed-in viewer.
pub fn page(viewer: &Viewer, title: &str, section: Section, body: Markup) -> Markup {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let caller = &viewer.caller;
    let entries = [
        (
            Section::Overview,
            "/",
            Words::Overview,
            caller.may(Permission::ReadAggregates),
        ),
        (
            Section::Teams,
            "/teams",
            Words::Teams,
            caller.may(Permission::ReadAggregates),
        ),
        (
            Section::People,
            "/people",
            Words::People,
            caller.may(Permission::ReadIndividualScores),
        ),
        (
            Section::Warnings,
            "/warnings",
            Words::Warnings,
            caller.may(Permission::ReadIndividualScores),
        ),
        (
            Section::Data,
            "/data",
            Words::DataAndModels,
            caller.may(Permission::UploadData) || caller.may(Permission::ReadModels),
        ),
        (
            Section::Reports,
            "/reports",
            Words::Reports,
            super::reports::sees_organization(caller),
        ),
        (
            Section::Settings,
            "/settings",
            Words::Settings,
            [
                Permission::ManageMembers,
                Permission::ConfigureAlerts,
                Permission::ReadPlan,
            ]
            .into_iter()
            .any(|p| caller.may(p)),
        ),
    ];
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            (head(title))
            body {
                a.skip href="#main" { (w(Words::SkipToContent)) }
                header.top {
                    a.brand href="/" { "tenure" }
                    span.org { (viewer.caller.org.name) }
                    nav aria-label=(w(Words::MainNavigation)) {
                        ul {
                            @for (entry, href, words, shown) in entries {
                                @if shown {
                                    li {
                                        @if entry == section {
                                            a href=(href) aria-current="page" { (w(words)) }
                                        } @else {
                                            a href=(href) { (w(words)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div.account {
                        form.inline data-api="/api/v1/me/locale" data-method="PUT" {
                            label for="locale" { (w(Words::Language)) }
                            select #locale name="locale" data-submit-on-change {
                                @for option in Locale::ALL {
                                    option value=(option.tag()) selected[option == locale] lang=(option.tag()) { (option.name()) }
                                }
                            }
                            span.status role="status" {}
                        }
                        form.inline data-api="/api/v1/logout" data-next="/signin" {
                            button type="submit" { (w(Words::SignOut)) }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                (csrf_meta(&viewer.csrf))
            }
        }
    }
}

/// A page for someone not signed in (sign-in, invitations, errors).
pub fn bare(locale: Locale, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            (head(title))
            body.bare {
                main #main { (body) }
            }
        }
    }
}

/// A page for someone not signed in that moves on to `to` at once, where a redirect would not
/// do: after the identity provider's cross-site redirect back, a SameSite=Strict cookie goes
/// only with a navigation this site starts, as this page's does; and a form's navigation may
/// not be redirected to another site (`form-action 'self'`), while a page may move on.
pub fn forwarding(locale: Locale, title: &str, to: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content=(format!("0;url={to}"));
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · tenure" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body.bare {
                main #main { (body) }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · tenure" }
            link rel="stylesheet" href="/assets/app.css";
            script src="/assets/app.js" defer {}
        }
    }
}

/// The session's CSRF token, which the script sends with every change.
fn csrf_meta(token: &str) -> Markup {
    html! { template #csrf data-token=(token) {} }
}

/// Inline SVG from the report crate's charts (already escaped there).
pub fn svg(markup: String) -> PreEscaped<String> {
    PreEscaped(markup)
}
