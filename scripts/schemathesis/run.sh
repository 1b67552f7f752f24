#!/usr/bin/env bash
# Schemathesis against our server with the contract: every check, the examples, coverage and fuzzing phases
# (at least 1,000 generated cases) and the stateful phase, bounded in count and time; any failure fails the run.
# Usage: scripts/schemathesis/run.sh [extra schemathesis options]
# Env: SCHEMATHESIS_CACHE (venv location, default ~/.cache/medusa-schemathesis), SCHEMATHESIS_MAX_EXAMPLES (per
# operation and phase, default 100), SCHEMATHESIS_MAX_TIME (seconds, default 120), SCHEMATHESIS_SEED, SPEC (the
# contract to test against, default openapi/store.openapi.yaml).
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=4.32.5
CACHE=${SCHEMATHESIS_CACHE:-$HOME/.cache/medusa-schemathesis}
VENV=$CACHE/venv-$VERSION
if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "== installing schemathesis $VERSION into $VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

echo "== building the server"
cargo build --locked --quiet -p medusa-store-server --bin medusa-store-server
SERVER=${CARGO_TARGET_DIR:-target}/debug/medusa-store-server

STATE=$(mktemp -d /tmp/schemathesis.XXXXXX)
PID=
stop() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$STATE"
}
trap stop EXIT
export DATABASE_URL="sqlite://$STATE/store.db" HOST=127.0.0.1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PORT
KEY=$("$SERVER" keys create --title schemathesis | tail -1)
RUST_LOG=warn "$SERVER" >"$STATE/server.log" 2>&1 &
PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fsS "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$BASE/health" >/dev/null || { cat "$STATE/server.log"; echo "the server did not start" >&2; exit 1; }

echo "== schemathesis $VERSION against $BASE"
export SCHEMATHESIS_BASE_URL=$BASE SCHEMATHESIS_PUBLISHABLE_KEY=$KEY
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$PWD/scripts/schemathesis${PYTHONPATH:+:$PYTHONPATH}"
status=0
"$VENV/bin/schemathesis" --config-file scripts/schemathesis/schemathesis.toml run "${SPEC:-openapi/store.openapi.yaml}" \
  --url "$BASE" \
  --phases examples,coverage,fuzzing,stateful \
  --header "x-publishable-api-key: $KEY" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" \
  --max-time "${SCHEMATHESIS_MAX_TIME:-120}" \
  --request-timeout 15 \
  --seed "${SCHEMATHESIS_SEED:-20260127}" \
  --workers 2 \
  --report junit,ndjson --report-dir "$STATE/report" \
  --warnings off \
  --generation-database none \
  "$@" || status=$?
# A server that died or logged a panic fails the run even if every response looked right.
if ! kill -0 "$PID" 2>/dev/null || grep -q 'panicked\|stack overflow\|ERROR' "$STATE/server.log"; then
  cat "$STATE/server.log"; echo "the server crashed or logged an error" >&2; status=1
fi
echo "== schemathesis exit status $status"
exit "$status"
