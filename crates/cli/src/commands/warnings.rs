//! `tenure warnings`: the organization's latest warnings — whom, what changed, the drivers
//! with the supportive action each suggests — and the conduct every warning asks for.

use super::import::DatabaseArgs;
use clap::Args;
use tenure_domain::CONDUCT;
use tenure_store::WarningRecord;

#[derive(Args)]
pub struct WarningsArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// How many of the newest warnings to show.
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: WarningsArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_existing_org().await?;
    let warnings = store.warnings(org.id, args.limit.max(1)).await;
    store.close().await;
    let warnings = warnings?;
    if args.json {
        let list: Vec<serde_json::Value> = warnings.iter().map(to_json).collect();
        println!(
            "{}",
            serde_json::json!({"warnings": list, "conduct": CONDUCT})
        );
    } else {
        print!("{}", describe(&warnings));
    }
    Ok(())
}

fn to_json(w: &WarningRecord) -> serde_json::Value {
    serde_json::json!({
        "id": w.public_id,
        "person": w.warning.person,
        "status": w.status.key(),
        "outcome": w.outcome,
        "raised_at": w.raised_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "model_version": w.warning.model_version,
        "what_changed": w.warning.triggers["what_changed"],
        "rules": w.warning.triggers["rules"],
        "drivers": w.warning.drivers,
        "team": w.warning.groups.team,
        "department": w.warning.groups.department,
    })
}

/// Warnings as text, with the conduct expected of the reader.
pub fn describe(warnings: &[WarningRecord]) -> String {
    if warnings.is_empty() {
        return "no warnings yet: they are raised when a scoring run finds someone's risk rising\n"
            .into();
    }
    let mut out = format!(
        "{} warning{}, newest first. {CONDUCT}\n",
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" }
    );
    for w in warnings {
        let changed: Vec<&str> = w.warning.triggers["what_changed"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str()).collect())
            .unwrap_or_default();
        let subject = match &w.warning.person {
            Some(person) => format!("person {person}"),
            None => format!(
                "team {}",
                w.warning.groups.team.as_deref().unwrap_or_default()
            ),
        };
        out.push_str(&format!(
            "\n{} {subject} ({}) — {}; {}\n",
            w.public_id,
            w.status.key(),
            changed.join("; "),
            w.raised_at.date_naive()
        ));
        for d in w.warning.drivers.as_array().into_iter().flatten() {
            out.push_str(&format!(
                "    ↑ {}\n      → {}\n",
                d["words"].as_str().unwrap_or_default(),
                d["action_words"].as_str().unwrap_or_default()
            ));
        }
    }
    out
}
