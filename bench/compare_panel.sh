#!/usr/bin/env bash
# tenure against LightGBM, XGBoost and scikit-learn (from PyPI, in bench/.venv) on a simulated
# person-month panel: the same rolling-origin backtest (origins, horizon, training windows),
# accuracy and wall time, data loading included; then scoring throughput with drivers.
# The Python tools read the features tenure derives (`tenure features`): they have no panel
# features of their own. Run alone: every fit uses 2 threads and must not share the cores.
# Usage: bench/compare_panel.sh [PEOPLE] [MONTHS]   (28000 × 36 ≈ 1,000,000 person-months)
set -euo pipefail
cd "$(dirname "$0")/.."
people="${1:-28000}"
months="${2:-36}"
threads=2
out=bench/out/compare_panel
rm -rf "$out" && mkdir -p "$out"
. scripts/prerequisites.sh >/dev/null
cargo build --release --quiet
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/python -c 'import sklearn, lightgbm, xgboost, pandas' 2>/dev/null \
  || bench/.venv/bin/pip install -q --disable-pip-version-check scikit-learn lightgbm xgboost pandas
tenure=target/release/tenure
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

$tenure simulate --people "$people" --months "$months" --seed 1 --out "$out/sim" | tee "$out/simulate.txt"
panel="$out/sim/panel.csv"; mapping="$out/sim/mapping.toml"

start=$(date +%s.%N)
$tenure evaluate "$panel" --mapping "$mapping" --horizon 6 --threads "$threads" --json --scores-out "$out/tenure_scores.csv" > "$out/tenure.json"
end=$(date +%s.%N); tenure_seconds=$(seconds "$start" "$end")

start=$(date +%s.%N)
$tenure features "$panel" --mapping "$mapping" --horizon 6 --out "$out/features.csv"
end=$(date +%s.%N); features_seconds=$(seconds "$start" "$end")

bench/.venv/bin/python bench/compare_panel.py "$out/features.csv" "$out/tenure.json" "$threads" > "$out/python.jsonl"
python3 bench/oracle.py "$out/tenure_scores.csv" "$out/sim/ground_truth.csv" 6 > "$out/oracle.txt"

# Scoring throughput with drivers: tenure scores the latest month from its database.
db="$out/tenure.db"
$tenure import "$panel" --mapping "$mapping" --db "$db" --org bench > /dev/null
$tenure train --db "$db" --org bench --origins 1 --threads "$threads" > "$out/train.txt"
# Nobody is scored before the governance record exists (TRUST): a benchmark records one.
$tenure governance --db "$db" --org bench --legal-basis "benchmark" --impact-assessment "bench" \
  --workers-informed 2026-01-01 > /dev/null
$tenure score --db "$db" --org bench --top 0 > "$out/score.txt"
bench/.venv/bin/python bench/compare_panel.py --contrib "$out/features.csv" "$threads" > "$out/python_contrib.json"

python3 - "$out" "$tenure_seconds" "$features_seconds" <<'PY' | tee "$out/results.txt"
import json, re, sys
out, tenure_seconds, features_seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
t = json.load(open(f"{out}/tenure.json"))
tools = [json.loads(line) for line in open(f"{out}/python.jsonl")]
print(f"panel: {t['n']} scored person-months over {len(t['origins'])} origins, horizon 6")
print(f"{'tool':<34} {'ROC AUC (mean of origins)':>26} {'pooled':>8} {'seconds':>8}")
tenure_auc = sum(o['roc_auc'] for o in t['origins']) / len(t['origins'])
print(f"{'tenure auto (backtest, from the raw panel)':<34} {tenure_auc:>26.4f} {t['roc_auc']:>8.4f} {tenure_seconds:>8.1f}")
for tool in tools:
    print(f"{tool['tool']:<34} {tool['roc_auc_mean']:>26.4f} {tool['roc_auc_pooled']:>8.4f} {tool['seconds']:>8.1f}")
print(f"(tenure features export, which the Python tools read: {features_seconds:.1f} s, not counted for them)")
lgbm = next(x for x in tools if x["tool"] == "lightgbm")
print(f"tenure / LightGBM wall time: {tenure_seconds / lgbm['seconds']:.2f}x; ROC AUC difference (mean of origins): {tenure_auc - lgbm['roc_auc_mean']:+.4f}")
print(open(f"{out}/oracle.txt").read().strip().splitlines()[-1])
score = open(f"{out}/score.txt").read()
m = re.search(r"scored ([\d,]+) people .*?scoring with drivers took ([\d.]+) s", score, re.S)
tenure_rate = int(m.group(1).replace(",", "")) / max(float(m.group(2)), 1e-9)
contrib = json.load(open(f"{out}/python_contrib.json"))
print(f"scoring with drivers: tenure {tenure_rate:,.0f} rows/s (probability, TreeSHAP grouped to columns, plain words); "
      f"LightGBM predict(pred_contrib=True) {contrib['rows_per_second']:,.0f} rows/s on {contrib['rows']:,} rows; "
      f"ratio {tenure_rate / contrib['rows_per_second']:.2f}x")
PY
