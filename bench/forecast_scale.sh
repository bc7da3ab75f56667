#!/usr/bin/env bash
# Forecast time for a large organization: simulate PEOPLE people over MONTHS months, import them
# into SQLite, and run `tenure forecast`, reporting the time to train the monthly hazard model
# and the time to forecast (every person's 12-month survival curve, then the group intervals).
# Usage: bench/forecast_scale.sh [PEOPLE] [MONTHS]    (default 100000 people, 12 months)
set -euo pipefail
cd "$(dirname "$0")/.."
people="${1:-100000}"
months="${2:-12}"
. scripts/prerequisites.sh >/dev/null
cargo build --release --quiet
out=bench/out/forecast_scale
rm -rf "$out" && mkdir -p "$out"
export TENURE_THREADS=2
target/release/tenure simulate --people "$people" --months "$months" --seed 1 --out "$out/sim" >/dev/null
target/release/tenure import "$out/sim/panel.csv" --mapping "$out/sim/mapping.toml" --db "$out/tenure.db" >/dev/null
start=$(date +%s.%N)
target/release/tenure forecast --db "$out/tenure.db" --by team --json > "$out/forecast.json"
end=$(date +%s.%N)
python3 - "$out/forecast.json" "$start" "$end" <<'PY' | tee "$out/results.txt"
import json, sys
f = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
org = f["organization"]
six = org["horizons"][1]
print(f"{org['people']:,} people employed at {f['as_of']}, {len(f['groups']):,} teams; "
      f"trained on {f['trained_on_person_months']:,} person-months ({f['model']})")
print(f"forecast (survival curves + team intervals): {f['forecast_seconds']:.2f} s "
      f"= {org['people'] / f['forecast_seconds']:,.0f} people/s; training {f['training_seconds']:.1f} s; "
      f"whole command {wall:.1f} s (loading from SQLite included)")
print(f"expected 6-month leavers {six['expected_leavers']:.0f} [{six['interval_lower']}–{six['interval_upper']}]")
PY
