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

/// Columns that carry a known meaning, so later features and explanations can name them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleColumns {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub survey: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hire_date: Option<String>,
}

impl RoleColumns {
    /// Keeps only the roles whose column `keep` accepts (a column that became protected or
    /// ignored can no longer fill a role).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        for slot in [
            &mut self.pay,
            &mut self.level,
            &mut self.department,
            &mut self.team,
            &mut self.manager,
            &mut self.rating,
            &mut self.hire_date,
        ] {
            if slot.as_deref().is_some_and(|name| !keep(name)) {
                *slot = None;
            }
        }
        self.survey.retain(|name| keep(name));
    }

    pub fn is_empty(&self) -> bool {
        self.columns().next().is_none()
    }

    /// Every (role, column) pair, surveys once per column.
    pub fn columns(&self) -> impl Iterator<Item = (ColumnRole, &str)> {
        let single = [
            (ColumnRole::Pay, &self.pay),
            (ColumnRole::Level, &self.level),
            (ColumnRole::Department, &self.department),
            (ColumnRole::Team, &self.team),
            (ColumnRole::Manager, &self.manager),
            (ColumnRole::Rating, &self.rating),
            (ColumnRole::HireDate, &self.hire_date),
        ];
        let single = single
            .into_iter()
            .filter_map(|(role, column)| column.as_deref().map(|c| (role, c)));
        single.chain(self.survey.iter().map(|c| (ColumnRole::Survey, c.as_str())))
    }
}
