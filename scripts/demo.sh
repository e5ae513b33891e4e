#!/usr/bin/env bash
# Installs the dependencies, builds troupe, starts `troupe serve` on
# 127.0.0.1:8080 (TROUPE_HTTP overrides), submits a few jobs with curl and
# shows them finish, then keeps serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo

export TROUPE_HTTP=${TROUPE_HTTP:-127.0.0.1:8080}
./build/bin/troupe serve &
server=$!
trap 'kill $server 2> /dev/null; wait $server 2> /dev/null' EXIT
url=http://$TROUPE_HTTP
for _ in $(seq 50); do curl -sf "$url/healthz" > /dev/null && break; sleep 0.1; done

show() { echo "\$ $*"; "$@"; echo; echo; }
id=$(curl -s -X POST "$url/v1/jobs" -H 'Content-Type: application/json' \
  -d '{"type":"progress","payload":{"steps":5,"step_ms":400}}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
echo "submitted a progress job: $id"
sleep 1
show curl -s "$url/v1/jobs/$id"
show curl -s "$url/v1/jobs/$id?wait_ms=10000"
show curl -s -X POST "$url/v1/jobs" -d '{"type":"sha256","payload":{"data":"hello","rounds":100000}}'
show curl -s "$url/v1/stats"
echo "troupe is serving on $url (dashboard-free; try the curl examples in README.md). Ctrl-C stops it."
wait $server
