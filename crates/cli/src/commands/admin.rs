//! `tenure admin`: the platform operator's commands — granting and renewing plans, adding
//! members, passwords back on when single sign-on is out of reach, the kill switch,
//! offboarding, running an organization's upkeep now, the alerts oversight raised, and
//! pinging the workers that run queued jobs.

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use tenure_domain::{Membership, Plan, Role};
use tenure_monitor::JobSpec;
use tenure_server::secrets::{hash_password, password_problem};
use tenure_store::{normalize_email, AuditVerdict, JobStatus, Organization, SealingKey, Store};

#[derive(Args)]
pub struct AdminArgs {
    /// A SQLite file path or a postgres:// URL (before or after the admin command).
    #[arg(
        long,
        env = "TENURE_DATABASE_URL",
        default_value = "tenure.db",
        global = true
    )]
    db: String,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Organizations' plans: show them, or grant and renew one.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Members: add someone to an organization (e.g. the owner of one made from the command line).
    #[command(subcommand)]
    Member(MemberCommand),
    /// The kill switch: stop all scoring and delivery for an organization (its queued jobs
    /// wait; its data stays).
    Suspend {
        #[arg(long)]
        org: String,
    },
    /// Break glass: let an organization's members sign in with passwords again, when its
    /// identity provider is out of reach and password sign-in was switched off.
    PasswordsOn {
        #[arg(long)]
        org: String,
    },
    /// Lift the kill switch: queued jobs run again.
    Resume {
        #[arg(long)]
        org: String,
    },
    /// Offboard a departed organization: suspended at once, and all its data (people,
    /// scores, audit log, accounts that belong to it alone) deleted by the workers after the
    /// grace period.
    Offboard {
        #[arg(long)]
        org: String,
        /// Days until deletion (at most 30).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=30))]
        after_days: u32,
    },
    /// Run an organization's upkeep now: purge what its retention period expired and
    /// re-check its accuracy against what happened (prints JSON).
    Upkeep {
        #[arg(long)]
        org: String,
    },
    /// Alerts for the operator (accuracy under an organization's declared level), oldest first.
    Alerts {
        /// Acknowledge this alert.
        #[arg(long)]
        acknowledge: Option<i64>,
    },
    /// Queue ping jobs and wait for the workers to answer them: which workers took how many,
    /// how many were claimed again after a worker died, and how long the queue took (JSON).
    PingWorkers {
        /// The organization the pings are queued for.
        #[arg(long)]
        org: String,
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// How long each ping holds its worker, in milliseconds.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
        /// Give up waiting after this many seconds (the jobs stay queued).
        #[arg(long, default_value_t = 60)]
        timeout_seconds: u64,
    },
    /// Write a consistent copy of the SQLite database to a new file while it stays in use
    /// (PostgreSQL: pg_dump). The key that seals its secrets is not in the copy: keep it
    /// (`<database>.key`, or TENURE_SECRET_KEY) apart, and safe.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Make the database (--db, a new SQLite file) from a backup, bring it up to this
    /// version's schema and verify it; nothing is left behind if it fails.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Check the database: the storage engine's integrity check and every organization's
    /// audit chain (JSON; exit code 1 when anything fails).
    Verify,
}

#[derive(Subcommand)]
enum MemberCommand {
    /// Adds (or re-roles) a member. A new account's password comes from TENURE_PASSWORD, never a flag.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        /// owner, hr, manager or auditor.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

fn parse_role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text).ok_or_else(|| anyhow::anyhow!("expected owner, hr, manager or auditor"))
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

fn parse_plan(text: &str) -> anyhow::Result<Plan> {
    Plan::parse(text).ok_or_else(|| anyhow::anyhow!("expected basic or member"))
}

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    if let AdminCommand::Restore { from } = &args.command {
        return restore(from, &args.db).await;
    }
    let store = super::open_store(&args.db).await?;
    let outcome = match args.command {
        AdminCommand::Plan(command) => plan(&store, command).await,
        AdminCommand::Member(command) => add_member(&store, command).await,
        AdminCommand::Suspend { org } => set_suspended(&store, &org, true).await,
        AdminCommand::Resume { org } => set_suspended(&store, &org, false).await,
        AdminCommand::PasswordsOn { org } => passwords_on(&store, &org).await,
        AdminCommand::Offboard { org, after_days } => offboard(&store, &org, after_days).await,
        AdminCommand::Upkeep { org } => upkeep(&store, &org).await,
        AdminCommand::Alerts { acknowledge } => alerts(&store, acknowledge).await,
        AdminCommand::PingWorkers {
            org,
            count,
            pause_ms,
            timeout_seconds,
        } => ping_workers(&store, &org, count, pause_ms, timeout_seconds).await,
        AdminCommand::Backup { out } => back_up(&store, &out).await,
        AdminCommand::Verify => verify(&store).await,
        AdminCommand::Restore { .. } => unreachable!("restored before the database is opened"),
    };
    store.close().await;
    outcome
}

