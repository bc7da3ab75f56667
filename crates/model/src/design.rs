//! The design matrix: how a snapshot's values become numbers a learner reads. Fitted on
//! training rows only (means, spreads, category levels), then applied to any row, so nothing
//! about the rows being scored leaks into the encoding.

use crate::table::{FeatureColumn, FeatureTable, MISSING_CODE};
use std::collections::BTreeMap;
use tenure_domain::Value;

/// Categories seen fewer times than this in training share one "other" indicator: a level
/// seen twice cannot be learnt, only memorised.
const MIN_LEVEL_COUNT: usize = 5;
/// At most this many (most frequent) levels get an indicator of their own. Ids of teams and
/// managers have hundreds; their meaning reaches the model through derived history features.
const MAX_CATEGORY_LEVELS: usize = 30;

/// A categorical column with more distinct values than this is an identifier (a team or
/// manager id in a panel): thirty of its hundreds of values as indicators only memorise those
/// teams. What such a column means reaches the model through derived history features
/// (manager changes, team medians, teammates leaving).
const MAX_DISTINCT_LEVELS: usize = 4 * MAX_CATEGORY_LEVELS;

/// How one of the user's columns is encoded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ColumnEncoding {
    /// Standardised value (missing → 0, the training mean) plus a missing indicator when
    /// training had gaps; a standardised log1p(value) too when the column is skewed and
    /// non-negative (pay, years), and one indicator per value when it takes few integer values
    /// (ratings, levels, survey scales), so a linear learner can bend with them.
    Numeric {
        name: String,
        mean: f64,
        sd: f64,
        with_missing_indicator: bool,
        log_scale: Option<(f64, f64)>,
        levels: Vec<f64>,
    },
    /// One indicator per level seen at least [`MIN_LEVEL_COUNT`] times, plus "other" and "missing".
    Categorical { name: String, levels: Vec<String> },
}

/// A fitted encoding of named values into a fixed-width row of numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Design {
    pub columns: Vec<ColumnEncoding>,
    /// For each output feature, the index of the user's column it came from.
    pub feature_column: Vec<usize>,
    pub feature_names: Vec<String>,
}

impl Design {
    /// Learns the encoding from training rows. Columns are taken in name order; only
    /// `Number` and `Category` values are encoded (dates arrive as derived numbers).
    pub fn fit(rows: &[&BTreeMap<String, Value>]) -> Design {
        let table = FeatureTable::from_maps(rows);
        let all: Vec<u32> = (0..table.len() as u32).collect();
        Design::fit_table(&table, &all)
    }

    /// Learns the encoding from the rows `rows` of `table` alone (what the other rows hold
    /// never shapes it), column by column.
    pub fn fit_table(table: &FeatureTable, rows: &[u32]) -> Design {
        let columns: Vec<ColumnEncoding> = table
            .names()
            .iter()
            .zip(table.columns())
            .filter_map(|(name, column)| encoding(name, column, rows))
            .collect();
        let mut design = Design {
            columns,
            feature_column: Vec::new(),
            feature_names: Vec::new(),
        };
        for (index, column) in design.columns.iter().enumerate() {
            for feature in column.feature_names() {
                design.feature_column.push(index);
                design.feature_names.push(feature);
            }
        }
        design
    }

    pub fn width(&self) -> usize {
        self.feature_names.len()
    }

    /// Appends one row's features to `out`.
    pub fn encode_into(&self, values: &BTreeMap<String, Value>, out: &mut Vec<f32>) {
        out.extend(self.encode_all(&[values]));
    }

    /// Row-major matrix of many rows.
    pub fn encode_all(&self, rows: &[&BTreeMap<String, Value>]) -> Vec<f32> {
        let table = FeatureTable::from_maps(rows);
        let all: Vec<u32> = (0..table.len() as u32).collect();
        self.encode_table(&table, &all)
    }

    /// Row-major matrix of the rows `rows` of `table`, filled column by column. A column the
    /// table lacks reads as missing.
    pub fn encode_table(&self, table: &FeatureTable, rows: &[u32]) -> Vec<f32> {
        let width = self.width();
        let mut out = vec![0.0; rows.len() * width];
        let mut offset = 0;
        for column in &self.columns {
            let features = column.width();
            column.encode_column(table.column(column.name()), rows, &mut out, offset, width);
            offset += features;
        }
        out
    }

    /// The features trees read: each number itself and whether it is missing, and each
    /// category's indicators; not a number's log scale or its indicator per value, which only
    /// let a linear learner bend (a tree splits on the number anyway). About a third of the
    /// features, so LightGBM bins, searches and explains a third as much.
    pub fn tree_features(&self) -> Vec<usize> {
        let mut reads = Vec::with_capacity(self.width());
        let mut offset = 0;
        for column in &self.columns {
            match column {
                ColumnEncoding::Numeric {
                    with_missing_indicator,
                    ..
                } => {
                    reads.push(offset);
                    if *with_missing_indicator {
                        reads.push(offset + 1);
                    }
                }
                ColumnEncoding::Categorical { .. } => {
                    reads.extend(offset..offset + column.width());
                }
            }
            offset += column.width();
        }
        reads
    }

