#!/usr/bin/env bash
# Runs each libFuzzer target of a build configured with -DTROUPE_FUZZ=ON for
# SECONDS (default 20) on its seed corpus (fuzz/corpus/TARGET, not changed:
# what the fuzzer finds goes to a scratch directory; the SQLite target's seed,
# a database, is written by that target's binary into a scratch corpus). Prints each target's
# executions; a finding (a crash, a leak, an abort) fails the run and leaves
# the input in build/fuzz-findings/.
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
seconds=${2:-20}
findings=$build/fuzz-findings
mkdir -p "$findings"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/seeds/sqlite_recovery"
TROUPE_FUZZ_SEED="$scratch/seeds/sqlite_recovery/seed-0.db" "$build/bin/fuzz-sqlite_recovery"
for target in job_request basp_frame http_request sqlite_recovery; do
  mkdir -p "$scratch/$target"
  log=$scratch/$target.log
  seeds=fuzz/corpus/$target
  [ -d "$seeds" ] || seeds=$scratch/seeds/$target
  if ! ASAN_OPTIONS=detect_leaks=1 "$build/bin/fuzz-$target" "$scratch/$target" "$seeds" \
      -max_total_time="$seconds" -rss_limit_mb=4096 -artifact_prefix="$findings/$target-" \
      -print_final_stats=1 > "$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz.sh: $target found a problem; the input is in $findings"
    exit 1
  fi
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  echo "fuzz.sh: $target: $runs executions in $seconds s, no finding"
done
