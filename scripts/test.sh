#!/usr/bin/env bash
# Runs every test of the workspace. Database tests run on SQLite always and on PostgreSQL when
# TENURE_TEST_DATABASE_URL names a server (.ci/run sets it); the output says which. Browser
# tests run in Debian's headless Chromium (installed here if missing). Then the API contract:
# schemathesis, every check, against a served organization (scripts/api-contract.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh
. scripts/browser-prerequisites.sh
if [ -n "${TENURE_TEST_DATABASE_URL:-}" ]; then
  echo "== database tests run on SQLite and on PostgreSQL (${TENURE_TEST_DATABASE_URL%%\?*})"
else
  echo "== PostgreSQL tests SKIPPED: TENURE_TEST_DATABASE_URL is not set; database tests run on SQLite only"
fi
cargo test --workspace --locked "$@"
scripts/api-contract.sh
