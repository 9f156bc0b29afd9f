#!/usr/bin/env bash
# The main job: install what is missing, build nnc, and compile the
# Fashion-MNIST model. Training executables arrive with code generation
# (issue 4); until then the job checks the model and prints its IR.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/nnc check examples/fashion_mlp.nn
build/nnc emit examples/fashion_mlp.nn --ir
