#!/usr/bin/env bash
# Import throughput of a ~1,000,000-row simulated monthly panel, on SQLite and on PostgreSQL.
# Usage: bench/import_throughput.sh [PEOPLE] — PostgreSQL server from TENURE_BENCH_POSTGRES_URL
# (default: the local server, postgres://postgres@127.0.0.1:5432/test); set it to "skip" to skip.
# Prints one line per backend: rows, seconds, rows/s. Results are written to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
people="${1:-26800}"   # 26,800 people at the start grow to ~1.0M person-months over 36 months
server="${TENURE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
out=bench/out/import
rm -rf "$out" && mkdir -p "$out"

. scripts/prerequisites.sh >/dev/null
cargo build --release --quiet
tenure=target/release/tenure

$tenure simulate --people "$people" --months 36 --seed 1 --out "$out/sim" | head -1
rows=$(($(wc -l < "$out/sim/panel.csv") - 1))

measure() { # backend db-url
  local start end
  start=$(date +%s.%N)
  $tenure import "$out/sim/panel.csv" --mapping "$out/sim/mapping.toml" --db "$2" --org bench >"$out/$1.log"
  end=$(date +%s.%N)
  python3 - "$1" "$rows" "$start" "$end" <<'PY' | tee -a "$out/results.txt"
import sys
backend, rows, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"{backend:<10} {rows:>9} rows  {end - start:7.1f} s  {rows / (end - start):>9,.0f} rows/s")
PY
}

measure sqlite "$out/bench.db"
if [ "$server" != "skip" ]; then
  name="tenure_bench_$$"
  psql "$server" -qc "CREATE DATABASE $name" >/dev/null
  measure postgres "${server%/*}/$name"
  psql "$server" -qc "DROP DATABASE $name WITH (FORCE)" >/dev/null
fi
