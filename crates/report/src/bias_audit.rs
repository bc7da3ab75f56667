//! The bias audit as a document to publish, in New York City Local Law 144's form: for each
//! category of sex, of race or ethnicity where held, and of their intersections, the people
//! scored, how many scored at or above the warning threshold, the scoring rate and the impact
//! ratio; categories under 2% of the data shown but left out of the ratios; the data window
//! and the number of people. The figures come computed; this only writes them out.

use crate::document::{Document, Section};
use crate::Locale;
use chrono::NaiveDate;

/// A model version's bias audit, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct BiasAuditFacts {
    pub organization: String,
    pub generated_on: NaiveDate,
    pub model_version: i64,
    pub scored_from: Option<String>,
    pub scored_to: Option<String>,
    pub threshold: f64,
    pub people: usize,
    pub scored_above: usize,
    pub dimensions: Vec<AuditDimension>,
}

/// One attribute, or an intersection ("Gender × MaritalStatus").
#[derive(Debug, Clone, PartialEq)]
pub struct AuditDimension {
    pub name: String,
    pub categories: Vec<AuditCategory>,
    /// People with no value for one of its columns.
    pub unknown: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditCategory {
    pub category: String,
    pub people: usize,
    pub share_of_data: f64,
    pub scored_above: usize,
    pub scoring_rate: f64,
    pub impact_ratio: Option<f64>,
    /// Under 2% of the data: shown, left out of the ratios.
    pub excluded: bool,
}

impl BiasAuditFacts {
    pub fn document(&self, l: Locale) -> Document {
        let en = l == Locale::En;
        let window = match (&self.scored_from, &self.scored_to) {
            (Some(from), Some(to)) => format!("{from} – {to}"),
            _ => "-".into(),
        };
        let facts = if en {
            vec![
                format!("{} · generated on {}", self.organization, l.date(self.generated_on)),
                format!("Data: the scores model version {} gave the {} people employed, from records dated {window}. {} scored at or above the warning threshold of {}.", self.model_version, l.count(self.people), l.count(self.scored_above), l.percent(self.threshold, 0)),
            ]
        } else {
            vec![
                format!("{} · 于 {} 生成", self.organization, l.date(self.generated_on)),
                format!("数据：第 {} 版模型对 {} 名在职人员给出的评分，记录日期为 {window}。其中 {} 人的评分达到或超过 {} 的预警阈值。", self.model_version, l.count(self.people), l.count(self.scored_above), l.percent(self.threshold, 0)),
            ]
        };
        let mut sections = vec![Section::new(if en { "About this audit" } else { "关于本审计" })
            .paragraph(if en {
                "The scoring rate is the share of a category's people whose score is at or above the warning threshold. The impact ratio is a category's scoring rate divided by the highest scoring rate among the categories compared. Categories under 2% of the data are shown but left out of the impact ratios. In tenure a high score leads to a supportive step reviewed by a person (a stay conversation, a pay or career review), never to an employment decision by itself; the ratios show which groups receive more of that attention."
            } else {
                "评分率是某一类别中评分达到或超过预警阈值的人数占比。影响比是该类别的评分率除以参与比较的各类别中的最高评分率。占数据不足 2% 的类别会列出，但不参与影响比的计算。在 tenure 中，高评分只会引发经人工审核的支持性措施（留任谈话、薪酬或职业发展评估），绝不会单独导致雇佣决定；影响比显示的是哪些群体得到更多此类关注。"
            }.to_owned())];
        if self.dimensions.is_empty() {
            sections.push(Section::new(if en { "Results" } else { "结果" }).paragraph(if en {
                "The organization holds no protected attribute (sex, race or ethnicity) to audit by."
            } else {
                "组织未持有可用于审计的受保护属性（性别、种族或民族）。"
            }.to_owned()));
        }
        for dimension in &self.dimensions {
            sections.push(self.dimension_section(dimension, l));
        }
        sections.push(
            Section::new(if en {
                "Independent auditor"
            } else {
                "独立审计人"
            })
            .to_complete(if en {
                "Name of the independent auditor, and the date of the audit"
            } else {
                "独立审计人姓名及审计日期"
            }),
        );
        Document {
            locale: l,
            title: if en {
                format!(
                    "Bias audit: tenure attrition model, version {}",
                    self.model_version
                )
            } else {
                format!("偏差审计：tenure 离职模型第 {} 版", self.model_version)
            },
            facts,
            sections,
        }
    }

