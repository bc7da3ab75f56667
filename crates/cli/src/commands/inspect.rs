//! `tenure inspect FILE`: profile an unknown file and propose its mapping.

use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args)]
pub struct InspectArgs {
    /// The CSV file or workbook (.xlsx, .xls, .ods) to inspect.
    file: PathBuf,
    /// `text` for a readable profile, `toml` for a mapping file to edit.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Problems to report before giving up on an unreadable file.
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Toml,
}

pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let table = tenure_data::read_table(&args.file, args.max_errors)
        .with_context(|| format!("inspecting {}", args.file.display()))?;
    let inspection = tenure_data::inspect(&table);
    match args.format {
        Format::Text => print!("{}", inspection.render_text()),
        Format::Toml => print!("{}", inspection.render_toml()),
    }
    Ok(())
}
