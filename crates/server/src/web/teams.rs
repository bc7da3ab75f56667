//! Teams: first teams and managers' reporting lines ranked by the voluntary leavers they are
//! about to lose beyond their own last year (intervals, a flag when worse beyond chance), each
//! opening onto the drivers its people share with a conversation guide; then a heatmap of
//! department × level — people, expected leavers and the share at high risk in each cell.
//! All over the people in the viewer's reach (a manager's own reporting line, unit-bound HR's
//! units), aggregates only. Groups under the organization's smallest group are hidden, and so
//! is any that would let a hidden one be worked out from the totals. HR roles drill down to a
//! department's people.

use super::layout::{page as layout_page, Section};
use super::{ok, percent_encode, signed, PageError, Viewer};
use crate::error::ApiError;
use crate::routes::outlook::outlooks_of;
use crate::routes::scores::reach_scores;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tenure_domain::{Entitlement, Permission, RiskBand, Value};
use tenure_monitor::{GroupOutlooks, RankedGroup};
use tenure_report::{Locale, Words};

/// Rows listed in each ranking; the rest are counted.
const RANKED_ROWS: usize = 25;

/// A group opened from the rankings: `team=` or `line=` (a manager's key).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Opened {
    team: Option<String>,
    line: Option<String>,
}

/// One cell's people: their probabilities and how many are at high risk.
#[derive(Default)]
struct Cell {
    probabilities: Vec<f64>,
    people: usize,
    high: usize,
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(opened): Query<Opened>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let w = |words: Words| words.in_(locale);
    let caller = &viewer.caller;
    let error = |e: ApiError| PageError::new(e, locale);
    caller
        .require_entitlement(Entitlement::Reports)
        .map_err(error)?;
    let (_, scores) = reach_scores(&state, caller).await.map_err(error)?;
    let outlooks = outlooks_of(&state, caller, &scores).await.map_err(error)?;
    let org = caller.org.id;
    let level_column = super::roles_of(&state, org).await.map_err(error)?.level;
    let keys: Vec<String> = scores.iter().map(|s| s.score.person.clone()).collect();
    let levels: HashMap<String, String> = match &level_column {
        Some(column) => state
            .store
            .latest_snapshots_of(org, &keys)
            .await
            .map_err(|e| error(e.into()))?
            .into_iter()
            .filter_map(|s| {
                let level = s
                    .snapshot
                    .values
                    .get(column)
                    .filter(|v| !matches!(v, Value::Missing))?
                    .to_string();
                Some((s.snapshot.person.to_string(), level))
            })
            .collect(),
        None => HashMap::new(),
    };
    let unknown = "—".to_owned();
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    for s in &scores {
        let department = s
            .score
            .groups
            .department
            .clone()
            .unwrap_or_else(|| unknown.clone());
        let level = levels
            .get(&s.score.person)
            .cloned()
            .unwrap_or_else(|| unknown.clone());
        let cell = cells.entry((department, level)).or_default();
        cell.people += 1;
        cell.high += usize::from(s.score.band == RiskBand::High);
        cell.probabilities.extend(s.score.probability);
    }
    let sizes: Vec<usize> = cells.values().map(|c| c.people).collect();
    let hidden: Vec<bool> = tenure_domain::hidden_groups(&sizes, caller.org.min_group_size);
    let shown: HashMap<(String, String), bool> = cells
        .keys()
        .cloned()
        .zip(hidden.iter().map(|h| !h))
        .collect();
    let departments: BTreeSet<&String> = cells.keys().map(|(d, _)| d).collect();
    let mut level_list: Vec<&String> = cells
        .keys()
        .map(|(_, l)| l)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    level_list.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    });
    let drill = caller.may(Permission::ReadIndividualScores);
    let body = html! {
        h1 { (w(Words::Teams)) }
        (rankings(&outlooks, &opened, locale))
        h2 { (w(Words::HeatmapCaption)) }
        p.help { (w(Words::HeatmapHelp)) " " (w(Words::HiddenHelp)) }
        @if scores.len() < caller.org.min_group_size {
            p { (w(Words::HiddenHelp)) }
        } @else {
            div.scroll {
                table.heatmap #heatmap {
                    caption { (w(Words::HeatmapCaption)) }
                    thead { tr {
                        th scope="col" { (w(Words::Departments)) " \\ " (level_column.clone().unwrap_or_default()) }
                        @for level in &level_list { th scope="col" { (level) } }
                    } }
                    tbody {
                        @for department in &departments {
                            tr {
                                th scope="row" {
                                    @if drill && department.as_str() != unknown {
                                        a href={"/people?department=" (percent_encode(department))} { (department) }
                                    } @else { (department) }
                                }
                                @for level in &level_list {
                                    @let key = ((*department).clone(), (*level).clone());
                                    (cell(cells.get(&key), shown.get(&key).copied().unwrap_or(false), locale))
                                }
                            }
                        }
                    }
                }
            }
            p.legend {
                @for (tone, words) in [("t0", Words::HeatLow), ("t1", Words::HeatSome), ("t2", Words::HeatMore), ("t3", Words::HeatMost)] {
                    span.{"swatch " (tone)} { (w(words)) }
                }
            }
        }
    };
    Ok(ok(layout_page(
        &viewer,
        w(Words::Teams),
        Section::Teams,
        body,
    )))
}

