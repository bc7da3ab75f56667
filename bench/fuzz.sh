#!/usr/bin/env bash
# The readers' fuzz run: the property tests of crates/data/tests/readers.rs — damaged CSV
# files, workbooks and Parquet files, and arbitrary mappings — run round after round with
# fresh random seeds for a fixed time (ten minutes by default). Built with overflow checks on
# (the test profile), so an arithmetic overflow in a decoder counts as a failure. Prints the
# rounds and cases run; exit code 0 only when no case panicked or broke a property.
#   bench/fuzz.sh [--seconds 600] [--cases 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh

SECONDS_RUN=600
CASES=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_RUN="$2"; shift 2 ;;
    --cases) CASES="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

EXE=$(cargo test -p tenure-data --test readers --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "readers":
        print(m["executable"])')
[ -x "$EXE" ] || { echo "could not build the readers' test binary" >&2; exit 1; }

mkdir -p bench/out
LOG=bench/out/fuzz.log
: > "$LOG"
START=$(date +%s)
ROUNDS=0
# Four properties with damage (csv, workbook, parquet, mapping) run CASES cases each per round.
while [ $(( $(date +%s) - START )) -lt "$SECONDS_RUN" ]; do
  if ! PROPTEST_CASES="$CASES" "$EXE" --test-threads 2 >>"$LOG" 2>&1; then
    grep -E "minimal failing input|panicked at" -A6 "$LOG" | tail -40 >&2
    echo "fuzz: FAILED in round $((ROUNDS + 1)) after $(( $(date +%s) - START )) s; see $LOG" >&2
    exit 1
  fi
  ROUNDS=$((ROUNDS + 1))
done
ELAPSED=$(( $(date +%s) - START ))
echo "{\"seconds\": $ELAPSED, \"rounds\": $ROUNDS, \"cases\": $((ROUNDS * CASES * 4)), \"panics\": 0}"
