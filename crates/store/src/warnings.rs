//! Warnings and the policy that raises them: each organization's rules, every person's score
//! history for the rules to read, and the warnings themselves — at most one per person (or
//! team) per episode, while one is open and for the cooldown after it closes — with their
//! lifecycle: acknowledged, actions recorded, closed by a named reviewer or dismissed, and
//! the outcome (stayed or left) filled in from later exits.

use crate::accounts::timestamp;
use crate::connect::Store;
use crate::error::StoreError;
use crate::models::ScoreGroups;
use crate::sql::now;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use tenure_domain::{
    LifecycleStep, OrgId, PastScore, RiskBand, SupportiveAction, WarningPolicy, WarningStatus,
};

/// A warning to raise: whom it is about, why, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWarning {
    /// The person it is about; `None` for a team's warning (its team is in `groups`).
    pub person: Option<String>,
    pub model_version: i64,
    /// What changed (the rules' triggers), as JSON.
    pub triggers: serde_json::Value,
    /// The top drivers, each with the supportive action it suggests, as JSON.
    pub drivers: serde_json::Value,
    pub groups: ScoreGroups,
    /// The first day of the month of the scores that raised it: the month whose capacity
    /// it spends. `None` for a team's warning, which spends none.
    pub for_month: Option<NaiveDate>,
    /// Kept back by the policy's hold-out share: stored closed, its hold-out ending
    /// [`tenure_domain::HOLD_OUT_DAYS`] on; never listed, opened or delivered.
    pub held_out: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WarningRecord {
    pub id: i64,
    /// The id known outside the app (webhooks, e-mail, links): it says nothing.
    pub public_id: String,
    pub warning: NewWarning,
    pub raised_at: DateTime<Utc>,
    pub status: WarningStatus,
    /// `stayed` or `left`, once known.
    pub outcome: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The reviewer who closed or dismissed it.
    pub closed_by: Option<i64>,
    pub decision: Option<String>,
    pub reason: Option<String>,
}

/// A person's warning with what following it to its outcome needs: the month and risk it was
/// raised at, the person's exit if any, and the kinds of the actions recorded on it.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningFollowUp {
    pub person: String,
    /// The first day of the scored month that raised it.
    pub month: NaiveDate,
    /// The probability of the score it was raised on, if that score is still stored.
    pub risk: Option<f64>,
    /// The person's exit: its date, and whether it was voluntary.
    pub exit: Option<(NaiveDate, bool)>,
    /// Each recorded action's kind, oldest first; `None` for one recorded without a kind.
    pub actions: Vec<Option<SupportiveAction>>,
    /// Kept back by the hold-out: never shown, so nothing could be done on it.
    pub held_out: bool,
}

/// One step of human oversight on a warning, for the auditor's export: which warning (its
/// opaque id, never the person), the step, who took it and when, and what they recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct OversightStep {
    pub warning: String,
    pub raised_at: String,
    pub step: String,
    pub by_user: Option<i64>,
    /// The member's name as it is now; `None` for a step taken by a token or a removed member.
    pub by_name: Option<String>,
    pub at: String,
    /// What was recorded with it: a note; what was done, by whom, when, its kind; a decision
    /// and its reason.
    pub detail: serde_json::Value,
}

/// A raised warning's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedWarning {
    pub id: i64,
    pub public_id: String,
}

/// One step of a warning's lifecycle as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningStepRecord {
    pub step: String,
    pub by_user: Option<i64>,
    pub at: String,
    pub detail: serde_json::Value,
}

/// Which warnings a list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarningFilter {
    pub status: Option<WarningStatus>,
    /// Only warnings newer than this id (a live feed's cursor).
    pub after_id: Option<i64>,
    pub team: Option<String>,
    pub limit: i64,
}

const WARNING_COLUMNS: &str = "id, person_key, model_version, raised_at, triggers, drivers, status, team, department, manager, closed_at, public_id, outcome, closed_by, decision, reason, for_month";

