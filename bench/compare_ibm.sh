#!/usr/bin/env bash
# tenure against scikit-learn, LightGBM and XGBoost (from PyPI, in bench/.venv) on the IBM
# attrition data: the same 5 folds (tenure writes them), accuracy and wall time of the whole
# evaluation, data loading included. Run alone: fits use 2 threads and must not share the cores.
# Usage: bench/compare_ibm.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-1}"
threads=2
data=../shared/data/WA_Fn-UseC_-HR-Employee-Attrition.csv
out=bench/out/compare_ibm
mkdir -p "$out"
. scripts/prerequisites.sh >/dev/null
cargo build --release --quiet
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/python -c 'import sklearn, lightgbm, xgboost, pandas' 2>/dev/null \
  || bench/.venv/bin/pip install -q --disable-pip-version-check scikit-learn lightgbm xgboost pandas

start=$(date +%s.%N)
target/release/tenure evaluate "$data" --mapping examples/ibm_attrition.toml --seed "$seed" --threads "$threads" \
  --json --folds-out "$out/folds.csv" > "$out/tenure.json"
end=$(date +%s.%N)
bench/.venv/bin/python bench/compare_ibm.py "$data" "$out/folds.csv" "$threads" > "$out/python.jsonl"

python3 - "$out/tenure.json" "$out/python.jsonl" "$start" "$end" <<'PY' | tee "$out/results.txt"
import json, sys
tenure = json.load(open(sys.argv[1]))
seconds = float(sys.argv[4]) - float(sys.argv[3])
tools = [json.loads(line) for line in open(sys.argv[2])]
print(f"{'tool':<32} {'ROC AUC':>8} {'Brier':>8} {'seconds':>8}")
print(f"{'tenure auto':<32} {tenure['roc_auc']:>8.4f} {tenure['brier']:>8.4f} {seconds:>8.2f}")
for t in tools:
    print(f"{t['tool']:<32} {t['roc_auc']:>8.4f} {t['brier']:>8.4f} {t['seconds']:>8.2f}")
lgbm = next(t for t in tools if t["tool"] == "lightgbm")
print(f"tenure / LightGBM wall time: {seconds / lgbm['seconds']:.2f}x; ROC AUC difference: {tenure['roc_auc'] - lgbm['roc_auc']:+.4f}")
PY
