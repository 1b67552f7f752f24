#!/usr/bin/env bash
# Stock Medusa of several releases (default: the oldest 2.0.x line's newest patch that runs here, one from the middle
# of the line, and 2.21.2), each installed from its committed lock file: the conformance suite must detect each
# release from its answers and find no departure (their known issues are listed). Then, against 2.21.2 and our
# server in one run: the suite, the official JS SDK, the differential comparison of the two, and the
# documented-profile check of Medusa against its published reference, and the README's CI recipe against it behind a
# staging edge (TLS with a private CA, an access header, injected 429s).
# Usage: parity.sh STATE_DIR. Needs the binaries in $BIN (default target/debug: cargo build --locked -p medusa-store-server
# -p medusa-conformance). PARITY_RELEASES overrides the releases (the last one gets the 2.21 parity steps).
# Outside CI, a registry that cannot be reached prints one `SKIPPED:` line and succeeds; under CI it fails.
set -euo pipefail
STATE=${1:?usage: parity.sh STATE_DIR}
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/debug}
RELEASES=${PARITY_RELEASES:-"2.0.7 2.12.6 2.21.2"}
# Listed by the reference's STORE_CORS and AUTH_CORS, and by our server's defaults.
STOREFRONT=http://localhost:8000
PUBLISHED_SPEC=${PUBLISHED_SPEC:-../shared/medusa-oas/assembled/post_store_customers.bundle.yaml}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
unique() { python3 -c 'import uuid;print(uuid.uuid4().hex[:12])'; }
mkdir -p "$STATE"
chmod 755 "$STATE"

ours_pid=
started=()
stop_all() {
  [ -z "$ours_pid" ] || kill "$ours_pid" 2>/dev/null || true
  for dir in "${started[@]}"; do scripts/medusa-reference/stop.sh "$dir" --purge >/dev/null 2>&1 || true; done
}
trap stop_all EXIT

