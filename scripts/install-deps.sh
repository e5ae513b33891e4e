#!/usr/bin/env bash
# Installs troupe's build and test dependencies from Debian's archive.
# Safe to run again: apt only installs what is missing.
set -euo pipefail

packages=(
  g++ clang-14 libclang-rt-14-dev cmake make pkg-config
  libcaf-dev nlohmann-json3-dev libcpp-httplib-dev libboost1.81-dev libboost-url1.81-dev catch2
  libsqlite3-dev libpq-dev postgresql-15 libssl-dev zlib1g-dev libyaml-cpp-dev libspdlog-dev libcli11-dev
  curl jq openssl nginx golang-go python3 prometheus chromium fonts-dejavu-core
)

# Node.js runs the pinned document and browser tools of package.json; a
# machine that has it (with npm) already keeps its own.
command -v npm > /dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
