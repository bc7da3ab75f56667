//! Identifiers: organizations (tenants) and the people inside them.

use std::fmt;

/// A rule of the domain that an input broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("a person id is empty")]
    EmptyPersonKey,
    #[error("a person id is {len} characters long; at most {max} are allowed")]
    PersonKeyTooLong { len: usize, max: usize },
}

/// The database id of an organization; every tenant-owned row carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(pub i64);

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A person's id as the organization's own export writes it (employee number, driver id…).
///
/// Kept as text: exports mix numeric and alphanumeric ids, and "007" must stay "007".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonKey(String);

impl PersonKey {
    /// Long enough for any HRIS id, short enough that a mis-mapped free-text column is caught.
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(DomainError::EmptyPersonKey);
        }
        let len = trimmed.chars().count();
        if len > Self::MAX_LEN {
            return Err(DomainError::PersonKeyTooLong {
                len,
                max: Self::MAX_LEN,
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_key_keeps_leading_zeros_and_trims_spaces() {
        assert_eq!(PersonKey::parse(" 007 ").unwrap().as_str(), "007");
    }

    #[test]
    fn person_key_rejects_empty_and_overlong_ids() {
        assert_eq!(PersonKey::parse("  "), Err(DomainError::EmptyPersonKey));
        let long = "x".repeat(PersonKey::MAX_LEN + 1);
        assert!(matches!(
            PersonKey::parse(&long),
            Err(DomainError::PersonKeyTooLong { .. })
        ));
    }
}
