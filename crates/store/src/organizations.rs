//! Organizations: the tenants every other row belongs to.

use crate::connect::Store;
use crate::error::StoreError;
use crate::sql::now;
use sqlx::Row;
use tenure_domain::OrgId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
}

impl Store {
    /// The organization with this slug, created (named `name`) if it does not exist yet.
    pub async fn ensure_organization(
        &self,
        slug: &str,
        name: &str,
    ) -> Result<Organization, StoreError> {
        sqlx::query("INSERT INTO organizations (slug, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING")
            .bind(slug)
            .bind(name)
            .bind(now())
            .execute(&self.pool)
            .await?;
        self.organization(slug)
            .await?
            .ok_or_else(|| StoreError::UnknownOrganization(slug.to_owned()))
    }

    pub async fn organization(&self, slug: &str) -> Result<Option<Organization>, StoreError> {
        let row = sqlx::query("SELECT id, slug, name FROM organizations WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Organization {
            id: OrgId(r.get(0)),
            slug: r.get(1),
            name: r.get(2),
        }))
    }
}