impl Store {
    /// The organization's warning policy (the default until it sets one).
    pub async fn warning_policy(&self, org: OrgId) -> Result<WarningPolicy, StoreError> {
        let row = sqlx::query("SELECT policy FROM warning_policies WHERE org_id = $1")
            .bind(org.0)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        match row {
            None => Ok(WarningPolicy::default()),
            Some(r) => serde_json::from_str(&r.get::<String, _>(0))
                .map_err(|e| StoreError::Corrupt(format!("warning policy: {e}"))),
        }
    }

    pub async fn set_warning_policy(
        &self,
        org: OrgId,
        policy: &WarningPolicy,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(policy).expect("a policy is plain data");
        sqlx::query("INSERT INTO warning_policies (org_id, policy, updated_at) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at")
            .bind(org.0)
            .bind(text)
            .bind(now())
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// Every person's stored scores (abstentions left out), dated by the data they were
    /// made from — or, for undated rows, the day they were made.
    pub async fn score_history(
        &self,
        org: OrgId,
    ) -> Result<HashMap<String, Vec<PastScore>>, StoreError> {
        let rows = sqlx::query("SELECT person_key, as_of, scored_at, probability, band FROM scores WHERE org_id = $1 AND probability IS NOT NULL")
            .bind(org.0)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        let mut by_person: HashMap<String, Vec<sqlx::any::AnyRow>> = HashMap::new();
        for r in rows {
            by_person.entry(r.get(0)).or_default().push(r);
        }
        let mut history = HashMap::with_capacity(by_person.len());
        for (person, rows) in by_person {
            history.insert(person, past_scores(&rows)?);
        }
        Ok(history)
    }

    /// The stored scores of some people only (what re-scoring after an event compares with).
    pub async fn score_history_of(
        &self,
        org: OrgId,
        people: &[String],
    ) -> Result<HashMap<String, Vec<PastScore>>, StoreError> {
        let mut history = HashMap::new();
        for person in people {
            let rows = sqlx::query("SELECT person_key, as_of, scored_at, probability, band FROM scores WHERE org_id = $1 AND person_key = $2 AND probability IS NOT NULL")
                .bind(org.0)
                .bind(person)
                .fetch_all(&mut *self.connection().await?)
                .await?;
            if !rows.is_empty() {
                history.insert(person.clone(), past_scores(&rows)?);
            }
        }
        Ok(history)
    }

    /// Whether the organization has any stored score: before its first, nothing can rise.
    pub async fn has_scores(&self, org: OrgId) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 FROM scores WHERE org_id = $1 LIMIT 1")
                .bind(org.0)
                .fetch_optional(&mut *self.connection().await?)
                .await?
                .is_some(),
        )
    }

    /// Teams with a team warning still open, or closed less than `cooldown_days` ago.
    pub async fn teams_in_warning_episode(
        &self,
        org: OrgId,
        cooldown_days: i64,
    ) -> Result<HashSet<String>, StoreError> {
        let since = timestamp(chrono::Utc::now() - chrono::Duration::days(cooldown_days));
        let rows = sqlx::query("SELECT DISTINCT team FROM warnings WHERE org_id = $1 AND subject = 'team' AND team IS NOT NULL AND (closed_at IS NULL OR closed_at >= $2)")
            .bind(org.0)
            .bind(since)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Which of `people` have a warning still open, or closed less than `cooldown_days` ago.
    pub async fn in_warning_episode(
        &self,
        org: OrgId,
        people: &[&str],
        cooldown_days: i64,
    ) -> Result<HashSet<String>, StoreError> {
        let since = timestamp(chrono::Utc::now() - chrono::Duration::days(cooldown_days));
        let mut busy = HashSet::new();
        for person in people {
            let row = sqlx::query("SELECT 1 FROM warnings WHERE org_id = $1 AND subject = 'person' AND person_key = $2 AND (closed_at IS NULL OR closed_at >= $3) LIMIT 1")
                .bind(org.0)
                .bind(*person)
                .bind(&since)
                .fetch_optional(&mut *self.connection().await?)
                .await?;
            if row.is_some() {
                busy.insert((*person).to_owned());
            }
        }
        Ok(busy)
    }

    /// People with a warning still open, or closed less than `cooldown_days` ago.
    pub async fn people_in_warning_episode(
        &self,
        org: OrgId,
        cooldown_days: i64,
    ) -> Result<HashSet<String>, StoreError> {
        let since = timestamp(chrono::Utc::now() - chrono::Duration::days(cooldown_days));
        let rows = sqlx::query("SELECT DISTINCT person_key FROM warnings WHERE org_id = $1 AND subject = 'person' AND (closed_at IS NULL OR closed_at >= $2)")
            .bind(org.0)
            .bind(since)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Raises warnings in one transaction; returns their ids. The commit is redoable: the
    /// job that raises them raises them again if a power cut takes it back.
    pub async fn raise_warnings(
        &self,
        org: OrgId,
        warnings: &[NewWarning],
    ) -> Result<Vec<RaisedWarning>, StoreError> {
        let mut tx = self.begin_redoable_write().await?;
        let raised = Store::insert_warnings(&mut tx, org, warnings).await?;
        tx.commit().await?;
        Ok(raised)
    }

    pub(crate) async fn insert_warnings(
        conn: &mut sqlx::AnyConnection,
        org: OrgId,
        warnings: &[NewWarning],
    ) -> Result<Vec<RaisedWarning>, StoreError> {
        let raised_at = now();
        let hold_out_ends =
            timestamp(Utc::now() + chrono::Duration::days(tenure_domain::HOLD_OUT_DAYS));
        let mut ids = Vec::with_capacity(warnings.len());
        for w in warnings {
            let public_id = public_id();
            let subject = if w.person.is_some() { "person" } else { "team" };
            let (status, closed_at, decision) = if w.held_out {
                ("closed", Some(hold_out_ends.as_str()), Some("held out"))
            } else {
                ("open", None, None)
            };
            let id: i64 = sqlx::query("INSERT INTO warnings (org_id, person_key, model_version, raised_at, triggers, drivers, status, team, department, manager, public_id, subject, for_month, held_out, closed_at, decision) VALUES ($1, $2, $3, $4, $5, $6, $13, $7, $8, $9, $10, $11, $12, $14, $15, $16) RETURNING id")
                .bind(org.0)
                .bind(&w.person)
                .bind(w.model_version)
                .bind(&raised_at)
                .bind(w.triggers.to_string())
                .bind(w.drivers.to_string())
                .bind(&w.groups.team)
                .bind(&w.groups.department)
                .bind(&w.groups.manager)
                .bind(&public_id)
                .bind(subject)
                .bind(w.for_month.map(|m| m.to_string()))
                .bind(status)
                .bind(i64::from(w.held_out))
                .bind(closed_at)
                .bind(decision)
                .fetch_one(&mut *conn)
                .await?
                .get(0);
            ids.push(RaisedWarning { id, public_id });
        }
        Ok(ids)
    }

    /// Warnings raised from `since` on (an ISO date or instant, compared as text), and how
    /// many of them are still open.
    pub async fn warnings_raised_since(
        &self,
        org: OrgId,
        since: &str,
    ) -> Result<(usize, usize), StoreError> {
        let row = sqlx::query("SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) FROM warnings WHERE org_id = $1 AND held_out = 0 AND raised_at >= $2")
            .bind(org.0)
            .bind(since)
            .fetch_one(&mut *self.connection().await?)
            .await?;
        Ok((row.get::<i64, _>(0) as usize, row.get::<i64, _>(1) as usize))
    }

    /// Warnings about people by what became of them: (left, stayed, not yet known).
    pub async fn warning_outcome_counts(
        &self,
        org: OrgId,
    ) -> Result<(usize, usize, usize), StoreError> {
        let row = sqlx::query("SELECT COALESCE(SUM(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN outcome = 'stayed' THEN 1 ELSE 0 END), 0), COUNT(*) FROM warnings WHERE org_id = $1 AND held_out = 0 AND person_key IS NOT NULL")
            .bind(org.0)
            .fetch_one(&mut *self.connection().await?)
            .await?;
        let (left, stayed, all) = (
            row.get::<i64, _>(0) as usize,
            row.get::<i64, _>(1) as usize,
            row.get::<i64, _>(2) as usize,
        );
        Ok((left, stayed, all - left - stayed))
    }

    /// The organization's warnings, newest first.
    pub async fn warnings(&self, org: OrgId, limit: i64) -> Result<Vec<WarningRecord>, StoreError> {
        self.warnings_where(
            org,
            &WarningFilter {
                limit,
                ..WarningFilter::default()
            },
        )
        .await
    }

    /// The organization's warnings that pass `filter`, newest first.
    pub async fn warnings_where(
        &self,
        org: OrgId,
        filter: &WarningFilter,
    ) -> Result<Vec<WarningRecord>, StoreError> {
        let sql = format!(
            "SELECT {WARNING_COLUMNS} FROM warnings WHERE org_id = $1 AND held_out = 0
               AND ($2 = '' OR status = $2) AND id > $3 AND ($4 = '' OR team = $4)
             ORDER BY id DESC LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(filter.status.map_or("", WarningStatus::key))
            .bind(filter.after_id.unwrap_or(0))
            .bind(filter.team.clone().unwrap_or_default())
            .bind(filter.limit.max(1))
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter().map(warning_from_row).collect()
    }

    /// One warning by its id inside the app.
    pub async fn warning(&self, org: OrgId, id: i64) -> Result<Option<WarningRecord>, StoreError> {
        let sql = format!(
            "SELECT {WARNING_COLUMNS} FROM warnings WHERE org_id = $1 AND id = $2 AND held_out = 0"
        );
        let row = sqlx::query(&sql)
            .bind(org.0)
            .bind(id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.as_ref().map(warning_from_row).transpose()
    }

    /// One warning by the opaque id its deliveries carry.
    pub async fn warning_by_public_id(
        &self,
        org: OrgId,
        public_id: &str,
    ) -> Result<Option<WarningRecord>, StoreError> {
        let sql =
            format!("SELECT {WARNING_COLUMNS} FROM warnings WHERE org_id = $1 AND public_id = $2 AND held_out = 0");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .bind(public_id)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.as_ref().map(warning_from_row).transpose()
    }

    /// Takes a lifecycle step, if the warning is still where the caller saw it (`from`): two
    /// reviewers acting at once cannot both move it. `closing` carries the decision and reason
    /// of a close or dismissal. Returns false when the warning had moved on.
    #[allow(clippy::too_many_arguments)]
    pub async fn step_warning(
        &self,
        org: OrgId,
        id: i64,
        from: WarningStatus,
        step: LifecycleStep,
        to: WarningStatus,
        by_user: Option<i64>,
        detail: &serde_json::Value,
        closing: Option<(&str, &str)>,
    ) -> Result<bool, StoreError> {
        let at = now();
        let mut tx = self.begin_write().await?;
        let (closed_at, decision, reason) = match closing {
            Some((decision, reason)) => (Some(at.clone()), Some(decision), Some(reason)),
            None => (None, None, None),
        };
        let moved = sqlx::query("UPDATE warnings SET status = $1, closed_at = COALESCE($2, closed_at), closed_by = COALESCE($3, closed_by), decision = COALESCE($4, decision), reason = COALESCE($5, reason) WHERE org_id = $6 AND id = $7 AND status = $8")
            .bind(to.key())
            .bind(closed_at)
            .bind(closing.and(by_user))
            .bind(decision)
            .bind(reason)
            .bind(org.0)
            .bind(id)
            .bind(from.key())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let step_key = serde_json::to_value(step).expect("a step is plain data");
        sqlx::query("INSERT INTO warning_steps (org_id, warning_id, step, by_user, at, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(org.0)
            .bind(id)
            .bind(step_key.as_str().unwrap_or_default())
            .bind(by_user)
            .bind(&at)
            .bind(detail.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A warning's lifecycle steps, oldest first.
    pub async fn warning_steps(
        &self,
        org: OrgId,
        id: i64,
    ) -> Result<Vec<WarningStepRecord>, StoreError> {
        let rows = sqlx::query("SELECT step, by_user, at, detail FROM warning_steps WHERE org_id = $1 AND warning_id = $2 ORDER BY id")
            .bind(org.0)
            .bind(id)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(WarningStepRecord {
                    step: r.get(0),
                    by_user: r.get(1),
                    at: r.get(2),
                    detail: serde_json::from_str(&r.get::<String, _>(3))
                        .map_err(|e| StoreError::Corrupt(format!("warning step: {e}")))?,
                })
            })
            .collect()
    }

    /// Every warning about a person raised from a scored month, with its risk, the person's
    /// exit and the actions recorded on it: what "what helped" follows to outcomes.
    pub async fn warnings_to_follow(&self, org: OrgId) -> Result<Vec<WarningFollowUp>, StoreError> {
        let mut conn = self.connection().await?;
        let rows = sqlx::query(
            "SELECT w.id, w.person_key, w.for_month,
                    (SELECT s.probability FROM scores s WHERE s.org_id = w.org_id AND s.person_key = w.person_key
                        AND s.model_version = w.model_version AND substr(s.as_of, 1, 7) = substr(w.for_month, 1, 7)
                        AND s.probability IS NOT NULL ORDER BY s.as_of DESC LIMIT 1),
                    p.exit_date, p.exit_voluntary, w.held_out
             FROM warnings w JOIN people p ON p.org_id = w.org_id AND p.person_key = w.person_key
             WHERE w.org_id = $1 AND w.subject = 'person' AND w.for_month IS NOT NULL ORDER BY w.id",
        )
        .bind(org.0)
        .fetch_all(&mut *conn)
        .await?;
        let steps = sqlx::query(
            "SELECT warning_id, detail FROM warning_steps WHERE org_id = $1 AND step = 'record_action' ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut actions: HashMap<i64, Vec<Option<SupportiveAction>>> = HashMap::new();
        for step in &steps {
            let detail: serde_json::Value = serde_json::from_str(&step.get::<String, _>(1))
                .map_err(|e| StoreError::Corrupt(format!("warning step: {e}")))?;
            let kind = detail
                .get("kind")
                .and_then(|k| k.as_str())
                .and_then(SupportiveAction::parse);
            actions.entry(step.get(0)).or_default().push(kind);
        }
        let date = |text: &str| {
            NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt(format!("date {text:?}")))
        };
        rows.iter()
            .map(|r| {
                let exit = match r.get::<Option<String>, _>(4) {
                    Some(d) => Some((date(&d)?, r.get::<Option<i64>, _>(5) == Some(1))),
                    None => None,
                };
                Ok(WarningFollowUp {
                    person: r.get(1),
                    month: date(&r.get::<String, _>(2))?,
                    risk: r.get(3),
                    exit,
                    actions: actions.remove(&r.get::<i64, _>(0)).unwrap_or_default(),
                    held_out: r.get::<i64, _>(6) == 1,
                })
            })
            .collect()
    }

    /// Every lifecycle step taken on the organization's warnings, oldest first: the oversight
    /// log (who reviewed, what was decided, why). Held-out warnings have none.
    pub async fn oversight_log(&self, org: OrgId) -> Result<Vec<OversightStep>, StoreError> {
        let rows = sqlx::query(
            "SELECT w.public_id, w.raised_at, s.step, s.by_user, u.display_name, s.at, s.detail
             FROM warning_steps s JOIN warnings w ON w.org_id = s.org_id AND w.id = s.warning_id
             LEFT JOIN users u ON u.id = s.by_user
             WHERE s.org_id = $1 ORDER BY s.id",
        )
        .bind(org.0)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OversightStep {
                    warning: r.get(0),
                    raised_at: r.get(1),
                    step: r.get(2),
                    by_user: r.get(3),
                    by_name: r.get(4),
                    at: r.get(5),
                    detail: serde_json::from_str(&r.get::<String, _>(6))
                        .map_err(|e| StoreError::Corrupt(format!("warning step: {e}")))?,
                })
            })
            .collect()
    }

    /// Fills in outcomes: a warned person who later left is `left`; one still here once
    /// `horizon_months` have passed since the warning is `stayed`. Returns how many were
    /// filled in.
    pub async fn settle_warning_outcomes(
        &self,
        org: OrgId,
        horizon_months: i32,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_redoable_write().await?;
        let settled = settle_outcomes_in(&mut tx, org, horizon_months).await?;
        tx.commit().await?;
        Ok(settled)
    }
}

/// As [`Store::settle_warning_outcomes`], inside the caller's transaction.
pub(crate) async fn settle_outcomes_in(
    conn: &mut sqlx::AnyConnection,
    org: OrgId,
    horizon_months: i32,
) -> Result<u64, StoreError> {
    let at = now();
    let left = sqlx::query("UPDATE warnings SET outcome = 'left', outcome_at = $1 WHERE org_id = $2 AND subject = 'person' AND outcome IS NULL AND person_key IN (SELECT p.person_key FROM people p WHERE p.org_id = $2 AND p.exit_date IS NOT NULL)")
        .bind(&at)
        .bind(org.0)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let horizon_ago = timestamp(
        chrono::Utc::now() - chrono::Duration::days(i64::from(horizon_months.clamp(1, 1200)) * 30),
    );
    let stayed = sqlx::query("UPDATE warnings SET outcome = 'stayed', outcome_at = $1 WHERE org_id = $2 AND subject = 'person' AND outcome IS NULL AND raised_at < $3")
        .bind(&at)
        .bind(org.0)
        .bind(horizon_ago)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(left + stayed)
}

/// 96 random bits as hex: unguessable, and says nothing about whom or when.
fn public_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).expect("the OS random generator is available");
    hex::encode(bytes)
}