async fn back_up(store: &Store, out: &Path) -> anyhow::Result<()> {
    store
        .back_up_to(out)
        .await
        .with_context(|| format!("backing up to {}", out.display()))?;
    let copy = Store::connect(
        &out.display().to_string(),
        // Checking needs no secret: a throwaway key, never written.
        &tenure_store::SealingKey::Hex("00".repeat(32)),
    )
    .await?;
    let verification = copy.verify().await?;
    copy.close().await;
    anyhow::ensure!(
        verification.passed(),
        "the copy at {} does not verify: {verification}",
        out.display()
    );
    println!(
        "backed up to {} ({} organizations, every audit chain intact)",
        out.display(),
        verification.chains.len()
    );
    Ok(())
}

/// Copies the backup `from` into place as the new SQLite database `db`, opens it (bringing
/// its schema up to this version) and verifies it; removes it again when anything fails.
async fn restore(from: &Path, db: &str) -> anyhow::Result<()> {
    let target = tenure_store::sqlite_file(db).context(
        "restore makes a SQLite database; restore a PostgreSQL dump with pg_restore, then run `tenure admin verify`",
    )?;
    anyhow::ensure!(
        !target.exists(),
        "{db} already exists: restore into a new file (move the old database away first)"
    );
    anyhow::ensure!(
        is_sqlite_file(from)?,
        "{} is not a SQLite database: restore from a file `tenure admin backup` wrote",
        from.display()
    );
    let key = super::sealing_key(db, |name| std::env::var_os(name));
    // A key file opening the database makes is removed with it should the restore fail.
    let new_key_file = match &key {
        SealingKey::File(path) if !path.exists() => Some(path.clone()),
        _ => None,
    };
    std::fs::copy(from, &target).with_context(|| format!("copying {} to {db}", from.display()))?;
    let restored = async {
        let store = Store::connect(db, &key)
            .await
            .with_context(|| format!("opening the database {db}"))?;
        let verification = store.verify().await?;
        store.close().await;
        anyhow::ensure!(
            verification.passed(),
            "the restored database does not verify: {verification}"
        );
        Ok(verification)
    }
    .await;
    match restored {
        Ok(verification) => {
            println!(
                "restored {db} from {} ({} organizations, every audit chain intact)",
                from.display(),
                verification.chains.len()
            );
            Ok(())
        }
        Err(error) => {
            for made in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{made}", target.display()));
            }
            if let Some(path) = new_key_file {
                let _ = std::fs::remove_file(path);
            }
            Err(error)
        }
    }
}

/// Whether `path` starts as every SQLite database file does.
fn is_sqlite_file(path: &Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(file.read_exact(&mut header).is_ok() && &header == b"SQLite format 3\0")
}

