#!/usr/bin/env bash
# Is the forecast's 90% interval honest? For each seed: simulate an organization, forecast the
# next 6 months' voluntary leavers as of month 24 (later data ignored), and count who really
# left. Prints each seed, how many intervals held the true count, and the mean absolute error.
# Usage: bench/forecast_coverage.sh [PEOPLE] [SEEDS]    (default 5000 people, 20 seeds)
set -euo pipefail
cd "$(dirname "$0")/.."
people="${1:-5000}"
seeds="${2:-20}"
. scripts/prerequisites.sh >/dev/null
cargo build --release --quiet
out=bench/out/forecast_coverage
rm -rf "$out" && mkdir -p "$out"
# Trees get both cores; nothing else runs meanwhile (LightGBM's threads spin when oversubscribed).
export TENURE_THREADS=2
for seed in $(seq 1 "$seeds"); do
  dir="$out/seed$seed"
  target/release/tenure simulate --people "$people" --months 30 --seed "$seed" --out "$dir" >/dev/null
  until=$(python3 bench/forecast_truth.py month "$dir/panel.csv" 24)
  db="$dir/tenure.db"
  target/release/tenure import "$dir/panel.csv" --mapping "$dir/mapping.toml" --db "$db" --org sim >/dev/null
  target/release/tenure forecast --db "$db" --org sim --until "$until" --json > "$dir/forecast.json"
  python3 bench/forecast_truth.py check "$dir/panel.csv" "$dir/forecast.json" "$seed"
done | tee "$out/seeds.txt"
python3 - "$out/seeds.txt" <<'PY' | tee "$out/results.txt"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
held = sum(r["inside"] for r in rows)
mae = sum(abs(r["expected"] - r["actual"]) for r in rows) / len(rows)
bias = sum(r["expected"] - r["actual"] for r in rows) / len(rows)
width = sum(r["upper"] - r["lower"] for r in rows) / len(rows)
secs = sum(r["forecast_seconds"] + r["training_seconds"] for r in rows) / len(rows)
held_if_exact = sum(r["inside_if_exact"] for r in rows)
print(f"90% interval held the true 6-month count for {held} of {len(rows)} seeds "
      f"({held_if_exact} of {len(rows)} for the Poisson-binomial interval alone)")
print(f"mean absolute error {mae:.1f} leavers (mean bias {bias:+.1f}), mean interval width {width:.1f}, "
      f"mean actual {sum(r['actual'] for r in rows) / len(rows):.1f}; {secs:.1f} s per forecast")
PY
