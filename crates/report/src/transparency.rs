//! The workers' notice and the impact-assessment draft (DPIA; PIPL personal-information
//! impact assessment), written from an organization's own records — its governance record,
//! data mapping, trust settings, warning policy and latest model card — in English or
//! Chinese. Change a record and the documents change with it: nothing here is boilerplate
//! that could drift from what the deployment does.

use crate::document::{Document, Section};
use crate::Locale;
use chrono::NaiveDate;

/// What the organization's records say about its use of tenure.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessingFacts {
    pub organization: String,
    pub generated_on: NaiveDate,
    /// `None` while scoring has not been switched on.
    pub governance: Option<GovernanceFacts>,
    /// The kinds of records the mapping names.
    pub record_kinds: Vec<RecordKind>,
    /// The fields the model reads, in the document's language.
    pub inputs: Vec<String>,
    /// Protected attributes held for fairness audits only.
    pub protected: Vec<String>,
    pub model: Option<ModelFacts>,
    pub min_group_size: u32,
    /// `None` keeps records until they are erased.
    pub retention_months: Option<u32>,
    pub fairness_gate: bool,
    /// Warnings a month HR said it can act on.
    pub warning_capacity: Option<u32>,
    /// People in the latest records.
    pub people: usize,
    /// People objecting now.
    pub objections: usize,
}

/// The governance record.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernanceFacts {
    pub legal_basis: String,
    /// The impact assessment's reference, and when it was completed.
    pub impact_assessment: String,
    pub impact_assessment_on: Option<NaiveDate>,
    pub workers_informed_on: NaiveDate,
    /// Whom people ask, object to or complain to.
    pub contact: Option<String>,
    pub declared_min_roc_auc: f64,
    pub declared_max_calibration_error: f64,
}

/// The latest model's card, in brief.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFacts {
    pub version: i64,
    pub trained_on: String,
    pub horizon_months: Option<i32>,
    pub roc_auc: f64,
    pub calibration_error: f64,
    pub data_from: Option<String>,
    pub data_to: Option<String>,
    /// Whether the card holds a fairness audit, and whether it found a gap.
    pub fairness_audited: bool,
    pub fairness_flagged: bool,
}

/// A kind of record a mapping can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RecordKind {
    HireDate,
    Pay,
    Level,
    OrganizationUnit,
    Manager,
    Rating,
    Survey,
    CriticalRole,
    Exits,
    MonthlySnapshots,
}

impl RecordKind {
    fn words(self, l: Locale) -> &'static str {
        use RecordKind::*;
        match (self, l) {
            (HireDate, Locale::En) => "hire date and length of service",
            (HireDate, Locale::ZhCn) => "入职日期与司龄",
            (Pay, Locale::En) => "pay, and pay against its band",
            (Pay, Locale::ZhCn) => "薪资及其在薪酬带宽中的位置",
            (Level, Locale::En) => "job level and promotions",
            (Level, Locale::ZhCn) => "职级与晋升",
            (OrganizationUnit, Locale::En) => "department and team",
            (OrganizationUnit, Locale::ZhCn) => "部门与团队",
            (Manager, Locale::En) => "manager, and changes of manager",
            (Manager, Locale::ZhCn) => "直属经理及其变更",
            (Rating, Locale::En) => "performance ratings",
            (Rating, Locale::ZhCn) => "绩效评级",
            (Survey, Locale::En) => "answers to the organization's engagement surveys",
            (Survey, Locale::ZhCn) => "组织内部敬业度调查的回答",
            (CriticalRole, Locale::En) => "whether a role is marked critical",
            (CriticalRole, Locale::ZhCn) => "岗位是否被标为关键岗位",
            (Exits, Locale::En) => "past exits: their dates and whether they were voluntary",
            (Exits, Locale::ZhCn) => "过往离职记录：日期及是否主动离职",
            (MonthlySnapshots, Locale::En) => "monthly snapshots of these records over time",
            (MonthlySnapshots, Locale::ZhCn) => "上述记录按月的历史快照",
        }
    }
}

