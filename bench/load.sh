#!/usr/bin/env bash
# Load benchmark of the service: person-risk reads (GET /api/v1/people/{person}/score with an
# API token — each read also writes its audit row) on a 5,000-person organization, measured
# with wrk (Debian's package). Prints requests/s and p50/p90/p99 latency.
#   bench/load.sh [--connections 32] [--seconds 20] [--db postgres://…] [--reuse]
# --reuse keeps the organization the previous run built in the same database and skips
# building it again; otherwise a PostgreSQL database named by --db is dropped and made afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

CONNECTIONS=32
SECONDS_RUN=20
OUT=bench/out/load
DB=""
REUSE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --seconds) SECONDS_RUN="$2"; shift 2 ;;
    --db) DB="$2"; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
DB="${DB:-$OUT/tenure.db}"
case "$DB" in
  postgres://*|postgresql://*)
    # The database is made afresh (kept with --reuse, made if missing).
    NAME="${DB##*/}"; NAME="${NAME%%\?*}"
    if [ -z "$REUSE" ]; then
      psql "${DB%/*}/postgres" -qX -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" -c "CREATE DATABASE $NAME"
    elif ! psql "${DB%/*}/postgres" -tAXc "SELECT 1 FROM pg_database WHERE datname = '$NAME'" | grep -q 1; then
      psql "${DB%/*}/postgres" -qXc "CREATE DATABASE $NAME"
    fi ;;
esac
cargo build --release --locked -q
TENURE=./target/release/tenure

if [ -n "$REUSE" ] && [ -f "$OUT/demo.txt" ]; then
  echo "== reusing the organization in $OUT"
else
  rm -rf "$OUT" && mkdir -p "$OUT"
  echo "== a 5,000-person organization: simulate, import, train and score (tenure demo)"
  TENURE_THREADS=2 $TENURE demo --dir "$OUT/demo" --people 5000 --months 36 --db "$DB" --top 1 --no-serve > "$OUT/demo.txt"
  grep -E "scored|people" "$OUT/demo.txt" | head -3
fi
$TENURE admin --db "$DB" plan grant --org demo --plan member --until 2099-12-31
PASSWORD="load benchmark password"
TENURE_PASSWORD="$PASSWORD" $TENURE admin --db "$DB" member add --org demo --email bench@example.org --role hr

$TENURE serve --db "$DB" --listen 127.0.0.1:0 > "$OUT/serve.out" 2> "$OUT/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$OUT/serve.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^tenure listening on //p' "$OUT/serve.out")

curl -sf -c "$OUT/cookies" -H 'content-type: application/json' \
  -d "{\"email\":\"bench@example.org\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/login" > "$OUT/me.json"
echo "== signed in as hr; API token needs the owner's tokens:manage, so the operator adds one"
TENURE_PASSWORD="$PASSWORD" $TENURE admin --db "$DB" member add --org demo --email owner@example.org --role owner > /dev/null
curl -sf -c "$OUT/owner-cookies" -H 'content-type: application/json' \
  -d "{\"email\":\"owner@example.org\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/login" > "$OUT/owner.json"
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$OUT/owner.json")
curl -sf -b "$OUT/owner-cookies" -H "x-csrf-token: $CSRF" -H 'content-type: application/json' \
  -d '{"name":"load benchmark","scopes":["scores:read"],"expires_in_days":1}' "$BASE/api/v1/tokens" > "$OUT/token.json"
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$OUT/token.json")

echo "== the people to read"
python3 - "$BASE" "$TOKEN" "$OUT/paths.lua" <<'PY'
import json, sys, urllib.request
base, token, out = sys.argv[1:]
people, page = [], 1
while True:
    req = urllib.request.Request(f"{base}/api/v1/scores?per_page=500&page={page}", headers={"authorization": f"Bearer {token}"})
    body = json.load(urllib.request.urlopen(req))
    people += [item["person"] for item in body["items"]]
    if page * 500 >= body["total"]:
        break
    page += 1
print(f"   {len(people)} people scored")
with open(out, "w") as f:
    f.write("paths = {" + ",".join(f'"/api/v1/people/{p}/score"' for p in people) + "}\n")
    f.write(f'token = "{token}"\n')
    f.write("""
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {["authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d non2xx=%d seconds=%.2f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
""")
PY

echo "== warm-up, then $SECONDS_RUN s with $CONNECTIONS connections (wrk: 1 thread; server: 2 worker threads; 2 cores shared)"
wrk -t1 -c"$CONNECTIONS" -d3s -s "$OUT/paths.lua" "$BASE" > /dev/null
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$OUT/paths.lua" "$BASE" | tee "$OUT/wrk.txt" | grep -E "RESULT|Requests/sec|Latency"
python3 - "$BASE" "$CSRF" "$OUT/owner-cookies" <<'PY'
import http.cookiejar, json, sys, urllib.request
base, csrf, cookies = sys.argv[1:]
jar = http.cookiejar.MozillaCookieJar(cookies); jar.load()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
verdict = json.load(opener.open(f"{base}/api/v1/audit/verify"))
print(f"== audit chain after the run: intact={verdict['intact']} rows={verdict['rows']}")
PY
