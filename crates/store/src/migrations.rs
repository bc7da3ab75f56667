//! The schema's migrations, embedded in the binary, one list per backend.

use crate::connect::Backend;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "models and scores",
        include_str!("../migrations/sqlite/0002_models_and_scores.sql"),
    ),
    (
        3,
        "service",
        include_str!("../migrations/sqlite/0003_service.sql"),
    ),
    (
        4,
        "job queue",
        include_str!("../migrations/sqlite/0004_job_queue.sql"),
    ),
    (
        5,
        "warnings",
        include_str!("../migrations/sqlite/0005_warnings.sql"),
    ),
    (
        6,
        "events and delivery",
        include_str!("../migrations/sqlite/0006_events_and_delivery.sql"),
    ),
    (
        7,
        "trust",
        include_str!("../migrations/sqlite/0007_trust.sql"),
    ),
    (
        8,
        "preferences",
        include_str!("../migrations/sqlite/0008_preferences.sql"),
    ),
    (
        9,
        "open warning lookup",
        include_str!("../migrations/sqlite/0009_open_warning_lookup.sql"),
    ),
    (
        10,
        "stored forecasts",
        include_str!("../migrations/sqlite/0010_stored_forecasts.sql"),
    ),
    (
        11,
        "forecast hazards",
        include_str!("../migrations/sqlite/0011_forecast_hazards.sql"),
    ),
    (
        12,
        "idempotency keys",
        include_str!("../migrations/sqlite/0012_idempotency_keys.sql"),
    ),
    (
        13,
        "import header signature",
        include_str!("../migrations/sqlite/0013_import_header_signature.sql"),
    ),
    (
        14,
        "warning month",
        include_str!("../migrations/sqlite/0014_warning_month.sql"),
    ),
    (
        15,
        "relative bands",
        include_str!("../migrations/sqlite/0015_relative_bands.sql"),
    ),
    (
        16,
        "warning hold-out",
        include_str!("../migrations/sqlite/0016_warning_holdout.sql"),
    ),
    (
        17,
        "objections",
        include_str!("../migrations/sqlite/0017_objections.sql"),
    ),
    (
        18,
        "access links",
        include_str!("../migrations/sqlite/0018_access_links.sql"),
    ),
    (
        19,
        "governance documents",
        include_str!("../migrations/sqlite/0019_governance_documents.sql"),
    ),
    (
        20,
        "scim provisioning",
        include_str!("../migrations/sqlite/0020_scim.sql"),
    ),
    (
        21,
        "single sign-on",
        include_str!("../migrations/sqlite/0021_single_sign_on.sql"),
    ),
    (
        22,
        "scheduled pulls",
        include_str!("../migrations/sqlite/0022_scheduled_pulls.sql"),
    ),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "models and scores",
        include_str!("../migrations/postgres/0002_models_and_scores.sql"),
    ),
    (
        3,
        "service",
        include_str!("../migrations/postgres/0003_service.sql"),
    ),
    (
        4,
        "job queue",
        include_str!("../migrations/postgres/0004_job_queue.sql"),
    ),
    (
        5,
        "warnings",
        include_str!("../migrations/postgres/0005_warnings.sql"),
    ),
    (
        6,
        "events and delivery",
        include_str!("../migrations/postgres/0006_events_and_delivery.sql"),
    ),
    (
        7,
        "trust",
        include_str!("../migrations/postgres/0007_trust.sql"),
    ),
    (
        8,
        "preferences",
        include_str!("../migrations/postgres/0008_preferences.sql"),
    ),
    (
        9,
        "open warning lookup",
        include_str!("../migrations/postgres/0009_open_warning_lookup.sql"),
    ),
    (
        10,
        "stored forecasts",
        include_str!("../migrations/postgres/0010_stored_forecasts.sql"),
    ),
    (
        11,
        "forecast hazards",
        include_str!("../migrations/postgres/0011_forecast_hazards.sql"),
    ),
    (
        12,
        "idempotency keys",
        include_str!("../migrations/postgres/0012_idempotency_keys.sql"),
    ),
    (
        13,
        "import header signature",
        include_str!("../migrations/postgres/0013_import_header_signature.sql"),
    ),
    (
        14,
        "warning month",
        include_str!("../migrations/postgres/0014_warning_month.sql"),
    ),
    (
        15,
        "relative bands",
        include_str!("../migrations/postgres/0015_relative_bands.sql"),
    ),
    (
        16,
        "warning hold-out",
        include_str!("../migrations/postgres/0016_warning_holdout.sql"),
    ),
    (
        17,
        "objections",
        include_str!("../migrations/postgres/0017_objections.sql"),
    ),
    (
        18,
        "access links",
        include_str!("../migrations/postgres/0018_access_links.sql"),
    ),
    (
        19,
        "governance documents",
        include_str!("../migrations/postgres/0019_governance_documents.sql"),
    ),
    (
        20,
        "scim provisioning",
        include_str!("../migrations/postgres/0020_scim.sql"),
    ),
    (
        21,
        "single sign-on",
        include_str!("../migrations/postgres/0021_single_sign_on.sql"),
    ),
    (
        22,
        "scheduled pulls",
        include_str!("../migrations/postgres/0022_scheduled_pulls.sql"),
    ),
];

/// sqlx's migrator over the embedded scripts: it records versions and checksums, so an edited
/// migration is refused instead of silently diverging.
pub fn migrator(backend: Backend) -> Migrator {
    let scripts = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations: Vec<Migration> = scripts
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*name),
                MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}
