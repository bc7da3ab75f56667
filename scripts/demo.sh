#!/usr/bin/env bash
# Builds tenure (installing build prerequisites if missing) and runs its demo on SQLite.
# Extra arguments go to `tenure demo` (e.g. --dir DIR --people N).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh
exec cargo run --release --locked -- demo "$@"
