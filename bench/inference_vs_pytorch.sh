#!/usr/bin/env bash
# AOT inference vs PyTorch, side by side in one run, one thread each:
# batch-1 latency and batch-128 throughput of the Fashion-MNIST MLP, plus the
# size of the library and of a linked program. Needs a build (scripts/build.sh)
# and python3-torch (NNC_WITH_BENCH=1 scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NNC_BUILD_DIR:-build}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/nnc" build examples/fashion_mlp.nn -o "$work/train"
"$work/train" --epochs 1 --quiet --save "$work/fashion.ckpt"
"$build/nnc" build examples/fashion_mlp.nn --aot --weights "$work/fashion.ckpt" -o "$work/libfashion.a"
cc -O2 -I"$work" bench/aot_latency.c "$work/libfashion.a" -lstdc++ -lm -lpthread -o "$work/aot_latency"
# One thread for everyone: PyTorch's BLAS (OpenBLAS) starts its own threads otherwise.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
nnc=$("$work/aot_latency")
torch=$(/usr/bin/python3 bench/mlp_latency_torch.py)
/usr/bin/python3 - "$nnc" "$torch" "$(stat -c %s "$work/libfashion.a")" "$(stat -c %s "$work/aot_latency")" <<'PY'
import json, sys
nnc, torch = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"library {int(sys.argv[3]) / 1024:.0f} KiB, linked program {int(sys.argv[4]) / 1024:.0f} KiB")
print(f"{'':17} {'batch-1 us':>11} {'batch-128 samples/s':>20}")
print(f"{'nnc aot':17} {nnc['batch1_us']:11.2f} {nnc['batch128_samples_per_s']:20.0f}")
for name in ("eager", "torchscript"):
    t = torch[name]
    print(f"{'torch ' + name:17} {t['batch1_us']:11.2f} {t['batch128_samples_per_s']:20.0f}"
          f"   nnc latency {nnc['batch1_us'] / t['batch1_us']:.3f}x, throughput {nnc['batch128_samples_per_s'] / t['batch128_samples_per_s']:.2f}x")
PY
