//! Every fixed phrase of the pages and reports, in each language. One enum, one `match`: a
//! phrase added without its translation does not compile.

use crate::Locale;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    AppName,
    Overview,
    Teams,
    People,
    Warnings,
    DataAndModels,
    Settings,
    Reports,
    SignIn,
    SignOut,
    Email,
    Password,
    AttritionReport,
    Generated,
    DataAsOf,
    Headcount,
    RiskDistribution,
    RiskDistributionHelp,
    High,
    Medium,
    Low,
    NotEnoughData,
    ExpectedLeavers,
    ExpectedLeaversHelp,
    Months,
    Interval,
    CostOfExpectedLeavers,
    CostHelp,
    AttritionTrend,
    AttritionTrendHelp,
    VoluntaryRate,
    Departments,
    Managers,
    Group,
    Hidden,
    HiddenHelp,
    Drivers,
    DriversHelp,
    Factor,
    Strength,
    ShareRaising,
    PastWarnings,
    PastWarningsHelp,
    RocAuc,
    Brier,
    CalibrationError,
    ModelVersion,
    Horizon,
    NoScoresYet,
    Notes,
    Confidential,
    SkipToContent,
    MainNavigation,
    Language,
    SignInHelp,
    OrganizationOptional,
    AcceptInvitation,
    AcceptInvitationHelp,
    YourName,
    ChoosePassword,
    WarningsThisMonth,
    OpenWarnings,
    DataFreshness,
    LastImport,
    LastEvent,
    ModelHealth,
    Trained,
    Never,
    YourReach,
    ExportHtml,
    ExportPdf,
    ReportsHelp,
    NotForYourRole,
}

