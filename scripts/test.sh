#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: first the normal
# build, then the same tests built with AddressSanitizer and
# UndefinedBehaviorSanitizer. This is the command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== build and test (RelWithDebInfo)"
NNC_BUILD_DIR=build scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"

echo "== build and test (ASan + UBSan)"
NNC_BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DNNC_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
