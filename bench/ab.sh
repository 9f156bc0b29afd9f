#!/usr/bin/env bash
# Interleaved A/B runs of compiled trainers: ab.sh THREADS ROUNDS BINARY...
# runs each BINARY with `--epochs 1 --threads THREADS --quiet --json` once
# per round, in turn, and prints each one's median, lowest and highest
# samples/s. Interleaving spreads the host's slow spells over all of them;
# on a shared 2-core VM, compare medians of 5 rounds or more, and measure
# the 2-thread runs beside bench/core_to_core.cpp (the vCPUs' placement).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 THREADS ROUNDS BINARY..." >&2; exit 2; }
threads=$1 rounds=$2
shift 2
declare -A runs
for ((r = 0; r < rounds; r++)); do
  for bin in "$@"; do
    rate=$("$bin" --epochs 1 --threads "$threads" --quiet --json | tail -1 |
           /usr/bin/python3 -c 'import json, sys; print(round(json.loads(sys.stdin.read())["samples_per_s"]))')
    runs[$bin]="${runs[$bin]:-} $rate"
  done
done
for bin in "$@"; do
  echo "$bin threads $threads:" $(printf '%s\n' ${runs[$bin]} | sort -n |
    awk '{v[NR] = $1} END {printf "median %d (%d-%d) samples/s over %d runs", v[int((NR + 1) / 2)], v[1], v[NR], NR}')
done
