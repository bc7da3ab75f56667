//! Single sign-on's rules: which e-mail addresses an organization's identity provider may sign
//! in, and which role (and scope) the provider's groups grant. No I/O: the server reads the
//! provider's claims, these rules decide.

use crate::access::Role;
use serde::{Deserialize, Serialize};

/// One line of the group-to-role mapping: members of `group` at the provider sign in to
/// tenure as `role`, limited to `units` when any are named (for HR partners).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupGrant {
    pub group: String,
    pub role: Role,
    #[serde(default)]
    pub units: Vec<String>,
}

/// What signing in grants a person: a role, its units and, for a manager, whose reporting
/// line they see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub units: Vec<String>,
    pub manager_key: Option<String>,
}

/// Why a signed-in identity gets no access.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignOnRefusal {
    #[error("the identity provider sent no e-mail address; ask its administrator to release the `email` claim to tenure")]
    NoEmail,
    #[error("the identity provider has not verified the address {0}")]
    UnverifiedEmail(String),
    #[error("{email} is not in a domain this organization signs in from ({allowed})")]
    DomainNotAllowed { email: String, allowed: String },
    #[error("none of your groups at the identity provider grants access to tenure; ask your administrator to add you to one")]
    NoGroup,
    #[error("your group grants the manager role, but the identity provider sent no `{claim}` claim saying whose reporting line you see")]
    NoReportingLine { claim: String },
}

/// An organization's sign-on rules: allowed e-mail domains (none means any) and the group
/// mapping, most privileged role first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignOnRules {
    pub allowed_domains: Vec<String>,
    pub grants: Vec<GroupGrant>,
    /// The claim naming a manager's reporting line (their employee number in the HR data).
    pub manager_key_claim: String,
}

impl SignOnRules {
    /// The address to sign in, after checking it is there, verified (a provider that does
    /// not say is trusted, as Microsoft Entra ID never says) and in an allowed domain.
    pub fn admit(
        &self,
        email: Option<&str>,
        verified: Option<bool>,
    ) -> Result<String, SignOnRefusal> {
        let email = email
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .ok_or(SignOnRefusal::NoEmail)?
            .to_lowercase();
        if verified == Some(false) {
            return Err(SignOnRefusal::UnverifiedEmail(email));
        }
        let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
        let allowed = self.allowed_domains.is_empty()
            || self
                .allowed_domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(domain));
        if !allowed {
            return Err(SignOnRefusal::DomainNotAllowed {
                email,
                allowed: self.allowed_domains.join(", "),
            });
        }
        Ok(email)
    }

    /// The grant of the most privileged mapped group the person is in. A person in several
    /// mapped groups gets the highest role among them (owner, hr, auditor, manager), and the
    /// units of every line granting that role, so the mapping's order does not matter.
    pub fn grant(
        &self,
        groups: &[String],
        manager_key: Option<&str>,
    ) -> Result<Grant, SignOnRefusal> {
        let held: Vec<&GroupGrant> = self
            .grants
            .iter()
            .filter(|g| groups.iter().any(|held| held == &g.group))
            .collect();
        let role = held
            .iter()
            .map(|g| g.role)
            .min_by_key(|r| privilege_rank(*r))
            .ok_or(SignOnRefusal::NoGroup)?;
        let lines: Vec<&&GroupGrant> = held.iter().filter(|g| g.role == role).collect();
        // An HR partner limited in one group and unlimited in another is unlimited.
        let units = if lines.iter().any(|g| g.units.is_empty()) {
            Vec::new()
        } else {
            let mut units: Vec<String> = lines.iter().flat_map(|g| g.units.clone()).collect();
            units.sort();
            units.dedup();
            units
        };
        let manager_key = match role {
            Role::Manager => Some(
                manager_key
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| SignOnRefusal::NoReportingLine {
                        claim: self.manager_key_claim.clone(),
                    })?
                    .to_owned(),
            ),
            _ => None,
        };
        Ok(Grant {
            role,
            units,
            manager_key,
        })
    }
}

/// Lower is more privileged: an owner's rights include an HR partner's, whose include what an
/// auditor or a manager sees in aggregate.
fn privilege_rank(role: Role) -> u8 {
    match role {
        Role::Owner => 0,
        Role::Hr => 1,
        Role::Auditor => 2,
        Role::Manager => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> SignOnRules {
        SignOnRules {
            allowed_domains: vec!["example.org".into()],
            grants: vec![
                GroupGrant {
                    group: "tenure-managers".into(),
                    role: Role::Manager,
                    units: vec![],
                },
                GroupGrant {
                    group: "hr-sales".into(),
                    role: Role::Hr,
                    units: vec!["Sales".into()],
                },
                GroupGrant {
                    group: "hr-ops".into(),
                    role: Role::Hr,
                    units: vec!["Ops".into()],
                },
                GroupGrant {
                    group: "it-admins".into(),
                    role: Role::Owner,
                    units: vec![],
                },
            ],
            manager_key_claim: "employee_number".into(),
        }
    }

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn addresses_are_admitted_only_verified_and_from_an_allowed_domain() {
        let rules = rules();
        assert_eq!(
            rules.admit(Some(" Ana@Example.org "), Some(true)),
            Ok("ana@example.org".into())
        );
        assert_eq!(
            rules.admit(Some("ana@example.org"), None),
            Ok("ana@example.org".into()),
            "a provider that does not say is trusted"
        );
        assert!(matches!(
            rules.admit(Some("ana@example.org"), Some(false)),
            Err(SignOnRefusal::UnverifiedEmail(_))
        ));
        assert!(matches!(
            rules.admit(Some("ana@evil.example"), Some(true)),
            Err(SignOnRefusal::DomainNotAllowed { .. })
        ));
        assert!(
            matches!(
                rules.admit(Some("ana@sub.example.org"), Some(true)),
                Err(SignOnRefusal::DomainNotAllowed { .. })
            ),
            "a subdomain is another domain"
        );
        assert_eq!(rules.admit(None, None), Err(SignOnRefusal::NoEmail));
        let open = SignOnRules::default();
        assert!(open.admit(Some("x@anywhere.example"), None).is_ok());
    }

    #[test]
    fn the_most_privileged_group_wins_whatever_the_order() {
        let rules = rules();
        let grant = rules
            .grant(&groups(&["tenure-managers", "it-admins"]), None)
            .unwrap();
        assert_eq!(grant.role, Role::Owner);
        assert_eq!(grant.manager_key, None);
        let hr = rules
            .grant(&groups(&["hr-ops", "hr-sales", "other"]), None)
            .unwrap();
        assert_eq!(
            (hr.role, hr.units),
            (Role::Hr, vec!["Ops".to_string(), "Sales".to_string()])
        );
        assert_eq!(
            rules.grant(&groups(&["other"]), None),
            Err(SignOnRefusal::NoGroup)
        );
        assert_eq!(rules.grant(&[], None), Err(SignOnRefusal::NoGroup));
    }

    #[test]
    fn a_manager_needs_the_claim_naming_their_line() {
        let rules = rules();
        assert!(matches!(
            rules.grant(&groups(&["tenure-managers"]), None),
            Err(SignOnRefusal::NoReportingLine { .. })
        ));
        let grant = rules
            .grant(&groups(&["tenure-managers"]), Some("E1001"))
            .unwrap();
        assert_eq!(
            (grant.role, grant.manager_key.as_deref()),
            (Role::Manager, Some("E1001"))
        );
    }
}
