//! Small helpers for SQL that both backends accept: `$N` placeholders (SQLite reads them as
//! numbered parameters too) and multi-row VALUES lists.

use crate::connect::Backend;

/// `($1, $2, $3), ($4, $5, $6)` for `rows` rows of `columns` parameters — or, on SQLite,
/// `(?, ?, ?), (?, ?, ?)`: SQLite looks each `$N` name up in a list while parsing, which is
/// quadratic in a 24,000-parameter insert (a 2,000-row batch took a second); `?` is not.
pub fn values_list(backend: Backend, rows: usize, columns: usize) -> String {
    if backend == Backend::Sqlite {
        let row = format!("({})", vec!["?"; columns].join(", "));
        return vec![row; rows].join(", ");
    }
    let mut out = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(row * columns + column + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Rows per multi-row INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
pub fn batch_rows(columns: usize) -> usize {
    (30_000 / columns).min(2_000)
}

pub fn now() -> String {
    crate::accounts::timestamp(chrono::Utc::now())
}

/// The timestamp stored (as RFC 3339 text) in column `i` of `row`.
pub(crate) fn stamp(
    row: &sqlx::any::AnyRow,
    i: usize,
) -> Result<chrono::DateTime<chrono::Utc>, crate::StoreError> {
    use sqlx::Row;
    crate::accounts::parse_timestamp(&row.get::<String, _>(i))
}

/// The timestamp stored in column `i` of `row`, if any.
pub(crate) fn stamp_opt(
    row: &sqlx::any::AnyRow,
    i: usize,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, crate::StoreError> {
    use sqlx::Row;
    row.get::<Option<String>, _>(i)
        .as_deref()
        .map(crate::accounts::parse_timestamp)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::Backend;

    #[test]
    fn values_list_numbers_parameters_row_by_row() {
        assert_eq!(
            super::values_list(Backend::Postgres, 2, 2),
            "($1, $2), ($3, $4)"
        );
        assert_eq!(super::values_list(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
