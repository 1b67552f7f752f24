#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 and a free port, owned by a dedicated non-root OS user
# (PostgreSQL refuses to run as root). Idempotent: a cluster already in STATE_DIR is reused and restarted if needed.
# Usage: start.sh STATE_DIR        Prints one line: DATABASE_URL=postgres://app:app@127.0.0.1:<port>/postgres
# The role `app` may create databases. Stop with stop.sh STATE_DIR.
set -euo pipefail

STATE_DIR=${1:?usage: start.sh STATE_DIR}
PG_OS_USER=${PG_OS_USER:-pgrunner}
PG=$STATE_DIR/pg

fail() { echo "postgres: ERROR: $*" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

PG_BIN=$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n1)")")
[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL server binaries (initdb, pg_ctl) not found"
if [ "$(id -u)" -eq 0 ]; then
  id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER" \
    || fail "cannot create the OS user $PG_OS_USER"
fi
mkdir -p "$STATE_DIR"
chmod 755 "$STATE_DIR"
if [ "$(id -u)" -eq 0 ] && ! runuser -u "$PG_OS_USER" -- test -x "$STATE_DIR"; then
  fail "$PG_OS_USER cannot reach $STATE_DIR: every directory above it must be searchable by others (chmod o+x)"
fi
if [ ! -s "$PG/PG_VERSION" ]; then
  if [ "$(id -u)" -eq 0 ]; then install -d -o "$PG_OS_USER" -m 700 "$PG"; else install -d -m 700 "$PG"; fi
  as_pg "$PG_BIN/initdb" -D "$PG" -U postgres --auth=trust -E UTF8 >"$STATE_DIR/initdb.log" 2>&1 \
    || fail "initdb failed (see $STATE_DIR/initdb.log)"
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 300\nfsync = on\n" \
    "$port" "$PG" >>"$PG/postgresql.conf"
  echo "$port" >"$STATE_DIR/pg_port"
fi
port=$(cat "$STATE_DIR/pg_port")
touch "$STATE_DIR/postgres.log"
[ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$STATE_DIR/postgres.log"
if ! as_pg "$PG_BIN/pg_ctl" -D "$PG" status >/dev/null 2>&1; then
  as_pg "$PG_BIN/pg_ctl" -D "$PG" -l "$STATE_DIR/postgres.log" -w -t 60 start >/dev/null \
    || fail "PostgreSQL did not start (see $STATE_DIR/postgres.log)"
fi
psql_admin() { as_pg "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA "$@"; }
[ "$(psql_admin -c "select 1 from pg_roles where rolname='app'")" = 1 ] \
  || psql_admin -c "create role app login superuser password 'app'"
echo "DATABASE_URL=postgres://app:app@127.0.0.1:$port/postgres"
