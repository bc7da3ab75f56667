//! tenure's reports, charts and published documents. It turns figures already computed —
//! forecasts, risk bands, drivers, trends, the accuracy of past warnings — into SVG charts, a
//! self-contained HTML attrition report and the same report as PDF, in the reader's language;
//! and an organization's records into the documents it publishes or completes (the workers'
//! notice, the impact-assessment draft, the bias audit) as HTML, Markdown and PDF, in English
//! or Chinese. It reads nothing and stores nothing: the caller brings the figures and facts.

pub mod attrition;
pub mod bias_audit;
pub mod chart;
pub mod document;
pub mod font;
pub mod locale;
pub mod pdf;
pub mod transparency;
pub mod words;

pub use attrition::{AttritionReport, BandCounts, DriverRow, GroupRow, HorizonRow, MonthRow};
pub use document::Document;
pub use font::{EmbeddableFont, FontError};
pub use locale::Locale;
pub use pdf::PdfError;
pub use words::Words;
