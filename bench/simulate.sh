#!/usr/bin/env bash
# Time to simulate 5,000 people × 36 months (the target is under 10 s in release mode).
# Usage: bench/simulate.sh [PEOPLE] [MONTHS]
set -euo pipefail
cd "$(dirname "$0")/.."
people="${1:-5000}"
months="${2:-36}"
. scripts/prerequisites.sh >/dev/null
cargo build --release --quiet
out=bench/out/simulate
rm -rf "$out" && mkdir -p "$out"
for run in 1 2 3; do
  start=$(date +%s.%N)
  target/release/tenure simulate --people "$people" --months "$months" --seed "$run" --out "$out/run$run" >/dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; print(f'run {sys.argv[1]}: {float(sys.argv[3]) - float(sys.argv[2]):.2f} s for $people people x $months months (files written)')" "$run" "$start" "$end"
done | tee "$out/results.txt"
