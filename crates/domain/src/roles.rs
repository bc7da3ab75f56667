//! Optional meanings a mapping can give columns, so features and explanations can speak of
//! "pay" or "manager" instead of a column name.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    Pay,
    Level,
    Department,
    Team,
    Manager,
    Rating,
    Survey,
    HireDate,
}

impl ColumnRole {
    pub const ALL: [ColumnRole; 8] = [
        ColumnRole::Pay,
        ColumnRole::Level,
        ColumnRole::Department,
        ColumnRole::Team,
        ColumnRole::Manager,
        ColumnRole::Rating,
        ColumnRole::Survey,
        ColumnRole::HireDate,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ColumnRole::Pay => "pay",
            ColumnRole::Level => "level",
            ColumnRole::Department => "department",
            ColumnRole::Team => "team",
            ColumnRole::Manager => "manager",
            ColumnRole::Rating => "rating",
            ColumnRole::Survey => "survey",
            ColumnRole::HireDate => "hire_date",
        }
    }
}
