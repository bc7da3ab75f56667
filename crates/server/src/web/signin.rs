//! Signing in, and accepting an invitation (which sets the new member's password).

use super::layout::bare;
use super::{browser_locale, ok, safe_next};
use axum::extract::Query;
use axum::http::request::Parts;
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use tenure_report::Words;

#[derive(Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
}

pub async fn page(parts: Parts, Query(query): Query<SignInQuery>) -> Response {
    let locale = browser_locale(&parts);
    let w = |words: Words| words.in_(locale);
    let next = safe_next(query.next.as_deref());
    ok(bare(
        locale,
        w(Words::SignIn),
        html! {
            div.card.narrow {
                h1 { "tenure" }
                p.help { (w(Words::SignInHelp)) }
                form data-api="/api/v1/login" data-next=(next) {
                    label for="email" { (w(Words::Email)) }
                    input #email type="email" name="email" autocomplete="username" required;
                    label for="password" { (w(Words::Password)) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    label for="organization" { (w(Words::OrganizationOptional)) }
                    input #organization type="text" name="organization" autocomplete="organization";
                    p.status role="status" aria-live="polite" {}
                    button.primary type="submit" { (w(Words::SignIn)) }
                }
            }
            div.card.narrow {
                h2 { (w(Words::SignOnTitle)) }
                p.help { (w(Words::SignOnHelp)) }
                // A plain form: the browser goes to the provider, not the API.
                form method="get" action="/sign-on" {
                    label for="sign-on-organization" { (w(Words::SignOnOrganization)) }
                    input #sign-on-organization type="text" name="organization" autocomplete="organization" required;
                    button type="submit" { (w(Words::SignOnButton)) }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct InvitationQuery {
    token: String,
}

pub async fn invitation(parts: Parts, Query(query): Query<InvitationQuery>) -> Response {
    let locale = browser_locale(&parts);
    let w = |words: Words| words.in_(locale);
    ok(bare(
        locale,
        w(Words::AcceptInvitation),
        html! {
            div.card.narrow {
                h1 { (w(Words::AcceptInvitation)) }
                p.help { (w(Words::AcceptInvitationHelp)) }
                form data-api="/api/v1/invitations/accept" data-next="/signin" {
                    input type="hidden" name="token" value=(query.token);
                    label for="display_name" { (w(Words::YourName)) }
                    input #display_name type="text" name="display_name" autocomplete="name" required;
                    label for="password" { (w(Words::ChoosePassword)) }
                    input #password type="password" name="password" autocomplete="new-password" minlength="12" required;
                    p.status role="status" aria-live="polite" {}
                    button.primary type="submit" { (w(Words::AcceptInvitation)) }
                }
            }
        },
    ))
}
