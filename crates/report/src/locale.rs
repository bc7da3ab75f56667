//! The languages the pages and reports speak — English and Simplified Chinese — with their
//! words and their ways of writing numbers, percentages and dates. Every phrase is one arm of
//! one `match`, so a phrase without its translation does not compile.

use chrono::{Datelike, NaiveDate};

/// A user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// The BCP 47 tag, as in `lang="…"`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's own name for itself.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "简体中文",
        }
    }

    /// Reads a tag, or the first supported language of an `Accept-Language` header.
    pub fn parse(text: &str) -> Option<Locale> {
        text.split(',')
            .map(|part| {
                part.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .find_map(|tag| match tag.as_str() {
                "en" | "en-us" | "en-gb" => Some(Locale::En),
                t if t.starts_with("en-") => Some(Locale::En),
                "zh" | "zh-cn" | "zh-hans" | "zh-sg" | "zh-hans-cn" => Some(Locale::ZhCn),
                _ => None,
            })
    }

    /// A whole number with thousands grouped: 12,345 (both languages group by thousands).
    pub fn count(self, n: usize) -> String {
        group_thousands(&n.to_string())
    }

    /// A figure with `decimals` decimals and grouped thousands.
    pub fn number(self, value: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, value.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            "−"
        } else {
            ""
        };
        let fraction = if fraction.is_empty() {
            String::new()
        } else {
            format!(".{fraction}")
        };
        format!("{sign}{}{fraction}", group_thousands(whole))
    }

    /// A share (0.123 → "12.3%").
    pub fn percent(self, share: f64, decimals: usize) -> String {
        format!("{}%", self.number(share * 100.0, decimals))
    }

    /// A day: "29 Nov 2026" / "2026年11月29日".
    pub fn date(self, day: NaiveDate) -> String {
        match self {
            Locale::En => day.format("%-d %b %Y").to_string(),
            Locale::ZhCn => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
        }
    }

    /// A month: "Nov 2026" / "2026年11月".
    pub fn month(self, day: NaiveDate) -> String {
        match self {
            Locale::En => day.format("%b %Y").to_string(),
            Locale::ZhCn => format!("{}年{}月", day.year(), day.month()),
        }
    }

    /// A moment, to the minute, in UTC.
    pub fn moment(self, at: chrono::DateTime<chrono::Utc>) -> String {
        match self {
            Locale::En => at.format("%-d %b %Y %H:%M UTC").to_string(),
            Locale::ZhCn => format!(
                "{}年{}月{}日 {} UTC",
                at.year(),
                at.month(),
                at.day(),
                at.format("%H:%M")
            ),
        }
    }
}

fn group_thousands(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_and_dates_are_written_as_each_language_writes_them() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(Locale::En.date(day), "29 Nov 2026");
        assert_eq!(Locale::ZhCn.date(day), "2026年11月29日");
        assert_eq!(Locale::ZhCn.month(day), "2026年11月");
        assert_eq!(Locale::En.count(1_234_567), "1,234,567");
        assert_eq!(Locale::En.number(-1234.5, 1), "−1,234.5");
        assert_eq!(Locale::En.number(-0.01, 1), "0.0");
        assert_eq!(Locale::ZhCn.percent(0.1234, 1), "12.3%");
    }

    #[test]
    fn an_accept_language_header_picks_the_first_language_we_speak() {
        assert_eq!(
            Locale::parse("fr-FR,zh-CN;q=0.8,en;q=0.5"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::parse("en-AU"), Some(Locale::En));
        assert_eq!(Locale::parse("de"), None);
    }

    proptest! {
        #[test]
        fn grouping_keeps_every_digit_in_order(n in 0usize..10_000_000_000) {
            let written = Locale::En.count(n);
            prop_assert_eq!(written.replace(',', ""), n.to_string());
            prop_assert!(written.split(',').skip(1).all(|g| g.len() == 3));
        }
    }
}
