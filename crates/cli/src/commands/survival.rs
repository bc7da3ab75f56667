//! `tenure survival --by GROUPING`: how long people stay, as Kaplan–Meier curves with 95%
//! bands per group, and the log-rank test of whether the groups differ.

use super::import::DatabaseArgs;
use clap::Args;
use serde_json::json;
use tenure_monitor::{survival_by_group, GroupCurve, SurvivalReport};

#[derive(Args)]
pub struct SurvivalArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// department, team, manager, level, hire-year, entry-tenure, or any column's name.
    #[arg(long, default_value = "department")]
    pub by: String,
    /// Print one JSON object (every curve step) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The months the table reads each curve at.
const READ_AT: [f64; 5] = [6.0, 12.0, 24.0, 36.0, 60.0];

pub async fn run(args: SurvivalArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_existing_org().await?;
    let report = survival_by_group(&store, org.id, &org.slug, &args.by).await;
    store.close().await;
    let report = report?;
    if args.json {
        println!("{}", to_json(&report));
    } else {
        print!("{}", to_text(&report));
    }
    Ok(())
}

fn curve_json(g: &GroupCurve) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = g
        .curve
        .steps
        .iter()
        .map(|s| {
            json!({"time": s.time, "at_risk": s.at_risk, "events": s.events, "censored": s.censored,
                   "survival": s.survival, "lower": s.lower, "upper": s.upper})
        })
        .collect();
    json!({"group": g.group, "people": g.people, "leavers": g.leavers, "median": g.curve.median(), "steps": steps})
}

fn to_json(r: &SurvivalReport) -> serde_json::Value {
    json!({
        "axis": r.axis,
        "grouping": r.grouping,
        "confidence": tenure_monitor::CURVE_CONFIDENCE,
        "overall": curve_json(&r.overall),
        "groups": r.groups.iter().map(curve_json).collect::<Vec<_>>(),
        "withheld_groups": r.withheld_groups,
        "log_rank": r.log_rank.as_ref().map(|t| json!({
            "statistic": t.statistic, "degrees_of_freedom": t.degrees_of_freedom, "p_value": t.p_value,
            "observed": t.observed, "expected": t.expected,
        })),
    })
}

fn to_text(r: &SurvivalReport) -> String {
    let mut out = format!(
        "Share still employed (Kaplan–Meier, 95% band) by {}, over {}\n{:<26} {:>7} {:>8}",
        r.grouping, r.axis, "group", "people", "leavers"
    );
    for t in READ_AT {
        out.push_str(&format!(" {:>18}", format!("at {t:.0}")));
    }
    out.push_str(&format!(" {:>8}\n", "median"));
    for g in std::iter::once(&r.overall).chain(&r.groups) {
        let name: String = g.group.chars().take(26).collect();
        out.push_str(&format!("{name:<26} {:>7} {:>8}", g.people, g.leavers));
        for t in READ_AT {
            let step = g.curve.steps.iter().take_while(|s| s.time <= t).last();
            let beyond = g.curve.steps.last().is_none_or(|s| s.time < t);
            let cell = match step {
                _ if beyond => "—".to_owned(),
                Some(s) => format!(
                    "{:.0}% [{:.0}–{:.0}]",
                    100.0 * s.survival,
                    100.0 * s.lower,
                    100.0 * s.upper
                ),
                None => "100%".to_owned(),
            };
            out.push_str(&format!(" {cell:>18}"));
        }
        let median = g
            .curve
            .median()
            .map_or("—".to_owned(), |m| format!("{m:.0}"));
        out.push_str(&format!(" {median:>8}\n"));
    }
    if r.withheld_groups > 0 {
        out.push_str(&format!(
            "{} groups of fewer than 5 people not shown\n",
            r.withheld_groups
        ));
    }
    match &r.log_rank {
        Some(t) => out.push_str(&format!(
            "log-rank test: χ² = {:.2} on {} degrees of freedom, p = {:.3e}{}\n",
            t.statistic,
            t.degrees_of_freedom,
            t.p_value,
            if t.p_value < 0.05 {
                " — the groups differ"
            } else {
                " — no clear difference"
            }
        )),
        None => out.push_str("log-rank test: needs at least two groups of 5 or more people\n"),
    }
    out
}
