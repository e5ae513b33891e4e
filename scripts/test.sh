#!/usr/bin/env bash
# Installs the dependencies, builds troupe twice (optimised, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs the whole test suite
# in both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
start=$(date +%s)
# The pinned tools of package-lock.json (the OpenAPI linter).
npm ci --no-audit --no-fund --loglevel=error

bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build && ctest --output-on-failure -j2)

bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DTROUPE_SANITIZE=ON
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j2)

echo "test.sh: both builds passed in $(( $(date +%s) - start )) s"
