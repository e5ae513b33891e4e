#!/usr/bin/env bash
# Configures and builds one build directory: scripts/build.sh DIR [cmake args...]
# (everything, or only TROUPE_BUILD_TARGET and what it needs).
set -euo pipefail
dir=$1
shift
cmake -S "$(dirname "$0")/.." -B "$dir" "$@" > "$dir.configure.log" 2>&1 || {
  cat "$dir.configure.log"
  exit 1
}
cmake --build "$dir" -j"$(nproc)" ${TROUPE_BUILD_TARGET:+--target "$TROUPE_BUILD_TARGET"}
