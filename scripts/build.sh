#!/usr/bin/env bash
# Configures and builds nnc into build/ (or $NNC_BUILD_DIR). Extra arguments
# go to the CMake configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NNC_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