fn past_scores(rows: &[sqlx::any::AnyRow]) -> Result<Vec<PastScore>, StoreError> {
    rows.iter()
        .map(|r| {
            let as_of: String = r.get(1);
            let scored_at: String = r.get(2);
            let day = if as_of.is_empty() { &scored_at } else { &as_of };
            let on = NaiveDate::parse_from_str(day.get(..10).unwrap_or(day), "%Y-%m-%d")
                .map_err(|e| StoreError::Corrupt(format!("score date {day:?}: {e}")))?;
            let band: String = r.get(4);
            Ok(PastScore {
                on,
                probability: r.get(3),
                band: RiskBand::parse(&band)
                    .ok_or_else(|| StoreError::Corrupt(format!("risk band {band:?}")))?,
            })
        })
        .collect()
}

fn warning_from_row(r: &sqlx::any::AnyRow) -> Result<WarningRecord, StoreError> {
    let json = |i: usize, what: &str| -> Result<serde_json::Value, StoreError> {
        serde_json::from_str(&r.get::<String, _>(i))
            .map_err(|e| StoreError::Corrupt(format!("warning {what}: {e}")))
    };
    let status: String = r.get(6);
    Ok(WarningRecord {
        id: r.get(0),
        public_id: r.get(11),
        warning: NewWarning {
            person: r.get(1),
            model_version: r.get(2),
            triggers: json(4, "triggers")?,
            drivers: json(5, "drivers")?,
            groups: ScoreGroups {
                team: r.get(7),
                department: r.get(8),
                manager: r.get(9),
            },
            for_month: r
                .get::<Option<String>, _>(16)
                .map(|m| {
                    NaiveDate::parse_from_str(&m, "%Y-%m-%d")
                        .map_err(|e| StoreError::Corrupt(format!("warning month {m:?}: {e}")))
                })
                .transpose()?,
            held_out: false,
        },
        raised_at: crate::sql::stamp(r, 3)?,
        status: WarningStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("warning status {status:?}")))?,
        outcome: r.get(12),
        closed_at: crate::sql::stamp_opt(r, 10)?,
        closed_by: r.get(13),
        decision: r.get(14),
        reason: r.get(15),
    })
}
