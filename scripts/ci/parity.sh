#!/usr/bin/env bash
# The conformance suite and the official JS SDK against a real Medusa 2.21.2 and against our server, in one run;
# then the differential comparison of the two, and the documented-profile check of Medusa against its published
# reference.
# Usage: parity.sh STATE_DIR. Needs the binaries in $BIN (default target/debug: cargo build --locked -p medusa-store-server
# -p medusa-conformance). If the npm registry cannot be reached, prints one `SKIPPED:` line and succeeds.
set -euo pipefail
STATE=${1:?usage: parity.sh STATE_DIR}
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/debug}
PUBLISHED_SPEC=${PUBLISHED_SPEC:-../shared/medusa-oas/assembled/post_store_customers.bundle.yaml}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
unique() { python3 -c 'import uuid;print(uuid.uuid4().hex[:12])'; }
mkdir -p "$STATE"

ours_pid=
stop_all() {
  [ -z "$ours_pid" ] || kill "$ours_pid" 2>/dev/null || true
  scripts/medusa-reference/stop.sh "$STATE/medusa" --purge >/dev/null 2>&1 || true
}
trap stop_all EXIT

echo "-- starting a real Medusa 2.21.2"
set +e
MEDUSA_PORT=$(free_port) scripts/medusa-reference/start.sh "$STATE/medusa" >"$STATE/medusa-start.out"
rc=$?
set -e
if [ $rc -eq 3 ]; then
  grep '^SKIPPED:' "$STATE/medusa-start.out" | head -n1
  exit 0
elif [ $rc -ne 0 ]; then
  cat "$STATE/medusa-start.out"; tail -n 40 "$STATE"/medusa/*.log 2>/dev/null || true
  echo "the reference Medusa did not start" >&2; exit 1
fi
# shellcheck disable=SC1091
set -a; . "$STATE/medusa/env"; set +a
medusa_guest=$(MEDUSA_BASE_URL=$MEDUSA_BASE_URL MEDUSA_ADMIN_TOKEN=$MEDUSA_ADMIN_TOKEN \
  node scripts/medusa-reference/provision.mjs guest "ci-guest-$(unique)@example.com")

echo "-- starting our server"
ours_db=$STATE/ours.db
ours_port=$(free_port)
ours_key=$($BIN/medusa-store-server --database-url "sqlite://$ours_db" keys create --title ci | tail -n1)
ours_revoked=$($BIN/medusa-store-server --database-url "sqlite://$ours_db" keys create --title ci-revoked | tail -n1)
$BIN/medusa-store-server --database-url "sqlite://$ours_db" keys revoke "$ours_revoked" >/dev/null
ours_guest="ci-guest-$(unique)@example.com"
$BIN/medusa-store-server --database-url "sqlite://$ours_db" customers create-guest --email "$ours_guest" >/dev/null
PORT=$ours_port DATABASE_URL="sqlite://$ours_db" RUST_LOG=warn $BIN/medusa-store-server >"$STATE/ours.log" 2>&1 &
ours_pid=$!
ours_url=http://127.0.0.1:$ours_port
for _ in $(seq 1 50); do curl -fsS -o /dev/null "$ours_url/health" && break; sleep 0.1; done

echo "-- the conformance suite against real Medusa"
$BIN/medusa-conformance run --quiet --base-url "$MEDUSA_BASE_URL" --publishable-key "$MEDUSA_PUBLISHABLE_KEY" \
  --jwt-secret "$MEDUSA_JWT_SECRET" --revoked-key "$MEDUSA_REVOKED_KEY" --guest-email "$medusa_guest" \
  --junit "$STATE/medusa.junit.xml"

echo "-- the conformance suite against our server"
$BIN/medusa-conformance run --quiet --base-url "$ours_url" --publishable-key "$ours_key" \
  --jwt-secret supersecret --revoked-key "$ours_revoked" --guest-email "$ours_guest" \
  --junit "$STATE/ours.junit.xml"

echo "-- Medusa's JS SDK, unchanged, against real Medusa and against our server"
cp scripts/js-sdk/check.mjs "$STATE/medusa/project/js-sdk-check.mjs"
node "$STATE/medusa/project/js-sdk-check.mjs" "$MEDUSA_BASE_URL" "$MEDUSA_PUBLISHABLE_KEY"
node "$STATE/medusa/project/js-sdk-check.mjs" "$ours_url" "$ours_key"

echo "-- differential run: real Medusa (left) against our server (right)"
medusa_guest2=$(MEDUSA_BASE_URL=$MEDUSA_BASE_URL MEDUSA_ADMIN_TOKEN=$MEDUSA_ADMIN_TOKEN \
  node scripts/medusa-reference/provision.mjs guest "ci-guest-$(unique)@example.com")
ours_guest2="ci-guest-$(unique)@example.com"
$BIN/medusa-store-server --database-url "sqlite://$ours_db" customers create-guest --email "$ours_guest2" >/dev/null
$BIN/medusa-conformance diff \
  --left "$MEDUSA_BASE_URL" --left-key "$MEDUSA_PUBLISHABLE_KEY" --left-jwt-secret "$MEDUSA_JWT_SECRET" \
  --left-revoked-key "$MEDUSA_REVOKED_KEY" --left-guest-email "$medusa_guest2" \
  --right "$ours_url" --right-key "$ours_key" --right-jwt-secret supersecret \
  --right-revoked-key "$ours_revoked" --right-guest-email "$ours_guest2" \
  --json "$STATE/diff.json"

echo "-- real Medusa against its published reference: exactly the documentation errata"
SHARED_OAS=$(dirname "$PUBLISHED_SPEC")/..
$BIN/medusa-conformance run --profile documented --spec "$PUBLISHED_SPEC" \
  --spec-variant "/store/customers=$SHARED_OAS/paths/store_customers.yaml" \
  --base-url "$MEDUSA_BASE_URL" --publishable-key "$MEDUSA_PUBLISHABLE_KEY"
