//! `tenure governance` (the record that switches scoring on), `tenure fairness` (a model's
//! fairness audit), `tenure person export|erase` (people's rights) and `tenure trust`
//! (retention, the fairness release gate, the smallest group shown).

use super::import::DatabaseArgs;
use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use tenure_model::fairness::FairnessAudit;
use tenure_store::{Governance, TrustSettings};

#[derive(Args)]
pub struct GovernanceArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The legal basis of scoring (e.g. "GDPR art. 6(1)(f); works agreement 2026-03").
    #[arg(long, requires_all = ["impact_assessment", "workers_informed"])]
    legal_basis: Option<String>,
    /// The data-protection impact assessment's reference.
    #[arg(long)]
    impact_assessment: Option<String>,
    /// When the impact assessment was completed, YYYY-MM-DD.
    #[arg(long)]
    impact_assessment_on: Option<NaiveDate>,
    /// When workers were told, YYYY-MM-DD.
    #[arg(long)]
    workers_informed: Option<NaiveDate>,
    /// Whom people ask, object to or complain to, as the workers' notice names them
    /// (e.g. "privacy@acme.example, or the works council").
    #[arg(long)]
    contact: Option<String>,
    /// The ROC AUC relied on; the monthly re-check alerts the operator below it.
    #[arg(long, default_value_t = 0.65)]
    min_roc_auc: f64,
    /// The largest calibration error accepted.
    #[arg(long, default_value_t = 0.10)]
    max_calibration_error: f64,
}

/// Records (with the flags) or shows the organization's governance record.
pub async fn governance(args: GovernanceArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_or_create_org().await?;
    if let (Some(legal_basis), Some(impact_assessment), Some(informed)) = (
        args.legal_basis,
        args.impact_assessment,
        args.workers_informed,
    ) {
        if informed > chrono::Utc::now().date_naive() {
            anyhow::bail!("--workers-informed {informed} is in the future: workers must be told before scoring starts");
        }
        if legal_basis.trim().is_empty() || impact_assessment.trim().is_empty() {
            anyhow::bail!("--legal-basis and --impact-assessment can't be empty");
        }
        let record = Governance {
            legal_basis,
            impact_assessment,
            impact_assessment_on: args.impact_assessment_on,
            workers_informed_on: informed,
            contact: args.contact.filter(|c| !c.trim().is_empty()),
            declared_min_roc_auc: args.min_roc_auc,
            declared_max_calibration_error: args.max_calibration_error,
            recorded_by: format!("cli:{}", whoami()),
            // Set when recorded.
            recorded_at: chrono::DateTime::UNIX_EPOCH,
        };
        store.record_governance(org.id, &record).await?;
        tenure_monitor::schedule_upkeep(&store, org.id, None).await?;
    }
    let record = store.governance(org.id).await?;
    store.close().await;
    match record {
        None => println!(
            "organization \"{}\": scoring is not switched on — record its legal basis, impact assessment and the date workers were informed (--legal-basis, --impact-assessment, --workers-informed)",
            org.slug
        ),
        Some(g) => println!(
            "organization \"{}\": scoring switched on by {} at {}\n  legal basis: {}\n  impact assessment: {}\n  workers informed on: {}\n  declared accuracy: ROC AUC ≥ {:.2}, calibration error ≤ {:.2}",
            org.slug, g.recorded_by, g.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), g.legal_basis, g.impact_assessment,
            g.workers_informed_on, g.declared_min_roc_auc, g.declared_max_calibration_error
        ),
    }
    Ok(())
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "operator".into())
}

#[derive(Args)]
pub struct FairnessArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The model version (default: the latest).
    #[arg(long)]
    model: Option<i64>,
    #[arg(long)]
    json: bool,
}

/// Prints a model's fairness audit.
pub async fn fairness(args: FairnessArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_existing_org().await?;
    let model = match args.model {
        Some(v) => store.model(org.id, Some(v)).await?,
        None => {
            let newest = store.models(org.id).await?.into_iter().next();
            newest
        }
    }
    .with_context(|| {
        format!(
            "organization \"{}\" has no such model: run `tenure train` first",
            org.slug
        )
    })?;
    store.close().await;
    let audit: Option<FairnessAudit> = model
        .card
        .get("fairness")
        .filter(|f| !f.is_null())
        .map(|f| serde_json::from_value(f.clone()))
        .transpose()
        .context("the model card's fairness audit")?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"model_version": model.version, "held_reason": model.held_reason, "audit": audit})
        );
        return Ok(());
    }
    let Some(audit) = audit else {
        println!(
            "model {}: no protected attribute was mapped, so its fairness could not be audited",
            model.version
        );
        return Ok(());
    };
    print!("{}", describe(model.version, &audit));
    if let Some(reason) = model.held_reason {
        println!("model {} is not active: {reason}", model.version);
    }
    Ok(())
}

