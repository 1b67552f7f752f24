#!/usr/bin/env bash
# Record what stock Medusa answers, release by release, into conformance/expectations/: for each VERSION, install
# and start that exact release (scripts/medusa-reference/start.sh, from its committed lock file), run every case
# against it with `medusa-conformance record`, and stop it. Review the change with `git diff`, then regenerate the
# compatibility table (`cargo run -p medusa-conformance -- table > conformance/COMPATIBILITY.md`).
# Usage: record.sh VERSION...      (state in $RECORD_STATE/<version>, default /tmp/medusa-releases; node_modules kept)
# Needs $BIN/medusa-conformance (default target/debug: cargo build -p medusa-conformance).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: record.sh VERSION..." >&2; exit 2; }
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/debug}
STATE_ROOT=${RECORD_STATE:-/tmp/medusa-releases}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
unique() { python3 -c 'import uuid;print(uuid.uuid4().hex[:12])'; }
[ -x "$BIN/medusa-conformance" ] || { echo "record.sh: build $BIN/medusa-conformance first" >&2; exit 2; }

for version in "$@"; do
  state=$STATE_ROOT/$version
  mkdir -p "$state"
  chmod 755 "$STATE_ROOT" "$state"   # the PostgreSQL cluster inside runs as a non-root user
  echo "== Medusa $version"
  MEDUSA_VERSION=$version MEDUSA_PORT=$(free_port) scripts/medusa-reference/start.sh "$state" >"$state/record-start.out"
  (
    trap 'scripts/medusa-reference/stop.sh "$state" >/dev/null' EXIT
    set -a; . "$state/env"; set +a
    guest=$(node scripts/medusa-reference/provision.mjs guest "record-guest-$(unique)@example.com")
    "$BIN/medusa-conformance" record --medusa-version "$version" --dir conformance/expectations \
      --base-url "$MEDUSA_BASE_URL" --publishable-key "$MEDUSA_PUBLISHABLE_KEY" --jwt-secret "$MEDUSA_JWT_SECRET" \
      --revoked-key "$MEDUSA_REVOKED_KEY" --guest-email "$guest" --storefront-origin http://localhost:8000 \
      2>"$state/record.progress"
  )
done
