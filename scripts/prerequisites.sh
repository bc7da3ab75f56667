#!/usr/bin/env bash
# Installs what building and testing tenure needs on a fresh Debian machine, if missing.
# Idempotent and quiet when everything is already there.
set -euo pipefail
need=()
command -v cc >/dev/null || need+=(build-essential)
command -v psql >/dev/null || need+=(postgresql-client)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install the Rust toolchain (rustup) first" >&2
  exit 1
fi
