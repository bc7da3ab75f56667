//! Turning one text cell into a typed value, with the words used when it cannot be.

use chrono::{Datelike, NaiveDate};

/// Cell texts read as "no value". Exports write missing values many ways; these are the ones
/// that are never a real HR value. (Not "NA": it can be a region or a grade.)
pub const MISSING_TOKENS: &[&str] = &[
    "", "N/A", "n/a", "NULL", "null", "NaN", "nan", "None", "#N/A",
];

pub fn is_missing(cell: &str) -> bool {
    MISSING_TOKENS.contains(&cell)
}

/// A finite number as HR systems write one: plain (`57387`, `-0.5`), with comma thousands
/// in strict groups of three (`62,000.00`), a currency sign or code before or after
/// (`$62,000`, `52000 EUR`, `¥12,000`, `12000元`), or a percent sign (`12%` reads as 12, the
/// number written). Decimal commas are turned into points when the file is read (they come
/// with `;`-separated files), so here a comma is only ever a thousands separator.
pub fn parse_number(cell: &str) -> Option<f64> {
    match cell.parse::<f64>() {
        Ok(x) => Some(x).filter(|x| x.is_finite()),
        Err(_) => written_number(cell),
    }
}

/// Currency signs and codes that may stand before or after an amount.
const CURRENCIES: &[&str] = &[
    "US$", "$", "€", "£", "¥", "￥", "₹", "元", "USD", "EUR", "GBP", "CNY", "RMB", "JPY", "CHF",
    "INR", "CAD", "AUD",
];

/// The slow path of [`parse_number`]: signs, separators and currencies taken off.
fn written_number(cell: &str) -> Option<f64> {
    let strip_currency = |text: &str| -> String {
        let mut text = text.trim();
        for currency in CURRENCIES {
            text = text.strip_prefix(currency).unwrap_or(text).trim();
            text = text.strip_suffix(currency).unwrap_or(text).trim();
        }
        text.to_owned()
    };
    let text = strip_currency(cell);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, strip_currency(rest)),
        None => (false, text),
    };
    let text = text.strip_suffix('%').map_or(text.as_str(), str::trim_end);
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !grouped_by_thousands(whole) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let plain = format!(
        "{}{}.{fraction}0",
        if negative { "-" } else { "" },
        whole.replace(',', "")
    );
    plain.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// `7`, `62000`, or `62,000` / `1,234,567`: digits, with commas only between groups of three.
fn grouped_by_thousands(whole: &str) -> bool {
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !whole.contains(',') {
        return digits(first);
    }
    digits(first) && first.len() <= 3 && groups.all(|g| g.len() == 3 && digits(g))
}

/// A date in the given chrono format, within the years an HR record can speak of. The range
/// check matters: chrono reads "19" under `%Y` as the year 19, which is a wrong format, not a date.
pub fn parse_date(cell: &str, format: &str) -> Option<NaiveDate> {
    if format == EXCEL_SERIAL {
        return excel_day(cell);
    }
    if format.contains("%q") {
        return quarter_start(cell, format);
    }
    let parsed = if names_a_day(format) {
        NaiveDate::parse_from_str(cell, format)
    } else {
        // A layout without a day (`%Y%m` for 202301, `%Y-%m`, `%b-%y`): monthly exports
        // name the month, read as its first day — before any exit later in that month.
        NaiveDate::parse_from_str(&format!("{cell}\u{1f}01"), &format!("{format}\u{1f}%d"))
    };
    parsed.ok().filter(|d| (1900..=2100).contains(&d.year()))
}

/// The "format" of a date written as Excel's day number (45292 for 2024-01-01), as a
/// workbook's date cell becomes when it is exported to CSV without its number format.
pub const EXCEL_SERIAL: &str = "excel";

/// Excel's day number: days since 1899-12-30 (Excel counts a 29 February 1900 that never was,
/// so counting from the 30th is right for every date after February 1900).
fn excel_day(cell: &str) -> Option<NaiveDate> {
    let days = cell
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite() && *d >= 1.0)?;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch
        .checked_add_signed(chrono::TimeDelta::days(days.floor() as i64))
        .filter(|d| (1900..=2100).contains(&d.year()))
}

/// A year-quarter (`2023Q1`, `2023-Q1`, `Q1 2023` under `%YQ%q`, `%Y-Q%q`, `Q%q %Y`): the
/// quarter's first day. chrono reads no quarters, so `Q<n>` becomes its first month.
fn quarter_start(cell: &str, format: &str) -> Option<NaiveDate> {
    let at = cell.find(['Q', 'q'])?;
    let quarter = cell[at + 1..]
        .chars()
        .next()?
        .to_digit(10)
        .filter(|q| (1..=4).contains(q))?;
    let month = format!("Q{:02}", (quarter - 1) * 3 + 1);
    let cell = format!("{}{month}{}", &cell[..at], &cell[at + 2..]);
    parse_date(&cell, &format.replace("%q", "%m"))
}

/// Whether a date layout says the day (of the month or of the year, or a whole date).
fn names_a_day(format: &str) -> bool {
    [
        "%d", "%e", "%j", "%F", "%D", "%x", "%c", "%+", "%s", "%-d", "%-e", "%-j",
    ]
    .iter()
    .any(|day| format.contains(day))
}

/// Date layouts tried when proposing a mapping, most common in HR exports first.
pub const CANDIDATE_DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y", "%m/%d/%y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y",
    "%Y%m%d", "%d-%b-%Y",
    "%d-%b-%y", // Monthly exports name the month alone (read as its first day).
    "%Y-%m", "%Y/%m", "%Y%m", "%m/%Y", "%b-%y", "%b %Y", // Quarterly ones, the quarter.
    "%YQ%q", "%Y-Q%q", "%Y Q%q", "Q%q %Y", "Q%q-%Y",
];

