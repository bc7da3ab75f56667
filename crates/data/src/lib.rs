//! Bringing an organization's HR export in: reading CSV files and workbooks, mapping their columns onto
//! tenure's meanings, validating every cell, proposing a mapping for an unknown file, and
//! generating a synthetic organization to demo, test and benchmark on.
//!
//! Nothing here touches a database: the output is a list of validated
//! [`tenure_domain::Snapshot`]s that the store writes in one transaction.

mod cells;
mod error;
mod import;
mod inspect;
mod leakage;
mod mapping;
mod parquet_file;
pub mod simulate;
mod table;
mod workbook;

pub use error::{DataError, Location, Problem};
pub use import::{parse_frame, parse_snapshots, ImportedRow, ParsedFrame, ParsedImport};
pub use inspect::{inspect, ColumnProfile, Inspection};
pub use mapping::{ColumnUse, ImportPlan, Mapping, PlannedColumn};
pub use table::{read_table, ReadOptions, Table, MAX_CELL_BYTES};
pub use tenure_domain::RoleColumns;
