#!/usr/bin/env bash
# Stop the cluster that start.sh started in STATE_DIR; with --purge, remove STATE_DIR too.
set -euo pipefail
STATE_DIR=${1:?usage: stop.sh STATE_DIR [--purge]}
PG_OS_USER=${PG_OS_USER:-pgrunner}
PG=$STATE_DIR/pg
PG_BIN=$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n1)")")
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}
if [ -s "$PG/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG" status >/dev/null 2>&1; then
  as_pg "$PG_BIN/pg_ctl" -D "$PG" -m fast -w stop >/dev/null
fi
if [ "${2:-}" = "--purge" ]; then rm -rf "$STATE_DIR"; fi
