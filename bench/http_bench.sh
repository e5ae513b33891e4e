#!/usr/bin/env bash
# The HTTP figures of docs/benchmarks.md, in one run on this machine:
#   1. POST /v1/jobs with wrk (2 threads, 50 connections) against troupe serve
#      (memory, then SQLite) and the bare cpp-httplib ceiling, interleaved;
#   2. end to end: 16 Go net/http clients (POST, then long-poll) against
#      troupe (memory store) and bench/go-seed (the classic Go design),
#      interleaved, with the server's context switches per job; then the
#      SQLite store and the C++ client;
#   3. POST latency with and without Accept-Encoding: gzip (Go client);
#   4. 10,000 long-polls waiting plus 1,000 that leave after 1 s, while a
#      normal client checks /healthz and POSTs;
#   5. 1,000 dribbling or idle connections straight at troupe serve, and
#      10,000 through the shipped nginx configuration, while a normal client
#      checks /healthz and POSTs.
# Usage: bench/http_bench.sh [BUILD_DIR] [ROUNDS]
# Needs wrk, golang-go and nginx (apt-get install wrk golang-go nginx).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
rounds=${2:-3}
bin=$build/bin
for tool in wrk go nginx; do
  command -v $tool > /dev/null || { echo "$tool is not installed"; exit 1; }
done
(cd "$here/go-load" && GOCACHE=$build/go-cache GOFLAGS=-mod=mod go build -o "$bin/troupe-go-load" .)
(cd "$here/go-seed" && GOCACHE=$build/go-cache GOFLAGS=-mod=mod go build -o "$bin/go-seed" .)
scratch=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

# start_server NAME CMD...: runs CMD, waits for its URL line, sets $url and $pid.
start_server() {
  local name=$1
  shift
  "$@" > "$scratch/$name.out" 2> "$scratch/$name.err" &
  pid=$!
  pids+=($pid)
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.:]*' "$scratch/$name.out" | head -1 || true)
    [ -n "$url" ] && return
    sleep 0.1
  done
  echo "$name did not start"; exit 1
}

wrk_rate() { wrk -t2 -c50 -d10s -s "$here/post_job.lua" "$1/v1/jobs" | awk '/Requests\/sec/ {print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
e2e_rate() { grep -o '[0-9]* jobs/s' <<< "$1" | awk '{print $1}'; }

start_server memory "$bin/troupe" serve --http 127.0.0.1:0 --workers 2 --store memory \
  --queue-capacity 10000000 --max-connections 20000
memory_url=$url memory_pid=$pid
start_server sqlite "$bin/troupe" serve --http 127.0.0.1:0 --workers 2 \
  --store "sqlite:$scratch/troupe.db" --queue-capacity 10000000
sqlite_url=$url sqlite_pid=$pid
start_server bare "$bin/troupe-bare-server"
bare_url=$url
start_server seed "$bin/go-seed" -addr 127.0.0.1:0 -workers 2
seed_url=$url seed_pid=$pid

echo "== 1. wrk -t2 -c50 -d10s POST /v1/jobs"
for round in $(seq "$rounds"); do
  bare=$(wrk_rate "$bare_url")
  mem=$(wrk_rate "$memory_url")
  sql=$(wrk_rate "$sqlite_url")
  echo "round $round: bare $bare req/s; memory $mem ($(ratio "$mem" "$bare")x); sqlite $sql ($(ratio "$sql" "$bare")x)"
done

echo "== 2. end to end, 16 clients, POST then long-poll"
for round in $(seq "$rounds"); do
  seed=$("$bin/troupe-go-load" e2e -api seed -url "$seed_url" -clients 16 -jobs 30000 -pid "$seed_pid")
  troupe=$("$bin/troupe-go-load" e2e -url "$memory_url" -clients 16 -jobs 30000 -pid "$memory_pid")
  echo "round $round: go-seed: $seed"
  echo "round $round: troupe:  $troupe"
  echo "round $round: troupe / go-seed $(ratio "$(e2e_rate "$troupe")" "$(e2e_rate "$seed")")x"
done
"$bin/troupe-go-load" e2e -url "$sqlite_url" -clients 16 -jobs 30000 -pid "$sqlite_pid"
"$bin/troupe-http-bench" "$memory_url" --clients 16 --rate 0 --jobs 30000
"$bin/troupe-http-bench" "$sqlite_url" --clients 16 --rate 0 --jobs 30000

echo "== 3. POST latency, Go client, with and without Accept-Encoding: gzip"
for round in 1 2; do
  "$bin/troupe-go-load" post -url "$memory_url" -clients 4 -seconds 5 -gzip=false
  "$bin/troupe-go-load" post -url "$memory_url" -clients 4 -seconds 5 -gzip=true
done

echo "== 4. 10,000 long-polls, 1,000 of which leave after 1 s (a fresh server)"
start_server waiting "$bin/troupe" serve --http 127.0.0.1:0 --workers 2 --store memory \
  --max-connections 20000
"$bin/troupe-go-load" longpoll -url "$url" -conns 10000 -leaving 1000 -seconds 10 -pid "$pid"
kill "$pid"

echo "== 5. slow and idle clients"
"$bin/troupe-go-load" slow -url "$memory_url" -conns 1000 -seconds 10 -pid "$memory_pid"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|server 127.0.0.1:8080;|server ${memory_url#http://};|" \
    -e "s|listen 80;|listen 127.0.0.1:$nginx_port;|" \
    -e "s|/var/log/nginx/|$scratch/|" "$here/../deploy/nginx/troupe.conf" > "$scratch/troupe.conf"
cp "$here/../deploy/nginx/nginx.conf" "$scratch/nginx.conf"
nginx -p "$scratch/" -c "$scratch/nginx.conf" -g "daemon off; pid $scratch/nginx.pid;" 2> "$scratch/nginx.err" &
pids+=($!)
for _ in $(seq 100); do curl -s "http://127.0.0.1:$nginx_port/healthz" > /dev/null && break; sleep 0.1; done
"$bin/troupe-go-load" slow -url "http://127.0.0.1:$nginx_port" -conns 10000 -seconds 10 -pid "$memory_pid"
