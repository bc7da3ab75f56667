#!/usr/bin/env bash
# The OpenAPI document as a contract: `tenure demo` makes a simulated, trained and scored
# organization in a fresh SQLite database; `tenure serve` serves it on a free port; its owner
# signs in and makes an API token with every scope; schemathesis (from PyPI, in its own virtual
# environment) runs every check against every operation. Any finding fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
VENV=${TENURE_SCHEMATHESIS_VENV:-target/schemathesis-venv}
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"
fi
cargo build -q -p tenure --locked
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
PASSWORD="contract-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
T=target/debug/tenure
DB="$WORK/tenure.db"
"$T" demo --dir "$WORK" --people 300 --months 24 --threads 1 --no-serve > "$WORK/demo.log" 2>&1 \
  || { cat "$WORK/demo.log"; exit 1; }
"$T" admin --db "$DB" plan grant --org demo --plan member --until "$(date -d '+30 days' +%F)" >/dev/null
TENURE_PASSWORD="$PASSWORD" "$T" admin --db "$DB" member add --org demo --email owner@demo.example --role owner >/dev/null
# A generous per-token budget: schemathesis sends thousands of requests a minute.
TENURE_TOKEN_REQUESTS_PER_MINUTE=1000000 TENURE_LISTEN="127.0.0.1:$PORT" TENURE_PUBLIC_URL="$URL" \
  "$T" serve --db "$DB" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do
  curl -sf "$URL/readyz" >/dev/null && break
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/serve.log"; echo "the server stopped" >&2; exit 1; }
  sleep 1
done
LOGIN=$(curl -sf -c "$WORK/jar" -H 'content-type: application/json' \
  -d "{\"email\":\"owner@demo.example\",\"password\":\"$PASSWORD\"}" "$URL/api/v1/login")
CSRF=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$LOGIN")
SCOPES='["scores:read","aggregates:read","models:read","data:write","models:train","members:manage","tokens:manage","audit:read","plan:read","warnings:act","alerts:configure","governance:manage","people:manage"]'
TOKEN=$(curl -sf -b "$WORK/jar" -H "x-csrf-token: $CSRF" -H 'content-type: application/json' \
  -d "{\"name\":\"contract\",\"scopes\":$SCOPES,\"expires_in_days\":1}" "$URL/api/v1/tokens" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "== schemathesis $VERSION, every check, against $URL (an owner's token)"
"$VENV/bin/schemathesis" --config-file tests/schemathesis.toml run "$URL/api/v1/openapi.json" \
  -H "Authorization: Bearer $TOKEN" --checks all --max-examples 10 --seed "${TENURE_SCHEMATHESIS_SEED:-1}" \
  --no-color
