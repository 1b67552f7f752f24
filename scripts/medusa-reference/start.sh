#!/usr/bin/env bash
# Install and start a stock Medusa 2.x release (the reference for behaviour) on 127.0.0.1.
# Usage: [MEDUSA_VERSION=2.21.2] [MEDUSA_PORT=9000] start.sh [STATE_DIR]      (STATE_DIR defaults to /tmp/medusa-reference)
#   The release is installed with `npm ci` from releases/<MEDUSA_VERSION>/{package.json,package-lock.json} (make a new
#   one with `node new-release.mjs VERSION`); tsconfig.json and medusa-config.ts are taken from the release folder if
#   it has them, else from common/. Each STATE_DIR holds one release with its own PostgreSQL cluster: run several
#   releases side by side with distinct STATE_DIRs and ports. A STATE_DIR that holds another release (or an older lock
#   file) is reinstalled, and its database is recreated when the release changes.
#   Prints and writes STATE_DIR/env: MEDUSA_BASE_URL, MEDUSA_PUBLISHABLE_KEY, MEDUSA_REVOKED_KEY, MEDUSA_GUEST_EMAIL,
#   MEDUSA_JWT_SECRET, MEDUSA_ADMIN_TOKEN. Stop with stop.sh STATE_DIR.
#   EVENTS_WEBHOOK_URL and EVENTS_WEBHOOK_SECRET, when set, reach Medusa: the project's subscriber
#   (common/src/subscribers/events-webhook.ts) then POSTs auth.password_reset, customer.created and customer.updated
#   there, signed as our server signs them. A Medusa already running in STATE_DIR with other values is not reused.
# Exit codes: 0 ok; 3 skipped (npm registry unreachable) unless CI is set (not 0/false), then 1; 1 any other failure.
set -euo pipefail

STATE_DIR=${1:-/tmp/medusa-reference}
MEDUSA_PORT=${MEDUSA_PORT:-9000}
MEDUSA_VERSION=${MEDUSA_VERSION:-2.21.2}
PG_OS_USER=${MEDUSA_PG_OS_USER:-medusaref}
EVENTS_WEBHOOK_URL=${EVENTS_WEBHOOK_URL:-}
EVENTS_WEBHOOK_SECRET=${EVENTS_WEBHOOK_SECRET:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RELEASE_DIR=$HERE/releases/$MEDUSA_VERSION
BASE_URL=http://127.0.0.1:$MEDUSA_PORT
export MEDUSA_DISABLE_TELEMETRY=true

fail() { echo "medusa-reference: ERROR: $*" >&2; exit 1; }
log() { echo "medusa-reference: $*" >&2; }
is_ci() { case ${CI:-} in "" | 0 | false | FALSE | False) return 1 ;; *) return 0 ;; esac; }
# run_logged NAME COMMAND...: run with output in STATE_DIR/NAME.log; fail (exit 1) if it fails.
run_logged() {
  local name=$1
  shift
  "$@" >"$STATE_DIR/$name.log" 2>&1 || fail "$name failed: $* (see $STATE_DIR/$name.log)"
}
healthy() { curl -fsS -o /dev/null --max-time 5 "$BASE_URL/health" 2>/dev/null; }
medusa_running() { [ -s "$STATE_DIR/medusa.pgid" ] && kill -0 -- "-$(cat "$STATE_DIR/medusa.pgid")" 2>/dev/null; }
# The project file NAME: the release's own version if it has one, else the shared one.
project_file() { if [ -f "$RELEASE_DIR/$1" ]; then echo "$RELEASE_DIR/$1"; else echo "$HERE/common/$1"; fi; }
trap 'rc=$?; [ $rc -eq 0 ] || [ $rc -eq 3 ] || echo "medusa-reference: failed (exit $rc); logs in $STATE_DIR/*.log" >&2' EXIT

for cmd in node npm curl runuser setsid python3 sha256sum; do command -v "$cmd" >/dev/null || fail "missing command: $cmd"; done
[ -f "$RELEASE_DIR/package.json" ] && [ -f "$RELEASE_DIR/package-lock.json" ] \
  || fail "no project for Medusa $MEDUSA_VERSION in $RELEASE_DIR (create it with: node $HERE/new-release.mjs $MEDUSA_VERSION)"
