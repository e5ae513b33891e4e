#!/usr/bin/env bash
# Installs the dependencies, builds troupe, starts `troupe serve` on
# 127.0.0.1:8080 (TROUPE_HTTP overrides) with its durable store in
# ./troupe-data, submits a few jobs with curl and shows them finish, kills the
# server with SIGKILL while a job runs and shows that job finish after a
# restart, then keeps serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Only the server: the tests, benches and examples are built by scripts/test.sh.
TROUPE_BUILD_TARGET=troupe-server bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo

export TROUPE_HTTP=${TROUPE_HTTP:-127.0.0.1:8080}
url=http://$TROUPE_HTTP
server=
start_server() {
  ./build/bin/troupe serve &
  server=$!
  for _ in $(seq 50); do curl -sf "$url/healthz" > /dev/null && return; sleep 0.1; done
  echo "troupe serve did not come up" >&2
  exit 1
}
trap 'kill $server 2> /dev/null; wait $server 2> /dev/null' EXIT
start_server

show() { echo "\$ $*"; "$@"; echo; echo; }
submit() { curl -s -X POST "$url/v1/jobs" -H 'Content-Type: application/json' -d "$1" |
  sed 's/.*"id":"\([^"]*\)".*/\1/'; }
id=$(submit '{"type":"progress","payload":{"steps":5,"step_ms":400}}')
echo "submitted a progress job: $id"
sleep 1
show curl -s "$url/v1/jobs/$id"
show curl -s "$url/v1/jobs/$id?wait_ms=10000"
show curl -s -X POST "$url/v1/jobs" -d '{"type":"sha256","payload":{"data":"hello","rounds":100000}}'

id=$(submit '{"type":"sleep","payload":{"ms":3000}}')
echo "submitted a 3 s sleep job: $id; killing the server with SIGKILL while it runs"
sleep 0.5
kill -9 "$server"
wait "$server" 2> /dev/null || true
echo "restarting troupe serve on the same store (./troupe-data/troupe.db)"
start_server
show curl -s "$url/v1/jobs/$id?wait_ms=10000"
show curl -s "$url/v1/stats"
echo "troupe is serving on $url: open it in a browser for the dashboard, or try the curl and"
echo "troupe CLI examples in README.md. Ctrl-C stops it."
wait $server
