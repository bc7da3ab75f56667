//! Reading an unknown file and proposing how to map it: each column's kind, gaps and examples,
//! the likely id, dates, target and roles, and the columns that look protected.

use crate::cells::{is_missing, parse_date, parse_number, CANDIDATE_DATE_FORMATS, EXCEL_SERIAL};
use crate::import::same_outcome;
use crate::leakage::{self, Leak};
use crate::mapping::Mapping;
use crate::table::Table;
use chrono::Datelike;
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write;
use tenure_domain::{looks_protected, ColumnKind, ProtectedCategory};

/// What inspection learnt about one column.
#[derive(Debug, Clone)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    pub date_format: Option<String>,
    pub missing: usize,
    pub distinct: usize,
    pub examples: Vec<String>,
    pub protected: Option<ProtectedCategory>,
    /// Why the proposal uses the column the way it does, in a few words.
    pub notes: Vec<String>,
}

/// A file's profile and the mapping proposed for it.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub file: String,
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
    pub proposed: Mapping,
}

/// Categories with more levels than this are called out: often an id or free text.
const MANY_LEVELS: usize = 50;

pub fn inspect(table: &Table) -> Inspection {
    let mut columns: Vec<ColumnProfile> =
        (0..table.header.len()).map(|i| profile(table, i)).collect();
    let proposed = propose(table, &mut columns);
    Inspection {
        file: table.path.display().to_string(),
        rows: table.rows.len(),
        columns,
        proposed,
    }
}

fn cells(table: &Table, index: usize) -> impl Iterator<Item = &str> {
    table.rows.iter().map(move |r| r.cells[index].as_str())
}

fn profile(table: &Table, index: usize) -> ColumnProfile {
    let present: Vec<&str> = cells(table, index).filter(|c| !is_missing(c)).collect();
    let distinct: BTreeSet<&str> = present.iter().copied().collect();
    let mut examples: Vec<String> = Vec::new();
    for cell in &present {
        if examples.len() == 3 {
            break;
        }
        if !examples.iter().any(|e| e == cell) {
            examples.push(cell.to_string());
        }
    }
    let (kind, date_format) = infer_kind(&present);
    let name = table.header[index].clone();
    let mut notes = Vec::new();
    if let Some(chosen) = &date_format {
        let others = other_date_readings(&present, chosen);
        if !others.is_empty() {
            notes.push(format!(
                "check the date format: {} fit as well; {chosen} chosen (its days repeat least, as snapshot dates do)",
                others.join(", ")
            ));
        }
    }
    if kind == ColumnKind::Category && distinct.len() > MANY_LEVELS {
        notes.push(format!("many levels ({})", distinct.len()));
    }
    ColumnProfile {
        protected: looks_protected(&name),
        name,
        kind,
        date_format,
        missing: table.rows.len() - present.len(),
        distinct: distinct.len(),
        examples,
        notes,
    }
}

fn infer_kind(present: &[&str]) -> (ColumnKind, Option<String>) {
    if present.is_empty() {
        return (ColumnKind::Category, None);
    }
    if let Some(format) = date_format(present) {
        return (ColumnKind::Date, Some(format));
    }
    if present.iter().all(|c| parse_number(c).is_some()) {
        return (ColumnKind::Number, None);
    }
    (ColumnKind::Category, None)
}

/// The date format every cell parses under. Where day and month are ambiguous (all days
/// ≤ 12), the reading with fewer distinct days wins: snapshot dates fall on one day of the month.
fn date_format(present: &[&str]) -> Option<String> {
    // Separators, or the digits of `20230131` or `202301`.
    let shaped_like_a_date = |c: &&str| {
        c.contains(['/', '-', '.', ' ', 'Q'])
            || ((c.len() == 8 || c.len() == 6) && c.bytes().all(|b| b.is_ascii_digit()))
    };
    if !present.iter().all(shaped_like_a_date) {
        return None;
    }
    let parses: Vec<(&str, usize)> = CANDIDATE_DATE_FORMATS
        .iter()
        .filter_map(|format| {
            let days: Option<HashSet<u32>> = present
                .iter()
                .map(|c| parse_date(c, format).map(|d| d.day()))
                .collect();
            days.map(|d| (*format, d.len()))
        })
        .collect();
    parses
        .iter()
        .min_by_key(|(_, days)| *days)
        .map(|(f, _)| f.to_string())
}

/// Other formats every cell reads under that give some cell another date (day and month
/// swapped, say): an ambiguity a person should settle.
fn other_date_readings(present: &[&str], chosen: &str) -> Vec<String> {
    CANDIDATE_DATE_FORMATS
        .iter()
        .filter(|f| **f != chosen)
        .filter(|f| {
            let mut differs = false;
            let all = present
                .iter()
                .all(|c| match (parse_date(c, f), parse_date(c, chosen)) {
                    (Some(a), Some(b)) => {
                        differs |= a != b;
                        true
                    }
                    _ => false,
                });
            all && differs
        })
        .map(|f| f.to_string())
        .collect()
}

fn words(name: &str) -> String {
    name.to_lowercase().replace(['_', '-', ' '], "")
}

fn named_like(name: &str, stems: &[&str]) -> bool {
    let w = words(name);
    stems.iter().any(|s| w.contains(s))
}