async fn verify(store: &Store) -> anyhow::Result<()> {
    let verification = store.verify().await?;
    let chains: Vec<serde_json::Value> = verification
        .chains
        .iter()
        .map(|(org, verdict)| match verdict {
            AuditVerdict::Intact { rows } => {
                serde_json::json!({"org": org, "audit_chain": "intact", "rows": rows})
            }
            AuditVerdict::Broken { seq, reason } => {
                serde_json::json!({"org": org, "audit_chain": "broken", "at_seq": seq, "reason": reason})
            }
        })
        .collect();
    let report = serde_json::json!({
        "intact": verification.intact,
        "organizations": chains,
        "passed": verification.passed(),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    anyhow::ensure!(verification.passed(), "the database does not verify");
    Ok(())
}

async fn plan(store: &Store, command: PlanCommand) -> anyhow::Result<()> {
    match command {
        PlanCommand::Show { org } => {
            let organizations = match org {
                Some(slug) => vec![existing(store, &slug).await?],
                None => store.organizations().await?,
            };
            for o in &organizations {
                println!("{}", describe(o));
            }
        }
        PlanCommand::Grant { org, plan, until } => {
            let organization = existing(store, &org).await?;
            store
                .set_membership(
                    organization.id,
                    Membership {
                        plan,
                        expires_on: until,
                    },
                )
                .await?;
            println!("{}", describe(&existing(store, &org).await?));
        }
    }
    Ok(())
}

async fn add_member(store: &Store, command: MemberCommand) -> anyhow::Result<()> {
    let MemberCommand::Add {
        org,
        email,
        role,
        name,
    } = command;
    let organization = existing(store, &org).await?;
    let password = std::env::var("TENURE_PASSWORD")
        .context("set TENURE_PASSWORD to the new account's password")?;
    if let Some(problem) = password_problem(&password) {
        anyhow::bail!("TENURE_PASSWORD: {problem}");
    }
    let hash = hash_password(&password);
    store
        .add_member(organization.id, &email, &name, &hash, role)
        .await?;
    println!(
        "{}: {} is {}",
        organization.slug,
        normalize_email(&email),
        role.key()
    );
    Ok(())
}

async fn set_suspended(store: &Store, slug: &str, suspend: bool) -> anyhow::Result<()> {
    let organization = existing(store, slug).await?;
    store.set_suspended(organization.id, suspend).await?;
    match store.suspended_since(organization.id).await? {
        Some(since) => println!("{slug}: suspended since {since}: no scoring, no delivery"),
        None => println!("{slug}: active"),
    }
    Ok(())
}

async fn passwords_on(store: &Store, slug: &str) -> anyhow::Result<()> {
    let organization = existing(store, slug).await?;
    if store.allow_password_sign_in(organization.id).await? {
        println!("{slug}: members may sign in with passwords again; single sign-on stays set up");
    } else {
        println!("{slug}: passwords were not switched off");
    }
    Ok(())
}

async fn offboard(store: &Store, slug: &str, after_days: u32) -> anyhow::Result<()> {
    let organization = existing(store, slug).await?;
    let at = chrono::Utc::now() + chrono::Duration::days(i64::from(after_days));
    store.offboard(organization.id, at).await?;
    println!(
        "{slug}: offboarded and suspended; every row it owns is deleted by the workers after {at}"
    );
    Ok(())
}

async fn upkeep(store: &Store, slug: &str) -> anyhow::Result<()> {
    let organization = existing(store, slug).await?;
    let report = tenure_monitor::upkeep(store, organization.id, slug, chrono::Utc::now()).await?;
    println!(
        "{}",
        serde_json::json!({
            "purged": report.purged.rows,
            "accuracy_check": report.check.map(|c| serde_json::json!({
                "scores": c.scores, "leavers": c.leavers, "roc_auc": c.roc_auc,
                "calibration_error": c.calibration_error, "below_declared": c.below_declared,
                "detail": c.detail,
            })),
        })
    );
    Ok(())
}

async fn alerts(store: &Store, acknowledge: Option<i64>) -> anyhow::Result<()> {
    if let Some(id) = acknowledge {
        if !store.acknowledge_operator_alert(id).await? {
            anyhow::bail!("no open alert {id}");
        }
    }
    let alerts = store.operator_alerts().await?;
    if alerts.is_empty() {
        println!("no open alerts");
    }
    for a in alerts {
        println!("#{} {} [{}] {}", a.id, a.at, a.kind, a.message);
    }
    Ok(())
}

async fn ping_workers(
    store: &Store,
    slug: &str,
    count: usize,
    pause_ms: u64,
    timeout_seconds: u64,
) -> anyhow::Result<()> {
    let organization = existing(store, slug).await?;
    let started = std::time::Instant::now();
    let spec = JobSpec::Ping { pause_ms };
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        ids.push(
            store
                .enqueue_job(organization.id, &spec.to_job(None))
                .await?,
        );
    }
    let deadline = started + std::time::Duration::from_secs(timeout_seconds);
    let jobs = loop {
        let jobs = store.jobs_by_id(organization.id, &ids).await?;
        let done = jobs.iter().filter(|j| j.finished_at.is_some()).count();
        if done == count {
            break jobs;
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!("{done} of {count} pings answered in {timeout_seconds} s: are workers running (`tenure worker`)?");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut by_worker: std::collections::BTreeMap<String, usize> = Default::default();
    for job in &jobs {
        if let Some(worker) = job.result.as_ref().and_then(|r| r["worker"].as_str()) {
            *by_worker.entry(worker.to_owned()).or_default() += 1;
        }
    }
    let summary = serde_json::json!({
        "pings": count,
        "succeeded": jobs.iter().filter(|j| j.status == JobStatus::Succeeded).count(),
        "claimed_again": jobs.iter().filter(|j| j.attempts > 1).count(),
        "by_worker": by_worker,
        "seconds": started.elapsed().as_secs_f64(),
    });
    println!("{summary}");
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