impl Words {
    pub fn in_(self, locale: Locale) -> &'static str {
        let (en, zh) = self.pair();
        match locale {
            Locale::En => en,
            Locale::ZhCn => zh,
        }
    }

    fn pair(self) -> (&'static str, &'static str) {
        use Words::*;
        match self {
            AppName => ("tenure", "tenure"),
            Overview => ("Overview", "概览"),
            Teams => ("Teams", "团队"),
            People => ("People", "员工"),
            Warnings => ("Warnings", "预警"),
            DataAndModels => ("Data and models", "数据与模型"),
            Settings => ("Settings", "设置"),
            Reports => ("Reports", "报告"),
            SignIn => ("Sign in", "登录"),
            SignOut => ("Sign out", "退出登录"),
            Email => ("E-mail", "电子邮箱"),
            Password => ("Password", "密码"),
            AttritionReport => ("Attrition report", "离职分析报告"),
            Generated => ("Generated", "生成日期"),
            DataAsOf => ("Data as of", "数据截至"),
            Headcount => ("Headcount", "在职人数"),
            RiskDistribution => ("Risk distribution", "风险分布"),
            RiskDistributionHelp => (
                "People currently employed by risk band of leaving within the model's horizon.",
                "在职员工按模型预测期内离职风险等级的分布。",
            ),
            High => ("High", "高"),
            Medium => ("Medium", "中"),
            Low => ("Low", "低"),
            NotEnoughData => ("Not enough data", "数据不足"),
            ExpectedLeavers => ("Expected voluntary leavers", "预计主动离职人数"),
            ExpectedLeaversHelp => (
                "Expected count with its 90% interval: the interval counts both who leaves and how sure the overall level is.",
                "预计人数及其 90% 区间：区间同时考虑个人离职的随机性与整体水平的不确定性。",
            ),
            Months => ("months", "个月"),
            Interval => ("90% interval", "90% 区间"),
            CostOfExpectedLeavers => ("Cost of expected leavers", "预计离职成本"),
            CostHelp => (
                "Replacement cost as a share of annual pay (21% unless set per level), summed over expected leavers.",
                "替换成本按年薪比例计算（默认 21%，可按职级设定），按预计离职人数加总。",
            ),
            AttritionTrend => ("Attrition trend", "离职趋势"),
            AttritionTrendHelp => (
                "Voluntary leavers each month as a share of that month's headcount.",
                "每月主动离职人数占当月在职人数的比例。",
            ),
            VoluntaryRate => ("Voluntary attrition", "主动离职率"),
            Departments => ("Departments", "部门"),
            Managers => ("Managers", "经理"),
            Group => ("Group", "分组"),
            Hidden => ("hidden", "已隐藏"),
            HiddenHelp => (
                "Groups under the minimum size are hidden, and so is any group that would let a hidden one be worked out.",
                "人数低于最小分组规模的分组会被隐藏；可能据此推算出被隐藏分组的其他分组也会被隐藏。",
            ),
            Drivers => ("What drives risk", "风险驱动因素"),
            DriversHelp => (
                "Factors by their average effect on the predicted risk, and the share of people for whom each raises it.",
                "各因素对预测风险的平均影响，以及该因素使风险升高的员工比例。",
            ),
            Factor => ("Factor", "因素"),
            Strength => ("Strength", "影响强度"),
            ShareRaising => ("Raises risk for", "使风险升高的比例"),
            PastWarnings => ("How right were past warnings", "过往预警的准确度"),
            PastWarningsHelp => (
                "Backtest: the model trained on earlier months, scored later months, and was compared with who actually left.",
                "回测：用较早月份训练模型，对之后月份评分，再与实际离职情况比对。",
            ),
            RocAuc => ("ROC AUC", "ROC AUC"),
            Brier => ("Brier score", "Brier 分数"),
            CalibrationError => ("Calibration error", "校准误差"),
            ModelVersion => ("Model version", "模型版本"),
            Horizon => ("Horizon", "预测期"),
            NoScoresYet => (
                "No scores yet: import data and train a model first.",
                "尚无评分：请先导入数据并训练模型。",
            ),
            Notes => ("Notes", "说明"),
            Confidential => (
                "Confidential: for authorised HR use. Figures are about conditions the organization can change; never use them to confront or penalise anyone.",
                "机密：仅供授权的人力资源人员使用。这些数据反映的是组织可以改善的状况，切勿据此质问或惩罚任何人。",
            ),
            SkipToContent => ("Skip to content", "跳到正文"),
            MainNavigation => ("Main navigation", "主导航"),
            Language => ("Language", "语言"),
            SignInHelp => ("Sign in with the e-mail address your organization invited.", "请使用组织邀请您时所用的电子邮箱登录。"),
            OrganizationOptional => ("Organization (only if you belong to several)", "组织（仅当您属于多个组织时填写）"),
            AcceptInvitation => ("Accept the invitation", "接受邀请"),
            AcceptInvitationHelp => ("Choose your name and a password of at least 12 characters; then sign in.", "请填写姓名并设置至少 12 位的密码，然后登录。"),
            YourName => ("Your name", "您的姓名"),
            ChoosePassword => ("Password (at least 12 characters)", "密码（至少 12 位）"),
            WarningsThisMonth => ("Warnings this month", "本月预警"),
            OpenWarnings => ("open", "未处理"),
            DataFreshness => ("Data freshness", "数据时效"),
            LastImport => ("Last import", "最近导入"),
            LastEvent => ("Last HR event", "最近人事事件"),
            ModelHealth => ("Model health", "模型状况"),
            Trained => ("Trained", "训练时间"),
            Never => ("never", "从未"),
            YourReach => ("Figures over the people you may see", "您可查看范围内的人员统计"),
            ExportHtml => ("Download the report (HTML)", "下载报告（HTML）"),
            ExportPdf => ("Download the report (PDF, English)", "下载报告（PDF，英文）"),
            ReportsHelp => ("The attrition report covers the organization, its departments and its managers: risk, forecast with intervals, cost of expected leavers, trend, drivers and the accuracy of past warnings.", "离职分析报告涵盖整个组织、各部门及各经理团队：风险、带区间的预测、预计离职成本、趋势、驱动因素以及过往预警的准确度。"),
            NotForYourRole => ("Organization-wide figures are for owners, HR and auditors.", "全组织统计仅供所有者、人力资源和审计人员查看。"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_phrases_are_chinese() {
        assert_eq!(Words::Overview.in_(Locale::ZhCn), "概览");
        assert_eq!(Words::Overview.in_(Locale::En), "Overview");
    }
}
