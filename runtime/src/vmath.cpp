// Array exp, log and tanh with xsimd's vectorized implementations; the tail
// shorter than a vector goes through a padded batch so every element gets
// the same arithmetic.
#include "nnc/vmath.h"

// GCC 12 warns about _mm512_undefined_ps() inside its own AVX-512 headers,
// which xsimd's exp and log reach: not our code and not a real use.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <xsimd/xsimd.hpp>

#include <algorithm>

namespace {

using Batch = xsimd::batch<float, xsimd::default_arch>;

template <class F> void apply(const float *x, float *y, int64_t n, F f) {
  constexpr int64_t w = static_cast<int64_t>(Batch::size);
  int64_t i = 0;
  for (; i + w <= n; i += w) f(Batch::load_unaligned(x + i)).store_unaligned(y + i);
  if (i == n) return;
  alignas(64) float buf[Batch::size] = {};
  std::copy(x + i, x + n, buf);
  f(Batch::load_aligned(buf)).store_aligned(buf);
  std::copy(buf, buf + (n - i), y + i);
}

} // namespace

extern "C" {

void nnc_vexp_f32(const float *x, float *y, int64_t n) {
  apply(x, y, n, [](Batch v) { return xsimd::exp(v); });
}

void nnc_vlog_f32(const float *x, float *y, int64_t n) {
  apply(x, y, n, [](Batch v) { return xsimd::log(v); });
}

void nnc_vtanh_f32(const float *x, float *y, int64_t n) {
  apply(x, y, n, [](Batch v) { return xsimd::tanh(v); });
}

} // extern "C"

#pragma GCC diagnostic pop