fn describe(version: i64, audit: &FairnessAudit) -> String {
    let mut out = format!(
        "fairness audit of model {version}: {} held-out predictions, warnings from {:.0}%; impact ratios under {:.2} are flagged; groups under {} hidden, under {} not judged\n",
        audit.predictions,
        100.0 * audit.warning_threshold,
        audit.impact_floor,
        audit.min_group_size,
        audit.min_judged
    );
    for attribute in &audit.attributes {
        out.push_str(&format!(
            "\n{}{}\n  {:<24} {:>7} {:>15} {:>18} {:>15} {:>10} {:>17}\n",
            attribute.attribute,
            if attribute.flagged {
                "  — FLAGGED"
            } else {
                ""
            },
            "group",
            "n",
            "warned",
            "impact ratio",
            "left",
            "mean p",
            "ROC AUC"
        ));
        for g in &attribute.groups {
            let ratio = g.impact_ratio.map_or_else(
                || "not judged".to_owned(),
                |r| {
                    format!(
                        "{:.2} [{:.2}–{:.2}]{}",
                        r.value,
                        r.low,
                        r.high,
                        if g.flagged { "!" } else { "" }
                    )
                },
            );
            let auc = g.roc_auc.map_or_else(
                || "–".to_owned(),
                |a| format!("{:.2} [{:.2}–{:.2}]", a.value, a.low, a.high),
            );
            out.push_str(&format!(
                "  {:<24} {:>7} {:>6.1}% [{:>4.1}–{:>4.1}] {:>18} {:>6.1}% [{:>4.1}–{:>4.1}] {:>9.1}% {:>17}\n",
                g.group, g.predictions,
                100.0 * g.warning_rate.value, 100.0 * g.warning_rate.low, 100.0 * g.warning_rate.high,
                ratio,
                100.0 * g.observed_rate.value, 100.0 * g.observed_rate.low, 100.0 * g.observed_rate.high,
                100.0 * g.mean_probability, auc
            ));
        }
        if attribute.hidden_groups > 0 {
            out.push_str(&format!(
                "  ({} groups hidden: too small to show)\n",
                attribute.hidden_groups
            ));
        }
        if let Some(f) = &attribute.finding {
            out.push_str(&format!("  finding: {}\n", f.words));
        }
    }
    out
}

#[derive(Args)]
pub struct PersonArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(subcommand)]
    command: PersonCommand,
}

#[derive(Subcommand)]
enum PersonCommand {
    /// Everything held about a person, as JSON (inputs, scores, drivers, model versions, events, warnings, who viewed them).
    Export { person: String },
    /// Erase a person: inputs, scores, drivers, events, warnings. Audit rows keep only a pseudonym.
    Erase { person: String },
}

pub async fn person(args: PersonArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_existing_org().await?;
    let outcome = match args.command {
        PersonCommand::Export { person } => match store.person_record(org.id, &person).await? {
            Some(record) => {
                println!("{}", serde_json::to_string_pretty(&record)?);
                Ok(())
            }
            None => Err(anyhow::anyhow!(
                "organization \"{}\" holds nothing about {person:?}",
                org.slug
            )),
        },
        PersonCommand::Erase { person } => {
            let removed = store.erase_person(org.id, &person).await?;
            println!(
                "{person} erased from \"{}\": {}",
                org.slug,
                serde_json::to_string(&removed.rows)?
            );
            Ok(())
        }
    };
    store.close().await;
    outcome
}

#[derive(Args)]
pub struct TrustArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Purge leavers and months older than this many months (0: keep until erased).
    #[arg(long)]
    retention_months: Option<u32>,
    /// Hold back (store but don't activate) models whose fairness audit is flagged.
    #[arg(long)]
    fairness_gate: Option<bool>,
    /// The smallest group any figure shows (5 or more).
    #[arg(long)]
    min_group_size: Option<u32>,
}

/// Shows or changes the organization's trust settings.
pub async fn trust(args: TrustArgs) -> anyhow::Result<()> {
    let (store, org) = args.database.open_or_create_org().await?;
    let current = store.trust_settings(org.id).await?;
    let wanted = TrustSettings {
        retention_months: match args.retention_months {
            Some(0) => None,
            Some(m) => Some(m),
            None => current.retention_months,
        },
        fairness_gate: args.fairness_gate.unwrap_or(current.fairness_gate),
        min_group_size: args.min_group_size.unwrap_or(current.min_group_size),
    };
    if wanted != current {
        store.set_trust_settings(org.id, &wanted).await?;
    }
    store.close().await;
    println!(
        "organization \"{}\": retention {}, fairness gate {}, smallest group shown {}",
        org.slug,
        wanted
            .retention_months
            .map_or("none (kept until erased)".to_owned(), |m| format!(
                "{m} months"
            )),
        if wanted.fairness_gate { "on" } else { "off" },
        wanted.min_group_size
    );
    Ok(())
}
