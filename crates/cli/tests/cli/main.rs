//! End-to-end tests of the `tenure` binary, by topic: real files, broken files, crashes, the
//! demo, training and scoring, evaluation, forecasting, workers, the server's lifecycle, and
//! trust properties read from the source. Database checks run on SQLite and, when
//! `TENURE_TEST_DATABASE_URL` is set, on PostgreSQL. One test binary for the crate.

mod support;

mod backups;
mod broken_files;
mod crashes;
mod disk_full;
mod evaluation;
mod forecasting;
mod hris_exports;
mod plans;
mod read_from_the_source;
mod real_files;
mod serve;
mod simulate_and_demo;
mod train_and_score;
mod workers;
