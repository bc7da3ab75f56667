//! Reading an organization's people and snapshots back: counts, typed snapshots for modelling,
//! and the headline attrition figures.

use crate::connect::Store;
use crate::error::StoreError;
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use serde_json::{Map, Value as Json};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tenure_domain::{ColumnKind, Exit, OrgId, Outcome, PersonKey, Snapshot, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrgCounts {
    pub people: i64,
    pub snapshots: i64,
    pub protected_rows: i64,
    pub as_of_dates: i64,
    pub imports: i64,
}

/// A stored snapshot read back with the import it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSnapshot {
    pub import_id: i64,
    pub snapshot: Snapshot,
}

/// One month's headcount and voluntary leavers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthCount {
    /// The month's first day.
    pub month: NaiveDate,
    pub headcount: u64,
    pub voluntary_leavers: u64,
}

/// Voluntary attrition of one department (by each person's latest snapshot).
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentAttrition {
    pub department: String,
    pub people: u64,
    pub person_months: u64,
    pub voluntary_exits: u64,
    /// 1 − (1 − exits / person-months)^12 for panels; exits / people otherwise.
    pub annual_rate: f64,
}

impl Store {
    /// How many people the organization's records name (those who left included), without
    /// counting their snapshots as [`Store::counts`] does.
    pub async fn people_count(&self, org: OrgId) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM people WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&mut *self.connection().await?)
            .await?;
        Ok(row.get::<i64, _>(0).max(0) as u64)
    }

    pub async fn counts(&self, org: OrgId) -> Result<OrgCounts, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM people WHERE org_id = $1),
                    (SELECT COUNT(*) FROM snapshots WHERE org_id = $1),
                    (SELECT COUNT(*) FROM protected_attributes WHERE org_id = $1),
                    (SELECT COUNT(DISTINCT as_of) FROM snapshots WHERE org_id = $1),
                    (SELECT COUNT(*) FROM imports WHERE org_id = $1)",
        )
        .bind(org.0)
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok(OrgCounts {
            people: row.get(0),
            snapshots: row.get(1),
            protected_rows: row.get(2),
            as_of_dates: row.get(3),
            imports: row.get(4),
        })
    }

    /// People who left, by the export's exit kind and whether it counts as voluntary.
    pub async fn exits_by_kind(&self, org: OrgId) -> Result<Vec<(String, bool, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT COALESCE(exit_kind, ''), exit_voluntary, COUNT(*) FROM people
             WHERE org_id = $1 AND exit_date IS NOT NULL GROUP BY COALESCE(exit_kind, ''), exit_voluntary ORDER BY 3 DESC",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get::<Option<i64>, _>(1) == Some(1), r.get(2)))
            .collect())
    }

    /// Every snapshot of the organization, typed by the kinds its import recorded, in person
    /// and date order. Protected attributes are not read here.
    pub async fn snapshots(&self, org: OrgId) -> Result<Vec<StoredSnapshot>, StoreError> {
        let sql = format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM snapshots s WHERE org_id = $1 ORDER BY person_key, as_of"
        );
        // Typed as they arrive: holding every row first took more memory than the snapshots.
        let kinds = self.value_kinds(org).await?;
        let mut connection = self.connection().await?;
        let mut rows = sqlx::query(&sql).bind(org.0).fetch(&mut *connection);
        let mut snapshots = Vec::new();
        while let Some(row) = rows.try_next().await? {
            snapshots.push(stored_snapshot(&row, &kinds)?);
        }
        Ok(snapshots)
    }

    /// Snapshot rows (read as [`SNAPSHOT_COLUMNS`]) typed by the kinds their imports recorded.
    pub(crate) async fn typed_snapshots(
        &self,
        org: OrgId,
        rows: &[sqlx::any::AnyRow],
    ) -> Result<Vec<StoredSnapshot>, StoreError> {
        let kinds = self.kinds_of_imports(org, rows).await?;
        rows.iter().map(|r| stored_snapshot(r, &kinds)).collect()
    }

    /// The kinds of the imports `rows` came from. An import's kinds are written once, with the
    /// import, so each is read once per store and kept: re-scoring after an event reads a few
    /// snapshots, and reading the organization's imports each time was a statement more.
    async fn kinds_of_imports(
        &self,
        org: OrgId,
        rows: &[sqlx::any::AnyRow],
    ) -> Result<ImportKinds, StoreError> {
        let wanted: HashSet<i64> = rows.iter().map(|r| r.get(2)).collect();
        let known: ImportKinds = {
            let cache = self.import_kinds.lock().expect("import kinds");
            wanted
                .iter()
                .filter_map(|id| cache.get(id).map(|kinds| (*id, kinds.clone())))
                .collect()
        };
        if known.len() == wanted.len() {
            return Ok(known);
        }
        let read = self.value_kinds(org).await?;
        let mut cache = self.import_kinds.lock().expect("import kinds");
        cache.extend(read.iter().map(|(id, kinds)| (*id, kinds.clone())));
        Ok(read)
    }

    /// The kinds of every complete import of the organization, by import id.
    pub(crate) async fn value_kinds(&self, org: OrgId) -> Result<ImportKinds, StoreError> {
        let rows = sqlx::query(
            "SELECT id, value_kinds FROM imports WHERE org_id = $1 AND status = 'complete'",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                let kinds = serde_json::from_str(&r.get::<String, _>(1))
                    .map_err(|e| StoreError::Corrupt(format!("import kinds: {e}")))?;
                Ok((r.get(0), Arc::new(kinds)))
            })
            .collect()
    }

    /// Each month's headcount (people with a snapshot dated in it) and voluntary leavers
    /// (people whose voluntary exit is dated in it), months with a headcount only, in order:
    /// counted by the database, without reading the snapshots.
    pub async fn monthly_counts(&self, org: OrgId) -> Result<Vec<MonthCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT month, CAST(SUM(headcount) AS BIGINT), CAST(SUM(leavers) AS BIGINT) FROM (
                SELECT substr(as_of, 1, 7) AS month, COUNT(DISTINCT person_key) AS headcount, 0 AS leavers
                FROM snapshots WHERE org_id = $1 AND as_of <> '' GROUP BY substr(as_of, 1, 7)
                UNION ALL
                SELECT substr(exit_date, 1, 7), 0, COUNT(DISTINCT person_key)
                FROM snapshots WHERE org_id = $1 AND exit_voluntary = 1 AND exit_date IS NOT NULL
                GROUP BY substr(exit_date, 1, 7)
             ) counted GROUP BY month ORDER BY month",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut months = Vec::with_capacity(rows.len());
        for r in rows {
            let month: String = r.get(0);
            let first_day = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt(format!("month {month:?}")))?;
            let (headcount, leavers): (i64, i64) = (r.get(1), r.get(2));
            if headcount > 0 {
                months.push(MonthCount {
                    month: first_day,
                    headcount: headcount as u64,
                    voluntary_leavers: leavers as u64,
                });
            }
        }
        Ok(months)
    }

    /// The organization's as-of dates, oldest first (none for undated data).
    pub async fn as_of_dates(&self, org: OrgId) -> Result<Vec<NaiveDate>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT as_of FROM snapshots WHERE org_id = $1 AND as_of <> '' ORDER BY as_of",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.get(0);
                NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .map_err(|_| StoreError::Corrupt(format!("date {text:?}")))
            })
            .collect()
    }

    /// The people whose voluntary exit is dated after `after`.
    pub async fn voluntary_leavers_after(
        &self,
        org: OrgId,
        after: NaiveDate,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT person_key FROM people WHERE org_id = $1 AND exit_voluntary = 1 AND exit_date > $2 ORDER BY person_key",
        )
        .bind(org.0)
        .bind(after.to_string())
        .fetch_all(&mut *self.connection().await?)
        .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Voluntary attrition by the value of `column` in each person's latest snapshot.
    pub async fn attrition_by(
        &self,
        org: OrgId,
        column: &str,
    ) -> Result<Vec<DepartmentAttrition>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.person_key, s.inputs, s.exit_voluntary, s.target_left FROM snapshots s WHERE s.org_id = $1 ORDER BY s.person_key, s.as_of",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut latest: HashMap<String, (String, u64, bool)> = HashMap::new();
        let mut dated = false;
        for r in &rows {
            let inputs: Map<String, Json> = serde_json::from_str(&r.get::<String, _>(1))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let group = match inputs.get(column) {
                Some(Json::String(s)) => s.clone(),
                Some(Json::Null) | None => "(missing)".into(),
                Some(other) => other.to_string(),
            };
            let left =
                r.get::<Option<i64>, _>(2) == Some(1) || r.get::<Option<i64>, _>(3) == Some(1);
            let entry = latest.entry(r.get(0)).or_insert((group.clone(), 0, false));
            dated |= entry.1 > 0;
            *entry = (group, entry.1 + 1, entry.2 || left);
        }
        let mut groups: BTreeMap<String, DepartmentAttrition> = BTreeMap::new();
        for (group, months, left) in latest.into_values() {
            let g = groups.entry(group.clone()).or_insert(DepartmentAttrition {
                department: group,
                people: 0,
                person_months: 0,
                voluntary_exits: 0,
                annual_rate: 0.0,
            });
            g.people += 1;
            g.person_months += months;
            g.voluntary_exits += u64::from(left);
        }
        let mut result: Vec<DepartmentAttrition> = groups.into_values().collect();
        for g in &mut result {
            g.annual_rate = if dated {
                1.0 - (1.0 - g.voluntary_exits as f64 / g.person_months.max(1) as f64).powi(12)
            } else {
                g.voluntary_exits as f64 / g.people.max(1) as f64
            };
        }
        Ok(result)
    }
}

