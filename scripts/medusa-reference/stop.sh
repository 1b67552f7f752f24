#!/usr/bin/env bash
# Stop what start.sh started in STATE_DIR: the recorded Medusa process group and the private PostgreSQL cluster.
# Works for any release; stop each STATE_DIR of releases run side by side on its own.
# Usage: stop.sh [STATE_DIR] [--purge]   (STATE_DIR defaults to /tmp/medusa-reference)
#   Without --purge everything stays (database, installed release): start.sh STATE_DIR restarts quickly.
#   --purge also removes the database and the rest of STATE_DIR, but keeps project/node_modules and the record of the
#   release installed there (STATE_DIR/release), so start.sh reuses them for the same release and lock file.
set -euo pipefail

STATE_DIR=/tmp/medusa-reference
PURGE=false
for arg in "$@"; do
  case $arg in --purge) PURGE=true ;; *) STATE_DIR=$arg ;; esac
done
PG_OS_USER=${MEDUSA_PG_OS_USER:-medusaref}
[ -d "$STATE_DIR" ] || { echo "medusa-reference: nothing to stop in $STATE_DIR"; exit 0; }

if [ -s "$STATE_DIR/medusa.pgid" ]; then
  pgid=$(cat "$STATE_DIR/medusa.pgid")
  if kill -0 -- "-$pgid" 2>/dev/null; then
    kill -TERM -- "-$pgid" || true
    for _ in $(seq 1 20); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.5; done
    kill -0 -- "-$pgid" 2>/dev/null && kill -KILL -- "-$pgid" || true
    echo "medusa-reference: stopped Medusa (process group $pgid)"
  fi
  rm -f "$STATE_DIR/medusa.pgid" "$STATE_DIR/medusa.pid" "$STATE_DIR/medusa.webhook"
fi

PG_OS_USER=$PG_OS_USER "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../postgres/stop.sh" "$STATE_DIR"
echo "medusa-reference: stopped PostgreSQL ($STATE_DIR/pg)"

if $PURGE; then
  find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name project ! -name release -exec rm -rf {} +
  [ -d "$STATE_DIR/project" ] && find "$STATE_DIR/project" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  echo "medusa-reference: purged $STATE_DIR (kept project/node_modules and its release record)"
fi