[ -z "$EVENTS_WEBHOOK_URL" ] || [ -n "$EVENTS_WEBHOOK_SECRET" ] \
  || fail "EVENTS_WEBHOOK_SECRET is required with EVENTS_WEBHOOK_URL (it signs each delivery)"
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd)
PROJECT=$STATE_DIR/project
mkdir -p "$PROJECT"

# --- Which release this state dir holds -------------------------------------------------------------------------------
# STATE_DIR/release names the installed release and the hash of its lock file; STATE_DIR/db-release the release whose
# schema the database holds.
WANTED="$MEDUSA_VERSION $(sha256sum "$RELEASE_DIR/package-lock.json" | cut -d' ' -f1)"
installed=$(cat "$STATE_DIR/release" 2>/dev/null || true)
medusa_installed=$(node -p "require('$PROJECT/node_modules/@medusajs/medusa/package.json').version" 2>/dev/null || true)
[ "${installed%% *}" = "$medusa_installed" ] || installed=""
if [ "$installed" != "$WANTED" ] && medusa_running; then
  fail "$STATE_DIR runs another install (${installed:-unknown}) than Medusa $MEDUSA_VERSION: stop it first (stop.sh $STATE_DIR)"
fi
# The webhook the running Medusa was started with (its environment cannot change while it runs).
WEBHOOK=
[ -z "$EVENTS_WEBHOOK_URL" ] || WEBHOOK="$EVENTS_WEBHOOK_URL $(printf %s "$EVENTS_WEBHOOK_SECRET" | sha256sum | cut -d' ' -f1)"
if medusa_running && [ "$(cat "$STATE_DIR/medusa.webhook" 2>/dev/null || true)" != "$WEBHOOK" ]; then
  fail "$STATE_DIR runs Medusa with another EVENTS_WEBHOOK_URL or secret: stop it first (stop.sh $STATE_DIR)"
fi
if [ "$installed" != "$WANTED" ] && ! timeout 60 npm view "@medusajs/medusa@$MEDUSA_VERSION" version >/dev/null 2>&1; then
  is_ci && fail "the npm registry cannot be reached, so Medusa $MEDUSA_VERSION cannot be installed (CI is set: not skipping)"
  echo "SKIPPED: the npm registry cannot be reached, so Medusa $MEDUSA_VERSION cannot be installed"
  exit 3
fi

# --- PostgreSQL: a private cluster owned by a non-root OS user -------------------------------------------------------
ADMIN_URL=$(PG_OS_USER=$PG_OS_USER "$HERE/../postgres/start.sh" "$STATE_DIR" | sed -n 's/^DATABASE_URL=//p')
[ -n "$ADMIN_URL" ] || fail "PostgreSQL did not start"
PG_PORT=$(cat "$STATE_DIR/pg_port")
psql_app() { PGOPTIONS="-c client_min_messages=warning" psql -X -q "$ADMIN_URL" -tA "$@"; }
if [ "$(cat "$STATE_DIR/db-release" 2>/dev/null || true)" != "$MEDUSA_VERSION" ]; then
  log "fresh database for Medusa $MEDUSA_VERSION"
  psql_app -c "drop database if exists medusa with (force)"
  rm -f "$STATE_DIR/db-release"
fi
[ "$(psql_app -c "select 1 from pg_database where datname='medusa'")" = 1 ] || psql_app -c "create database medusa"
DATABASE_URL=postgres://app:app@127.0.0.1:$PG_PORT/medusa

# --- The Medusa project, written by hand -----------------------------------------------------------------------------
# The lock file pins every package of the tree to versions that installed here, so that a registry whose index lags
# behind a new release cannot break the install; it holds no download addresses (npm uses its configured registry).
cp "$RELEASE_DIR/package.json" "$RELEASE_DIR/package-lock.json" "$(project_file tsconfig.json)" \
  "$(project_file medusa-config.ts)" "$PROJECT/"
