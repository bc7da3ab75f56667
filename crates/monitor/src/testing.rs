//! What this crate's tests share: a governance record, a simulated organization imported
//! into a fresh store, and a quick training request.

use tenure_data::simulate::{Simulation, SimulationConfig};
use tenure_data::Mapping;
use tenure_domain::OrgId;
use tenure_ingest::{import_file, ImportRequest, Silent};
use tenure_model::evaluate::{LearnerChoice, TrainingSettings};
use tenure_store::{Governance, Organization, Store};

use crate::TrainRequest;

/// A governance record that switches scoring on.
pub fn governance() -> Governance {
    Governance {
        legal_basis: "GDPR art. 6(1)(f); works agreement 2026-01".into(),
        impact_assessment: "DPIA-2026-004".into(),
        impact_assessment_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 10),
        workers_informed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        contact: Some("privacy@acme.example".into()),
        declared_min_roc_auc: 0.6,
        declared_max_calibration_error: 0.1,
        recorded_by: "test".into(),
        recorded_at: chrono::DateTime::UNIX_EPOCH,
    }
}

/// Writes `simulation` (its rows up to `last_month` when given) and imports it as "acme".
pub async fn import_simulation(
    store: &Store,
    simulation: &Simulation,
    dir: &std::path::Path,
    last_month: Option<&str>,
) -> Organization {
    import_simulation_edited(store, simulation, dir, last_month, |_| {}).await
}

/// As [`import_simulation`], with the panel's data rows (CSV lines, the header apart) edited
/// by `edit` before the import.
pub async fn import_simulation_edited(
    store: &Store,
    simulation: &Simulation,
    dir: &std::path::Path,
    last_month: Option<&str>,
    edit: impl FnOnce(&mut Vec<String>),
) -> Organization {
    let files = simulation.write(dir).unwrap();
    let panel = std::fs::read_to_string(&files.panel).unwrap();
    let mut lines = panel.lines();
    let header = lines.next().unwrap().to_owned();
    let mut rows: Vec<String> = lines
        .filter(|l| last_month.is_none_or(|last| l.split(',').nth(1).is_some_and(|d| d <= last)))
        .map(str::to_owned)
        .collect();
    edit(&mut rows);
    let text: String = std::iter::once(header)
        .chain(rows)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&files.panel, text).unwrap();
    let org = store.ensure_organization("acme", "Acme").await.unwrap();
    let request = ImportRequest {
        path: &files.panel,
        mapping: Mapping::from_toml_file(&files.mapping).unwrap(),
        org: org.id,
        max_errors: 5,
        // The file is the truth for its months: a later, longer copy fills in exits.
        replace: true,
    };
    import_file(store, request, &Silent).await.unwrap();
    org
}

/// The simulation's configuration for small, quick organizations.
pub fn small(people: usize, months: u32, seed: u64) -> SimulationConfig {
    SimulationConfig {
        people,
        months,
        seed,
    }
}

/// Training a logistic model (quick, and the same on every run) over `origins` backtest
/// origins, for a six-month horizon.
pub fn logistic_training(org: OrgId, origins: usize) -> TrainRequest {
    TrainRequest {
        org,
        training: TrainingSettings {
            learner: LearnerChoice::Logistic,
            seed: 1,
            threads: 1,
        },
        horizon_months: 6,
        origins,
        step: 3,
        folds: 5,
    }
}
