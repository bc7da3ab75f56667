#!/usr/bin/env bash
# How tenure scales on this machine, in one go, release build: for a simulated organization of
# 10,000 people × 36 months and one of 50,000 × 36, the wall time and peak resident memory of
# import, `train --threads 2`, `score` and `forecast` (and the backtest's ROC AUC and
# calibration error), then of the next month's import, scoring and forecast; for the demo organization (2,000 people), the overview page's first
# view after the demo, `tenure report`, and `tenure serve`'s resident memory after that view.
# Prints one table at the end (also in bench/out/scale/results.md).
#   bench/scale.sh [--sizes "10000x36 50000x36"] [--skip-demo] [--huge]
# --huge adds 100,000 × 60 (about 5.6 million person-months; not asserted by anything).
# Nothing here runs in parallel: each step has both cores to itself.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh >/dev/null
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

SIZES="10000x36 50000x36"
DEMO=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --skip-demo) DEMO=""; shift ;;
    --huge) SIZES="$SIZES 100000x60"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cargo build --release --locked -q
TENURE="$PWD/target/release/tenure"
OUT=bench/out/scale
rm -rf "$OUT" && mkdir -p "$OUT"
RESULTS="$OUT/results.md"
printf '| organization | step | wall (s) | peak RSS (MB) | notes |\n|---|---|---|---|---|\n' > "$RESULTS"

# Runs a step under /usr/bin/time and appends its row: measure NAME STEP NOTES-COMMAND -- CMD…
measure() {
  local org="$1" step="$2" log="$OUT/$1-$2"
  shift 2
  /usr/bin/time -f '%e %M' -o "$log.time" "$@" > "$log.out" 2> "$log.err"
  read -r wall kb < "$log.time"
  printf '| %s | %s | %.1f | %d |' "$org" "$step" "$wall" "$((kb / 1024))" >> "$RESULTS"
}
note() { printf ' %s |\n' "$1" >> "$RESULTS"; }

for size in $SIZES; do
  people="${size%x*}"
  months="${size#*x}"
  dir="$OUT/$size"
  db="$dir/tenure.db"
  mkdir -p "$dir"
  echo "== $people people × $months months"
  "$TENURE" simulate --people "$people" --months "$months" --seed 1 --out "$dir/sim" > /dev/null
  rows=$(($(wc -l < "$dir/sim/panel.csv") - 1))
  measure "$size" import "$TENURE" import "$dir/sim/panel.csv" --mapping "$dir/sim/mapping.toml" --db "$db" --org sim
  note "$rows person-months"
  measure "$size" train "$TENURE" train --db "$db" --org sim --threads 2 --json
  note "$(python3 - "$OUT/$size-train.out" <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))["card"]
e = card["evaluation"]
print(f"backtest ROC AUC {e['roc_auc']:.4f}, calibration error {e['expected_calibration_error']:.4f}; {card['model']}; forecast stored")
PY
)"
  "$TENURE" governance --db "$db" --org sim --legal-basis "benchmark" --impact-assessment "bench" --workers-informed 2026-01-01 > /dev/null
  measure "$size" score "$TENURE" score --db "$db" --org sim --top 1
  note "everyone still employed, with their drivers"
  measure "$size" forecast "$TENURE" forecast --db "$db" --org sim --json
  note "$(python3 - "$OUT/$size-forecast.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h = d["organization"]["horizons"][1]
print(f"6 months: {h['expected_leavers']:.0f} expected leavers [{h['interval_lower']}, {h['interval_upper']}]; fitting {d['training_seconds']:.1f} s")
PY
)"
  # The next month arrives: its snapshot alone is imported and everyone scored, which brings
  # the stored forecast forward with its hazard model; `forecast` then reads it at the new
  # month without fitting. (The simulation's first months do not change when it runs longer.)
  "$TENURE" simulate --people "$people" --months "$((months + 1))" --seed 1 --out "$dir/next" > /dev/null
  next=$(tail -n +2 "$dir/next/panel.csv" | cut -d, -f2 | sort | tail -1)
  awk -F, -v month="$next" 'NR == 1 || $2 == month' "$dir/next/panel.csv" > "$dir/next-month.csv"
  rm -rf "$dir/next"
  measure "$size" "next month: import" "$TENURE" import "$dir/next-month.csv" --mapping "$dir/sim/mapping.toml" --db "$db" --org sim
  note "$(($(wc -l < "$dir/next-month.csv") - 1)) snapshots of $next"
  measure "$size" "next month: score" "$TENURE" score --db "$db" --org sim --top 1
  note "everyone, with their drivers; the forecast brought forward"
  measure "$size" "next month: forecast" "$TENURE" forecast --db "$db" --org sim --json
  note "$(python3 - "$OUT/$size-next month: forecast.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h = d["organization"]["horizons"][1]
print(f"as of {d['as_of']}: 6 months {h['expected_leavers']:.0f} expected leavers [{h['interval_lower']}, {h['interval_upper']}]; fitting {d['training_seconds']:.1f} s")
PY
)"
done

if [ -n "$DEMO" ]; then
  echo "== the demo organization (2,000 people)"
  dir="$OUT/demo"
  measure demo "demo (--no-serve)" "$TENURE" demo --dir "$dir" --no-serve --threads 2
  note "simulate, import, backtest, train with its forecast, score, stream events"
  db="$dir/tenure.db"
  PASSWORD="scale benchmark password"
  "$TENURE" admin --db "$db" plan grant --org demo --plan member --until 2099-12-31 > /dev/null
  TENURE_PASSWORD="$PASSWORD" "$TENURE" admin --db "$db" member add --org demo --email bench@example.org --role owner > /dev/null
  measure demo "report (HTML)" "$TENURE" report --db "$db" --org demo --out "$dir/report.html"
  note "$(wc -c < "$dir/report.html") bytes"
  "$TENURE" serve --db "$db" --listen 127.0.0.1:0 > "$dir/serve.out" 2> "$dir/serve.log" &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 100); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
  BASE=$(sed -n 's/^tenure listening on //p' "$dir/serve.out")
  curl -sf -c "$dir/cookies" -H 'content-type: application/json' \
    -d "{\"email\":\"bench@example.org\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/login" > /dev/null
  first=$(curl -sf -b "$dir/cookies" -o "$dir/overview.html" -w '%{time_total}' "$BASE/")
  again=$(curl -sf -b "$dir/cookies" -o /dev/null -w '%{time_total}' "$BASE/")
  rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$SERVER/status")
  printf '| demo | overview, first view | %.2f | %d (serve, after it) | again: %.2f s |\n' "$first" "$rss" "$again" >> "$RESULTS"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  trap - EXIT
fi
echo
cat "$RESULTS"
