//! One module per subcommand, plus what they share: the database option and number formatting.

pub mod admin;
pub mod demo;
pub mod evaluate;
pub mod features;
pub mod forecast;
pub mod import;
pub mod inspect;
pub mod report;
pub mod score;
pub mod serve;
pub mod simulate;
pub mod survival;
pub mod thresholds;
pub mod train;
pub mod trust;
pub mod warnings;
pub mod worker;

use anyhow::Context;
use tenure_data::DataError;
use tenure_ingest::IngestError;
use tenure_store::{SealingKey, Store, StoreError};

/// Whether an error is the user's input at fault (exit code 2) rather than a failure.
pub fn is_bad_input(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<IngestError>()
            .is_some_and(IngestError::is_bad_input)
            || cause
                .downcast_ref::<DataError>()
                .is_some_and(DataError::is_bad_input)
            || cause
                .downcast_ref::<StoreError>()
                .is_some_and(StoreError::is_bad_input)
            || cause
                .downcast_ref::<tenure_monitor::MonitorError>()
                .is_some_and(tenure_monitor::MonitorError::is_bad_input)
            || cause
                .downcast_ref::<tenure_domain::ThresholdError>()
                .is_some()
            || cause
                .downcast_ref::<tenure_domain::RelativeBandsError>()
                .is_some()
            || cause
                .downcast_ref::<tenure_model::evaluate::EvaluationError>()
                .is_some()
            || cause
                .downcast_ref::<tenure_model::backtest::BacktestError>()
                .is_some_and(|e| {
                    matches!(e, tenure_model::backtest::BacktestError::TooShort { .. })
                })
    })
}

/// Opens the database at `location` with the key that seals its secrets: `TENURE_SECRET_KEY`
/// (64 hex digits), else the file `TENURE_SECRET_KEY_FILE` names, else the default key file
/// (beside a SQLite file; `~/.config/tenure/secret.key` for PostgreSQL).
pub async fn open_store(location: &str) -> anyhow::Result<Store> {
    let key = sealing_key(location, |name| std::env::var_os(name));
    Store::connect(location, &key)
        .await
        .with_context(|| format!("opening the database {location}"))
}

/// The sealing key the variables `var` reads name for the database at `location`.
pub fn sealing_key(location: &str, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> SealingKey {
    if let Some(hex) = var("TENURE_SECRET_KEY") {
        return SealingKey::Hex(hex.to_string_lossy().into_owned());
    }
    if let Some(file) = var("TENURE_SECRET_KEY_FILE") {
        return SealingKey::File(file.into());
    }
    let home = var("HOME").map(std::path::PathBuf::from);
    SealingKey::default_for(location, home.as_deref())
}

/// What the user can do about a monitoring error, in this CLI's commands, to follow its
/// message: the monitoring layer says what is wrong, not which command fixes it.
pub fn remedy(error: &anyhow::Error) -> Option<String> {
    use tenure_monitor::MonitorError;
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<MonitorError>())
        .and_then(|error| match error {
            MonitorError::NoModel { .. } => Some(": run `tenure train` first".into()),
            MonitorError::Suspended { org, .. } => {
                Some(format!(" (`tenure admin resume --org {org}`)"))
            }
            MonitorError::NoGovernance(org) => {
                Some(format!(" (`tenure governance --org {org} …`)"))
            }
            _ => None,
        })
}

/// 1234567 → "1,234,567".
pub fn thousands(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(1_234_567u64), "1,234,567");
        assert_eq!(super::thousands(999u64), "999");
    }

    /// The key given wins over a key file named, which wins over the default file.
    #[test]
    fn the_sealing_key_is_the_one_the_variables_name_first() {
        use std::ffi::OsString;
        use tenure_store::SealingKey;
        let vars = |set: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                set.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        const ALL: [(&str, &str); 3] = [
            ("TENURE_SECRET_KEY", "ab"),
            ("TENURE_SECRET_KEY_FILE", "/keys/k"),
            ("HOME", "/home/u"),
        ];
        let db = "postgres://h/db";
        assert_eq!(
            super::sealing_key(db, vars(&ALL)),
            SealingKey::Hex("ab".into())
        );
        assert_eq!(
            super::sealing_key(db, vars(&ALL[1..])),
            SealingKey::File("/keys/k".into())
        );
        assert_eq!(
            super::sealing_key(db, vars(&ALL[2..])),
            SealingKey::File("/home/u/.config/tenure/secret.key".into())
        );
        assert_eq!(
            super::sealing_key("/data/tenure.db", vars(&ALL[2..])),
            SealingKey::File("/data/tenure.db.key".into())
        );
    }
}
