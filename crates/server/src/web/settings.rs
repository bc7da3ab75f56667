//! Settings: members and their roles (invite, change, remove), single sign-on as set up, the
//! plan and its expiry, the warning rules, webhooks (add, send a test delivery, remove), and
//! e-mail by SMTP. Each section shows only to the roles that may change it; every change goes
//! through the API.

use super::layout::{page as layout_page, Section};
use super::{ok, PageError, Viewer};
use crate::error::ApiError;
use crate::routes::accounts::PlanView;
use crate::routes::alerts::{get_email, list_webhooks, EmailSettingsView, WebhookView};
use crate::routes::bands::{get_bands, RiskBandsView};
use crate::routes::members::{list_members, MemberView};
use crate::routes::sign_on::{redirect_uri, SignOnView};
use crate::routes::warnings::get_policy;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use tenure_domain::{Permission, Role, WarningPolicy, WarningRule};
use tenure_report::{Locale, Words};

const ROLES: [Role; 4] = [Role::Owner, Role::Hr, Role::Manager, Role::Auditor];

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let caller = &viewer.caller;
    let error = |e: ApiError| PageError::new(e, locale);
    let members = if caller.may(Permission::ManageMembers) {
        Some(
            list_members(State(state.clone()), caller.clone())
                .await
                .map_err(error)?
                .0,
        )
    } else {
        None
    };
    let sign_on = match members {
        Some(_) => state
            .store
            .sign_on_settings(caller.org.id)
            .await
            .map_err(|e| error(e.into()))?
            .map(|s| crate::routes::sign_on::view_of(&state, &caller.org.slug, s)),
        None => None,
    };
    let configure = caller.may(Permission::ConfigureAlerts);
    let (policy, bands, webhooks, email) = if configure {
        (
            Some(
                get_policy(State(state.clone()), caller.clone())
                    .await
                    .map_err(error)?
                    .0,
            ),
            Some(
                get_bands(State(state.clone()), caller.clone())
                    .await
                    .map_err(error)?
                    .0,
            ),
            Some(
                list_webhooks(State(state.clone()), caller.clone())
                    .await
                    .map_err(error)?
                    .0,
            ),
            get_email(State(state.clone()), caller.clone())
                .await
                .map_err(error)?
                .0,
        )
    } else {
        (None, None, None, None)
    };
    let plan = caller.org.membership.as_ref().map(PlanView::of);
    let body = html! {
        h1 { (w(Words::Settings)) }
        @if caller.may(Permission::ReadPlan) {
            @if let Some(plan) = &plan { (plan_section(plan, locale)) }
        }
        @if let Some(members) = &members { (members_section(members, viewer.caller.user_id, locale)) }
        @if members.is_some() { (sign_on_section(sign_on.as_ref(), &redirect_uri(&state), locale)) }
        @if let Some(bands) = &bands { (bands_section(bands, locale)) }
        @if let Some(policy) = &policy { (policy_section(policy, locale)) }
        @if let Some(webhooks) = &webhooks { (webhooks_section(webhooks, locale)) }
        @if configure { (email_section(email.as_ref(), locale)) }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::Settings),
        Section::Settings,
        body,
    )))
}

fn plan_section(plan: &PlanView, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let expires = chrono::NaiveDate::parse_from_str(&plan.expires_on, "%Y-%m-%d")
        .map(|d| locale.date(d))
        .unwrap_or_else(|_| plan.expires_on.clone());
    html! {
        section.card #plan {
            h2 { (w(Words::Plan)) }
            dl.pairs {
                dt { (w(Words::Plan)) } dd { (plan.plan) }
                dt { (w(Words::Expires)) } dd { (expires) @if !plan.active { " — " strong.flagged { (w(Words::Expired)) } } }
            }
        }
    }
}

