#!/usr/bin/env bash
# Peak memory (maximum resident set size, from /usr/bin/time -v) of training
# the Fashion-MNIST MLP for one epoch: nnc's executable (`nnc build
# examples/fashion_mlp.nn`, `--epochs 1`) against PyTorch eager
# (bench/torch_train.py mlp --fashion), side by side, one thread each. Both
# read the same IDX files and evaluate the test split after the epoch. PyTorch
# keeps the training and test images as float32 rows scaled by 1/255 (188 MB +
# 31 MB) and the labels as float32; nnc keeps the images as the files' u8
# (47 MB + 8 MB) and the labels as int32, and runs the data graph
# (`flatten(image) / 255.0`) on each batch as it gathers it; it checks the
# test files first, then reads them again after training in place of the
# training rows, so the two splits are never in memory together. The rest is each
# side's own: nnc's weights, Adam state and the buffers of one batch; PyTorch's
# the same plus its libraries (libtorch, OpenBLAS, numpy) and the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NNC_BUILD_DIR:-build}"
data=/usr/share/datasets/fashion-mnist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/nnc" build examples/fashion_mlp.nn -o "$work/train"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
maxrss() { sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$1"; }
/usr/bin/time -v -o "$work/nnc.time" "$work/train" --epochs 1 --threads 1 --quiet --json >"$work/nnc.json"
/usr/bin/time -v -o "$work/torch.time" /usr/bin/python3 bench/torch_train.py mlp 1 --fashion "$data" >"$work/torch.json"
# What PyTorch costs before any data: the interpreter with torch and numpy imported.
/usr/bin/time -v -o "$work/import.time" /usr/bin/python3 -c 'import numpy, torch'
/usr/bin/python3 - "$(maxrss "$work/nnc.time")" "$(maxrss "$work/torch.time")" "$(maxrss "$work/import.time")" \
    "$(tail -1 "$work/nnc.json")" "$(tail -1 "$work/torch.json")" <<'PY'
import json, sys
nnc, torch, imports = (int(v) / 1024 for v in sys.argv[1:4])
n, t = json.loads(sys.argv[4]), json.loads(sys.argv[5])
print(f"nnc         max RSS {nnc:7.1f} MiB  test accuracy {n['test_accuracy']:.4f}")
print(f"torch eager max RSS {torch:7.1f} MiB  test accuracy {t['test_accuracy']:.4f}"
      f"  (import numpy, torch alone: {imports:.1f} MiB)")
print(f"ratio nnc / torch {nnc / torch:.3f} (1/{torch / nnc:.1f})")
PY