/// Column names that hold who someone is — never a model input. Exact names for a person's
/// name (so "DepartmentName" stays a department), stems for contact details and identity
/// numbers.
const PERSON_NAMES: &[&str] = &[
    "name",
    "fullname",
    "firstname",
    "lastname",
    "surname",
    "givenname",
    "familyname",
    "employeename",
    "staffname",
    "worker",
    "workername",
    "displayname",
    "legalname",
    "preferredname",
    "姓名",
    "名字",
    "员工姓名",
];
const IDENTIFIER_STEMS: &[&str] = &[
    "email",
    "mail",
    "phone",
    "mobile",
    "telephone",
    "ssn",
    "socialsecurity",
    "nationalid",
    "passport",
    "taxid",
    "iban",
    "address",
    "邮箱",
    "电话",
    "手机",
    "身份证",
    "证件",
    "地址",
];

/// Values that say an exit was the person's own choice, in English and Chinese.
const VOLUNTARY_WORDS: &[&str] = &[
    "resign",
    "voluntary",
    "quit",
    "personal",
    "better",
    "主动",
    "辞职",
    "个人原因",
];

struct Proposal<'a> {
    table: &'a Table,
    columns: &'a mut [ColumnProfile],
    mapping: Mapping,
    used: HashSet<usize>,
}

fn propose(table: &Table, columns: &mut [ColumnProfile]) -> Mapping {
    let mut proposal = Proposal {
        table,
        columns,
        mapping: Mapping::default(),
        used: HashSet::new(),
    };
    proposal.ignorable();
    proposal.identifiers();
    proposal.protected();
    proposal.identity_and_dates();
    proposal.outcome();
    proposal.leakage();
    proposal.roles();
    proposal.kinds();
    proposal.labels();
    proposal.mapping
}

