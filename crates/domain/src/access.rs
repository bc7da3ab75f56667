//! Who may do what: the roles a member holds in an organization, the permissions each role
//! grants (nothing unless listed — deny by default), the scopes an API token can carry, and
//! the plans whose entitlements an organization's membership unlocks.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A member's role in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Binds the organization to tenure; manages members, tokens and data.
    Owner,
    /// HR partner: individual scores, limited to assigned org units when any are set.
    Hr,
    /// A line manager: aggregates over their own reporting line, never an individual score.
    Manager,
    /// Reads the audit log and fairness reports.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Hr, Role::Manager, Role::Auditor];

    pub fn key(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Hr => "hr",
            Role::Manager => "manager",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == text)
    }

    /// Everything this role may do. A permission not listed here is refused.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Owner => &[
                ReadIndividualScores,
                ReadAggregates,
                ReadModels,
                UploadData,
                TrainModels,
                ManageMembers,
                ManageTokens,
                ReadAudit,
                ReadPlan,
                ActOnWarnings,
                ConfigureAlerts,
                ManageGovernance,
                ManagePersonalData,
            ],
            Role::Hr => &[
                ReadIndividualScores,
                ReadAggregates,
                ReadModels,
                UploadData,
                TrainModels,
                ActOnWarnings,
            ],
            Role::Manager => &[ReadAggregates],
            // Breakdowns by protected attribute are the auditor's alone.
            Role::Auditor => &[ReadAudit, ReadModels, ReadAggregates, ReadFairness],
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

/// One thing a member (or a token acting for one) may do. Also the scopes of API tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// A person's score and drivers (always audited).
    #[serde(rename = "scores:read")]
    ReadIndividualScores,
    /// Organization and team figures, with small groups hidden.
    #[serde(rename = "aggregates:read")]
    ReadAggregates,
    #[serde(rename = "models:read")]
    ReadModels,
    #[serde(rename = "data:write")]
    UploadData,
    #[serde(rename = "models:train")]
    TrainModels,
    #[serde(rename = "members:manage")]
    ManageMembers,
    #[serde(rename = "tokens:manage")]
    ManageTokens,
    #[serde(rename = "audit:read")]
    ReadAudit,
    #[serde(rename = "plan:read")]
    ReadPlan,
    /// Take a warning through its lifecycle: acknowledge, record actions, close, dismiss.
    #[serde(rename = "warnings:act")]
    ActOnWarnings,
    /// Warning rules, webhooks and e-mail settings; the dead-letter list and replays.
    #[serde(rename = "alerts:configure")]
    ConfigureAlerts,
    /// The governance record that switches scoring on, retention, the fairness gate and the
    /// smallest group shown.
    #[serde(rename = "governance:manage")]
    ManageGovernance,
    /// People's rights: export everything held about a person, erase a person.
    #[serde(rename = "people:manage")]
    ManagePersonalData,
    /// Fairness audits: figures by protected group.
    #[serde(rename = "fairness:read")]
    ReadFairness,
}

impl Permission {
    pub const ALL: [Permission; 14] = [
        Permission::ReadIndividualScores,
        Permission::ReadAggregates,
        Permission::ReadModels,
        Permission::UploadData,
        Permission::TrainModels,
        Permission::ManageMembers,
        Permission::ManageTokens,
        Permission::ReadAudit,
        Permission::ReadPlan,
        Permission::ActOnWarnings,
        Permission::ConfigureAlerts,
        Permission::ManageGovernance,
        Permission::ManagePersonalData,
        Permission::ReadFairness,
    ];

    /// The scope string an API token carries for this permission.
    pub fn scope(self) -> &'static str {
        match self {
            Permission::ReadIndividualScores => "scores:read",
            Permission::ReadAggregates => "aggregates:read",
            Permission::ReadModels => "models:read",
            Permission::UploadData => "data:write",
            Permission::TrainModels => "models:train",
            Permission::ManageMembers => "members:manage",
            Permission::ManageTokens => "tokens:manage",
            Permission::ReadAudit => "audit:read",
            Permission::ReadPlan => "plan:read",
            Permission::ActOnWarnings => "warnings:act",
            Permission::ConfigureAlerts => "alerts:configure",
            Permission::ManageGovernance => "governance:manage",
            Permission::ManagePersonalData => "people:manage",
            Permission::ReadFairness => "fairness:read",
        }
    }

    pub fn parse_scope(text: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.scope() == text)
    }
}