/// The columns [`stored_snapshot`] reads, in its order (`s` is the snapshots table).
pub(crate) const SNAPSHOT_COLUMNS: &str = "s.person_key, s.as_of, s.import_id, s.inputs, s.exit_date, s.exit_kind, s.exit_voluntary, s.target_left, s.duration, s.event";

/// Each import's column kinds, by import id.
pub(crate) type ImportKinds = HashMap<i64, Arc<BTreeMap<String, ColumnKind>>>;

fn stored_snapshot(
    r: &sqlx::any::AnyRow,
    kinds: &ImportKinds,
) -> Result<StoredSnapshot, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(what.to_owned());
    let import_id: i64 = r.get(2);
    let kinds = kinds
        .get(&import_id)
        .ok_or_else(|| corrupt("snapshot of an unknown import"))?;
    let inputs: Map<String, Json> =
        serde_json::from_str(&r.get::<String, _>(3)).map_err(|e| corrupt(&e.to_string()))?;
    let values = inputs.into_iter().map(|(name, json)| {
        let value = decode_value(
            &json,
            kinds.get(&name).copied().unwrap_or(ColumnKind::Category),
        );
        (name, value)
    });
    let facts = RowFacts::of(r)?;
    let snapshot = Snapshot {
        person: PersonKey::parse(&r.get::<String, _>(0)).map_err(|e| corrupt(&e.to_string()))?,
        as_of: facts.as_of,
        values: values.collect(),
        protected: BTreeMap::new(),
        exit: facts.exit,
        outcome: facts.outcome,
    };
    Ok(StoredSnapshot {
        import_id,
        snapshot,
    })
}

