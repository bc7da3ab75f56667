//! Optional meanings a mapping can give columns, so features and explanations can speak of
//! "pay" or "manager" instead of a column name.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// A flag for a critical role or key skill: such leavers are regretted.
    CriticalRole,
}

impl ColumnRole {
    pub const ALL: [ColumnRole; 9] = [
        ColumnRole::Pay,
        ColumnRole::Level,
        ColumnRole::Department,
        ColumnRole::Team,
        ColumnRole::Manager,
        ColumnRole::Rating,
        ColumnRole::Survey,
        ColumnRole::HireDate,
        ColumnRole::CriticalRole,
    ];

    /// The role in words, English and Chinese.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            ColumnRole::Pay => ("pay", "薪资"),
            ColumnRole::Level => ("level", "职级"),
            ColumnRole::Department => ("department", "部门"),
            ColumnRole::Team => ("team", "团队"),
            ColumnRole::Manager => ("manager", "经理"),
            ColumnRole::Rating => ("rating", "绩效评分"),
            ColumnRole::Survey => ("survey", "调查"),
            ColumnRole::HireDate => ("hire date", "入职日期"),
            ColumnRole::CriticalRole => ("critical role", "关键岗位"),
        }
    }

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
            ColumnRole::CriticalRole => "critical_role",
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
    /// A yes/no column marking critical roles or key skills (regretted if they leave).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_role: Option<String>,
    /// Display labels by column, in English and Chinese, for explanations, pages and reports
    /// ("pay" for `Annual_Base_Pay`, "薪资" for `salary`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, ColumnLabel>,
}

/// How a column is called in people's words, per language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnLabel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
}

/// The two languages tenure speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Chinese,
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
            &mut self.critical_role,
        ] {
            if slot.as_deref().is_some_and(|name| !keep(name)) {
                *slot = None;
            }
        }
        self.survey.retain(|name| keep(name));
    }

    pub fn is_empty(&self) -> bool {
        self.columns().next().is_none() && self.labels.is_empty()
    }

    /// How `column` is called in `language`: the mapping's label, else the role's own word
    /// ("pay", "薪资"), else (English) the column's name, else (Chinese) its English label.
    pub fn label(&self, column: &str, language: Language) -> String {
        let given = self.labels.get(column);
        let role = self
            .columns()
            .find(|(_, c)| *c == column)
            .map(|(role, _)| role)
            .filter(|role| *role != ColumnRole::Survey);
        let english = || {
            given
                .and_then(|l| l.en.clone())
                .or_else(|| role.map(|r| r.words().0.to_owned()))
                .unwrap_or_else(|| column.to_owned())
        };
        match language {
            Language::English => english(),
            Language::Chinese => given
                .and_then(|l| l.zh.clone())
                .or_else(|| role.map(|r| r.words().1.to_owned()))
                .unwrap_or_else(english),
        }
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
            (ColumnRole::CriticalRole, &self.critical_role),
        ];
        let single = single
            .into_iter()
            .filter_map(|(role, column)| column.as_deref().map(|c| (role, c)));
        single.chain(self.survey.iter().map(|c| (ColumnRole::Survey, c.as_str())))
    }
}