/// A plan an organization can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// Monthly batch scoring and the attrition report.
    Basic,
    /// Everything in basic, plus continuous monitoring, pushed warnings and API access.
    Member,
}

impl Plan {
    pub fn key(self) -> &'static str {
        match self {
            Plan::Basic => "basic",
            Plan::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<Plan> {
        [Plan::Basic, Plan::Member]
            .into_iter()
            .find(|p| p.key() == text)
    }

    pub fn entitlements(self) -> &'static [Entitlement] {
        use Entitlement::*;
        match self {
            Plan::Basic => &[BatchScoring, Reports],
            Plan::Member => &[
                BatchScoring,
                Reports,
                ContinuousMonitoring,
                PushedWarnings,
                ApiAccess,
            ],
        }
    }
}

/// Something a plan unlocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entitlement {
    /// Uploading data, training and scoring in batches.
    BatchScoring,
    /// Reading scores, aggregates and reports.
    Reports,
    /// Scoring each new snapshot or HR event at once.
    ContinuousMonitoring,
    /// Warnings pushed by webhook and e-mail.
    PushedWarnings,
    /// Integrations through API tokens.
    ApiAccess,
}

/// An organization's plan and the last day it is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub plan: Plan,
    /// Inclusive: the membership is active through this day.
    pub expires_on: NaiveDate,
}

impl Membership {
    pub fn is_active(&self, today: NaiveDate) -> bool {
        today <= self.expires_on
    }

    /// What the organization may use today: nothing once the membership has expired (its data
    /// is kept, and comes back with a renewal).
    pub fn entitlements(&self, today: NaiveDate) -> &'static [Entitlement] {
        if self.is_active(today) {
            self.plan.entitlements()
        } else {
            &[]
        }
    }

    pub fn allows(&self, entitlement: Entitlement, today: NaiveDate) -> bool {
        self.entitlements(today).contains(&entitlement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_never_read_individual_scores() {
        assert!(!Role::Manager.allows(Permission::ReadIndividualScores));
        assert_eq!(Role::Manager.permissions(), &[Permission::ReadAggregates]);
    }

    /// TRUST.md 7: breakdowns by protected attribute are the auditor's alone.
    #[test]
    fn only_auditors_read_fairness_breakdowns() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::ReadFairness))
            .collect();
        assert_eq!(readers, [Role::Auditor]);
        assert!(Role::Owner.allows(Permission::ManageGovernance));
        assert!(!Role::Hr.allows(Permission::ManagePersonalData));
    }

    #[test]
    fn only_owners_and_auditors_read_the_audit_log() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::ReadAudit))
            .collect();
        assert_eq!(readers, vec![Role::Owner, Role::Auditor]);
    }

    #[test]
    fn scopes_and_keys_round_trip() {
        use serde::de::value::{Error, StrDeserializer};
        for p in Permission::ALL {
            assert_eq!(Permission::parse_scope(p.scope()), Some(p));
            // Tokens store their scopes as JSON: the serde name must be the scope string.
            let parsed = Permission::deserialize(StrDeserializer::<Error>::new(p.scope()));
            assert_eq!(parsed, Ok(p));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Permission::parse_scope("*"), None);
    }

    #[test]
    fn an_expired_membership_unlocks_nothing() {
        let m = Membership {
            plan: Plan::Member,
            expires_on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        };
        let last_day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert!(m.allows(Entitlement::ApiAccess, last_day));
        assert!(m.entitlements(last_day.succ_opt().unwrap()).is_empty());
        let basic = Membership {
            plan: Plan::Basic,
            ..m
        };
        assert!(!basic.allows(Entitlement::ApiAccess, last_day));
        assert!(basic.allows(Entitlement::BatchScoring, last_day));
    }
}
