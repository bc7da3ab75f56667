//! A feature's value said in plain words, in English and in Chinese, in the column's label
//! where the mapping gives one ("no promotion in 38 months", "未晋升已 38 个月"). Facts that
//! usually mean risk are said neutrally when the model finds they hold a person's risk down,
//! so a "holding it down" list never reads as a list of worries.

use crate::panel::Derived;
use tenure_domain::{Language, RoleColumns, Value};

/// One thing said, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Said {
    pub en: String,
    pub zh: String,
}

fn said(en: String, zh: String) -> Said {
    Said { en, zh }
}

/// How a feature is told: what it is about (in both languages' labels) and which way it
/// pushes the person's risk.
struct Telling<'r> {
    roles: &'r RoleColumns,
    raising: bool,
}

impl Telling<'_> {
    fn en(&self, column: &str) -> String {
        self.roles.label(column, Language::English)
    }

    fn zh(&self, column: &str) -> String {
        self.roles.label(column, Language::Chinese)
    }

    fn is(&self, role: &Option<String>, column: &str) -> bool {
        role.as_deref() == Some(column)
    }
}

/// The feature `derived` at `value` (its population mean `mean`), pushing the risk up when
/// `raising`, in words.
pub(crate) fn say(
    derived: &Derived,
    value: &Value,
    mean: Option<f64>,
    roles: &RoleColumns,
    raising: bool,
) -> Said {
    let t = Telling { roles, raising };
    match value {
        Value::Number(x) => number_words(&t, derived, *x, mean),
        Value::Category(text) => labelled(&t, derived, text),
        Value::Date(date) => labelled(&t, derived, &date.to_string()),
        Value::Missing => missing_words(&t, derived),
    }
}

fn labelled(t: &Telling, derived: &Derived, text: &str) -> Said {
    let (en, zh) = match derived {
        Derived::Value(c) => (t.en(c), t.zh(c)),
        other => (other.name(), other.name()),
    };
    said(format!("{en}: {text}"), format!("{zh}：{text}"))
}

fn number_words(t: &Telling, derived: &Derived, x: f64, mean: Option<f64>) -> Said {
    let n = number(x);
    let m = mean.map(number);
    match derived {
        Derived::Value(c) => match m.filter(|_| !t.is(&t.roles.pay, c)) {
            Some(m) => said(
                format!("{} {n} (average {m})", t.en(c)),
                format!("{} {n}（平均 {m}）", t.zh(c)),
            ),
            None => said(format!("{} {n}", t.en(c)), format!("{} {n}", t.zh(c))),
        },
        Derived::Change(c, months) => change_words(t, c, x, *months),
        Derived::MonthsSinceRose(c) => rose_words(t, c, x as i64),
        Derived::VsPeers(c) => peer_words(t, c, x),
        Derived::TeamMedian(c) => match m {
            Some(m) => said(
                format!("team's median {} {n} (average {m})", t.en(c)),
                format!("团队{}中位数 {n}（平均 {m}）", t.zh(c)),
            ),
            None => said(
                format!("team's median {} {n}", t.en(c)),
                format!("团队{}中位数 {n}", t.zh(c)),
            ),
        },
        Derived::MonthsSinceChanged(c) => changed_words(t, c, x as i64),
        Derived::Changes12m(c) => {
            let k = x as i64;
            if t.is(&t.roles.manager, c) {
                said(
                    plural(k, "manager change", "manager changes") + " in 12 months",
                    format!("12 个月内更换经理 {k} 次"),
                )
            } else {
                said(
                    format!(
                        "{} changed {} in 12 months",
                        t.en(c),
                        plural(k, "time", "times")
                    ),
                    format!("{} 12 个月内变动 {k} 次", t.zh(c)),
                )
            }
        }
        Derived::MonthsSinceDate(c) => said(
            format!("{} {} ago", t.en(c), plural(x as i64, "month", "months")),
            format!("{}：{} 个月前", t.zh(c), x as i64),
        ),
        Derived::TeammatesLeft => match x as i64 {
            0 => said(
                "no teammate left in the last 6 months".into(),
                "近 6 个月没有同事离职".into(),
            ),
            k if t.raising => said(
                plural(k, "teammate", "teammates") + " left in the last 6 months",
                format!("近 6 个月有 {k} 名同事离职"),
            ),
            // Departures that, for this person, weigh less than usual.
            k => said(
                format!("the team's recent departures ({k} in 6 months) weigh little here"),
                format!("团队近 6 个月的离职（{k} 人）对其影响较小"),
            ),
        },
        Derived::Tenure if x >= 24.0 => said(
            format!("{:.1} years with the organization", x / 12.0),
            format!("在职 {:.1} 年", x / 12.0),
        ),
        Derived::Tenure => said(
            plural(x as i64, "month", "months") + " with the organization",
            format!("在职 {} 个月", x as i64),
        ),
        Derived::MonthOfYear => {
            let month = x as u32;
            said(
                format!("the time of year ({})", month_name(month)),
                format!("时节（{month} 月）"),
            )
        }
    }
}