fn cell(cell: Option<&Cell>, shown: bool, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    match cell {
        None => html! { td.empty {} },
        Some(_) if !shown => {
            html! { td.hidden title=(w(Words::HiddenHelp)) { (w(Words::Hidden)) } }
        }
        Some(c) => {
            let expected: f64 = c.probabilities.iter().sum();
            let mean = if c.probabilities.is_empty() {
                0.0
            } else {
                expected / c.probabilities.len() as f64
            };
            // Four tones by the cell's mean risk; the figures are always written out too.
            let tone = match mean {
                m if m >= 0.30 => "t3",
                m if m >= 0.20 => "t2",
                m if m >= 0.10 => "t1",
                _ => "t0",
            };
            html! {
                td.{(tone)} {
                    strong { (locale.percent(mean, 0)) }
                    br;
                    span { (locale.count(c.people)) " · " (w(Words::High)) " " (c.high) " · ≈" (locale.number(expected, 1)) }
                }
            }
        }
    }
}

/// The two rankings, and the group opened from one of them.
fn rankings(outlooks: &GroupOutlooks, opened: &Opened, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let opened_group = match (&opened.team, &opened.line) {
        (Some(team), _) => outlooks.find(false, team).map(|g| (false, g)),
        (None, Some(line)) => outlooks.find(true, line).map(|g| (true, g)),
        _ => None,
    };
    let hidden = outlooks.hidden_teams + outlooks.hidden_lines;
    html! {
        @if outlooks.teams.is_empty() && outlooks.lines.is_empty() {
            p #outlook-none { (w(Words::NoOutlook)) }
        } @else {
            p.help { (w(Words::OutlookHelp)) }
            @if let Some((line, group)) = opened_group {
                (shared_drivers(line, group, locale))
            }
            @if !outlooks.teams.is_empty() {
                h2 { (w(Words::OutlookTeams)) }
                (ranking("outlook-teams", false, &outlooks.teams, outlooks.horizon_months, locale))
            }
            @if !outlooks.lines.is_empty() {
                h2 { (w(Words::OutlookLines)) }
                (ranking("outlook-lines", true, &outlooks.lines, outlooks.horizon_months, locale))
            }
            @if hidden > 0 {
                p.help { (locale.count(hidden)) " " (w(Words::GroupsHiddenNote)) }
            }
        }
    }
}

fn ranking(
    id: &str,
    lines: bool,
    groups: &[RankedGroup],
    horizon_months: u32,
    locale: Locale,
) -> Markup {
    let w = |words: Words| words.in_(locale);
    let range =
        |low: f64, high: f64| format!("{}–{}", locale.number(low, 1), locale.number(high, 1));
    html! {
        div.scroll {
            table.ranking id=(id) {
                thead { tr {
                    th scope="col" { "#" }
                    th scope="col" { (if lines { w(Words::LineOf) } else { w(Words::Team) }) }
                    th scope="col" { (w(Words::People)) }
                    th scope="col" { (w(Words::ExpectedLeavers)) " (" (horizon_months) " " (w(Words::Months)) ")" }
                    th scope="col" { (w(Words::LastYearPace)) }
                    th scope="col" { (w(Words::BeyondLastYear)) }
                } }
                tbody {
                    @for (rank, g) in groups.iter().take(RANKED_ROWS).enumerate() {
                        @let o = &g.outlook;
                        @let worse = o.change.is_some_and(|c| c.worse);
                        tr.worse[worse] {
                            td { (rank + 1) }
                            th scope="row" {
                                a href={ "/teams?" (if lines { "line" } else { "team" }) "=" (percent_encode(&o.group)) "#shared" } { (o.group) }
                            }
                            td { (locale.count(o.people)) }
                            td { strong { (locale.number(o.expected, 1)) } " (" (locale.number(o.low, 0)) "–" (locale.number(o.high, 0)) ")" }
                            td {
                                @match &o.last_year {
                                    Some(pace) => {
                                        (locale.number(pace.at_today_size, 1)) " (" (range(pace.low, pace.high)) ")"
                                        br;
                                        span.help { (pace.past.voluntary_leavers) " " (w(Words::LeftLastYear)) }
                                    }
                                    None => span.help { (w(Words::NoHistory)) },
                                }
                            }
                            td {
                                @if let Some(c) = &o.change {
                                    strong { (signed(c.leavers, locale)) } " (" (signed(c.low, locale)) " … " (signed(c.high, locale)) ")"
                                    @if c.worse {
                                        br;
                                        span.flag { (w(Words::WorseBeyondChance)) }
                                    }
                                } @else { "—" }
                            }
                        }
                    }
                }
            }
        }
        @if groups.len() > RANKED_ROWS {
            p.help { "+" (locale.count(groups.len() - RANKED_ROWS)) }
        }
    }
}

/// The drivers a group's people share, each with its supportive step: what a conversation with
/// the team, or with its manager, can start from. No person is named.
fn shared_drivers(line: bool, group: &RankedGroup, locale: Locale) -> Markup {
    let w = |words: Words| words.in_(locale);
    let label = |d: &tenure_monitor::SharedDriver| match locale {
        Locale::ZhCn => d.label_zh.clone(),
        Locale::En => d.label.clone(),
    };
    html! {
        section #shared {
            h2 {
                (if line { w(Words::LineOf) } else { w(Words::Team) }) " " (group.outlook.group)
                ": " (w(Words::SharedDrivers))
            }
            @if group.shared_drivers.is_empty() {
                p { (w(Words::NoSharedDriver)) }
            } @else {
                ul.drivers {
                    @for d in &group.shared_drivers {
                        li {
                            strong { (label(d)) } " · " (locale.count(d.people)) " " (w(Words::PeopleShareIt))
                            br;
                            span { (d.action_words) }
                        }
                    }
                }
            }
        }
    }
}