    fn dimension_section(&self, dimension: &AuditDimension, l: Locale) -> Section {
        let en = l == Locale::En;
        let header: Vec<String> = if en {
            [
                "Category",
                "People",
                "Share of data",
                "Scored above",
                "Scoring rate",
                "Impact ratio",
            ]
        } else {
            ["类别", "人数", "数据占比", "超过阈值", "评分率", "影响比"]
        }
        .map(str::to_owned)
        .to_vec();
        let rows = dimension
            .categories
            .iter()
            .map(|c| {
                vec![
                    c.category.clone(),
                    l.count(c.people),
                    l.percent(c.share_of_data, 1),
                    l.count(c.scored_above),
                    l.percent(c.scoring_rate, 1),
                    match (c.excluded, c.impact_ratio) {
                        (true, _) => (if en {
                            "excluded (<2%)"
                        } else {
                            "不参与（<2%）"
                        })
                        .to_owned(),
                        (false, Some(ratio)) => l.number(ratio, 3),
                        (false, None) => "-".to_owned(),
                    },
                ]
            })
            .collect();
        let mut section = Section::new(dimension.name.clone()).table(
            header,
            rows,
            &[2.4, 1.0, 1.1, 1.1, 1.1, 1.2],
        );
        if dimension.unknown > 0 {
            section = section.note(if en {
                format!(
                    "{} people have no recorded value and are in no category.",
                    l.count(dimension.unknown)
                )
            } else {
                format!(
                    "{} 人没有记录该属性，未归入任何类别。",
                    l.count(dimension.unknown)
                )
            });
        }
        section
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> BiasAuditFacts {
        BiasAuditFacts {
            organization: "Acme".into(),
            generated_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            model_version: 4,
            scored_from: Some("2026-10-31".into()),
            scored_to: Some("2026-10-31".into()),
            threshold: 0.3,
            people: 1000,
            scored_above: 120,
            dimensions: vec![AuditDimension {
                name: "Gender".into(),
                categories: vec![
                    AuditCategory {
                        category: "Female".into(),
                        people: 400,
                        share_of_data: 0.4,
                        scored_above: 40,
                        scoring_rate: 0.1,
                        impact_ratio: Some(0.76923),
                        excluded: false,
                    },
                    AuditCategory {
                        category: "Male".into(),
                        people: 585,
                        share_of_data: 0.585,
                        scored_above: 76,
                        scoring_rate: 0.13,
                        impact_ratio: Some(1.0),
                        excluded: false,
                    },
                    AuditCategory {
                        category: "X".into(),
                        people: 15,
                        share_of_data: 0.015,
                        scored_above: 4,
                        scoring_rate: 0.2667,
                        impact_ratio: None,
                        excluded: true,
                    },
                ],
                unknown: 3,
            }],
        }
    }

    #[test]
    fn the_published_audit_shows_rates_ratios_and_the_two_percent_rule() {
        let doc = facts().document(Locale::En);
        let text: String = doc.texts().collect::<Vec<_>>().join("\n");
        assert!(text.contains("version 4"));
        assert!(text.contains("1,000 people"));
        assert!(text.contains("0.769"));
        assert!(text.contains("excluded (<2%)"));
        assert!(text.contains("3 people have no recorded value"));
        let zh: String = facts()
            .document(Locale::ZhCn)
            .texts()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(zh.contains("偏差审计") && zh.contains("不参与（<2%）"));
    }
}
