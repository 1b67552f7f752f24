#!/usr/bin/env bash
# The README's CI recipe, as it stands: the commands of its "Check the staging deployment" step (between
# `# recipe:begin` and `# recipe:end`), run with the job's environment against a running stock Medusa behind a staging
# edge (scripts/ci/edge-proxy.py: TLS with a private CA, a required access header, injected 429s with Retry-After).
# Then: the step exits 0, no case is skipped, the retries are reported, the access header's value is in no output,
# and none of the run's customers is left in the deployment.
# Usage: recipe.sh STATE_DIR, with MEDUSA_BASE_URL, MEDUSA_PUBLISHABLE_KEY, MEDUSA_JWT_SECRET and MEDUSA_ADMIN_TOKEN
# of the running Medusa in the environment; BIN holds medusa-conformance (default target/debug).
set -euo pipefail
STATE=${1:?usage: recipe.sh STATE_DIR}
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=$(cd "${BIN:-target/debug}" && pwd)
WORK=$STATE/recipe
TESTDATA=$ROOT/conformance/src/transport/testdata
mkdir -p "$WORK"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
fail() { echo "recipe: $*" >&2; exit 1; }

access_name=X-Staging-Access
access_value=edge-$(python3 -c 'import secrets;print(secrets.token_hex(16))')
port=$(free_port)
EDGE_ACCESS_VALUE=$access_value python3 scripts/ci/edge-proxy.py --port "$port" --upstream "$MEDUSA_BASE_URL" \
  --cert "$TESTDATA/localhost.cert.der" --key "$TESTDATA/localhost.key.der" --header "$access_name" \
  >"$WORK/edge.out" 2>"$WORK/edge.err" &
edge_pid=$!
trap 'kill "$edge_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q '^listening' "$WORK/edge.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^listening' "$WORK/edge.out" || fail "the edge did not start: $(cat "$WORK/edge.err")"
edge=https://127.0.0.1:$port
denied=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TESTDATA/ca.pem" "$edge/health")
[ "$denied" = 403 ] || fail "the edge let a request without the access header through ($denied)"

python3 - README.md >"$WORK/step.sh" <<'PY'
import re, sys, textwrap
text = open(sys.argv[1]).read()
block = re.search(r"# recipe:begin\n(.*?)\n\s*# recipe:end", text, re.S).group(1)
run = re.search(r"\brun: \|\n(.*)", block, re.S).group(1)
print(textwrap.dedent(run))
PY
[ -s "$WORK/step.sh" ] || fail "no recipe step in README.md"

echo "-- the README's CI recipe against stock Medusa behind a TLS edge (private CA, access header, 429s)"
(
  cd "$WORK"
  export PATH="$BIN:$PATH"
  export MEDUSA_BASE_URL=$edge MEDUSA_STOREFRONT_ORIGIN=http://localhost:8000
  export MEDUSA_HEADERS="$access_name: $access_value" STAGING_CA_PEM="$(cat "$TESTDATA/ca.pem")"
  unset MEDUSA_REVOKED_KEY MEDUSA_GUEST_EMAIL
  bash -euo pipefail step.sh >step.stdout 2>step.stderr
) || { cat "$WORK/step.stdout" "$WORK/step.stderr"; fail "the recipe's step failed"; }
grep -E "^[0-9]+ cases:|^[0-9]+ request\(s\) retried" "$WORK/step.stdout"

for output in step.stdout step.stderr conformance.json conformance.junit.xml; do
  [ -s "$WORK/$output" ] || [ "$output" = step.stderr ] || fail "the step wrote no $output"
  ! grep -qF "$access_value" "$WORK/$output" || fail "the access header's value appears in $output"
done
python3 - "$WORK/conformance.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
retries = sum(len(step["exchange"].get("retries", [])) for case in report["cases"] for step in case["steps"])
if retries == 0:
    sys.exit("the edge answered 429 but the report shows no retry")
print(f"{retries} request(s) waited out a 429 and were sent again")
PY
python3 scripts/ci/nothing-left.py "$WORK/conformance.json"