impl Proposal<'_> {
    fn note(&mut self, index: usize, note: &str) {
        self.columns[index].notes.push(note.to_owned());
        self.used.insert(index);
    }

    /// Constants carry no information; a row counter is not a fact about anyone.
    fn ignorable(&mut self) {
        for index in 0..self.columns.len() {
            let column = &self.columns[index];
            let reason = if column.distinct + usize::from(column.missing > 0) <= 1 {
                Some("constant: ignore")
            } else if is_row_number(self.table, index) {
                Some("row number: ignore")
            } else {
                None
            };
            if let Some(reason) = reason {
                self.mapping.ignore.push(column.name.clone());
                self.note(index, reason);
            }
        }
    }

    /// Names, contact details and identity numbers: proposed as `ignore`, whatever else the
    /// column looks like.
    fn identifiers(&mut self) {
        for index in 0..self.columns.len() {
            if !self.free(index) {
                continue;
            }
            let name = &self.columns[index].name;
            let looks_like_email = cells(self.table, index)
                .filter(|c| !c.is_empty())
                .take(20)
                .all(|c| c.contains('@') && c.contains('.'))
                && cells(self.table, index).any(|c| !c.is_empty());
            if PERSON_NAMES.contains(&words(name).as_str())
                || named_like(name, IDENTIFIER_STEMS)
                || looks_like_email
            {
                self.mapping.ignore.push(name.clone());
                self.note(index, "direct identifier (a name, contact or id number): ignore — never a model input");
            }
        }
    }

    fn protected(&mut self) {
        for index in 0..self.columns.len() {
            if self.used.contains(&index) {
                continue;
            }
            if let Some(category) = self.columns[index].protected {
                self.mapping
                    .protected
                    .push(self.columns[index].name.clone());
                self.note(
                    index,
                    &format!(
                        "looks protected ({category}): fairness audit only — confirm, or ignore"
                    ),
                );
            }
        }
    }

    fn free(&self, index: usize) -> bool {
        !self.used.contains(&index)
    }

    fn identity_and_dates(&mut self) {
        let complete = |c: &ColumnProfile| c.missing == 0;
        let id = (0..self.columns.len())
            .filter(|&i| {
                self.free(i)
                    && complete(&self.columns[i])
                    && self.columns[i].kind != ColumnKind::Date
            })
            .filter(|&i| {
                named_like(
                    &self.columns[i].name,
                    &[
                        "id", "number", "empno", "employee", "code", "工号", "编号", "员工",
                    ],
                )
            })
            .max_by_key(|&i| self.columns[i].distinct);
        let Some(id) = id else { return };
        self.mapping.id = Some(self.columns[id].name.clone());
        self.note(id, "person id");
        if self.columns[id].distinct == self.table.rows.len() {
            return;
        }
        // Ids repeat: a panel. Its as-of date is a complete date column that tells a person's
        // rows apart (a hire date repeats on every row of theirs), the one with fewest values.
        let as_of = (0..self.columns.len())
            .filter(|&i| {
                self.free(i)
                    && self.columns[i].kind == ColumnKind::Date
                    && complete(&self.columns[i])
                    && tells_rows_apart(self.table, id, i)
            })
            .min_by_key(|&i| self.columns[i].distinct);
        if let Some(as_of) = as_of {
            self.mapping.as_of = Some(self.columns[as_of].name.clone());
            self.mapping.as_of_format = self.columns[as_of].date_format.clone();
            self.note(as_of, "as-of date (panel)");
        } else if let Some(as_of) = self.excel_day_as_of(id) {
            self.mapping.as_of = Some(self.columns[as_of].name.clone());
            self.mapping.as_of_format = Some(EXCEL_SERIAL.to_owned());
            self.note(as_of, "as-of date written as Excel's day number (panel)");
        }
        let exit = (0..self.columns.len()).find(|&i| {
            let c = &self.columns[i];
            self.free(i)
                && c.kind == ColumnKind::Date
                && c.missing > 0
                && named_like(
                    &c.name,
                    &[
                        "exit",
                        "leav",
                        "left",
                        "termin",
                        "lastworking",
                        "separation",
                        "end",
                        "离职",
                    ],
                )
        });
        if let Some(exit) = exit {
            self.mapping.exit_date = Some(self.columns[exit].name.clone());
            self.mapping.exit_date_format = self.columns[exit].date_format.clone();
            self.note(exit, "exit date");
            self.exit_kind();
        }
    }

    /// A date column exported from Excel without its number format holds day numbers
    /// (45292 for 2024-01-01): a complete, date-named number column of whole days between
    /// 1954 and 2099 that tells a person's rows apart.
    fn excel_day_as_of(&self, id: usize) -> Option<usize> {
        (0..self.columns.len()).find(|&i| {
            let c = &self.columns[i];
            self.free(i)
                && c.kind == ColumnKind::Number
                && c.missing == 0
                && named_like(
                    &c.name,
                    &[
                        "date", "month", "period", "snapshot", "asof", "日期", "月份", "期间",
                    ],
                )
                && cells(self.table, i).all(|cell| {
                    cell.parse::<u32>()
                        .is_ok_and(|day| (20_000..=73_050).contains(&day))
                })
                && tells_rows_apart(self.table, id, i)
        })
    }

    /// The kind of exit: a text column filled only on leavers' rows, named for a reason or
    /// kind of leaving; its voluntary values by the words for one's own choice.
    fn exit_kind(&mut self) {
        let kind = (0..self.columns.len()).find(|&i| {
            let c = &self.columns[i];
            self.free(i)
                && c.kind == ColumnKind::Category
                && c.missing > 0
                && named_like(
                    &c.name,
                    &["reason", "kind", "type", "category", "原因", "类型", "方式"],
                )
                && named_like(
                    &c.name,
                    &[
                        "exit",
                        "leav",
                        "termin",
                        "separation",
                        "离职",
                        "reason",
                        "原因",
                    ],
                )
        });
        let Some(kind) = kind else { return };
        let values: BTreeSet<&str> = cells(self.table, kind).filter(|c| !c.is_empty()).collect();
        let voluntary: Vec<String> = values
            .iter()
            .filter(|v| {
                let v = v.to_lowercase();
                !v.contains("invol")
                    && !v.contains("被")
                    && VOLUNTARY_WORDS.iter().any(|w| v.contains(w))
            })
            .map(|v| v.to_string())
            .collect();
        self.mapping.exit_kind = Some(self.columns[kind].name.clone());
        let note = if voluntary.is_empty() {
            "exit kind: name its voluntary values (none recognised)".to_owned()
        } else {
            format!("exit kind; voluntary: {}", voluntary.join(", "))
        };
        self.mapping.voluntary = voluntary;
        self.note(kind, &note);
    }

    fn outcome(&mut self) {
        if self.mapping.as_of.is_some() {
            return;
        }
        let target = (0..self.columns.len()).find(|&i| {
            let c = &self.columns[i];
            self.free(i)
                && c.distinct == 2
                && c.missing == 0
                && named_like(
                    &c.name,
                    &[
                        "attrition",
                        "left",
                        "churn",
                        "exit",
                        "termin",
                        "termd",
                        "quit",
                        "resigned",
                        "turnover",
                        "target",
                        "leaver",
                        "离职",
                        "流失",
                    ],
                )
        });
        let Some(target) = target.or_else(|| self.status_as_outcome()) else {
            self.roster_of_dates();
            return;
        };
        let positive = positive_value(self.table, target);
        let duration = (0..self.columns.len()).find(|&i| {
            let c = &self.columns[i];
            let w = words(&c.name);
            self.free(i)
                && c.kind == ColumnKind::Number
                && [
                    "month",
                    "months",
                    "duration",
                    "time",
                    "followup",
                    "tenuremonths",
                ]
                .contains(&w.as_str())
        });
        let name = self.columns[target].name.clone();
        if let Some(duration) = duration {
            self.mapping.duration = Some(self.columns[duration].name.clone());
            self.mapping.event = Some(name);
            if positive != "1" {
                self.mapping.event_value = Some(positive);
            }
            self.note(duration, "duration (time-to-event)");
            self.note(target, "event flag");
        } else {
            let sure = is_leaving_word(&positive);
            self.mapping.target = Some(name);
            self.note(
                target,
                &if sure {
                    format!("target (cross-section); \"{positive}\" means left")
                } else {
                    format!("target (cross-section); check: \"{positive}\" taken to mean left (no word for leaving among its values)")
                },
            );
            self.mapping.positive = Some(positive);
        }
    }

    /// A roster with no outcome column but a hire date and an exit date: time-to-event
    /// counted from the dates (the hire date becomes the `hire_date` role in `roles`).
    fn roster_of_dates(&mut self) {
        let dated = |p: &Proposal, stems: &[&str], with_gaps: bool| {
            (0..p.columns.len()).find(|&i| {
                let c = &p.columns[i];
                p.free(i)
                    && c.kind == ColumnKind::Date
                    && (c.missing > 0) == with_gaps
                    && named_like(&c.name, stems)
            })
        };
        let exit = dated(
            self,
            &[
                "exit",
                "leav",
                "termin",
                "lastworking",
                "separation",
                "离职",
            ],
            true,
        );
        let hire = dated(self, &["hire", "join", "start", "入职"], false);
        let (Some(exit), Some(_)) = (exit, hire) else {
            return;
        };
        self.mapping.exit_date = Some(self.columns[exit].name.clone());
        self.mapping.exit_date_format = self.columns[exit].date_format.clone();
        self.note(exit, "exit date; time-to-event from the hire date to the exit — check: people still employed are followed until the latest exit date unless `observed_until` names the day the export was taken");
        self.exit_kind();
    }

    /// Without a named outcome, an employment status of two values, one of them "active", is
    /// the outcome itself.
    fn status_as_outcome(&self) -> Option<usize> {
        (0..self.columns.len()).find(|&i| {
            let c = &self.columns[i];
            let values: BTreeSet<String> = cells(self.table, i).map(str::to_lowercase).collect();
            self.free(i)
                && c.distinct == 2
                && c.missing == 0
                && named_like(&c.name, &["status", "状态"])
                && values
                    .iter()
                    .any(|v| ["active", "employed", "在职"].contains(&v.as_str()))
        })
    }

    /// Whether each row is a leaver's, by the outcome the proposal found: the target's positive
    /// value, the event, or (panels) a person with an exit date on any row.
    fn leavers_rows(&self) -> Option<Vec<bool>> {
        let m = &self.mapping;
        let index = |name: &Option<String>| {
            let name = name.as_deref()?;
            self.columns.iter().position(|c| c.name == name)
        };
        if let (Some(target), Some(positive)) = (index(&m.target), &m.positive) {
            return Some(
                cells(self.table, target)
                    .map(|c| same_outcome(c, positive))
                    .collect(),
            );
        }
        if let Some(event) = index(&m.event) {
            let value = m
                .event_value
                .as_deref()
                .unwrap_or(crate::mapping::DEFAULT_EVENT_VALUE);
            return Some(
                cells(self.table, event)
                    .map(|c| same_outcome(c, value))
                    .collect(),
            );
        }
        let (id, exit) = (index(&m.id)?, index(&m.exit_date)?);
        let leavers: HashSet<&str> = self
            .table
            .rows
            .iter()
            .filter(|r| !is_missing(&r.cells[exit]))
            .map(|r| r.cells[id].as_str())
            .collect();
        Some(
            self.table
                .rows
                .iter()
                .map(|r| leavers.contains(r.cells[id].as_str()))
                .collect(),
        )
    }

    /// Columns that give the outcome away are proposed as `ignore`: a model that learns from
    /// them is right in the backtest and blind on everyone who has not left yet.
    fn leakage(&mut self) {
        let Some(left) = self.leavers_rows() else {
            return;
        };
        let panel = self.mapping.as_of.is_some();
        let exit = self
            .mapping
            .exit_date
            .as_deref()
            .and_then(|name| self.columns.iter().position(|c| c.name == name));
        for index in 0..self.columns.len() {
            if !self.free(index) {
                continue;
            }
            let column = &self.columns[index];
            let found = leakage::filled_only_for_leavers(cells(self.table, index), &left)
                .or_else(|| {
                    let (format, exit) = (column.date_format.as_deref()?, exit?);
                    leakage::recorded_at_or_after_exit(
                        cells(self.table, index),
                        format,
                        cells(self.table, exit),
                        self.columns[exit].date_format.as_deref()?,
                    )
                })
                .or_else(|| {
                    (!panel)
                        .then(|| leakage::predicts_alone(cells(self.table, index), &left))
                        .flatten()
                });
            if let Some(leak) = found {
                self.flag_leak(index, &leak);
            }
        }
    }

    fn flag_leak(&mut self, index: usize, leak: &Leak) {
        self.mapping.ignore.push(self.columns[index].name.clone());
        self.note(
            index,
            &format!("{leak}: ignore — known only once someone has left, never an input"),
        );
    }

    fn roles(&mut self) {
        let pick = |p: &Proposal, kind: ColumnKind, stems: &[&str], avoid: &[&str]| {
            (0..p.columns.len()).find(|&i| {
                let c = &p.columns[i];
                p.free(i)
                    && c.kind == kind
                    && named_like(&c.name, stems)
                    && !named_like(&c.name, avoid)
            })
        };
        use ColumnKind::{Category, Date, Number};
        let found = [
            (
                "pay",
                pick(
                    self,
                    Number,
                    &[
                        "income",
                        "salary",
                        "pay",
                        "wage",
                        "compensation",
                        "薪",
                        "工资",
                    ],
                    &["hike", "raise", "percent"],
                ),
            ),
            (
                "level",
                pick(
                    self,
                    Number,
                    &["level", "grade", "band", "职级", "级别"],
                    &["satisfaction", "education", "stock", "involvement"],
                )
                .or_else(|| {
                    pick(
                        self,
                        Category,
                        &["level", "grade", "band", "职级", "级别"],
                        &["education"],
                    )
                }),
            ),
            (
                "department",
                pick(
                    self,
                    Category,
                    &["department", "dept", "division", "function", "部门"],
                    &[],
                ),
            ),
            (
                "team",
                pick(self, Category, &["team", "unit", "团队", "小组"], &[]),
            ),
            (
                "manager",
                pick(
                    self,
                    Category,
                    &["manager", "supervisor", "上级", "经理", "主管"],
                    &["years", "months"],
                ),
            ),
            (
                "rating",
                pick(
                    self,
                    Number,
                    &["rating", "performance", "绩效"],
                    &["satisfaction"],
                ),
            ),
            (
                "hire_date",
                pick(self, Date, &["join", "hire", "start", "入职"], &[]),
            ),
            (
                "critical_role",
                pick(self, Category, CRITICAL_ROLE_NAMES, &[])
                    .or_else(|| pick(self, Number, CRITICAL_ROLE_NAMES, &[])),
            ),
        ];
        for (role, index) in found {
            let Some(index) = index else { continue };
            let name = self.columns[index].name.clone();
            let roles = &mut self.mapping.roles;
            let slot = match role {
                "pay" => &mut roles.pay,
                "level" => &mut roles.level,
                "department" => &mut roles.department,
                "team" => &mut roles.team,
                "manager" => &mut roles.manager,
                "rating" => &mut roles.rating,
                "critical_role" => &mut roles.critical_role,
                _ => &mut roles.hire_date,
            };
            *slot = Some(name);
            self.columns[index].notes.push(format!("role: {role}"));
        }
        for index in 0..self.columns.len() {
            let c = &self.columns[index];
            if self.free(index)
                && c.kind == Number
                && named_like(
                    &c.name,
                    &[
                        "satisfaction",
                        "engagement",
                        "sentiment",
                        "intention",
                        "involvement",
                        "survey",
                        "enps",
                    ],
                )
            {
                self.mapping.roles.survey.push(c.name.clone());
                self.columns[index].notes.push("role: survey".into());
            }
        }
    }

    /// Labels for the inputs whose names it knows (and readable English for the rest): roles
    /// other than survey answers already have words of their own ("pay", "薪资").
    fn labels(&mut self) {
        // Survey answers keep their own names: "survey" says too little.
        let role_columns: HashSet<String> = self
            .mapping
            .roles
            .columns()
            .filter(|(role, _)| *role != tenure_domain::ColumnRole::Survey)
            .map(|(_, c)| c.to_owned())
            .collect();
        let inputs: Vec<String> = self
            .mapping
            .columns
            .keys()
            .filter(|c| !self.mapping.protected.contains(c))
            .cloned()
            .collect();
        for name in inputs.iter().filter(|n| !role_columns.contains(*n)) {
            let stem = words(name);
            let known = LABEL_WORDS.iter().find(|(s, _, _)| stem.contains(s));
            let chinese = name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let en = match known {
                Some((_, en, _)) if chinese => Some((*en).to_owned()),
                _ if chinese => None,
                _ => Some(humanized(name)).filter(|h| h != name),
            };
            let zh = match known {
                Some((_, _, zh)) => Some((*zh).to_owned()),
                None if chinese => Some(name.clone()),
                None => None,
            }
            .filter(|zh| zh != name || en.is_some());
            if en.is_none() && zh.is_none() {
                continue;
            }
            self.mapping
                .roles
                .labels
                .insert(name.clone(), tenure_domain::ColumnLabel { en, zh });
        }
    }

    /// Inputs get an explicit kind, so an import catches a stray text cell in a numeric column.
    fn kinds(&mut self) {
        let skip: HashSet<String> = self.mapping.ignore.iter().cloned().collect();
        for column in self.columns.iter() {
            let special = [
                &self.mapping.id,
                &self.mapping.as_of,
                &self.mapping.exit_date,
                // How someone left is known only once they have: never an input.
                &self.mapping.exit_kind,
                &self.mapping.target,
                &self.mapping.duration,
                &self.mapping.event,
            ];
            if skip.contains(&column.name)
                || special.iter().any(|s| s.as_deref() == Some(&column.name))
            {
                continue;
            }
            self.mapping
                .columns
                .insert(column.name.clone(), column.kind);
            if let Some(format) = &column.date_format {
                self.mapping
                    .date_formats
                    .insert(column.name.clone(), format.clone());
            }
        }
    }
}