/// One phrase in the document's language: both are written side by side, so neither can be
/// forgotten.
fn pick(l: Locale, en: &str, zh: &str) -> String {
    match l {
        Locale::En => en.to_owned(),
        Locale::ZhCn => zh.to_owned(),
    }
}

fn list(l: Locale, items: &[String]) -> String {
    items.join(match l {
        Locale::En => ", ",
        Locale::ZhCn => "、",
    })
}

impl ProcessingFacts {
    fn horizon(&self) -> i32 {
        self.model
            .as_ref()
            .and_then(|m| m.horizon_months)
            .unwrap_or(6)
    }

    fn legal_basis(&self, l: Locale) -> String {
        match &self.governance {
            Some(g) => g.legal_basis.clone(),
            None => pick(
                l,
                "Not recorded yet: scoring stays switched off until the organization records its legal basis.",
                "尚未记录：在组织记录其法律依据之前，评分保持关闭。",
            ),
        }
    }

    fn contact(&self, l: Locale) -> String {
        self.governance
            .as_ref()
            .and_then(|g| g.contact.clone())
            .unwrap_or_else(|| {
                pick(
                    l,
                    "the HR department (the organization has not yet named a contact in its governance record)",
                    "人力资源部门（组织尚未在治理记录中指定联系人）",
                )
            })
    }

    fn retention(&self, l: Locale) -> String {
        match self.retention_months {
            Some(months) => match l {
                Locale::En => format!("Records of people who have left, and monthly records older than {months} months, are deleted automatically every day."),
                Locale::ZhCn => format!("已离职人员的记录以及超过 {months} 个月的月度记录，每天自动删除。"),
            },
            None => pick(
                l,
                "No retention period is set: records are kept until they are erased, person by person, on request or when the organization erases them.",
                "未设定保存期限：记录保存至被删除为止（应本人请求或由组织逐人删除）。",
            ),
        }
    }

    fn facts_line(&self, l: Locale) -> String {
        let model = self.model.as_ref().map(|m| m.version);
        match (l, model) {
            (Locale::En, Some(v)) => format!("{} · generated on {} from its governance record, data mapping, trust settings and model card (version {v})", self.organization, l.date(self.generated_on)),
            (Locale::En, None) => format!("{} · generated on {} from its governance record, data mapping and trust settings (no model trained yet)", self.organization, l.date(self.generated_on)),
            (Locale::ZhCn, Some(v)) => format!("{} · 于 {} 根据其治理记录、数据映射、信任设置和模型卡（第 {v} 版）生成", self.organization, l.date(self.generated_on)),
            (Locale::ZhCn, None) => format!("{} · 于 {} 根据其治理记录、数据映射和信任设置生成（尚未训练模型）", self.organization, l.date(self.generated_on)),
        }
    }

    fn records_section(&self, l: Locale) -> Section {
        let mut kinds: Vec<String> = self
            .record_kinds
            .iter()
            .map(|k| k.words(l).to_owned())
            .collect();
        if kinds.is_empty() {
            kinds.push(pick(
                l,
                "No records have been imported yet.",
                "尚未导入任何记录。",
            ));
        }
        let mut section = Section::new(pick(l, "Which records are used", "使用哪些记录"))
            .paragraph(pick(
                l,
                "Only records the organization already holds as your employer, from its HR systems:",
                "仅使用组织作为雇主已经持有的、来自其人力资源系统的记录：",
            ))
            .bullets(kinds);
        if !self.inputs.is_empty() {
            section = section.paragraph(match l {
                Locale::En => format!("The model reads these fields: {}.", list(l, &self.inputs)),
                Locale::ZhCn => format!("模型读取以下字段：{}。", list(l, &self.inputs)),
            });
        }
        section.paragraph(pick(
            l,
            "Nothing is collected from outside the organization's own records: no job sites, no social media, no CV databases, no monitoring of e-mail, messages, browsing or devices.",
            "不从组织自身记录以外收集任何信息：不监测招聘网站、社交媒体、简历库，也不监控电子邮件、消息、浏览记录或设备。",
        ))
    }

