#!/usr/bin/env bash
# The chaos run on PostgreSQL: two `tenure serve` and three `tenure worker` processes share one
# database while HR events arrive at 50/s for 5 minutes; every 20 s a random worker is
# SIGKILLed and restarted, every 60 s a server; PostgreSQL itself restarts once mid-run. After a
# drain it prints one JSON object: events accepted, applied exactly once, lost, duplicated;
# warnings raised, delivered, delivered more than once, never delivered; jobs stuck; the audit
# chain verified. Exit code 0 only when nothing was lost, duplicated, never delivered or stuck.
#   bench/chaos.sh [--seconds 300] [--rate 50] [--people 1000] [--server postgres://postgres@127.0.0.1:5432]
# Everything listens on 127.0.0.1. It restarts the local PostgreSQL cluster (pg_ctlcluster),
# so run it on a machine whose PostgreSQL nothing else is using at the time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh

SECONDS_RUN=300
RATE=50
PEOPLE=1000
SERVER=postgres://postgres@127.0.0.1:5432
OUT=bench/out/chaos
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_RUN="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --people) PEOPLE="$2"; shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v pg_ctlcluster >/dev/null || { echo "the chaos run restarts PostgreSQL with pg_ctlcluster (Debian's postgresql-common)" >&2; exit 2; }
CLUSTER=$(pg_lsclusters -h | awk '$3 == 5432 {print $1, $2; exit}')
[ -n "$CLUSTER" ] || { echo "no local PostgreSQL cluster on port 5432" >&2; exit 2; }

cargo build --release --locked -q
TENURE=$PWD/target/release/tenure
DB_NAME=tenure_chaos
DB="$SERVER/$DB_NAME"
rm -rf "$OUT" && mkdir -p "$OUT"
psql "$SERVER/postgres" -qX -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME"

echo "== a $PEOPLE-person organization on PostgreSQL: simulate, import, train, score (tenure demo)"
TENURE_THREADS=2 $TENURE demo --dir "$OUT/demo" --people "$PEOPLE" --months 36 --event-months 1 \
  --db "$DB" --top 1 --no-serve > "$OUT/demo.txt"
$TENURE admin --db "$DB" plan grant --org demo --plan member --until 2099-12-31 > /dev/null
PASSWORD="chaos run password $RANDOM$RANDOM"
TENURE_PASSWORD="$PASSWORD" $TENURE admin --db "$DB" member add --org demo --email chaos@example.org --role owner > /dev/null

python3 bench/chaos.py --tenure "$TENURE" --db "$DB" --out "$OUT" \
  --email chaos@example.org --password "$PASSWORD" \
  --seconds "$SECONDS_RUN" --rate "$RATE" --pg-restart "pg_ctlcluster $CLUSTER restart"
