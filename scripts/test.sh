#!/usr/bin/env bash
# Installs the dependencies, builds troupe three times and tests each build:
# optimised (g++, the whole suite); AddressSanitizer + UndefinedBehaviorSanitizer
# (clang, the whole suite, then each fuzz target briefly); ThreadSanitizer
# (clang, against a CAF built with TSan from Debian's source: the engine,
# HTTP and node tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
start=$(date +%s)
# The pinned tools of package-lock.json (the OpenAPI linter, the browser driver).
npm ci --no-audit --no-fund --loglevel=error

bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build && ctest --output-on-failure -j2)

CC=clang-14 CXX=clang++-14 bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug \
  -DTROUPE_SANITIZE=ON -DTROUPE_FUZZ=ON
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j2)
bash scripts/fuzz.sh build-asan 15

bash scripts/caf-tsan.sh build-tsan/caf
CC=clang-14 CXX=clang++-14 TROUPE_BUILD_TARGET=troupe-tests bash scripts/build.sh build-tsan \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTROUPE_TSAN=ON -DCMAKE_PREFIX_PATH="$PWD/build-tsan/caf"
bash scripts/tsan.sh build-tsan

echo "test.sh: all three builds passed in $(( $(date +%s) - start )) s"
