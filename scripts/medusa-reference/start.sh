#!/usr/bin/env bash
# Install and start a real Medusa 2.21.2 (the reference for behaviour) on 127.0.0.1.
# Usage: start.sh [STATE_DIR]   (default /tmp/medusa-reference; MEDUSA_PORT defaults to 9000)
# Exit codes: 0 ok, 3 skipped (npm registry unreachable), 1 any other failure.
set -euo pipefail

STATE_DIR=${1:-/tmp/medusa-reference}
MEDUSA_PORT=${MEDUSA_PORT:-9000}
MEDUSA_VERSION=2.21.2
PG_OS_USER=${MEDUSA_PG_OS_USER:-medusaref}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$STATE_DIR/project
BASE_URL=http://127.0.0.1:$MEDUSA_PORT
export MEDUSA_DISABLE_TELEMETRY=true

fail() { echo "medusa-reference: ERROR: $*" >&2; exit 1; }
log() { echo "medusa-reference: $*" >&2; }
trap 'rc=$?; [ $rc -eq 0 ] || [ $rc -eq 3 ] || echo "medusa-reference: failed (exit $rc); logs in $STATE_DIR/*.log" >&2' EXIT

for cmd in node npm curl runuser setsid python3; do command -v "$cmd" >/dev/null || fail "missing command: $cmd"; done
mkdir -p "$STATE_DIR" "$PROJECT"

# --- PostgreSQL: a private cluster owned by a non-root OS user -------------------------------
ADMIN_URL=$(PG_OS_USER=$PG_OS_USER "$HERE/../postgres/start.sh" "$STATE_DIR" | sed -n 's/^DATABASE_URL=//p')
[ -n "$ADMIN_URL" ] || fail "PostgreSQL did not start"
PG_PORT=$(cat "$STATE_DIR/pg_port")
psql_app() { psql -X -q "$ADMIN_URL" -tA "$@"; }
[ "$(psql_app -c "select 1 from pg_database where datname='medusa'")" = 1 ] || psql_app -c "create database medusa"
DATABASE_URL=postgres://app:app@127.0.0.1:$PG_PORT/medusa

# --- The Medusa project, written by hand ------------------------------------------------------
# The lock file pins every package of the tree to versions that installed here, so that a registry whose index
# lags behind a new release cannot break the install.
cp "$HERE/project/package.json" "$HERE/project/package-lock.json" "$HERE/project/tsconfig.json" \
  "$HERE/project/medusa-config.ts" "$PROJECT/"
cat >"$PROJECT/.env" <<ENV
DATABASE_URL=$DATABASE_URL
STORE_CORS=http://localhost:8000,http://127.0.0.1:8000
ADMIN_CORS=http://localhost:9000,http://127.0.0.1:9000
AUTH_CORS=http://localhost:8000,http://127.0.0.1:8000
JWT_SECRET=supersecret
COOKIE_SECRET=supersecret
MEDUSA_DISABLE_TELEMETRY=true
ENV
cp "$PROJECT/.env" "$PROJECT/.env.production"   # `medusa start` runs with NODE_ENV=production
installed=$(node -p "require('$PROJECT/node_modules/@medusajs/medusa/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$MEDUSA_VERSION" ]; then
  if ! timeout 60 npm view "@medusajs/medusa@$MEDUSA_VERSION" version >/dev/null 2>&1; then
    echo "SKIPPED: the npm registry cannot be reached, so Medusa $MEDUSA_VERSION cannot be installed"
    exit 3
  fi
  log "npm ci (1-3 min)..."
  (cd "$PROJECT" && npm ci --no-audit --no-fund --loglevel=error) >"$STATE_DIR/npm-install.log" 2>&1 \
    || fail "npm ci failed (see $STATE_DIR/npm-install.log)"
fi
cd "$PROJECT"
npx medusa telemetry --disable >/dev/null 2>&1 || true
log "medusa db:migrate..."
npx medusa db:migrate >"$STATE_DIR/migrate.log" 2>&1 || fail "medusa db:migrate failed (see $STATE_DIR/migrate.log)"

# --- Start Medusa in its own process group ------------------------------------------------------
running=false
if [ -s "$STATE_DIR/medusa.pgid" ] && kill -0 -- "-$(cat "$STATE_DIR/medusa.pgid")" 2>/dev/null; then running=true; fi
if ! $running; then
  curl -fsS -o /dev/null "$BASE_URL/health" 2>/dev/null && fail "port $MEDUSA_PORT is already served by another process"
  setsid npx medusa start --host 127.0.0.1 --port "$MEDUSA_PORT" >"$STATE_DIR/medusa.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$STATE_DIR/medusa.pid"
  sleep 0.5
  ps -o pgid= -p "$pid" | tr -d ' ' >"$STATE_DIR/medusa.pgid"
  [ "$(cat "$STATE_DIR/medusa.pgid")" = "$pid" ] || fail "medusa is not its own process group leader"
fi
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$BASE_URL/health" 2>/dev/null && break
  kill -0 "$(cat "$STATE_DIR/medusa.pid")" 2>/dev/null || fail "medusa exited (see $STATE_DIR/medusa.log)"
  sleep 1
done
curl -fsS -o /dev/null "$BASE_URL/health" || fail "medusa not healthy after 120 s (see $STATE_DIR/medusa.log)"

# --- Admin user, publishable keys, guest customer -----------------------------------------------
login() { curl -sS -X POST "$BASE_URL/auth/user/emailpass" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"supersecret"}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const t=JSON.parse(s).token;if(t){console.log(t)}}catch(e){}})'; }
TOKEN=$(login)
if [ -z "$TOKEN" ]; then
  npx medusa user -e admin@example.com -p supersecret >"$STATE_DIR/user.log" 2>&1 || fail "medusa user failed (see $STATE_DIR/user.log)"
  TOKEN=$(login)
fi
[ -n "$TOKEN" ] || fail "cannot log in as admin@example.com"
MEDUSA_BASE_URL=$BASE_URL MEDUSA_ADMIN_TOKEN=$TOKEN node "$HERE/provision.mjs" >"$STATE_DIR/env.tmp" || fail "provisioning failed"
{ echo "MEDUSA_BASE_URL=$BASE_URL"; cat "$STATE_DIR/env.tmp"; echo "MEDUSA_JWT_SECRET=supersecret"; echo "MEDUSA_ADMIN_TOKEN=$TOKEN"; } >"$STATE_DIR/env"
rm -f "$STATE_DIR/env.tmp"
cat "$STATE_DIR/env"
log "Medusa $MEDUSA_VERSION is running at $BASE_URL (pgid $(cat "$STATE_DIR/medusa.pgid")); env in $STATE_DIR/env"