fn members_section(members: &[MemberView], me: i64, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section #members {
            h2 { (w(Words::Members)) }
            table {
                thead { tr {
                    th scope="col" { (w(Words::YourName)) }
                    th scope="col" { (w(Words::Email)) }
                    th scope="col" { (w(Words::Role)) }
                    th scope="col" { span.visually-hidden { (w(Words::Remove)) } }
                } }
                tbody {
                    @for m in members {
                        tr {
                            th scope="row" { (m.display_name) }
                            td { (m.email) }
                            td {
                                form.inline data-api={"/api/v1/members/" (m.user_id)} data-method="PATCH" {
                                    label.visually-hidden for={"role-" (m.user_id)} { (w(Words::Role)) }
                                    select id={"role-" (m.user_id)} name="role" data-submit-on-change disabled[m.user_id == me] {
                                        @for role in ROLES {
                                            option value=(role.key()) selected[role == m.role] { (role_word(role, locale)) }
                                        }
                                    }
                                    span.status role="status" {}
                                }
                            }
                            td {
                                @if m.user_id != me {
                                    form.inline data-api={"/api/v1/members/" (m.user_id)} data-method="DELETE" {
                                        button type="submit" { (w(Words::Remove)) }
                                        span.status role="status" {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form.card #invite data-api="/api/v1/invitations" data-show="token" data-show-prefix="/invitation?token=" {
                p.help { (w(Words::InvitationLink)) }
                h3 { (w(Words::Invite)) }
                label for="invite-email" { (w(Words::Email)) }
                input #invite-email type="email" name="email" required;
                label for="invite-role" { (w(Words::Role)) }
                select #invite-role name="role" {
                    @for role in ROLES { option value=(role.key()) selected[role == Role::Hr] { (role_word(role, locale)) } }
                }
                label for="invite-manager" { (w(Words::ManagerKey)) }
                input #invite-manager type="text" name="manager_key";
                p.status role="status" aria-live="polite" {}
                output.shown {}
                button.primary type="submit" { (w(Words::Invite)) }
            }
        }
    }
}

/// Single sign-on as set up: the provider, what to register there, whether passwords still
/// work, and which groups grant which role. Changed through `PUT /api/v1/sign-on`.
fn sign_on_section(view: Option<&SignOnView>, redirect: &str, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section.card #sign-on {
            h2 { (w(Words::SignOnTitle)) }
            @match view {
                Some(view) => {
                    dl.pairs {
                        dt { (w(Words::SignOnIssuer)) } dd { code { (view.issuer) } }
                        dt { (w(Words::SignOnClient)) } dd { code { (view.client_id) } }
                        dt { (w(Words::SignOnRedirect)) } dd { code { (view.redirect_uri) } }
                        dt { (w(Words::SignOnStart)) } dd { a href=(view.sign_in_url) { (view.sign_in_url) } }
                        dt { (w(Words::SignOnPasswords)) } dd { (w(if view.password_sign_in { Words::SignOnPasswordsOn } else { Words::SignOnPasswordsOff })) }
                        @if !view.allowed_domains.is_empty() {
                            dt { (w(Words::SignOnDomains)) } dd { (view.allowed_domains.join(", ")) }
                        }
                    }
                    table {
                        thead { tr {
                            th scope="col" { (w(Words::SignOnGroup)) }
                            th scope="col" { (w(Words::Role)) }
                        } }
                        tbody {
                            @for grant in &view.group_grants {
                                tr {
                                    th scope="row" { code { (grant.group) } }
                                    td {
                                        (role_word(grant.role, locale))
                                        @if !grant.units.is_empty() { " (" (grant.units.join(", ")) ")" }
                                    }
                                }
                            }
                        }
                    }
                }
                None => {
                    p.help { (w(Words::SignOnNotSetUp)) }
                    p { (w(Words::SignOnRedirect)) ": " code { (redirect) } }
                }
            }
        }
    }
}

/// The bands in force beside how the latest scores fall into them and the base rate, and a
/// form to band by fixed probabilities or by shares of the people.
fn bands_section(bands: &RiskBandsView, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let percent = |p: f64| format!("{}%", locale.number(p * 100.0, 1));
    let relative = bands.relative;
    html! {
        section.card #bands {
            h2 { (w(Words::RiskBands)) }
            p.help { (w(Words::RiskBandsHelp)) }
            @if let Some(scored) = &bands.scored {
                table {
                    thead { tr {
                        th scope="col" { (w(Words::Band)) }
                        th scope="col" { (w(Words::FromProbability)) }
                        th scope="col" { (w(Words::People)) }
                        th scope="col" { (w(Words::ShareOfPeople)) }
                    } }
                    tbody {
                        @for (band, from, count) in [
                            (w(Words::High), Some(bands.high), scored.high),
                            (w(Words::Medium), Some(bands.medium), scored.medium),
                            (w(Words::Low), None, scored.low),
                        ] {
                            tr {
                                th scope="row" { (band) }
                                td { @if let Some(p) = from { "≥ " (percent(p)) } }
                                td { (locale.count(count)) }
                                td { (percent(count as f64 / scored.people.max(1) as f64)) }
                            }
                        }
                    }
                }
                p #base-rate {
                    (w(Words::BaseRate)) ": " strong { (percent(scored.base_rate)) }
                    @if let Some(h) = scored.horizon_months { " (" (h) " " (w(Words::Months)) ")" }
                }
            }
            form data-bands="/api/v1/risk-bands" {
                fieldset {
                    legend { (w(Words::BandBy)) }
                    label.check { input #bands-relative type="radio" name="scheme" value="relative" checked[relative.is_some()]; " " (w(Words::BandByRank)) }
                    label.check { input #bands-fixed type="radio" name="scheme" value="fixed" checked[relative.is_none()]; " " (w(Words::BandByProbability)) }
                }
                label for="bands-top" { (w(Words::BandTopShare)) }
                input #bands-top type="number" name="top" min="0.1" max="50" step="0.1" value=(relative.map_or(5.0, |r| r.top * 100.0));
                label for="bands-next" { (w(Words::BandNextShare)) }
                input #bands-next type="number" name="next" min="0.1" max="80" step="0.1" value=(relative.map_or(15.0, |r| r.next * 100.0));
                label for="bands-high" { (w(Words::BandHighFrom)) }
                input #bands-high type="number" name="high" min="0.1" max="99.9" step="0.1" value=((bands.high * 1000.0).round() / 10.0);
                label for="bands-medium" { (w(Words::BandMediumFrom)) }
                input #bands-medium type="number" name="medium" min="0.1" max="99.9" step="0.1" value=((bands.medium * 1000.0).round() / 10.0);
                p.status role="status" aria-live="polite" {}
                button.primary type="submit" { (w(Words::Save)) }
            }
        }
    }
}

fn policy_section(policy: &WarningPolicy, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let enters_high = policy
        .rules
        .iter()
        .any(|r| matches!(r, WarningRule::EntersHigh));
    let rises = policy.rules.iter().find_map(|r| match r {
        WarningRule::RisesBy { points, days } => Some((*points, *days)),
        _ => None,
    });
    let team = policy.rules.iter().find_map(|r| match r {
        WarningRule::TeamExpectedLeavers { leavers } => Some(*leavers),
        _ => None,
    });
    let worsens = policy.rules.iter().find_map(|r| match r {
        WarningRule::TeamWorsens {
            days,
            ratio,
            leavers,
        } => Some((*days, *ratio, *leavers)),
        _ => None,
    });
    let highest = policy.rules.contains(&WarningRule::HighestRisks);
    let capacity = policy.capacity;
    let percent = |share: f64| (share * 10_000.0).round() / 100.0;
    html! {
        section.card #policy {
            h2 { (w(Words::WarningRules)) }
            form data-policy="/api/v1/warning-policy" {
                p.help { (w(Words::CapacityHelp)) }
                label.check { input #rule-highest type="checkbox" name="highest_risks" checked[highest]; " " (w(Words::RuleHighestRisks)) }
                label for="capacity-share" { (w(Words::CapacityShare)) }
                input #capacity-share type="number" name="capacity_share" min="0.1" max="50" step="0.05" value=[capacity.map(|c| percent(c.share_per_month))];
                label for="capacity-count" { (w(Words::CapacityCount)) }
                input #capacity-count type="number" name="capacity_count" min="1" max="100000" step="1" value=[capacity.and_then(|c| c.conversations_per_month)];
                label.check { input #capacity-departments type="checkbox" name="per_department" checked[capacity.is_some_and(|c| c.per_department)]; " " (w(Words::CapacityPerDepartment)) }
                label for="capacity-reserve" { (w(Words::CapacityReserve)) }
                input #capacity-reserve type="number" name="reserve" min="0" max="90" step="1" value=[capacity.map(|c| percent(c.reserve_for_rises))];
                label.check { input #rule-high type="checkbox" name="enters_high" checked[enters_high]; " " (w(Words::RuleEntersHigh)) }
                label for="rule-points" { (w(Words::RuleRisesPoints)) }
                input #rule-points type="number" name="points" min="1" max="100" step="1" value=[rises.map(|(p, _)| (p * 100.0).round())];
                label for="rule-days" { (w(Words::RuleRisesDays)) }
                input #rule-days type="number" name="days" min="1" max="365" step="1" value=[rises.map(|(_, d)| d)];
                label for="rule-team" { (w(Words::RuleTeamLeavers)) }
                input #rule-team type="number" name="leavers" min="0.5" step="0.5" value=[team];
                label for="rule-worsens-ratio" { (w(Words::RuleTeamWorsensRatio)) }
                input #rule-worsens-ratio type="number" name="worsens_ratio" min="1.1" max="10" step="0.1" value=[worsens.map(|(_, r, _)| r)];
                label for="rule-worsens-leavers" { (w(Words::RuleTeamWorsensLeavers)) }
                input #rule-worsens-leavers type="number" name="worsens_leavers" min="0.5" step="0.5" value=(worsens.map_or(1.0, |(_, _, l)| l));
                label for="rule-worsens-days" { (w(Words::RuleTeamWorsensDays)) }
                input #rule-worsens-days type="number" name="worsens_days" min="1" max="730" step="1" value=(worsens.map_or(90, |(d, _, _)| d));
                label for="rule-cooldown" { (w(Words::Cooldown)) }
                input #rule-cooldown type="number" name="cooldown_days" min="0" max="365" step="1" value=(policy.cooldown_days) required;
                label for="holdout-share" { (w(Words::HoldoutShare)) }
                input #holdout-share type="number" name="holdout_share" min="0" max="50" step="1" value=(percent(policy.holdout_share)) aria-describedby="holdout-help";
                p.help #holdout-help { (w(Words::HoldoutHelp)) }
                p.status role="status" aria-live="polite" {}
                button.primary type="submit" { (w(Words::Save)) }
            }
        }
    }
}

fn webhooks_section(webhooks: &[WebhookView], locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    html! {
        section #webhooks {
            h2 { (w(Words::Webhooks)) }
            p.help { (w(Words::WebhooksHelp)) }
            @if !webhooks.is_empty() {
                table {
                    thead { tr { th scope="col" { "URL" } th scope="col" { (w(Words::TestDelivery)) } th scope="col" { (w(Words::Remove)) } } }
                    tbody {
                        @for hook in webhooks {
                            tr {
                                th scope="row" { code { (hook.url) } }
                                td {
                                    form.inline data-api={"/api/v1/webhooks/" (hook.id) "/test"} data-show="delivery_id" data-show-label=(w(Words::TestSent)) {
                                        button type="submit" { (w(Words::TestDelivery)) }
                                        span.status role="status" {}
                                        output.shown {}
                                    }
                                }
                                td {
                                    form.inline data-api={"/api/v1/webhooks/" (hook.id)} data-method="DELETE" {
                                        button type="submit" { (w(Words::Remove)) }
                                        span.status role="status" {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form.card #add-webhook data-api="/api/v1/webhooks" data-show="secret" data-show-label=(w(Words::WebhookSecret)) {
                label for="webhook-url" { (w(Words::WebhookUrl)) }
                input #webhook-url type="url" name="url" required placeholder="https://";
                p.status role="status" aria-live="polite" {}
                output.shown {}
                button.primary type="submit" { (w(Words::AddWebhook)) }
            }
        }
    }
}

fn email_section(email: Option<&EmailSettingsView>, locale: Locale) -> Markup {
    use tenure_monitor::{EmailMode, SmtpSecurity};
    let w = |words: Words| words.in_(locale);
    let to = email.map(|e| e.to.join(", "));
    let security = match email.map(|e| e.security) {
        Some(SmtpSecurity::None) => "none",
        Some(SmtpSecurity::Tls) => "tls",
        Some(SmtpSecurity::Starttls) | None => "starttls",
    };
    let mode = match email.map(|e| e.mode) {
        Some(EmailMode::DailyDigest) => "daily_digest",
        Some(EmailMode::Immediate) | None => "immediate",
    };
    html! {
        section.card #email {
            h2 { (w(Words::EmailDelivery)) }
            p.help { (w(Words::EmailHelp)) }
            form data-api="/api/v1/email-settings" data-method="PUT" {
                label for="smtp-host" { (w(Words::SmtpHost)) }
                input #smtp-host type="text" name="smtp_host" required value=[email.map(|e| e.smtp_host.clone())];
                label for="smtp-port" { (w(Words::SmtpPort)) }
                input #smtp-port type="number" name="smtp_port" data-type="number" min="1" max="65535" required value=(email.map_or(587, |e| e.smtp_port));
                label for="smtp-security" { (w(Words::SmtpSecurity)) }
                select #smtp-security name="security" {
                    @for option in ["starttls", "tls", "none"] { option value=(option) selected[security == option] { (option) } }
                }
                label for="smtp-username" { (w(Words::SmtpUsername)) }
                input #smtp-username type="text" name="username" autocomplete="off" value=[email.and_then(|e| e.username.clone())];
                label for="smtp-password" { (w(Words::Password)) }
                input #smtp-password type="password" name="password" autocomplete="new-password";
                label for="smtp-from" { (w(Words::EmailFrom)) }
                input #smtp-from type="email" name="from" required value=[email.map(|e| e.from.clone())];
                label for="smtp-to" { (w(Words::EmailTo)) }
                input #smtp-to type="text" name="to" data-type="list" required value=[to];
                label for="smtp-mode" { (w(Words::EmailMode)) }
                select #smtp-mode name="mode" {
                    option value="immediate" selected[mode == "immediate"] { (w(Words::EmailImmediate)) }
                    option value="daily_digest" selected[mode == "daily_digest"] { (w(Words::EmailDigest)) }
                }
                p.status role="status" aria-live="polite" {}
                button.primary type="submit" { (w(Words::Save)) }
            }
        }
    }
}

/// A role's name in the reader's language.
pub(crate) fn role_word(role: Role, locale: Locale) -> &'static str {
    match role {
        Role::Owner => Words::RoleOwner,
        Role::Hr => Words::RoleHr,
        Role::Manager => Words::RoleManager,
        Role::Auditor => Words::RoleAuditor,
    }
    .in_(locale)
}
