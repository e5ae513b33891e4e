#!/usr/bin/env bash
# Runs the engine, HTTP and node tests of a build configured with
# -DTROUPE_TSAN=ON under ThreadSanitizer (two groups side by side), with the
# suppressions of tests/tsan.supp. Every process writes its reports to files
# (the servers and nodes the process tests start too, whose stderr the tests
# keep): any report fails the run, and so does any failed test.
# Usage: scripts/tsan.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
tags() { ls "$@" | xargs -n1 basename | sed 's/\.cpp$//; s/.*/[#&]/' | paste -sd, -; }
engine=$(tags tests/actors/*_test.cpp tests/actors/*/*_test.cpp)
front_and_nodes=$(tags tests/http/*_test.cpp tests/app/node_*_test.cpp)
scratch=${TSAN_LOGS:-$(mktemp -d)}
[ -n "${TSAN_LOGS:-}" ] || trap 'rm -rf "$scratch"' EXIT
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp log_path=$scratch/report second_deadlock_stack=1"
status=0
"$build/bin/troupe-tests" -# "$engine" > "$scratch/engine.log" 2>&1 & engine_pid=$!
"$build/bin/troupe-tests" -# "$front_and_nodes" > "$scratch/front.log" 2>&1 & front_pid=$!
wait $engine_pid || status=1
wait $front_pid || status=1
for group in engine front; do
  grep -q "All tests passed" "$scratch/$group.log" || { tail -40 "$scratch/$group.log"; status=1; }
  echo "tsan.sh: $group: $(grep -E '^(All tests passed|test cases:)' "$scratch/$group.log" | tail -1)"
done
reports=$(ls "$scratch"/report.* 2> /dev/null || true)
if [ -n "$reports" ]; then
  echo "tsan.sh: ThreadSanitizer reports from $(echo "$reports" | wc -l) processes:"
  for r in $reports; do head -60 "$r"; done
  status=1
else
  echo "tsan.sh: no ThreadSanitizer report from any process"
fi
exit $status
