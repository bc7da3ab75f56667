//! The service end to end, by topic: the real server on a random port against a fresh
//! database (SQLite always, PostgreSQL when `TENURE_TEST_DATABASE_URL` is set), driven over
//! HTTP; and the pages in a real headless Chromium (`pages`). One test binary for the crate.

mod pages;
mod support;

mod audit;
mod bias_audit;
mod dashboard;
mod delivery;
mod documents;
mod erasure;
mod events;
mod headers;
mod imports;
mod openapi;
mod outages;
mod outlook;
mod plans;
mod pulls;
mod requests;
mod roles;
mod scim;
mod scoring;
mod sessions;
mod sign_on;
mod tenancy;
mod tokens;
mod warnings;