/// HR words by the stem of a column name, in English and Chinese: the labels `inspect`
/// proposes, so explanations say "satisfaction 2" / "满意度 2" rather than a column's name.
/// Compound names come before their parts.
const LABEL_WORDS: &[(&str, &str, &str)] = &[
    (
        "environmentsatisfaction",
        "satisfaction with the work environment",
        "工作环境满意度",
    ),
    (
        "relationshipsatisfaction",
        "satisfaction with relationships at work",
        "工作关系满意度",
    ),
    ("jobsatisfaction", "job satisfaction", "工作满意度"),
    ("worklifebalance", "work-life balance", "工作生活平衡"),
    ("jobinvolvement", "job involvement", "工作投入度"),
    (
        "yearssincelastpromotion",
        "years since the last promotion",
        "距上次晋升年数",
    ),
    (
        "yearsincurrentrole",
        "years in the current role",
        "现岗位年数",
    ),
    (
        "yearswithcurrmanager",
        "years with the current manager",
        "与现任经理共事年数",
    ),
    ("yearsatcompany", "years with the organization", "司龄"),
    ("totalworkingyears", "years of work experience", "工作年限"),
    ("numcompaniesworked", "employers before", "曾就职公司数"),
    ("distancefromhome", "commute distance", "通勤距离"),
    (
        "trainingtimeslastyear",
        "trainings last year",
        "去年培训次数",
    ),
    (
        "percentsalaryhike",
        "last pay rise (%)",
        "上次加薪幅度（%）",
    ),
    ("stockoptionlevel", "stock options", "股票期权级别"),
    ("businesstravel", "business travel", "出差频率"),
    ("overtime", "overtime", "加班"),
    ("satisfaction", "satisfaction", "满意度"),
    ("engagement", "engagement", "敬业度"),
    ("absen", "absences", "缺勤"),
    ("hours", "working hours", "工时"),
    ("educationfield", "field of study", "专业"),
    ("education", "education", "学历"),
    ("position", "job", "岗位"),
    ("jobtitle", "job", "岗位"),
    ("jobrole", "job", "岗位"),
    ("location", "location", "工作地点"),
    ("site", "location", "工作地点"),
    ("加班", "overtime", "加班"),
    ("满意度", "satisfaction", "满意度"),
    ("绩效", "performance rating", "绩效"),
    ("岗位", "job", "岗位"),
    ("学历", "education", "学历"),
    ("缺勤", "absences", "缺勤"),
    ("工时", "working hours", "工时"),
    ("司龄", "years with the organization", "司龄"),
    ("地点", "location", "工作地点"),
];

