// Packing for the GEMM: copies a block of op(A) or op(B) into the sliver
// layout the micro-kernel reads (see gemm_kernel.h). Each case reads its
// source along the contiguous dimension, so a transpose costs no more than a
// strided write into a buffer that sits in L1/L2.
#include "gemm_kernel.h"

#include <algorithm>
#include <cstring>

namespace nnc::rt::gemm {

namespace {

// dst[k * width + r] = src[r * rowStride + k] for r < rows, and zero for the
// padding rows [rows, width). Reads each source row contiguously and writes
// with stride `width`.
void packStrided(const float *src, int64_t rowStride, int rows, int width, int64_t kc, float *dst) {
  for (int r = 0; r < rows; ++r) {
    const float *s = src + r * rowStride;
    for (int64_t k = 0; k < kc; ++k)
      dst[k * width + r] = s[k];
  }
  if (rows == width) return;
  for (int64_t k = 0; k < kc; ++k)
    std::fill(dst + k * width + rows, dst + (k + 1) * width, 0.0f);
}

// dst[k * Width + r] = src[k * kStride + r] for r < rows, zero-padded: each
// of the kc source runs is already contiguous. Width is a constant so that a
// full run is a few vector moves: a memcpy of variable size became `rep
// movs`, whose start-up cost exceeded the copy of 48 bytes.
template <int Width> void packContiguous(const float *src, int64_t kStride, int rows, int64_t kc, float *dst) {
  if (rows == Width) {
    for (int64_t k = 0; k < kc; ++k)
      std::memcpy(dst + k * Width, src + k * kStride, Width * sizeof(float));
    return;
  }
  for (int64_t k = 0; k < kc; ++k) {
    float *d = dst + k * Width;
    std::copy(src + k * kStride, src + k * kStride + rows, d);
    std::fill(d + rows, d + Width, 0.0f);
  }
}

} // namespace

void packA(bool trans, const float *A, int64_t lda, int64_t i0, int64_t k0, int64_t mc, int64_t kc, float *dst) {
  for (int64_t ir = 0; ir < mc; ir += kMR, dst += kMR * kc) {
    int rows = static_cast<int>(std::min<int64_t>(kMR, mc - ir));
    int64_t i = i0 + ir;
    if (trans)
      packContiguous<kMR>(A + k0 * lda + i, lda, rows, kc, dst);
    else
      packStrided(A + i * lda + k0, lda, rows, kMR, kc, dst);
  }
}

void packB(bool trans, const float *B, int64_t ldb, int64_t k0, int64_t j0, int64_t kc, int64_t nc, float *dst) {
  for (int64_t jr = 0; jr < nc; jr += kNR, dst += kNR * kc) {
    int cols = static_cast<int>(std::min<int64_t>(kNR, nc - jr));
    int64_t j = j0 + jr;
    if (trans)
      packStrided(B + j * ldb + k0, ldb, cols, kNR, kc, dst);
    else
      packContiguous<kNR>(B + k0 * ldb + j, ldb, cols, kc, dst);
  }
}

} // namespace nnc::rt::gemm