    fn protected_paragraph(&self, l: Locale) -> String {
        if self.protected.is_empty() {
            return pick(
                l,
                "No protected attribute (such as sex, age, ethnicity, health or union membership) is held, and none is ever a model input.",
                "不持有任何受保护属性（如性别、年龄、民族、健康状况或工会会员身份），也从不将其作为模型输入。",
            );
        }
        match l {
            Locale::En => format!("{} are held only to check that the model treats groups fairly (fairness and bias audits). They are never model inputs, and never shown next to a person.", list(l, &self.protected)),
            Locale::ZhCn => format!("{}仅用于检查模型是否公平对待各群体（公平性与偏差审计）。它们从不作为模型输入，也从不与个人并列显示。", list(l, &self.protected)),
        }
    }

    fn audiences(&self, l: Locale) -> Vec<String> {
        let n = self.min_group_size;
        match l {
            Locale::En => vec![
                "Authorised HR staff and the account owner: individual scores and their main factors, to decide on a supportive step. Every look at a person's score is logged.".into(),
                format!("Managers: only figures about their own reporting line, for groups of at least {n} people, never a person's score or name."),
                "Auditors: fairness and bias audits, the oversight log and the audit log; no individual scores.".into(),
                "You: your own record, scores, factors and who looked at them, through a personal link from HR.".into(),
            ],
            Locale::ZhCn => vec![
                "经授权的人力资源人员和账户所有者：个人评分及其主要因素，用于决定支持性措施。每次查看个人评分都会被记录。".into(),
                format!("经理：仅能看到本人汇报线的汇总数据，且每组至少 {n} 人，绝不显示个人评分或姓名。"),
                "审计人员：公平性与偏差审计、人工监督日志和审计日志；不能查看个人评分。".into(),
                "您本人：通过人力资源部门发送的个人链接，查看关于您的记录、评分、因素以及谁查看过。".into(),
            ],
        }
    }

    fn accuracy_paragraph(&self, l: Locale) -> Option<String> {
        let m = self.model.as_ref()?;
        let declared = self.governance.as_ref();
        let window = match (&m.data_from, &m.data_to) {
            (Some(from), Some(to)) => format!("{from} – {to}"),
            _ => "-".into(),
        };
        Some(match l {
            Locale::En => format!(
                "Model version {} was trained on {} with records from {window}. On records it had not seen it ranked leavers above stayers {} of the time (ROC AUC) with a calibration error of {}{}. Accuracy is re-checked every month against what happened{}.",
                m.version, m.trained_on, l.percent(m.roc_auc, 0), l.number(m.calibration_error, 3),
                if m.fairness_audited { if m.fairness_flagged { "; its fairness audit found a gap between groups, which auditors review" } else { "; its fairness audit found no gap beyond chance between groups" } } else { "" },
                declared.map(|g| format!(", and the organization is alerted below a ROC AUC of {}", l.number(g.declared_min_roc_auc, 2))).unwrap_or_default(),
            ),
            Locale::ZhCn => format!(
                "第 {} 版模型于 {} 训练，使用 {window} 的记录。在未见过的记录上，它有 {} 的概率将离职者排在留任者之前（ROC AUC），校准误差为 {}{}。每月根据实际结果重新检查准确度{}。",
                m.version, m.trained_on, l.percent(m.roc_auc, 0), l.number(m.calibration_error, 3),
                if m.fairness_audited { if m.fairness_flagged { "；其公平性审计发现群体间存在差距，由审计人员复核" } else { "；其公平性审计未发现超出偶然范围的群体差距" } } else { "" },
                declared.map(|g| format!("，当 ROC AUC 低于 {} 时组织会收到警报", l.number(g.declared_min_roc_auc, 2))).unwrap_or_default(),
            ),
        })
    }

