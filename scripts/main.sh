#!/usr/bin/env bash
# The main job: install what is missing, build nnc, and compile the
# Fashion-MNIST model as far as nnc goes today: check it, print its forward
# and backward IR, and check its gradients. Training executables arrive with
# `nnc build`; then this job trains the model and predicts with it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/nnc check examples/fashion_mlp.nn
build/nnc emit examples/fashion_mlp.nn --ir
build/nnc emit examples/fashion_mlp.nn --grad --stats
build/nnc gradcheck examples/fashion_mlp.nn