fn change_words(t: &Telling, c: &str, x: f64, months: i32) -> Said {
    if t.is(&t.roles.level, c) {
        return match (x > 0.0, t.raising) {
            (true, _) => said(
                format!("promoted in the last {months} months"),
                format!("近 {months} 个月内晋升"),
            ),
            (false, true) => said(
                format!("no promotion in the last {months} months"),
                format!("近 {months} 个月未晋升"),
            ),
            (false, false) => said(
                format!("{} steady over the last {months} months", t.en(c)),
                format!("近 {months} 个月{}稳定", t.zh(c)),
            ),
        };
    }
    let (en, zh) = (t.en(c), t.zh(c));
    match x {
        x if x > 0.0 => said(
            format!("{en} up {} in {months} months", number(x)),
            format!("{zh} {months} 个月内上升 {}", number(x)),
        ),
        x if x < 0.0 => said(
            format!("{en} down {} in {months} months", number(-x)),
            format!("{zh} {months} 个月内下降 {}", number(-x)),
        ),
        _ => said(
            format!("{en} unchanged over {months} months"),
            format!("{zh} {months} 个月未变"),
        ),
    }
}

/// Months since a level or pay last rose: a long wait is a worry only where it raises the
/// risk; elsewhere it is the date of the last rise.
fn rose_words(t: &Telling, c: &str, months: i64) -> Said {
    let level = t.is(&t.roles.level, c);
    let pay = t.is(&t.roles.pay, c);
    match (level, pay, months, t.raising) {
        (true, _, 0, _) => said("promoted this month".into(), "本月晋升".into()),
        (true, _, m, true) => said(
            format!("no promotion in {m} months"),
            format!("未晋升已 {m} 个月"),
        ),
        (true, _, m, false) => said(
            format!("last promoted {m} months ago"),
            format!("上次晋升在 {m} 个月前"),
        ),
        (_, true, 0, _) => said("a pay rise this month".into(), "本月加薪".into()),
        (_, true, m, true) => said(
            format!("no pay rise in {m} months"),
            format!("已 {m} 个月未加薪"),
        ),
        (_, true, m, false) => said(
            format!("last pay rise {m} months ago"),
            format!("上次加薪在 {m} 个月前"),
        ),
        (_, _, m, _) => said(
            format!("{} last rose {m} months ago", t.en(c)),
            format!("{}上次上升在 {m} 个月前", t.zh(c)),
        ),
    }
}

/// Against the peer median (same department and level). Being below is said as a gap only
/// where it raises the risk.
fn peer_words(t: &Telling, c: &str, ratio: f64) -> Said {
    let (en, zh) = (t.en(c), t.zh(c));
    let percent = ((ratio - 1.0) * 100.0).round();
    match percent {
        p if p < 0.0 && t.raising => said(
            format!("{en} {}% below the peer median", -p),
            format!("{zh}低于同级中位数 {}%", -p),
        ),
        p if p < 0.0 => said(
            format!("{en} near the peer median ({}% below)", -p),
            format!("{zh}接近同级中位数（低 {}%）", -p),
        ),
        p if p > 0.0 => said(
            format!("{en} {p}% above the peer median"),
            format!("{zh}高于同级中位数 {p}%"),
        ),
        _ => said(
            format!("{en} at the peer median"),
            format!("{zh}与同级中位数持平"),
        ),
    }
}

fn changed_words(t: &Telling, c: &str, months: i64) -> Said {
    if t.is(&t.roles.manager, c) {
        return if months <= 6 {
            said(
                format!("new manager {months} months ago"),
                format!("{months} 个月前更换了经理"),
            )
        } else {
            said(
                format!("same manager for {months} months"),
                format!("同一经理已 {months} 个月"),
            )
        };
    }
    if t.is(&t.roles.team, c) {
        return said(
            format!("moved team {months} months ago"),
            format!("{months} 个月前调换团队"),
        );
    }
    said(
        format!("{} changed {months} months ago", t.en(c)),
        format!("{}在 {months} 个月前变动", t.zh(c)),
    )
}

