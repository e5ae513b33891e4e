#!/usr/bin/env bash
# Go's net/http against the real `troupe serve`: the bench client builds, and
# with Go's defaults (Accept-Encoding: gzip, connection reuse, 16 goroutines)
# every job it submits is accepted and long-polled to success.
# Usage: go_client_test.sh TROUPE_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
troupe=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
(cd "$source/bench/go-load" && GOCACHE=$work/go-cache GOFLAGS=-mod=mod go vet . \
  && GOCACHE=$work/go-cache GOFLAGS=-mod=mod go build -o "$work/troupe-go-load" .)

source "$(dirname "$0")/../support/start_server.sh"
start_server "$troupe" "$work" --store memory --workers 2

out=$("$work/troupe-go-load" e2e -url "$url" -clients 16 -jobs 2000)
echo "$out"
grep -qE "^e2e: 2000 jobs .* failed 0(,|$)" <<< "$out" || { echo "FAIL: not every job succeeded"; exit 1; }
completed=$(curl -s "$url/v1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"]["success"])')
[ "$completed" = 2000 ] || { echo "FAIL: the server counts $completed successes, not 2000"; exit 1; }
echo "PASS"
