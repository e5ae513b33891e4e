#!/usr/bin/env bash
# The client examples in other languages against the real `troupe serve`:
# examples/python_client.py (standard library only) and examples/curl_jq.sh.
# The queue holds 2 jobs, so the Python client's six sleeps meet 429 answers
# and must wait them out by Retry-After.
# Usage: clients_test.sh TROUPE_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
troupe=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work"

source "$(dirname "$0")/../support/start_server.sh"
start_server "$troupe" "$work" --store memory --workers 1 --queue-capacity 2

expect() { # expect NAME ACTUAL EXPECTED
  if [ "$2" != "$3" ]; then
    printf 'FAIL: %s printed\n%s\ninstead of\n%s\n' "$1" "$2" "$3"
    exit 1
  fi
}

python=$(python3 "$source/examples/python_client.py" "$url")
expect python_client.py "$python" 'echo success {"hello": "python"}
fail failed on purpose
refused 400 unknown_type
sleeps success success success success success success'
refusals=$(curl -s "$url/metrics" | awk '/^troupe_http_requests_total.*code="429"/ {n += $NF} END {print n + 0}')
[ "$refusals" -gt 0 ] || { echo "FAIL: the Python client never met a full queue"; exit 1; }

shell=$(bash "$source/examples/curl_jq.sh" "$url")
expect curl_jq.sh "$shell" "sha256 success $(printf shell | python3 -c '
import hashlib, sys
d = hashlib.sha256(sys.stdin.buffer.read()).digest()
for _ in range(999):
    d = hashlib.sha256(d).digest()
print(d.hex())')
refused 400 unknown_type
listed sha256"
echo PASS