# start_release VERSION [NAME=VALUE...]: installs and starts it in $STATE/medusa-VERSION, with the given environment;
# exits the script on SKIPPED or failure.
start_release() {
  local version=$1 dir=$STATE/medusa-$1 rc
  shift
  started+=("$dir")
  set +e
  env "$@" MEDUSA_VERSION="$version" MEDUSA_PORT="$(free_port)" scripts/medusa-reference/start.sh "$dir" \
    >"$STATE/medusa-$version.out"
  rc=$?
  set -e
  if [ $rc -eq 3 ]; then
    grep '^SKIPPED:' "$STATE/medusa-$version.out" | head -n1
    exit 0
  elif [ $rc -ne 0 ]; then
    cat "$STATE/medusa-$version.out"; tail -n 40 "$dir"/*.log 2>/dev/null || true
    echo "stock Medusa $version did not start" >&2; exit 1
  fi
}

# detected_as REPORT.json VERSION: the run detected a range holding VERSION, where every step answers as stock.
detected_as() {
  python3 - "$1" "$2" <<'PY'
import json, sys
report, version = json.load(open(sys.argv[1])), sys.argv[2]
detected = report["medusa_version"]["detected"]
if version not in detected["releases"] or detected["misfits"] != 0:
    sys.exit(f"{version} was detected as {detected['range']} with {detected['misfits']} misfit(s)")
print(f"detected as Medusa {detected['range']}; {len(report['known_issues'])} known issue(s) of the release")
PY
}

# check_release VERSION: the suite, release detected from the answers, then declared; no departure either way.
check_release() {
  local version=$1 dir=$STATE/medusa-$1 guest
  (
    set -a; . "$dir/env"; set +a
    guest=$(node scripts/medusa-reference/provision.mjs guest "ci-guest-$(unique)@example.com")
    echo "-- the conformance suite against stock Medusa $version, release detected"
    $BIN/medusa-conformance run --quiet --base-url "$MEDUSA_BASE_URL" --publishable-key "$MEDUSA_PUBLISHABLE_KEY" \
      --jwt-secret "$MEDUSA_JWT_SECRET" --revoked-key "$MEDUSA_REVOKED_KEY" --guest-email "$guest" \
      --storefront-origin "$STOREFRONT" --json "$STATE/medusa-$version.json" --junit "$STATE/medusa-$version.junit.xml" \
      >"$STATE/medusa-$version.txt" || { cat "$STATE/medusa-$version.txt"; exit 1; }
    # The verdict: the release, its evidence, its known issues, the counts.
    sed -n '/^Medusa release:/,/^[0-9]* cases:/p' "$STATE/medusa-$version.txt"
    detected_as "$STATE/medusa-$version.json" "$version"
    echo "-- the conformance suite against stock Medusa $version, release declared, set up and cleaned up by admin"
    env -u MEDUSA_REVOKED_KEY -u MEDUSA_GUEST_EMAIL $BIN/medusa-conformance run --quiet --medusa-version "$version" \
      --base-url "$MEDUSA_BASE_URL" --publishable-key "$MEDUSA_PUBLISHABLE_KEY" --jwt-secret "$MEDUSA_JWT_SECRET" \
      --admin-token "$MEDUSA_ADMIN_TOKEN" --storefront-origin "$STOREFRONT" \
      --json "$STATE/medusa-$version.declared.json" >"$STATE/medusa-$version.declared.txt" \
      || { cat "$STATE/medusa-$version.declared.txt"; exit 1; }
    grep -E '^[0-9]+ cases:' "$STATE/medusa-$version.declared.txt"
    python3 scripts/ci/nothing-left.py "$STATE/medusa-$version.declared.json"
  )
}

newest=${RELEASES##* }
# The JS SDK check receives each backend's events (the password reset's token among them) on its own port, signed
# with its own secret: Medusa's through the reference project's events-webhook subscriber, ours from its outbox.
medusa_webhook_port=$(free_port)
medusa_webhook_secret=$(unique)
ours_webhook_port=$(free_port)
ours_webhook_secret=$(unique)
for version in $RELEASES; do
  echo "-- starting stock Medusa $version"
  if [ "$version" = "$newest" ]; then
    start_release "$version" EVENTS_WEBHOOK_URL="http://127.0.0.1:$medusa_webhook_port/events" \
      EVENTS_WEBHOOK_SECRET="$medusa_webhook_secret"
  else
    start_release "$version"
  fi
  check_release "$version"
  [ "$version" = "$newest" ] || scripts/medusa-reference/stop.sh "$STATE/medusa-$version" --purge >/dev/null
done

# shellcheck disable=SC1091
set -a; . "$STATE/medusa-$newest/env"; set +a
echo "-- starting our server"
ours_db=$STATE/ours.db
ours_port=$(free_port)
ours_key=$($BIN/medusa-store-server --database-url "sqlite://$ours_db" keys create --title ci | tail -n1)
ours_revoked=$($BIN/medusa-store-server --database-url "sqlite://$ours_db" keys create --title ci-revoked | tail -n1)
$BIN/medusa-store-server --database-url "sqlite://$ours_db" keys revoke "$ours_revoked" >/dev/null
ours_guest="ci-guest-$(unique)@example.com"
$BIN/medusa-store-server --database-url "sqlite://$ours_db" customers create-guest --email "$ours_guest" >/dev/null
PORT=$ours_port DATABASE_URL="sqlite://$ours_db" RUST_LOG=warn EVENTS_WEBHOOK_URL="http://127.0.0.1:$ours_webhook_port/events" \
  EVENTS_WEBHOOK_SECRET="$ours_webhook_secret" $BIN/medusa-store-server >"$STATE/ours.log" 2>&1 &
ours_pid=$!
ours_url=http://127.0.0.1:$ours_port
for _ in $(seq 1 50); do curl -fsS -o /dev/null "$ours_url/health" && break; sleep 0.1; done

echo "-- the conformance suite against our server (no Admin API: it sets up through its CLI)"
env -u MEDUSA_ADMIN_TOKEN $BIN/medusa-conformance run --quiet --base-url "$ours_url" --publishable-key "$ours_key" \
  --jwt-secret supersecret --revoked-key "$ours_revoked" --guest-email "$ours_guest" \
  --storefront-origin "$STOREFRONT" --json "$STATE/ours.json" --junit "$STATE/ours.junit.xml"
detected_as "$STATE/ours.json" "$newest"
echo "-- its clean-up through the CLI: nothing the run signed up is left"
$BIN/medusa-store-server --database-url "sqlite://$ours_db" customers delete --created-by "$STATE/ours.json" >/dev/null
python3 - "$STATE/ours.json" "$ours_db" <<'PY'
import json, sqlite3, sys
emails = [c["email"] for c in json.load(open(sys.argv[1]))["created"]]
db = sqlite3.connect(sys.argv[2])
marks = ",".join("?" * len(emails))
left = [table for table in ("customer", "auth_identity")
        if db.execute(f"SELECT count(*) FROM {table} WHERE email IN ({marks})", emails).fetchone()[0]]
if not emails or left:
    sys.exit(f"after `customers delete --created-by`, the run's emails are still in: {left}")
print(f"the {len(emails)} sign-ups of the run are gone")
PY

echo "-- Medusa's JS SDK, unchanged, against real Medusa and against our server (a password reset through the webhook)"
cp scripts/js-sdk/check.mjs "$STATE/medusa-$newest/project/js-sdk-check.mjs"
JS_SDK_WEBHOOK_PORT=$medusa_webhook_port JS_SDK_WEBHOOK_SECRET=$medusa_webhook_secret \
  node "$STATE/medusa-$newest/project/js-sdk-check.mjs" "$MEDUSA_BASE_URL" "$MEDUSA_PUBLISHABLE_KEY"
JS_SDK_WEBHOOK_PORT=$ours_webhook_port JS_SDK_WEBHOOK_SECRET=$ours_webhook_secret \
  node "$STATE/medusa-$newest/project/js-sdk-check.mjs" "$ours_url" "$ours_key"

echo "-- differential run: real Medusa (left) against our server (right)"
medusa_guest2=$(MEDUSA_BASE_URL=$MEDUSA_BASE_URL MEDUSA_ADMIN_TOKEN=$MEDUSA_ADMIN_TOKEN \
  node scripts/medusa-reference/provision.mjs guest "ci-guest-$(unique)@example.com")
ours_guest2="ci-guest-$(unique)@example.com"
$BIN/medusa-store-server --database-url "sqlite://$ours_db" customers create-guest --email "$ours_guest2" >/dev/null
$BIN/medusa-conformance diff \
  --left "$MEDUSA_BASE_URL" --left-key "$MEDUSA_PUBLISHABLE_KEY" --left-jwt-secret "$MEDUSA_JWT_SECRET" \
  --left-revoked-key "$MEDUSA_REVOKED_KEY" --left-guest-email "$medusa_guest2" \
  --right "$ours_url" --right-key "$ours_key" --right-jwt-secret supersecret \
  --right-revoked-key "$ours_revoked" --right-guest-email "$ours_guest2" --storefront-origin "$STOREFRONT" \
  --json "$STATE/diff.json"

echo "-- real Medusa against its published reference: every case, departures exactly the documentation errata"
SHARED_OAS=$(dirname "$PUBLISHED_SPEC")/..
medusa_guest3=$(MEDUSA_BASE_URL=$MEDUSA_BASE_URL MEDUSA_ADMIN_TOKEN=$MEDUSA_ADMIN_TOKEN \
  node scripts/medusa-reference/provision.mjs guest "ci-guest-$(unique)@example.com")
$BIN/medusa-conformance run --quiet --profile documented --spec "$PUBLISHED_SPEC" \
  --spec-variant "/store/customers=$SHARED_OAS/paths/store_customers.yaml" --medusa-version "$newest" \
  --base-url "$MEDUSA_BASE_URL" --publishable-key "$MEDUSA_PUBLISHABLE_KEY" --jwt-secret "$MEDUSA_JWT_SECRET" \
  --revoked-key "$MEDUSA_REVOKED_KEY" --guest-email "$medusa_guest3" --storefront-origin "$STOREFRONT" \
  --json "$STATE/documented.json" --junit "$STATE/documented.junit.xml" >"$STATE/documented.txt" \
  || { cat "$STATE/documented.txt"; exit 1; }
sed -n '/^Published reference:/,/^[0-9]* cases:/p' "$STATE/documented.txt"

echo "-- the README's CI recipe, against real Medusa behind a staging edge"
scripts/ci/recipe.sh "$STATE"