    /// The notice to workers (and their representatives) before and during use.
    pub fn workers_notice(&self, l: Locale) -> Document {
        let horizon = self.horizon();
        let org = &self.organization;
        let mut sections = vec![
            Section::new(pick(l, "What this is and why", "这是什么，为什么")).paragraph(match l {
                Locale::En => format!("{org} uses tenure, an attrition early-warning system, to see early where people may be thinking of leaving, so that it can improve what it controls — pay, career paths, workload and management — before good people go. For each person it estimates the chance of leaving voluntarily within {horizon} months and the main factors behind it; for teams, the number of people expected to leave."),
                Locale::ZhCn => format!("{org} 使用离职预警系统 tenure，及早发现员工可能考虑离开的情况，以便在优秀员工离开之前改善组织可以掌控的方面——薪酬、职业发展、工作量和管理。系统为每位员工估计其在 {horizon} 个月内主动离职的概率及主要因素；为团队估计预计离职人数。"),
            }),
            Section::new(pick(l, "Legal basis", "法律依据"))
                .paragraph(self.legal_basis(l))
                .bullets(self.governance_lines(l)),
            self.records_section(l),
            Section::new(pick(l, "What is never used", "绝不使用的信息")).paragraph(self.protected_paragraph(l)),
            Section::new(pick(l, "Who sees what", "谁能看到什么")).bullets(self.audiences(l)),
            Section::new(pick(l, "How warnings are used", "预警如何使用"))
                .paragraph(pick(l,
                    "A warning starts a supportive step — a stay conversation, a pay or career review, help with workload or with management — chosen by a named person in HR who reviews every warning. A warning is never a reason for discipline, dismissal, a lower rating or any other sanction, and no decision about you is made by the system alone.",
                    "预警只会引发支持性的措施——留任谈话、薪酬或职业发展评估、工作量或管理方面的帮助——由人力资源部门中具名的人员逐一审核每条预警后决定。预警绝不会成为纪律处分、解雇、降低评级或任何其他惩罚的理由，也不会仅由系统对您作出任何决定。"))
                .paragraph(match (l, self.warning_capacity) {
                    (Locale::En, Some(n)) => format!("At most {n} warnings are raised a month: what HR has said it can act on."),
                    (Locale::ZhCn, Some(n)) => format!("每月最多产生 {n} 条预警：这是人力资源部门表示能够跟进的数量。"),
                    (Locale::En, None) => "Warnings are limited to what HR can act on each month.".into(),
                    (Locale::ZhCn, None) => "每月预警数量以人力资源部门能够跟进的为限。".into(),
                }),
            Section::new(pick(l, "How long records are kept", "记录保存多久")).paragraph(self.retention(l)),
        ];
        if let Some(accuracy) = self.accuracy_paragraph(l) {
            sections.push(
                Section::new(pick(l, "Accuracy and fairness", "准确度与公平性"))
                    .paragraph(accuracy),
            );
        }
        sections.push(self.rights_section(l));
        Document {
            locale: l,
            title: match l {
                Locale::En => format!("Notice to workers: attrition early warning at {org}"),
                Locale::ZhCn => format!("员工告知书：{org} 的离职预警"),
            },
            facts: vec![self.facts_line(l)],
            sections,
        }
    }

    fn governance_lines(&self, l: Locale) -> Vec<String> {
        let Some(g) = &self.governance else {
            return Vec::new();
        };
        let assessed = g.impact_assessment_on.map(|d| l.date(d));
        match l {
            Locale::En => vec![
                format!("Impact assessment: {}{}", g.impact_assessment, assessed.map(|d| format!(", completed on {d}")).unwrap_or_default()),
                format!("Workers and their representatives were informed on {}, before anyone was scored.", l.date(g.workers_informed_on)),
            ],
            Locale::ZhCn => vec![
                format!("影响评估：{}{}", g.impact_assessment, assessed.map(|d| format!("，于 {d} 完成")).unwrap_or_default()),
                format!("已于 {} 告知员工及其代表，早于任何评分。", l.date(g.workers_informed_on)),
            ],
        }
    }

