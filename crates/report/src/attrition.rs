//! The attrition report: the organization, its departments and its managers — risk, forecast
//! with intervals, cost of expected leavers, trend, drivers and the accuracy of past warnings —
//! as one self-contained HTML document (inline styles and SVG, nothing fetched) or as PDF.

use crate::chart::{self, escape, Bar, Point, Scale, Tone};
use crate::{Locale, Words};
use chrono::NaiveDate;

/// Everything the report shows, already computed and already suppressed where groups are small.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttritionReport {
    pub organization: String,
    pub generated: Option<NaiveDate>,
    /// The month the data reaches.
    pub as_of: Option<NaiveDate>,
    pub model_version: Option<i64>,
    pub horizon_months: Option<i32>,
    pub bands: Option<BandCounts>,
    /// The organization's forecast at 3, 6 and 12 months.
    pub forecast: Vec<HorizonRow>,
    pub trend: Vec<MonthRow>,
    pub departments: Vec<GroupRow>,
    pub managers: Vec<GroupRow>,
    pub drivers: Vec<DriverRow>,
    pub accuracy: Option<Accuracy>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BandCounts {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub not_enough_data: usize,
}

impl BandCounts {
    pub fn total(&self) -> usize {
        self.high + self.medium + self.low + self.not_enough_data
    }

