#!/usr/bin/env bash
# The main job: install what is missing, build nnc, compile the Fashion-MNIST
# model into a standalone training executable, train it for 10 epochs (saving
# a checkpoint after each), then compile the trained model into an inference
# executable and classify the test set with it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build="${NNC_BUILD_DIR:-build}"
out="$build/fashion"
mkdir -p "$out"
data=/usr/share/datasets/fashion-mnist
"$build/nnc" build examples/fashion_mlp.nn -o "$out/train"
"$out/train" --epochs 10 --save "$out/fashion.ckpt"
"$build/nnc" build examples/fashion_mlp.nn --infer --weights "$out/fashion.ckpt" -o "$out/predict"
"$out/predict" --input "$data/t10k-images-idx3-ubyte.gz" --labels "$data/t10k-labels-idx1-ubyte.gz" --quiet
