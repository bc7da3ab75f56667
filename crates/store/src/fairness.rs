//! The one read of protected attributes: the fairness audit's. They are stored apart from
//! model inputs (see `imports.rs`) and no other query selects them, which a test checks by
//! reading the source.

use crate::connect::Store;
use crate::error::StoreError;
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use serde_json::Value as Json;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use tenure_domain::{OrgId, Value};

/// A person's protected attributes as of one date (`None` for undated exports).
pub type ProtectedAsOf = (Option<NaiveDate>, BTreeMap<String, Value>);

impl Store {
    /// Every person's protected attributes, by person, oldest first, each record kept only
    /// where it differs from the person's one before (monthly snapshots repeat them: holding
    /// every month's took 200 MB at 10,000 people) — for the fairness audit only. The record
    /// in force at any date is the same as among all of them.
    pub async fn protected_attributes_for_fairness_audit(
        &self,
        org: OrgId,
    ) -> Result<HashMap<String, Vec<ProtectedAsOf>>, StoreError> {
        let mut connection = self.connection().await?;
        let mut rows = sqlx::query("SELECT person_key, as_of, attributes FROM protected_attributes WHERE org_id = $1 ORDER BY person_key, as_of")
            .bind(org.0)
            .fetch(&mut *connection);
        let mut by_person: HashMap<String, Vec<ProtectedAsOf>> = HashMap::new();
        while let Some(r) = rows.try_next().await? {
            let as_of: String = r.get(1);
            let text: String = r.get(2);
            let json: BTreeMap<String, Json> = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("protected attributes: {e}")))?;
            let values = json
                .into_iter()
                .map(|(column, v)| (column, decode(v)))
                .collect();
            let day = NaiveDate::parse_from_str(&as_of, "%Y-%m-%d").ok();
            let records = by_person.entry(r.get(0)).or_default();
            if records.last().is_none_or(|(_, last)| *last != values) {
                records.push((day, values));
            }
        }
        Ok(by_person)
    }
}

fn decode(json: Json) -> Value {
    match json {
        Json::Null => Value::Missing,
        Json::Number(n) => n.as_f64().map_or(Value::Missing, Value::Number),
        Json::String(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_or_else(|_| Value::Category(s), Value::Date),
        other => Value::Category(other.to_string()),
    }
}