    fn rights_section(&self, l: Locale) -> Section {
        let contact = self.contact(l);
        Section::new(pick(l, "Your rights", "您的权利")).bullets(match l {
            Locale::En => vec![
                format!("Access and explanation: ask {contact} for a personal link. It shows what tenure holds about you, whether and when you were scored, the main factors in plain words, the model version, and which roles looked at your record and when."),
                "Objection: you can object at any time, through your link or through HR. From then on you are not scored, appear in no warning, and count in figures only as headcount. You can withdraw the objection the same way.".into(),
                "Correction and erasure: ask HR to correct a record or to erase your record from tenure.".into(),
                format!("Complaints: to {contact}, to your workers' representatives, or to the data-protection supervisory authority."),
            ],
            Locale::ZhCn => vec![
                format!("查阅与解释：向{contact}索取个人链接。链接显示 tenure 持有的关于您的信息、您是否及何时被评分、以通俗语言说明的主要因素、模型版本，以及哪些角色在何时查看过您的记录。"),
                "反对：您可以随时通过个人链接或人力资源部门提出反对。此后您将不再被评分、不会出现在任何预警中，在统计数据中仅计入人数。您可以用同样方式撤回反对。".into(),
                "更正与删除：可请人力资源部门更正记录，或从 tenure 中删除您的记录。".into(),
                format!("投诉：可向{contact}、员工代表或个人信息保护监管机构投诉。"),
            ],
        })
    }

    /// The impact-assessment draft: pre-filled from the records, with the parts only the
    /// data-protection officer can write left for them to complete.
    pub fn impact_assessment(&self, l: Locale) -> Document {
        let reference = match &self.governance {
            Some(g) => match (l, g.impact_assessment_on) {
                (Locale::En, Some(d)) => format!(
                    "Reference {} · completed on {}",
                    g.impact_assessment,
                    l.date(d)
                ),
                (Locale::ZhCn, Some(d)) => {
                    format!("编号 {} · 于 {} 完成", g.impact_assessment, l.date(d))
                }
                (Locale::En, None) => format!(
                    "Reference {} · not yet dated in the governance record",
                    g.impact_assessment
                ),
                (Locale::ZhCn, None) => {
                    format!("编号 {} · 治理记录中尚未填写完成日期", g.impact_assessment)
                }
            },
            None => pick(
                l,
                "No reference yet: record it in the governance record once completed.",
                "尚无编号：完成后请记入治理记录。",
            ),
        };
        Document {
            locale: l,
            title: match l {
                Locale::En => format!("Data-protection impact assessment (draft): attrition early warning at {}", self.organization),
                Locale::ZhCn => format!("个人信息保护影响评估（草稿）：{} 的离职预警", self.organization),
            },
            facts: vec![
                self.facts_line(l),
                reference,
                pick(l,
                    "Pre-filled by tenure from the organization's records (GDPR art. 35; PIPL arts. 55–56; EU AI Act art. 26). The data-protection officer completes the boxed parts, then records the reference and date in the governance record.",
                    "由 tenure 根据组织的记录预先填写（GDPR 第 35 条；《个人信息保护法》第 55–56 条；欧盟《人工智能法》第 26 条）。由个人信息保护负责人填写方框部分，然后将编号和日期记入治理记录。"),
            ],
            sections: vec![
                self.description_section(l),
                Section::new(pick(l, "2. Legal basis, necessity and proportionality", "2. 法律依据、必要性与相称性"))
                    .paragraph(self.legal_basis(l))
                    .bullets(self.governance_lines(l))
                    .to_complete(pick(l, "Why the purpose cannot be met by less intrusive means (for example, aggregate reporting only)", "为何无法以侵入性更小的方式（例如仅做汇总报告）实现该目的")),
                Section {
                    heading: pick(l, "3. Data categories", "3. 数据类别"),
                    ..self.records_section(l).paragraph(self.protected_paragraph(l))
                },
                Section::new(pick(l, "4. Recipients and access", "4. 接收方与访问权限")).bullets(self.audiences(l)),
                Section::new(pick(l, "5. Retention", "5. 保存期限")).paragraph(self.retention(l)),
                self.risks_section(l),
                Section::new(pick(l, "7. Consultation", "7. 征求意见"))
                    .to_complete(pick(l, "Views of the workers or their representatives (works council, trade union), and how they were taken into account", "员工或其代表（职工代表大会、工会）的意见，以及如何予以考虑"))
                    .to_complete(pick(l, "Advice of the data-protection officer", "个人信息保护负责人的意见")),
                Section::new(pick(l, "8. Residual risk and decision", "8. 剩余风险与结论"))
                    .to_complete(pick(l, "Residual risk after the measures, and whether the supervisory authority must be consulted beforehand", "采取措施后的剩余风险，以及是否需要事先咨询监管机构"))
                    .to_complete(pick(l, "Approved by (name, role, date)", "批准人（姓名、职务、日期）"))
                    .note(pick(l, "Review this assessment when the model, the data or the use changes. tenure re-checks accuracy every month and alerts below the declared level.", "当模型、数据或用途发生变化时，请重新评估。tenure 每月重新检查准确度，低于声明水平时发出警报。")),
            ],
        }
    }

