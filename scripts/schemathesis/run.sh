#!/usr/bin/env bash
# schemathesis (PyPI) against the real binary: every operation of openapi.yaml with generated valid and invalid
# requests, its examples, coverage cases and stateful links (claim → verdict, upload → rollback), all checks.
#   scripts/schemathesis/run.sh [MAX_EXAMPLES]    (default 20 per operation; make test runs it with the default)
# Exceptions, each with its reason: scripts/schemathesis/schemathesis.toml.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples="${1:-20}"
"$(dirname "$0")/../pip-install.sh" schemathesis 'import schemathesis' 'schemathesis>=4.3,<5'
binary=.build/release/moecl
[ -x "$binary" ] || { echo "schemathesis: $binary is not built (make build)" >&2; exit 1; }
work=$(mktemp -d)
token="schemathesis-admin-$(date +%s)-token"
"$binary" serve --port 0 --state "$work/state" --token "admin:$token" 2> "$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=""
for _ in $(seq 1 200); do
    port=$(sed -nE 's/.*listening on http:\/\/[0-9.]+:([0-9]+).*/\1/p' "$work/server.log" | head -n1)
    [ -n "$port" ] && break
    kill -0 $server 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "schemathesis: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
done
python3 -m schemathesis.cli --config-file scripts/schemathesis/schemathesis.toml --no-color run openapi.yaml \
    --url "http://127.0.0.1:$port" --header "Authorization: Bearer $token" --checks all \
    --max-examples "$examples" --seed 15
