//! `tenure inspect FILE`: profile an unknown file and propose its mapping.

use super::import::ReadingArgs;
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use tenure_data::ReadOptions;

#[derive(Args)]
pub struct InspectArgs {
    /// The CSV file, workbook (.xlsx, .xls, .ods) or Parquet file to inspect.
    file: PathBuf,
    #[command(flatten)]
    reading: ReadingArgs,
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
    let options = ReadOptions {
        max_errors: args.max_errors,
        encoding: args.reading.encoding.clone(),
        sheet: args.reading.sheet.clone(),
    };
    let table = tenure_data::read_table(&args.file, &options)
        .with_context(|| format!("inspecting {}", args.file.display()))?;
    let mut inspection = tenure_data::inspect(&table);
    // What it took to read the file belongs in the mapping, so importing needs no flags.
    inspection.proposed.encoding = options.encoding;
    inspection.proposed.sheet = options.sheet;
    match args.format {
        Format::Text => print!("{}", inspection.render_text()),
        Format::Toml => print!("{}", inspection.render_toml()),
    }
    Ok(())
}
