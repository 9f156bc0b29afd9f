// The GEMM micro-kernel: one kMR x kNR tile of C, accumulated in vector
// registers with FMAs (xsimd, so it compiles to SSE, AVX2 or AVX-512).
#include "gemm_kernel.h"

namespace nnc::rt::gemm {

namespace {

// The tile's accumulators: kMR rows of kNV vectors. Loops over it are fully
// unrolled so the compiler keeps every element in a register.
struct Tile {
  Batch v[kMR][kNV];
};

// Accumulates the kc rank-1 updates of the two slivers into `t`, in k order.
inline void accumulate(int64_t kc, const float *a, const float *b, Tile &t) {
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v)
      t.v[i][v] = Batch(0.0f);
  for (int64_t k = 0; k < kc; ++k, a += kMR, b += kNR) {
    Batch bv[kNV];
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v)
      bv[v] = Batch::load_aligned(b + v * kLanes);
#pragma GCC unroll 16
    for (int i = 0; i < kMR; ++i) {
      Batch ai(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v)
        t.v[i][v] = xsimd::fma(ai, bv[v], t.v[i][v]);
    }
  }
}

// C = alpha * t + beta * C over a whole tile at C (row stride ldc). The
// partial-tile path runs this same code on a scratch tile, so an element's
// arithmetic does not depend on whether its tile is full.
inline void update(const Tile &t, float alpha, float beta, float *C, int64_t ldc) {
  Batch va(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 16
    for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v)
        (va * t.v[i][v]).store_unaligned(C + i * ldc + v * kLanes);
    return;
  }
  Batch vb(beta);
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) {
      float *c = C + i * ldc + v * kLanes;
      xsimd::fma(va, t.v[i][v], vb * Batch::load_unaligned(c)).store_unaligned(c);
    }
}

} // namespace

void microKernel(int64_t kc, const float *a, const float *b, float alpha, float beta, float *C, int64_t ldc, int m,
                 int n) {
  Tile t;
  accumulate(kc, a, b, t);
  if (m == kMR && n == kNR) {
    update(t, alpha, beta, C, ldc);
    return;
  }
  // An edge tile: stage the valid part of C in a full scratch tile. Unused
  // scratch elements are zero so no garbage (or signalling NaN) is computed
  // on; beta == 0 must not read C at all.
  alignas(kAlign) float scratch[kMR * kNR] = {};
  if (beta != 0.0f)
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j)
        scratch[i * kNR + j] = C[i * ldc + j];
  update(t, alpha, beta, scratch, kNR);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      C[i * ldc + j] = scratch[i * kNR + j];
}

} // namespace nnc::rt::gemm
