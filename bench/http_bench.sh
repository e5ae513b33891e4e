#!/usr/bin/env bash
# The HTTP benchmarks of docs/benchmarks.md, in one run on this machine:
#   1. submission throughput with wrk (2 threads, 50 connections, 10 s) against
#      `troupe serve` and against the bare cpp-httplib ceiling;
#   2. end to end: 16 long-polling clients at 1,000 jobs/s, then unpaced.
# Usage: bench/http_bench.sh [BUILD_DIR]  (needs wrk: apt-get install wrk)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build}/bin
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; wait 2> /dev/null || true; }
trap cleanup EXIT

# start_server CMD...: runs CMD, waits for its URL line, sets $url.
start_server() {
  local out
  out=$(mktemp)
  "$@" > "$out" 2> /dev/null &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.:]*' "$out" | head -1 || true)
    [ -n "$url" ] && return
    sleep 0.1
  done
  echo "server did not start: $*"; exit 1
}

wrk_rate() { wrk -t2 -c50 -d10s -s "$here/post_job.lua" "$1/v1/jobs" | awk '/Requests\/sec/ {print $2}'; }

start_server "$bin/troupe" serve --http 127.0.0.1:0 --workers 2 --queue-capacity 1000000
troupe_url=$url
start_server "$bin/troupe-bare-server"
bare_url=$url

troupe_rps=$(wrk_rate "$troupe_url")
bare_rps=$(wrk_rate "$bare_url")
echo "wrk POST /v1/jobs: troupe $troupe_rps req/s, bare cpp-httplib $bare_rps req/s," \
     "ratio $(awk -v a="$troupe_rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", a / b}')"

"$bin/troupe-http-bench" "$troupe_url" --clients 16 --rate 1000 --jobs 10000
"$bin/troupe-http-bench" "$troupe_url" --clients 16 --rate 0 --jobs 20000