/// A column name as words: `Annual_Base_Pay` → "annual base pay", `EmpSatisfaction` → "emp
/// satisfaction".
fn humanized(name: &str) -> String {
    let mut words = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            words.push(' ');
        } else {
            if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
            {
                words.push(' ');
            }
            words.extend(c.to_lowercase());
        }
        previous = Some(c);
    }
    words.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether no two rows share both the id (column `id`) and the value of column `date`.
fn tells_rows_apart(table: &Table, id: usize, date: usize) -> bool {
    let mut seen = HashSet::with_capacity(table.rows.len());
    table
        .rows
        .iter()
        .all(|row| seen.insert((&row.cells[id], &row.cells[date])))
}

/// 0,1,2,… or 1,2,3,… down the file: a row counter, typically pandas' unnamed index.
fn is_row_number(table: &Table, index: usize) -> bool {
    // An employee number can count 1, 2, 3 too: only a nameless or index-named column qualifies.
    let name = words(&table.header[index]);
    if !(name.starts_with("column")
        || name.starts_with("unnamed")
        || ["index", "row", "rownumber", "#"].contains(&name.as_str()))
    {
        return false;
    }
    let numbers: Option<Vec<i64>> = cells(table, index).map(|c| c.parse::<i64>().ok()).collect();
    let Some(numbers) = numbers else { return false };
    let start = numbers.first().copied().unwrap_or(-1);
    (start == 0 || start == 1)
        && numbers
            .iter()
            .enumerate()
            .all(|(i, n)| *n == start + i as i64)
}

