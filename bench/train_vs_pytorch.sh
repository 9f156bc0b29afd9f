#!/usr/bin/env bash
# Training throughput of the examples' models, nnc's compiled trainer against
# the same model in PyTorch eager (bench/torch_train.py), side by side, at 1
# and 2 threads: samples/s of the training loop. nnc reads the real data, PyTorch
# random rows of the same shapes. Usage: train_vs_pytorch.sh [mlp] [cnn] [lstm]
# (all three by default). Both train the CNN on NNC_BENCH_CNN_SAMPLES rows of
# the epoch (default 12800: it is slow; nnc's --steps). PyTorch's
# OpenMP threads sleep when idle (OMP_WAIT_POLICY=PASSIVE unless set): spinning,
# GNU OpenMP's default, made it 7x slower at 2 threads on a loaded 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NNC_BUILD_DIR:-build}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(mlp cnn lstm)
declare -A example=([mlp]=fashion_mlp [cnn]=fashion_cnn [lstm]=lstm_forecast)
# Where the host put the two vCPUs decides what a second thread is worth
# (core_to_core.cpp): measured before each 2-thread run.
g++ -O2 bench/core_to_core.cpp -lpthread -o "$work/core_to_core"
for model in "${models[@]}"; do
  "$build/nnc" build "examples/${example[$model]}.nn" -o "$work/$model"
  extra=() steps=()
  if [ "$model" = cnn ]; then
    extra=(--samples "${NNC_BENCH_CNN_SAMPLES:-12800}")
    steps=(--steps $(( ${NNC_BENCH_CNN_SAMPLES:-12800} / 128 )))
  fi
  for threads in 1 2; do
    latency=""
    [ "$threads" = 1 ] || latency=$("$work/core_to_core")
    nnc=$("$work/$model" --epochs 1 --threads "$threads" "${steps[@]}" --quiet --json | tail -1)
    torch=$(OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} \
            /usr/bin/python3 bench/torch_train.py "$model" "$threads" "${extra[@]}")
    /usr/bin/python3 - "$model" "$threads" "$nnc" "$torch" "$latency" <<'PY'
import json, sys
n, t = json.loads(sys.argv[3])["samples_per_s"], json.loads(sys.argv[4])["samples_per_s"]
latency = f"  (core-to-core round trip {sys.argv[5]} ns)" if sys.argv[5] else ""
print(f"{sys.argv[1]:4} threads {sys.argv[2]}: nnc {n:9.0f} samples/s, torch eager {t:9.0f} samples/s, ratio {n / t:.2f}x"
      + latency)
PY
  done
done