    /// The training mean of a numeric column (what "average" means in explanations).
    pub fn numeric_mean(&self, column: usize) -> Option<f64> {
        match &self.columns[column] {
            ColumnEncoding::Numeric { mean, .. } => Some(*mean),
            ColumnEncoding::Categorical { .. } => None,
        }
    }

    pub fn column_name(&self, column: usize) -> &str {
        match &self.columns[column] {
            ColumnEncoding::Numeric { name, .. } | ColumnEncoding::Categorical { name, .. } => name,
        }
    }
}

impl ColumnEncoding {
    fn feature_names(&self) -> Vec<String> {
        match self {
            ColumnEncoding::Numeric {
                name,
                with_missing_indicator,
                log_scale,
                levels,
                ..
            } => {
                let mut names = vec![name.clone()];
                if *with_missing_indicator {
                    names.push(format!("{name} is missing"));
                }
                if log_scale.is_some() {
                    names.push(format!("log {name}"));
                }
                names.extend(levels.iter().map(|l| format!("{name} = {l}")));
                names
            }
            ColumnEncoding::Categorical { name, levels } => {
                let mut names: Vec<String> =
                    levels.iter().map(|l| format!("{name} = {l}")).collect();
                names.push(format!("{name} = (other)"));
                names.push(format!("{name} is missing"));
                names
            }
        }
    }

    /// How many features the column becomes.
    fn width(&self) -> usize {
        match self {
            ColumnEncoding::Numeric {
                with_missing_indicator,
                log_scale,
                levels,
                ..
            } => {
                1 + usize::from(*with_missing_indicator)
                    + usize::from(log_scale.is_some())
                    + levels.len()
            }
            ColumnEncoding::Categorical { levels, .. } => levels.len() + 2,
        }
    }

    /// Writes this column's features of every row into the row-major `out` (`width` wide),
    /// starting at feature `offset`.
    fn encode_column(
        &self,
        cells: Option<&FeatureColumn>,
        rows: &[u32],
        out: &mut [f32],
        offset: usize,
        width: usize,
    ) {
        match self {
            ColumnEncoding::Numeric {
                mean,
                sd,
                with_missing_indicator,
                log_scale,
                levels,
                ..
            } => {
                let numbers = match cells {
                    Some(FeatureColumn::Numbers(xs)) => Some(xs.as_slice()),
                    _ => None, // absent, or no longer numeric: missing
                };
                for (r, &row) in rows.iter().enumerate() {
                    let x = numbers
                        .map(|xs| xs[row as usize])
                        .filter(|x| !x.is_nan())
                        .map(f64::from);
                    let cell = &mut out[r * width + offset..];
                    cell[0] = x.map_or(0.0, |x| ((x - mean) / sd) as f32);
                    let mut k = 1;
                    if *with_missing_indicator {
                        cell[k] = f32::from(u8::from(x.is_none()));
                        k += 1;
                    }
                    if let Some((log_mean, log_sd)) = log_scale {
                        cell[k] =
                            x.map_or(0.0, |x| ((x.max(0.0).ln_1p() - log_mean) / log_sd) as f32);
                        k += 1;
                    }
                    for (l, level) in levels.iter().enumerate() {
                        cell[k + l] = f32::from(u8::from(x == Some(*level)));
                    }
                }
            }
            ColumnEncoding::Categorical { levels, .. } => {
                let other = levels.len();
                let missing = levels.len() + 1;
                // Levels are sorted: each dictionary entry is looked up once, not each row.
                let slot_of = |text: &str| {
                    levels
                        .binary_search_by(|l| l.as_str().cmp(text))
                        .unwrap_or(other)
                };
                match cells {
                    Some(FeatureColumn::Categories { codes, dictionary }) => {
                        let slots: Vec<usize> = dictionary.iter().map(|d| slot_of(d)).collect();
                        for (r, &row) in rows.iter().enumerate() {
                            let slot = match codes[row as usize] {
                                MISSING_CODE => missing,
                                code => slots[code as usize],
                            };
                            out[r * width + offset + slot] = 1.0;
                        }
                    }
                    Some(column) => {
                        for (r, &row) in rows.iter().enumerate() {
                            let slot = match column.value(row as usize) {
                                Value::Missing => missing,
                                value => slot_of(&value.to_string()),
                            };
                            out[r * width + offset + slot] = 1.0;
                        }
                    }
                    None => {
                        for r in 0..rows.len() {
                            out[r * width + offset + missing] = 1.0;
                        }
                    }
                }
            }
        }
    }

    fn name(&self) -> &str {
        match self {
            ColumnEncoding::Numeric { name, .. } | ColumnEncoding::Categorical { name, .. } => name,
        }
    }
}

