//! tenure's reports and charts. It turns figures already computed — forecasts, risk bands,
//! drivers, trends, the accuracy of past warnings — into SVG charts, a self-contained HTML
//! attrition report and the same report as PDF, in the reader's language. It reads nothing
//! and stores nothing: the caller brings the figures.

pub mod attrition;
pub mod chart;
pub mod locale;
pub mod pdf;
pub mod words;

pub use attrition::{AttritionReport, BandCounts, DriverRow, GroupRow, HorizonRow, MonthRow};
pub use locale::Locale;
pub use words::Words;
