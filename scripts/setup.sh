#!/usr/bin/env bash
# Installs everything nnc needs from Debian 12 packages. Idempotent: does
# nothing when the packages are already there. Set NNC_WITH_BENCH=1 to also
# install the benchmark peers (PyTorch, OpenBLAS).
set -euo pipefail

packages=(cmake ninja-build g++ llvm-19-dev clang-19 antlr4 libantlr4-runtime-dev
          libxsimd-dev catch2 zlib1g-dev dataset-fashion-mnist)
if [[ "${NNC_WITH_BENCH:-0}" == 1 ]]; then
  packages+=(python3-torch libopenblas-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
