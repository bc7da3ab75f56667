//! `tenure features FILE`: writes the features tenure derives from a panel, one row per
//! person-month with its label, so they can be inspected or fed to another tool.

use super::import::MappingArgs;
use anyhow::Context;
use clap::Args;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use tenure_domain::{Shape, Value};
use tenure_model::panel::person_months;

#[derive(Args)]
pub struct FeaturesArgs {
    /// The panel CSV file.
    file: PathBuf,
    #[command(flatten)]
    mapping: MappingArgs,
    /// Label: a voluntary exit within this many months (empty while not yet known).
    #[arg(long, default_value_t = 6)]
    horizon: i32,
    /// Where to write the features (CSV).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
}

pub fn run(args: FeaturesArgs) -> anyhow::Result<()> {
    let mapping = args.mapping.resolve()?;
    let parsed = tenure_ingest::load_file(&args.file, &mapping, args.max_errors)
        .with_context(|| format!("reading {}", args.file.display()))?;
    anyhow::ensure!(
        parsed.plan.shape == Shape::Panel,
        "features are derived from panels (monthly snapshots); {} is not mapped as one",
        args.file.display()
    );
    let snapshots: Vec<tenure_domain::Snapshot> =
        parsed.rows.into_iter().map(|r| r.snapshot).collect();
    let months = person_months(&snapshots, &parsed.plan.mapping.roles, args.horizon);
    let mut columns: BTreeSet<&String> = BTreeSet::new();
    for m in &months {
        columns.extend(m.values.keys()); // inserted one by one: collecting would sort every key of every row
    }
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let header = ["id", "as_of", "label"]
        .into_iter()
        .map(str::to_owned)
        .chain(columns.iter().map(|c| c.to_string()));
    out.write_record(header)?;
    for m in &months {
        let label = m.label.map_or(String::new(), |l| u8::from(l).to_string());
        let mut record = vec![
            snapshots[m.snapshot].person.to_string(),
            m.as_of.to_string(),
            label,
        ];
        record.extend(columns.iter().map(|c| match m.values.get(*c) {
            None | Some(Value::Missing) => String::new(),
            Some(v) => v.to_string(),
        }));
        out.write_record(record)?;
    }
    out.into_inner().map_err(|e| e.into_error())?.flush()?;
    println!(
        "{} person-months × {} features → {}",
        months.len(),
        columns.len(),
        args.out.display()
    );
    Ok(())
}
