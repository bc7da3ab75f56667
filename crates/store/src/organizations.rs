//! Organizations: the tenants every other row belongs to, and the plan each one holds.

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use chrono::NaiveDate;
use sqlx::Row;
use tenure_domain::{Membership, OrgId, Plan};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    /// `None` until a membership is granted (organizations made from the command line).
    pub membership: Option<Membership>,
    /// The smallest group its figures show (5, or its own higher setting).
    pub min_group_size: usize,
}

pub(crate) const ORGANIZATION_COLUMNS: &str =
    "o.id, o.slug, o.name, o.plan, o.plan_expires_on, o.min_group_size";
/// How many columns [`ORGANIZATION_COLUMNS`] names: a query's own columns come after them.
pub(crate) const ORGANIZATION_WIDTH: usize = 6;

pub(crate) fn organization_from_row(r: &sqlx::any::AnyRow) -> Result<Organization, StoreError> {
    let plan: String = r.get(3);
    let expires: Option<String> = r.get(4);
    let membership = match expires {
        None => None,
        Some(day) => Some(Membership {
            plan: Plan::parse(&plan)
                .ok_or_else(|| StoreError::Corrupt(format!("plan {plan:?}")))?,
            expires_on: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map_err(|e| StoreError::Corrupt(format!("plan expiry {day:?}: {e}")))?,
        }),
    };
    Ok(Organization {
        id: OrgId(r.get(0)),
        slug: r.get(1),
        name: r.get(2),
        membership,
        min_group_size: r.get::<i64, _>(5) as usize,
    })
}

impl Store {
    /// The organization with this slug, created (named `name`) if it does not exist yet.
    pub async fn ensure_organization(
        &self,
        slug: &str,
        name: &str,
    ) -> Result<Organization, StoreError> {
        sqlx::query("INSERT INTO organizations (slug, name, created_at, pseudonym_key) VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING")
            .bind(slug)
            .bind(name)
            .bind(now())
            .bind(crate::trust::new_pseudonym_key())
            .execute(&mut *self.connection().await?)
            .await?;
        self.organization(slug)
            .await?
            .ok_or_else(|| StoreError::UnknownOrganization(slug.to_owned()))
    }

    pub async fn organization(&self, slug: &str) -> Result<Option<Organization>, StoreError> {
        let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.slug = $1");
        let row = sqlx::query(&sql)
            .bind(slug)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.as_ref().map(organization_from_row).transpose()
    }

    pub async fn organization_by_id(&self, org: OrgId) -> Result<Option<Organization>, StoreError> {
        let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.id = $1");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.as_ref().map(organization_from_row).transpose()
    }

    /// Every organization, for the platform operator.
    pub async fn organizations(&self) -> Result<Vec<Organization>, StoreError> {
        let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o ORDER BY o.slug");
        let rows = sqlx::query(&sql)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(organization_from_row).collect()
    }

    /// Grants or renews an organization's plan (the platform operator's `tenure admin plan`).
    pub async fn set_membership(
        &self,
        org: OrgId,
        membership: Membership,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE organizations SET plan = $1, plan_expires_on = $2 WHERE id = $3")
            .bind(membership.plan.key())
            .bind(membership.expires_on.to_string())
            .bind(org.0)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }
}
