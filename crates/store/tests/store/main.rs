//! The store's integration tests, run on SQLite and — when `TENURE_TEST_DATABASE_URL` is set —
//! on PostgreSQL too, by topic. One binary keeps link time down.

mod support;

mod delivery;
mod durability;
mod imports;
mod pulls;
mod queue;
mod scoring;
mod sign_on;
mod tenancy;
mod warnings;
