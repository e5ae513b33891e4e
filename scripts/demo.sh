#!/usr/bin/env bash
# Installs the dependencies, builds troupe and runs the example that submits
# jobs to an engine and prints their results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
./build/bin/troupe-example-facade
