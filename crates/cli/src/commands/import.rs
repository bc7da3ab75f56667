//! `tenure import FILE`: bring an HR export into an organization's data.

use super::thousands;
use crate::progress::Bars;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use tenure_data::Mapping;
use tenure_domain::Shape;
use tenure_ingest::{import_file, ImportReport, ImportRequest};
use tenure_store::{Organization, Store};

/// The database every subcommand opens.
#[derive(Args, Clone)]
pub struct DatabaseArgs {
    /// A SQLite file path or a postgres:// URL.
    #[arg(long, env = "TENURE_DATABASE_URL", default_value = "tenure.db")]
    pub db: String,
    /// The organization (tenant) the data belongs to; created on first use.
    #[arg(long, default_value = "default")]
    pub org: String,
}

impl DatabaseArgs {
    pub async fn open(&self) -> anyhow::Result<Store> {
        super::open_store(&self.db).await
    }

    /// The database and the organization, created if it does not exist yet.
    pub async fn open_or_create_org(&self) -> anyhow::Result<(Store, Organization)> {
        let store = self.open().await?;
        let org = store.ensure_organization(&self.org, &self.org).await?;
        Ok((store, org))
    }

    /// The database and the organization, which must already hold data.
    pub async fn open_existing_org(&self) -> anyhow::Result<(Store, Organization)> {
        let store = self.open().await?;
        let org = store
            .organization(&self.org)
            .await?
            .with_context(|| format!("no organization {:?}: import data first", self.org))?;
        Ok((store, org))
    }
}

#[derive(Args)]
pub struct ImportArgs {
    /// The CSV file, workbook (.xlsx, .xls, .ods) or Parquet file to import.
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    mapping: MappingArgs,
    /// Problems to report in one pass before giving up.
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
    /// Overwrite stored rows whose values changed, instead of refusing the import.
    #[arg(long)]
    replace: bool,
}

/// The mapping as a TOML file, or as flags (flags override the file's fields).
#[derive(Args, Clone, Default)]
pub struct MappingArgs {
    /// A mapping file (see `tenure inspect FILE --format toml`).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    #[arg(long, value_parser = parse_shape)]
    pub shape: Option<Shape>,
    /// The person id column (default: the row number).
    #[arg(long)]
    pub id: Option<String>,
    /// The as-of date column of a panel.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Its chrono format, e.g. %m/%d/%y (default ISO %Y-%m-%d).
    #[arg(long)]
    pub as_of_format: Option<String>,
    #[arg(long)]
    pub exit_date: Option<String>,
    #[arg(long)]
    pub exit_date_format: Option<String>,
    #[arg(long)]
    pub exit_kind: Option<String>,
    /// Exit-kind values that count as voluntary, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub voluntary: Vec<String>,
    /// The target column of a cross-section.
    #[arg(long)]
    pub target: Option<String>,
    /// The target's value meaning "left".
    #[arg(long)]
    pub positive: Option<String>,
    /// The duration column of time-to-event data.
    #[arg(long)]
    pub duration: Option<String>,
    /// The event column of time-to-event data.
    #[arg(long)]
    pub event: Option<String>,
    /// The event column's value meaning "left" (default 1).
    #[arg(long)]
    pub event_value: Option<String>,
    /// Protected columns (fairness audit only), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub protected: Vec<String>,
    /// Columns to leave out, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    #[command(flatten)]
    pub reading: ReadingArgs,
}

/// How to read a file where detection is not enough: shared by `inspect`, `import` and
/// `evaluate`.
#[derive(Args, Clone, Default)]
pub struct ReadingArgs {
    /// The file's encoding when detection guesses wrong: UTF-8, UTF-16LE, windows-1252, GBK,
    /// GB18030, Shift_JIS, windows-1251…
    #[arg(long)]
    pub encoding: Option<String>,
    /// The worksheet of a workbook to read (default: the first with data).
    #[arg(long)]
    pub sheet: Option<String>,
}

fn parse_shape(text: &str) -> anyhow::Result<Shape> {
    match text {
        "panel" => Ok(Shape::Panel),
        "cross-section" => Ok(Shape::CrossSection),
        "time-to-event" => Ok(Shape::TimeToEvent),
        _ => anyhow::bail!("expected panel, cross-section or time-to-event"),
    }
}

impl MappingArgs {
    pub fn resolve(&self) -> anyhow::Result<Mapping> {
        let mut mapping = match &self.mapping {
            Some(path) => Mapping::from_toml_file(path)?,
            None => Mapping::default(),
        };
        let overrides = [
            (&mut mapping.id, &self.id),
            (&mut mapping.as_of, &self.as_of),
            (&mut mapping.as_of_format, &self.as_of_format),
            (&mut mapping.exit_date, &self.exit_date),
            (&mut mapping.exit_date_format, &self.exit_date_format),
            (&mut mapping.exit_kind, &self.exit_kind),
            (&mut mapping.target, &self.target),
            (&mut mapping.positive, &self.positive),
            (&mut mapping.duration, &self.duration),
            (&mut mapping.event, &self.event),
            (&mut mapping.event_value, &self.event_value),
            (&mut mapping.encoding, &self.reading.encoding),
            (&mut mapping.sheet, &self.reading.sheet),
        ];
        for (field, flag) in overrides {
            if flag.is_some() {
                field.clone_from(flag);
            }
        }
        mapping.shape = self.shape.or(mapping.shape);
        extend_unique(&mut mapping.voluntary, &self.voluntary);
        extend_unique(&mut mapping.protected, &self.protected);
        extend_unique(&mut mapping.ignore, &self.ignore);
        Ok(mapping)
    }
}

fn extend_unique(list: &mut Vec<String>, more: &[String]) {
    for item in more {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let mapping = args.mapping.resolve()?;
    let (store, org) = args.database.open_or_create_org().await?;
    let request = ImportRequest {
        path: &args.file,
        mapping,
        org: org.id,
        max_errors: args.max_errors,
        replace: args.replace,
    };
    let result = import_file(&store, request, &Bars::default()).await;
    store.close().await;
    let report = result.with_context(|| {
        format!(
            "import of {} refused; nothing was written",
            args.file.display()
        )
    })?;
    println!(
        "{}",
        describe(&args.file.display().to_string(), &org.slug, &report)
    );
    Ok(())
}

pub fn describe(file: &str, org: &str, report: &ImportReport) -> String {
    let o = &report.outcome;
    let mut text = format!(
        "imported {file} ({}) into organization \"{org}\": {} rows read, {} added, {} unchanged, {} replaced; {} people ({} new)",
        report.shape,
        thousands(report.rows_read),
        thousands(o.rows_added),
        thousands(o.rows_unchanged),
        thousands(o.rows_replaced),
        thousands(report.people_in_file),
        thousands(o.people_added),
    );
    if report.repeated_rows > 0 {
        text.push_str(&format!(
            "; {} rows repeated verbatim in the file were skipped",
            thousands(report.repeated_rows)
        ));
    }
    text
}