/// Whether an outcome value is one of the words exports use for "left".
fn is_leaving_word(value: &str) -> bool {
    LEAVING_WORDS.contains(&value.to_lowercase().as_str()) || parse_number(value) == Some(1.0)
}

/// The outcome value meaning "left", by the words exports use for it.
fn positive_value(table: &Table, index: usize) -> String {
    let values: BTreeSet<&str> = cells(table, index).collect();
    values
        .iter()
        .find(|v| is_leaving_word(v))
        .or_else(|| values.iter().next_back())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// Outcome values that mean "left".
const LEAVING_WORDS: &[&str] = &[
    "yes",
    "1",
    "true",
    "y",
    "left",
    "leaver",
    "exited",
    "terminated",
    "inactive",
    "former",
    "是",
    "已离职",
    "离职",
];

impl Inspection {
    /// A readable table of the columns followed by the proposed mapping.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "{}: {} rows, {} columns\n\n",
            self.file,
            self.rows,
            self.columns.len()
        );
        let width = self
            .columns
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        let _ = writeln!(
            out,
            "{:>3}  {:<width$}  {:<14}  {:>7}  {:>8}  {:<30}  notes",
            "#", "column", "kind", "missing", "distinct", "examples"
        );
        for (i, c) in self.columns.iter().enumerate() {
            let kind = match &c.date_format {
                Some(f) => format!("date {f}"),
                None => c.kind.to_string(),
            };
            let examples: String = c.examples.join(", ").chars().take(30).collect();
            let mut notes = c.notes.clone();
            if let Some(category) = c.protected {
                if !notes.iter().any(|n| n.starts_with("looks protected")) {
                    notes.push(format!("looks protected ({category})"));
                }
            }
            let _ = writeln!(
                out,
                "{:>3}  {:<width$}  {:<14}  {:>7}  {:>8}  {:<30}  {}",
                i + 1,
                c.name,
                kind,
                c.missing,
                c.distinct,
                examples,
                notes.join("; ")
            );
        }
        let flagged: Vec<&str> = self
            .columns
            .iter()
            .filter(|c| c.protected.is_some())
            .map(|c| c.name.as_str())
            .collect();
        if !flagged.is_empty() {
            let _ = writeln!(
                out,
                "\nlooks protected (never model inputs; mark protected or ignore): {}",
                flagged.join(", ")
            );
        }
        let _ = write!(out, "\nproposed mapping (write it with --format toml, review, then `tenure import FILE --mapping MAP.toml`):\n\n{}", self.proposed.to_toml());
        out
    }

    /// The proposed mapping as a commented TOML file to edit.
    pub fn render_toml(&self) -> String {
        let mut out = format!(
            "# tenure mapping proposed by `tenure inspect` for {} ({} rows).\n",
            self.file, self.rows
        );
        out.push_str("# Review it before importing: check the id, dates, outcome and roles;\n");
        out.push_str(
            "# protected columns are kept apart for fairness audits and are never model inputs.\n",
        );
        for c in &self.columns {
            if !c.notes.is_empty() {
                let _ = writeln!(out, "#   {}: {}", c.name, c.notes.join("; "));
            }
        }
        out.push('\n');
        out.push_str(&self.proposed.to_toml());
        out
    }
}