/// What a snapshot row (read as [`SNAPSHOT_COLUMNS`]) says besides its person and inputs.
pub(crate) struct RowFacts {
    pub as_of: Option<NaiveDate>,
    pub exit: Option<Exit>,
    pub outcome: Option<Outcome>,
}

impl RowFacts {
    pub(crate) fn of(r: &sqlx::any::AnyRow) -> Result<RowFacts, StoreError> {
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt(format!("date {s:?}")))
        };
        let as_of: String = r.get(1);
        let exit = match r.get::<Option<String>, _>(4) {
            Some(d) => Some(Exit {
                date: date(&d)?,
                kind: r.get(5),
                voluntary: r.get::<Option<i64>, _>(6) == Some(1),
            }),
            None => None,
        };
        let outcome = match (
            r.get::<Option<i64>, _>(7),
            r.get::<Option<f64>, _>(8),
            r.get::<Option<i64>, _>(9),
        ) {
            (Some(left), _, _) => Some(Outcome::Left(left == 1)),
            (None, Some(duration), Some(event)) => Some(Outcome::Duration {
                duration,
                event: event == 1,
            }),
            _ => None,
        };
        Ok(RowFacts {
            as_of: if as_of.is_empty() {
                None
            } else {
                Some(date(&as_of)?)
            },
            exit,
            outcome,
        })
    }
}

fn decode_value(json: &Json, kind: ColumnKind) -> Value {
    match (json, kind) {
        (Json::Null, _) => Value::Missing,
        (Json::Number(n), _) => n.as_f64().map_or(Value::Missing, Value::Number),
        (Json::String(s), ColumnKind::Date) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_or_else(|_| Value::Category(s.clone()), Value::Date),
        (Json::String(s), _) => Value::Category(s.clone()),
        (other, _) => Value::Category(other.to_string()),
    }
}

impl Store {
    /// Every table and its columns, for schema checks (tenant columns, no gaps).
    pub async fn tables_and_columns(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
            }
            crate::Backend::Postgres => {
                "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            }
        };
        let rows = sqlx::query(sql)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rows {
            tables.entry(r.get(0)).or_default().push(r.get(1));
        }
        Ok(tables.into_iter().collect())
    }
}
