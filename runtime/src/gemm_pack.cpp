// Packing for the GEMM: copies a block of op(A) or op(B) into the sliver
// layout the micro-kernel reads (see gemm_kernel.h). Each case reads its
// source along the contiguous dimension; a sliver whose rows are the
// source's rows is transposed on the way.
#include "gemm_kernel.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>

namespace nnc::rt::gemm {

namespace {

// dst[k * width + r] = src[r * rowStride + k] for r < rows, and zero for the
// padding rows [rows, width). Reads each source row contiguously and writes
// with stride `width`.
void packStridedScalar(const float *src, int64_t rowStride, int rows, int width, int64_t kc, float *dst) {
  for (int r = 0; r < rows; ++r) {
    const float *s = src + r * rowStride;
    for (int64_t k = 0; k < kc; ++k)
      dst[k * width + r] = s[k];
  }
  if (rows == width) return;
  for (int64_t k = 0; k < kc; ++k)
    std::fill(dst + k * width + rows, dst + (k + 1) * width, 0.0f);
}

#if defined(__AVX512F__)
// GCC 12's own AVX-512 headers trip -Wuninitialized (-Wmaybe-uninitialized
// unoptimized) in these shuffles: their _mm512_undefined_ps operand, GCC bug
// 105593.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Transposes the 16 x 16 block r[i][j] in registers: afterwards r[j] holds
// what was column j. Unpacks pair rows by 32 and 64 bits, then two rounds of
// 128-bit lane shuffles gather each column's four quarters.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int q = 0; q < 16; q += 4) {
    __m512 lo01 = _mm512_unpacklo_ps(r[q], r[q + 1]), hi01 = _mm512_unpackhi_ps(r[q], r[q + 1]);
    __m512 lo23 = _mm512_unpacklo_ps(r[q + 2], r[q + 3]), hi23 = _mm512_unpackhi_ps(r[q + 2], r[q + 3]);
    auto pd = [](__m512 v) { return _mm512_castps_pd(v); };
    // t[q + j]: rows q..q+3 of columns j, j + 4, j + 8, j + 12, one per lane.
    t[q] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(lo01), pd(lo23)));
    t[q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(lo01), pd(lo23)));
    t[q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(hi01), pd(hi23)));
    t[q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(hi01), pd(hi23)));
  }
  for (int j = 0; j < 4; ++j) {
    // Lanes 0 and 2 of each operand (0x88), or 1 and 3 (0xdd).
    __m512 a = _mm512_shuffle_f32x4(t[j], t[j + 4], 0x88), b = _mm512_shuffle_f32x4(t[j], t[j + 4], 0xdd);
    __m512 c = _mm512_shuffle_f32x4(t[j + 8], t[j + 12], 0x88), d = _mm512_shuffle_f32x4(t[j + 8], t[j + 12], 0xdd);
    r[j] = _mm512_shuffle_f32x4(a, c, 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(a, c, 0xdd);
    r[j + 4] = _mm512_shuffle_f32x4(b, d, 0x88);
    r[j + 12] = _mm512_shuffle_f32x4(b, d, 0xdd);
  }
}
#pragma GCC diagnostic pop
#endif

// packStridedScalar's result. With AVX-512, 16 columns at a time are loaded
// from up to 16 rows and transposed in registers (missing rows are zeros,
// which is the padding), and each column is stored as one masked vector:
// the scalar loop's one load and one strided store per element made packing
// A a fifth of a training step's GEMM time.
template <int Width> void packStrided(const float *src, int64_t rowStride, int rows, int64_t kc, float *dst) {
  int64_t k0 = 0;
#if defined(__AVX512F__)
  for (; k0 + 16 <= kc; k0 += 16)
    for (int g = 0; g < Width; g += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = g + i < rows ? _mm512_loadu_ps(src + (g + i) * rowStride + k0) : _mm512_setzero_ps();
      transpose16(r);
      const auto lanes = static_cast<__mmask16>((1u << std::min(16, Width - g)) - 1);
      for (int j = 0; j < 16; ++j)
        _mm512_mask_storeu_ps(dst + (k0 + j) * Width + g, lanes, r[j]);
    }
#endif
  if (k0 < kc) packStridedScalar(src + k0, rowStride, rows, Width, kc - k0, dst + k0 * Width);
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
      packStrided<kMR>(A + i * lda + k0, lda, rows, kc, dst);
  }
}

void packB(bool trans, const float *B, int64_t ldb, int64_t k0, int64_t j0, int64_t kc, int64_t nc, float *dst) {
  for (int64_t jr = 0; jr < nc; jr += kNR, dst += kNR * kc) {
    int cols = static_cast<int>(std::min<int64_t>(kNR, nc - jr));
    int64_t j = j0 + jr;
    if (trans)
      packStrided<kNR>(B + j * ldb + k0, ldb, cols, kc, dst);
    else
      packContiguous<kNR>(B + k0 * ldb + j, ldb, cols, kc, dst);
  }
}

} // namespace nnc::rt::gemm
