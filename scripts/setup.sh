#!/usr/bin/env bash
# Installs everything nnc needs from Debian 12 packages. Idempotent: does
# nothing when the packages are already there. Set NNC_WITH_BENCH=1 to also
# install the benchmark peers (PyTorch, OpenBLAS).
set -euo pipefail

packages=(cmake ninja-build g++ llvm-19-dev clang-19 antlr4 libantlr4-runtime-dev
          libxsimd-dev catch2 zlib1g-dev libstb-dev dataset-fashion-mnist)
if [[ "${NNC_WITH_BENCH:-0}" == 1 ]]; then
  packages+=(python3-torch libopenblas-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The breast cancer data set (569 rows, 30 features, a binary class) for
# examples/logistic_regression.nn: the CSV inside Debian's python3-sklearn
# package, downloaded and unpacked, not installed (installing would pull in
# SciPy and the rest of the stack). The file opens with a line of counts and
# class names ("569,30,malignant,benign") where a CSV reader expects column
# names; it gets scikit-learn's feature names instead, and `target` (0
# malignant, 1 benign). build/data is ignored by git, kept across builds.
data_dir="$(cd "$(dirname "$0")/.." && pwd)/build/data"
csv="$data_dir/breast_cancer.csv"
if [[ ! -s "$csv" ]]; then
  echo "setup: extracting $csv from python3-sklearn"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq python3-sklearn 2>/dev/null) ||
    { $sudo apt-get update -qq && (cd "$tmp" && apt-get download -qq python3-sklearn 2>/dev/null); }
  member=./usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv
  dpkg-deb --fsys-tarfile "$tmp"/python3-sklearn_*.deb | tar -x -C "$tmp" "$member"
  if [[ "$(head -n 1 "$tmp/$member" | tr -d '\r')" != "569,30,malignant,benign" ]]; then
    echo "setup: $member in python3-sklearn is not the expected 569 x 30 table" >&2
    exit 1
  fi
  names=("mean radius" "mean texture" "mean perimeter" "mean area" "mean smoothness" "mean compactness"
         "mean concavity" "mean concave points" "mean symmetry" "mean fractal dimension"
         "radius error" "texture error" "perimeter error" "area error" "smoothness error" "compactness error"
         "concavity error" "concave points error" "symmetry error" "fractal dimension error"
         "worst radius" "worst texture" "worst perimeter" "worst area" "worst smoothness" "worst compactness"
         "worst concavity" "worst concave points" "worst symmetry" "worst fractal dimension" "target")
  mkdir -p "$data_dir"
  { (IFS=,; echo "${names[*]}"); tail -n +2 "$tmp/$member"; } > "$csv.tmp"
  mv "$csv.tmp" "$csv"
fi
