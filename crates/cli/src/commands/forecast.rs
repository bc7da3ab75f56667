//! `tenure forecast`: expected voluntary leavers over the next 3, 6 and 12 months — for the
//! organization and per team, department, manager or level — with 90% intervals and the
//! expected cost of replacing them, as a table or one JSON object.

use super::evaluate::TrainingArgs;
use super::import::DatabaseArgs;
use crate::progress::Bars;
use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::collections::BTreeMap;
use tenure_ingest::Progress as _;
use tenure_model::survival::forecast::{GroupForecast, ReplacementCost, INTERVAL_LEVEL};
use tenure_monitor::{forecast_organization, ForecastReport, ForecastRequest, Grouping};

#[derive(Args)]
pub struct ForecastArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Forecast as of this date (YYYY-MM-DD): later data is ignored, so the forecast can be
    /// checked against what happened next.
    #[arg(long)]
    pub until: Option<chrono::NaiveDate>,
    /// The groups to break the forecast down by.
    #[arg(long, value_enum, default_value = "department")]
    pub by: By,
    /// Replacement cost as a share of annual pay (default 0.21: Boushey & Glynn, Center for
    /// American Progress, 2012).
    #[arg(long, default_value_t = 0.21)]
    pub cost_share: f64,
    /// Shares per job level, e.g. `--level-cost-share Executive=2.13` (repeatable).
    #[arg(long, value_parser = level_share)]
    pub level_cost_share: Vec<(String, f64)>,
    /// Pay figures per year in the pay column: 12 when it holds monthly pay.
    #[arg(long, default_value_t = 1.0)]
    pub pay_periods_per_year: f64,
    #[command(flatten)]
    pub training: TrainingArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum By {
    Team,
    Department,
    Manager,
    Level,
}

impl From<By> for Grouping {
    fn from(by: By) -> Self {
        match by {
            By::Team => Grouping::Team,
            By::Department => Grouping::Department,
            By::Manager => Grouping::Manager,
            By::Level => Grouping::Level,
        }
    }
}

fn level_share(text: &str) -> anyhow::Result<(String, f64)> {
    let (level, share) = text.rsplit_once('=').ok_or_else(|| {
        anyhow::anyhow!("expected LEVEL=SHARE, e.g. Executive=2.13; got `{text}`")
    })?;
    let share: f64 = share
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| anyhow::anyhow!("expected a share ≥ 0 after `=`; got `{share}`"))?;
    Ok((level.to_owned(), share))
}

pub async fn run(args: ForecastArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.cost_share.is_finite() && args.cost_share >= 0.0,
        "--cost-share must be a share ≥ 0"
    );
    let (store, org) = args.database.open_existing_org().await?;
    let bars = Bars::default();
    let request = ForecastRequest {
        org: org.id,
        until: args.until,
        grouping: args.by.into(),
        cost: ReplacementCost {
            default_share: args.cost_share,
            share_by_level: args
                .level_cost_share
                .iter()
                .cloned()
                .collect::<BTreeMap<_, _>>(),
        },
        pay_periods_per_year: args.pay_periods_per_year,
        training: args.training.settings(),
    };
    let report = forecast_organization(&store, &org.slug, &request, &bars).await;
    bars.finish();
    store.close().await;
    let report = report.context("forecasting")?;
    if args.json {
        println!("{}", to_json(&report));
    } else {
        print!("{}", to_text(&report));
    }
    Ok(())
}

fn group_json(g: &GroupForecast) -> serde_json::Value {
    let horizons: Option<Vec<serde_json::Value>> = g.horizons.as_ref().map(|hs| {
        hs.iter()
            .map(|h| {
                json!({
                    "months": h.months,
                    "expected_leavers": h.leavers.expected,
                    "interval_lower": h.leavers.lower,
                    "interval_upper": h.leavers.upper,
                    "interval_if_probabilities_exact": [h.leavers_if_exact.lower, h.leavers_if_exact.upper],
                    "expected_cost": h.expected_cost,
                    "people_without_pay": h.cost_unknown_people,
                    "regretted": h.regretted.map(|r| json!({
                        "expected_leavers": r.expected,
                        "expected_cost": r.expected_cost,
                        "people": r.people,
                    })),
                })
            })
            .collect()
    });
    json!({
        "group": g.group,
        "people": g.people,
        "suppressed": g.horizons.is_none(),
        "horizons": horizons,
    })
}

