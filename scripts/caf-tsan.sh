#!/usr/bin/env bash
# Builds CAF 0.17.6 with ThreadSanitizer into PREFIX (once), from the source
# of Debian's own package: Debian's libcaf is not instrumented, so TSan could
# not see the synchronisation inside CAF and would report every message as a
# race. The ThreadSanitizer build of troupe links against this CAF.
# Usage: scripts/caf-tsan.sh PREFIX
set -euo pipefail
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
[ -f "$prefix/lib/libcaf_core.so" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/troupe-deb-src.sources << 'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  apt-get update -q
fi
# Only the upstream tarball is needed; "-include limits" below stands in for
# the one Debian patch a build with clang needs (a missing #include).
(cd "$work" && apt-get source -q --download-only actor-framework > /dev/null 2>&1 || true)
tarball=$(ls "$work"/actor-framework_0.17.6.orig.tar.* 2> /dev/null | head -1)
[ -n "$tarball" ] || { echo "caf-tsan.sh: cannot get the source of actor-framework 0.17.6"; exit 1; }
tar xf "$tarball" -C "$work"
cmake -S "$work/actor-framework-0.17.6" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  "-DCMAKE_CXX_FLAGS=-fsanitize=thread -include limits" \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
  -DCAF_NO_EXAMPLES=ON -DCAF_NO_UNIT_TESTS=ON -DCAF_NO_TOOLS=ON -DCAF_NO_PYTHON=ON \
  -DCAF_NO_OPENCL=ON -DCAF_NO_AUTO_LIBCPP=ON -DCAF_NO_SUMMARY=ON \
  -DCMAKE_INSTALL_PREFIX="$prefix" > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j"$(nproc)" > "$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }
cmake --install "$work/build" > /dev/null
echo "caf-tsan.sh: CAF 0.17.6 with ThreadSanitizer in $prefix"
