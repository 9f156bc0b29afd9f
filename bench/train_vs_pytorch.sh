#!/usr/bin/env bash
# Training throughput of the Fashion-MNIST MLP, nnc's compiled trainer against
# PyTorch eager, side by side, at 1 and 2 threads (samples/s of the training
# loop; nnc reads the real data set, PyTorch random data of the same size).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NNC_BUILD_DIR:-build}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/nnc" build examples/fashion_mlp.nn -o "$work/train"
for threads in 1 2; do
  nnc=$("$work/train" --epochs 1 --threads "$threads" --quiet --json | tail -1)
  torch=$(OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 bench/mlp_train_torch.py "$threads")
  /usr/bin/python3 - "$threads" "$nnc" "$torch" <<'PY'
import json, sys
n, t = json.loads(sys.argv[2])["samples_per_s"], json.loads(sys.argv[3])["samples_per_s"]
print(f"threads {sys.argv[1]}: nnc {n:9.0f} samples/s, torch eager {t:9.0f} samples/s, ratio {n / t:.2f}x")
PY
done
