#!/usr/bin/env bash
# One command for BENCHMARKS.md: builds the release binaries, starts a throwaway PostgreSQL, uses the running real
# Medusa 2.21.2 (or starts it with the reference script), and runs the load generator once over every backend:
# our server on SQLite and on PostgreSQL, real Medusa, and the constant poem handler. Writes the tables to
# bench-results.md (or $1). Loopback only; every measurement is bounded in time and requests.
# Extra arguments after the output file go to the load generator (see `--help`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/bench-results.md}
shift || true
MEDUSA_STATE=${MEDUSA_STATE:-/tmp/medusa-reference}
PG_STATE=${PG_STATE:-/tmp/medusa-bench-pg}
cd "$ROOT"

echo "bench: building release binaries" >&2
cargo build --release --locked -p medusa-store-server --bin medusa-store-server --example constant
cargo build --release --locked -p medusa-conformance
cargo bench --locked -p medusa-store-server --bench load --no-run

echo "bench: PostgreSQL for our server" >&2
PG_URL=$("$ROOT/scripts/postgres/start.sh" "$PG_STATE" | sed -n 's/^DATABASE_URL=//p')
trap '"$ROOT/scripts/postgres/stop.sh" "$PG_STATE" --purge' EXIT

if ! curl -fsS -m 2 http://127.0.0.1:9000/health >/dev/null 2>&1; then
  echo "bench: real Medusa is not running: starting it with scripts/medusa-reference/start.sh" >&2
  "$ROOT/scripts/medusa-reference/start.sh" "$MEDUSA_STATE" >&2
fi
set -a
# shellcheck disable=SC1091
. "$MEDUSA_STATE/env"
set +a
MEDUSA_DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$MEDUSA_STATE/project/.env")
MEDUSA_PGID=$(cat "$MEDUSA_STATE/medusa.pgid")
export MEDUSA_DATABASE_URL

# Wait for a quiet machine: the 1-minute load average below BENCH_QUIET_LOAD (1.0), polled every 30 s for at most
# BENCH_QUIET_WAIT_SECS (1800; 0 skips the wait). If it never drops, the run goes ahead: the report states the load.
QUIET_LOAD=${BENCH_QUIET_LOAD:-1.0}
QUIET_WAIT=${BENCH_QUIET_WAIT_SECS:-1800}
waited=0
until awk -v max="$QUIET_LOAD" '{ exit !($1 < max) }' /proc/loadavg || [ "$waited" -ge "$QUIET_WAIT" ]; do
  echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg): waiting for the first below $QUIET_LOAD ($waited s so far)" >&2
  sleep 30
  waited=$((waited + 30))
done
echo "bench: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (want the first below $QUIET_LOAD)" >&2
cargo bench --locked -p medusa-store-server --bench load -- \
  --bin-dir "${CARGO_TARGET_DIR:-$ROOT/target}/release" \
  --postgres-url "$PG_URL" --medusa-pgid "$MEDUSA_PGID" --out "$OUT" "$@"
echo "bench: the tables are in $OUT" >&2