    fn description_section(&self, l: Locale) -> Section {
        let horizon = self.horizon();
        let scope = match (l, &self.model) {
            (Locale::En, Some(m)) => format!(
                "Scope: {} people in the latest records; model version {} trained on {}.",
                l.count(self.people),
                m.version,
                m.trained_on
            ),
            (Locale::ZhCn, Some(m)) => format!(
                "范围：最新记录中共 {} 人；第 {} 版模型于 {} 训练。",
                l.count(self.people),
                m.version,
                m.trained_on
            ),
            (Locale::En, None) => format!(
                "Scope: {} people in the latest records; no model trained yet.",
                l.count(self.people)
            ),
            (Locale::ZhCn, None) => format!(
                "范围：最新记录中共 {} 人；尚未训练模型。",
                l.count(self.people)
            ),
        };
        let objections = match l {
            Locale::En => format!("{} people currently object to being scored and are left out of scoring, warnings and training.", l.count(self.objections)),
            Locale::ZhCn => format!("目前有 {} 人反对被评分，已被排除在评分、预警和训练之外。", l.count(self.objections)),
        };
        Section::new(pick(l, "1. Description of the processing", "1. 处理活动说明"))
            .paragraph(match l {
                Locale::En => format!("Purpose: to estimate each person's chance of leaving voluntarily within {horizon} months, and each team's expected leavers, so that HR can offer supportive steps (stay conversations, pay and career reviews, workload help) where conditions the organization controls are pushing people out."),
                Locale::ZhCn => format!("目的：估计每位员工在 {horizon} 个月内主动离职的概率及各团队的预计离职人数，以便在组织可控因素导致员工流失时，由人力资源部门提供支持性措施（留任谈话、薪酬与职业发展评估、工作量方面的帮助）。"),
            })
            .paragraph(pick(l,
                "Nature: profiling of employees by a statistical model (high-risk use in employment under the EU AI Act, Annex III 4(b)). No decision with legal or similarly significant effect is taken by the system alone: a named person reviews every warning before any action.",
                "性质：通过统计模型对员工进行画像（属于欧盟《人工智能法》附件三第 4(b) 项规定的雇佣领域高风险用途）。系统不会单独作出具有法律效力或类似重大影响的决定：任何行动之前，均由具名人员审核每条预警。"))
            .paragraph(scope)
            .paragraph(objections)
    }

