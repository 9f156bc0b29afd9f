#!/usr/bin/env bash
# Time of `nnc build` (a trainer executable; default -O3 for the host CPU) for
# examples: best and median wall time of NNC_BENCH_RUNS runs (default 5), and
# the median CPU time (user + system, the linker's included), which a shared
# machine's load inflates less. With NNC_BENCH_BASELINE=/path/to/older/nnc the
# two compilers run interleaved and the ratios are printed. Usage:
# build_time.sh [EXAMPLE.nn ...] (default: examples/fashion_mlp.nn); extra nnc
# options in NNC_BENCH_BUILD_FLAGS, e.g. "-O2".
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NNC_BUILD_DIR:-build}"
runs="${NNC_BENCH_RUNS:-5}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(examples/fashion_mlp.nn)
compilers=("$build/nnc")
[ -z "${NNC_BENCH_BASELINE:-}" ] || compilers+=("$NNC_BENCH_BASELINE")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for file in "${files[@]}"; do
  for ((i = 0; i < runs; i++)); do
    for c in "${!compilers[@]}"; do
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %U %S" -a -o "$work/times$c" "${compilers[$c]}" build "$file" ${NNC_BENCH_BUILD_FLAGS:-} -o "$work/t"
    done
  done
  /usr/bin/python3 - "$file" "${compilers[@]}" <<PY
import statistics, sys
rows = []
for c, name in enumerate(sys.argv[2:]):
    t = [[float(v) for v in line.split()] for line in open("$work/times%d" % c)]
    wall, cpu = sorted(r[0] for r in t), statistics.median(r[1] + r[2] for r in t)
    rows.append((wall[0], statistics.median(wall), cpu))
    print(f"{sys.argv[1]:26} {name:22} wall best {wall[0]:5.2f} s median {statistics.median(wall):5.2f} s"
          f"  cpu median {cpu:5.2f} s  ({len(t)} runs)")
if len(rows) == 2:
    print(f"{'':26} {'baseline / nnc':22} wall best {rows[1][0] / rows[0][0]:5.2f}x median "
          f"{rows[1][1] / rows[0][1]:5.2f}x    cpu median {rows[1][2] / rows[0][2]:5.2f}x")
PY
  rm -f "$work"/times*
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