# The subscriber that forwards events to EVENTS_WEBHOOK_URL; it does nothing when that is unset.
mkdir -p "$PROJECT/src/subscribers"
cp "$(project_file src/subscribers/events-webhook.ts)" "$PROJECT/src/subscribers/"
cat >"$PROJECT/.env" <<ENV
DATABASE_URL=$DATABASE_URL
STORE_CORS=http://localhost:8000,http://127.0.0.1:8000
ADMIN_CORS=http://localhost:$MEDUSA_PORT,http://127.0.0.1:$MEDUSA_PORT
AUTH_CORS=http://localhost:8000,http://127.0.0.1:8000
JWT_SECRET=supersecret
COOKIE_SECRET=supersecret
MEDUSA_DISABLE_TELEMETRY=true
EVENTS_WEBHOOK_URL=$EVENTS_WEBHOOK_URL
EVENTS_WEBHOOK_SECRET=$EVENTS_WEBHOOK_SECRET
ENV
cp "$PROJECT/.env" "$PROJECT/.env.production"   # `medusa start` runs with NODE_ENV=production
cd "$PROJECT"
if [ "$installed" != "$WANTED" ]; then
  log "npm ci for Medusa $MEDUSA_VERSION (1-3 min)..."
  rm -f "$STATE_DIR/release"
  run_logged npm-install nice -n 10 npm ci --no-audit --no-fund --loglevel=error
  medusa_installed=$(node -p "require('$PROJECT/node_modules/@medusajs/medusa/package.json').version" 2>/dev/null || true)
  [ "$medusa_installed" = "$MEDUSA_VERSION" ] \
    || fail "npm ci installed @medusajs/medusa ${medusa_installed:-nothing}, not $MEDUSA_VERSION"
  echo "$WANTED" >"$STATE_DIR/release"
fi
npx medusa telemetry --disable >/dev/null 2>&1 || true
log "medusa db:migrate..."
run_logged migrate npx medusa db:migrate
echo "$MEDUSA_VERSION" >"$STATE_DIR/db-release"

# --- Start Medusa in its own process group -----------------------------------------------------------------------------
if ! medusa_running; then
  healthy && fail "port $MEDUSA_PORT is already served by another process"
  setsid env EVENTS_WEBHOOK_URL="$EVENTS_WEBHOOK_URL" EVENTS_WEBHOOK_SECRET="$EVENTS_WEBHOOK_SECRET" \
    npx medusa start --host 127.0.0.1 --port "$MEDUSA_PORT" >"$STATE_DIR/medusa.log" 2>&1 </dev/null &
  pid=$!
  echo "$WEBHOOK" >"$STATE_DIR/medusa.webhook"
  echo "$pid" >"$STATE_DIR/medusa.pid"
  sleep 0.5
  ps -o pgid= -p "$pid" | tr -d ' ' >"$STATE_DIR/medusa.pgid"
  [ "$(cat "$STATE_DIR/medusa.pgid")" = "$pid" ] || fail "medusa is not its own process group leader"
fi
for _ in $(seq 1 120); do
  healthy && break
  medusa_running || fail "medusa exited (see $STATE_DIR/medusa.log)"
  sleep 1
done
healthy || fail "medusa not healthy after 120 s (see $STATE_DIR/medusa.log)"

# --- Admin user, publishable keys, guest customer ----------------------------------------------------------------------
login() { curl -sS -X POST "$BASE_URL/auth/user/emailpass" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"supersecret"}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const t=JSON.parse(s).token;if(t){console.log(t)}}catch(e){}})'; }
TOKEN=$(login)
if [ -z "$TOKEN" ]; then
  run_logged user npx medusa user -e admin@example.com -p supersecret
  TOKEN=$(login)
fi
[ -n "$TOKEN" ] || fail "cannot log in as admin@example.com"
MEDUSA_BASE_URL=$BASE_URL MEDUSA_ADMIN_TOKEN=$TOKEN node "$HERE/provision.mjs" >"$STATE_DIR/env.tmp" || fail "provisioning failed"
{ echo "MEDUSA_BASE_URL=$BASE_URL"; cat "$STATE_DIR/env.tmp"; echo "MEDUSA_JWT_SECRET=supersecret"; echo "MEDUSA_ADMIN_TOKEN=$TOKEN"; } >"$STATE_DIR/env"
rm -f "$STATE_DIR/env.tmp"
cat "$STATE_DIR/env"
log "Medusa $MEDUSA_VERSION is running at $BASE_URL (pgid $(cat "$STATE_DIR/medusa.pgid")); env in $STATE_DIR/env"