    fn risks_section(&self, l: Locale) -> Section {
        let n = self.min_group_size;
        let gate = match (l, self.fairness_gate) {
            (Locale::En, true) => "the fairness release gate is on: a model whose audit finds a gap is stored but not used",
            (Locale::En, false) => "the fairness release gate is off: a flagged audit is shown to auditors but does not hold the model back",
            (Locale::ZhCn, true) => "公平性发布闸门已开启：审计发现差距的模型会被保存但不会投入使用",
            (Locale::ZhCn, false) => "公平性发布闸门未开启：被标记的审计结果会展示给审计人员，但不会阻止模型使用",
        };
        let rows: Vec<Vec<String>> = match l {
            Locale::En => vec![
                vec!["Secret profiling: people learn they were flagged only when called in".into(), "This notice; each person's own view of their record, scores, factors and viewers; the right to an explanation.".into()],
                vec!["A warning used against a person (sanction, dismissal, lower rating)".into(), "Warnings propose only supportive steps; a named reviewer is recorded for every action; the oversight log exports for auditors; sanctions are out of scope in the model card.".into()],
                vec!["Discrimination against a protected group".into(), format!("Protected attributes are never model inputs; every model carries a fairness audit and a published bias audit (impact ratios); {gate}.")],
                vec!["Re-identification of a person in team figures".into(), format!("Figures for groups under {n} people are hidden, with complementary suppression; managers see their own line only.")],
                vec!["Inaccurate or stale scores".into(), "Honest backtests on later months; calibrated probabilities; people with too little data are not scored; accuracy re-checked monthly against the declared level, with alerts.".into()],
                vec!["Unauthorised access to individual scores".into(), "Individual scores for authorised HR roles only; every read is audited; argon2id passwords, HttpOnly sessions, CSRF protection, hashed scoped API tokens, per-organization isolation in storage, secrets sealed at rest.".into()],
                vec!["Collection beyond the employment relationship".into(), "tenure reads only the organization's own HR records: no job sites, social media or device monitoring.".into()],
                vec!["A person who does not want to be scored".into(), "Objection honoured by every path (scoring runs, HR events, what-if, training), reversible by the person.".into()],
                vec!["Harm while a problem is investigated".into(), "The kill switch suspends all scoring and warnings at once.".into()],
            ],
            Locale::ZhCn => vec![
                vec!["秘密画像：员工直到被约谈才知道自己被标记".into(), "本告知；每个人都可查看关于自己的记录、评分、因素和查看者；享有获得解释的权利。".into()],
                vec!["预警被用来对个人不利（处分、解雇、降低评级）".into(), "预警只提出支持性措施；每项行动都记录具名审核人；人工监督日志可导出供审计；模型卡将处分列为禁止用途。".into()],
                vec!["对受保护群体的歧视".into(), format!("受保护属性从不作为模型输入；每个模型都附有公平性审计和可公开的偏差审计（影响比率）；{gate}。")],
                vec!["在团队数据中识别出个人".into(), format!("少于 {n} 人的群体数据被隐藏，并进行互补隐藏；经理只能看到自己的汇报线。")],
                vec!["评分不准确或过时".into(), "在之后月份上做诚实的回测；概率经过校准；数据过少的人员不予评分；每月对照声明水平重新检查准确度并发出警报。".into()],
                vec!["未经授权访问个人评分".into(), "个人评分仅限经授权的人力资源角色；每次读取均有审计记录；argon2id 密码、HttpOnly 会话、CSRF 防护、哈希存储且限定范围的 API 令牌、存储层按组织隔离、密钥静态加密。".into()],
                vec!["超出雇佣关系范围收集信息".into(), "tenure 只读取组织自身的人力资源记录：不监测招聘网站、社交媒体或设备。".into()],
                vec!["不希望被评分的人".into(), "所有路径（评分、人事事件、假设分析、训练）都尊重反对，本人可撤回。".into()],
                vec!["调查问题期间造成的损害".into(), "紧急停止开关可立即暂停所有评分和预警。".into()],
            ],
        };
        Section::new(pick(
            l,
            "6. Risks and the measures against them",
            "6. 风险及应对措施",
        ))
        .table(
            vec![
                pick(l, "Risk", "风险"),
                pick(l, "Measures in place", "已采取的措施"),
            ],
            rows,
            &[2.0, 3.0],
        )
        .to_complete(pick(
            l,
            "Likelihood and severity of each risk after these measures, and any further measures",
            "采取上述措施后各项风险的可能性与严重程度，以及其他补充措施",
        ))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn facts() -> ProcessingFacts {
        ProcessingFacts {
            organization: "Acme".into(),
            generated_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            governance: Some(GovernanceFacts {
                legal_basis: "GDPR art. 6(1)(f); works agreement 2026-03".into(),
                impact_assessment: "DPIA-2026-07".into(),
                impact_assessment_on: NaiveDate::from_ymd_opt(2026, 11, 2),
                workers_informed_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                contact: Some("privacy@acme.example".into()),
                declared_min_roc_auc: 0.65,
                declared_max_calibration_error: 0.1,
            }),
            record_kinds: vec![RecordKind::Pay, RecordKind::Survey, RecordKind::Exits],
            inputs: vec!["pay".into(), "overtime".into()],
            protected: vec!["Gender".into()],
            model: Some(ModelFacts {
                version: 3,
                trained_on: "2026-12-01".into(),
                horizon_months: Some(6),
                roc_auc: 0.81,
                calibration_error: 0.021,
                data_from: Some("2024-01-31".into()),
                data_to: Some("2026-10-31".into()),
                fairness_audited: true,
                fairness_flagged: false,
            }),
            min_group_size: 7,
            retention_months: Some(36),
            fairness_gate: true,
            warning_capacity: Some(12),
            people: 1470,
            objections: 2,
        }
    }

    fn words(document: &Document) -> String {
        document.texts().collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn the_notice_says_what_the_records_say_and_changes_with_them() {
        let f = facts();
        let notice = words(&f.workers_notice(Locale::En));
        for expected in [
            "GDPR art. 6(1)(f); works agreement 2026-03",
            "DPIA-2026-07",
            "within 6 months",
            "pay, overtime",
            "Gender are held only",
            "at least 7 people",
            "older than 36 months",
            "At most 12 warnings",
            "version 3",
            "privacy@acme.example",
            "no job sites",
        ] {
            assert!(
                notice.contains(expected),
                "{expected:?} missing from:\n{notice}"
            );
        }
        let mut changed = f.clone();
        changed.min_group_size = 10;
        changed.retention_months = None;
        changed.governance.as_mut().unwrap().legal_basis = "PIPL art. 13(1)(2)".into();
        let after = words(&changed.workers_notice(Locale::En));
        assert!(after.contains("at least 10 people") && !after.contains("at least 7 people"));
        assert!(after.contains("kept until they are erased"));
        assert!(after.contains("PIPL art. 13(1)(2)"));
    }

    #[test]
    fn the_chinese_notice_is_chinese_and_carries_the_same_records() {
        let notice = words(&facts().workers_notice(Locale::ZhCn));
        assert!(notice.contains("员工告知书"));
        assert!(notice.contains("每组至少 7 人"));
        assert!(notice.contains("DPIA-2026-07"));
        assert!(notice.contains("privacy@acme.example"));
        assert!(!notice.contains("Who sees what"), "no English heading left");
    }

    #[test]
    fn the_impact_assessment_is_prefilled_and_leaves_the_officers_parts_to_complete() {
        let draft = facts().impact_assessment(Locale::En);
        let text = words(&draft);
        assert!(text.contains("Reference DPIA-2026-07 · completed on"));
        assert!(text.contains("fairness release gate is on"));
        assert!(text.contains("2 people currently object"));
        let to_complete = draft
            .sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter(|b| matches!(b, crate::document::Block::ToComplete(_)))
            .count();
        assert!(to_complete >= 4, "{to_complete}");
        let mut off = facts();
        off.fairness_gate = false;
        assert!(words(&off.impact_assessment(Locale::En)).contains("gate is off"));
        assert!(words(&facts().impact_assessment(Locale::ZhCn)).contains("个人信息保护影响评估"));
    }
}