fn missing_words(t: &Telling, derived: &Derived) -> Said {
    match derived {
        Derived::MonthsSinceRose(c) if t.is(&t.roles.level, c) => {
            said("no promotion on record".into(), "无晋升记录".into())
        }
        Derived::MonthsSinceRose(c) if t.is(&t.roles.pay, c) => {
            said("no pay rise on record".into(), "无加薪记录".into())
        }
        Derived::MonthsSinceRose(c) => said(
            format!("{} never rose on record", t.en(c)),
            format!("{}无上升记录", t.zh(c)),
        ),
        Derived::MonthsSinceChanged(c) if t.is(&t.roles.manager, c) => said(
            "same manager throughout the records".into(),
            "记录期内经理未变".into(),
        ),
        Derived::MonthsSinceChanged(c) => said(
            format!("{} unchanged throughout the records", t.en(c)),
            format!("{}记录期内未变", t.zh(c)),
        ),
        Derived::Change(c, months) => said(
            format!("no {} {months} months ago to compare with", t.en(c)),
            format!("无 {months} 个月前的{}可比较", t.zh(c)),
        ),
        Derived::MonthsSinceDate(c) | Derived::Value(c) => said(
            format!("no {} on record", t.en(c)),
            format!("无{}记录", t.zh(c)),
        ),
        Derived::VsPeers(c) => said(
            format!("no peers' {} to compare with", t.en(c)),
            format!("无同级{}可比较", t.zh(c)),
        ),
        Derived::TeamMedian(c) => said(
            format!("no team {} on record", t.en(c)),
            format!("无团队{}记录", t.zh(c)),
        ),
        Derived::Changes12m(c) => said(
            format!("no {} history for the last 12 months", t.en(c)),
            format!("无近 12 个月的{}记录", t.zh(c)),
        ),
        Derived::TeammatesLeft => said("no team on record".into(), "无团队记录".into()),
        Derived::Tenure => said("no hire date on record".into(), "无入职日期记录".into()),
        Derived::MonthOfYear => said("no date on record".into(), "无日期记录".into()),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A number as a person would write it: whole numbers without decimals (thousands grouped),
/// others to two significant decimals.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let digits = (x.abs() as i64).to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return if x < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        };
    }
    let text = if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(month.wrapping_sub(1) as usize)
        .copied()
        .unwrap_or("unknown month")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use tenure_domain::ColumnLabel;

    fn roles() -> RoleColumns {
        RoleColumns {
            pay: Some("salary".into()),
            level: Some("grade".into()),
            manager: Some("boss".into()),
            team: Some("squad".into()),
            rating: Some("rating".into()),
            labels: BTreeMap::from([
                (
                    "promo_date".to_owned(),
                    ColumnLabel {
                        en: Some("last promotion".into()),
                        zh: Some("上次晋升日期".into()),
                    },
                ),
                (
                    "OverTime".to_owned(),
                    ColumnLabel {
                        en: Some("overtime".into()),
                        zh: Some("加班".into()),
                    },
                ),
            ]),
            ..Default::default()
        }
    }

    /// Every kind of derived feature, raising and holding down, in both languages: each
    /// says something, in the column's label, with no raw column name where a label exists,
    /// and the facts that mean risk appear only where they raise it.
    #[test]
    fn every_kind_of_feature_reads_right_both_ways_in_both_languages() {
        let r = roles();
        let cases: Vec<(Derived, Value)> = vec![
            (Derived::Value("salary".into()), Value::Number(52_300.0)),
            (Derived::Value("engagement".into()), Value::Number(2.4)),
            (
                Derived::Value("OverTime".into()),
                Value::Category("Yes".into()),
            ),
            (Derived::Value("promo_date".into()), Value::Missing),
            (Derived::Change("grade".into(), 12), Value::Number(0.0)),
            (Derived::Change("grade".into(), 12), Value::Number(1.0)),
            (Derived::Change("engagement".into(), 3), Value::Number(-0.8)),
            (Derived::Change("engagement".into(), 3), Value::Missing),
            (
                Derived::MonthsSinceRose("grade".into()),
                Value::Number(38.0),
            ),
            (
                Derived::MonthsSinceRose("salary".into()),
                Value::Number(17.0),
            ),
            (
                Derived::MonthsSinceRose("engagement".into()),
                Value::Number(4.0),
            ),
            (Derived::MonthsSinceRose("grade".into()), Value::Missing),
            (Derived::VsPeers("salary".into()), Value::Number(0.88)),
            (Derived::VsPeers("salary".into()), Value::Number(1.05)),
            (Derived::TeamMedian("engagement".into()), Value::Number(3.0)),
            (
                Derived::MonthsSinceChanged("boss".into()),
                Value::Number(2.0),
            ),
            (
                Derived::MonthsSinceChanged("squad".into()),
                Value::Number(5.0),
            ),
            (Derived::MonthsSinceChanged("boss".into()), Value::Missing),
            (Derived::Changes12m("boss".into()), Value::Number(2.0)),
            (Derived::Changes12m("grade".into()), Value::Number(1.0)),
            (
                Derived::MonthsSinceDate("promo_date".into()),
                Value::Number(26.0),
            ),
            (Derived::TeammatesLeft, Value::Number(2.0)),
            (Derived::Tenure, Value::Number(30.0)),
            (Derived::MonthOfYear, Value::Number(3.0)),
            // Missing, every kind: nothing on record is said in labels too.
            (Derived::VsPeers("salary".into()), Value::Missing),
            (Derived::TeamMedian("engagement".into()), Value::Missing),
            (Derived::TeamMedian("salary".into()), Value::Missing),
            (Derived::Changes12m("grade".into()), Value::Missing),
            (
                Derived::MonthsSinceDate("promo_date".into()),
                Value::Missing,
            ),
            (Derived::TeammatesLeft, Value::Missing),
            (Derived::Tenure, Value::Missing),
            (Derived::MonthOfYear, Value::Missing),
        ];
        let worries = [
            "no promotion in",
            "no pay rise in",
            "below the peer median",
            "teammates left in",
        ];
        for (derived, value) in &cases {
            for raising in [true, false] {
                let s = say(derived, value, Some(3.6), &r, raising);
                let case = format!("{derived:?} {value:?} raising={raising}: {s:?}");
                assert!(!s.en.is_empty() && !s.zh.is_empty(), "{case}");
                assert!(
                    s.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "Chinese words: {case}"
                );
                for raw in ["salary", "grade", "boss", "squad", "promo_date", "OverTime"] {
                    assert!(
                        !s.en.contains(raw) && !s.zh.contains(raw),
                        "label, not `{raw}`: {case}"
                    );
                }
                if !raising {
                    assert!(
                        !worries.iter().any(|w| s.en.contains(w)),
                        "a worry under holding it down: {case}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_words_people_read() {
        let r = roles();
        let up = |d: Derived, v: Value| say(&d, &v, Some(3.6), &r, true);
        let down = |d: Derived, v: Value| say(&d, &v, Some(3.6), &r, false);
        let rose = || Derived::MonthsSinceRose("grade".into());
        assert_eq!(
            up(rose(), Value::Number(38.0)).en,
            "no promotion in 38 months"
        );
        assert_eq!(up(rose(), Value::Number(38.0)).zh, "未晋升已 38 个月");
        assert_eq!(
            down(rose(), Value::Number(38.0)).en,
            "last promoted 38 months ago"
        );
        let pay_rose = || Derived::MonthsSinceRose("salary".into());
        assert_eq!(
            up(pay_rose(), Value::Number(17.0)).en,
            "no pay rise in 17 months"
        );
        assert_eq!(
            down(pay_rose(), Value::Number(17.0)).zh,
            "上次加薪在 17 个月前"
        );
        let peers = || Derived::VsPeers("salary".into());
        assert_eq!(
            up(peers(), Value::Number(0.88)).en,
            "pay 12% below the peer median"
        );
        assert_eq!(
            up(peers(), Value::Number(0.88)).zh,
            "薪资低于同级中位数 12%"
        );
        assert_eq!(
            up(Derived::Value("salary".into()), Value::Number(52_300.0)).en,
            "pay 52,300"
        );
        assert_eq!(
            up(
                Derived::MonthsSinceDate("promo_date".into()),
                Value::Number(26.0)
            )
            .en,
            "last promotion 26 months ago"
        );
        assert_eq!(
            up(Derived::Value("engagement".into()), Value::Number(2.4)).zh,
            "engagement 2.4（平均 3.6）"
        );
        assert_eq!(up(Derived::Tenure, Value::Number(30.0)).zh, "在职 2.5 年");
    }
}
