//! Gathers what the published documents are written from — the governance record, the data
//! mapping, the trust settings, the warning policy and the latest model card for the workers'
//! notice and the impact-assessment draft; a model version's bias audit — from the store. The
//! `report` crate writes them; this module only reads, so a changed record changes the
//! documents at once.

use crate::fairness::BiasAuditReport;
use crate::train::stored_mapping;
use crate::MonitorError;
use tenure_domain::{Language, OrgId};
use tenure_model::card::ModelCard;
use tenure_report::bias_audit::{AuditCategory, AuditDimension, BiasAuditFacts};
use tenure_report::transparency::{GovernanceFacts, ModelFacts, ProcessingFacts, RecordKind};
use tenure_report::Locale;
use tenure_store::Store;

/// The facts the workers' notice and the impact-assessment draft of `org` are written from,
/// with field names in `locale`'s words.
pub async fn processing_facts(
    store: &Store,
    org: OrgId,
    slug: &str,
    locale: Locale,
) -> Result<ProcessingFacts, MonitorError> {
    let organization = store
        .organization_by_id(org)
        .await?
        .ok_or_else(|| MonitorError::NoData(slug.to_owned()))?;
    let trust = store.trust_settings(org).await?;
    let policy = store.warning_policy(org).await?;
    let mapping = store
        .latest_mapping(org)
        .await?
        .map(|toml| stored_mapping(&toml))
        .transpose()?;
    let card = latest_card(store, org).await?;
    let language = match locale {
        Locale::En => Language::English,
        Locale::ZhCn => Language::Chinese,
    };
    let (record_kinds, protected, inputs) = match &mapping {
        Some(mapping) => {
            let label = |column: &str| mapping.roles.label(column, language);
            let inputs = card
                .as_ref()
                .map(|(_, card)| card.inputs.iter().map(|c| label(c)).collect())
                .unwrap_or_default();
            (
                record_kinds(mapping),
                mapping.protected.iter().map(|c| label(c)).collect(),
                inputs,
            )
        }
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let people = store.people_count(org).await? as usize;
    let warning_capacity = policy.capacity.map(|c| {
        c.conversations_per_month
            .unwrap_or_else(|| (c.share_per_month * people as f64).round().max(1.0) as u32)
    });
    Ok(ProcessingFacts {
        organization: organization.name,
        generated_on: chrono::Utc::now().date_naive(),
        governance: store.governance(org).await?.map(|g| GovernanceFacts {
            legal_basis: g.legal_basis,
            impact_assessment: g.impact_assessment,
            impact_assessment_on: g.impact_assessment_on,
            workers_informed_on: g.workers_informed_on,
            contact: g.contact,
            declared_min_roc_auc: g.declared_min_roc_auc,
            declared_max_calibration_error: g.declared_max_calibration_error,
        }),
        record_kinds,
        inputs,
        protected,
        model: card.map(|(version, card)| model_facts(version, &card)),
        min_group_size: trust.min_group_size,
        retention_months: trust.retention_months,
        fairness_gate: trust.fairness_gate,
        warning_capacity,
        people,
        objections: store.objectors(org).await?.len(),
    })
}

/// The latest model's version and card, if a model was trained and its card reads (a card
/// written by an older tenure that does not is left out of the documents, with a warning in
/// the log, rather than keep the notice from being generated).
async fn latest_card(store: &Store, org: OrgId) -> Result<Option<(i64, ModelCard)>, MonitorError> {
    let Some(model) = store.latest_model_card(org).await? else {
        return Ok(None);
    };
    match serde_json::from_value::<ModelCard>(model.card) {
        Ok(card) => Ok(Some((model.version, card))),
        Err(error) => {
            tracing::warn!(org = org.0, version = model.version, %error, "a model card that cannot be read is left out of the documents");
            Ok(None)
        }
    }
}

fn model_facts(version: i64, card: &ModelCard) -> ModelFacts {
    ModelFacts {
        version,
        trained_on: card
            .created_at
            .get(..10)
            .unwrap_or(&card.created_at)
            .to_owned(),
        horizon_months: card.horizon_months,
        roc_auc: card.evaluation.roc_auc,
        calibration_error: card.evaluation.expected_calibration_error,
        data_from: card.data.first_as_of.clone(),
        data_to: card.data.last_as_of.clone(),
        fairness_audited: card.fairness.is_some(),
        fairness_flagged: card.fairness.as_ref().is_some_and(|f| f.flagged),
    }
}

/// The kinds of records a mapping names, from its roles and its exit and date columns.
fn record_kinds(mapping: &tenure_data::Mapping) -> Vec<RecordKind> {
    let roles = &mapping.roles;
    let mut kinds = Vec::new();
    let mut add = |present: bool, kind: RecordKind| {
        if present {
            kinds.push(kind);
        }
    };
    add(roles.hire_date.is_some(), RecordKind::HireDate);
    add(roles.pay.is_some(), RecordKind::Pay);
    add(roles.level.is_some(), RecordKind::Level);
    add(
        roles.department.is_some() || roles.team.is_some(),
        RecordKind::OrganizationUnit,
    );
    add(roles.manager.is_some(), RecordKind::Manager);
    add(roles.rating.is_some(), RecordKind::Rating);
    add(!roles.survey.is_empty(), RecordKind::Survey);
    add(roles.critical_role.is_some(), RecordKind::CriticalRole);
    add(
        mapping.exit_date.is_some() || mapping.target.is_some() || mapping.event.is_some(),
        RecordKind::Exits,
    );
    add(mapping.as_of.is_some(), RecordKind::MonthlySnapshots);
    kinds
}

/// A model version's bias audit as the published document states it.
pub async fn bias_audit_facts(
    store: &Store,
    org: OrgId,
    report: BiasAuditReport,
) -> Result<BiasAuditFacts, MonitorError> {
    let organization = store
        .organization_by_id(org)
        .await?
        .ok_or_else(|| MonitorError::NoData(org.0.to_string()))?;
    let audit = report.audit;
    Ok(BiasAuditFacts {
        organization: organization.name,
        generated_on: chrono::Utc::now().date_naive(),
        model_version: report.model_version,
        scored_from: report.scored_from,
        scored_to: report.scored_to,
        threshold: audit.threshold,
        people: audit.people,
        scored_above: audit.scored_above,
        dimensions: audit
            .dimensions
            .into_iter()
            .map(|d| AuditDimension {
                name: d.name,
                unknown: d.unknown,
                categories: d
                    .categories
                    .into_iter()
                    .map(|c| AuditCategory {
                        category: c.category,
                        people: c.people,
                        share_of_data: c.share_of_data,
                        scored_above: c.scored_above,
                        scoring_rate: c.scoring_rate,
                        impact_ratio: c.impact_ratio,
                        excluded: c.excluded,
                    })
                    .collect(),
            })
            .collect(),
    })
}