/// A human description of a date format, for "expected a date like …" messages.
pub fn date_example(format: &str) -> String {
    use std::fmt::Write;
    if format == EXCEL_SERIAL {
        return "45382, Excel's day number".to_owned();
    }
    let shown = format.replace("%q", "\u{1}");
    let mut example = String::new();
    match NaiveDate::from_ymd_opt(2024, 3, 31) {
        // A format chrono cannot write (a stray `%`) is shown as itself.
        Some(d) if write!(example, "{}", d.format(&shown)).is_ok() => example.replace('\u{1}', "1"),
        _ => format.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_refuse_text_separators_and_non_finite_values() {
        assert_eq!(parse_number("57387"), Some(57387.0));
        assert_eq!(parse_number("-665480"), Some(-665480.0));
        assert_eq!(parse_number("1,23"), None);
        assert_eq!(parse_number("12,34,567"), None);
        assert_eq!(parse_number("2023-01"), None);
        assert_eq!(parse_number("+44 20 7946 0000"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("abc"), None);
    }

    #[test]
    fn numbers_as_hr_systems_write_them() {
        for (written, value) in [
            ("1,234", 1234.0),
            ("62,000.00", 62000.0),
            ("$62,000.00", 62000.0),
            ("-$1,500", -1500.0),
            ("$-1,500", -1500.0),
            ("52000.50 EUR", 52000.5),
            ("¥12,000", 12000.0),
            ("12000元", 12000.0),
            ("12%", 12.0),
            ("4.5 %", 4.5),
            ("1,234,567", 1234567.0),
        ] {
            assert_eq!(parse_number(written), Some(value), "{written}");
        }
        for refused in ["$", "%", "-", "USD", "1.2.3", "$1,2", "12%%"] {
            assert_eq!(parse_number(refused), None, "{refused}");
        }
    }

    #[test]
    fn quarters_and_excel_day_numbers_read_as_dates() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2023Q1", "%YQ%q"), day(2023, 1, 1));
        assert_eq!(parse_date("2023-Q3", "%Y-Q%q"), day(2023, 7, 1));
        assert_eq!(parse_date("Q4 2022", "Q%q %Y"), day(2022, 10, 1));
        assert_eq!(parse_date("2023Q5", "%YQ%q"), None);
        assert_eq!(parse_date("2023", "%YQ%q"), None);
        assert_eq!(parse_date("45292", EXCEL_SERIAL), day(2024, 1, 1));
        assert_eq!(parse_date("45292.75", EXCEL_SERIAL), day(2024, 1, 1));
        assert_eq!(parse_date("0", EXCEL_SERIAL), None);
        assert_eq!(parse_date("abc", EXCEL_SERIAL), None);
        assert_eq!(date_example("%Y-Q%q"), "2024-Q1");
        assert_eq!(date_example(EXCEL_SERIAL), "45382, Excel's day number");
        assert_eq!(
            date_example("%Y-%"),
            "%Y-%",
            "a broken format is shown as written"
        );
    }

    #[test]
    fn two_digit_years_follow_the_format_given() {
        assert_eq!(
            parse_date("24/12/18", "%d/%m/%y"),
            NaiveDate::from_ymd_opt(2018, 12, 24)
        );
        assert_eq!(
            parse_date("03/01/19", "%m/%d/%y"),
            NaiveDate::from_ymd_opt(2019, 3, 1)
        );
        assert_eq!(parse_date("24/12/18", "%m/%d/%y"), None);
        assert_eq!(
            parse_date("01/01/19", "%m/%d/%Y"),
            None,
            "year 19 is a wrong format"
        );
    }

    #[test]
    fn a_layout_without_a_day_reads_the_first_of_the_month() {
        let first_of_january = NaiveDate::from_ymd_opt(2023, 1, 1);
        assert_eq!(parse_date("202301", "%Y%m"), first_of_january);
        assert_eq!(parse_date("2023-01", "%Y-%m"), first_of_january);
        assert_eq!(parse_date("Jan-23", "%b-%y"), first_of_january);
        assert_eq!(parse_date("01/2023", "%m/%Y"), first_of_january);
        assert_eq!(parse_date("202313", "%Y%m"), None, "no 13th month");
        assert_eq!(
            parse_date("20230115", "%Y%m"),
            None,
            "a day the layout does not have"
        );
        assert_eq!(
            parse_date("2023-01-15", "%Y-%m-%d"),
            NaiveDate::from_ymd_opt(2023, 1, 15)
        );
        assert_eq!(date_example("%Y%m"), "202403");
    }

    #[test]
    fn date_example_shows_the_layout() {
        assert_eq!(date_example("%d/%m/%y"), "31/03/24");
    }

    proptest! {
        #[test]
        fn any_finite_number_round_trips(x in proptest::num::f64::NORMAL | proptest::num::f64::ZERO) {
            prop_assert_eq!(parse_number(&x.to_string()), Some(x));
        }

        #[test]
        fn any_date_round_trips_through_every_candidate_format(days in 0i64..50_000) {
            let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(days as u64);
            for format in CANDIDATE_DATE_FORMATS.iter().filter(|f| !f.contains("%y") && !f.contains("%q")) {
                // A layout without a day keeps the month: its first day.
                let expected = if names_a_day(format) { date } else { date.with_day(1).unwrap() };
                prop_assert_eq!(parse_date(&date.format(format).to_string(), format), Some(expected));
            }
        }
    }
}
