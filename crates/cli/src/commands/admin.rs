//! `tenure admin`: the platform operator's commands — granting and renewing plans.

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use tenure_domain::{Membership, Plan};
use tenure_store::{Organization, Store};

#[derive(Args)]
pub struct AdminArgs {
    /// A SQLite file path or a postgres:// URL.
    #[arg(long, env = "TENURE_DATABASE_URL", default_value = "tenure.db")]
    db: String,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Organizations' plans: show them, or grant and renew one.
    #[command(subcommand)]
    Plan(PlanCommand),
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Every organization with its plan and expiry (or one, with --org).
    Show {
        #[arg(long)]
        org: Option<String>,
    },
    /// Grant or renew a plan through a day (inclusive); expired data comes back on renewal.
    Grant {
        #[arg(long)]
        org: String,
        /// basic or member.
        #[arg(long, value_parser = parse_plan)]
        plan: Plan,
        /// The last day the membership is active, YYYY-MM-DD.
        #[arg(long)]
        until: NaiveDate,
    },
}

fn parse_plan(text: &str) -> Result<Plan, String> {
    Plan::parse(text).ok_or_else(|| "expected basic or member".into())
}

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.db)
        .await
        .with_context(|| format!("opening the database {}", args.db))?;
    let AdminCommand::Plan(command) = args.command;
    match command {
        PlanCommand::Show { org } => {
            let organizations = match org {
                Some(slug) => vec![existing(&store, &slug).await?],
                None => store.organizations().await?,
            };
            for o in &organizations {
                println!("{}", describe(o));
            }
        }
        PlanCommand::Grant { org, plan, until } => {
            let organization = existing(&store, &org).await?;
            store
                .set_membership(
                    organization.id,
                    Membership {
                        plan,
                        expires_on: until,
                    },
                )
                .await?;
            println!("{}", describe(&existing(&store, &org).await?));
        }
    }
    store.close().await;
    Ok(())
}

async fn existing(store: &Store, slug: &str) -> anyhow::Result<Organization> {
    store
        .organization(slug)
        .await?
        .with_context(|| format!("no organization {slug:?}"))
}

fn describe(org: &Organization) -> String {
    let today = chrono::Utc::now().date_naive();
    match &org.membership {
        None => format!("{}: no plan granted", org.slug),
        Some(m) => format!(
            "{}: {} through {} ({})",
            org.slug,
            m.plan.key(),
            m.expires_on,
            if m.is_active(today) {
                "active"
            } else {
                "expired: entitlements off, data kept"
            }
        ),
    }
}