/// How a column is encoded, learnt from its cells in `rows`; `None` when it is a date column,
/// always missing there, or an identifier.
fn encoding(name: &str, column: &FeatureColumn, rows: &[u32]) -> Option<ColumnEncoding> {
    match column {
        FeatureColumn::Dates(_) => None,
        FeatureColumn::Categories { codes, dictionary } => {
            let mut counts = vec![0usize; dictionary.len()];
            for &row in rows {
                if let Some(count) = counts.get_mut(codes[row as usize] as usize) {
                    *count += 1;
                }
            }
            let seen = counts.iter().filter(|&&n| n > 0).count();
            if seen == 0 {
                return None;
            }
            if seen > MAX_DISTINCT_LEVELS {
                return None; // an identifier (team, manager): it speaks through derived features
            }
            let mut frequent: Vec<(&String, usize)> = dictionary
                .iter()
                .zip(counts)
                .filter(|(_, n)| *n >= MIN_LEVEL_COUNT)
                .collect();
            frequent.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let mut levels: Vec<String> = frequent
                .into_iter()
                .take(MAX_CATEGORY_LEVELS)
                .map(|(l, _)| l.clone())
                .collect();
            levels.sort();
            Some(ColumnEncoding::Categorical {
                name: name.to_owned(),
                levels,
            })
        }
        FeatureColumn::Numbers(xs) => {
            let numbers: Vec<f64> = rows
                .iter()
                .map(|&r| xs[r as usize])
                .filter(|x| !x.is_nan())
                .map(f64::from)
                .collect();
            if numbers.is_empty() {
                return None;
            }
            let missing = rows.len() - numbers.len();
            let (mean, sd) = mean_sd(&numbers);
            let skewness = numbers
                .iter()
                .map(|x| ((x - mean) / sd).powi(3))
                .sum::<f64>()
                / numbers.len() as f64;
            let log_scale = (skewness > SKEWED && numbers.iter().all(|&x| x >= 0.0)).then(|| {
                let logs: Vec<f64> = numbers.iter().map(|x| x.ln_1p()).collect();
                mean_sd(&logs)
            });
            Some(ColumnEncoding::Numeric {
                name: name.to_owned(),
                mean,
                sd,
                with_missing_indicator: missing > 0,
                log_scale,
                levels: small_integer_levels(&numbers),
            })
        }
    }
}

/// Skewness above which a non-negative column also gets a log-scale feature.
const SKEWED: f64 = 1.0;
/// Integer columns with at most this many values also get one indicator per value.
const MAX_LEVELS: usize = 10;

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / values.len() as f64;
    (mean, if variance > 0.0 { variance.sqrt() } else { 1.0 })
}

/// The values of an integer column with few distinct values, each seen often enough to learn.
fn small_integer_levels(numbers: &[f64]) -> Vec<f64> {
    if numbers.iter().any(|x| x.fract() != 0.0) {
        return Vec::new();
    }
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for &x in numbers {
        *counts.entry(x as i64).or_default() += 1;
        if counts.len() > MAX_LEVELS {
            return Vec::new();
        }
    }
    if counts.len() < 3 {
        return Vec::new(); // two values: the linear term already says everything
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n >= MIN_LEVEL_COUNT)
        .map(|(v, _)| v as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pay: Option<f64>, dept: &str) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("pay".to_string(), pay.map_or(Value::Missing, Value::Number)),
            ("dept".to_string(), Value::Category(dept.to_string())),
        ])
    }

    /// Trees read each number and its missing indicator, and every category indicator; not
    /// a number's log scale or its indicators per value.
    #[test]
    fn trees_read_numbers_themselves_and_every_category_indicator() {
        let rows: Vec<BTreeMap<String, Value>> = (0..200)
            .map(|i| {
                let pay = (i % 10 != 0).then(|| 1000.0 * 1.05f64.powi(i % 60));
                let mut row = row(pay, ["a", "b"][i as usize % 2]);
                row.insert("rating".into(), Value::Number(f64::from(i % 4 + 1)));
                row
            })
            .collect();
        let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
        let design = Design::fit(&refs);
        let read: Vec<&str> = design
            .tree_features()
            .into_iter()
            .map(|f| design.feature_names[f].as_str())
            .collect();
        assert!(design.feature_names.contains(&"log pay".to_string()));
        assert!(design.feature_names.contains(&"rating = 2".to_string()));
        assert_eq!(
            read,
            [
                "dept = a",
                "dept = b",
                "dept = (other)",
                "dept is missing",
                "pay",
                "pay is missing",
                "rating"
            ]
        );
    }

    #[test]
    fn numbers_are_standardised_and_categories_one_hot_with_other_and_missing() {
        let mut rows: Vec<BTreeMap<String, Value>> = (0..10)
            .map(|i| row(Some(i as f64), if i < 5 { "A" } else { "B" }))
            .collect();
        rows.push(row(None, "C"));
        let refs: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
        let design = Design::fit(&refs);
        assert_eq!(
            design.feature_names,
            [
                "dept = A",
                "dept = B",
                "dept = (other)",
                "dept is missing",
                "pay",
                "pay is missing"
            ]
        );
        let mut out = Vec::new();
        design.encode_into(&row(Some(4.5), "C"), &mut out);
        assert_eq!(
            out,
            vec![0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
            "C was seen once: other; 4.5 is the mean"
        );
        assert_eq!(design.column_name(design.feature_column[5]), "pay");
    }
}