    /// The bands as bars, each with its count and share written beside it.
    pub fn chart(&self, locale: Locale) -> String {
        let w = |words: Words| words.in_(locale);
        let total = self.total().max(1) as f64;
        let bar = |label: Words, n: usize, tone: Tone| Bar {
            label: w(label).to_owned(),
            value: n as f64,
            interval: None,
            shown: format!(
                "{} ({})",
                locale.count(n),
                locale.percent(n as f64 / total, 0)
            ),
            tone,
        };
        chart::bars(
            w(Words::RiskDistribution),
            w(Words::RiskDistributionHelp),
            &[
                bar(Words::High, self.high, Tone::High),
                bar(Words::Medium, self.medium, Tone::Medium),
                bar(Words::Low, self.low, Tone::Low),
                bar(Words::NotEnoughData, self.not_enough_data, Tone::Neutral),
            ],
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HorizonRow {
    pub months: usize,
    pub expected: f64,
    pub low: f64,
    pub high: f64,
    pub expected_cost: f64,
    /// The regretted among the expected leavers; `None` when the data cannot tell them.
    pub regretted: Option<RegrettedRow>,
}

/// Regretted leavers to expect: strong performers and critical roles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegrettedRow {
    pub expected: f64,
    pub expected_cost: f64,
    /// People who would be regretted leavers, whatever their risk.
    pub people: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonthRow {
    pub month: NaiveDate,
    pub headcount: usize,
    pub voluntary_leavers: usize,
}

impl MonthRow {
    pub fn rate(&self) -> Option<f64> {
        (self.headcount > 0).then(|| self.voluntary_leavers as f64 / self.headcount as f64)
    }
}

/// A department's or manager's line; `None` figures when hidden.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub name: String,
    pub people: Option<usize>,
    /// Expected leavers within 12 months and the interval.
    pub twelve_months: Option<HorizonRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriverRow {
    pub factor: String,
    pub strength: f64,
    pub share_raising: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    pub roc_auc: Option<f64>,
    pub brier: Option<f64>,
    pub calibration_error: Option<f64>,
    pub evaluated_people: usize,
}

const STYLE: &str = include_str!("report.css");

impl AttritionReport {
    /// The whole report as one HTML document that opens offline.
    pub fn to_html(&self, locale: Locale) -> String {
        let w = |words: Words| words.in_(locale);
        let mut html = format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} — {org}</title><style>{STYLE}</style></head><body><main class=\"report\">",
            lang = locale.tag(),
            title = w(Words::AttritionReport),
            org = escape(&self.organization),
        );
        html.push_str(&self.heading(locale));
        html.push_str(&self.body(locale));
        html.push_str("</main></body></html>");
        html
    }

    /// The report's sections without the document around them (pages embed it).
    pub fn body(&self, locale: Locale) -> String {
        let mut html = String::new();
        html.push_str(&format!(
            "<p class=\"notice\">{}</p>",
            Words::Confidential.in_(locale)
        ));
        html.push_str(&self.regretted_headline(locale));
        html.push_str(&self.risk_section(locale));
        html.push_str(&self.forecast_section(locale));
        html.push_str(&self.trend_section(locale));
        html.push_str(&self.groups_section(Words::Departments, &self.departments, locale));
        html.push_str(&self.groups_section(Words::Managers, &self.managers, locale));
        html.push_str(&self.drivers_section(locale));
        html.push_str(&self.accuracy_section(locale));
        if !self.notes.is_empty() {
            html.push_str(&format!(
                "<section><h2>{}</h2><ul>",
                Words::Notes.in_(locale)
            ));
            for note in &self.notes {
                html.push_str(&format!("<li>{}</li>", escape(note)));
            }
            html.push_str("</ul></section>");
        }
        html
    }

    /// The headline: regretted leavers to expect within twelve months and what replacing
    /// them costs, when the data can tell who they are.
    fn regretted_headline(&self, locale: Locale) -> String {
        let w = |words: Words| words.in_(locale);
        let Some((h, regretted)) = self
            .forecast
            .iter()
            .filter_map(|h| h.regretted.map(|r| (h, r)))
            .max_by_key(|(h, _)| h.months)
        else {
            return String::new();
        };
        format!(
            "<section class=\"headline\" id=\"regretted\"><h2>{}</h2><p><strong>{}</strong> · {} {} · {} {} · {} <strong>{}</strong></p><p class=\"help\">{}</p></section>",
            w(Words::RegrettedLeavers),
            locale.number(regretted.expected, 1),
            h.months,
            w(Words::Months),
            locale.count(regretted.people),
            w(Words::RegrettedPeople),
            w(Words::CostOfRegretted),
            locale.number(regretted.expected_cost, 0),
            w(Words::RegrettedHelp)
        )
    }

    fn heading(&self, locale: Locale) -> String {
        let w = |words: Words| words.in_(locale);
        let mut facts = Vec::new();
        if let Some(day) = self.generated {
            facts.push(format!("{}: {}", w(Words::Generated), locale.date(day)));
        }
        if let Some(day) = self.as_of {
            facts.push(format!("{}: {}", w(Words::DataAsOf), locale.month(day)));
        }
        if let Some(v) = self.model_version {
            facts.push(format!("{}: {v}", w(Words::ModelVersion)));
        }
        format!(
            "<header><h1>{} — {}</h1><p class=\"facts\">{}</p></header>",
            w(Words::AttritionReport),
            escape(&self.organization),
            facts.join(" · ")
        )
    }

    fn risk_section(&self, locale: Locale) -> String {
        let w = |words: Words| words.in_(locale);
        let Some(bands) = self.bands else {
            return format!("<section><p>{}</p></section>", w(Words::NoScoresYet));
        };
        let svg = bands.chart(locale);
        format!(
            "<section><h2>{}</h2><p class=\"help\">{} {}: {}.</p>{svg}</section>",
            w(Words::RiskDistribution),
            w(Words::RiskDistributionHelp),
            w(Words::Headcount),
            locale.count(bands.total()),
        )
    }

    fn forecast_section(&self, locale: Locale) -> String {
        if self.forecast.is_empty() {
            return String::new();
        }
        let w = |words: Words| words.in_(locale);
        let bars: Vec<Bar> = self
            .forecast
            .iter()
            .map(|h| Bar {
                label: format!("{} {}", h.months, w(Words::Months)),
                value: h.expected,
                interval: Some((h.low, h.high)),
                shown: format!(
                    "{} ({}–{})",
                    locale.number(h.expected, 1),
                    locale.number(h.low, 0),
                    locale.number(h.high, 0)
                ),
                tone: Tone::Accent,
            })
            .collect();
        let svg = chart::bars(
            w(Words::ExpectedLeavers),
            w(Words::ExpectedLeaversHelp),
            &bars,
        );
        let mut table = format!(
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            w(Words::Horizon),
            w(Words::ExpectedLeavers),
            w(Words::Interval),
            w(Words::CostOfExpectedLeavers)
        );
        for h in &self.forecast {
            table.push_str(&format!(
                "<tr><th scope=\"row\">{} {}</th><td class=\"num\">{}</td><td class=\"num\">{}–{}</td><td class=\"num\">{}</td></tr>",
                h.months,
                w(Words::Months),
                locale.number(h.expected, 1),
                locale.number(h.low, 0),
                locale.number(h.high, 0),
                locale.number(h.expected_cost, 0)
            ));
        }
        table.push_str("</tbody></table>");
        format!(
            "<section><h2>{}</h2><p class=\"help\">{}</p>{svg}{table}<p class=\"help\">{}</p></section>",
            w(Words::ExpectedLeavers),
            w(Words::ExpectedLeaversHelp),
            w(Words::CostHelp)
        )
    }

    fn trend_section(&self, locale: Locale) -> String {
        if self.trend.is_empty() {
            return String::new();
        }
        let w = |words: Words| words.in_(locale);
        let points: Vec<Point> = self
            .trend
            .iter()
            .map(|m| Point {
                label: locale.month(m.month),
                value: m.rate(),
            })
            .collect();
        let svg = chart::lines(
            w(Words::AttritionTrend),
            w(Words::AttritionTrendHelp),
            &[(w(Words::VoluntaryRate), Tone::High, &points)],
            Scale::Share,
            false,
        );
        format!(
            "<section><h2>{}</h2><p class=\"help\">{}</p>{svg}</section>",
            w(Words::AttritionTrend),
            w(Words::AttritionTrendHelp)
        )
    }

    fn groups_section(&self, title: Words, groups: &[GroupRow], locale: Locale) -> String {
        if groups.is_empty() {
            return String::new();
        }
        let w = |words: Words| words.in_(locale);
        let mut table = format!(
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{} (12 {})</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            w(Words::Group),
            w(Words::Headcount),
            w(Words::ExpectedLeavers),
            w(Words::Months),
            w(Words::Interval),
            w(Words::CostOfExpectedLeavers)
        );
        for g in groups {
            let name = escape(&g.name);
            match (g.people, &g.twelve_months) {
                (Some(people), Some(h)) => table.push_str(&format!(
                    "<tr><th scope=\"row\">{name}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}–{}</td><td class=\"num\">{}</td></tr>",
                    locale.count(people),
                    locale.number(h.expected, 1),
                    locale.number(h.low, 0),
                    locale.number(h.high, 0),
                    locale.number(h.expected_cost, 0)
                )),
                _ => table.push_str(&format!(
                    "<tr class=\"hidden\"><th scope=\"row\">{name}</th><td colspan=\"4\">{}</td></tr>",
                    w(Words::Hidden)
                )),
            }
        }
        table.push_str("</tbody></table>");
        format!(
            "<section><h2>{}</h2>{table}<p class=\"help\">{}</p></section>",
            w(title),
            w(Words::HiddenHelp)
        )
    }

    fn drivers_section(&self, locale: Locale) -> String {
        if self.drivers.is_empty() {
            return String::new();
        }
        let w = |words: Words| words.in_(locale);
        let bars: Vec<Bar> = self
            .drivers
            .iter()
            .map(|d| Bar {
                label: d.factor.clone(),
                value: d.strength,
                interval: None,
                shown: format!(
                    "{} · ↑ {}",
                    locale.number(d.strength, 2),
                    locale.percent(d.share_raising, 0)
                ),
                tone: Tone::Medium,
            })
            .collect();
        format!(
            "<section><h2>{}</h2><p class=\"help\">{}</p>{}</section>",
            w(Words::Drivers),
            w(Words::DriversHelp),
            chart::bars(w(Words::Drivers), w(Words::DriversHelp), &bars)
        )
    }

    fn accuracy_section(&self, locale: Locale) -> String {
        let Some(a) = self.accuracy else {
            return String::new();
        };
        let w = |words: Words| words.in_(locale);
        let figure = |v: Option<f64>| v.map_or("—".to_owned(), |v| locale.number(v, 3));
        format!(
            "<section><h2>{}</h2><p class=\"help\">{}</p><dl class=\"figures\"><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div></dl></section>",
            w(Words::PastWarnings),
            w(Words::PastWarningsHelp),
            w(Words::RocAuc),
            figure(a.roc_auc),
            w(Words::Brier),
            figure(a.brier),
            w(Words::CalibrationError),
            figure(a.calibration_error),
            w(Words::People),
            locale.count(a.evaluated_people)
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn example() -> AttritionReport {
        let day = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
        let horizon = |months, expected: f64| HorizonRow {
            months,
            expected,
            low: expected * 0.7,
            high: expected * 1.3,
            expected_cost: expected * 12_000.0,
            regretted: Some(RegrettedRow {
                expected: expected * 0.4,
                expected_cost: expected * 0.4 * 15_000.0,
                people: 310,
            }),
        };
        AttritionReport {
            organization: "Acme <& Co>".into(),
            generated: Some(day(11)),
            as_of: Some(day(10)),
            model_version: Some(3),
            horizon_months: Some(6),
            bands: Some(BandCounts {
                high: 40,
                medium: 120,
                low: 800,
                not_enough_data: 12,
            }),
            forecast: vec![horizon(3, 20.0), horizon(6, 41.5), horizon(12, 80.2)],
            trend: (1..=10)
                .map(|m| MonthRow {
                    month: day(m),
                    headcount: 970,
                    voluntary_leavers: m as usize,
                })
                .collect(),
            departments: vec![
                GroupRow {
                    name: "Sales".into(),
                    people: Some(400),
                    twelve_months: Some(horizon(12, 40.0)),
                },
                GroupRow {
                    name: "Legal".into(),
                    people: None,
                    twelve_months: None,
                },
            ],
            managers: vec![],
            drivers: vec![DriverRow {
                factor: "pay against band".into(),
                strength: 0.42,
                share_raising: 0.37,
            }],
            accuracy: Some(Accuracy {
                roc_auc: Some(0.81),
                brier: Some(0.05),
                calibration_error: Some(0.01),
                evaluated_people: 5000,
            }),
            notes: vec![],
        }
    }

    #[test]
    fn the_html_report_is_self_contained_and_shows_every_section() {
        let html = example().to_html(Locale::En);
        assert!(html.starts_with("<!doctype html><html lang=\"en\">"));
        assert!(
            !html.contains("src=") && !html.contains("href=\"http"),
            "nothing is fetched"
        );
        assert!(html.contains("Acme &lt;&amp; Co&gt;"));
        for section in [
            "Risk distribution",
            "Expected voluntary leavers",
            "Attrition trend",
            "Departments",
            "What drives risk",
            "How right were past warnings",
        ] {
            assert!(html.contains(section), "{section}");
        }
        assert!(
            html.contains("41.5") && html.contains("29–54"),
            "the 6-month interval"
        );
        assert!(html.contains("<tr class=\"hidden\"><th scope=\"row\">Legal"));
        assert!(
            !html.contains("Managers</h2>"),
            "no managers, no empty section"
        );
    }

    #[test]
    fn the_chinese_report_is_in_chinese() {
        let html = example().to_html(Locale::ZhCn);
        assert!(html.contains("lang=\"zh-CN\""));
        assert!(html.contains("离职分析报告") && html.contains("2026年11月1日"));
    }
}