pub fn to_json(report: &ForecastReport) -> serde_json::Value {
    json!({
        "as_of": report.as_of.map(|d| d.to_string()),
        "interval_level": INTERVAL_LEVEL,
        "grouping": report.grouping.name(),
        "grouping_column": report.grouping_column,
        "organization": group_json(&report.organization),
        "groups": report.groups.iter().map(group_json).collect::<Vec<_>>(),
        "model": report.model,
        "trained_on_person_months": report.trained_on,
        "recent_voluntary_leavers": report.recent_leavers,
        "level_uncertainty": report.level_sd,
        "out_of_time_check": report.out_of_time.map(|c| json!({
            "expected_leavers": c.expected,
            "actual_leavers": c.observed,
        })),
        "training_seconds": report.training_seconds,
        "forecast_seconds": report.forecast_seconds,
    })
}

fn to_text(report: &ForecastReport) -> String {
    let mut out = regretted_headline(&report.organization);
    out.push_str(&format!(
        "Expected voluntary leavers{} ({:.0}% intervals), by {}\n",
        report
            .as_of
            .map(|d| format!(" after {d}"))
            .unwrap_or_default(),
        100.0 * INTERVAL_LEVEL,
        report.grouping.name(),
    ));
    if report.grouping_column.is_none() {
        out.push_str(&format!(
            "(the mapping names no {} column: everyone is in one group)\n",
            report.grouping.name()
        ));
    }
    out.push_str(&format!(
        "{:<28} {:>7}  {:>16}  {:>16}  {:>16}  {:>14}\n",
        "group", "people", "3 months", "6 months", "12 months", "cost (12 m)"
    ));
    for group in std::iter::once(&report.organization).chain(&report.groups) {
        out.push_str(&row(group));
    }
    out.push_str(&format!(
        "model: monthly hazard, {} ({} person-months); trained in {:.1} s, forecast in {:.2} s\n\
         intervals count who leaves and how sure the overall level is: ±{:.1}% from {} voluntary exits in the last year{}\n",
        report.model,
        report.trained_on,
        report.training_seconds,
        report.forecast_seconds,
        100.0 * report.level_sd,
        report.recent_leavers,
        report
            .out_of_time
            .map(|c| format!(
                " and an out-of-time check (fitted before its last 3 months, it expected {:.0} leavers in them; {} left)",
                c.expected, c.observed
            ))
            .unwrap_or_default()
    ));
    out
}

/// The organization's regretted leavers at its longest horizon, when the data tells them.
fn regretted_headline(organization: &GroupForecast) -> String {
    let longest = organization
        .horizons
        .iter()
        .flatten()
        .filter_map(|h| h.regretted.map(|r| (h.months, r)))
        .max_by_key(|(months, _)| *months);
    match longest {
        Some((months, r)) => format!(
            "Regretted leavers to expect within {months} months: {:.1} of {} strong performers and critical roles; replacing them costs {:.0}\n",
            r.expected, r.people, r.expected_cost
        ),
        None => String::new(),
    }
}

fn row(g: &GroupForecast) -> String {
    let name: String = g.group.chars().take(28).collect();
    let Some(horizons) = &g.horizons else {
        return format!("{name:<28} {:>7}  (fewer than 5 people: not shown)\n", "<5");
    };
    let cell = |h: &tenure_model::survival::forecast::HorizonForecast| {
        format!(
            "{:.1} [{}–{}]",
            h.leavers.expected, h.leavers.lower, h.leavers.upper
        )
    };
    let cost = horizons
        .last()
        .map(|h| format!("{:.0}", h.expected_cost))
        .unwrap_or_default();
    format!(
        "{name:<28} {:>7}  {:>16}  {:>16}  {:>16}  {:>14}\n",
        g.people,
        cell(&horizons[0]),
        cell(&horizons[1]),
        cell(&horizons[2]),
        cost
    )
}
