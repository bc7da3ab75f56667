//! `tenure report`: the attrition report — organization, departments, managers; risk,
//! forecast with intervals, cost of expected leavers, trend, drivers and the accuracy of past
//! warnings — written as one self-contained HTML file or as PDF.

use super::import::DatabaseArgs;
use crate::progress::Bars;
use anyhow::{bail, Context};
use clap::Args;
use std::path::PathBuf;
use tenure_ingest::Progress as _;
use tenure_model::survival::forecast::ReplacementCost;
use tenure_monitor::{attrition_report, ReportRequest};
use tenure_report::Locale;

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The file to write: `.html` or `.pdf` (the PDF is in English).
    #[arg(long, short)]
    pub out: PathBuf,
    /// The HTML report's language: `en` or `zh-CN`.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Replacement cost as a share of annual pay.
    #[arg(long, default_value_t = 0.21)]
    pub cost_share: f64,
    /// Pay figures per year in the pay column: 12 when it holds monthly pay.
    #[arg(long, default_value_t = 1.0)]
    pub pay_periods_per_year: f64,
    /// Threads for fitting the forecast (default: every core).
    #[arg(long, env = "TENURE_THREADS")]
    pub threads: Option<usize>,
}

enum Format {
    Html,
    Pdf,
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let format = match args.out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm") => Format::Html,
        Some(e) if e.eq_ignore_ascii_case("pdf") => Format::Pdf,
        _ => bail!("--out {}: name a .html or a .pdf file", args.out.display()),
    };
    let locale = Locale::parse(&args.lang)
        .filter(|l| l.tag().eq_ignore_ascii_case(args.lang.trim()))
        .with_context(|| format!("--lang {}: expected en or zh-CN", args.lang))?;
    let store = args.database.open().await?;
    let org = store
        .organization(&args.database.org)
        .await?
        .with_context(|| {
            format!(
                "no organization {:?} in {}",
                args.database.org, args.database.db
            )
        })?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut request = ReportRequest::new(org.id, threads);
    request.cost = ReplacementCost {
        default_share: args.cost_share,
        ..ReplacementCost::default()
    };
    request.pay_periods_per_year = args.pay_periods_per_year;
    let bars = Bars::default();
    bars.spinner("making the attrition report");
    let report = attrition_report(&store, &org.slug, &request, &bars).await;
    bars.finish();
    store.close().await;
    let report = report?.report;
    let bytes = match format {
        Format::Html => report.to_html(locale).into_bytes(),
        Format::Pdf => report.to_pdf(),
    };
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "attrition report for {} ({} people, model {}) → {} ({} KB)",
        report.organization,
        report.bands.map_or(0, |b| b.total()),
        report
            .model_version
            .map_or("none".to_owned(), |v| format!("version {v}")),
        args.out.display(),
        bytes.len().div_ceil(1024)
    );
    Ok(())
}
