//! Which columns look like protected attributes. Such columns are never model inputs: an
//! import refuses to use them until the mapping marks them protected (fairness audit only)
//! or ignored.

use std::fmt;

/// The grounds of discrimination that HR law protects, as far as a column name can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtectedCategory {
    Sex,
    Age,
    MaritalStatus,
    Ethnicity,
    Religion,
    Nationality,
    Health,
    Union,
    Pregnancy,
    SexualOrientation,
}

impl fmt::Display for ProtectedCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProtectedCategory::Sex => "sex or gender",
            ProtectedCategory::Age => "age",
            ProtectedCategory::MaritalStatus => "marital status",
            ProtectedCategory::Ethnicity => "ethnicity or race",
            ProtectedCategory::Religion => "religion",
            ProtectedCategory::Nationality => "nationality",
            ProtectedCategory::Health => "health or disability",
            ProtectedCategory::Union => "union membership",
            ProtectedCategory::Pregnancy => "pregnancy or parental status",
            ProtectedCategory::SexualOrientation => "sexual orientation",
        })
    }
}

/// Word stems matched against a column name's words. Whole words, not substrings: "Stage"
/// must not read as "age", while "Age", "AgeBand" and "birth_year" must.
const STEMS: &[(&str, ProtectedCategory)] = &[
    ("gender", ProtectedCategory::Sex),
    ("sex", ProtectedCategory::Sex),
    ("age", ProtectedCategory::Age),
    ("birth", ProtectedCategory::Age),
    ("birthday", ProtectedCategory::Age),
    ("dob", ProtectedCategory::Age),
    ("marital", ProtectedCategory::MaritalStatus),
    ("married", ProtectedCategory::MaritalStatus),
    ("ethnicity", ProtectedCategory::Ethnicity),
    ("ethnic", ProtectedCategory::Ethnicity),
    ("race", ProtectedCategory::Ethnicity),
    // Proxies exports carry under other names (HispanicLatino, RaceDesc, CitizenDesc).
    ("hispanic", ProtectedCategory::Ethnicity),
    ("latino", ProtectedCategory::Ethnicity),
    ("latinx", ProtectedCategory::Ethnicity),
    ("citizen", ProtectedCategory::Nationality),
    ("religion", ProtectedCategory::Religion),
    ("religious", ProtectedCategory::Religion),
    ("faith", ProtectedCategory::Religion),
    ("nationality", ProtectedCategory::Nationality),
    ("citizenship", ProtectedCategory::Nationality),
    ("health", ProtectedCategory::Health),
    ("disability", ProtectedCategory::Health),
    ("disabled", ProtectedCategory::Health),
    ("medical", ProtectedCategory::Health),
    ("union", ProtectedCategory::Union),
    ("pregnant", ProtectedCategory::Pregnancy),
    ("pregnancy", ProtectedCategory::Pregnancy),
    ("maternity", ProtectedCategory::Pregnancy),
    ("orientation", ProtectedCategory::SexualOrientation),
];

/// Chinese names, matched within the name (Chinese is not written in separate words).
const CHINESE_STEMS: &[(&str, ProtectedCategory)] = &[
    ("性别", ProtectedCategory::Sex),
    ("年龄", ProtectedCategory::Age),
    ("出生", ProtectedCategory::Age),
    ("生日", ProtectedCategory::Age),
    ("婚姻", ProtectedCategory::MaritalStatus),
    ("婚否", ProtectedCategory::MaritalStatus),
    ("民族", ProtectedCategory::Ethnicity),
    ("宗教", ProtectedCategory::Religion),
    ("信仰", ProtectedCategory::Religion),
    ("国籍", ProtectedCategory::Nationality),
    ("户籍", ProtectedCategory::Nationality),
    ("籍贯", ProtectedCategory::Nationality),
    ("健康", ProtectedCategory::Health),
    ("残疾", ProtectedCategory::Health),
    ("工会", ProtectedCategory::Union),
    ("怀孕", ProtectedCategory::Pregnancy),
    ("孕", ProtectedCategory::Pregnancy),
    ("生育", ProtectedCategory::Pregnancy),
];

/// The protected ground a column name suggests, if any.
pub fn looks_protected(column_name: &str) -> Option<ProtectedCategory> {
    name_words(column_name)
        .iter()
        .find_map(|word| STEMS.iter().find(|(stem, _)| stem == word).map(|(_, c)| *c))
        .or_else(|| {
            CHINESE_STEMS
                .iter()
                .find(|(stem, _)| column_name.contains(stem))
                .map(|(_, c)| *c)
        })
}

/// Splits `MaritalStatus`, `marital_status`, `Marital Status` and `AGE-BAND` into lower-case words.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            flush(&mut words, &mut current);
            previous_lower = false;
            continue;
        }
        if ch.is_uppercase() && previous_lower {
            flush(&mut words, &mut current);
        }
        previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        current.extend(ch.to_lowercase());
    }
    flush(&mut words, &mut current);
    words
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_the_protected_columns_of_real_exports() {
        for name in [
            "Gender",
            "Age",
            "MaritalStatus",
            "birth_year",
            "Ethnic Group",
            "UNION_MEMBER",
            "sex",
            "HispanicLatino",
            "RaceDesc",
            "CitizenDesc",
            "DateofBirth",
            "性别",
            "出生日期",
            "民族",
            "婚姻状况",
        ] {
            assert!(
                looks_protected(name).is_some(),
                "{name} should look protected"
            );
        }
    }

    #[test]
    fn does_not_flag_lookalike_substrings() {
        for name in [
            "Stage",
            "PercentSalaryHike",
            "ManagerChanges",
            "Average_Rating",
            "Department",
            "Reunion",
            "部门",
            "离职日期",
            "工号",
        ] {
            assert_eq!(
                looks_protected(name),
                None,
                "{name} should not look protected"
            );
        }
    }
}
