#!/usr/bin/env bash
# The long reliability runs of docs/reliability.md, bounded and on loopback,
# with one command (not part of CI; about 15 minutes):
#   1. the kill loop: 20 SIGKILLs of troupe serve (SQLite) under 8 submitters;
#   2. a disk that fills up under 4 submitters (a 24 MB tmpfs; needs root);
#   3. a soak of 3 minutes at 2,000 POST/s with a 30 s result TTL, on both
#      stores, with the server's RSS every 10 s;
#   4. the hostile-input and node-port tests of the suite;
#   5. each fuzz target for FUZZ_SECONDS (default 300) on a build configured
#      with -DTROUPE_FUZZ=ON (build-asan, as scripts/test.sh makes it).
# Usage: scripts/reliability.sh [BUILD_DIR] [FUZZ_BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
fuzz_build=${2:-build-asan}
(cd bench/go-load && GOCACHE=$build/go-cache GOFLAGS=-mod=mod go build -o "$build/bin/troupe-go-load" .)
load=$build/bin/troupe-go-load
scratch=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  mountpoint -q "$scratch/full" && umount "$scratch/full"
  rm -rf "$scratch"
}
trap cleanup EXIT

echo "== 1. kill loop"
mkdir -p "$scratch/kill"
"$load" killloop -bin "$build/bin/troupe" -dir "$scratch/kill" -kills 20 -clients 8

echo "== 2. disk full"
mkdir -p "$scratch/full"
mount -t tmpfs -o size=24m tmpfs "$scratch/full"
"$load" diskfull -bin "$build/bin/troupe" -dir "$scratch/full" -clients 4
umount "$scratch/full"

echo "== 3. soak, 3 minutes at 2,000 POST/s, result TTL 30 s"
for store in memory "sqlite:$scratch/soak.db"; do
  "$build/bin/troupe" serve --http 127.0.0.1:0 --store "$store" --result-ttl 30 \
    --queue-capacity 1000000 > "$scratch/soak.out" 2> "$scratch/soak.err" &
  pid=$!
  pids+=($pid)
  for _ in $(seq 100); do grep -q http "$scratch/soak.out" && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.:]*' "$scratch/soak.out")
  echo "store $store:"
  "$load" soak -url "$url" -rate 2000 -seconds 180 -pid "$pid"
  kill "$pid"
  wait "$pid" || true
done

echo "== 4. hostile input and the node port (the suite's tests)"
(cd "$build" && ctest --output-on-failure -R "framing|refused|invalid_json|cannot be kept|not UTF-8|32-byte|4 GiB|idle connections to the node|node certificate cannot|payload comes back")

echo "== 5. fuzzing, ${FUZZ_SECONDS:-300} s per target"
bash scripts/fuzz.sh "$fuzz_build" "${FUZZ_SECONDS:-300}"
