// Benchmark: nnc_sgemm against OpenBLAS's cblas_sgemm, side by side in one
// run (the machines are shared and noisy, so only the ratio means much).
//
// Not built by CMake: it needs OpenBLAS (Debian: libopenblas-dev), which the
// project does not depend on. From the repository root, after building the
// runtime optimized (the default RelWithDebInfo build in build/):
//
//   cmake -S . -B build -G Ninja && ninja -C build nnc_runtime
//   g++ -std=c++20 -O2 -march=native -I runtime/include bench/gemm_vs_openblas.cpp
//       build/runtime/libnnc_runtime.a -lopenblas -lz -lpthread -o /tmp/gemm_vs_openblas
//   (one command line)
//   /tmp/gemm_vs_openblas [threads]        # default 1 thread for both libraries
//
// Prints GFLOP/s for square products 64..1024 and for the MLP's layer shapes
// (batch 128: 784 -> 128 -> 128 -> 10) with their two backprop products,
// dW = X^T dY (A transposed) and dX = dY W^T (B transposed), the forward
// products at batch 1 and 4 (inference), plus the largest relative
// difference between the two results as a sanity check.
#include "nnc/gemm.h"
#include "nnc/threads.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <vector>

// OpenBLAS's own thread control; weak so the file also links against another
// CBLAS (then set that library's threads through its environment variable).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace {

struct Shape {
  const char *name;
  bool transA, transB;
  int M, N, K;
};

const Shape kShapes[] = {
    {"square 64", false, false, 64, 64, 64},
    {"square 128", false, false, 128, 128, 128},
    {"square 256", false, false, 256, 256, 256},
    {"square 512", false, false, 512, 512, 512},
    {"square 1024", false, false, 1024, 1024, 1024},
    {"fc1 784->128 fwd X W", false, false, 128, 128, 784},
    {"fc1 784->128 dW  X^T dY", true, false, 784, 128, 128},
    {"fc1 784->128 dX  dY W^T", false, true, 128, 784, 128},
    {"fc2 128->128 fwd X W", false, false, 128, 128, 128},
    {"fc2 128->128 dW  X^T dY", true, false, 128, 128, 128},
    {"fc2 128->128 dX  dY W^T", false, true, 128, 128, 128},
    {"fc3 128->10  fwd X W", false, false, 128, 10, 128},
    {"fc3 128->10  dW  X^T dY", true, false, 128, 10, 128},
    {"fc3 128->10  dX  dY W^T", false, true, 128, 128, 10},
    {"fc1 fwd batch 1", false, false, 1, 128, 784},
    {"fc2 fwd batch 1", false, false, 1, 128, 128},
    {"fc3 fwd batch 1", false, false, 1, 10, 128},
    {"fc1 fwd batch 4", false, false, 4, 128, 784},
    {"fc1 dX  batch 1 dY W^T", false, true, 1, 784, 128},
};

struct Operands {
  std::vector<float> A, B;
  int lda, ldb;
};

Operands makeOperands(const Shape &s) {
  Operands o{std::vector<float>(static_cast<size_t>(s.M) * s.K), std::vector<float>(static_cast<size_t>(s.K) * s.N),
             s.transA ? s.M : s.K, s.transB ? s.K : s.N};
  unsigned state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return static_cast<float>((state >> 9) & 0xFFFF) / 32768.0f - 1.0f;
  };
  std::generate(o.A.begin(), o.A.end(), next);
  std::generate(o.B.begin(), o.B.end(), next);
  return o;
}

// Best-of-50 GFLOP/s of `gemm`, each sample repeated to last ~0.3 ms: short
// samples, so that on a shared machine some fall between preemptions.
template <typename F> double gflops(const Shape &s, F gemm) {
  double flops = 2.0 * s.M * s.N * s.K;
  int reps = static_cast<int>(std::max(1.0, 4e7 / flops));
  gemm(); // warm up: caches, thread pools, packing buffers
  double best = 1e30;
  for (int sample = 0; sample < 50; ++sample) {
    auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r)
      gemm();
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count() / reps);
  }
  return flops / best * 1e-9;
}

} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  nnc_threads_set(threads);
  if (openblas_set_num_threads) openblas_set_num_threads(threads);
  std::printf("threads: nnc %d (OpenBLAS set to %d)\n\n", nnc_threads_get(), threads);
  std::printf("%-24s %14s %9s %9s %7s %9s\n", "product", "M x N x K", "nnc", "openblas", "ratio", "max rel");
  // Every nnc product first, then every OpenBLAS one: OpenBLAS's threads
  // busy-wait for a while after each call, and on two cores they took one
  // from nnc's pool when the two libraries alternated (square 128 at 2
  // threads: 26 GFLOP/s). nnc's workers sleep within microseconds.
  std::vector<Operands> operands;
  std::vector<std::vector<float>> cNnc, cRef;
  std::vector<double> nnc, blas;
  for (const Shape &s : kShapes) {
    operands.push_back(makeOperands(s));
    cNnc.emplace_back(static_cast<size_t>(s.M) * s.N);
    cRef.emplace_back(static_cast<size_t>(s.M) * s.N);
  }
  for (size_t k = 0; k < std::size(kShapes); ++k) {
    const Shape &s = kShapes[k];
    const Operands &o = operands[k];
    float *c = cNnc[k].data();
    nnc.push_back(gflops(s, [&] {
      nnc_sgemm(s.transA, s.transB, s.M, s.N, s.K, 1.0f, o.A.data(), o.lda, o.B.data(), o.ldb, 0.0f, c, s.N);
    }));
  }
  for (size_t k = 0; k < std::size(kShapes); ++k) {
    const Shape &s = kShapes[k];
    const Operands &o = operands[k];
    float *c = cRef[k].data();
    blas.push_back(gflops(s, [&] {
      cblas_sgemm(CblasRowMajor, s.transA ? CblasTrans : CblasNoTrans, s.transB ? CblasTrans : CblasNoTrans, s.M, s.N,
                  s.K, 1.0f, o.A.data(), o.lda, o.B.data(), o.ldb, 0.0f, c, s.N);
    }));
  }
  for (size_t k = 0; k < std::size(kShapes); ++k) {
    const Shape &s = kShapes[k];
    double maxRel = 0;
    for (size_t i = 0; i < cRef[k].size(); ++i)
      maxRel = std::max(maxRel,
                        std::fabs(cNnc[k][i] - cRef[k][i]) / std::max(1.0, std::fabs(static_cast<double>(cRef[k][i]))));
    std::printf("%-24s %4d x%4d x%4d %9.1f %9.1f %7.2f %9.1e\n", s.name, s.M, s.N, s.K, nnc[k], blas[k],
                nnc[k] / blas[k], maxRel);
  }
  std::printf("\nGFLOP/s, best of 50; ratio = nnc / openblas (> 1: nnc faster)\n");
  return 0;
}