/// Column names that mark a critical role or key skill (a regretted leaver if they go).
const CRITICAL_ROLE_NAMES: &[&str] = &[
    "critical",
    "key_role",
    "key role",
    "keyrole",
    "key_talent",
    "key talent",
    "key_position",
    "关键岗位",
    "关键人才",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_table as table;

    #[test]
    fn proposes_a_panel_with_ambiguous_dates_read_as_monthly_snapshots() {
        let rows: &[&[&str]] = &[
            &["0", "01/01/19", "1", "24/12/18", "", "M"],
            &["1", "02/01/19", "1", "24/12/18", "15/02/19", "M"],
            &["2", "01/01/19", "2", "13/11/18", "", "F"],
        ];
        let t = table(
            &[
                "column_1",
                "MMM-YY",
                "Driver_ID",
                "Dateofjoining",
                "LastWorkingDate",
                "Gender",
            ],
            rows,
        );
        let inspection = inspect(&t);
        let m = &inspection.proposed;
        assert_eq!(m.id.as_deref(), Some("Driver_ID"));
        assert_eq!(
            (m.as_of.as_deref(), m.as_of_format.as_deref()),
            (Some("MMM-YY"), Some("%m/%d/%y"))
        );
        assert_eq!(
            (m.exit_date.as_deref(), m.exit_date_format.as_deref()),
            (Some("LastWorkingDate"), Some("%d/%m/%y"))
        );
        assert_eq!(m.ignore, ["column_1"]);
        assert_eq!(m.protected, ["Gender"]);
        assert_eq!(m.roles.hire_date.as_deref(), Some("Dateofjoining"));
    }

    #[test]
    fn proposes_a_cross_section_target_and_ignores_constants() {
        let rows: &[&[&str]] = &[&["1", "Yes", "1", "5000"], &["2", "No", "1", "6000"]];
        let t = table(
            &[
                "EmployeeNumber",
                "Attrition",
                "EmployeeCount",
                "MonthlyIncome",
            ],
            rows,
        );
        let m = inspect(&t).proposed;
        assert_eq!(
            (m.target.as_deref(), m.positive.as_deref()),
            (Some("Attrition"), Some("Yes"))
        );
        assert_eq!(m.ignore, ["EmployeeCount"]);
        assert_eq!(m.roles.pay.as_deref(), Some("MonthlyIncome"));
        assert_eq!(m.columns.get("MonthlyIncome"), Some(&ColumnKind::Number));
    }

    #[test]
    fn a_chinese_monthly_export_is_understood_without_editing() {
        let rows: &[&[&str]] = &[
            &["1001", "张伟", "202301", "研发部", "18000", "", ""],
            &[
                "1001",
                "张伟",
                "202302",
                "研发部",
                "18000",
                "2023-02-20",
                "主动离职",
            ],
            &["1002", "李娜", "202301", "销售部", "12000", "", ""],
            &["1002", "李娜", "202302", "销售部", "12500", "", ""],
            &["1003", "王芳", "202301", "财务部", "15000", "", ""],
            &[
                "1003",
                "王芳",
                "202302",
                "财务部",
                "15000",
                "2023-02-10",
                "被动离职",
            ],
        ];
        let t = table(
            &[
                "工号",
                "姓名",
                "统计月份",
                "部门",
                "薪资",
                "离职日期",
                "离职原因",
            ],
            rows,
        );
        let m = inspect(&t).proposed;
        assert_eq!(m.id.as_deref(), Some("工号"));
        assert!(
            m.ignore.contains(&"姓名".to_owned()),
            "a name is never an input: {:?}",
            m.ignore
        );
        assert_eq!(
            (m.as_of.as_deref(), m.as_of_format.as_deref()),
            (Some("统计月份"), Some("%Y%m"))
        );
        assert_eq!(m.exit_date.as_deref(), Some("离职日期"));
        assert_eq!(m.exit_kind.as_deref(), Some("离职原因"));
        assert_eq!(m.voluntary, ["主动离职"]);
        assert!(
            !m.columns.contains_key("离职原因"),
            "the exit kind leaks the outcome: {:?}",
            m.columns
        );
        assert_eq!(m.roles.department.as_deref(), Some("部门"));
        assert_eq!(m.roles.pay.as_deref(), Some("薪资"));
    }

    #[test]
    fn names_emails_and_phone_numbers_are_proposed_as_ignored() {
        let rows: &[&[&str]] = &[
            &[
                "1",
                "Ann Lee",
                "ann@example.org",
                "+44 20 7946 0000",
                "Sales",
                "No",
            ],
            &[
                "2",
                "Bo Chan",
                "bo@example.org",
                "+44 20 7946 0001",
                "R&D",
                "Yes",
            ],
        ];
        let t = table(
            &[
                "EmployeeID",
                "Full Name",
                "Contact",
                "Mobile",
                "DepartmentName",
                "Attrition",
            ],
            rows,
        );
        let m = inspect(&t).proposed;
        assert_eq!(m.id.as_deref(), Some("EmployeeID"));
        assert_eq!(m.ignore, ["Full Name", "Contact", "Mobile"]);
        assert_eq!(m.roles.department.as_deref(), Some("DepartmentName"));
        assert_eq!(m.target.as_deref(), Some("Attrition"));
    }

    #[test]
    fn proposes_time_to_event_when_a_duration_sits_beside_the_event() {
        let rows: &[&[&str]] = &[&["M", "3", "1", "1"], &["F", "8", "0", "12"]];
        let t = table(&["gender", "sentiment", "left", "month"], rows);
        let m = inspect(&t).proposed;
        assert_eq!(
            (m.duration.as_deref(), m.event.as_deref()),
            (Some("month"), Some("left"))
        );
        assert_eq!(m.protected, ["gender"]);
        assert_eq!(m.roles.survey, ["sentiment"]);
    }

    /// A cross-section as HR datasets are shared: the target beside the termination date, the
    /// termination reason, the employment status and the person's name.
    #[test]
    fn columns_that_give_the_outcome_away_are_ignored_and_a_name_is_never_an_input() {
        let header = [
            "EmpID",
            "Employee_Name",
            "Termd",
            "DateofTermination",
            "TermReason",
            "EmploymentStatus",
            "Salary",
            "Department",
            "LastReviewDate",
        ];
        let rows: Vec<Vec<String>> = (0..60)
            .map(|i| {
                let left = i % 4 == 0;
                let cell = |s: &str| s.to_owned();
                vec![
                    (10000 + i).to_string(),
                    format!("Person {i}"),
                    cell(if left { "1" } else { "0" }),
                    cell(if left { "4/15/2018" } else { "" }),
                    cell(if left {
                        "Another position"
                    } else {
                        "N/A - still employed"
                    }),
                    cell(if left {
                        "Voluntarily Terminated"
                    } else {
                        "Active"
                    }),
                    (50000 + 700 * i).to_string(),
                    cell(["Sales", "IT/IS", "Production"][i as usize % 3]),
                    format!("{}/1/2019", 1 + i % 7),
                ]
            })
            .collect();
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let inspection = inspect(&table(&header, &rows));
        let m = &inspection.proposed;
        assert_eq!(
            (m.target.as_deref(), m.positive.as_deref()),
            (Some("Termd"), Some("1"))
        );
        for leaking in ["DateofTermination", "TermReason", "EmploymentStatus"] {
            assert!(
                m.ignore.iter().any(|i| i == leaking),
                "{leaking} leaks: {:?}",
                m.ignore
            );
            assert!(!m.columns.contains_key(leaking), "{leaking} is no input");
        }
        assert!(
            m.ignore.iter().any(|i| i == "Employee_Name"),
            "{:?}",
            m.ignore
        );
        for honest in ["Salary", "Department", "LastReviewDate"] {
            assert!(
                m.columns.contains_key(honest),
                "{honest} is an input: {:?}",
                m.ignore
            );
        }
        let notes = inspection.render_toml();
        assert!(notes.contains("DateofTermination: leaks the outcome: filled only for leavers (15 of its 15 values)"), "{notes}");
        assert!(notes.contains("EmploymentStatus: leaks the outcome: predicts it almost perfectly on its own (100.0% of 60 rows)"), "{notes}");
    }

    #[test]
    fn an_employment_status_of_active_or_terminated_is_the_outcome() {
        let rows: Vec<[String; 3]> = (0..20)
            .map(|i| {
                [
                    i.to_string(),
                    (if i % 5 == 0 { "Terminated" } else { "Active" }).into(),
                    (40 + i).to_string(),
                ]
            })
            .collect();
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let m = inspect(&table(&["EmployeeID", "Status", "Age_band"], &rows)).proposed;
        assert_eq!(
            (m.target.as_deref(), m.positive.as_deref()),
            (Some("Status"), Some("Terminated"))
        );
    }

    #[test]
    fn periods_written_as_quarters_or_excel_day_numbers_are_as_of_dates() {
        let quarters: &[&[&str]] = &[
            &["1", "2023Q1", "10"],
            &["1", "2023Q2", "11"],
            &["2", "2023Q1", "9"],
        ];
        let m = inspect(&table(&["EmployeeID", "Quarter", "pay"], quarters)).proposed;
        assert_eq!(
            (m.as_of.as_deref(), m.as_of_format.as_deref()),
            (Some("Quarter"), Some("%YQ%q"))
        );
        let days: &[&[&str]] = &[
            &["1", "44957", "10"],
            &["1", "44985", "11"],
            &["2", "44957", "9"],
        ];
        let m = inspect(&table(&["EmployeeID", "SnapshotDate", "pay"], days)).proposed;
        assert_eq!(
            (m.as_of.as_deref(), m.as_of_format.as_deref()),
            (Some("SnapshotDate"), Some("excel"))
        );
    }
}
